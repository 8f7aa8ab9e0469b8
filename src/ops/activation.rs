//! Activations: SOFTMAX and LOG_SOFTMAX (over the last dimension), RELU, RELU6,
//! RELU_N1_TO_1 (one clamp family), PRELU.
//!
//! int8 SOFTMAX computes the reference integer softmax (`reference_ops::Softmax` on int8,
//! fixed-point exponentials) through a 256-entry table of those exponentials built at
//! prepare time, bit-exact with `BUILTIN_REF`; its output is fixed at scale 1/256, zero
//! point −128. Quantized RELU / RELU6 / RELU_N1_TO_1 rescale with the fixed-point
//! multiplier `in_scale / out_scale` (`ReluPrepare`) and clamp at the output's images of
//! the bounds (`QuantizedReluX`: `zp + roundf(bound / scale)`). int8 LOG_SOFTMAX is
//! `reference_integer_ops::LogSoftmax` (fixed-point exp, log and the reverse scaling of
//! `PreprocessLogSoftmaxScalingExp`), output fixed at 16/256, +127. 8-bit PRELU is
//! `reference_ops::BroadcastPrelu4DSlow` / `Prelu` (two fixed-point multipliers), alpha
//! broadcast against the input.

use super::util::fixed_multiplier;
use super::{input_dtype, EvalCtx, Kernel, OpDef, OutputRule, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Op, Tensor};
use crate::kernels::fixedpoint::{
    calculate_input_radius, preprocess_softmax_scaling, quantize_multiplier,
};
use crate::kernels::{self, Qs8SoftmaxLut, Qs8SoftmaxParams};
use crate::options;

/// `(outer, depth)`: the number of rows and the size of the last dimension of `x`.
fn outer_and_depth(cx: &PrepareCtx<'_>, x: usize) -> Result<(usize, usize)> {
    let shape = cx.shape(x);
    let depth = *shape
        .last()
        .ok_or_else(|| Error::shape(format!("input {}", cx.describe(x)), "rank >= 1", shape))?
        as usize;
    let n = cx.elements(x)?;
    Ok((n.checked_div(depth).unwrap_or(0), depth))
}

/// SOFTMAX: `exp(beta·x) / Σ exp(beta·x)` along the last dimension.
pub struct Softmax;

impl OpDef for Softmax {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let beta = options!(cx.op(), SoftmaxOptions)?.beta;
        cx.expect_inputs(1..=1)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let (outer, depth) = outer_and_depth(cx, x)?;
        let xt = cx.expect_dtype(x, "input", &[DType::F32, DType::I8])?;
        cx.expect_dtype(out, "output", &[xt])?;
        let prepared = if xt == DType::F32 {
            Prepared::run(SoftmaxF32 {
                x,
                outer,
                depth,
                beta,
            })
        } else {
            let (in_scale, _) = cx.per_tensor(x, "input")?;
            let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
            if out_zp != -128 || (out_scale - 1.0 / 256.0).abs() > 0.001 / 256.0 {
                return Err(Error::unsupported(format!(
                    "int8 SOFTMAX output must have scale 1/256 and zero point -128, got \
                     {out_scale} and {out_zp}"
                )));
            }
            const SCALED_DIFF_INTEGER_BITS: i32 = 5;
            let (input_multiplier, input_left_shift) =
                preprocess_softmax_scaling(beta as f64, in_scale as f64, SCALED_DIFF_INTEGER_BITS)
                    .ok_or_else(|| {
                        Error::unsupported(format!(
                            "int8 SOFTMAX with beta {beta} and input scale {in_scale}: multiplier \
                     beta*scale*2^26 must exceed 1"
                        ))
                    })?;
            let diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, input_left_shift, 31);
            Prepared::run(SoftmaxQs8 {
                x,
                outer,
                depth,
                lut: Box::new(Qs8SoftmaxLut::new(&Qs8SoftmaxParams {
                    input_multiplier,
                    input_left_shift,
                    diff_min,
                })),
            })
        };
        let shape = cx.shape(x).to_vec();
        cx.set_output(out, shape)?;
        Ok(prepared)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::I8 | DType::U8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.5.0",
            2 => "1.14.0",
            _ => return None,
        })
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

