//! Binary element-wise ops with broadcasting: ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM,
//! SQUARED_DIFFERENCE (PRELU uses the same helpers: [`broadcast_of`] / [`broadcast_dims`]
//! at prepare time, [`f32_binary_kernel`] / [`q_binary_kernel`]).
//!
//! Broadcasting is TFLite's (shapes aligned on the right, dimensions equal or 1; see
//! [`crate::kernels::broadcast`]). The arithmetic is LiteRT's reference kernels'
//! ([`crate::kernels::binary`]): float with the fused activation's clamp
//! (`ActivationFunctionWithMinMax`, applied even without an activation, as the reference
//! does, so `inf` becomes `FLT_MAX` in ADD, SUB, MUL and DIV); 8-bit ADD and SUB with the
//! multipliers of add.cc / `PrepareGeneralSubOp` (left shift 20), 8-bit MUL with mul.cc's
//! single multiplier `s1 · s2 / s_out`, 8-bit SQUARED_DIFFERENCE with those of
//! squared_difference.cc (left shift 7), 8-bit DIV with div.cc's single multiplier
//! `s1 / (s2 · s_out)` and `GetReciprocal`, 8-bit MAXIMUM / MINIMUM on raw values (TF
//! gives operands and result one scale and zero point). An int8 DIV whose denominator holds
//! its zero point is an error at run time, as in the reference (`CheckNonZero`).

use super::util::{fixed_multiplier, quantized_activation_range, INT8_RANGE, UINT8_RANGE};
use super::{
    activation, input_dtype, EvalCtx, Inplace, Kernel, OpDef, PrepareCtx, Prepared, QuantMode,
    QuantSpec,
};
use crate::error::{Error, Result};
use crate::graph::{Activation, BuiltinOperator, DType, Op, Tensor};
use crate::interp::Buf;
use crate::kernels::binary::{
    self as kb, F32BinaryOp, QAddSubParams, QBinaryOp, QDivParams, QMulParams,
    QSquaredDifferenceParams,
};
use crate::kernels::broadcast::{broadcast_shape, Broadcast, MAX_RANK};
use crate::kernels::fixedpoint::quantize_multiplier;
use crate::options;

fn dims(shape: &[i32]) -> Vec<usize> {
    shape.iter().map(|&d| d.max(0) as usize).collect()
}

/// The broadcast geometry of inputs `a` and `b` (tensor indices), or an error naming
/// both shapes.
pub(crate) fn broadcast_of(cx: &PrepareCtx<'_>, a: usize, b: usize) -> Result<Broadcast> {
    let (sa, sb) = (cx.shape(a), cx.shape(b));
    if sa.len() > MAX_RANK || sb.len() > MAX_RANK {
        return Err(Error::unsupported(format!(
            "broadcasting rank {} and {} operands (up to {MAX_RANK} dimensions are supported)",
            sa.len(),
            sb.len()
        )));
    }
    Broadcast::new(&dims(sa), &dims(sb)).ok_or_else(|| {
        Error::shape(
            format!(
                "operands {} and {} (not broadcastable)",
                cx.describe(a),
                cx.describe(b)
            ),
            sa,
            sb,
        )
    })
}

/// The broadcast output shape of inputs `a` and `b`.
pub(crate) fn broadcast_dims(cx: &PrepareCtx<'_>, a: usize, b: usize) -> Result<Vec<i32>> {
    let (sa, sb) = (cx.shape(a), cx.shape(b));
    broadcast_shape(&dims(sa), &dims(sb))
        .map(|s| s.into_iter().map(|d| d as i32).collect())
        .ok_or_else(|| {
            Error::shape(
                format!(
                    "operands {} and {} (not broadcastable)",
                    cx.describe(a),
                    cx.describe(b)
                ),
                sa,
                sb,
            )
        })
}

struct F32Binary {
    op: F32BinaryOp,
    a: usize,
    b: usize,
    bc: Broadcast,
    act: Option<(f32, f32)>,
}

