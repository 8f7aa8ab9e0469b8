//! Scalar reference kernels (always compiled). Each one follows the arithmetic of the
//! TFLite reference kernel named in its doc, step for step, because our outputs must match
//! LiteRT's `BUILTIN_REF` resolver bit for bit. Callers guarantee slice lengths (the
//! interpreter checks them at prepare time); kernels never allocate.

use super::fixedpoint::{
    exp_on_negative_values, get_reciprocal, multiply_by_quantized_multiplier,
    multiply_by_quantized_multiplier_greater_than_one, rescale, rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
};
use super::{
    f32_gemm_packed_len, F32AdamParams, F32FcParams, F32Gemm, F32GemmPacked, FcDims,
    HybridFcParams, HybridScratch, Im2colDims, Qs8FcParams, Qs8SoftmaxLut, Qs8SoftmaxParams,
    QuantInt, Requantization, F32_PACK_NR, QS8_PACK_NR,
};

/// C++ `std::max(a, b)`: `(a < b) ? b : a` (keeps a NaN `a`, unlike `f32::max`).
#[inline]
pub fn cpp_max(a: f32, b: f32) -> f32 {
    if a < b {
        b
    } else {
        a
    }
}

/// C++ `std::min(a, b)`: `(b < a) ? b : a`.
#[inline]
pub fn cpp_min(a: f32, b: f32) -> f32 {
    if b < a {
        b
    } else {
        a
    }
}

/// TFLite `ActivationFunctionWithMinMax`: `min(max(x, lo), hi)` with C++ semantics
/// (so `+inf` becomes `FLT_MAX` when there is no fused activation, as in TFLite).
#[inline]
pub fn f32_clamp_activation(x: f32, lo: f32, hi: f32) -> f32 {
    cpp_min(cpp_max(x, lo), hi)
}

/// The float dot product of one input row with one weight row.
///
/// **The one place that fixes the float FC summation order.** TF's calibrator ran
/// TFLite's optimized float kernels (not the reference ones), and our calibration must
/// reproduce its min/max bit for bit. Its order, found by testing candidate orders against
/// the calibrated reference models (`tests/convert_reference.rs`,
/// `calibration_ranges_match_tensorflow`): the Eigen GEMV with 8-float AVX packets and no
/// FMA — lane `l` accumulates the products `k ≡ l (mod 8)` from 0.0f, the lanes are reduced
/// as a tree ((l, l+4), then (l, l+2), then (l, l+1)), and the `in % 8` tail products are
/// added one by one to the reduced sum. Every reference width is a multiple of 8, so the
/// tail order is the documented Eigen loop but not pinned down by a fixture. The SIMD128
/// version (two `f32x4` accumulators) computes exactly the same sums. LiteRT's reference
/// kernel sums left to right; outputs differ from it by float rounding only (≤ 1e-6 on
/// the fixtures).
#[inline]
pub fn f32_dot_generic(x: &[f32], w: &[f32]) -> f32 {
    let n = x.len().min(w.len());
    let main = n - n % 8;
    let mut lanes = [0.0f32; 8];
    for (xc, wc) in x[..main].chunks_exact(8).zip(w[..main].chunks_exact(8)) {
        for l in 0..8 {
            lanes[l] += xc[l] * wc[l];
        }
    }
    let q = [
        lanes[0] + lanes[4],
        lanes[1] + lanes[5],
        lanes[2] + lanes[6],
        lanes[3] + lanes[7],
    ];
    let h = [q[0] + q[2], q[1] + q[3]];
    let mut acc = h[0] + h[1];
    for k in main..n {
        acc += x[k] * w[k];
    }
    acc
}

/// `reference_ops::FullyConnected` (float): `clamp(dot(x_b, w_c) + bias_c)`.
pub fn f32_fully_connected_generic(
    p: &F32FcParams,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    d: FcDims,
) {
    for b in 0..d.batches {
        let xr = &x[b * d.in_dim..(b + 1) * d.in_dim];
        let orow = &mut out[b * d.out_dim..(b + 1) * d.out_dim];
        for (c, o) in orow.iter_mut().enumerate() {
            let total = f32_dot_generic(xr, &w[c * d.in_dim..(c + 1) * d.in_dim]);
            let bias_value = bias.map_or(0.0, |bv| bv[c]);
            *o = f32_clamp_activation(total + bias_value, p.act_min, p.act_max);
        }
    }
}