struct SoftmaxF32 {
    x: usize,
    outer: usize,
    depth: usize,
    beta: f32,
}

impl Kernel for SoftmaxF32 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        (cx.kernels.f32_softmax)(
            cx.tensors.f32(self.x)?,
            o,
            self.outer,
            self.depth,
            self.beta,
        );
        Ok(())
    }
}

struct SoftmaxQs8 {
    x: usize,
    outer: usize,
    depth: usize,
    /// Exponential table built at prepare time (boxed: 2 KB).
    lut: Box<Qs8SoftmaxLut>,
}

impl Kernel for SoftmaxQs8 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].i8_mut()?;
        (cx.kernels.qs8_softmax)(&self.lut, cx.tensors.i8(self.x)?, o, self.outer, self.depth);
        Ok(())
    }
}

/// The RELU family: RELU `max(x, 0)`, RELU6 `clamp(x, 0, 6)`, RELU_N1_TO_1
/// `clamp(x, -1, 1)` (one definition, registered for each code).
pub struct Relu;

/// The clamp bounds of a RELU-family op (`None`: no upper bound).
fn relu_bounds(code: BuiltinOperator) -> (f32, Option<f32>) {
    match code {
        BuiltinOperator::Relu6 => (0.0, Some(6.0)),
        BuiltinOperator::ReluN1To1 => (-1.0, Some(1.0)),
        BuiltinOperator::Relu0To1 => (0.0, Some(1.0)),
        _ => (0.0, None),
    }
}

impl OpDef for Relu {
    fn max_version(&self, code: BuiltinOperator) -> i32 {
        match code {
            BuiltinOperator::Relu => 3,
            BuiltinOperator::Relu6 => 2,
            _ => 1,
        }
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(1..=1)?;
        cx.expect_outputs(1..=1)?;
        let code = cx.op().code;
        let name = cx.op().name();
        let (lo, hi) = relu_bounds(code);
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let xt = cx.expect_dtype(x, "input", &[DType::F32, DType::I8, DType::U8])?;
        cx.expect_dtype(out, "output", &[xt])?;
        let prepared = if xt == DType::F32 {
            match hi {
                None => Prepared::run(ReluF32 { x }),
                Some(hi) => Prepared::run(ClampF32 { x, lo, hi }),
            }
        } else {
            let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
            let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
            // ReluPrepare: `double real_multiplier = input->params.scale / output->params.scale`
            // divides in float.
            let (multiplier, shift) = fixed_multiplier((in_scale / out_scale) as f64, name)?;
            let (tmin, tmax) = if xt == DType::I8 {
                (-128, 127)
            } else {
                (0, 255)
            };
            // QuantizedReluX: `zero_point + static_cast<int32>(roundf(bound / scale))`.
            let q = |b: f32| out_zp.saturating_add((b / out_scale).round() as i32);
            let act = (tmin.max(q(lo)), hi.map_or(tmax, |h| tmax.min(q(h))));
            Prepared::run(ReluQ8 {
                x,
                in_zp,
                out_zp,
                multiplier,
                shift,
                act,
            })
        };
        let shape = cx.shape(x).to_vec();
        cx.set_output(out, shape)?;
        Ok(prepared)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match (op.code, input_dtype(op, tensors, 0)) {
            (BuiltinOperator::Relu | BuiltinOperator::Relu6, Some(DType::I8)) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, code: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match (code, version) {
            (_, 1) => "1.5.0",
            (BuiltinOperator::Relu, 2) => "2.1.0",
            (BuiltinOperator::Relu6, 2) => "1.14.0",
            _ => return None,
        })
    }

    fn quant(&self, op: &Op) -> QuantSpec {
        match op.code {
            // Relu1Eval has no int16 kernel.
            BuiltinOperator::ReluN1To1 => QuantSpec {
                int16: false,
                ..QuantSpec::calibrated()
            },
            _ => QuantSpec::calibrated(),
        }
    }
}

