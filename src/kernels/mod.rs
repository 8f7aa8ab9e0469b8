//! Graph-agnostic numeric kernels: slices in, slices out, with shapes and precomputed
//! integer multipliers/shifts passed by the caller. Nothing here knows about graphs,
//! files or models, and no kernel allocates.
//!
//! Names say dtype, op and ISA: `f32_fully_connected_generic`,
//! `qs8_fully_connected_generic` (int8), `qx8_*` (int8 or uint8 through [`QuantInt`]).
//! The `generic` (scalar) version of every kernel is always compiled and is the
//! reference. Faster versions plug into the [`Kernels`] table: [`ops`] returns the best
//! table for the build, and a `simd128` module will replace entries behind
//! `cfg(target_feature = "simd128")` without touching callers (the interpreter asks
//! [`ops`] once, at prepare time). Cheap element-wise kernels are called directly.
//!
//! [`fixedpoint`] holds TFLite's reference integer arithmetic (QuantizeMultiplier,
//! SaturatingRoundingDoublingHighMul, RoundingDivideByPOT, the int8 softmax helpers).

pub mod conv;
pub mod fixedpoint;
pub mod generic;
pub mod pool;
#[cfg(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    feature = "relaxed-simd"
))]
pub mod relaxed;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;
#[cfg(test)]
mod tests;

/// Sizes of a fully-connected layer: `x` is `[batches, in_dim]`, weights `[out_dim, in_dim]`
/// (TFLite layout), output `[batches, out_dim]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FcDims {
    pub batches: usize,
    pub in_dim: usize,
    pub out_dim: usize,
}

/// Float fully-connected parameters: the fused activation as a clamp range
/// (TFLite `CalculateActivationRange`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct F32FcParams {
    pub act_min: f32,
    pub act_max: f32,
}

/// How an int32 accumulator is scaled onto the output grid, per output channel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Requantization<'a> {
    /// `MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c])` — TFLite's classic
    /// reference kernels and the optimized ones.
    FixedPoint {
        multiplier: &'a [i32],
        shift: &'a [i32],
    },
    /// `round_half_away((double)acc * scale[c])` with
    /// `scale[c] = (double)in_scale * (double)w_scale[c] / (double)out_scale` — the
    /// requantization of LiteRT's current `reference_integer_ops::FullyConnected*`.
    Double { scale: &'a [f64] },
}

/// Which of the two [`Requantization`] forms a caller wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequantMode {
    FixedPoint,
    Double,
}

/// int8 fully-connected parameters (TFLite `FullyConnectedParams` + per-channel
/// multipliers). Offsets follow TFLite's sign convention.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Qs8FcParams<'a> {
    /// `-input_zero_point`
    pub input_offset: i32,
    /// `-weights_zero_point` (0 for per-channel weights)
    pub weights_offset: i32,
    /// `output_zero_point`
    pub output_offset: i32,
    /// Fused activation clamp on the output grid (`CalculateActivationRangeQuantized`).
    pub act_min: i32,
    pub act_max: i32,
    pub requant: Requantization<'a>,
}

/// Hybrid (dynamic-range) fully-connected parameters: float activations, int8 weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HybridFcParams<'a> {
    /// Weight scale per output channel (per-tensor scales are broadcast by the caller:
    /// `scaling_factor * w_scale` is the same float product either way).
    pub per_channel_scale: &'a [f32],
    /// `sum_k w[c][k]` per output channel (TFLite's `row_sums`), precomputed once.
    pub row_sums: &'a [i32],
    /// `asymmetric_quantize_inputs`
    pub asymmetric: bool,
    pub act_min: f32,
    pub act_max: f32,
}

/// Caller-owned scratch for the hybrid kernel (TFLite's temporaries).
pub struct HybridScratch<'a> {
    /// `[batches * in_dim]`
    pub quantized: &'a mut [i8],
    /// `[batches]`
    pub scaling_factors: &'a mut [f32],
    /// `[batches]`
    pub offsets: &'a mut [i32],
}

/// int8 softmax parameters (from `PreprocessSoftmaxScaling` / `CalculateInputRadius`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Qs8SoftmaxParams {
    pub input_multiplier: i32,
    pub input_left_shift: i32,
    pub diff_min: i32,
}

