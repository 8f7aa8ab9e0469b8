//! Activations: SOFTMAX (over the last dimension), RELU.
//!
//! int8 SOFTMAX computes the reference integer softmax (`reference_ops::Softmax` on int8,
//! fixed-point exponentials) through a 256-entry table of those exponentials built at
//! prepare time, bit-exact with `BUILTIN_REF`; its output is fixed at scale 1/256, zero
//! point −128. Quantized RELU rescales with the fixed-point multiplier `in_scale /
//! out_scale` (`ReluPrepare`) and clamps at the output's zero.

use super::util::fixed_multiplier;
use super::{input_dtype, EvalCtx, Kernel, OpDef, OutputRule, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Op, Tensor};
use crate::kernels::fixedpoint::{calculate_input_radius, preprocess_softmax_scaling};
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

/// RELU: `max(x, 0)`.
pub struct Relu;

impl OpDef for Relu {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        3
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(1..=1)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let xt = cx.expect_dtype(x, "input", &[DType::F32, DType::I8, DType::U8])?;
        cx.expect_dtype(out, "output", &[xt])?;
        let prepared = if xt == DType::F32 {
            Prepared::run(ReluF32 { x })
        } else {
            let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
            let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
            // ReluPrepare: `double real_multiplier = input->params.scale / output->params.scale`
            // divides in float.
            let (multiplier, shift) = fixed_multiplier((in_scale / out_scale) as f64, "RELU")?;
            let (tmin, tmax) = if xt == DType::I8 {
                (-128, 127)
            } else {
                (0, 255)
            };
            let act = (
                tmin.max(out_zp.saturating_add((0.0f32 / out_scale).round() as i32)),
                tmax,
            );
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
        match input_dtype(op, tensors, 0) {
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.5.0",
            2 => "2.1.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::calibrated()
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
