//! QUANTIZE (float32 → int8/uint8: `reference_ops::AffineQuantize`; int8 ↔ uint8 and
//! int8 → int8: `Requantize` with the fixed-point multiplier `in_scale / out_scale`) and
//! DEQUANTIZE (int8/uint8 → float32: `scale · (q − zp)` in double, as the reference
//! kernel; float16 → float32, folded at prepare time when the input is a constant, which
//! is how float16-weight models run at float speed).

use super::util::fixed_multiplier;
use super::{input_dtype, EvalCtx, Kernel, OpDef, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Op, Tensor};
use crate::interp::Buf;
use crate::kernels;

/// QUANTIZE.
pub struct Quantize;

impl OpDef for Quantize {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(1..=1)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let xt = cx.expect_dtype(x, "input", &[DType::F32, DType::I8, DType::U8])?;
        cx.expect_dtype(out, "output", &[DType::I8, DType::U8])?;
        let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
        let prepared = if xt == DType::F32 {
            Prepared::run(QuantizeF32 {
                x,
                scale: out_scale,
                zero_point: out_zp,
            })
        } else {
            let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
            let (multiplier, shift) =
                fixed_multiplier(in_scale as f64 / out_scale as f64, "QUANTIZE (requantize)")?;
            Prepared::run(Requantize {
                x,
                multiplier,
                shift,
                in_zp,
                out_zp,
            })
        };
        let shape = cx.shape(x).to_vec();
        cx.set_output(out, shape)?;
        Ok(prepared)
    }

    fn version(&self, _: &Op, _: &[Tensor]) -> i32 {
        1
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        (version == 1).then_some("1.14.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        // Conversion inserts QUANTIZE; a float model never contains one.
        QuantSpec::default()
    }
}

struct QuantizeF32 {
    x: usize,
    scale: f32,
    zero_point: i32,
}

impl Kernel for QuantizeF32 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let input = cx.tensors.f32(self.x)?;
        match &mut cx.outputs[0] {
            Buf::I8(o) => (cx.kernels.qs8_quantize)(input, o, self.scale, self.zero_point),
            Buf::U8(o) => {
                kernels::generic::qx8_quantize_generic(input, o, self.scale, self.zero_point)
            }
            o => {
                return Err(Error::invalid(format!(
                    "output buffer holds {}, expected int8 or uint8",
                    o.kind()
                )))
            }
        }
        Ok(())
    }
}

struct Requantize {
    x: usize,
    multiplier: i32,
    shift: i32,
    in_zp: i32,
    out_zp: i32,
}

impl Kernel for Requantize {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        use kernels::generic::qx8_requantize_generic as rq;
        let (m, s, iz, oz) = (self.multiplier, self.shift, self.in_zp, self.out_zp);
        match (cx.tensors.buf(self.x), &mut cx.outputs[0]) {
            (Buf::I8(i), Buf::U8(o)) => rq(i, o, m, s, iz, oz),
            (Buf::U8(i), Buf::I8(o)) => rq(i, o, m, s, iz, oz),
            (Buf::I8(i), Buf::I8(o)) => rq(i, o, m, s, iz, oz),
            (Buf::U8(i), Buf::U8(o)) => rq(i, o, m, s, iz, oz),
            (i, o) => {
                return Err(Error::invalid(format!(
                    "QUANTIZE on {} -> {}",
                    i.kind(),
                    o.kind()
                )))
            }
        }
        Ok(())
    }
}

/// DEQUANTIZE.
pub struct Dequantize;

impl OpDef for Dequantize {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        4
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(1..=1)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let xt = cx.expect_dtype(x, "input", &[DType::F16, DType::I8, DType::U8])?;
        cx.expect_dtype(out, "output", &[DType::F32])?;
        let shape = cx.shape(x).to_vec();
        if xt == DType::F16 {
            if cx.is_const(x) {
                // Constant float16 weights: convert once, here.
                let src = cx
                    .buf(x)
                    .f16()
                    .map_err(|e| Error::invalid(format!("{}: {e}", cx.describe(x))))?;
                let converted: Vec<f32> = src.iter().map(|v| v.to_f32()).collect();
                cx.fold_output(out, shape, Buf::F32(converted))?;
                return Ok(Prepared::Folded);
            }
            cx.set_output(out, shape)?;
            return Ok(Prepared::run(DequantizeF16 { x }));
        }
        let (scale, zero_point) = cx.per_tensor(x, "input")?;
        cx.set_output(out, shape)?;
        Ok(Prepared::run(DequantizeQ8 {
            x,
            scale: scale as f64,
            zero_point,
        }))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::F16) => 3,
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.13.1",
            2 => "1.14.0",
            3 => "1.15.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::default()
    }
}

struct DequantizeQ8 {
    x: usize,
    scale: f64,
    zero_point: i32,
}

impl Kernel for DequantizeQ8 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        match cx.tensors.buf(self.x) {
            Buf::I8(i) => {
                kernels::generic::qx8_dequantize_generic(i, o, self.scale, self.zero_point)
            }
            Buf::U8(i) => {
                kernels::generic::qx8_dequantize_generic(i, o, self.scale, self.zero_point)
            }
            i => return Err(Error::invalid(format!("DEQUANTIZE of {}", i.kind()))),
        }
        Ok(())
    }
}

struct DequantizeF16 {
    x: usize,
}

impl Kernel for DequantizeF16 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        kernels::generic::f16_to_f32_generic(cx.tensors.buf(self.x).f16()?, o);
        Ok(())
    }
}
