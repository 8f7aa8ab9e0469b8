//! Element-wise unary ops: LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, EXP, SQRT, RSQRT.
//!
//! Float kernels are LiteRT's reference arithmetic ([`crate::kernels::unary`]), except
//! HARD_SWISH, which computes as LiteRT's optimized kernel (the one TF's calibrator runs,
//! within an ulp of the reference), so that calibration ranges are TF's bits. Every
//! 8-bit kernel is a 256-entry table built at prepare time from the reference kernel's own
//! per-value arithmetic, so it is bit-exact with `BUILTIN_REF` by construction:
//! - LOGISTIC, TANH, EXP: the reference itself is a table (`LUTPopulate` in
//!   `SigmoidPrepare` / `TanhPrepare` / exp.cc) of `1/(1+exp(-x))`, `tanh(x)`, `exp(x)` in
//!   float; LOGISTIC's output scale must be 1/256 (`TF_LITE_ENSURE`), TF fixes it at
//!   1/256, −128 and TANH's at 1/128, 0;
//! - HARD_SWISH: `reference_ops::HardSwish` (int16 fixed point, `HardSwishPrepare`);
//! - LEAKY_RELU: `reference_ops::QuantizeLeakyRelu` (two fixed-point multipliers);
//! - SQRT: `SqrtEvalQuantized` (dequantize, `sqrt` in float, truncate); a negative input
//!   is an error at run time, as in the reference;
//! - RSQRT: `RsqrtEvalQuantizedInt8` (fixed-point inverse square root,
//!   `SetRsqrtOutputMultiplier`); an input below the zero point is an error.
//!
//! int16 (16x8) kernels belong in each op's `prepare` match on the input dtype, beside
//! the int8 arm (LOGISTIC/TANH v3, LEAKY_RELU v2, EXP/SQRT/RSQRT int16 tables).

use super::util::fixed_multiplier;
use super::{input_dtype, EvalCtx, Kernel, OpDef, OutputRule, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Op, Tensor};
use crate::interp::Buf;
use crate::kernels::fixedpoint::quantize_multiplier;
use crate::kernels::unary::{self as k, Lut8, QHardSwish, QLeakyRelu, QRsqrt};
use crate::kernels::QuantInt;
use crate::options;

/// Checks one input and one output of the same dtype (one of `allowed`), gives the output
/// the input's shape; returns `(input, output, dtype)`.
pub(crate) fn unary_io(
    cx: &mut PrepareCtx<'_>,
    allowed: &[DType],
) -> Result<(usize, usize, DType)> {
    cx.expect_inputs(1..=1)?;
    cx.expect_outputs(1..=1)?;
    let x = cx.input(0, "input")?;
    let out = cx.output(0)?;
    let dt = cx.expect_dtype(x, "input", allowed)?;
    cx.expect_dtype(out, "output", &[dt])?;
    let shape = cx.shape(x).to_vec();
    cx.set_output(out, shape)?;
    Ok((x, out, dt))
}

/// A float kernel `out = f(x)` element by element.
pub(crate) struct F32Map {
    pub x: usize,
    pub f: fn(&[f32], &mut [f32]),
}

impl Kernel for F32Map {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        (self.f)(cx.tensors.f32(self.x)?, o);
        Ok(())
    }
}

/// An 8-bit table, int8 or uint8.
pub(crate) enum Lut {
    I8(Box<Lut8<i8>>),
    U8(Box<Lut8<u8>>),
}

impl Lut {
    /// The table of `f` (the reference's per-value arithmetic on the integer input,
    /// returning the unclamped integer output) for `dt`, clamped to the type.
    pub fn build(dt: DType, f: impl Fn(i32) -> i32) -> Result<Lut> {
        Ok(match dt {
            DType::I8 => Lut::I8(Box::new(k::lut_from_fn(|v| i8::from_i32_clamped(f(v))))),
            DType::U8 => Lut::U8(Box::new(k::lut_from_fn(|v| u8::from_i32_clamped(f(v))))),
            d => {
                return Err(Error::unsupported(format!(
                    "an 8-bit table for {}",
                    d.name()
                )))
            }
        })
    }