impl Kernel for F32Binary {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        kb::f32_binary(
            self.op,
            &self.bc,
            cx.tensors.f32(self.a)?,
            cx.tensors.f32(self.b)?,
            o,
            self.act,
        );
        Ok(())
    }
}

/// A float binary kernel `out = clamp(op(a, b))` (no clamp for `act = None`).
pub(crate) fn f32_binary_kernel(
    op: F32BinaryOp,
    a: usize,
    b: usize,
    bc: Broadcast,
    act: Option<(f32, f32)>,
) -> Prepared {
    Prepared::run(F32Binary { op, a, b, bc, act })
}

struct QBinary {
    op: QBinaryOp,
    a: usize,
    b: usize,
    bc: Broadcast,
    /// DIV: the denominator's zero point, which no denominator value may equal.
    nonzero_b: Option<i32>,
}

impl Kernel for QBinary {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let (ta, tb) = (cx.tensors.buf(self.a), cx.tensors.buf(self.b));
        if let Some(zp) = self.nonzero_b {
            let zero = match tb {
                Buf::I8(v) => v.iter().any(|&x| x as i32 == zp),
                Buf::U8(v) => v.iter().any(|&x| x as i32 == zp),
                _ => false,
            };
            if zero {
                return Err(Error::invalid(format!(
                    "DIV by zero: the denominator (tensor {}) holds its zero point {zp}",
                    self.b
                )));
            }
        }
        match (ta, tb, &mut cx.outputs[0]) {
            (Buf::I8(a), Buf::I8(b), Buf::I8(o)) => {
                kb::qx8_binary_generic(&self.op, &self.bc, a, b, o)
            }
            (Buf::U8(a), Buf::U8(b), Buf::U8(o)) => {
                kb::qx8_binary_generic(&self.op, &self.bc, a, b, o)
            }
            (a, b, o) => {
                return Err(Error::invalid(format!(
                    "8-bit binary op on {}, {} -> {}",
                    a.kind(),
                    b.kind(),
                    o.kind()
                )))
            }
        }
        Ok(())
    }
}

/// An 8-bit binary kernel (int8 or uint8 by the tensors' buffers).
pub(crate) fn q_binary_kernel(op: QBinaryOp, a: usize, b: usize, bc: Broadcast) -> Prepared {
    Prepared::run(QBinary {
        op,
        a,
        b,
        bc,
        nonzero_b: None,
    })
}

/// The common part of a binary op's prepare: two inputs of one dtype (from `allowed`), one
/// output of that dtype with the broadcast shape. Returns `(a, b, out, dtype, geometry)`.
fn binary_io(
    cx: &mut PrepareCtx<'_>,
    allowed: &[DType],
) -> Result<(usize, usize, usize, DType, Broadcast)> {
    cx.expect_inputs(2..=2)?;
    cx.expect_outputs(1..=1)?;
    let a = cx.input(0, "input1")?;
    let b = cx.input(1, "input2")?;
    let out = cx.output(0)?;
    let dt = cx.expect_dtype(a, "input1", allowed)?;
    cx.expect_dtype(b, "input2", &[dt])?;
    cx.expect_dtype(out, "output", &[dt])?;
    let bc = broadcast_of(cx, a, b)?;
    let shape = broadcast_dims(cx, a, b)?;
    cx.set_output(out, shape)?;
    Ok((a, b, out, dt, bc))
}

/// `CalculateActivationRange` (float) of a fused activation, TANH refused.
fn float_act(a: Activation, op: &str) -> Result<(f32, f32)> {
    super::util::float_activation_range(a, op)
}

/// The 8-bit range of `dt`.
fn type_range(dt: DType) -> (i32, i32) {
    if dt == DType::U8 {
        UINT8_RANGE
    } else {
        INT8_RANGE
    }
}