/// `reference_integer_ops::FullyConnected` / `FullyConnectedPerChannel` (int8 in, int8
/// weights, int32 bias, int8 out): `acc = Σ (w + w_off) * (x + x_off) + bias` in int32,
/// requantized per channel, `+ output_offset`, clamped to the activation range.
pub fn qs8_fully_connected_generic(
    p: &Qs8FcParams,
    x: &[i8],
    w: &[i8],
    bias: Option<&[i32]>,
    out: &mut [i8],
    d: FcDims,
) {
    for b in 0..d.batches {
        let xr = &x[b * d.in_dim..(b + 1) * d.in_dim];
        for c in 0..d.out_dim {
            let wr = &w[c * d.in_dim..(c + 1) * d.in_dim];
            let mut acc: i32 = 0;
            for (&xv, &wv) in xr.iter().zip(wr) {
                let term = (wv as i32 + p.weights_offset).wrapping_mul(xv as i32 + p.input_offset);
                acc = acc.wrapping_add(term);
            }
            if let Some(bv) = bias {
                acc = acc.wrapping_add(bv[c]);
            }
            out[b * d.out_dim + c] = qs8_requantize_one(p, acc, c);
        }
    }
}

/// C `round` (half away from zero), equal to `f64::round` for every input (NaN and
/// infinities included) but without the libm call Rust emits for `round` on wasm32 (and
/// x86-64 without SSE4.1), which dominated the int8 FC's output stage: `t = trunc(v)`,
/// then `t ± 1` when `|v - t| >= 0.5` (`v - t` is exact).
#[inline]
pub fn round_half_away_f64(v: f64) -> f64 {
    let t = v.trunc();
    if (v - t).abs() >= 0.5 {
        t + 1f64.copysign(v)
    } else {
        t
    }
}

/// The output stage of the int8 FC (shared by every implementation): requantize the int32
/// accumulator (bias included) of channel `c`, add the output offset, clamp.
#[inline]
pub fn qs8_requantize_one(p: &Qs8FcParams, acc: i32, c: usize) -> i8 {
    let scaled = match p.requant {
        Requantization::FixedPoint { multiplier, shift } => {
            multiply_by_quantized_multiplier(acc, multiplier[c], shift[c])
        }
        // C `round` (half away from zero); the C++ cast of an out-of-range double
        // is undefined, Rust's `as` saturates.
        Requantization::Double { scale } => round_half_away_f64(acc as f64 * scale[c]) as i32,
    };
    scaled
        .wrapping_add(p.output_offset)
        .clamp(p.act_min, p.act_max) as i8
}

/// Packs int8 FC weights `[out_dim, in_dim]` into the layout of [`super::QS8_PACK_NR`]
/// (`w + weights_offset` as i16, zero padding). Prepare-time work.
pub fn qs8_fc_pack_generic(w: &[i8], weights_offset: i32, d: FcDims, packed: &mut [i16]) {
    let kc = d.in_dim.div_ceil(8);
    packed.fill(0);
    for c in 0..d.out_dim {
        let wr = &w[c * d.in_dim..(c + 1) * d.in_dim];
        let (cb, r) = (c / QS8_PACK_NR, c % QS8_PACK_NR);
        for (k, &wv) in wr.iter().enumerate() {
            packed[((cb * kc + k / 8) * QS8_PACK_NR + r) * 8 + k % 8] =
                (wv as i32 + weights_offset) as i16;
        }
    }
}

/// Writes `x + input_offset` as i16 rows of `kc * 8` (zero padded): the input side of the
/// packed int8 FC. `x + input_offset` is in [-255, 255], so it fits i16 exactly.
pub fn qs8_fc_widen_input(x: &[i8], input_offset: i32, d: FcDims, xs: &mut [i16]) {
    let kp = d.in_dim.div_ceil(8) * 8;
    for b in 0..d.batches {
        let row = &mut xs[b * kp..(b + 1) * kp];
        for (o, &v) in row.iter_mut().zip(&x[b * d.in_dim..(b + 1) * d.in_dim]) {
            *o = (v as i32 + input_offset) as i16;
        }
        row[d.in_dim..].fill(0);
    }
}

/// [`qs8_fully_connected_generic`] on packed weights. The int32 sums are the same
/// (wrapping addition is associative), so the result is bit-identical.
pub fn qs8_fc_packed_generic(
    p: &Qs8FcParams,
    x: &[i8],
    packed: &[i16],
    bias: Option<&[i32]>,
    out: &mut [i8],
    d: FcDims,
    xs: &mut [i16],
) {
    let kc = d.in_dim.div_ceil(8);
    let kp = kc * 8;
    qs8_fc_widen_input(x, p.input_offset, d, xs);
    for b in 0..d.batches {
        let xr = &xs[b * kp..(b + 1) * kp];
        for c in 0..d.out_dim {
            let (cb, r) = (c / QS8_PACK_NR, c % QS8_PACK_NR);
            let mut acc: i32 = 0;
            for q in 0..kc {
                let base = ((cb * kc + q) * QS8_PACK_NR + r) * 8;
                for i in 0..8 {
                    let prod = packed[base + i] as i32 * xr[q * 8 + i] as i32;
                    acc = acc.wrapping_add(prod);
                }
            }
            if let Some(bv) = bias {
                acc = acc.wrapping_add(bv[c]);
            }
            out[b * d.out_dim + c] = qs8_requantize_one(p, acc, c);
        }
    }
}

