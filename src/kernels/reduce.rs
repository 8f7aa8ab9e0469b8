//! Reductions over a set of axes: REDUCE_MAX, SUM, MEAN.
//!
//! [`Reduction`] maps every input element to its output element; the kernels visit the
//! input in row-major order and fold each value into its output in that order, which is
//! the order of both LiteRT's reference `ReduceGeneric` and the optimized `Reduce` (each
//! output's inputs in increasing input position), so float sums have their bits. When every
//! axis is reduced the reference starts from the first element instead of the neutral
//! value (`ReduceAllDims`); so do these kernels.
//!
//! MEAN is `reference_ops::Mean` (float: a float sum from 0 in input order, divided by the
//! element count as a float) and `reference_ops::QuantizedMeanOrSum` (8-bit: int32 sums of
//! the raw values, minus `zp_in · n`, times the multiplier of `s_in / s_out` with `1/n`
//! folded in by integer division, `MultiplyByQuantizedMultiplier`, plus `zp_out`).
//!
//! int8 SUM follows LiteRT's *builtin* kernel (`optimized_ops::QuantizedMeanOrSum` with
//! `compute_sum`): the raw values summed in int32, then
//! `round(sum · (s_in / s_out) + (−zp_in · (s_in / s_out) · n)) + zp_out` in float,
//! clamped. The reference kernel (`BUILTIN_REF`) reads int8 data as uint8 in that path and
//! returns unrelated values (see the fixtures README, "LiteRT 2.3.0 facts"); the builtin
//! kernel is the one the fixtures use as reference and the one that computes a sum.

/// The geometry of a reduction: for each input dimension, the stride of its coordinate in
/// the output (0 for a reduced dimension).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reduction {
    in_shape: Vec<usize>,
    out_stride: Vec<usize>,
    out_len: usize,
    /// Number of input elements per output (the product of the reduced dimensions).
    pub per_output: usize,
    /// Every dimension is reduced (`ReduceAllDims`).
    pub all_dims: bool,
}

impl Reduction {
    /// The reduction of `in_shape` over the (resolved, distinct) `axes`.
    pub fn new(in_shape: &[usize], axes: &[usize]) -> Self {
        let rank = in_shape.len();
        let mut out_stride = vec![0; rank];
        let mut acc = 1;
        for d in (0..rank).rev() {
            if !axes.contains(&d) {
                out_stride[d] = acc;
                acc *= in_shape[d];
            }
        }
        let per_output = axes.iter().map(|&a| in_shape[a]).product();
        Reduction {
            in_shape: in_shape.to_vec(),
            out_stride,
            out_len: acc,
            per_output,
            all_dims: rank > 0 && axes.len() == rank,
        }
    }

    /// Number of outputs.
    pub fn out_len(&self) -> usize {
        self.out_len
    }

    /// Calls `f(output index, input value)` for every input value in row-major order.
    #[inline]
    fn for_each<T: Copy>(&self, x: &[T], mut f: impl FnMut(usize, T)) {
        let rank = self.in_shape.len();
        let n: usize = self.in_shape.iter().product();
        if n == 0 {
            return;
        }
        if rank == 0 {
            f(0, x[0]);
            return;
        }
        let inner = self.in_shape[rank - 1];
        let inner_stride = self.out_stride[rank - 1];
        let mut idx = [0usize; super::movement::MAX_RANK];
        let mut base = 0usize;
        for run in x[..n].chunks_exact(inner) {
            for (k, &v) in run.iter().enumerate() {
                f(base + k * inner_stride, v);
            }
            for d in (0..rank - 1).rev() {
                idx[d] += 1;
                base += self.out_stride[d];
                if idx[d] < self.in_shape[d] {
                    break;
                }
                base -= self.out_stride[d] * self.in_shape[d];
                idx[d] = 0;
            }
        }
    }

    /// Folds every input into its output with `reduce`, starting from `init` (or from the
    /// first element when every axis is reduced).
    fn fold<T: Copy>(&self, x: &[T], out: &mut [T], init: T, reduce: impl Fn(T, T) -> T) {
        let out = &mut out[..self.out_len];
        if self.all_dims && !x.is_empty() {
            let mut acc = x[0];
            for &v in &x[1..self.in_shape.iter().product::<usize>()] {
                acc = reduce(acc, v);
            }
            out[0] = acc;
            return;
        }
        out.fill(init);
        self.for_each(x, |o, v| out[o] = reduce(out[o], v));
    }
}

/// REDUCE_MAX on float: `in > current ? in : current` from `f32::lowest`.
pub fn f32_reduce_max_generic(r: &Reduction, x: &[f32], out: &mut [f32]) {
    r.fold(x, out, f32::MIN, |c, v| if v > c { v } else { c });
}