/// `QuantizeMultiplierSmallerThanOneExp`: the multiplier must be in (0, 1).
fn smaller_than_one(m: f64, what: &str) -> Result<(i32, i32)> {
    if !(m > 0.0 && m < 1.0) {
        return Err(Error::unsupported(format!(
            "{what}: multiplier {m} must be in (0, 1) (TFLite's \
             QuantizeMultiplierSmallerThanOneExp)"
        )));
    }
    quantize_multiplier(m).ok_or_else(|| Error::invalid(format!("{what}: multiplier {m}")))
}

/// Any multiplier, as `QuantizeMultiplier`.
fn any_multiplier(m: f64, what: &str) -> Result<(i32, i32)> {
    quantize_multiplier(m)
        .ok_or_else(|| Error::invalid(format!("{what}: multiplier {m} is not finite")))
}

/// True when the inputs need broadcasting with more than 4 dimensions (a version bump
/// for SUB, DIV, MAXIMUM, MINIMUM: `NeedBroadcastForBinaryInputs && GetInputMaxDims > 4`).
fn broadcast_beyond_4d(op: &Op, tensors: &[Tensor]) -> bool {
    let shape = |k: usize| {
        op.inputs
            .get(k)
            .and_then(|&i| usize::try_from(i).ok())
            .and_then(|i| tensors.get(i))
            .map(|t| t.shape.clone())
    };
    match (shape(0), shape(1)) {
        (Some(a), Some(b)) => a != b && a.len().max(b.len()) > 4,
        _ => false,
    }
}

/// The 8-bit parameters of ADD and SUB (add.cc's Prepare and sub.cc's
/// `PrepareGeneralSubOp`, identical for 8-bit): left shift 20; `2 * max(s1, s2)` and
/// `(1 << 20) * s_out` in float (exact), the ratios in double, each multiplier by
/// `QuantizeMultiplierSmallerThanOneExp` — except SUB's output multiplier, which sub.cc
/// quantizes with `QuantizeMultiplier` (it may reach 1 for a very narrow output range).
/// SUB also checks that the zero points lie in the type's range.
fn add_sub_params(
    cx: &PrepareCtx<'_>,
    [a, b, out]: [usize; 3],
    dt: DType,
    act: Activation,
    name: &str,
) -> Result<QAddSubParams> {
    let (s1, z1) = cx.per_tensor(a, "input1")?;
    let (s2, z2) = cx.per_tensor(b, "input2")?;
    let (so, zo) = cx.per_tensor(out, "output")?;
    let tr = type_range(dt);
    let is_sub = name == "SUB";
    if is_sub {
        for (z, role) in [(z1, "input1"), (z2, "input2"), (zo, "output")] {
            if z < tr.0 || z > tr.1 {
                return Err(Error::invalid(format!(
                    "SUB {role} zero point {z} is outside the {} range",
                    dt.name()
                )));
            }
        }
    }
    let left_shift = 20;
    let twice_max = (2.0f32 * s1.max(s2)) as f64;
    let (m1, sh1) = smaller_than_one(s1 as f64 / twice_max, &format!("{name} input1"))?;
    let (m2, sh2) = smaller_than_one(s2 as f64 / twice_max, &format!("{name} input2"))?;
    let real_out = twice_max / ((1u32 << left_shift) as f32 * so) as f64;
    let (mo, sho) = if is_sub {
        any_multiplier(real_out, "SUB output")?
    } else {
        smaller_than_one(real_out, &format!("{name} output"))?
    };
    let (act_min, act_max) = quantized_activation_range(act, so, zo, tr, name)?;
    Ok(QAddSubParams {
        input1_offset: -z1,
        input2_offset: -z2,
        output_offset: zo,
        left_shift,
        input1_multiplier: m1,
        input1_shift: sh1,
        input2_multiplier: m2,
        input2_shift: sh2,
        output_multiplier: mo,
        output_shift: sho,
        act_min,
        act_max,
    })
}

