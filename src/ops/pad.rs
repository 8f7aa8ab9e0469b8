//! Padding: PAD and PADV2 (`input`, `paddings` `[rank, 2]` int32, and for PADV2 an
//! optional scalar `constant_values`). PAD pads with 0 (the output zero point for 8-bit
//! values); one definition serves both codes.
//!
//! The values are copied as `reference_ops::Pad` does ([`crate::kernels::movement::pad`],
//! up to 5 dimensions, as `PadKernelMaxDimensionCount`). 8-bit: the output keeps the
//! input's scale and zero point, and a `constant_values` tensor must have them too
//! (pad.cc's `EvalInt` checks both); without it the pad value is the output zero point.
//! An op whose input is known at prepare time is folded.

use super::layout::{known_vec, move_or_fold, same_buf, same_quant, Move, ANY_DTYPE};
use super::{input_dtype, OpDef, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Op, Tensor};
use crate::interp::Buf;
use crate::kernels::movement;

/// The pad value in the tensor's own type.
#[derive(Clone, Copy, Debug)]
enum PadValue {
    F32(f32),
    F16(half::f16),
    I8(i8),
    U8(u8),
    I32(i32),
}

struct PadMove {
    shape: Vec<usize>,
    before: Vec<usize>,
    after: Vec<usize>,
    value: PadValue,
}

impl Move for PadMove {
    fn run(&self, x: &Buf, out: &mut Buf) -> Result<()> {
        let (s, b, a) = (&self.shape, &self.before, &self.after);
        match (x, out, self.value) {
            (Buf::F32(x), Buf::F32(o), PadValue::F32(v)) => movement::pad(x, s, b, a, v, o),
            (Buf::F16(x), Buf::F16(o), PadValue::F16(v)) => movement::pad(x, s, b, a, v, o),
            (Buf::I8(x), Buf::I8(o), PadValue::I8(v)) => movement::pad(x, s, b, a, v, o),
            (Buf::U8(x), Buf::U8(o), PadValue::U8(v)) => movement::pad(x, s, b, a, v, o),
            (Buf::I32(x), Buf::I32(o), PadValue::I32(v)) => movement::pad(x, s, b, a, v, o),
            (x, o, _) => {
                return same_buf!(x, o, |_a, _b| Err(Error::invalid("pad value type")));
            }
        }
        Ok(())
    }
}

/// PAD and PADV2 (Keras ZeroPadding2D, `tf.pad`).
pub struct Padding;

impl Padding {
    /// PAD / PADV2: `value` is input 2 for PADV2, absent for PAD.
    pub fn prepare_pad(cx: &mut PrepareCtx<'_>, with_value: bool) -> Result<Prepared> {
        cx.expect_inputs(if with_value { 2..=3 } else { 2..=2 })?;
        cx.expect_outputs(1..=1)?;
        let name = cx.op().name();
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let dt = cx.expect_dtype(x, "input", ANY_DTYPE)?;
        cx.expect_dtype(out, "output", &[dt])?;
        same_quant(cx, x, out)?;
        let shape = cx.shape(x).to_vec();
        let rank = shape.len();
        if rank > 5 {
            return Err(Error::unsupported(format!(
                "{name} of a rank-{rank} tensor (up to 5 dimensions)"
            )));
        }
        let p = known_vec(cx, 1, "paddings")?;
        let pt = cx.input(1, "paddings")?;
        if cx.shape(pt) != [rank as i32, 2] || p.iter().any(|&v| v < 0) {
            return Err(Error::shape(
                format!("{name} paddings {} (non-negative)", cx.describe(pt)),
                [rank, 2],
                format!("{:?} = {p:?}", cx.shape(pt)),
            ));
        }
        let before: Vec<usize> = (0..rank).map(|d| p[2 * d] as usize).collect();
        let after: Vec<usize> = (0..rank).map(|d| p[2 * d + 1] as usize).collect();
        let value_t = if with_value { cx.opt_input(2) } else { None };
        let value = match value_t {
            Some(v) => {
                cx.expect_dtype(v, "constant_values", &[dt])?;
                if !cx.is_const(v) || cx.buf(v).len() != 1 {
                    return Err(Error::unsupported(format!(
                        "{name} constant_values {} must be one value known before running",
                        cx.describe(v)
                    )));
                }
                if matches!(dt, DType::I8 | DType::U8) {
                    let q = cx.per_tensor(v, "constant_values")?;
                    if q != cx.per_tensor(out, "output")? {
                        return Err(Error::unsupported(format!(
                            "{name} constant_values {} must have the output's scale and zero \
                             point",
                            cx.describe(v)
                        )));
                    }
                }
                match cx.buf(v) {
                    Buf::F32(b) => PadValue::F32(b[0]),
                    Buf::F16(b) => PadValue::F16(b[0]),
                    Buf::I8(b) => PadValue::I8(b[0]),
                    Buf::U8(b) => PadValue::U8(b[0]),
                    Buf::I32(b) => PadValue::I32(b[0]),
                    b => {
                        return Err(Error::invalid(format!(
                            "constant_values holds {}",
                            b.kind()
                        )))
                    }
                }
            }
            None => match dt {
                DType::F32 => PadValue::F32(0.0),
                DType::F16 => PadValue::F16(half::f16::ZERO),
                DType::I32 => PadValue::I32(0),
                DType::I8 => PadValue::I8(cx.per_tensor(out, "output")?.1.clamp(-128, 127) as i8),
                DType::U8 => PadValue::U8(cx.per_tensor(out, "output")?.1.clamp(0, 255) as u8),
                d => return Err(Error::unsupported(format!("{name} of {}", d.name()))),
            },
        };
        let out_shape: Vec<i32> = (0..rank)
            .map(|d| shape[d] + p[2 * d] + p[2 * d + 1])
            .collect();
        let m = PadMove {
            shape: shape.iter().map(|&d| d.max(0) as usize).collect(),
            before,
            after,
            value,
        };
        move_or_fold(cx, x, out, out_shape, m)
    }
}

impl OpDef for Padding {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        4
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let with_value = cx.op().code == BuiltinOperator::Padv2;
        Padding::prepare_pad(cx, with_value)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        let rank = op
            .inputs
            .first()
            .and_then(|&i| tensors.get(usize::try_from(i).ok()?))
            .map_or(0, |t| t.shape.len());
        // op_version.cc (PAD and PADV2): bool 5, rank > 4 4, int16 3, int8 2.
        match input_dtype(op, tensors, 0) {
            Some(DType::Bool) => 5,
            _ if rank > 4 => 4,
            Some(DType::I16) => 3,
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, code: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match (code, version) {
            (BuiltinOperator::Pad, 1) => "1.5.0",
            (_, 1) => "1.9.0",
            (_, 2) => "1.14.0",
            (_, 3) => "2.4.0",
            (_, 4) => "2.6.0",
            (_, 5) => "2.20.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1],
            ..QuantSpec::same_as_input(0)
        }
    }
}
