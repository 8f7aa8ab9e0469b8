//! Element-wise unary kernels: the activations (LOGISTIC, TANH, RELU6, RELU_N1_TO_1,
//! LEAKY_RELU, HARD_SWISH, LOG_SOFTMAX) and the math functions (EXP, SQRT, RSQRT), float
//! and 8-bit.
//!
//! **Float.** Each kernel is the arithmetic of LiteRT's reference kernel
//! (`reference_ops::Logistic`, `Tanh`, `Exp`, …) in the same float operations and order.
//! The transcendentals are computed here, not by the platform: [`expf`] is the algorithm of
//! glibc's `expf` (which LiteRT's `std::exp` calls on Linux, also through TF's calibrator)
//! and gives its bits on every input (exhaustively checked against glibc 2.36 natively,
//! see the tests); [`tanhf`] is the classic Sun `tanhf` over `libm`'s `expm1f`, glibc's
//! algorithm (it differs from glibc 2.36 on about 1 in 6·10⁶ inputs, by 1 ulp). Both give
//! the same bits natively and in wasm, so calibration writes the same files everywhere.
//!
//! **8-bit.** An 8-bit unary op is a function of 256 possible inputs, so every op here is
//! run as a 256-entry table ([`qx8_lut_generic`], SIMD128 [`qx8_lut_simd128`]) built once at
//! prepare time by evaluating the reference kernel's own integer or float arithmetic on each
//! input value ([`lut_populate`] for the ops whose reference *is* a table — LOGISTIC, TANH,
//! EXP, TFLite's `LUTPopulate` —, [`QReluX`], [`QLeakyRelu`], [`QHardSwish`], [`q_sqrt`],
//! [`QRsqrt`] for the others). The table is therefore bit-identical to the reference by
//! construction; the batteries check it. LOG_SOFTMAX works on rows and is computed directly
//! ([`qs8_log_softmax_generic`]).

use super::fixedpoint::{
    count_leading_zeros, exp_on_negative_values, multiply_by_quantized_multiplier,
    one_over_one_plus_x_for_x_in_0_1, rescale, rounding_divide_by_pot, rounding_half_sum,
    saturating_rounding_doubling_high_mul, saturating_rounding_multiply_by_pot,
};
use super::QuantInt;

// ---------------------------------------------------------------------------------------
// Transcendentals with the same bits on every target

/// `2^(i/32)` as double bits minus `i << 47` (glibc / Arm optimized-routines `expf` table).
const EXP2F_TAB: [u64; 32] = [
    0x3ff0000000000000,
    0x3fefd9b0d3158574,
    0x3fefb5586cf9890f,
    0x3fef9301d0125b51,
    0x3fef72b83c7d517b,
    0x3fef54873168b9aa,
    0x3fef387a6e756238,
    0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715,
    0x3feef1a7373aa9cb,
    0x3feedea64c123422,
    0x3feece086061892d,
    0x3feebfdad5362a27,
    0x3feeb42b569d4f82,
    0x3feeab07dd485429,
    0x3feea47eb03a5585,
    0x3feea09e667f3bcd,
    0x3fee9f75e8ec5f74,
    0x3feea11473eb0187,
    0x3feea589994cce13,
    0x3feeace5422aa0db,
    0x3feeb737b0cdc5e5,
    0x3feec49182a3f090,
    0x3feed503b23e255d,
    0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47,
    0x3fef199bdd85529c,
    0x3fef3720dcef9069,
    0x3fef5818dcfba487,
    0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da,
    0x3fefd0765b6e4540,
];

