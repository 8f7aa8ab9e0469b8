//! Binary element-wise kernels: ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE,
//! PRELU (float and 8-bit), applied with broadcasting by [`super::broadcast::binary`].
//!
//! Each per-element function is the arithmetic of LiteRT's reference kernel for the op:
//! float as `reference_ops::Add` / `Sub` / `Mul` / `BroadcastDivSlow` /
//! `MaximumMinimumBroadcastSlow` / `SquaredDifference` (the fused activation applied with
//! `ActivationFunctionWithMinMax`); 8-bit with the fixed-point multipliers of the op's
//! `Prepare` (add.cc, `PrepareGeneralSubOp`, mul.cc, div.cc, squared_difference.cc) and the
//! double-rounding `MultiplyByQuantizedMultiplierSmallerThanOneExp` (ADD, SUB) or
//! `MultiplyByQuantizedMultiplier` (MUL: `reference_integer_ops::MulElementwise`). MAXIMUM / MINIMUM on 8-bit values
//! compare the raw values (the reference ignores the quantization parameters: TF gives
//! both operands and the result the same ones).
//!
//! The float same-shape loops have SIMD128 versions ([`f32_binary_simd128`]) that compute
//! every lane with the scalar operation's IEEE semantics (`f32x4_sub` / `div` / `mul`, the
//! comparisons of `a > b ? a : b` as `f32x4_gt` + `v128_bitselect`), so they give the same
//! bits; the batteries check them against the scalar loop.

use super::broadcast::{binary, Broadcast};
use super::fixedpoint::{
    count_leading_zeros, get_reciprocal, multiply_by_quantized_multiplier,
    multiply_by_quantized_multiplier_greater_than_one, rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
};
use super::generic::f32_clamp_activation;
use super::QuantInt;

/// A float binary op (the fused activation is a separate clamp).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum F32BinaryOp {
    Add,
    Sub,
    Mul,
    /// PRELU: `x >= 0 ? x : x * alpha` (`ApplyPrelu`).
    Prelu,
    Div,
    Maximum,
    Minimum,
    SquaredDifference,
}

impl F32BinaryOp {
    /// The reference's per-element value before the activation.
    #[inline(always)]
    pub fn apply(self, a: f32, b: f32) -> f32 {
        match self {
            F32BinaryOp::Add => a + b,
            F32BinaryOp::Sub => a - b,
            F32BinaryOp::Mul => a * b,
            F32BinaryOp::Div => a / b,
            F32BinaryOp::Prelu => {
                if a >= 0.0 {
                    a
                } else {
                    a * b
                }
            }
            F32BinaryOp::Maximum => {
                if a > b {
                    a
                } else {
                    b
                }
            }
            F32BinaryOp::Minimum => {
                if a < b {
                    a
                } else {
                    b
                }
            }
            F32BinaryOp::SquaredDifference => {
                let d = a - b;
                d * d
            }
        }
    }
}

/// `out = clamp(op(a, b), act_min, act_max)` with broadcasting (`act_min/max` = ±f32::MAX
/// for no activation, as `CalculateActivationRange` gives; MAXIMUM / MINIMUM /
/// SQUARED_DIFFERENCE have no activation and are not clamped).
pub fn f32_binary_generic(
    op: F32BinaryOp,
    bc: &Broadcast,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
    act: Option<(f32, f32)>,
) {
    match act {
        Some((lo, hi)) => binary(bc, a, b, out, |x, y| {
            f32_clamp_activation(op.apply(x, y), lo, hi)
        }),
        None => binary(bc, a, b, out, |x, y| op.apply(x, y)),
    }
}

