//! Broadcasting of binary element-wise ops (SUB, DIV, MAXIMUM, MINIMUM,
//! SQUARED_DIFFERENCE, PRELU; ADD and MUL can use it too), as TFLite's reference kernels
//! do it (`NdArrayDescsForElementwiseBroadcast` + `BroadcastBinaryOpSimple`): shapes are
//! aligned on the right, each dimension is equal or 1 in an operand, an operand of size 1
//! along a dimension is repeated. The per-element arithmetic does not depend on the order
//! the elements are visited in, so any traversal gives the reference's bits; this one
//! walks the output in row-major order with the innermost run as long as possible.
//!
//! [`Broadcast::new`] works out the geometry once (prepare time); [`binary`] applies a
//! per-element function. Dimensions of size 1 are dropped and neighbouring dimensions
//! with the same broadcast pattern are merged, so "same shape" is one flat loop and
//! "per-channel vector" is a long run with a repeated operand.

/// Largest rank [`Broadcast`] handles (TFLite's reference kernels go to 6).
pub const MAX_RANK: usize = 6;

/// How each operand is read along one (merged) output dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Dim {
    size: usize,
    /// Element strides in `a` and `b` (0 where the operand is repeated).
    stride_a: usize,
    stride_b: usize,
}

/// The precomputed geometry of `out = f(a, b)` with broadcasting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broadcast {
    /// Merged dimensions, outermost first (empty for a scalar output).
    dims: Vec<Dim>,
    len: usize,
}

/// The broadcast output shape of `a` and `b` (numpy rules), `None` when a dimension
/// differs and neither is 1.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for (k, o) in out.iter_mut().enumerate() {
        let da = if k + a.len() >= rank {
            a[k + a.len() - rank]
        } else {
            1
        };
        let db = if k + b.len() >= rank {
            b[k + b.len() - rank]
        } else {
            1
        };
        *o = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

impl Broadcast {
    /// The geometry for operands of shapes `a` and `b`; `None` when they do not broadcast.
    /// The output shape is [`broadcast_shape`]`(a, b)`.
    pub fn new(a: &[usize], b: &[usize]) -> Option<Broadcast> {
        let out = broadcast_shape(a, b)?;
        let rank = out.len();
        let pad = |s: &[usize]| -> Vec<usize> {
            let mut v = vec![1; rank - s.len()];
            v.extend_from_slice(s);
            v
        };
        let (pa, pb) = (pad(a), pad(b));
        // Row-major strides of the padded operands.
        let strides = |s: &[usize]| -> Vec<usize> {
            let mut st = vec![0; rank];
            let mut acc = 1;
            for k in (0..rank).rev() {
                st[k] = acc;
                acc *= s[k];
            }
            st
        };
        let (sa, sb) = (strides(&pa), strides(&pb));
        let mut dims: Vec<Dim> = Vec::new();
        for k in 0..rank {
            if out[k] == 1 {
                continue;
            }
            let d = Dim {
                size: out[k],
                stride_a: if pa[k] == 1 { 0 } else { sa[k] },
                stride_b: if pb[k] == 1 { 0 } else { sb[k] },
            };
            // Merge with the previous dimension when both operands continue contiguously
            // (or stay repeated) across the boundary.
            if let Some(prev) = dims.last_mut() {
                let joins = |prev_stride: usize, stride: usize| {
                    (prev_stride == 0 && stride == 0)
                        || (stride != 0 && prev_stride == stride * d.size)
                };
                if joins(prev.stride_a, d.stride_a) && joins(prev.stride_b, d.stride_b) {
                    prev.size *= d.size;
                    prev.stride_a = d.stride_a;
                    prev.stride_b = d.stride_b;
                    continue;
                }
            }
            dims.push(d);
        }
        Some(Broadcast {
            len: out.iter().product(),
            dims,
        })
    }

    /// Number of output elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty output.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when both operands are read element for element (same shapes, up to 1s).
    pub fn is_elementwise(&self) -> bool {
        self.dims.len() <= 1 && self.dims.iter().all(|d| d.stride_a == 1 && d.stride_b == 1)
    }
}