/// `e^x` in float with glibc's bits (glibc ≥ 2.28 `expf`, Arm's algorithm): `x·32/ln 2 =
/// k + r` rounded to even through the `0x1.8p52` shift, `2^(k/32)` from the table, a cubic
/// in `r` in double, one rounding to float at the end. Overflow gives `+inf`, underflow
/// `0`, NaN stays NaN.
pub fn expf(x: f32) -> f32 {
    const N: f64 = 32.0;
    let c0 = f64::from_bits(0x3fac6af84b912394) / N / N / N;
    let c1 = f64::from_bits(0x3fcebfce50fac4f3) / N / N;
    let c2 = f64::from_bits(0x3fe62e42ff0c52d6) / N;
    let inv_ln2_n = f64::from_bits(0x3ff71547652b82fe) * N;
    let shift = f64::from_bits(0x4338000000000000); // 0x1.8p52
    let abstop = (x.to_bits() >> 20) & 0x7ff;
    if abstop >= (88.0f32.to_bits() >> 20) {
        if x == f32::NEG_INFINITY {
            return 0.0;
        }
        if abstop >= (f32::INFINITY.to_bits() >> 20) {
            return x + x;
        }
        if x > f32::from_bits(0x42b1_7217) {
            return f32::INFINITY; // x > ln(2^128)
        }
        if x < f32::from_bits(0xc2cf_f1b4) {
            return 0.0; // x < ln(2^-150)
        }
    }
    let z = inv_ln2_n * x as f64;
    let kd = z + shift;
    let ki = kd.to_bits();
    let kd = kd - shift;
    let r = z - kd;
    let t = EXP2F_TAB[(ki % 32) as usize].wrapping_add(ki << 47);
    let s = f64::from_bits(t);
    let p = c0 * r + c1;
    let r2 = r * r;
    let y = c2 * r + 1.0;
    let y = p * r2 + y;
    (y * s) as f32
}

/// `tanh(x)` in float: the Sun `tanhf` glibc uses (`1 - 2/(expm1(2|x|) + 2)` for
/// `|x| >= 1`, `-t/(t + 2)` with `t = expm1(-2|x|)` below, `x` itself for tiny `x`, ±1
/// from 22 on), over `libm`'s `expm1f`.
pub fn tanhf(x: f32) -> f32 {
    let jx = x.to_bits() as i32;
    let ix = jx & 0x7fff_ffff;
    if ix >= 0x7f80_0000 {
        return if jx >= 0 {
            1.0 / x + 1.0
        } else {
            1.0 / x - 1.0
        };
    }
    let z = if ix < 0x41b0_0000 {
        if ix == 0 {
            return x;
        }
        if ix < 0x2400_0000 {
            return x * (1.0 + x);
        }
        if ix >= 0x3f80_0000 {
            let t = libm::expm1f(2.0 * x.abs());
            1.0 - 2.0 / (t + 2.0)
        } else {
            let t = libm::expm1f(-2.0 * x.abs());
            -t / (t + 2.0)
        }
    } else {
        1.0 - 1.0e-30
    };
    if jx >= 0 {
        z
    } else {
        -z
    }
}

/// `reference_ops::Logistic` on one float: `1` above 16.619047, `exp(x)` below -9,
/// `1 / (1 + exp(-x))` between.
#[inline]
pub fn logistic_ref(v: f32) -> f32 {
    const CUTOFF_UPPER: f32 = 16.619_047;
    const CUTOFF_LOWER: f32 = -9.0;
    if v > CUTOFF_UPPER {
        1.0
    } else if v < CUTOFF_LOWER {
        expf(v)
    } else {
        1.0 / (1.0 + expf(-v))
    }
}

// ---------------------------------------------------------------------------------------
// Float kernels (`x` and `out` of the same length)

/// LOGISTIC (`reference_ops::Logistic`, see [`logistic_ref`]).
pub fn f32_logistic_generic(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = logistic_ref(v);
    }
}

/// TANH (`reference_ops::Tanh`: `std::tanh`, see [`tanhf`]).
pub fn f32_tanh_generic(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = tanhf(v);
    }
}

/// EXP (`reference_ops::Exp`: `std::exp`, see [`expf`]).
pub fn f32_exp_generic(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = expf(v);
    }
}

/// SQRT (`std::sqrt`, correctly rounded; NaN for negative inputs as in C++).
pub fn f32_sqrt_generic(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v.sqrt();
    }
}

/// RSQRT (`elementwise.cc`: `1.f / std::sqrt(f)`, two float roundings).
pub fn f32_rsqrt_generic(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = 1.0 / v.sqrt();
    }
}

/// HARD_SWISH on float as LiteRT's optimized kernel computes it (`optimized_ops::HardSwish`,
/// which TF's calibrator runs): in blocks of 4 values `(in · (1/6)) · min(6, max(0, in + 3))`,
/// the last `len % 4` values `(in · min(6, max(0, in + 3))) · (1/6)`. The reference kernel
/// (`reference_ops::HardSwish`) divides `in · relu6(in + 3)` by 6; the results differ by an
/// ulp at most (within the float tolerance against `BUILTIN_REF`), and this arithmetic gives
/// the calibration ranges TF's files record bit for bit (`ops/activations`: max 13.27298 where
/// the reference gives 13.272979).
pub fn f32_hard_swish_generic(x: &[f32], out: &mut [f32]) {
    let relu6 = |v: f32| super::generic::cpp_min(6.0, super::generic::cpp_max(0.0, v + 3.0));
    let n = x.len().min(out.len());
    let body = n / 4 * 4;
    for (o, &v) in out[..body].iter_mut().zip(&x[..body]) {
        *o = (v * (1.0 / 6.0)) * relu6(v);
    }
    for (o, &v) in out[body..n].iter_mut().zip(&x[body..n]) {
        *o = (v * relu6(v)) * (1.0 / 6.0);
    }
}

