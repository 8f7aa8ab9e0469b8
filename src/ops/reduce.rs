//! Reductions over axes: MEAN, REDUCE_MAX, SUM (inputs: the data and an int32 `axis`
//! tensor known at prepare time; `ReducerOptions.keep_dims`).
//!
//! Axes follow `reduce.cc`'s `ResolveAxisForShape` (negative axes count from the end,
//! duplicates are ignored, out-of-range axes are an error) and `GetOutputShape`. The
//! kernels ([`crate::kernels::reduce`]) fold inputs in row-major order. REDUCE_MAX on 8-bit
//! values compares raw values (input and output share one scale and zero point, checked as
//! in `EvalType`); MEAN is the reference's `Mean` / `QuantizedMeanOrSum` (see the kernel
//! docs); 8-bit SUM rescales like LiteRT's builtin kernel (see the kernel docs for
//! why not the reference one).

use super::layout::known_vec;
use super::util::fixed_multiplier;
use super::{input_dtype, EvalCtx, Kernel, OpDef, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Op, Tensor};
use crate::interp::Buf;
use crate::kernels::movement::MAX_RANK;
use crate::kernels::reduce::{self as kr, QMeanParams, QSumParams, Reduction};
use crate::options;

/// `ResolveAxisForShape`: each axis in `[-rank, rank)` made non-negative, duplicates
/// dropped (first occurrence order kept).
pub fn resolve_axes(axes: &[i32], rank: usize, op: &str) -> Result<Vec<usize>> {
    let mut out: Vec<usize> = Vec::new();
    for &a in axes {
        let r = if a < 0 { a + rank as i32 } else { a };
        if r < 0 || r >= rank as i32 {
            return Err(Error::invalid(format!(
                "{op} axis {a} is out of range for rank {rank}"
            )));
        }
        if !out.contains(&(r as usize)) {
            out.push(r as usize);
        }
    }
    Ok(out)
}

/// `GetOutputShape`: the reduced dimensions set to 1 (`keep_dims`) or removed.
pub fn reduced_shape(shape: &[i32], axes: &[usize], keep_dims: bool) -> Vec<i32> {
    shape
        .iter()
        .enumerate()
        .filter_map(|(d, &v)| match (axes.contains(&d), keep_dims) {
            (true, true) => Some(1),
            (true, false) => None,
            (false, _) => Some(v),
        })
        .collect()
}

/// The common part: `(x, out, dtype, reduction, output shape)`.
fn prepare_reduction(
    cx: &mut PrepareCtx<'_>,
    allowed: &[DType],
) -> Result<(usize, usize, DType, Reduction, Vec<i32>)> {
    let keep = options!(cx.op(), ReducerOptions)?.keep_dims;
    cx.expect_inputs(2..=2)?;
    cx.expect_outputs(1..=1)?;
    let name = cx.op().name();
    let x = cx.input(0, "input")?;
    let out = cx.output(0)?;
    let dt = cx.expect_dtype(x, "input", allowed)?;
    cx.expect_dtype(out, "output", &[dt])?;
    let axes_raw = known_vec(cx, 1, "axis")?;
    let shape = cx.shape(x).to_vec();
    if shape.len() > MAX_RANK {
        return Err(Error::unsupported(format!(
            "{name} of a rank-{} tensor (up to {MAX_RANK} dimensions)",
            shape.len()
        )));
    }
    let axes = resolve_axes(&axes_raw, shape.len(), name)?;
    let dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    let r = Reduction::new(&dims, &axes);
    let out_shape = reduced_shape(&shape, &axes, keep);
    cx.set_output(out, out_shape.clone())?;
    Ok((x, out, dt, r, out_shape))
}

/// MEAN (Keras GlobalAveragePooling2D, `tf.reduce_mean`).
pub struct Mean;

struct MeanKernel {
    x: usize,
    r: Reduction,
    /// 8-bit: the rescaling and the int32 accumulators (one per output).
    q: Option<(QMeanParams, Vec<i32>)>,
}

impl Kernel for MeanKernel {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        match (cx.tensors.buf(self.x), &mut cx.outputs[0], &mut self.q) {
            (Buf::F32(x), Buf::F32(o), _) => kr::f32_reduce_mean_generic(&self.r, x, o),
            (Buf::I8(x), Buf::I8(o), Some((p, acc))) => {
                kr::qx8_reduce_mean_generic(&self.r, p, x, acc, o)
            }
            (Buf::U8(x), Buf::U8(o), Some((p, acc))) => {
                kr::qx8_reduce_mean_generic(&self.r, p, x, acc, o)
            }
            (x, o, _) => {
                return Err(Error::invalid(format!(
                    "MEAN on {} -> {}",
                    x.kind(),
                    o.kind()
                )))
            }
        }
        Ok(())
    }
}

