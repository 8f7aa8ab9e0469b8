//! Shape ops: RESHAPE (a copy, or folded when its input is known), and SHAPE /
//! STRIDED_SLICE / PACK in the int32 pattern TF emits for Keras `Flatten` (evaluated at
//! prepare time from shapes: `SHAPE → STRIDED_SLICE (batch) → PACK [batch, -1] → RESHAPE`).

use super::{input_dtype, EvalCtx, Kernel, OpDef, OutputRule, PrepareCtx, Prepared, QuantSpec};
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

/// STRIDED_SLICE, for now on 1-D int32 values known at prepare time (Keras `Flatten`'s
/// batch-size extraction), folded.
pub struct StridedSlice;

impl OpDef for StridedSlice {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        4
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), StridedSliceOptions)?;
        if o.ellipsis_mask != 0 || o.new_axis_mask != 0 || o.offset {
            return Err(Error::unsupported(
                "STRIDED_SLICE with ellipsis_mask, new_axis_mask or offset (only the 1-D \
                 int32 slice TF emits for Keras Flatten is supported)",
            ));
        }
        cx.expect_inputs(4..=4)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        cx.expect_dtype(x, "input", &[DType::I32])?;
        cx.expect_dtype(out, "output", &[DType::I32])?;
        if cx.shape(x).len() != 1 {
            return Err(Error::unsupported(format!(
                "STRIDED_SLICE of rank-{} input {} (only 1-D int32 shape vectors are supported)",
                cx.shape(x).len(),
                cx.describe(x)
            )));
        }
        let values = cx.known_i32(x, "input")?.to_vec();
        let one = |k: usize, role: &str| -> Result<i32> {
            let t = cx.input(k, role)?;
            match cx.known_i32(t, role)? {
                [v] => Ok(*v),
                _ => Err(Error::shape(
                    format!("{role} {}", cx.describe(t)),
                    "1 element",
                    cx.shape(t),
                )),
            }
        };
        let (begin, end, stride) = (one(1, "begin")?, one(2, "end")?, one(3, "strides")?);
        if stride == 0 {
            return Err(Error::invalid("STRIDED_SLICE stride 0"));
        }
        let n = values.len() as i64;
        let norm = |v: i32| if v < 0 { v as i64 + n } else { v as i64 };
        let (lo, hi) = if stride > 0 { (0, n) } else { (-1, n - 1) };
        let start = if o.begin_mask & 1 != 0 {
            if stride > 0 {
                0
            } else {
                n - 1
            }
        } else {
            norm(begin).clamp(lo, hi)
        };
        let (result, shape) = if o.shrink_axis_mask & 1 != 0 {
            let b = norm(begin);
            if !(0..n).contains(&b) {
                return Err(Error::invalid(format!(
                    "STRIDED_SLICE index {begin} out of range for {n} values"
                )));
            }
            (vec![values[b as usize]], vec![])
        } else {
            let stop = if o.end_mask & 1 != 0 {
                if stride > 0 {
                    n
                } else {
                    -1
                }
            } else {
                norm(end).clamp(lo, hi)
            };
            let mut r = Vec::new();
            let mut i = start;
            while (stride > 0 && i < stop) || (stride < 0 && i > stop) {
                r.push(values[i as usize]);
                i += stride as i64;
            }
            let len = r.len() as i32;
            (r, vec![len])
        };
        cx.fold_output(out, shape, Buf::I32(result))?;
        Ok(Prepared::Folded)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.6.0",
            2 => "1.14.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1, 2, 3],
            ..QuantSpec::same_as_input(0)
        }
    }
}

/// PACK, for now along axis 0 of int32 values known at prepare time (Keras `Flatten`'s
/// `[batch, -1]`), folded.
pub struct Pack;

impl OpDef for Pack {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), PackOptions)?;
        let n_in = cx.num_inputs();
        if n_in == 0 || o.values_count as usize != n_in {
            return Err(Error::invalid(format!(
                "PACK values_count {} but {n_in} inputs",
                o.values_count
            )));
        }
        cx.expect_outputs(1..=1)?;
        let out = cx.output(0)?;
        cx.expect_dtype(out, "output", &[DType::I32])?;
        let first = cx.input(0, "values")?;
        let in_shape = cx.shape(first).to_vec();
        let rank = in_shape.len() as i32;
        let axis = if o.axis < 0 {
            o.axis + rank + 1
        } else {
            o.axis
        };
        if axis != 0 {
            return Err(Error::unsupported(format!(
                "PACK along axis {axis} (only axis 0 is supported)"
            )));
        }
        let mut values = Vec::new();
        for k in 0..n_in {
            let t = cx.input(k, "values")?;
            cx.expect_dtype(t, "input", &[DType::I32])?;
            if cx.shape(t) != in_shape {
                return Err(Error::shape(
                    format!("PACK input {}", cx.describe(t)),
                    &in_shape,
                    cx.shape(t),
                ));
            }
            values.extend_from_slice(cx.known_i32(t, "input")?);
        }
        let mut shape = vec![n_in as i32];
        shape.extend(&in_shape);
        cx.fold_output(out, shape, Buf::I32(values))?;
        Ok(Prepared::Folded)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.11.0",
            2 => "1.14.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        // All values and the output share one scale, as for CONCATENATION.
        QuantSpec {
            shared_scale: true,
            ..QuantSpec::calibrated()
        }
    }
}
