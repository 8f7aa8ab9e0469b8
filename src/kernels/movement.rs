//! Data movement kernels, generic over the element type: strided slicing (SLICE,
//! STRIDED_SLICE, SPLIT, SPLIT_V, UNPACK), interleaving (PACK), GATHER, TRANSPOSE, padding
//! (PADV2, PAD), DEPTH_TO_SPACE / SPACE_TO_DEPTH, SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND.
//!
//! These kernels only copy values, so any traversal gives the reference's bytes; each one
//! states the index mapping of the TFLite reference kernel it implements. Shapes are
//! `usize` row-major; callers validate them at prepare time (the kernels index with
//! checked slices and never allocate).

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut st = vec![0; shape.len()];
    let mut acc = 1;
    for k in (0..shape.len()).rev() {
        st[k] = acc;
        acc *= shape[k];
    }
    st
}

/// Up to this rank the odometers below keep their counters on the stack.
pub const MAX_RANK: usize = 8;

/// A strided view: `out[i_0, …, i_{r-1}] = x[start + Σ i_d · step_d]`, `count_d` values
/// along each dimension (`step_d` may be negative). Precomputed once at prepare time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StridedView {
    pub start: isize,
    pub count: Vec<usize>,
    pub step: Vec<isize>,
}

impl StridedView {
    /// The view of `x` (shape `shape`) taking `count[d]` values from `begin[d]` in steps
    /// of `stride[d]` along every dimension (`reference_ops::StridedSlice` /
    /// `Slice` index mapping: output coordinate `i` reads input `begin + i · stride`).
    pub fn new(shape: &[usize], begin: &[isize], stride: &[isize], count: &[usize]) -> Self {
        let st = strides(shape);
        let start = begin.iter().zip(&st).map(|(&b, &s)| b * s as isize).sum();
        let step = stride
            .iter()
            .zip(&st)
            .map(|(&k, &s)| k * s as isize)
            .collect();
        StridedView {
            start,
            count: count.to_vec(),
            step,
        }
    }

    /// Number of elements of the view.
    pub fn len(&self) -> usize {
        self.count.iter().product()
    }