/// ReLU as the training kernels apply it: `0 < v ? v : 0` (NaN and -0 give +0).
#[inline]
pub fn f32_relu_scalar(v: f32) -> f32 {
    if 0.0 < v {
        v
    } else {
        0.0
    }
}

/// [`super::F32Gemm`] in i-p-j order (inner loop over a contiguous row of `B`); each output
/// sum runs from 0.0 in increasing `p`, then `+ bias`, then ReLU.
pub fn f32_gemm_generic(g: &F32Gemm, c: &mut [f32]) {
    let n = g.n;
    for i in 0..g.m {
        let crow = &mut c[i * n..(i + 1) * n];
        crow.fill(0.0);
        for p in 0..g.k {
            let av = g.a[i * g.a_row_stride + p * g.a_k_stride];
            for (cv, &bv) in crow.iter_mut().zip(&g.b[p * n..(p + 1) * n]) {
                *cv += av * bv;
            }
        }
        if let Some(bias) = g.bias {
            for (cv, &bv) in crow.iter_mut().zip(bias) {
                *cv += bv;
            }
        }
        if g.relu {
            for cv in crow.iter_mut() {
                *cv = f32_relu_scalar(*cv);
            }
        }
    }
}

/// Packs `w` `[n, k]` into the panels of [`super::F32GemmPacked`] (zero-padded channels).
pub fn f32_gemm_pack_generic(w: &[f32], n: usize, k: usize, packed: &mut [f32]) {
    let packed = &mut packed[..f32_gemm_packed_len(n, k)];
    packed.fill(0.0);
    for j in 0..n {
        let (panel, r) = (j / F32_PACK_NR, j % F32_PACK_NR);
        for (p, &v) in w[j * k..(j + 1) * k].iter().enumerate() {
            packed[(panel * k + p) * F32_PACK_NR + r] = v;
        }
    }
}

/// [`super::F32GemmPacked`], one output at a time: the sum from `0.0` in increasing `p`,
/// `+ bias`, clamp. The reference the SIMD kernels equal bit for bit.
pub fn f32_gemm_packed_generic(g: &F32GemmPacked, c: &mut [f32]) {
    for i in 0..g.m {
        let arow = &g.a[i * g.a_stride..i * g.a_stride + g.k];
        for j in 0..g.n {
            let (panel, r) = (j / F32_PACK_NR, j % F32_PACK_NR);
            let wp = &g.packed[panel * g.k * F32_PACK_NR..(panel + 1) * g.k * F32_PACK_NR];
            let mut acc = 0.0f32;
            for (p, &av) in arow.iter().enumerate() {
                acc += av * wp[p * F32_PACK_NR + r];
            }
            let bias_value = g.bias.map_or(0.0, |b| b[j]);
            c[i * g.c_stride + j] = f32_clamp_activation(acc + bias_value, g.act_min, g.act_max);
        }
    }
}

/// im2col of one NHWC image for a convolution as a GEMM: rows `row0 .. row0 + rows` of
/// the `[out_h * out_w, kh * kw * in_c]` matrix whose row `oy * out_w + ox` holds, for
/// `ky, kx, ci` in that order (the `[out_ch, kh, kw, in_ch]` filter's order), the input at
/// `(oy * stride_h + ky * dilation_h - pad_top, ox * stride_w + kx * dilation_w -
/// pad_left, ci)`, or `pad` outside the image (0.0 for float; the input zero point for a
/// quantized input, as TFLite's `im2col` fills). `out` holds `rows * row_len` values.
/// Generic over the element type, so int8 convolutions use it too.
pub fn im2col_nhwc_generic<T: Copy>(
    x: &[T],
    d: &Im2colDims,
    pad: T,
    row0: usize,
    rows: usize,
    out: &mut [T],
) {
    let row_len = d.row_len();
    let c = d.in_c;
    for (r, orow) in out[..rows * row_len].chunks_exact_mut(row_len).enumerate() {
        let (oy, ox) = ((row0 + r) / d.out_w, (row0 + r) % d.out_w);
        for ky in 0..d.kh {
            let iy = (oy * d.stride_h + ky * d.dilation_h).wrapping_sub(d.pad_top);
            for kx in 0..d.kw {
                let ix = (ox * d.stride_w + kx * d.dilation_w).wrapping_sub(d.pad_left);
                let dst = &mut orow[(ky * d.kw + kx) * c..(ky * d.kw + kx + 1) * c];
                // Wrapped (negative) coordinates are huge, so one comparison each.
                if iy < d.in_h && ix < d.in_w {
                    dst.copy_from_slice(&x[(iy * d.in_w + ix) * c..(iy * d.in_w + ix + 1) * c]);
                } else {
                    dst.fill(pad);
                }
            }
        }
    }
}