/// int8 softmax prepared for [`Qs8SoftmaxFn`] ([`Qs8SoftmaxLut::new`], once per op): the
/// reference's fixed-point exponentials of the 256 possible differences to the row max,
/// which depend only on [`Qs8SoftmaxParams`] (input scale and beta). Indexed by
/// `d = max - x` in `0..=255`; both entries are 0 where `-d < diff_min`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Qs8SoftmaxLut {
    /// Q0.31 `exp(-d)`, the value the output stage scales.
    pub exp: [i32; 256],
    /// `Rescale<12>(exp[d])`: the Q12.19 term the reference adds to its row sum.
    pub sum: [i32; 256],
}

/// A float GEMM for training: `C[i][j] = act(Σ_p A(i, p) · B[p][j] + bias[j])`, `C` row-major
/// `[m, n]`, `B` row-major `[k, n]`. `A(i, p) = a[i * a_row_stride + p * a_k_stride]`, so
/// `x · W` (`a_k_stride = 1`) and `xᵀ · dz` (`a_row_stride = 1`) are the same kernel.
///
/// **Fixed summation order** (all implementations): each sum starts at `0.0f32` and adds
/// the products in increasing `p`, each product rounded (no fused multiply-add); the bias
/// is added after the sum, then ReLU (`0 < v ? v : 0`). SIMD versions vectorize across `j`
/// only, so they produce exactly the scalar bits, and training keeps its Keras parity.
#[derive(Clone, Copy, Debug)]
pub struct F32Gemm<'a> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: &'a [f32],
    pub a_row_stride: usize,
    pub a_k_stride: usize,
    pub b: &'a [f32],
    pub bias: Option<&'a [f32]>,
    pub relu: bool,
}

/// Output-channel panel width of the packed float GEMM ([`F32GemmPacked`]).
pub const F32_PACK_NR: usize = 8;

/// Length of [`F32PackFn`]'s output for weights `[n, k]`: `ceil(n / 8) * 8 * k`.
pub fn f32_gemm_packed_len(n: usize, k: usize) -> usize {
    n.div_ceil(F32_PACK_NR) * F32_PACK_NR * k
}

/// The float GEMM of inference (FULLY_CONNECTED; a convolution is the same product on
/// im2col rows, [`generic::im2col_nhwc_generic`], or directly on the input for a 1×1,
/// stride-1 filter):
/// `C[i][j] = clamp(Σ_p A[i][p] · W[j][p] + bias[j], act_min, act_max)` for `i < m`,
/// `j < n`, with `A` row `i` at `a[i * a_stride..][..k]`, `C` row `i` at
/// `c[i * c_stride..][..n]` and `W` `[n, k]` (TFLite's FC weights, a conv filter
/// `[out_ch, kh, kw, in_ch]` read as `[out_ch, kh·kw·in_ch]`) packed once by [`F32PackFn`]:
/// panels of [`F32_PACK_NR`] output channels, `packed[(j / 8 * k + p) * 8 + j % 8] =
/// W[j][p]`, channels zero-padded to a multiple of 8.
///
/// **Summation order** (generic and SIMD128 alike, so they agree bit for bit): each sum
/// starts at `0.0f32` and adds the rounded products in increasing `p` (no fused
/// multiply-add), then the bias is added, then the C++ clamp of
/// [`generic::f32_clamp_activation`]. This is *not* the order of TF's calibrator
/// ([`generic::f32_dot_generic`], which calibration keeps), so the two differ by float
/// rounding only, within [`f32_gemm_error_bound`]; a relaxed-SIMD build's fused
/// multiply-adds stay within the same bound.
#[derive(Clone, Copy, Debug)]
pub struct F32GemmPacked<'a> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: &'a [f32],
    pub a_stride: usize,
    pub packed: &'a [f32],
    pub bias: Option<&'a [f32]>,
    pub act_min: f32,
    pub act_max: f32,
    pub c_stride: usize,
}

/// The documented tolerance of the fast float GEMM ([`F32GemmPacked`]): any two ways of
/// summing `Σ_p a_p·w_p + bias` in float32 (this kernel's order, TF's calibrator's 8-lane
/// order, with or without fused multiply-adds) differ by at most
/// `(k + 2) · ε · (Σ_p |a_p · w_p| + |bias|)` (ε = `f32::EPSILON`): each is within
/// `γ_{k+1} · Σ|terms|` of the exact sum, `γ_n = n·(ε/2) / (1 − n·ε/2)` (Higham, *Accuracy
/// and Stability of Numerical Algorithms*, §3.1), and the clamp does not widen a
/// difference. `abs_sum` is `Σ_p |a_p · w_p| + |bias|`.
pub fn f32_gemm_error_bound(k: usize, abs_sum: f32) -> f32 {
    (k as f32 + 2.0) * f32::EPSILON * abs_sum
}