    /// TFLite's `LUTPopulate` of the float function `f` for `dt`.
    pub fn populate(
        dt: DType,
        (in_scale, in_zp): (f32, i32),
        (out_scale, out_zp): (f32, i32),
        f: impl Fn(f32) -> f32,
    ) -> Result<Lut> {
        Ok(match dt {
            DType::I8 => Lut::I8(Box::new(k::lut_populate(
                in_scale, in_zp, out_scale, out_zp, f,
            ))),
            DType::U8 => Lut::U8(Box::new(k::lut_populate(
                in_scale, in_zp, out_scale, out_zp, f,
            ))),
            d => {
                return Err(Error::unsupported(format!(
                    "an 8-bit table for {}",
                    d.name()
                )))
            }
        })
    }
}

/// Inputs the reference refuses at run time (SQRT of a negative value, RSQRT below the
/// zero point): the raw byte values, and the message.
pub(crate) struct Refused {
    pub bad: Box<[bool; 256]>,
    pub what: String,
}

/// An 8-bit table kernel (`reference_integer_ops::LookupTable`).
pub(crate) struct LutKernel {
    pub x: usize,
    pub lut: Lut,
    pub refused: Option<Refused>,
}

fn check_refused<T: QuantInt>(x: &[T], r: &Option<Refused>) -> Result<()> {
    if let Some(r) = r {
        if let Some(v) = x.iter().find(|v| r.bad[(v.to_i32() as u8) as usize]) {
            return Err(Error::invalid(format!(
                "{} (input value {})",
                r.what,
                v.to_i32()
            )));
        }
    }
    Ok(())
}

impl Kernel for LutKernel {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        match (&self.lut, cx.tensors.buf(self.x), &mut cx.outputs[0]) {
            (Lut::I8(t), Buf::I8(x), Buf::I8(o)) => {
                check_refused(x, &self.refused)?;
                k::qx8_lut(x, t, o);
            }
            (Lut::U8(t), Buf::U8(x), Buf::U8(o)) => {
                check_refused(x, &self.refused)?;
                k::qx8_lut(x, t, o);
            }
            (_, x, o) => {
                return Err(Error::invalid(format!(
                    "8-bit table on {} -> {}",
                    x.kind(),
                    o.kind()
                )))
            }
        }
        Ok(())
    }
}

fn lut_kernel(x: usize, lut: Lut) -> Prepared {
    Prepared::run(LutKernel {
        x,
        lut,
        refused: None,
    })
}

/// Version 2 for int8 inputs, else 1 (LOGISTIC, TANH, EXP, SQRT, RSQRT in 8-bit).
fn v2_for_int8(op: &Op, tensors: &[Tensor]) -> i32 {
    match input_dtype(op, tensors, 0) {
        Some(DType::I8) => 2,
        _ => 1,
    }
}

// ---------------------------------------------------------------------------------------

/// LOGISTIC: `1 / (1 + exp(-x))`; 8-bit output fixed at scale 1/256 (zero point −128 in
/// int8).
pub struct Logistic;

impl OpDef for Logistic {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (x, out, dt) = unary_io(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt == DType::F32 {
            return Ok(Prepared::run(F32Map {
                x,
                f: k::f32_logistic_generic,
            }));
        }
        let qin = cx.per_tensor(x, "input")?;
        let qout = cx.per_tensor(out, "output")?;
        // SigmoidPrepare: `TF_LITE_ENSURE(context, output->params.scale == 1. / 256)`.
        if qout.0 as f64 != 1.0 / 256.0 {
            return Err(Error::unsupported(format!(
                "8-bit LOGISTIC output scale must be 1/256, got {}",
                qout.0
            )));
        }
        let lut = Lut::populate(dt, qin, qout, |v| 1.0 / (1.0 + k::expf(-v)))?;
        Ok(lut_kernel(x, lut))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        v2_for_int8(op, tensors)
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        matches!(version, 1 | 2).then_some("1.14.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            output: OutputRule::Fixed {
                int8: (1.0 / 256.0, -128),
                int16: (1.0 / 32768.0, 0),
            },
            ..QuantSpec::calibrated()
        }
    }
}