/// LEAKY_RELU (`reference_ops::LeakyRelu`, float): `x > 0 ? x : x * alpha`.
pub fn f32_leaky_relu_generic(x: &[f32], out: &mut [f32], alpha: f32) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = if v > 0.0 { v } else { v * alpha };
    }
}

/// RELU6 / RELU_N1_TO_1 (`reference_ops::Relu6`, `Relu1`): `x > hi ? hi : x < lo ? lo : x`
/// (NaN passes through).
pub fn f32_clamp_generic(x: &[f32], out: &mut [f32], lo: f32, hi: f32) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = if v > hi {
            hi
        } else if v < lo {
            lo
        } else {
            v
        };
    }
}

/// LOG_SOFTMAX (`reference_ops::LogSoftmax`, float) over rows of `depth`: `max` from
/// `f32::lowest`, `sum += exp(x - max)` in order, `out = x - max - log(sum)`.
pub fn f32_log_softmax_generic(x: &[f32], out: &mut [f32], outer: usize, depth: usize) {
    for i in 0..outer {
        let xr = &x[i * depth..(i + 1) * depth];
        let orow = &mut out[i * depth..(i + 1) * depth];
        let mut max = f32::MIN;
        for &v in xr {
            max = super::generic::cpp_max(max, v);
        }
        let mut sum = 0.0f32;
        for &v in xr {
            sum += expf(v - max);
        }
        let log_sum = libm::logf(sum);
        for (o, &v) in orow.iter_mut().zip(xr) {
            *o = v - max - log_sum;
        }
    }
}

// ---------------------------------------------------------------------------------------
// 8-bit tables

/// A 256-entry table of an 8-bit unary op, indexed by the input's raw byte
/// (`x as u8 as usize`: int8 -128 is entry 128).
pub type Lut8<T> = [T; 256];

/// The raw byte index of an 8-bit value.
#[inline]
fn lut_index<T: QuantInt>(v: T) -> usize {
    (v.to_i32() as u8) as usize
}

/// Fills a table from a per-value function of the integer input (the value as i32).
pub fn lut_from_fn<T: QuantInt>(mut f: impl FnMut(i32) -> T) -> Lut8<T> {
    let mut lut = [T::default(); 256];
    for v in T::MIN..=T::MAX {
        lut[(v as u8) as usize] = f(v);
    }
    lut
}

/// TFLite `LUTPopulate` (int8/uint8): for each input value `v`,
/// `q = (int)(round(f(in_scale · (v - in_zp)) · (1 / out_scale)) + out_zp)` clamped, the
/// arithmetic in float as the reference (`inverse_scale = 1 / out_scale` first).
pub fn lut_populate<T: QuantInt>(
    in_scale: f32,
    in_zp: i32,
    out_scale: f32,
    out_zp: i32,
    f: impl Fn(f32) -> f32,
) -> Lut8<T> {
    let inverse_scale = 1.0 / out_scale;
    lut_from_fn(|v| {
        let dequantized = in_scale * (v - in_zp) as f32;
        let transformed = f(dequantized);
        let rescaled = (transformed * inverse_scale).round();
        // `static_cast<int32_t>(rescaled + output_zero_point)`: float add, truncation
        // (saturating here; C++ leaves out-of-range conversions undefined).
        let q = (rescaled + out_zp as f32) as i32;
        T::from_i32_clamped(q)
    })
}

/// Applies a table: `out[i] = lut[x[i]]` (`reference_integer_ops::LookupTable`).
pub fn qx8_lut_generic<T: QuantInt>(x: &[T], lut: &Lut8<T>, out: &mut [T]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = lut[lut_index(v)];
    }
}

