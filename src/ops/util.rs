//! Arithmetic shared by the op families' `prepare`: fused-activation clamp ranges and
//! integer multipliers, as TFLite's kernel helpers (`kernel_util.cc`) compute them.

use crate::error::{Error, Result};
use crate::graph::Activation;
use crate::kernels::fixedpoint::quantize_multiplier;

/// TFLite `CalculateActivationRange` (float): the clamp a fused activation applies.
/// TANH is not a clamp; ops that accept it handle it themselves.
pub fn float_activation_range(a: Activation, op: &str) -> Result<(f32, f32)> {
    Ok(match a {
        Activation::None => (f32::MIN, f32::MAX),
        Activation::Relu => (0.0, f32::MAX),
        Activation::ReluN1To1 => (-1.0, 1.0),
        Activation::Relu6 => (0.0, 6.0),
        Activation::Tanh => {
            return Err(Error::unsupported(format!("fused activation TANH on {op}")));
        }
    })
}

/// TFLite `CalculateActivationRangeQuantized`: the clamp bounds are
/// `zp + (int)round(f / scale)` (float division) intersected with `[qmin, qmax]`, the
/// output type's range.
pub fn quantized_activation_range(
    a: Activation,
    scale: f32,
    zp: i32,
    (qmin, qmax): (i32, i32),
    op: &str,
) -> Result<(i32, i32)> {
    let q = |f: f32| -> Result<i32> {
        let t = (f / scale).round();
        if !(t >= i32::MIN as f32 && t <= i32::MAX as f32) {
            return Err(Error::invalid(format!(
                "activation bound {f} overflows int32 at scale {scale}"
            )));
        }
        Ok(zp.saturating_add(t as i32))
    };
    Ok(match a {
        Activation::None => (qmin, qmax),
        Activation::Relu => (qmin.max(q(0.0)?), qmax),
        Activation::Relu6 => (qmin.max(q(0.0)?), qmax.min(q(6.0)?)),
        Activation::ReluN1To1 => (qmin.max(q(-1.0)?), qmax.min(q(1.0)?)),
        Activation::Tanh => {
            return Err(Error::unsupported(format!(
                "fused activation TANH on quantized {op}"
            )))
        }
    })
}

/// The int8 range.
pub const INT8_RANGE: (i32, i32) = (-128, 127);
/// The uint8 range.
pub const UINT8_RANGE: (i32, i32) = (0, 255);

/// TFLite `QuantizeMultiplier` of `real`, refusing multipliers a 32-bit kernel cannot
/// apply (not finite, or a left shift above 30). `what` names the op in the error.
pub fn fixed_multiplier(real: f64, what: &str) -> Result<(i32, i32)> {
    let (m, s) = quantize_multiplier(real).ok_or_else(|| {
        Error::invalid(format!(
            "{what}: requantization multiplier {real} is not finite"
        ))
    })?;
    if s > 30 {
        return Err(Error::unsupported(format!(
            "{what}: requantization multiplier {real} is too large (shift {s} > 30)"
        )));
    }
    Ok((m, s))
}