// ---------------------------------------------------------------------------------------

/// ADD: `a + b` (`AddOptions.fused_activation_function`). Float: `reference_ops::Add` /
/// `BroadcastAdd6DSlow` (`a + b` then the activation clamp); 8-bit:
/// `reference_integer_ops::AddFunc` with add.cc's multipliers ([`add_sub_params`]).
/// `pot_scale_int16` only matters for int16 (16x8 kernels); TF writes `true` in float and
/// int8 files, `false` in 16x8 files.
pub struct Add;

impl OpDef for Add {
    /// `Register_ADD*`: `kTfLiteInplaceOpInput0Shared | kTfLiteInplaceOpInput1Shared`.
    fn inplace(&self, _: BuiltinOperator) -> Inplace {
        Inplace::Changed(0b11)
    }

    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), AddOptions)?;
        let act = activation(o.fused_activation_function)?;
        let (a, b, out, dt, bc) = binary_io(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt == DType::F32 {
            let range = float_act(act, "ADD")?;
            return Ok(f32_binary_kernel(F32BinaryOp::Add, a, b, bc, Some(range)));
        }
        let p = add_sub_params(cx, [a, b, out], dt, act, "ADD")?;
        Ok(q_binary_kernel(QBinaryOp::Add(p), a, b, bc))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        // op_version.cc: float16 6, unquantized int16 5, int64 4, int16 with
        // `pot_scale_int16 = false` 3, int8 2.
        match input_dtype(op, tensors, 0) {
            Some(DType::F16) => 6,
            Some(DType::I64) => 4,
            Some(DType::I16) => {
                let quantized = op
                    .inputs
                    .first()
                    .and_then(|&i| tensors.get(usize::try_from(i).ok()?))
                    .is_some_and(|t| t.quant.is_some());
                let pot = match &op.options {
                    Some(crate::graph::BuiltinOptions::AddOptions(o)) => o.pot_scale_int16,
                    _ => true,
                };
                if !quantized {
                    5
                } else if !pot {
                    3
                } else {
                    1
                }
            }
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.5.0",
            2 => "1.14.0",
            3 => "2.4.0",
            4 => "2.6.0",
            5 => "2.13.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::calibrated()
    }

    fn quantized_options(&self, op: &mut Op, mode: QuantMode) -> Result<()> {
        if let Some(crate::graph::BuiltinOptions::AddOptions(o)) = &mut op.options {
            o.pot_scale_int16 = mode != QuantMode::Int16;
        }
        Ok(())
    }
}

/// MUL: `a * b` (`MulOptions.fused_activation_function`). Float: `reference_ops::Mul` /
/// `BroadcastMul6DSlow`; 8-bit: `reference_integer_ops::MulElementwise` with mul.cc's
/// multiplier `s1 * s2 / s_out`, computed in float then widened to double, by
/// `QuantizeMultiplier`.
pub struct Mul;

impl OpDef for Mul {
    /// `Register_MUL*`: `kTfLiteInplaceOpInput0Shared | kTfLiteInplaceOpInput1Shared`.
    fn inplace(&self, _: BuiltinOperator) -> Inplace {
        Inplace::Changed(0b11)
    }