/// [`qx8_lut_generic`] on int8 with SIMD128: 16 lanes at a time, each of the table's 16
/// chunks looked up by `i8x16_swizzle` (indices outside a chunk give 0) and OR-ed.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn qx8_lut_simd128<T: QuantInt>(x: &[T], lut: &Lut8<T>, out: &mut [T]) {
    use core::arch::wasm32::*;
    assert_eq!(core::mem::size_of::<T>(), 1);
    let n = x.len().min(out.len());
    let body = n / 16 * 16;
    // SAFETY: T is a 1-byte integer (asserted), the loads/stores stay within `body <= n`.
    unsafe {
        let tab = lut.as_ptr() as *const u8;
        let mut chunks = [u8x16_splat(0); 16];
        for (k, c) in chunks.iter_mut().enumerate() {
            *c = v128_load(tab.add(16 * k) as *const v128);
        }
        let xp = x.as_ptr() as *const u8;
        let op = out.as_mut_ptr() as *mut u8;
        let sixteen = u8x16_splat(16);
        let mut i = 0;
        while i < body {
            let mut idx = v128_load(xp.add(i) as *const v128);
            let mut acc = i8x16_swizzle(chunks[0], idx);
            for c in &chunks[1..] {
                idx = u8x16_sub(idx, sixteen);
                acc = v128_or(acc, i8x16_swizzle(*c, idx));
            }
            v128_store(op.add(i) as *mut v128, acc);
            i += 16;
        }
    }
    qx8_lut_generic(&x[body..n], lut, &mut out[body..n]);
}

/// The best table lookup for the build.
pub fn qx8_lut<T: QuantInt>(x: &[T], lut: &Lut8<T>, out: &mut [T]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        qx8_lut_simd128(x, lut, out)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        qx8_lut_generic(x, lut, out)
    }
}

// ---------------------------------------------------------------------------------------
// 8-bit reference arithmetic of one value (tabulated by the ops at prepare time)

/// Quantized RELU / RELU6 / RELU_N1_TO_1 (`reference_ops::ReluX` with `ReluParams`):
/// `clamp(out_zp + MultiplyByQuantizedMultiplier(v - in_zp, m, s), lo, hi)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QReluX {
    pub input_zero_point: i32,
    pub output_zero_point: i32,
    pub multiplier: i32,
    pub shift: i32,
    pub act_min: i32,
    pub act_max: i32,
}

impl QReluX {
    #[inline]
    pub fn apply(&self, v: i32) -> i32 {
        let r = self
            .output_zero_point
            .wrapping_add(multiply_by_quantized_multiplier(
                v - self.input_zero_point,
                self.multiplier,
                self.shift,
            ));
        r.max(self.act_min).min(self.act_max)
    }
}

/// Quantized LEAKY_RELU (`reference_ops::QuantizeLeakyRelu`): `v - in_zp >= 0` scaled by
/// the identity multiplier, else by `|alpha|`'s multiplier (negated for a negative
/// alpha), plus `out_zp`, clamped to the type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QLeakyRelu {
    pub input_zero_point: i32,
    pub output_zero_point: i32,
    pub identity_multiplier: i32,
    pub identity_shift: i32,
    pub alpha_multiplier: i32,
    pub alpha_shift: i32,
}

impl QLeakyRelu {
    #[inline]
    pub fn apply(&self, v: i32) -> i32 {
        let x = v - self.input_zero_point;
        let scaled = if x >= 0 {
            multiply_by_quantized_multiplier(x, self.identity_multiplier, self.identity_shift)
        } else {
            let m = self.alpha_multiplier.wrapping_abs();
            let s = multiply_by_quantized_multiplier(x, m, self.alpha_shift);
            if self.alpha_multiplier < 0 {
                s.wrapping_neg()
            } else {
                s
            }
        };
        self.output_zero_point.wrapping_add(scaled)
    }
}

/// gemmlowp's int16 `SaturatingRoundingDoublingHighMul`.
#[inline]
fn srdhm16(a: i16, b: i16) -> i16 {
    if a == b && a == i16::MIN {
        return i16::MAX;
    }
    let ab = a as i32 * b as i32;
    let nudge: i32 = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// TFLite's int16 `SaturatingDoublingHighMul` (truncating, no nudge).
#[inline]
fn sdhm16(a: i16, b: i16) -> i16 {
    if a == b && a == i16::MIN {
        return i16::MAX;
    }
    ((a as i32 * b as i32) / (1 << 15)) as i16
}

/// gemmlowp's `RoundingDivideByPOT` on int16.
#[inline]
fn rdbpot16(x: i16, exponent: i32) -> i16 {
    rounding_divide_by_pot(x as i32, exponent.clamp(0, 15)) as i16
}

/// TFLite `SaturatingLeftShift` on int16.
#[inline]
fn saturating_left_shift16(v: i16, amount: i32) -> i16 {
    let r = (v as i64) * (1i64 << amount.clamp(0, 40));
    r.clamp(i16::MIN as i64, i16::MAX as i64) as i16
}

/// Quantized HARD_SWISH (`reference_ops::HardSwish<int8/uint8>`, `HardSwishPrepare`'s
/// int16 fixed-point multipliers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QHardSwish {
    pub input_zero_point: i32,
    pub output_zero_point: i32,
    pub output_multiplier_fixedpoint_int16: i16,
    pub output_multiplier_exponent: i32,
    pub reluish_multiplier_fixedpoint_int16: i16,
    pub reluish_multiplier_exponent: i32,
}