impl OpDef for Mean {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (x, out, dt, r, _) = prepare_reduction(cx, &[DType::F32, DType::I8, DType::U8])?;
        let q = if dt == DType::F32 {
            None
        } else {
            let (si, zi) = cx.per_tensor(x, "input")?;
            let (so, zo) = cx.per_tensor(out, "output")?;
            // PrepareMeanOrSum: `(double)s_in / (double)s_out`, QuantizeMultiplier.
            let (m, sh) = fixed_multiplier(f64::from(si) / f64::from(so), "MEAN")?;
            Some((
                QMeanParams::new(zi, zo, m, sh, r.per_output),
                vec![0; r.out_len()],
            ))
        };
        Ok(Prepared::run(MeanKernel { x, r, q }))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::I16) => 3,
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.6.0",
            2 => "1.14.0",
            3 => "2.4.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1],
            ..QuantSpec::calibrated()
        }
    }
}

/// REDUCE_MAX.
pub struct ReduceMax;

struct ReduceMaxKernel {
    x: usize,
    r: Reduction,
}

impl Kernel for ReduceMaxKernel {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        match (cx.tensors.buf(self.x), &mut cx.outputs[0]) {
            (Buf::F32(x), Buf::F32(o)) => kr::f32_reduce_max_generic(&self.r, x, o),
            (Buf::I8(x), Buf::I8(o)) => kr::qx8_reduce_max_generic(&self.r, x, o),
            (Buf::U8(x), Buf::U8(o)) => kr::qx8_reduce_max_generic(&self.r, x, o),
            (x, o) => {
                return Err(Error::invalid(format!(
                    "REDUCE_MAX on {} -> {}",
                    x.kind(),
                    o.kind()
                )))
            }
        }
        Ok(())
    }
}

impl OpDef for ReduceMax {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (x, out, dt, r, _) = prepare_reduction(cx, &[DType::F32, DType::I8, DType::U8])?;
        if dt != DType::F32 {
            // EvalType: `TF_LITE_ENSURE_EQ` on input/output scale and zero point.
            super::layout::same_quant(cx, x, out)?;
        }
        Ok(Prepared::run(ReduceMaxKernel { x, r }))
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
        QuantSpec {
            unquantized_inputs: vec![1],
            ..QuantSpec::same_as_input(0)
        }
    }
}

/// SUM.
pub struct Sum;

struct SumKernel {
    x: usize,
    r: Reduction,
    /// 8-bit: the rescaling and the int32 accumulators (one per output).
    q: Option<(QSumParams, Vec<i32>)>,
}

impl Kernel for SumKernel {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        match (cx.tensors.buf(self.x), &mut cx.outputs[0], &mut self.q) {
            (Buf::F32(x), Buf::F32(o), _) => kr::f32_reduce_sum_generic(&self.r, x, o),
            (Buf::I8(x), Buf::I8(o), Some((p, acc))) => {
                kr::qx8_reduce_sum_generic(&self.r, p, x, acc, o)
            }
            (Buf::U8(x), Buf::U8(o), Some((p, acc))) => {
                kr::qx8_reduce_sum_generic(&self.r, p, x, acc, o)
            }
            (x, o, _) => {
                return Err(Error::invalid(format!(
                    "SUM on {} -> {}",
                    x.kind(),
                    o.kind()
                )))
            }
        }
        Ok(())
    }
}

impl OpDef for Sum {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let (x, out, dt, r, _) = prepare_reduction(cx, &[DType::F32, DType::I8, DType::U8])?;
        let q = if dt == DType::F32 {
            None
        } else {
            let (si, zi) = cx.per_tensor(x, "input")?;
            let (so, zo) = cx.per_tensor(out, "output")?;
            let p = QSumParams::new(si, zi, so, zo, r.per_output);
            Some((p, vec![0; r.out_len()]))
        };
        Ok(Prepared::run(SumKernel { x, r, q }))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.10.0",
            2 => "1.15.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1],
            ..QuantSpec::calibrated()
        }
    }
}