/// `C[i][j] = Σ_p A[i][p] · Bt[j][p]` (`A` `[m, k]`, `Bt` `[n, k]`), each sum from 0.0 in
/// increasing `p`.
pub fn f32_gemm_nt_generic(a: &[f32], bt: &[f32], c: &mut [f32], m: usize, n: usize, k: usize) {
    for i in 0..m {
        let arow = &a[i * k..(i + 1) * k];
        for j in 0..n {
            let brow = &bt[j * k..(j + 1) * k];
            let mut acc = 0.0f32;
            for (&av, &bv) in arow.iter().zip(brow) {
                acc += av * bv;
            }
            c[i * n + j] = acc;
        }
    }
}

/// Column sums of `x` `[rows, cols]`, from 0.0 in row order.
pub fn f32_col_sum_generic(x: &[f32], out: &mut [f32], rows: usize, cols: usize) {
    out[..cols].fill(0.0);
    for r in 0..rows {
        for (o, &v) in out[..cols].iter_mut().zip(&x[r * cols..(r + 1) * cols]) {
            *o += v;
        }
    }
}

/// ReLU backward tested on the layer output: `d = 0` unless `a > 0` (TF's `ReluGrad`).
#[allow(clippy::neg_cmp_op_on_partial_ord)] // NaN outputs zero the gradient, as the mask does
pub fn f32_relu_backward_generic(a: &[f32], d: &mut [f32]) {
    for (dv, &av) in d.iter_mut().zip(a) {
        if !(av > 0.0) {
            *dv = 0.0;
        }
    }
}

/// Keras 3 Adam update in float32: `m += (g - m)·(1-β₁)`, `v += (g² - v)·(1-β₂)`,
/// `var -= (m·alpha) / (sqrt(v) + ε)`. Every operation is a correctly rounded IEEE op,
/// so the SIMD version is bit-identical.
pub fn f32_adam_generic(
    var: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    k: &F32AdamParams,
) {
    for (((w, &g), m), v) in var.iter_mut().zip(grad).zip(m.iter_mut()).zip(v.iter_mut()) {
        *m += (g - *m) * k.one_minus_beta_1;
        *v += (g * g - *v) * k.one_minus_beta_2;
        *w -= (*m * k.alpha) / (v.sqrt() + k.epsilon);
    }
}

/// `tensor_utils::PortableSymmetricQuantizeFloats`: `scale = max|x| / 127`,
/// `q = clamp(round(x * (127 / max|x|)), -127, 127)`; all-zero rows give scale 1.
pub fn f32_symmetric_quantize_generic(x: &[f32], q: &mut [i8]) -> f32 {
    let (mut min_v, mut max_v) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in x {
        min_v = cpp_min(min_v, v);
        max_v = cpp_max(max_v, v);
    }
    let range = cpp_max(min_v.abs(), max_v.abs());
    if range == 0.0 || x.is_empty() {
        q.iter_mut().for_each(|v| *v = 0);
        return 1.0;
    }
    let inv = 127.0f32 / range;
    for (qv, &v) in q.iter_mut().zip(x) {
        let r = (v * inv).round() as i32;
        *qv = r.clamp(-127, 127) as i8;
    }
    range / 127.0
}