/// Geometry of one NHWC image for [`generic::im2col_nhwc_generic`]: input `[in_h, in_w,
/// in_c]`, filter `kh × kw`, strides, dilations, the top/left padding (TFLite's
/// `ComputePaddingHeightWidth`, computed by the caller) and the output size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Im2colDims {
    pub in_h: usize,
    pub in_w: usize,
    pub in_c: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub out_h: usize,
    pub out_w: usize,
}

impl Im2colDims {
    /// Length of one im2col row: `kh * kw * in_c` (the GEMM's `k`).
    pub fn row_len(&self) -> usize {
        self.kh * self.kw * self.in_c
    }
}

/// Per-step float32 constants of one Adam update (Keras 3 `Adam.update_step`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct F32AdamParams {
    pub alpha: f32,
    pub one_minus_beta_1: f32,
    pub one_minus_beta_2: f32,
    pub epsilon: f32,
}

/// int8 FC weights packed once at prepare time for [`Qs8FcPackedFn`]: `w + weights_offset`
/// widened to i16, in blocks of [`QS8_PACK_NR`] output channels × 8 inputs (channel `r`'s
/// 8 values contiguous), input dimension zero-padded to a multiple of 8 and channels to a
/// multiple of 4. Index of `(c, k)`: `((c / 4 * kc + k / 8) * 4 + c % 4) * 8 + k % 8` with
/// `kc = ceil(in_dim / 8)`. Every implementation uses this layout.
pub const QS8_PACK_NR: usize = 4;

/// Length of the packed weights for `d`.
pub fn qs8_fc_packed_len(d: FcDims) -> usize {
    d.in_dim.div_ceil(8) * 8 * d.out_dim.div_ceil(QS8_PACK_NR) * QS8_PACK_NR
}

/// Length of the i16 input scratch of [`Qs8FcPackedFn`] (`x + input_offset`, padded rows).
pub fn qs8_fc_scratch_len(d: FcDims) -> usize {
    d.batches * d.in_dim.div_ceil(8) * 8
}

pub type F32FullyConnectedFn = fn(&F32FcParams, &[f32], &[f32], Option<&[f32]>, &mut [f32], FcDims);
pub type Qs8FullyConnectedFn = fn(&Qs8FcParams, &[i8], &[i8], Option<&[i32]>, &mut [i8], FcDims);
pub type HybridFullyConnectedFn =
    fn(&HybridFcParams, &[f32], &[i8], Option<&[f32]>, &mut [f32], FcDims, &mut HybridScratch);
pub type F32SoftmaxFn = fn(&[f32], &mut [f32], usize, usize, f32);
/// `(lut, x, out, outer, depth)`: bit-identical to the reference
/// [`generic::qs8_softmax_generic`] with the params `lut` was built from.
pub type Qs8SoftmaxFn = fn(&Qs8SoftmaxLut, &[i8], &mut [i8], usize, usize);
/// `(w, weights_offset, dims, packed)`: fills `packed` (length [`qs8_fc_packed_len`]).
pub type Qs8FcPackFn = fn(&[i8], i32, FcDims, &mut [i16]);
/// As [`Qs8FullyConnectedFn`] on packed weights; `params.weights_offset` is already in the
/// packed values. The last argument is scratch of length [`qs8_fc_scratch_len`].
pub type Qs8FcPackedFn =
    fn(&Qs8FcParams, &[i8], &[i16], Option<&[i32]>, &mut [i8], FcDims, &mut [i16]);
pub type F32GemmFn = fn(&F32Gemm, &mut [f32]);
/// `(w [n, k], n, k, packed)`: fills `packed` (length [`f32_gemm_packed_len`]) in the
/// layout of [`F32GemmPacked`]. Prepare-time work.
pub type F32PackFn = fn(&[f32], usize, usize, &mut [f32]);
/// [`F32GemmPacked`] into `c`.
pub type F32GemmPackedFn = fn(&F32GemmPacked, &mut [f32]);
/// `(a [m, k], bt [n, k], c [m, n], m, n, k)`: `C = A · Btᵀ`, each sum from `0.0` in
/// increasing `k` (the `dz · Wᵀ` of a Dense backward).
pub type F32GemmNtFn = fn(&[f32], &[f32], &mut [f32], usize, usize, usize);
/// `(x [rows, cols], out [cols], rows, cols)`: column sums from `0.0` in row order.
pub type F32ColSumFn = fn(&[f32], &mut [f32], usize, usize);
/// `(a, d)`: `d = 0` where `!(a > 0)` (the ReLU gradient, tested on the output).
pub type F32ReluBackwardFn = fn(&[f32], &mut [f32]);
/// `(var, grad, m, v, params)`.
pub type F32AdamFn = fn(&mut [f32], &[f32], &mut [f32], &mut [f32], &F32AdamParams);
/// `(x, out, scale, zero_point)`: float -> int8 (`reference_ops::AffineQuantize`).
pub type Qs8QuantizeFn = fn(&[f32], &mut [i8], f32, i32);