/// [`f32_binary_generic`] with SIMD128 on the same-shape case (the broadcast cases go
/// through the generic walk).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn f32_binary_simd128(
    op: F32BinaryOp,
    bc: &Broadcast,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
    act: Option<(f32, f32)>,
) {
    use core::arch::wasm32::*;
    if !bc.is_elementwise() {
        return f32_binary_generic(op, bc, a, b, out, act);
    }
    let n = bc.len();
    let (a, b, out) = (&a[..n], &b[..n], &mut out[..n]);
    let body = n / 4 * 4;
    // SAFETY: every load/store is within `body <= n` elements of the three slices.
    unsafe {
        let (lo, hi) = act.unwrap_or((f32::MIN, f32::MAX));
        let (vlo, vhi) = (f32x4_splat(lo), f32x4_splat(hi));
        let clamp = act.is_some();
        let mut i = 0;
        while i < body {
            let x = v128_load(a.as_ptr().add(i) as *const v128);
            let y = v128_load(b.as_ptr().add(i) as *const v128);
            let mut r = match op {
                F32BinaryOp::Add => f32x4_add(x, y),
                F32BinaryOp::Sub => f32x4_sub(x, y),
                F32BinaryOp::Mul => f32x4_mul(x, y),
                F32BinaryOp::Div => f32x4_div(x, y),
                F32BinaryOp::Prelu => {
                    v128_bitselect(x, f32x4_mul(x, y), f32x4_ge(x, f32x4_splat(0.0)))
                }
                F32BinaryOp::Maximum => v128_bitselect(x, y, f32x4_gt(x, y)),
                F32BinaryOp::Minimum => v128_bitselect(x, y, f32x4_lt(x, y)),
                F32BinaryOp::SquaredDifference => {
                    let d = f32x4_sub(x, y);
                    f32x4_mul(d, d)
                }
            };
            if clamp {
                // std::max(r, lo) = r < lo ? lo : r; std::min(., hi) = hi < . ? hi : .
                r = v128_bitselect(vlo, r, f32x4_lt(r, vlo));
                r = v128_bitselect(vhi, r, f32x4_lt(vhi, r));
            }
            v128_store(out.as_mut_ptr().add(i) as *mut v128, r);
            i += 4;
        }
    }
    for i in body..n {
        let v = op.apply(a[i], b[i]);
        out[i] = match act {
            Some((lo, hi)) => f32_clamp_activation(v, lo, hi),
            None => v,
        };
    }
}

/// The float binary kernel of the build.
pub fn f32_binary(
    op: F32BinaryOp,
    bc: &Broadcast,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
    act: Option<(f32, f32)>,
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        f32_binary_simd128(op, bc, a, b, out, act)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        f32_binary_generic(op, bc, a, b, out, act)
    }
}

/// gemmlowp-style `MultiplyByQuantizedMultiplierSmallerThanOneExp` (double rounding):
/// `RoundingDivideByPOT(SRDHM(x, m), -shift)`.
#[inline]
pub fn mbqm_smaller_than_one_exp(x: i32, multiplier: i32, shift: i32) -> i32 {
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x, multiplier),
        (-shift).clamp(0, 31),
    )
}

/// 8-bit ADD and SUB (add.cc's Prepare / `PrepareGeneralSubOp` +
/// `reference_integer_ops::AddFunc` / `SubFunc`): both inputs shifted left by 20, rescaled
/// onto twice the larger input scale, added or subtracted, rescaled onto the output,
/// offset and clamped to the activation range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QAddSubParams {
    /// `-input1_zero_point`
    pub input1_offset: i32,
    pub input2_offset: i32,
    pub output_offset: i32,
    pub left_shift: i32,
    pub input1_multiplier: i32,
    pub input1_shift: i32,
    pub input2_multiplier: i32,
    pub input2_shift: i32,
    pub output_multiplier: i32,
    pub output_shift: i32,
    pub act_min: i32,
    pub act_max: i32,
}

impl QAddSubParams {
    /// The two inputs on the common scale (shifted left, rescaled).
    #[inline(always)]
    fn scaled(&self, a: i32, b: i32) -> (i32, i32) {
        let sa = (self.input1_offset + a).wrapping_mul(1 << self.left_shift);
        let sb = (self.input2_offset + b).wrapping_mul(1 << self.left_shift);
        (
            mbqm_smaller_than_one_exp(sa, self.input1_multiplier, self.input1_shift),
            mbqm_smaller_than_one_exp(sb, self.input2_multiplier, self.input2_shift),
        )
    }