/// `tensor_utils::PortableAsymmetricQuantizeFloats`: range widened to include 0, scale and
/// zero point in double (zero point from whichever end has the smaller error, nudged into
/// [-128, 127]), then `q = clamp(round(zp + x * (1.0f / (float)scale)))` in float.
/// Returns `(scaling_factor, offset)`.
pub fn f32_asymmetric_quantize_generic(x: &[f32], q: &mut [i8]) -> (f32, i32) {
    let (mut min_v, mut max_v) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in x {
        min_v = cpp_min(min_v, v);
        max_v = cpp_max(max_v, v);
    }
    if x.is_empty() {
        return (1.0, 0);
    }
    let rmin = cpp_min(0.0, min_v) as f64;
    let rmax = cpp_max(0.0, max_v) as f64;
    if rmin == rmax {
        q.iter_mut().for_each(|v| *v = 0);
        return (1.0, 0);
    }
    let (qmin, qmax) = (-128.0f64, 127.0f64);
    let scale = (rmax - rmin) / (qmax - qmin);
    let zp_from_min = qmin - rmin / scale;
    let zp_from_max = qmax - rmax / scale;
    let err_min = qmin.abs() + (rmin / scale).abs();
    let err_max = qmax.abs() + (rmax / scale).abs();
    let zp_double = if err_min < err_max {
        zp_from_min
    } else {
        zp_from_max
    };
    let offset: i32 = if zp_double <= qmin {
        -128
    } else if zp_double >= qmax {
        127
    } else {
        zp_double.round() as i32
    };
    let scaling_factor = scale as f32;
    let inv = 1.0f32 / scaling_factor;
    for (qv, &v) in q.iter_mut().zip(x) {
        let r = (offset as f32 + v * inv).round() as i32;
        *qv = r.clamp(-128, 127) as i8;
    }
    (scaling_factor, offset)
}

/// `fully_connected.cc` `EvalHybridDense` with the portable tensor utils: output = bias;
/// if the whole input is zero only the activation is applied; otherwise each batch row
/// is quantized (asymmetric or symmetric), then per channel
/// `out += (float)(Σ w*q - row_sum*offset) * (scaling_factor * w_scale)`, then the
/// activation.
pub fn qs8_hybrid_fully_connected_generic(
    p: &HybridFcParams,
    x: &[f32],
    w: &[i8],
    bias: Option<&[f32]>,
    out: &mut [f32],
    d: FcDims,
    s: &mut HybridScratch,
) {
    let total = d.batches * d.in_dim;
    for b in 0..d.batches {
        let orow = &mut out[b * d.out_dim..(b + 1) * d.out_dim];
        match bias {
            Some(bv) => orow.copy_from_slice(&bv[..d.out_dim]),
            None => orow.iter_mut().for_each(|v| *v = 0.0),
        }
    }
    let all_zero = x[..total].iter().all(|&v| v == 0.0);
    if !all_zero {
        for b in 0..d.batches {
            let xr = &x[b * d.in_dim..(b + 1) * d.in_dim];
            let qr = &mut s.quantized[b * d.in_dim..(b + 1) * d.in_dim];
            if p.asymmetric {
                let (sf, off) = f32_asymmetric_quantize_generic(xr, qr);
                s.scaling_factors[b] = sf;
                s.offsets[b] = off;
            } else {
                s.scaling_factors[b] = f32_symmetric_quantize_generic(xr, qr);
                s.offsets[b] = 0;
            }
        }
        for b in 0..d.batches {
            let qr = &s.quantized[b * d.in_dim..(b + 1) * d.in_dim];
            let batch_scaling_factor = s.scaling_factors[b];
            let batch_offset = s.offsets[b];
            for c in 0..d.out_dim {
                let wr = &w[c * d.in_dim..(c + 1) * d.in_dim];
                let scale = batch_scaling_factor * p.per_channel_scale[c];
                let mut dotprod: i32 = 0;
                for (&wv, &qv) in wr.iter().zip(qr) {
                    dotprod = dotprod.wrapping_add(wv as i32 * qv as i32);
                }
                dotprod = dotprod.wrapping_sub(p.row_sums[c].wrapping_mul(batch_offset));
                out[b * d.out_dim + c] += dotprod as f32 * scale;
            }
        }
    }
    for v in out[..d.batches * d.out_dim].iter_mut() {
        *v = f32_clamp_activation(*v, p.act_min, p.act_max);
    }
}

/// `reference_ops::Softmax` (float): per row, `max`, `e_c = exp((x_c - max) * beta)`,
/// `sum += e_c` in order, `out_c = e_c / sum`.
pub fn f32_softmax_generic(x: &[f32], out: &mut [f32], outer: usize, depth: usize, beta: f32) {
    for i in 0..outer {
        let xr = &x[i * depth..(i + 1) * depth];
        let orow = &mut out[i * depth..(i + 1) * depth];
        let mut max = f32::MIN;
        for &v in xr {
            max = cpp_max(max, v);
        }
        let mut sum = 0.0f32;
        for (o, &v) in orow.iter_mut().zip(xr) {
            let e = ((v - max) * beta).exp();
            *o = e;
            sum += e;
        }
        for o in orow.iter_mut() {
            *o /= sum;
        }
    }
}