impl QHardSwish {
    /// The reference's per-value arithmetic (int16 fixed point), before the clamp to the
    /// 8-bit type.
    pub fn apply(&self, v: i32) -> i32 {
        let input_value = (v - self.input_zero_point) as i16;
        let hires = input_value.wrapping_mul(1 << 7);
        let preshift_output_scale = srdhm16(hires, self.output_multiplier_fixedpoint_int16);
        let mut reluish = hires;
        if self.reluish_multiplier_exponent > 0 {
            reluish = saturating_left_shift16(reluish, self.reluish_multiplier_exponent - 1);
        }
        reluish = srdhm16(reluish, self.reluish_multiplier_fixedpoint_int16);
        if self.reluish_multiplier_exponent > 0 {
            reluish = saturating_left_shift16(reluish, 1);
        }
        if self.reluish_multiplier_exponent < 0 {
            reluish = rdbpot16(reluish, -self.reluish_multiplier_exponent);
        }
        reluish = ((reluish as i32 + (1 << 15)) >> 1) as i16;
        let preshift_output = sdhm16(reluish, preshift_output_scale);
        let out = rdbpot16(preshift_output, -self.output_multiplier_exponent);
        (out as i32 + self.output_zero_point) as i16 as i32
    }
}

/// TFLite `DownScaleInt32ToInt16Multiplier`: `(m + 2^15) >> 16`, saturating at `i16::MAX`.
pub fn down_scale_int32_to_int16_multiplier(m: i32) -> i16 {
    const ROUNDING_OFFSET: i32 = 1 << 15;
    if m >= i32::MAX - ROUNDING_OFFSET {
        return i16::MAX;
    }
    ((m + ROUNDING_OFFSET) >> 16) as i16
}

/// Quantized SQRT of one value (`elementwise.cc` `SqrtEvalQuantized`):
/// `(int)(sqrt(in_scale · (v - in_zp)) / out_scale) + out_zp` (float arithmetic,
/// truncation), clamped. `None` where the dequantized input is negative (the reference's
/// error "Sqrt is only defined for non-negative values").
pub fn q_sqrt(v: i32, in_scale: f32, in_zp: i32, out_scale: f32, out_zp: i32) -> Option<i32> {
    let x = in_scale * (v - in_zp) as f32;
    if x.is_nan() || x < 0.0 {
        return None;
    }
    let q = (x.sqrt() / out_scale) as i32;
    Some(q.saturating_add(out_zp))
}

/// TFLite `GetInvSqrtQuantizedMultiplierExp`: `1/sqrt(input)` as a fixed-point multiplier
/// and shift (Newton–Raphson in Q3.28, five steps), the shift multiplied by
/// `reverse_shift` (-1 for the left-shift convention).
pub fn get_inv_sqrt_quantized_multiplier_exp(input: i32, reverse_shift: i32) -> (i32, i32) {
    if input <= 1 {
        return (i32::MAX, 0);
    }
    let mut input = input;
    let mut output_shift: i32 = 11;
    while input >= (1 << 29) {
        input /= 4;
        output_shift += 1;
    }
    let max_left_shift_bits = count_leading_zeros(input as u32) - 1;
    let max_left_shift_bit_pairs = max_left_shift_bits / 2;
    let left_shift_bit_pairs = max_left_shift_bit_pairs - 1;
    output_shift -= left_shift_bit_pairs;
    input <<= 2 * left_shift_bit_pairs;
    // Q3.28 arithmetic: products of two F3 values are F6; `Rescale<3>` brings them back.
    let mul = saturating_rounding_doubling_high_mul;
    let fixedpoint_input = input >> 1;
    let fixedpoint_half_input = saturating_rounding_multiply_by_pot(fixedpoint_input, -1);
    let fixedpoint_half_three: i32 = (1 << 28) + (1 << 27);
    let mut x: i32 = 1 << 28; // F3 one
    for _ in 0..5 {
        // x * x * x is F9; Rescale<3>.
        let x3 = rescale(mul(mul(x, x), x), 9, 3);
        let a = mul(fixedpoint_half_three, x); // F6
        let b = mul(fixedpoint_half_input, x3); // F6
        x = rescale(a.wrapping_sub(b), 6, 3);
    }
    // x * sqrt(2)/2 (F0): F3 * F0 = F3.
    const HALF_SQRT_2: i32 = 1518500250;
    let mut out = mul(x, HALF_SQRT_2);
    if output_shift < 0 {
        out = out.wrapping_shl((-output_shift) as u32);
        output_shift = 0;
    }
    (out, output_shift * reverse_shift)
}