    /// The raw sum or difference onto the output, offset and clamped.
    #[inline(always)]
    fn output(&self, raw: i32) -> i32 {
        mbqm_smaller_than_one_exp(raw, self.output_multiplier, self.output_shift)
            .wrapping_add(self.output_offset)
            .max(self.act_min)
            .min(self.act_max)
    }

    /// ADD of raw values `a + b`.
    #[inline]
    pub fn add(&self, a: i32, b: i32) -> i32 {
        let (xa, xb) = self.scaled(a, b);
        self.output(xa.wrapping_add(xb))
    }

    /// SUB of raw values `a - b`.
    #[inline]
    pub fn sub(&self, a: i32, b: i32) -> i32 {
        let (xa, xb) = self.scaled(a, b);
        self.output(xa.wrapping_sub(xb))
    }
}

/// 8-bit MUL (mul.cc Prepare + `reference_integer_ops::MulElementwise`): the product of the
/// offset inputs times `s1 · s2 / s_out` (`MultiplyByQuantizedMultiplier`), offset and
/// clamped to the activation range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QMulParams {
    pub input1_offset: i32,
    pub input2_offset: i32,
    pub output_offset: i32,
    pub output_multiplier: i32,
    pub output_shift: i32,
    pub act_min: i32,
    pub act_max: i32,
}

impl QMulParams {
    #[inline]
    pub fn apply(&self, a: i32, b: i32) -> i32 {
        let p = (self.input1_offset + a).wrapping_mul(self.input2_offset + b);
        multiply_by_quantized_multiplier(p, self.output_multiplier, self.output_shift)
            .wrapping_add(self.output_offset)
            .max(self.act_min)
            .min(self.act_max)
    }
}

/// 8-bit SQUARED_DIFFERENCE (squared_difference.cc): as SUB with a left shift of 7, the
/// difference squared in int32, rescaled onto the output by
/// `(2·max_scale)² / (2^14 · out_scale)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QSquaredDifferenceParams {
    pub input1_offset: i32,
    pub input2_offset: i32,
    pub output_offset: i32,
    pub left_shift: i32,
    pub input1_multiplier: i32,
    pub input1_shift: i32,
    pub input2_multiplier: i32,
    pub input2_shift: i32,
    pub output_multiplier: i32,
    pub output_shift: i32,
}

impl QSquaredDifferenceParams {
    #[inline]
    pub fn apply(&self, a: i32, b: i32) -> i32 {
        let sa = (self.input1_offset + a).wrapping_mul(1 << self.left_shift);
        let sb = (self.input2_offset + b).wrapping_mul(1 << self.left_shift);
        let xa = mbqm_smaller_than_one_exp(sa, self.input1_multiplier, self.input1_shift);
        let xb = mbqm_smaller_than_one_exp(sb, self.input2_multiplier, self.input2_shift);
        let d = xa.wrapping_sub(xb);
        mbqm_smaller_than_one_exp(d.wrapping_mul(d), self.output_multiplier, self.output_shift)
            .wrapping_add(self.output_offset)
    }
}

/// TFLite `CountLeadingSignBits` of an int32.
#[inline]
fn count_leading_sign_bits(x: i32) -> i32 {
    if x >= 0 {
        count_leading_zeros(x as u32) - 1
    } else if x != i32::MIN {
        count_leading_zeros((2u32.wrapping_mul(x.wrapping_neg() as u32)).wrapping_sub(1))
    } else {
        0
    }
}

/// 8-bit DIV (div.cc Prepare + `reference_ops::DivElementwise`): the denominator's
/// reciprocal by `GetReciprocal`, the numerator normalized by its leading sign bits, one
/// fixed-point product, then the output multiplier `in1_scale / (in2_scale · out_scale)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QDivParams {
    pub input1_offset: i32,
    pub input2_offset: i32,
    pub output_offset: i32,
    pub output_multiplier: i32,
    pub output_shift: i32,
    pub act_min: i32,
    pub act_max: i32,
}