    fn max_version(&self, _: BuiltinOperator) -> i32 {
        3
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), MulOptions)?;
        let act = activation(o.fused_activation_function)?;
        let (a, b, out, dt, bc) = binary_io(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt == DType::F32 {
            let range = float_act(act, "MUL")?;
            return Ok(f32_binary_kernel(F32BinaryOp::Mul, a, b, bc, Some(range)));
        }
        let (s1, z1) = cx.per_tensor(a, "input1")?;
        let (s2, z2) = cx.per_tensor(b, "input2")?;
        let (so, zo) = cx.per_tensor(out, "output")?;
        let (act_min, act_max) = quantized_activation_range(act, so, zo, type_range(dt), "MUL")?;
        let (m, sh) = fixed_multiplier((s1 * s2 / so) as f64, "MUL")?;
        let p = QMulParams {
            input1_offset: -z1,
            input2_offset: -z2,
            output_offset: zo,
            output_multiplier: m,
            output_shift: sh,
            act_min,
            act_max,
        };
        Ok(q_binary_kernel(QBinaryOp::Mul(p), a, b, bc))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        // op_version.cc: float16 8, unquantized int16 7, int64 5, int16 4, a rescale
        // `s1 * s2 / s_out >= 1` (float) 3, int8 2.
        let scale = |k: usize, out: bool| -> Option<f32> {
            let list = if out { &op.outputs } else { &op.inputs };
            let t = tensors.get(usize::try_from(*list.get(k)?).ok()?)?;
            t.quant.as_ref().and_then(|q| q.scale.first().copied())
        };
        match input_dtype(op, tensors, 0) {
            Some(DType::F16) => 8,
            Some(DType::I64) => 5,
            Some(DType::I16) => {
                if scale(0, false).is_none() {
                    7
                } else {
                    4
                }
            }
            Some(DType::I8) | Some(DType::U8) => {
                match (scale(0, false), scale(1, false), scale(0, true)) {
                    (Some(s1), Some(s2), Some(so))
                        if s1 != 0.0 && s2 != 0.0 && so != 0.0 && s1 * s2 / so >= 1.0 =>
                    {
                        3
                    }
                    _ if input_dtype(op, tensors, 0) == Some(DType::I8) => 2,
                    _ => 1,
                }
            }
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.5.0",
            2 => "1.14.0",
            3 => "1.15.0",
            4 => "2.3.0",
            5 => "2.6.0",
            7 => "2.13.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::calibrated()
    }
}

/// SUB: `a - b` (`SubOptions.fused_activation_function`).
pub struct Sub;

impl OpDef for Sub {
    /// `Register_SUB*`: `kTfLiteInplaceOpInput0Shared | kTfLiteInplaceOpInput1Shared`.
    fn inplace(&self, _: BuiltinOperator) -> Inplace {
        Inplace::Changed(0b11)
    }

    fn max_version(&self, _: BuiltinOperator) -> i32 {
        3
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), SubOptions)?;
        let act = activation(o.fused_activation_function)?;
        let (a, b, out, dt, bc) = binary_io(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt == DType::F32 {
            let range = float_act(act, "SUB")?;
            return Ok(f32_binary_kernel(F32BinaryOp::Sub, a, b, bc, Some(range)));
        }
        let p = add_sub_params(cx, [a, b, out], dt, act, "SUB")?;
        Ok(q_binary_kernel(QBinaryOp::Sub(p), a, b, bc))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        if broadcast_beyond_4d(op, tensors) {
            return 3;
        }
        match input_dtype(op, tensors, 0) {
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.6.0",
            2 => "1.14.0",
            3 => "2.3.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::calibrated()
    }
}

/// DIV: `a / b` (`DivOptions.fused_activation_function`).
pub struct Div;