/// `reference_ops::Softmax<int8_t, int8_t>`' Q0.31 `exp` of one difference to the row max
/// (`diff <= 0`): the difference rescaled onto Q5.26 by the input multiplier, then
/// `exp_on_negative_values`.
#[inline]
fn qs8_softmax_exp_of_diff(p: &Qs8SoftmaxParams, diff: i32) -> i32 {
    const SCALED_DIFF_INTEGER_BITS: i32 = 5;
    let rescaled = multiply_by_quantized_multiplier_greater_than_one(
        diff,
        p.input_multiplier,
        p.input_left_shift,
    );
    exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS)
}

/// Integer bits of the softmax's sum of exponentials (Q12.19), as in the reference.
const QS8_SOFTMAX_ACCUMULATION_INTEGER_BITS: i32 = 12;

/// `reference_ops::Softmax<int8_t, int8_t>`: fixed-point exp of the rescaled differences
/// to the row max (Q5.26 in, Q0.31 out), sum in Q12.19, reciprocal via `GetReciprocal`,
/// output in 1/256 steps offset by -128. Differences below `diff_min` contribute 0 and
/// give -128.
pub fn qs8_softmax_generic(
    p: &Qs8SoftmaxParams,
    x: &[i8],
    out: &mut [i8],
    outer: usize,
    depth: usize,
) {
    const ACCUMULATION_INTEGER_BITS: i32 = QS8_SOFTMAX_ACCUMULATION_INTEGER_BITS;
    let exp_of_diff = |diff: i32| qs8_softmax_exp_of_diff(p, diff);
    for i in 0..outer {
        let xr = &x[i * depth..(i + 1) * depth];
        let orow = &mut out[i * depth..(i + 1) * depth];
        let max_in_row = xr.iter().copied().max().unwrap_or(i8::MIN) as i32;
        let mut sum_of_exps: i32 = 0;
        for &v in xr {
            let diff = v as i32 - max_in_row;
            if diff >= p.diff_min {
                sum_of_exps = sum_of_exps.wrapping_add(rescale(
                    exp_of_diff(diff),
                    0,
                    ACCUMULATION_INTEGER_BITS,
                ));
            }
        }
        let (shifted_scale, num_bits_over_unit) =
            get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS);
        let exponent = num_bits_over_unit + 31 - 8;
        for (o, &v) in orow.iter_mut().zip(xr) {
            let diff = v as i32 - max_in_row;
            *o = if diff >= p.diff_min {
                let e = exp_of_diff(diff);
                let unsat = rounding_divide_by_pot(
                    saturating_rounding_doubling_high_mul(shifted_scale, e),
                    exponent,
                );
                unsat.wrapping_add(-128).clamp(-128, 127) as i8
            } else {
                i8::MIN
            };
        }
    }
}

impl Qs8SoftmaxLut {
    /// Tabulates [`qs8_softmax_generic`]'s exponentials for `p` (once per op, at prepare
    /// time): an int8 row's differences to its max are the 256 values `0, -1, ..., -255`.
    pub fn new(p: &Qs8SoftmaxParams) -> Self {
        let mut exp = [0i32; 256];
        let mut sum = [0i32; 256];
        for d in 0..256usize {
            let diff = -(d as i32);
            if diff >= p.diff_min {
                exp[d] = qs8_softmax_exp_of_diff(p, diff);
                sum[d] = rescale(exp[d], 0, QS8_SOFTMAX_ACCUMULATION_INTEGER_BITS);
            }
        }
        Qs8SoftmaxLut { exp, sum }
    }
}

/// The int8 softmax on a [`Qs8SoftmaxLut`]: per row the max, the sum of `lut.sum` entries
/// (the reference's integer sum, term for term), `GetReciprocal`, and per output the
/// reference's `RoundingDivideByPOT(SRDHM(shifted_scale, exp), exponent) - 128`.
/// Bit-identical to [`qs8_softmax_generic`]: an excluded difference (`< diff_min`) has
/// `exp = sum = 0`, so it adds nothing and its output is `0 - 128`, the reference's -128
/// (`SRDHM(s, 0) = 0`, and `RoundingDivideByPOT(0, e) = 0`).
pub fn qs8_softmax_lut_generic(
    lut: &Qs8SoftmaxLut,
    x: &[i8],
    out: &mut [i8],
    outer: usize,
    depth: usize,
) {
    // `max - v` is in 0..=255, so `as u8` is exact and the indexing needs no bounds check.
    let idx = |max: i32, v: i8| (max - v as i32) as u8 as usize;
    for i in 0..outer {
        let xr = &x[i * depth..(i + 1) * depth];
        let orow = &mut out[i * depth..(i + 1) * depth];
        let max_in_row = xr.iter().copied().max().unwrap_or(i8::MIN) as i32;
        let mut sum_of_exps: i32 = 0;
        for &v in xr {
            sum_of_exps = sum_of_exps.wrapping_add(lut.sum[idx(max_in_row, v)]);
        }
        let (shifted_scale, num_bits_over_unit) =
            get_reciprocal(sum_of_exps, QS8_SOFTMAX_ACCUMULATION_INTEGER_BITS);
        let exponent = num_bits_over_unit + 31 - 8;
        for (o, &v) in orow.iter_mut().zip(xr) {
            let e = lut.exp[idx(max_in_row, v)];
            let unsat = rounding_divide_by_pot(
                saturating_rounding_doubling_high_mul(shifted_scale, e),
                exponent,
            );
            *o = unsat.wrapping_add(-128).clamp(-128, 127) as i8;
        }
    }
}