/// TANH; 8-bit output fixed by TF at scale 1/128, zero point 0.
pub struct Tanh;

impl OpDef for Tanh {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (x, out, dt) = unary_io(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt == DType::F32 {
            return Ok(Prepared::run(F32Map {
                x,
                f: k::f32_tanh_generic,
            }));
        }
        let qin = cx.per_tensor(x, "input")?;
        let qout = cx.per_tensor(out, "output")?;
        let lut = Lut::populate(dt, qin, qout, k::tanhf)?;
        Ok(lut_kernel(x, lut))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        v2_for_int8(op, tensors)
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        matches!(version, 1 | 2).then_some("1.14.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            output: OutputRule::Fixed {
                int8: (1.0 / 128.0, 0),
                int16: (1.0 / 32768.0, 0),
            },
            ..QuantSpec::calibrated()
        }
    }
}

/// HARD_SWISH: `x · relu6(x + 3) / 6`.
pub struct HardSwish;

impl OpDef for HardSwish {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        1
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (x, out, dt) = unary_io(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt == DType::F32 {
            return Ok(Prepared::run(F32Map {
                x,
                f: k::f32_hard_swish_generic,
            }));
        }
        let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
        let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
        // HardSwishPrepare, in float as the reference.
        let hires_input_scale = (1.0f32 / 128.0) * in_scale;
        let reluish_scale = 3.0f32 / 32768.0;
        let output_multiplier = hires_input_scale / out_scale;
        let reluish_multiplier = hires_input_scale / reluish_scale;
        let q = |m: f32| {
            quantize_multiplier(m as f64)
                .ok_or_else(|| Error::invalid(format!("HARD_SWISH: multiplier {m} is not finite")))
        };
        let (om, oe) = q(output_multiplier)?;
        let (rm, re) = q(reluish_multiplier)?;
        if oe > 0 {
            return Err(Error::unsupported(format!(
                "8-bit HARD_SWISH with input scale {in_scale} and output scale {out_scale}: \
                 the output multiplier {output_multiplier} must be below 1 (TFLite's \
                 HardSwishPrepare)"
            )));
        }
        let p = QHardSwish {
            input_zero_point: in_zp,
            output_zero_point: out_zp,
            output_multiplier_fixedpoint_int16: k::down_scale_int32_to_int16_multiplier(om),
            output_multiplier_exponent: oe,
            reluish_multiplier_fixedpoint_int16: k::down_scale_int32_to_int16_multiplier(rm),
            reluish_multiplier_exponent: re,
        };
        Ok(lut_kernel(x, Lut::build(dt, |v| p.apply(v))?))
    }

    fn version(&self, _: &Op, _: &[Tensor]) -> i32 {
        1
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        (version == 1).then_some("1.15.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        // No 16x8 kernel in TFLite.
        QuantSpec {
            int16: false,
            ..QuantSpec::calibrated()
        }
    }
}

/// LEAKY_RELU: `x > 0 ? x : alpha · x` (`LeakyReluOptions.alpha`).
pub struct LeakyRelu;

impl OpDef for LeakyRelu {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        1
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let alpha = options!(cx.op(), LeakyReluOptions)?.alpha;
        let (x, out, dt) = unary_io(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt == DType::F32 {
            return Ok(Prepared::run(F32LeakyRelu { x, alpha }));
        }
        let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
        let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
        // LeakyReluPrepare: float products, then QuantizeMultiplier in double.
        let alpha_multiplier = in_scale * alpha / out_scale;
        let identity_multiplier = in_scale / out_scale;
        let q = |m: f32| {
            quantize_multiplier(m as f64)
                .ok_or_else(|| Error::invalid(format!("LEAKY_RELU: multiplier {m} is not finite")))
        };
        let (am, ash) = q(alpha_multiplier)?;
        let (im, ish) = q(identity_multiplier)?;
        let p = QLeakyRelu {
            input_zero_point: in_zp,
            output_zero_point: out_zp,
            identity_multiplier: im,
            identity_shift: ish,
            alpha_multiplier: am,
            alpha_shift: ash,
        };
        Ok(lut_kernel(x, Lut::build(dt, |v| p.apply(v))?))
    }