/// REDUCE_MAX on 8-bit raw values (input and output share one scale and zero point).
pub fn qx8_reduce_max_generic<T: Copy + PartialOrd + super::QuantInt>(
    r: &Reduction,
    x: &[T],
    out: &mut [T],
) {
    r.fold(x, out, T::from_i32_clamped(T::MIN), |c, v| {
        if v > c {
            v
        } else {
            c
        }
    });
}

/// SUM on float: `current + in` in input order from 0.
pub fn f32_reduce_sum_generic(r: &Reduction, x: &[f32], out: &mut [f32]) {
    r.fold(x, out, 0.0, |c, v| c + v);
}

/// 8-bit SUM with rescaling (see the module docs): `scale = s_in / s_out` and
/// `bias = -zp_in · scale · n` in float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QSumParams {
    pub scale: f32,
    pub bias: f32,
    pub output_zero_point: i32,
}

impl QSumParams {
    /// `optimized_ops::QuantizedMeanOrSum`'s sum parameters.
    pub fn new(in_scale: f32, in_zp: i32, out_scale: f32, out_zp: i32, per_output: usize) -> Self {
        let scale = in_scale / out_scale;
        QSumParams {
            scale,
            bias: -in_zp as f32 * scale * per_output as f32,
            output_zero_point: out_zp,
        }
    }
}

/// 8-bit SUM: int32 sums of the raw values (`acc` holds one per output), then the float
/// rescaling, rounded half away from zero, offset and clamped.
pub fn qx8_reduce_sum_generic<T: super::QuantInt>(
    r: &Reduction,
    p: &QSumParams,
    x: &[T],
    acc: &mut [i32],
    out: &mut [T],
) {
    let acc = &mut acc[..r.out_len];
    acc.fill(0);
    r.for_each(x, |o, v| acc[o] = acc[o].wrapping_add(v.to_i32()));
    for (o, &s) in out.iter_mut().zip(acc.iter()) {
        let v = ((s as f32 * p.scale + p.bias).round() as i32).wrapping_add(p.output_zero_point);
        *o = T::from_i32_clamped(v);
    }
}

/// MEAN on float (`reference_ops::Mean<float, float>`): per output, `sum / n` with the sum
/// accumulated from 0 in input order; NaN outputs for an empty reduction (`n = 0`), as
/// `InitializeMeanOutput`.
pub fn f32_reduce_mean_generic(r: &Reduction, x: &[f32], out: &mut [f32]) {
    let out = &mut out[..r.out_len];
    if r.per_output == 0 || x.is_empty() {
        out.fill(f32::NAN);
        return;
    }
    out.fill(0.0);
    r.for_each(x, |o, v| out[o] += v);
    let n = r.per_output as f32;
    for o in out.iter_mut() {
        *o /= n;
    }
}

/// 8-bit MEAN parameters (`PrepareMeanOrSum` + `QuantizedMeanOrSum`'s rescaling for a mean).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QMeanParams {
    pub input_zero_point: i32,
    pub output_zero_point: i32,
    /// The multiplier of `s_in / s_out` divided by `n` (integer division after a left
    /// shift by `min(floor(log2 n), 32, 31 + shift)`).
    pub multiplier: i32,
    pub shift: i32,
    pub n: i32,
}

impl QMeanParams {
    /// From `QuantizeMultiplier(s_in / s_out)` = `(multiplier, shift)` and the number of
    /// inputs per output `n` (> 0).
    pub fn new(in_zp: i32, out_zp: i32, multiplier: i32, shift: i32, n: usize) -> Self {
        let n64 = n.max(1) as u64;
        let mut s = 63 - n64.leading_zeros() as i32;
        s = s.min(32).min(31 + shift).max(0);
        let m = ((i64::from(multiplier) << s) / n64 as i64) as i32;
        QMeanParams {
            input_zero_point: in_zp,
            output_zero_point: out_zp,
            multiplier: m,
            shift: shift - s,
            n: n as i32,
        }
    }
}