/// float RELU (`max(0, x)`, C++ semantics).
pub fn f32_relu_generic(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = cpp_max(v, 0.0);
    }
}

/// Quantized RELU (`reference_ops::ReluX`): requantize `x - in_zp` by
/// `(multiplier, shift)`, add `out_zp`, clamp to `[act_min, act_max]`.
#[allow(clippy::too_many_arguments)]
pub fn qx8_relu_generic<T: QuantInt>(
    x: &[T],
    out: &mut [T],
    input_zero_point: i32,
    output_zero_point: i32,
    multiplier: i32,
    shift: i32,
    act_min: i32,
    act_max: i32,
) {
    for (o, &v) in out.iter_mut().zip(x) {
        let r = multiply_by_quantized_multiplier(v.to_i32() - input_zero_point, multiplier, shift)
            .wrapping_add(output_zero_point);
        *o = T::from_i32_clamped(r.clamp(act_min, act_max));
    }
}

/// `reference_ops::AffineQuantize` (float -> int8/uint8):
/// `clamp(round_half_away(x / scale) + zp)`, the division in float.
pub fn qx8_quantize_generic<T: QuantInt>(x: &[f32], out: &mut [T], scale: f32, zero_point: i32) {
    for (o, &v) in out.iter_mut().zip(x) {
        let r = (v / scale).round() as i32;
        *o = T::from_i32_clamped(r.wrapping_add(zero_point));
    }
}

/// `reference_ops::Requantize` (int8 <-> uint8):
/// `clamp(MultiplyByQuantizedMultiplier(x - in_zp, m, s) + out_zp)`. For equal scales
/// (`m = 2^30, s = 1`) this is exact, the same as TFLite's `x ^ 0x80` fast path.
pub fn qx8_requantize_generic<I: QuantInt, O: QuantInt>(
    x: &[I],
    out: &mut [O],
    multiplier: i32,
    shift: i32,
    input_zero_point: i32,
    output_zero_point: i32,
) {
    for (o, &v) in out.iter_mut().zip(x) {
        let r = multiply_by_quantized_multiplier(v.to_i32() - input_zero_point, multiplier, shift)
            .wrapping_add(output_zero_point);
        *o = O::from_i32_clamped(r);
    }
}

/// `reference_ops::Dequantize` (int8/uint8 -> float): `(float)(scale * (x - zp))` with the
/// product in double (`scale` is the tensor's f32 scale widened to f64).
pub fn qx8_dequantize_generic<T: QuantInt>(x: &[T], out: &mut [f32], scale: f64, zero_point: i32) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = (scale * (v.to_i32() - zero_point) as f64) as f32;
    }
}