    /// True for an empty view.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Copies the strided view `v` of `x` into `out` (row-major over the view). The innermost
/// dimension is copied as a slice when its step is 1.
pub fn strided_copy<T: Copy>(v: &StridedView, x: &[T], out: &mut [T]) {
    let n = v.len();
    if n == 0 {
        return;
    }
    let rank = v.count.len();
    if rank == 0 {
        out[0] = x[v.start as usize];
        return;
    }
    let inner = v.count[rank - 1];
    let inner_step = v.step[rank - 1];
    let mut idx = [0usize; MAX_RANK];
    let mut base = v.start;
    for run in out[..n].chunks_exact_mut(inner) {
        if inner_step == 1 {
            let b = base as usize;
            run.copy_from_slice(&x[b..b + inner]);
        } else {
            for (k, o) in run.iter_mut().enumerate() {
                *o = x[(base + k as isize * inner_step) as usize];
            }
        }
        for d in (0..rank - 1).rev() {
            idx[d] += 1;
            base += v.step[d];
            if idx[d] < v.count[d] {
                break;
            }
            base -= v.step[d] * v.count[d] as isize;
            idx[d] = 0;
        }
    }
}

/// Copies `x` (viewed as `[outer, inner]`) into the columns `[offset, offset + inner)` of
/// `out` (viewed as `[outer, out_inner]`): one input of PACK / CONCATENATION along an
/// axis (`reference_ops::Pack` / `Concatenation`: `outer` copies of `inner` values).
pub fn copy_into_columns<T: Copy>(
    x: &[T],
    outer: usize,
    inner: usize,
    out: &mut [T],
    out_inner: usize,
    offset: usize,
) {
    for o in 0..outer {
        out[o * out_inner + offset..o * out_inner + offset + inner]
            .copy_from_slice(&x[o * inner..(o + 1) * inner]);
    }
}

/// GATHER (`reference_ops::Gather`) with `batch_dims`: `x` seen as
/// `[batch, outer, axis_size, inner]`, `indices` as `[batch, per_batch]`, output as
/// `[batch, outer, per_batch, inner]`; `out[b, o, j, :] = x[b, o, indices[b, j], :]`.
/// Returns the first out-of-range index (nothing is written past it), as the reference
/// refuses it.
#[allow(clippy::too_many_arguments)]
pub fn gather<T: Copy>(
    x: &[T],
    batch: usize,
    outer: usize,
    axis_size: usize,
    inner: usize,
    indices: &[i32],
    per_batch: usize,
    out: &mut [T],
) -> Result<(), i32> {
    for b in 0..batch {
        for o in 0..outer {
            for j in 0..per_batch {
                let idx = indices[b * per_batch + j];
                if idx < 0 || idx as usize >= axis_size {
                    return Err(idx);
                }
                let src = ((b * outer + o) * axis_size + idx as usize) * inner;
                let dst = ((b * outer + o) * per_batch + j) * inner;
                out[dst..dst + inner].copy_from_slice(&x[src..src + inner]);
            }
        }
    }
    Ok(())
}

/// TRANSPOSE (`reference_ops::Transpose`): `out[i] = x[j]` with output dimension `d` being
/// input dimension `perm[d]`.
pub fn transpose<T: Copy>(x: &[T], shape: &[usize], perm: &[usize], out: &mut [T]) {
    let st = strides(shape);
    let count: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let step: Vec<isize> = perm.iter().map(|&p| st[p] as isize).collect();
    strided_copy(
        &StridedView {
            start: 0,
            count,
            step,
        },
        x,
        out,
    );
}

/// PAD / PADV2 (`reference_ops::PadImpl`): `out` has `before[d] + shape[d] + after[d]`
/// values along each dimension; positions outside `x` take `value`.
pub fn pad<T: Copy>(
    x: &[T],
    shape: &[usize],
    before: &[usize],
    after: &[usize],
    value: T,
    out: &mut [T],
) {
    let rank = shape.len();
    let out_shape: Vec<usize> = (0..rank).map(|d| before[d] + shape[d] + after[d]).collect();
    let n: usize = out_shape.iter().product();
    if n == 0 {
        return;
    }
    if rank == 0 {
        out[0] = x[0];
        return;
    }
    let inner_out = out_shape[rank - 1];
    let inner_in = shape[rank - 1];
    let (lo, hi) = (before[rank - 1], before[rank - 1] + inner_in);
    let in_st = strides(shape);
    let mut idx = [0usize; MAX_RANK];
    for row in out[..n].chunks_exact_mut(inner_out) {
        // The input row this output row reads, if any.
        let mut src = Some(0usize);
        for d in 0..rank - 1 {
            let c = idx[d];
            if c < before[d] || c >= before[d] + shape[d] {
                src = None;
                break;
            }
            if let Some(s) = src.as_mut() {
                *s += (c - before[d]) * in_st[d];
            }
        }
        match src {
            Some(s) if inner_in > 0 => {
                row[..lo].fill(value);
                row[lo..hi].copy_from_slice(&x[s..s + inner_in]);
                row[hi..].fill(value);
            }
            _ => row.fill(value),
        }
        for d in (0..rank - 1).rev() {
            idx[d] += 1;
            if idx[d] < out_shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// DEPTH_TO_SPACE (`reference_ops::DepthToSpace`), NHWC `x` `[b, h, w, c]` to
/// `[b, h·bs, w·bs, c / bs²]`: `out[b, oh, ow, od] = x[b, oh / bs, ow / bs,
/// od + ((oh % bs) · bs + ow % bs) · out_c]`.
pub fn depth_to_space<T: Copy>(x: &[T], in_shape: [usize; 4], block: usize, out: &mut [T]) {
    let [nb, ih, iw, ic] = in_shape;
    let (oh, ow, oc) = (ih * block, iw * block, ic / (block * block));
    for b in 0..nb {
        for y in 0..oh {
            for xx in 0..ow {
                let dst = ((b * oh + y) * ow + xx) * oc;
                let d0 = ((y % block) * block + xx % block) * oc;
                let src = ((b * ih + y / block) * iw + xx / block) * ic + d0;
                out[dst..dst + oc].copy_from_slice(&x[src..src + oc]);
            }
        }
    }
}

/// SPACE_TO_DEPTH (`reference_ops::SpaceToDepth`), NHWC `[b, h, w, c]` to
/// `[b, h / bs, w / bs, c · bs²]`: `out[b, ih / bs, iw / bs, id + ((ih % bs) · bs +
/// iw % bs) · c] = x[b, ih, iw, id]`.
pub fn space_to_depth<T: Copy>(x: &[T], in_shape: [usize; 4], block: usize, out: &mut [T]) {
    let [nb, ih, iw, ic] = in_shape;
    let (oh, ow, oc) = (ih / block, iw / block, ic * block * block);
    for b in 0..nb {
        for y in 0..ih {
            for xx in 0..iw {
                let src = ((b * ih + y) * iw + xx) * ic;
                let d0 = ((y % block) * block + xx % block) * ic;
                let dst = ((b * oh + y / block) * ow + xx / block) * oc + d0;
                out[dst..dst + ic].copy_from_slice(&x[src..src + ic]);
            }
        }
    }
}

/// SPACE_TO_BATCH_ND (`reference_ops::SpaceToBatchND`) on NHWC (a 3-D input is
/// `[b, h, 1, c]` with block width 1): output batch `ob` takes input batch
/// `ob % in_b` at spatial shift `(ob / in_b) / bw, (ob / in_b) % bw`; positions in the
/// padding take `pad_value` (0, or the output zero point for 8-bit).
pub fn space_to_batch<T: Copy>(
    x: &[T],
    in_shape: [usize; 4],
    block: [usize; 2],
    pad_top_left: [usize; 2],
    out_shape: [usize; 4],
    pad_value: T,
    out: &mut [T],
) {
    let [ib, ih, iw, c] = in_shape;
    let [obn, oh, ow, _] = out_shape;
    let [bh, bw] = block;
    let [pt, pl] = pad_top_left;
    for ob in 0..obn {
        let in_b = ob % ib;
        let shift_w = (ob / ib) % bw;
        let shift_h = (ob / ib) / bw;
        for y in 0..oh {
            for xx in 0..ow {
                let dst = ((ob * oh + y) * ow + xx) * c;
                let sy = y * bh + shift_h;
                let sx = xx * bw + shift_w;
                if sy < pt || sy >= pt + ih || sx < pl || sx >= pl + iw {
                    out[dst..dst + c].fill(pad_value);
                } else {
                    let src = ((in_b * ih + (sy - pt)) * iw + (sx - pl)) * c;
                    out[dst..dst + c].copy_from_slice(&x[src..src + c]);
                }
            }
        }
    }
}

/// BATCH_TO_SPACE_ND (`reference_ops::BatchToSpaceND`) on NHWC: input batch `b` goes to
/// output batch `b % out_b` at spatial offset `(b / out_b) / bw, (b / out_b) % bw`, minus
/// the crops; positions cropped away are dropped.
pub fn batch_to_space<T: Copy>(
    x: &[T],
    in_shape: [usize; 4],
    block: [usize; 2],
    crop_top_left: [usize; 2],
    out_shape: [usize; 4],
    out: &mut [T],
) {
    let [ib, ih, iw, c] = in_shape;
    let [obn, oh, ow, _] = out_shape;
    let [bh, bw] = block;
    let [ct, cl] = crop_top_left;
    for b in 0..ib {
        let out_b = b % obn;
        let spatial = b / obn;
        for y in 0..ih {
            let Some(out_y) = (y * bh + spatial / bw).checked_sub(ct) else {
                continue;
            };
            if out_y >= oh {
                continue;
            }
            for xx in 0..iw {
                let Some(out_x) = (xx * bw + spatial % bw).checked_sub(cl) else {
                    continue;
                };
                if out_x >= ow {
                    continue;
                }
                let dst = ((out_b * oh + out_y) * ow + out_x) * c;
                let src = ((b * ih + y) * iw + xx) * c;
                out[dst..dst + c].copy_from_slice(&x[src..src + c]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_copy_with_negative_steps() {
        // x: 2 x 3 x 4, take [:, ::-1, 1:4:2]
        let x: Vec<i32> = (0..24).collect();
        let v = StridedView::new(&[2, 3, 4], &[0, 2, 1], &[1, -1, 2], &[2, 3, 2]);
        let mut out = vec![0; v.len()];
        strided_copy(&v, &x, &mut out);
        assert_eq!(out, vec![9, 11, 5, 7, 1, 3, 21, 23, 17, 19, 13, 15]);
    }

    #[test]
    fn transpose_matches_the_definition() {
        let shape = [2, 3, 4];
        let x: Vec<i32> = (0..24).collect();
        let perm = [2, 0, 1];
        let mut out = vec![0; 24];
        transpose(&x, &shape, &perm, &mut out);
        for a in 0..4 {
            for b in 0..2 {
                for c in 0..3 {
                    assert_eq!(out[(a * 2 + b) * 3 + c], x[(b * 3 + c) * 4 + a]);
                }
            }
        }
    }

    #[test]
    fn pad_matches_the_definition() {
        let x: Vec<i32> = (1..=6).collect(); // 2 x 3
        let mut out = vec![0; 4 * 6];
        pad(&x, &[2, 3], &[1, 2], &[1, 1], -1, &mut out);
        #[rustfmt::skip]
        let want = vec![
            -1, -1, -1, -1, -1, -1,
            -1, -1, 1, 2, 3, -1,
            -1, -1, 4, 5, 6, -1,
            -1, -1, -1, -1, -1, -1,
        ];
        assert_eq!(out, want);
    }

    #[test]
    fn depth_space_round_trip() {
        let x: Vec<i32> = (0..2 * 2 * 3 * 8).collect();
        let mut y = vec![0; x.len()];
        depth_to_space(&x, [2, 2, 3, 8], 2, &mut y);
        let mut back = vec![0; x.len()];
        space_to_depth(&y, [2, 4, 6, 2], 2, &mut back);
        assert_eq!(back, x);
    }

    #[test]
    fn space_batch_round_trip() {
        let x: Vec<i32> = (0..4 * 6 * 2).collect();
        // pad 1 on top, 1 bottom, 0/2 left/right: 6 x 8, block 2 -> 4 batches of 3 x 4.
        let mut y = vec![0; 4 * 3 * 4 * 2];
        space_to_batch(&x, [1, 4, 6, 2], [2, 2], [1, 0], [4, 3, 4, 2], -7, &mut y);
        let mut back = vec![0; x.len()];
        batch_to_space(&y, [4, 3, 4, 2], [2, 2], [1, 0], [1, 4, 6, 2], &mut back);
        assert_eq!(back, x);
        assert_eq!(y.iter().filter(|&&v| v == -7).count(), (6 * 8 - 4 * 6) * 2);
    }

    #[test]
    fn gather_refuses_out_of_range_indices() {
        let x: Vec<i32> = (0..12).collect(); // 3 x 4, gather rows
        let mut out = vec![0; 8];
        assert_eq!(gather(&x, 1, 1, 3, 4, &[2, 0], 2, &mut out), Ok(()));
        assert_eq!(out, vec![8, 9, 10, 11, 0, 1, 2, 3]);
        assert_eq!(gather(&x, 1, 1, 3, 4, &[3, 0], 2, &mut out), Err(3));
    }
}
