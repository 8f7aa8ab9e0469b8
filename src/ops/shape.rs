//! Shape ops: RESHAPE, SQUEEZE, EXPAND_DIMS (the same values in a new shape: a copy, or
//! folded when the input is known) and SHAPE (folded from the input's shape). The int32
//! pattern TF emits for Keras `Flatten` — `SHAPE → STRIDED_SLICE (batch) → PACK [batch,
//! -1] → RESHAPE` — is evaluated at prepare time (STRIDED_SLICE and PACK, in `slice.rs`,
//! fold when their inputs are known).

use super::{EvalCtx, Inplace, Kernel, OpDef, OutputRule, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::schema::TensorType;
use crate::graph::{num_elements, BuiltinOperator, DType, Op, Tensor};
use crate::interp::{copy_buf, Buf};
use crate::options;
use crate::tflite::tensor_type_name;

/// RESHAPE: the same values in a new shape (input 1, else `new_shape` in the options, else
/// the output tensor's shape); one `-1` dimension is inferred.
pub struct Reshape;

impl OpDef for Reshape {
    /// `Register_RESHAPE`: `kTfLiteInplaceOpInput0Shared | kTfLiteInplaceOpDataUnmodified`.
    fn inplace(&self, _: BuiltinOperator) -> Inplace {
        Inplace::Unmodified(0b1)
    }

    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(1..=2)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let xt = cx.dtype(x);
        cx.expect_dtype(out, "output", &[xt])?;
        let requested: Vec<i32> = match cx.opt_input(1) {
            Some(s) => cx.known_i32(s, "shape input")?.to_vec(),
            None => match &cx.op().options {
                Some(_) => options!(cx.op(), ReshapeOptions)?
                    .new_shape
                    .unwrap_or_default(),
                None => cx.tensor(out).shape.clone(),
            },
        };
        let n = cx.elements(x)?;
        let mut shape = requested.clone();
        let wild: Vec<usize> = shape
            .iter()
            .enumerate()
            .filter(|(_, &d)| d == -1)
            .map(|(k, _)| k)
            .collect();
        let bad = || {
            Error::shape(
                format!("RESHAPE of {} ({n} elements)", cx.describe(x)),
                &requested,
                cx.shape(x),
            )
        };
        if wild.len() > 1 || shape.iter().any(|&d| d < -1) {
            return Err(bad());
        }
        if let [k] = wild[..] {
            let rest: usize = shape
                .iter()
                .filter(|&&d| d != -1)
                .map(|&d| d as usize)
                .product();
            if rest == 0 || n % rest != 0 {
                return Err(bad());
            }
            shape[k] = (n / rest) as i32;
        }
        if num_elements(&shape) != Some(n) {
            return Err(bad());
        }
        if cx.is_const(x) {
            let value = cx.buf(x).clone();
            cx.fold_output(out, shape, value)?;
            return Ok(Prepared::Folded);
        }
        cx.set_output(out, shape)?;
        Ok(Prepared::run(Copy { x }))
    }

    fn version(&self, _: &Op, _: &[Tensor]) -> i32 {
        1
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        (version == 1).then_some("1.5.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1],
            ..QuantSpec::same_as_input(0)
        }
    }
}

/// Copies the input buffer to the output (same dtype and length).
struct Copy {
    x: usize,
}

impl Kernel for Copy {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        copy_buf(cx.tensors.buf(self.x), &mut cx.outputs[0])
    }
}

/// SHAPE: the input's shape as an int32 vector (folded: shapes are known at prepare).
pub struct Shape;