    fn version(&self, _: &Op, _: &[Tensor]) -> i32 {
        1
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        (version == 1).then_some("1.13.1")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::calibrated()
    }
}

struct F32LeakyRelu {
    x: usize,
    alpha: f32,
}

impl Kernel for F32LeakyRelu {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        k::f32_leaky_relu_generic(cx.tensors.f32(self.x)?, o, self.alpha);
        Ok(())
    }
}

/// EXP.
pub struct Exp;

impl OpDef for Exp {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (x, out, dt) = unary_io(cx, &[DType::F32, DType::I8])?;
        if dt == DType::F32 {
            return Ok(Prepared::run(F32Map {
                x,
                f: k::f32_exp_generic,
            }));
        }
        let qin = cx.per_tensor(x, "input")?;
        let qout = cx.per_tensor(out, "output")?;
        Ok(lut_kernel(x, Lut::populate(dt, qin, qout, k::expf)?))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        v2_for_int8(op, tensors)
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.7.0",
            2 => "2.12.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::calibrated()
    }
}

/// SQRT.
pub struct Sqrt;

impl OpDef for Sqrt {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (x, out, dt) = unary_io(cx, &[DType::F32, DType::I8])?;
        if dt == DType::F32 {
            return Ok(Prepared::run(F32Map {
                x,
                f: k::f32_sqrt_generic,
            }));
        }
        let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
        let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
        let mut bad = Box::new([false; 256]);
        for v in -128..=127i32 {
            bad[(v as u8) as usize] = k::q_sqrt(v, in_scale, in_zp, out_scale, out_zp).is_none();
        }
        let lut = Lut::build(dt, |v| {
            k::q_sqrt(v, in_scale, in_zp, out_scale, out_zp).unwrap_or(0)
        })?;
        Ok(Prepared::run(LutKernel {
            x,
            lut,
            refused: Some(Refused {
                bad,
                what: "SQRT is only defined for non-negative values".into(),
            }),
        }))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        v2_for_int8(op, tensors)
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.10.0",
            2 => "2.21.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::calibrated()
    }
}

/// RSQRT: `1 / sqrt(x)`.
pub struct Rsqrt;

impl OpDef for Rsqrt {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (x, out, dt) = unary_io(cx, &[DType::F32, DType::I8])?;
        if dt == DType::F32 {
            return Ok(Prepared::run(F32Map {
                x,
                f: k::f32_rsqrt_generic,
            }));
        }
        let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
        let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
        // SetRsqrtOutputMultiplier: `1. / (std::sqrt(input_scale) * output_scale)`, the
        // square root and product in float.
        let (multiplier, shift) =
            fixed_multiplier(1.0 / (in_scale.sqrt() * out_scale) as f64, "RSQRT")?;
        let p = QRsqrt {
            input_zero_point: in_zp,
            output_zero_point: out_zp,
            multiplier,
            shift,
        };
        let mut bad = Box::new([false; 256]);
        for v in -128..=127i32 {
            bad[(v as u8) as usize] = p.apply(v, 127).is_none();
        }
        let lut = Lut::build(dt, |v| p.apply(v, 127).unwrap_or(0))?;
        Ok(Prepared::run(LutKernel {
            x,
            lut,
            refused: Some(Refused {
                bad,
                what: "RSQRT is only defined for positive values".into(),
            }),
        }))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        v2_for_int8(op, tensors)
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.10.0",
            2 => "2.5.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::calibrated()
    }
}