impl QDivParams {
    /// The quotient of raw values `a / b`; the caller has checked `b` is not the
    /// denominator's zero point (the reference refuses a zero denominator).
    #[inline]
    pub fn apply(&self, a: i32, b: i32) -> i32 {
        let mut x = self.input1_offset + a;
        let mut y = self.input2_offset + b;
        if y < 0 {
            x = -x;
            y = -y;
        }
        let (input2_inv, recip_shift) = get_reciprocal(y, 31);
        let headroom = count_leading_sign_bits(x);
        let unscaled = multiply_by_quantized_multiplier_greater_than_one(x, input2_inv, headroom);
        let total_shift = self.output_shift - recip_shift - headroom;
        let r = self.output_offset.wrapping_add(mbqm_smaller_than_one_exp(
            unscaled,
            self.output_multiplier,
            total_shift,
        ));
        r.max(self.act_min).min(self.act_max)
    }
}

/// 8-bit PRELU (`PreluPrepare` + `reference_ops::Prelu` / `BroadcastPrelu4DSlow`):
/// `x - in_zp >= 0` scaled by `in_scale / out_scale`, else `(x - in_zp)(alpha - alpha_zp)`
/// scaled by `in_scale · alpha_scale / out_scale`; plus `out_zp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QPreluParams {
    /// `-input_zero_point`
    pub input_offset: i32,
    /// `-alpha_zero_point`
    pub alpha_offset: i32,
    pub output_offset: i32,
    pub output_multiplier_1: i32,
    pub output_shift_1: i32,
    pub output_multiplier_2: i32,
    pub output_shift_2: i32,
}

impl QPreluParams {
    #[inline]
    pub fn apply(&self, x: i32, alpha: i32) -> i32 {
        let input_value = self.input_offset + x;
        let v = if input_value >= 0 {
            multiply_by_quantized_multiplier(
                input_value,
                self.output_multiplier_1,
                self.output_shift_1,
            )
        } else {
            let alpha_value = self.alpha_offset + alpha;
            multiply_by_quantized_multiplier(
                input_value.wrapping_mul(alpha_value),
                self.output_multiplier_2,
                self.output_shift_2,
            )
        };
        v.wrapping_add(self.output_offset)
    }
}

/// An 8-bit binary op with its prepared parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QBinaryOp {
    Add(QAddSubParams),
    Sub(QAddSubParams),
    Mul(QMulParams),
    Div(QDivParams),
    SquaredDifference(QSquaredDifferenceParams),
    Prelu(QPreluParams),
    Maximum,
    Minimum,
}

impl QBinaryOp {
    #[inline(always)]
    fn apply(&self, a: i32, b: i32) -> i32 {
        match self {
            QBinaryOp::Add(p) => p.add(a, b),
            QBinaryOp::Sub(p) => p.sub(a, b),
            QBinaryOp::Mul(p) => p.apply(a, b),
            QBinaryOp::Div(p) => p.apply(a, b),
            QBinaryOp::SquaredDifference(p) => p.apply(a, b),
            QBinaryOp::Prelu(p) => p.apply(a, b),
            QBinaryOp::Maximum => a.max(b),
            QBinaryOp::Minimum => a.min(b),
        }
    }
}