impl OpDef for Div {
    /// `Register_DIV*`: `kTfLiteInplaceOpInput0Shared | kTfLiteInplaceOpInput1Shared`.
    fn inplace(&self, _: BuiltinOperator) -> Inplace {
        Inplace::Changed(0b11)
    }

    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), DivOptions)?;
        let act = activation(o.fused_activation_function)?;
        let (a, b, out, dt, bc) = binary_io(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt == DType::F32 {
            let range = float_act(act, "DIV")?;
            return Ok(f32_binary_kernel(F32BinaryOp::Div, a, b, bc, Some(range)));
        }
        let (s1, z1) = cx.per_tensor(a, "input1")?;
        let (s2, z2) = cx.per_tensor(b, "input2")?;
        let (so, zo) = cx.per_tensor(out, "output")?;
        let (act_min, act_max) = quantized_activation_range(act, so, zo, type_range(dt), "DIV")?;
        // div.cc Prepare: `input1->params.scale / (input2->params.scale * output->params.scale)`
        // in float.
        let (m, sh) = any_multiplier((s1 / (s2 * so)) as f64, "DIV")?;
        let p = QDivParams {
            input1_offset: -z1,
            input2_offset: -z2,
            output_offset: zo,
            output_multiplier: m,
            output_shift: sh,
            act_min,
            act_max,
        };
        Ok(Prepared::run(QBinary {
            op: QBinaryOp::Div(p),
            a,
            b,
            bc,
            nonzero_b: Some(z2),
        }))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        if broadcast_beyond_4d(op, tensors) {
            2
        } else {
            1
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.6.0",
            2 => "2.3.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::calibrated()
    }
}

/// MAXIMUM and MINIMUM (`a > b ? a : b`, `a < b ? a : b`); one definition for both codes.
pub struct MaximumMinimum;

impl OpDef for MaximumMinimum {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        3
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let is_max = cx.op().code == BuiltinOperator::Maximum;
        let (a, b, _, dt, bc) = binary_io(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt == DType::F32 {
            let op = if is_max {
                F32BinaryOp::Maximum
            } else {
                F32BinaryOp::Minimum
            };
            return Ok(f32_binary_kernel(op, a, b, bc, None));
        }
        let op = if is_max {
            QBinaryOp::Maximum
        } else {
            QBinaryOp::Minimum
        };
        Ok(q_binary_kernel(op, a, b, bc))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        if broadcast_beyond_4d(op, tensors) {
            return 3;
        }
        match input_dtype(op, tensors, 0) {
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 | 2 => "1.14.0",
            3 => "2.3.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        // The reference compares raw values: both operands and the result share one scale
        // and zero point (the result's calibrated range).
        QuantSpec {
            shared_scale: true,
            ..QuantSpec::calibrated()
        }
    }
}

/// SQUARED_DIFFERENCE: `(a - b)²`.
pub struct SquaredDifference;

impl OpDef for SquaredDifference {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (a, b, out, dt, bc) = binary_io(cx, &[DType::F32, DType::I8])?;
        if dt == DType::F32 {
            return Ok(f32_binary_kernel(
                F32BinaryOp::SquaredDifference,
                a,
                b,
                bc,
                None,
            ));
        }
        let (s1, z1) = cx.per_tensor(a, "input1")?;
        let (s2, z2) = cx.per_tensor(b, "input2")?;
        let (so, zo) = cx.per_tensor(out, "output")?;
        // squared_difference.cc Prepare: left shift 7, all three multipliers below one.
        let left_shift = 7;
        let twice_max = (2.0f32 * s1.max(s2)) as f64;
        let (m1, sh1) = smaller_than_one(s1 as f64 / twice_max, "SQUARED_DIFFERENCE input1")?;
        let (m2, sh2) = smaller_than_one(s2 as f64 / twice_max, "SQUARED_DIFFERENCE input2")?;
        let real_out = (twice_max * twice_max) / ((1u32 << (left_shift * 2)) as f32 * so) as f64;
        let (mo, sho) = smaller_than_one(real_out, "SQUARED_DIFFERENCE output")?;
        let p = QSquaredDifferenceParams {
            input1_offset: -z1,
            input2_offset: -z2,
            output_offset: zo,
            left_shift,
            input1_multiplier: m1,
            input1_shift: sh1,
            input2_multiplier: m2,
            input2_shift: sh2,
            output_multiplier: mo,
            output_shift: sho,
        };
        Ok(q_binary_kernel(QBinaryOp::SquaredDifference(p), a, b, bc))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.13.1",
            2 => "2.5.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        // int8 only (no 16x8 kernel).
        QuantSpec {
            int16: false,
            ..QuantSpec::calibrated()
        }
    }
}