/// Quantized RSQRT (`elementwise.cc` `RsqrtEvalQuantizedInt8`), one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QRsqrt {
    pub input_zero_point: i32,
    pub output_zero_point: i32,
    /// From `1 / (sqrt(in_scale) · out_scale)` (`SetRsqrtOutputMultiplier`).
    pub multiplier: i32,
    pub shift: i32,
}

impl QRsqrt {
    /// `None` below the input zero point (the reference's error "Rsqrt is only defined for
    /// positive values"); `v == zp` gives the type's max.
    pub fn apply(&self, v: i32, type_max: i32) -> Option<i32> {
        const K_SHIFT: i32 = 20;
        if v < self.input_zero_point {
            return None;
        }
        let value = v - self.input_zero_point;
        if value == 0 {
            return Some(type_max);
        }
        let (inv_sqrt_multiplier, inv_sqrt_shift) =
            get_inv_sqrt_quantized_multiplier_exp(value, -1);
        let data =
            multiply_by_quantized_multiplier(1, inv_sqrt_multiplier, inv_sqrt_shift + K_SHIFT);
        Some(
            multiply_by_quantized_multiplier(data, self.multiplier, self.shift - K_SHIFT)
                .wrapping_add(self.output_zero_point),
        )
    }
}

// ---------------------------------------------------------------------------------------
// int8 LOG_SOFTMAX

/// int8 LOG_SOFTMAX parameters (`LogSoftmaxPrepare`, reference kernel):
/// `PreprocessLogSoftmaxScalingExp(1, in_scale, 5)` and
/// `diff_min = -CalculateInputRadius(5, input_left_shift)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Qs8LogSoftmaxParams {
    pub input_multiplier: i32,
    pub input_left_shift: i32,
    pub reverse_scaling_divisor: i32,
    /// The reference's `reverse_scaling_right_shift` (already negated in prepare).
    pub reverse_scaling_right_shift: i32,
    pub diff_min: i32,
}

/// TFLite `log_x_for_x_greater_than_or_equal_to_1_impl<OutputIntegerBits,
/// InputIntegerBits>` on raw int32 values: `log(x)` for a fixed-point `x >= 1`.
pub fn log_x_for_x_greater_than_or_equal_to_1(
    input_raw: i32,
    input_integer_bits: i32,
    output_integer_bits: i32,
) -> i32 {
    let mul = saturating_rounding_doubling_high_mul;
    let accum_integer_bits = output_integer_bits + 1;
    const LOG_2: i32 = 1488522236;
    const SQRT_SQRT_HALF: i32 = 1805811301;
    const SQRT_HALF: i32 = 1518500250;
    const ONE_QUARTER: i32 = 536870912;
    const ALPHA_N: i32 = 117049297;
    const ALPHA_D: i32 = 127690142;
    const ALPHA_I: i32 = 1057819769;
    const ALPHA_F: i32 = 638450708;
    let sat_pot = |x: i32, e: i32| saturating_rounding_multiply_by_pot(x, e);
    let shifted_quarter = rescale(ONE_QUARTER, 0, accum_integer_bits);
    let z_a = input_raw;
    let z_a_headroom_plus_1 = count_leading_zeros(z_a as u32);
    let r_a_tmp = sat_pot(z_a, z_a_headroom_plus_1 - 1);
    let r_a_raw = sat_pot(mul(r_a_tmp, SQRT_HALF), 1);
    let z_a_pow_2_adj = sat_pot(
        input_integer_bits - z_a_headroom_plus_1,
        31 - accum_integer_bits,
    )
    .saturating_add(shifted_quarter);
    let z_b = mul(z_a, SQRT_HALF);
    let z_b_headroom = count_leading_zeros(z_b as u32) - 1;
    let r_b_raw = sat_pot(z_a, z_b_headroom);
    let z_b_pow_2_adj = sat_pot(input_integer_bits - z_b_headroom, 31 - accum_integer_bits)
        .saturating_sub(shifted_quarter);
    let r = r_a_raw.min(r_b_raw);
    let z_pow_2_adj = z_a_pow_2_adj.max(z_b_pow_2_adj);
    let p = rounding_half_sum(r, SQRT_SQRT_HALF);
    let mut q = r.wrapping_sub(SQRT_SQRT_HALF);
    q = q.wrapping_add(q);
    let common_sq = mul(q, q);
    let num = mul(q, r).wrapping_add(mul(mul(q, common_sq), ALPHA_N));
    let denom_minus_one_0 = mul(
        p,
        ALPHA_I
            .wrapping_add(q)
            .wrapping_add(mul(ALPHA_D, common_sq)),
    )
    .wrapping_add(mul(ALPHA_F, q));
    let recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one_0);
    let num_scaled = rescale(num, 0, accum_integer_bits);
    // z_pow_2_adj (accum bits) * log_2 (0 bits) and num_scaled (accum) * recip (0): both
    // products have accum integer bits.
    let sum = mul(z_pow_2_adj, LOG_2).wrapping_add(mul(num_scaled, recip_denom));
    rescale(sum, accum_integer_bits, output_integer_bits)
}