/// 8-bit MEAN: int32 sums of the raw values (`acc` holds one per output), then
/// `MultiplyByQuantizedMultiplier(sum - zp_in · n) + zp_out`, clamped to the type. An
/// empty reduction gives zeros (the reference's `T()` initialisation).
pub fn qx8_reduce_mean_generic<T: super::QuantInt>(
    r: &Reduction,
    p: &QMeanParams,
    x: &[T],
    acc: &mut [i32],
    out: &mut [T],
) {
    let out = &mut out[..r.out_len];
    if r.per_output == 0 || x.is_empty() {
        out.fill(T::from_i32_clamped(0));
        return;
    }
    let acc = &mut acc[..r.out_len];
    acc.fill(0);
    r.for_each(x, |o, v| acc[o] = acc[o].wrapping_add(v.to_i32()));
    let bias = p.input_zero_point.wrapping_mul(p.n);
    for (o, &s) in out.iter_mut().zip(acc.iter()) {
        let v = super::fixedpoint::multiply_by_quantized_multiplier(
            s.wrapping_sub(bias),
            p.multiplier,
            p.shift,
        )
        .wrapping_add(p.output_zero_point);
        *o = T::from_i32_clamped(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_match_the_definition() {
        // 2 x 3 x 4, reduce axes {0, 2} -> 3 outputs.
        let x: Vec<f32> = (0..24).map(|v| v as f32).collect();
        let r = Reduction::new(&[2, 3, 4], &[0, 2]);
        assert_eq!((r.out_len(), r.per_output), (3, 8));
        let mut s = vec![0.0; 3];
        f32_reduce_sum_generic(&r, &x, &mut s);
        for (j, &got) in s.iter().enumerate() {
            let want: f32 = (0..2)
                .flat_map(|a| (0..4).map(move |c| (a * 12 + j * 4 + c) as f32))
                .sum();
            assert_eq!(got, want);
        }
        let mut m = vec![0.0; 3];
        f32_reduce_max_generic(&r, &x, &mut m);
        assert_eq!(m, vec![15.0, 19.0, 23.0]);
        // Every axis: starts from the first element.
        let all = Reduction::new(&[2, 3, 4], &[0, 1, 2]);
        let mut one = vec![0.0];
        f32_reduce_max_generic(&all, &[f32::NEG_INFINITY; 24], &mut one);
        assert_eq!(one[0], f32::NEG_INFINITY);
        let part = Reduction::new(&[2, 3, 4], &[1]);
        let mut many = vec![0.0; 8];
        f32_reduce_max_generic(&part, &[f32::NEG_INFINITY; 24], &mut many);
        assert_eq!(many[0], f32::MIN);
    }

    #[test]
    fn mean_float_and_quantized() {
        let r = Reduction::new(&[1, 3, 5, 2], &[1, 2]);
        assert_eq!((r.out_len(), r.per_output), (2, 15));
        let x: Vec<f32> = (0..30).map(|v| v as f32 * 0.5 - 3.0).collect();
        let mut out = vec![0.0; 2];
        f32_reduce_mean_generic(&r, &x, &mut out);
        for (c, &got) in out.iter().enumerate() {
            let mut sum = 0.0f32;
            for k in 0..15 {
                sum += x[k * 2 + c];
            }
            assert_eq!(got, sum / 15.0);
        }
        // int8: s_in 0.1, zp_in -7; s_out 0.05, zp_out 3.
        let (m, s) = crate::kernels::fixedpoint::quantize_multiplier(0.1 / 0.05).unwrap();
        let p = QMeanParams::new(-7, 3, m, s, r.per_output);
        let xq: Vec<i8> = (0..30).map(|v| (v * 9 - 128) as i8).collect();
        let mut acc = vec![0; 2];
        let mut oq = vec![0i8; 2];
        qx8_reduce_mean_generic(&r, &p, &xq, &mut acc, &mut oq);
        for (c, &got) in oq.iter().enumerate() {
            let real: f32 = (0..15)
                .map(|k| 0.1 * (xq[k * 2 + c] as f32 + 7.0))
                .sum::<f32>()
                / 15.0;
            let want = (real / 0.05 + 3.0).round().clamp(-128.0, 127.0);
            assert!((got as f32 - want).abs() <= 1.0, "{c}: {got} vs {want}");
        }
        // An empty reduction: NaN (float), zeros (8-bit).
        let e = Reduction::new(&[2, 0, 3], &[1]);
        let mut of = vec![1.0; 6];
        f32_reduce_mean_generic(&e, &[], &mut of);
        assert!(of.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn quantized_sum_rescales() {
        let r = Reduction::new(&[1, 2, 2, 3], &[1, 2]);
        let x: Vec<i8> = (0..12).map(|v| v as i8 - 6).collect();
        let p = QSumParams::new(0.1, -2, 0.4, 3, r.per_output);
        let mut acc = vec![0; 3];
        let mut out = vec![0i8; 3];
        qx8_reduce_sum_generic(&r, &p, &x, &mut acc, &mut out);
        for c in 0..3 {
            let real: f32 = (0..4).map(|k| 0.1 * (x[k * 3 + c] as f32 + 2.0)).sum();
            assert!(((out[c] as f32 - 3.0) * 0.4 - real).abs() <= 0.2 + 1e-6);
        }
    }
}