/// float16 -> float32 (exact widening, as `static_cast<float>(Eigen::half)`).
pub fn f16_to_f32_generic(x: &[half::f16], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v.to_f32();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::fixedpoint::quantize_multiplier;

    #[test]
    fn f32_fc_bias_and_relu() {
        let x = [1.0f32, 2.0, -1.0, 0.5];
        let w = [1.0f32, 1.0, 2.0, -3.0]; // out 2, in 2
        let b = [0.5f32, 0.0];
        let mut out = [0.0f32; 4];
        let d = FcDims {
            batches: 2,
            in_dim: 2,
            out_dim: 2,
        };
        let p = F32FcParams {
            act_min: 0.0,
            act_max: f32::MAX,
        };
        f32_fully_connected_generic(&p, &x, &w, Some(&b), &mut out, d);
        assert_eq!(out, [3.5, 0.0, 0.0, 0.0]);
        let p = F32FcParams {
            act_min: f32::MIN,
            act_max: f32::MAX,
        };
        f32_fully_connected_generic(&p, &x, &w, None, &mut out, d);
        assert_eq!(out, [3.0, -4.0, -0.5, -3.5]);
    }

    #[test]
    fn qs8_fc_both_requantizations_agree_on_easy_case() {
        // Multiplier 0.5 exactly: both variants give round_half_away(acc / 2).
        let x = [3i8, -5, 7];
        let w = [1i8, 2, 3, -1, -1, -1];
        let (m, s) = quantize_multiplier(0.5).unwrap();
        let mult = [m, m];
        let shift = [s, s];
        let scale = [0.5f64, 0.5];
        let d = FcDims {
            batches: 1,
            in_dim: 3,
            out_dim: 2,
        };
        let mut a = [0i8; 2];
        let mut b = [0i8; 2];
        let base = Qs8FcParams {
            input_offset: 1,
            weights_offset: 0,
            output_offset: -3,
            act_min: -128,
            act_max: 127,
            requant: Requantization::FixedPoint {
                multiplier: &mult,
                shift: &shift,
            },
        };
        qs8_fully_connected_generic(&base, &x, &w, Some(&[10, -10]), &mut a, d);
        let dbl = Qs8FcParams {
            requant: Requantization::Double { scale: &scale },
            ..base
        };
        qs8_fully_connected_generic(&dbl, &x, &w, Some(&[10, -10]), &mut b, d);
        // acc0 = 4*1 + -4*2 + 8*3 + 10 = 30 -> 15 - 3 = 12
        // acc1 = -(4 - 4 + 8) - 10 = -18 -> -9 - 3 = -12
        assert_eq!(a, [12, -12]);
        assert_eq!(a, b);
    }

    #[test]
    fn quantize_rounds_half_away_and_saturates() {
        let x = [0.5f32, -0.5, 1.5, 1000.0, -1000.0];
        let mut q = [0i8; 5];
        qx8_quantize_generic(&x, &mut q, 1.0, 0);
        assert_eq!(q, [1, -1, 2, 127, -128]);
        let mut u = [0u8; 5];
        qx8_quantize_generic(&x, &mut u, 1.0, 128);
        assert_eq!(u, [129, 127, 130, 255, 0]);
        let mut back = [0u8; 5];
        qx8_requantize_generic(&q, &mut back, 1 << 30, 1, 0, 128);
        assert_eq!(back, [129, 127, 130, 255, 0]);
    }

    #[test]
    fn round_half_away_equals_round() {
        let mut v = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            4503599627370497.0,
            -4503599627370495.5,
            2147483647.5,
            -2147483648.5,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut s = 0x1234_5678_9abc_def0u64;
        for _ in 0..100_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            v.push(f64::from_bits(s));
            v.push((s >> 11) as f64 / (1u64 << 20) as f64 - 4096.0);
            v.push(((s >> 40) as i64 - (1 << 23)) as f64 * 0.5);
        }
        for x in v {
            let (a, b) = (round_half_away_f64(x), x.round());
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{x:e}: {a} vs {b}"
            );
        }
    }

    #[test]
    fn softmax_int8_uniform_row() {
        // Equal logits: each of 4 outputs is 1/4 = 64/256 -> q = 64 - 128 = -64.
        let (m, s) = crate::kernels::fixedpoint::preprocess_softmax_scaling(1.0, 0.1, 5).unwrap();
        let r = crate::kernels::fixedpoint::calculate_input_radius(5, s, 31);
        let p = Qs8SoftmaxParams {
            input_multiplier: m,
            input_left_shift: s,
            diff_min: -r,
        };
        let mut out = [0i8; 4];
        qs8_softmax_generic(&p, &[5, 5, 5, 5], &mut out, 1, 4);
        assert_eq!(out, [-64; 4]);
        // One dominant logit saturates at 127, others at -128.
        qs8_softmax_generic(&p, &[127, -128, -128, -128], &mut out, 1, 4);
        assert_eq!(out, [127, -128, -128, -128]);
    }

    #[test]
    fn asymmetric_quantize_matches_hand_computation() {
        let x = [0.0f32, 1.0, -1.0, 0.5];
        let mut q = [0i8; 4];
        let (sf, off) = f32_asymmetric_quantize_generic(&x, &mut q);
        assert!((sf - 2.0 / 255.0).abs() < 1e-7);
        // Both ends are equally far; the max end has the smaller error: 127 - 127.5 = -0.5,
        // which rounds away from zero to -1.
        assert_eq!(off, -1);
        assert_eq!((q[0], q[2], q[3]), (-1, -128, 63));
    }
}