/// RELU6 / RELU_N1_TO_1 on float (`reference_ops::Relu6` / `Relu1`).
struct ClampF32 {
    x: usize,
    lo: f32,
    hi: f32,
}

impl Kernel for ClampF32 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        kernels::unary::f32_clamp_generic(cx.tensors.f32(self.x)?, o, self.lo, self.hi);
        Ok(())
    }
}

struct ReluF32 {
    x: usize,
}

impl Kernel for ReluF32 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        kernels::generic::f32_relu_generic(cx.tensors.f32(self.x)?, o);
        Ok(())
    }
}

struct ReluQ8 {
    x: usize,
    in_zp: i32,
    out_zp: i32,
    multiplier: i32,
    shift: i32,
    act: (i32, i32),
}

impl Kernel for ReluQ8 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let (iz, oz, m, s, (lo, hi)) = (
            self.in_zp,
            self.out_zp,
            self.multiplier,
            self.shift,
            self.act,
        );
        use crate::interp::Buf;
        match (cx.tensors.buf(self.x), &mut cx.outputs[0]) {
            (Buf::I8(i), Buf::I8(o)) => {
                kernels::generic::qx8_relu_generic(i, o, iz, oz, m, s, lo, hi)
            }
            (Buf::U8(i), Buf::U8(o)) => {
                kernels::generic::qx8_relu_generic(i, o, iz, oz, m, s, lo, hi)
            }
            (i, o) => {
                return Err(Error::invalid(format!(
                    "RELU on {} -> {}",
                    i.kind(),
                    o.kind()
                )))
            }
        }
        Ok(())
    }
}

/// LOG_SOFTMAX: `x - max - log(Σ exp(x - max))` along the last dimension; int8 output
/// fixed at scale 16/256, zero point +127 (`LogSoftmaxPrepare` requires both).
pub struct LogSoftmax;

impl OpDef for LogSoftmax {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(1..=1)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let (outer, depth) = outer_and_depth(cx, x)?;
        let xt = cx.expect_dtype(x, "input", &[DType::F32, DType::I8])?;
        cx.expect_dtype(out, "output", &[xt])?;
        let prepared = if xt == DType::F32 {
            Prepared::run(LogSoftmaxF32 { x, outer, depth })
        } else {
            let (in_scale, _) = cx.per_tensor(x, "input")?;
            let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
            if out_scale as f64 != 16.0 / 256.0 || out_zp != 127 {
                return Err(Error::unsupported(format!(
                    "int8 LOG_SOFTMAX output must have scale 16/256 and zero point 127, got \
                     {out_scale} and {out_zp}"
                )));
            }
            Prepared::run(LogSoftmaxQs8 {
                x,
                outer,
                depth,
                params: log_softmax_params(in_scale)?,
            })
        };
        let shape = cx.shape(x).to_vec();
        cx.set_output(out, shape)?;
        Ok(prepared)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        matches!(version, 1 | 2).then_some("1.14.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            // No 16x8 kernel in TFLite (the int16 pair is never used).
            int16: false,
            output: OutputRule::Fixed {
                int8: (16.0 / 256.0, 127),
                int16: (16.0 / 32768.0, 0),
            },
            ..QuantSpec::calibrated()
        }
    }
}