/// `out = op(a, b)` on 8-bit values with broadcasting, clamped to the type.
pub fn qx8_binary_generic<T: QuantInt>(
    op: &QBinaryOp,
    bc: &Broadcast,
    a: &[T],
    b: &[T],
    out: &mut [T],
) {
    match op {
        // Raw comparisons need no widening.
        QBinaryOp::Maximum => binary(
            bc,
            a,
            b,
            out,
            |x, y| {
                if x.to_i32() > y.to_i32() {
                    x
                } else {
                    y
                }
            },
        ),
        QBinaryOp::Minimum => binary(
            bc,
            a,
            b,
            out,
            |x, y| {
                if x.to_i32() < y.to_i32() {
                    x
                } else {
                    y
                }
            },
        ),
        _ => binary(bc, a, b, out, |x, y| {
            T::from_i32_clamped(op.apply(x.to_i32(), y.to_i32()))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::fixedpoint::quantize_multiplier;

    #[test]
    fn leading_sign_bits() {
        assert_eq!(count_leading_sign_bits(0), 31);
        assert_eq!(count_leading_sign_bits(1), 30);
        assert_eq!(count_leading_sign_bits(-1), 31);
        assert_eq!(count_leading_sign_bits(-2), 30);
        assert_eq!(count_leading_sign_bits(i32::MAX), 0);
        assert_eq!(count_leading_sign_bits(i32::MIN), 0);
        assert_eq!(count_leading_sign_bits(-256), 23);
        assert_eq!(count_leading_sign_bits(255), 23);
    }

    #[test]
    fn quantized_add_sub_mul_are_close_to_the_real_values() {
        let (s1, z1, s2, z2, so, zo) = (0.05f32, -3, 0.02f32, 10, 0.1f32, -5);
        // add.cc: left shift 20, multipliers of s / (2 max s) and 2 max s / (2^20 s_out).
        let twice = (2.0 * s1.max(s2)) as f64;
        let (m1, sh1) = quantize_multiplier(s1 as f64 / twice).unwrap();
        let (m2, sh2) = quantize_multiplier(s2 as f64 / twice).unwrap();
        let (mo, sho) = quantize_multiplier(twice / ((1 << 20) as f32 * so) as f64).unwrap();
        let p = QAddSubParams {
            input1_offset: -z1,
            input2_offset: -z2,
            output_offset: zo,
            left_shift: 20,
            input1_multiplier: m1,
            input1_shift: sh1,
            input2_multiplier: m2,
            input2_shift: sh2,
            output_multiplier: mo,
            output_shift: sho,
            act_min: -128,
            act_max: 127,
        };
        let (mm, msh) = quantize_multiplier((s1 * s2 / so) as f64).unwrap();
        let pm = QMulParams {
            input1_offset: -z1,
            input2_offset: -z2,
            output_offset: zo,
            output_multiplier: mm,
            output_shift: msh,
            act_min: -128,
            act_max: 127,
        };
        for a in -128..=127 {
            for b in -128..=127 {
                let (ra, rb) = (s1 * (a - z1) as f32, s2 * (b - z2) as f32);
                for (got, real) in [
                    (p.add(a, b), (ra + rb) / so + zo as f32),
                    (p.sub(a, b), (ra - rb) / so + zo as f32),
                    (pm.apply(a, b), ra * rb / so + zo as f32),
                ] {
                    let want = real.round().clamp(-128.0, 127.0);
                    assert!(
                        (got as f32 - want).abs() <= 1.0,
                        "{a}, {b}: {got} vs {real}"
                    );
                }
            }
        }
        // Exact cases: 0 + 0 is the output zero point; the clamp holds.
        assert_eq!(p.add(z1, z2), zo);
        assert_eq!(pm.apply(z1, 100), zo);
        assert_eq!(p.add(127, 127), 83);
        let clamped = QAddSubParams { act_max: 50, ..p };
        assert_eq!(clamped.add(127, 127), 50);
    }

    #[test]
    fn quantized_div_is_close_to_the_real_quotient() {
        let (s1, s2, so) = (0.05f32, 0.02f32, 0.1f32);
        let (m, s) = quantize_multiplier((s1 / (s2 * so)) as f64).unwrap();
        let p = QDivParams {
            input1_offset: -3,
            input2_offset: 10,
            output_offset: -5,
            output_multiplier: m,
            output_shift: s,
            act_min: -128,
            act_max: 127,
        };
        for a in -128..=127 {
            for b in -128..=127 {
                if b == -10 {
                    continue;
                }
                let real = (s1 * (a - 3) as f32) / (s2 * (b + 10) as f32) / so - 5.0;
                let got = p.apply(a, b);
                if real > -127.0 && real < 126.0 {
                    assert!((got as f32 - real).abs() <= 1.0, "{a}/{b}: {got} vs {real}");
                }
            }
        }
    }
}