/// `reference_integer_ops::LogSoftmax` (int8): per row the max, the sum of fixed-point
/// `exp` of the rescaled differences (Q5.26 in, Q12.19 sum), `log` of the sum (Q5.26),
/// and `RoundingDivideByPOT(diff - log_sum, 22) + 127`, clamped; differences at or below
/// the adjusted minimum give -128. Output scale 16/256, zero point 127.
pub fn qs8_log_softmax_generic(
    p: &Qs8LogSoftmaxParams,
    x: &[i8],
    out: &mut [i8],
    outer: usize,
    depth: usize,
) {
    const INPUT_INTEGER_BITS: i32 = 5;
    const ACCUMULATION_INTEGER_BITS: i32 = 12;
    const OUTPUT_INTEGER_BITS: i32 = 4;
    const OUTPUT_ZERO_POINT: i32 = 127;
    for i in 0..outer {
        let xr = &x[i * depth..(i + 1) * depth];
        let orow = &mut out[i * depth..(i + 1) * depth];
        let max_in_row = xr.iter().copied().max().unwrap_or(i8::MIN) as i32;
        let mut sum_of_exps_in_q12: i32 = 0;
        for &v in xr {
            let diff = v as i32 - max_in_row;
            if diff >= p.diff_min {
                let in_q5 =
                    multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_left_shift);
                sum_of_exps_in_q12 = sum_of_exps_in_q12.wrapping_add(rescale(
                    exp_on_negative_values(in_q5, INPUT_INTEGER_BITS),
                    0,
                    ACCUMULATION_INTEGER_BITS,
                ));
            }
        }
        let log_sum_of_exps_in_q5 = log_x_for_x_greater_than_or_equal_to_1(
            sum_of_exps_in_q12,
            ACCUMULATION_INTEGER_BITS,
            INPUT_INTEGER_BITS,
        );
        let shifted_log_sum = log_sum_of_exps_in_q5.wrapping_add(i32::MIN);
        let adjusted_diff_min = (p.diff_min - 1).max(multiply_by_quantized_multiplier(
            shifted_log_sum,
            p.reverse_scaling_divisor,
            -p.reverse_scaling_right_shift,
        ));
        for (o, &v) in orow.iter_mut().zip(xr) {
            let diff = v as i32 - max_in_row;
            *o = if diff > adjusted_diff_min {
                let in_q5 =
                    multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_left_shift);
                let r = rounding_divide_by_pot(
                    in_q5.wrapping_sub(log_sum_of_exps_in_q5),
                    31 - INPUT_INTEGER_BITS - OUTPUT_INTEGER_BITS,
                ) + OUTPUT_ZERO_POINT;
                r.clamp(-128, 127) as i8
            } else {
                i8::MIN
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our `expf` / `tanhf` against the platform's on a sweep of float bit patterns. The
    /// platform is glibc natively on Linux (what LiteRT calls), so this pins the claim of
    /// the module docs; elsewhere it only bounds the difference.
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn transcendentals_match_glibc() {
        let mut exp_diff = 0u32;
        let mut tanh_diff = 0u32;
        let mut n = 0u32;
        let mut b: u32 = 0;
        loop {
            let x = f32::from_bits(b);
            n += 1;
            let (g, ours) = (x.exp(), expf(x));
            if g.to_bits() != ours.to_bits() && !(g.is_nan() && ours.is_nan()) {
                exp_diff += 1;
            }
            let (g, ours) = (x.tanh(), tanhf(x));
            if g.to_bits() != ours.to_bits() && !(g.is_nan() && ours.is_nan()) {
                tanh_diff += 1;
            }
            b = b.wrapping_add(4099);
            if b < 4099 {
                break;
            }
        }
        assert_eq!(exp_diff, 0, "expf differs from glibc on {exp_diff} of {n}");
        // Sun tanhf over libm's expm1f: a handful of 1-ulp differences at most.
        assert!(tanh_diff * 100_000 <= n, "tanhf: {tanh_diff} of {n}");
    }

    #[test]
    fn expf_special_values() {
        assert_eq!(expf(0.0), 1.0);
        assert_eq!(expf(f32::NEG_INFINITY), 0.0);
        assert_eq!(expf(f32::INFINITY), f32::INFINITY);
        assert!(expf(f32::NAN).is_nan());
        assert_eq!(expf(89.0), f32::INFINITY);
        assert_eq!(expf(-104.0), 0.0);
        assert!((expf(1.0) - std::f32::consts::E).abs() <= f32::EPSILON * 3.0);
    }

    #[test]
    fn inv_sqrt_multiplier_is_close_to_the_real_value() {
        for input in [2, 3, 4, 17, 1000, 65535, 1 << 20, (1 << 29) + 5, i32::MAX] {
            let (m, s) = get_inv_sqrt_quantized_multiplier_exp(input, -1);
            let approx = m as f64 / 2f64.powi(31) * 2f64.powi(s);
            let want = 1.0 / (input as f64).sqrt();
            // The reference's three fixed-point Newton steps leave a relative error of
            // about 1e-6 (1.2e-6 for 2); bit-exactness is the RSQRT fixtures' job.
            assert!(
                (approx / want - 1.0).abs() < 1e-5,
                "{input}: {approx} vs {want}"
            );
        }
    }

    #[test]
    fn log_of_fixed_point_values() {
        // Q12.19 input, Q5.26 output.
        for x in [1.0f64, 1.5, 2.0, 10.0, 100.0, 4000.0] {
            let raw = (x * (1u64 << 19) as f64) as i32;
            let got =
                log_x_for_x_greater_than_or_equal_to_1(raw, 12, 5) as f64 / (1u64 << 26) as f64;
            assert!((got - x.ln()).abs() < 1e-6, "log {x}: {got}");
        }
    }

    #[test]
    fn hard_swish_q_is_close_to_the_float_function() {
        let (in_scale, in_zp, out_scale, out_zp) = (0.05f32, 3, 0.03f32, -100);
        let p = hard_swish_params(in_scale, in_zp, out_scale, out_zp);
        for v in -128..=127 {
            let x = in_scale * (v - in_zp) as f32;
            let want = x * (x + 3.0).clamp(0.0, 6.0) / 6.0 / out_scale + out_zp as f32;
            let got = p.apply(v).clamp(-128, 127) as f32;
            if want > -128.0 && want < 127.0 {
                assert!((got - want).abs() <= 1.0, "v {v}: {got} vs {want}");
            }
        }
    }

    fn hard_swish_params(in_scale: f32, in_zp: i32, out_scale: f32, out_zp: i32) -> QHardSwish {
        use crate::kernels::fixedpoint::quantize_multiplier;
        let hires = (1.0f32 / 128.0) * in_scale;
        let (om, oe) = quantize_multiplier((hires / out_scale) as f64).unwrap();
        let (rm, re) = quantize_multiplier((hires / (3.0f32 / 32768.0)) as f64).unwrap();
        QHardSwish {
            input_zero_point: in_zp,
            output_zero_point: out_zp,
            output_multiplier_fixedpoint_int16: down_scale_int32_to_int16_multiplier(om),
            output_multiplier_exponent: oe,
            reluish_multiplier_fixedpoint_int16: down_scale_int32_to_int16_multiplier(rm),
            reluish_multiplier_exponent: re,
        }
    }
}