/// `LogSoftmaxPrepare` (reference kernel): `PreprocessLogSoftmaxScalingExp(1, in_scale, 5)`
/// and `diff_min = -CalculateInputRadius(5, input_left_shift)`.
fn log_softmax_params(in_scale: f32) -> Result<kernels::unary::Qs8LogSoftmaxParams> {
    const SCALED_DIFF_INTEGER_BITS: i32 = 5;
    let refuse = || {
        Error::unsupported(format!(
            "int8 LOG_SOFTMAX with input scale {in_scale}: the reference's multipliers need \
             2^26 · scale > 1"
        ))
    };
    let (input_multiplier, input_left_shift) =
        preprocess_softmax_scaling(1.0, in_scale as f64, SCALED_DIFF_INTEGER_BITS)
            .ok_or_else(refuse)?;
    let real_reverse_scaling_divisor =
        (1i64 << (31 - input_left_shift)) as f64 / input_multiplier as f64;
    // QuantizeMultiplierSmallerThanOneExp: CHECKs 0 < m < 1 and a shift <= 0.
    if !(real_reverse_scaling_divisor > 0.0 && real_reverse_scaling_divisor < 1.0) {
        return Err(refuse());
    }
    let (reverse_scaling_divisor, reverse_left_shift) =
        quantize_multiplier(real_reverse_scaling_divisor).ok_or_else(refuse)?;
    Ok(kernels::unary::Qs8LogSoftmaxParams {
        input_multiplier,
        input_left_shift,
        reverse_scaling_divisor,
        reverse_scaling_right_shift: -reverse_left_shift,
        diff_min: -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, input_left_shift, 31),
    })
}

struct LogSoftmaxF32 {
    x: usize,
    outer: usize,
    depth: usize,
}

impl Kernel for LogSoftmaxF32 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        kernels::unary::f32_log_softmax_generic(cx.tensors.f32(self.x)?, o, self.outer, self.depth);
        Ok(())
    }
}

struct LogSoftmaxQs8 {
    x: usize,
    outer: usize,
    depth: usize,
    params: kernels::unary::Qs8LogSoftmaxParams,
}

impl Kernel for LogSoftmaxQs8 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].i8_mut()?;
        kernels::unary::qs8_log_softmax_generic(
            &self.params,
            cx.tensors.i8(self.x)?,
            o,
            self.outer,
            self.depth,
        );
        Ok(())
    }
}

/// PRELU: `x >= 0 ? x : alpha · x`, alpha (input 1) broadcast against the input; the
/// output has the input's shape.
pub struct Prelu;

impl OpDef for Prelu {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        1
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(2..=2)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let alpha = cx.input(1, "alpha")?;
        let out = cx.output(0)?;
        let xt = cx.expect_dtype(x, "input", &[DType::F32, DType::I8, DType::U8])?;
        cx.expect_dtype(alpha, "alpha", &[xt])?;
        cx.expect_dtype(out, "output", &[xt])?;
        let bc = super::binary::broadcast_of(cx, x, alpha)?;
        let xshape = cx.shape(x).to_vec();
        let shape = super::binary::broadcast_dims(cx, x, alpha)?;
        if shape != xshape {
            return Err(Error::shape(
                format!("PRELU alpha {} broadcast against input", cx.describe(alpha)),
                &xshape,
                &shape,
            ));
        }
        cx.set_output(out, shape)?;
        if xt == DType::F32 {
            return Ok(super::binary::f32_binary_kernel(
                kernels::binary::F32BinaryOp::Prelu,
                x,
                alpha,
                bc,
                None,
            ));
        }
        let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
        let (alpha_scale, alpha_zp) = cx.per_tensor(alpha, "alpha")?;
        let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
        // PreluPrepare: the real multipliers in float, QuantizeMultiplier in double.
        let (m1, s1) = fixed_multiplier((in_scale / out_scale) as f64, "PRELU")?;
        let (m2, s2) = fixed_multiplier((in_scale * alpha_scale / out_scale) as f64, "PRELU")?;
        let p = kernels::binary::QPreluParams {
            input_offset: -in_zp,
            alpha_offset: -alpha_zp,
            output_offset: out_zp,
            output_multiplier_1: m1,
            output_shift_1: s1,
            output_multiplier_2: m2,
            output_shift_2: s2,
        };
        Ok(super::binary::q_binary_kernel(
            kernels::binary::QBinaryOp::Prelu(p),
            x,
            alpha,
            bc,
        ))
    }

    fn version(&self, _: &Op, _: &[Tensor]) -> i32 {
        1
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        (version == 1).then_some("1.8.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        // alpha (a constant in Keras' PReLU): a per-tensor symmetric int8 weight.
        QuantSpec {
            per_tensor_weights: vec![1],
            ..QuantSpec::calibrated()
        }
    }
}