/// The kernel table: one entry per hot kernel family.
#[derive(Clone, Copy, Debug)]
pub struct Kernels {
    pub name: &'static str,
    pub f32_fully_connected: F32FullyConnectedFn,
    pub qs8_fully_connected: Qs8FullyConnectedFn,
    pub qs8_fc_pack: Qs8FcPackFn,
    pub qs8_fc_packed: Qs8FcPackedFn,
    pub qs8_hybrid_fully_connected: HybridFullyConnectedFn,
    pub f32_softmax: F32SoftmaxFn,
    pub qs8_softmax: Qs8SoftmaxFn,
    pub qs8_quantize: Qs8QuantizeFn,
    pub f32_gemm: F32GemmFn,
    pub f32_gemm_pack: F32PackFn,
    pub f32_gemm_packed: F32GemmPackedFn,
    pub f32_gemm_nt: F32GemmNtFn,
    pub f32_col_sum: F32ColSumFn,
    pub f32_relu_backward: F32ReluBackwardFn,
    pub f32_adam: F32AdamFn,
}

static GENERIC: Kernels = Kernels {
    name: "generic",
    f32_fully_connected: generic::f32_fully_connected_generic,
    qs8_fully_connected: generic::qs8_fully_connected_generic,
    qs8_fc_pack: generic::qs8_fc_pack_generic,
    qs8_fc_packed: generic::qs8_fc_packed_generic,
    qs8_hybrid_fully_connected: generic::qs8_hybrid_fully_connected_generic,
    f32_softmax: generic::f32_softmax_generic,
    qs8_softmax: generic::qs8_softmax_lut_generic,
    qs8_quantize: generic::qx8_quantize_generic::<i8>,
    f32_gemm: generic::f32_gemm_generic,
    f32_gemm_pack: generic::f32_gemm_pack_generic,
    f32_gemm_packed: generic::f32_gemm_packed_generic,
    f32_gemm_nt: generic::f32_gemm_nt_generic,
    f32_col_sum: generic::f32_col_sum_generic,
    f32_relu_backward: generic::f32_relu_backward_generic,
    f32_adam: generic::f32_adam_generic,
};

/// The scalar reference table (always available; test batteries compare against it).
pub fn generic() -> &'static Kernels {
    &GENERIC
}

/// The best table for this build: [`relaxed::ops`] in the relaxed-SIMD build,
/// [`simd128::ops`] on wasm32 with SIMD128 (each replaces only the kernels it improves),
/// else [`generic`].
pub fn ops() -> &'static Kernels {
    #[cfg(all(
        target_arch = "wasm32",
        target_feature = "simd128",
        feature = "relaxed-simd"
    ))]
    {
        relaxed::ops()
    }
    #[cfg(all(
        target_arch = "wasm32",
        target_feature = "simd128",
        not(feature = "relaxed-simd")
    ))]
    {
        simd128::ops()
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        &GENERIC
    }
}

/// An 8-bit quantized element type (int8 or uint8) seen as i32 for arithmetic.
pub trait QuantInt: Copy + Default + 'static {
    const MIN: i32;
    const MAX: i32;
    fn to_i32(self) -> i32;
    /// Clamps into `[MIN, MAX]` and converts.
    fn from_i32_clamped(v: i32) -> Self;
}

impl QuantInt for i8 {
    const MIN: i32 = i8::MIN as i32;
    const MAX: i32 = i8::MAX as i32;
    #[inline]
    fn to_i32(self) -> i32 {
        self as i32
    }
    #[inline]
    fn from_i32_clamped(v: i32) -> Self {
        v.clamp(<Self as QuantInt>::MIN, <Self as QuantInt>::MAX) as i8
    }
}

impl QuantInt for u8 {
    const MIN: i32 = u8::MIN as i32;
    const MAX: i32 = u8::MAX as i32;
    #[inline]
    fn to_i32(self) -> i32 {
        self as i32
    }
    #[inline]
    fn from_i32_clamped(v: i32) -> Self {
        v.clamp(<Self as QuantInt>::MIN, <Self as QuantInt>::MAX) as u8
    }
}