impl OpDef for Shape {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        1
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        // Without options the output is int32 (the schema's ShapeOptions default, FLOAT32,
        // only applies when the table is present).
        let out_type = match &cx.op().options {
            None => TensorType::Int32,
            Some(_) => options!(cx.op(), ShapeOptions)?.out_type,
        };
        if out_type != TensorType::Int32 {
            return Err(Error::unsupported(format!(
                "SHAPE with out_type {}",
                tensor_type_name(out_type)
            )));
        }
        cx.expect_inputs(1..=1)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        cx.expect_dtype(out, "output", &[DType::I32])?;
        let dims = cx.shape(x).to_vec();
        cx.fold_output(out, vec![dims.len() as i32], Buf::I32(dims))?;
        Ok(Prepared::Folded)
    }

    fn version(&self, _: &Op, _: &[Tensor]) -> i32 {
        1
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        (version == 1).then_some("1.10.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            output: OutputRule::Unquantized,
            ..QuantSpec::calibrated()
        }
    }
}

/// Folds a same-values op whose input is known, or copies at run time.
fn copy_or_fold(
    cx: &mut PrepareCtx<'_>,
    x: usize,
    out: usize,
    shape: Vec<i32>,
) -> Result<Prepared> {
    if cx.is_const(x) {
        let value = cx.buf(x).clone();
        cx.fold_output(out, shape, value)?;
        return Ok(Prepared::Folded);
    }
    cx.set_output(out, shape)?;
    Ok(Prepared::run(Copy { x }))
}

/// SQUEEZE: the input without the size-1 dimensions listed in `squeeze_dims` (all size-1
/// dimensions when the list is empty), as `squeeze.cc`.
pub struct Squeeze;

impl OpDef for Squeeze {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        1
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let dims = options!(cx.op(), SqueezeOptions)?
            .squeeze_dims
            .unwrap_or_default();
        cx.expect_inputs(1..=1)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        cx.expect_dtype(out, "output", &[cx.dtype(x)])?;
        let shape = cx.shape(x).to_vec();
        let rank = shape.len() as i32;
        let mut drop = vec![false; shape.len()];
        if dims.is_empty() {
            for (d, &v) in shape.iter().enumerate() {
                drop[d] = v == 1;
            }
        } else {
            for &d in &dims {
                let a = if d < 0 { d + rank } else { d };
                if a < 0 || a >= rank || shape[a as usize] != 1 {
                    return Err(Error::shape(
                        format!("SQUEEZE dimension {d} of {}", cx.describe(x)),
                        "a dimension of size 1",
                        &shape,
                    ));
                }
                drop[a as usize] = true;
            }
        }
        let new: Vec<i32> = shape
            .iter()
            .zip(&drop)
            .filter(|(_, &dr)| !dr)
            .map(|(&v, _)| v)
            .collect();
        copy_or_fold(cx, x, out, new)
    }

    fn version(&self, _: &Op, _: &[Tensor]) -> i32 {
        1
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        (version == 1).then_some("1.6.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::same_as_input(0)
    }
}

/// EXPAND_DIMS: a size-1 dimension inserted at `axis` (input 1, int32, in
/// `[-rank - 1, rank]`).
pub struct ExpandDims;

impl OpDef for ExpandDims {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        1
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(2..=2)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        cx.expect_dtype(out, "output", &[cx.dtype(x)])?;
        let a = cx.input(1, "axis")?;
        cx.expect_dtype(a, "axis", &[DType::I32])?;
        let axis = match cx.known_i32(a, "axis")? {
            [v] => *v,
            v => return Err(Error::shape("EXPAND_DIMS axis", "one value", v)),
        };
        let mut shape = cx.shape(x).to_vec();
        let rank = shape.len() as i32;
        let at = if axis < 0 { axis + rank + 1 } else { axis };
        if at < 0 || at > rank {
            return Err(Error::invalid(format!(
                "EXPAND_DIMS axis {axis} is out of range for rank {rank}"
            )));
        }
        shape.insert(at as usize, 1);
        copy_or_fold(cx, x, out, shape)
    }

    fn version(&self, _: &Op, _: &[Tensor]) -> i32 {
        1
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        (version == 1).then_some("1.10.0")
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1],
            ..QuantSpec::same_as_input(0)
        }
    }
}