/// `out[i] = f(a[ia(i)], b[ib(i)])` over the broadcast geometry `bc` (`out.len()` must be
/// `bc.len()`, the operands their shapes' element counts).
#[inline]
pub fn binary<A: Copy, B: Copy, O>(
    bc: &Broadcast,
    a: &[A],
    b: &[B],
    out: &mut [O],
    f: impl Fn(A, B) -> O,
) {
    let out = &mut out[..bc.len];
    if bc.len == 0 {
        return;
    }
    let Some((inner, outer_dims)) = bc.dims.split_last() else {
        out[0] = f(a[0], b[0]);
        return;
    };
    let n = inner.size;
    let mut idx = [0usize; MAX_RANK];
    let (mut oa, mut ob) = (0usize, 0usize);
    for run in out.chunks_exact_mut(n) {
        match (inner.stride_a, inner.stride_b) {
            (1, 1) => {
                for ((o, &x), &y) in run.iter_mut().zip(&a[oa..oa + n]).zip(&b[ob..ob + n]) {
                    *o = f(x, y);
                }
            }
            (1, 0) => {
                let y = b[ob];
                for (o, &x) in run.iter_mut().zip(&a[oa..oa + n]) {
                    *o = f(x, y);
                }
            }
            (0, 1) => {
                let x = a[oa];
                for (o, &y) in run.iter_mut().zip(&b[ob..ob + n]) {
                    *o = f(x, y);
                }
            }
            (sa, sb) => {
                for (k, o) in run.iter_mut().enumerate() {
                    *o = f(a[oa + k * sa], b[ob + k * sb]);
                }
            }
        }
        // Advance the odometer over the outer dimensions.
        for (d, dim) in outer_dims.iter().enumerate().rev() {
            idx[d] += 1;
            oa += dim.stride_a;
            ob += dim.stride_b;
            if idx[d] < dim.size {
                break;
            }
            oa -= dim.stride_a * dim.size;
            ob -= dim.stride_b * dim.size;
            idx[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive definition: index every operand through its own padded shape.
    fn naive(a: &[usize], b: &[usize], av: &[i32], bv: &[i32]) -> (Vec<usize>, Vec<i32>) {
        let out = broadcast_shape(a, b).unwrap();
        let rank = out.len();
        let n: usize = out.iter().product();
        let mut res = Vec::with_capacity(n);
        for flat in 0..n {
            let mut rem = flat;
            let mut coord = vec![0; rank];
            for k in (0..rank).rev() {
                coord[k] = rem % out[k];
                rem /= out[k];
            }
            let at = |s: &[usize], v: &[i32]| {
                let off = rank - s.len();
                let mut i = 0;
                for k in 0..s.len() {
                    let c = if s[k] == 1 { 0 } else { coord[k + off] };
                    i = i * s[k] + c;
                }
                v[i]
            };
            res.push(at(a, av) * 1000 + at(b, bv));
        }
        (out, res)
    }

    #[test]
    fn matches_the_naive_definition() {
        let shapes: &[(&[usize], &[usize])] = &[
            (&[2, 3], &[2, 3]),
            (&[2, 3], &[3]),
            (&[2, 3], &[1]),
            (&[], &[4]),
            (&[4], &[]),
            (&[2, 1, 4], &[3, 1]),
            (&[1, 5, 1, 3], &[2, 1, 4, 3]),
            (&[2, 3, 4, 5], &[1, 3, 1, 5]),
            (&[1, 1, 1, 6], &[1, 2, 3, 1]),
            (&[2, 2, 2, 2, 2, 2], &[2, 1, 2, 1, 2, 1]),
            (&[3, 0, 2], &[1, 1]),
            (&[1, 4, 4, 8], &[1, 1, 1, 8]),
        ];
        for &(sa, sb) in shapes {
            let na: usize = sa.iter().product();
            let nb: usize = sb.iter().product();
            let av: Vec<i32> = (0..na as i32).collect();
            let bv: Vec<i32> = (0..nb as i32).map(|v| v + 1).collect();
            let (out_shape, want) = naive(sa, sb, &av, &bv);
            let bc = Broadcast::new(sa, sb).unwrap();
            assert_eq!(bc.len(), out_shape.iter().product::<usize>());
            let mut got = vec![0; bc.len()];
            binary(&bc, &av, &bv, &mut got, |x, y| x * 1000 + y);
            assert_eq!(got, want, "{sa:?} x {sb:?}");
            // Swapped operands.
            let (_, want2) = naive(sb, sa, &bv, &av);
            let bc2 = Broadcast::new(sb, sa).unwrap();
            let mut got2 = vec![0; bc2.len()];
            binary(&bc2, &bv, &av, &mut got2, |x, y| x * 1000 + y);
            assert_eq!(got2, want2, "{sb:?} x {sa:?}");
        }
    }

    #[test]
    fn incompatible_shapes_and_merging() {
        assert!(Broadcast::new(&[2, 3], &[4]).is_none());
        assert_eq!(broadcast_shape(&[2, 1, 3], &[4, 1]), Some(vec![2, 4, 3]));
        assert!(Broadcast::new(&[2, 3, 4], &[2, 3, 4])
            .unwrap()
            .is_elementwise());
        assert!(Broadcast::new(&[1, 3, 4], &[3, 4])
            .unwrap()
            .is_elementwise());
        assert!(!Broadcast::new(&[2, 3, 4], &[4]).unwrap().is_elementwise());
        // A per-channel vector merges the outer dimensions into one.
        assert_eq!(Broadcast::new(&[2, 5, 5, 8], &[8]).unwrap().dims.len(), 2);
    }
}
