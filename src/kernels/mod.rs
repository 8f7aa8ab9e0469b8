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

pub mod fixedpoint;
pub mod generic;

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

pub type F32FullyConnectedFn = fn(&F32FcParams, &[f32], &[f32], Option<&[f32]>, &mut [f32], FcDims);
pub type Qs8FullyConnectedFn = fn(&Qs8FcParams, &[i8], &[i8], Option<&[i32]>, &mut [i8], FcDims);
pub type HybridFullyConnectedFn =
    fn(&HybridFcParams, &[f32], &[i8], Option<&[f32]>, &mut [f32], FcDims, &mut HybridScratch);
pub type F32SoftmaxFn = fn(&[f32], &mut [f32], usize, usize, f32);
pub type Qs8SoftmaxFn = fn(&Qs8SoftmaxParams, &[i8], &mut [i8], usize, usize);

/// The kernel table: one entry per hot kernel family.
#[derive(Clone, Copy, Debug)]
pub struct Kernels {
    pub name: &'static str,
    pub f32_fully_connected: F32FullyConnectedFn,
    pub qs8_fully_connected: Qs8FullyConnectedFn,
    pub qs8_hybrid_fully_connected: HybridFullyConnectedFn,
    pub f32_softmax: F32SoftmaxFn,
    pub qs8_softmax: Qs8SoftmaxFn,
}

static GENERIC: Kernels = Kernels {
    name: "generic",
    f32_fully_connected: generic::f32_fully_connected_generic,
    qs8_fully_connected: generic::qs8_fully_connected_generic,
    qs8_hybrid_fully_connected: generic::qs8_hybrid_fully_connected_generic,
    f32_softmax: generic::f32_softmax_generic,
    qs8_softmax: generic::qs8_softmax_generic,
};

/// The scalar reference table (always available; test batteries compare against it).
pub fn generic() -> &'static Kernels {
    &GENERIC
}

/// The best table for this build. Today that is [`generic`]; a SIMD128 table will be
/// returned here under `cfg(target_feature = "simd128")`, replacing only the kernels
/// it improves.
pub fn ops() -> &'static Kernels {
    &GENERIC
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
