//! Slicing and stacking: SLICE, STRIDED_SLICE, SPLIT, SPLIT_V, UNPACK (each output a
//! strided view of the input), PACK (inputs interleaved along a new axis), CONCATENATION
//! (inputs joined along an existing axis), GATHER.
//!
//! The output shapes follow the TFLite kernels' `Prepare` (`slice.cc`, `strided_slice.cc`
//! with `strided_slice_logic.h`'s begin/end rules for masks, negative indices and strides,
//! ellipsis and new axes, `split.cc`, `split_v.cc`, `unpack.cc`, `pack.cc`,
//! `concatenation.cc`, `gather.cc`), and the values are copied by [`crate::kernels::movement`]. Slice
//! parameters (begin, end, strides, sizes, axes) must be known at prepare time (constants
//! or shape arithmetic); GATHER's indices may be computed. When the data inputs are known
//! too, the op is computed at prepare time (folded), which is how the int32 shape
//! arithmetic TF emits for Keras `Flatten` or TRANSPOSE_CONV's output shape is evaluated.
//! 8-bit outputs keep their input's scale and zero point.

use super::layout::{known_vec, same_buf, same_quant, ANY_DTYPE};
use super::{input_dtype, EvalCtx, Kernel, OpDef, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Op, Tensor};
use crate::interp::Buf;
use crate::kernels::movement::{self, StridedView, MAX_RANK};
use crate::options;

fn dims(shape: &[i32]) -> Vec<usize> {
    shape.iter().map(|&d| d.max(0) as usize).collect()
}

/// Copies view `v` of `x` into `out`.
fn copy_view(v: &StridedView, x: &Buf, out: &mut Buf) -> Result<()> {
    same_buf!(x, out, |a, b| {
        movement::strided_copy(v, a, b);
        Ok(())
    })
}

/// Every output `k` is view `views[k]` of input `x`.
struct Views {
    x: usize,
    views: Vec<StridedView>,
}

impl Kernel for Views {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let x = cx.tensors.buf(self.x);
        for (v, o) in self.views.iter().zip(cx.outputs.iter_mut()) {
            copy_view(v, x, o)?;
        }
        Ok(())
    }
}

/// Sets each output's shape; folds the views when the input is known, else returns them
/// as the kernel. `outs[k]` is output `k`'s (tensor, shape, view).
fn views_or_fold(
    cx: &mut PrepareCtx<'_>,
    x: usize,
    outs: Vec<(usize, Vec<i32>, StridedView)>,
) -> Result<Prepared> {
    if outs.iter().any(|(_, s, _)| s.len() > MAX_RANK) {
        return Err(Error::unsupported(format!(
            "{} with more than {MAX_RANK} dimensions",
            cx.op().name()
        )));
    }
    for (o, shape, _) in &outs {
        cx.set_output(*o, shape.clone())?;
    }
    if cx.is_const(x) {
        for (o, shape, v) in &outs {
            let mut value = cx.buf(*o).clone();
            copy_view(v, cx.buf(x), &mut value)?;
            cx.fold_output(*o, shape.clone(), value)?;
        }
        return Ok(Prepared::Folded);
    }
    Ok(Prepared::run(Views {
        x,
        views: outs.into_iter().map(|(_, _, v)| v).collect(),
    }))
}

/// The common checks of a one-input data op: dtype, every output of the input's dtype
/// and quantization.
fn data_input(cx: &PrepareCtx<'_>, k: usize) -> Result<(usize, DType)> {
    let x = cx.input(k, "input")?;
    let dt = cx.expect_dtype(x, "input", ANY_DTYPE)?;
    for j in 0..cx.num_outputs() {
        let o = cx.output(j)?;
        cx.expect_dtype(o, "output", &[dt])?;
        same_quant(cx, x, o)?;
    }
    Ok((x, dt))
}

/// A scalar (or one-element) int32 input known at prepare time.
fn known_scalar(cx: &PrepareCtx<'_>, k: usize, role: &str) -> Result<i32> {
    match known_vec(cx, k, role)?[..] {
        [v] => Ok(v),
        ref v => Err(Error::shape(
            format!("{} {role}", cx.op().name()),
            "one value",
            v,
        )),
    }
}

/// An axis in `[-rank, rank)` resolved to `[0, rank)`.
fn resolve_axis(axis: i32, rank: usize, what: &str) -> Result<usize> {
    let r = rank as i32;
    let a = if axis < 0 { axis + r } else { axis };
    if a < 0 || a >= r {
        return Err(Error::invalid(format!(
            "{what} axis {axis} is out of range for rank {rank}"
        )));
    }
    Ok(a as usize)
}

/// The view of `shape` taking `[lo, lo + n)` along `axis` (everything elsewhere).
fn axis_range(shape: &[usize], axis: usize, lo: usize, n: usize) -> StridedView {
    let begin: Vec<isize> = (0..shape.len())
        .map(|d| if d == axis { lo as isize } else { 0 })
        .collect();
    let mut count = shape.to_vec();
    count[axis] = n;
    StridedView::new(shape, &begin, &vec![1; shape.len()], &count)
}

fn first_input_rank(op: &Op, tensors: &[Tensor], k: usize) -> usize {
    op.inputs
        .get(k)
        .and_then(|&i| tensors.get(usize::try_from(i).ok()?))
        .map_or(0, |t| t.shape.len())
}

// ---------------------------------------------------------------------------------------

/// SLICE: `size[d]` values from `begin[d]` along every dimension (`size -1`: to the end).
pub struct Slice;

impl OpDef for Slice {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        5
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(3..=3)?;
        cx.expect_outputs(1..=1)?;
        let (x, _) = data_input(cx, 0)?;
        let out = cx.output(0)?;
        let begin = known_vec(cx, 1, "begin")?;
        let size = known_vec(cx, 2, "size")?;
        let shape = dims(cx.shape(x));
        let rank = shape.len();
        if begin.len() != rank || size.len() != rank {
            return Err(Error::shape(
                "SLICE begin and size",
                format!("{rank} values each"),
                format!("{} and {}", begin.len(), size.len()),
            ));
        }
        let mut count = Vec::with_capacity(rank);
        for d in 0..rank {
            let b = begin[d];
            let n = if size[d] == -1 {
                shape[d] as i32 - b
            } else {
                size[d]
            };
            if b < 0 || n < 0 || (b as i64 + n as i64) > shape[d] as i64 {
                return Err(Error::invalid(format!(
                    "SLICE begin {begin:?} size {size:?} exceeds the input shape {shape:?} \
                     (dimension {d})"
                )));
            }
            count.push(n as usize);
        }
        let b: Vec<isize> = begin.iter().map(|&v| v as isize).collect();
        let v = StridedView::new(&shape, &b, &vec![1; rank], &count);
        let out_shape = count.iter().map(|&d| d as i32).collect();
        views_or_fold(cx, x, vec![(out, out_shape, v)])
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        if first_input_rank(op, tensors, 0) > 4 {
            5
        } else if input_dtype(op, tensors, 0) == Some(DType::I8) {
            2
        } else {
            1
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 | 2 => "1.14.0",
            5 => "2.5.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1, 2],
            ..QuantSpec::same_as_input(0)
        }
    }
}

/// The per-axis plan of a strided slice: for every effective input axis, the start, the
/// stride, the count, and whether it is shrunk away.
#[derive(Debug, PartialEq)]
struct StridedPlan {
    /// The input shape with the new axes inserted (size 1).
    eff_shape: Vec<usize>,
    start: Vec<isize>,
    stride: Vec<isize>,
    count: Vec<usize>,
    shrink: Vec<bool>,
}

/// `strided_slice.cc`'s `BuildStridedSliceParams` + `ResizeOutputTensor` with
/// `strided_slice_logic.h`'s `StridedSliceStartForAxis` / `EndForAxis`.
#[allow(clippy::too_many_arguments)]
fn strided_plan(
    shape: &[usize],
    begin: &[i32],
    end: &[i32],
    strides: &[i32],
    begin_mask: u32,
    end_mask: u32,
    ellipsis_mask: u32,
    new_axis_mask: u32,
    shrink_axis_mask: u32,
) -> Result<StridedPlan> {
    let input_dims = shape.len();
    let begin_count = begin.len();
    if end.len() != begin_count || strides.len() != begin_count {
        return Err(Error::shape(
            "STRIDED_SLICE begin, end and strides",
            "the same number of values",
            format!("{}, {}, {}", begin.len(), end.len(), strides.len()),
        ));
    }
    let bit = |m: u32, i: usize| i < 32 && (m >> i) & 1 == 1;
    let num_add_axis = (0..begin_count)
        .filter(|&i| !bit(ellipsis_mask, i) && bit(new_axis_mask, i))
        .count();
    let eff = input_dims + num_add_axis;
    let (mut eff_ellipsis, mut eff_new_axis) = (0u64, 0u64);
    let (mut ellipsis_start, mut expanded) = (eff, 0usize);
    let mut i = 0;
    while i < eff {
        if bit(ellipsis_mask, i) {
            ellipsis_start = i;
            let end_idx = (i + 1).max(
                (i as isize + 1 + num_add_axis as isize + input_dims as isize
                    - begin_count as isize)
                    .clamp(0, eff as isize) as usize,
            );
            expanded = end_idx - ellipsis_start - 1;
            while i < end_idx {
                eff_ellipsis |= 1 << i;
                i += 1;
            }
            continue;
        }
        if i >= expanded && bit(new_axis_mask, i - expanded) {
            eff_new_axis |= 1 << i;
        }
        i += 1;
    }
    let mut p = StridedPlan {
        eff_shape: vec![1; eff],
        start: vec![0; eff],
        stride: vec![1; eff],
        count: vec![1; eff],
        shrink: vec![false; eff],
    };
    let (mut added_ellipsis, mut added_axes) = (0usize, 0usize);
    for i in 0..eff {
        let (mut b, mut e, mut s) = (0i64, 0i64, 1i64);
        let (mut bm, mut em, mut sh) = (false, false, false);
        if (eff_ellipsis >> i) & 1 == 1 {
            added_ellipsis = i.saturating_sub(ellipsis_start);
            bm = true;
            em = true;
            p.eff_shape[i] = shape[i - added_axes];
        } else if (eff_new_axis >> i) & 1 == 1 {
            e = 1;
            p.eff_shape[i] = 1;
            added_axes += 1;
        } else if i >= begin_count + expanded {
            bm = true;
            em = true;
            p.eff_shape[i] = shape[i - added_axes];
        } else {
            let orig = i - added_ellipsis;
            b = begin[orig] as i64;
            e = end[orig] as i64;
            s = strides[orig] as i64;
            bm = bit(begin_mask, orig);
            em = bit(end_mask, orig);
            sh = bit(shrink_axis_mask, orig);
            p.eff_shape[i] = shape[i - added_axes];
        }
        if s == 0 {
            return Err(Error::invalid(
                "STRIDED_SLICE stride value has to be non-zero",
            ));
        }
        let size = p.eff_shape[i] as i64;
        // StridedSliceStartForAxis.
        let mut start = if b < 0 { b + size } else { b };
        start = if s > 0 {
            start.clamp(0, size)
        } else {
            start.clamp(-1, size - 1)
        };
        if bm {
            start = if s > 0 { 0 } else { size - 1 };
        }
        // StridedSliceEndForAxis.
        let stop = if sh {
            if start >= size {
                start
            } else {
                start + 1
            }
        } else {
            let mut stop = if e < 0 { e + size } else { e };
            stop = if s > 0 {
                stop.clamp(0, size)
            } else {
                stop.clamp(-1, size - 1)
            };
            if em {
                stop = if s > 0 { size } else { -1 };
            }
            stop
        };
        let len = stop - start;
        let count = if (len < 0) != (s < 0) {
            0
        } else if s < 0 {
            (len + 1) / s + 1
        } else if len == 0 {
            0
        } else {
            (len - 1) / s + 1
        };
        p.start[i] = start.max(0) as isize;
        p.stride[i] = s as isize;
        p.count[i] = count as usize;
        p.shrink[i] = sh;
    }
    Ok(p)
}

/// STRIDED_SLICE (`begin`, `end`, `strides` int32 inputs; `begin_mask`, `end_mask`,
/// `ellipsis_mask`, `new_axis_mask`, `shrink_axis_mask`).
pub struct StridedSlice;

impl OpDef for StridedSlice {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        6
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), StridedSliceOptions)?;
        if o.offset {
            return Err(Error::unsupported("STRIDED_SLICE with offset = true"));
        }
        cx.expect_inputs(4..=4)?;
        cx.expect_outputs(1..=1)?;
        let (x, _) = data_input(cx, 0)?;
        let out = cx.output(0)?;
        let begin = known_vec(cx, 1, "begin")?;
        let end = known_vec(cx, 2, "end")?;
        let strides = known_vec(cx, 3, "strides")?;
        let shape = dims(cx.shape(x));
        let p = strided_plan(
            &shape,
            &begin,
            &end,
            &strides,
            o.begin_mask as u32,
            o.end_mask as u32,
            o.ellipsis_mask as u32,
            o.new_axis_mask as u32,
            o.shrink_axis_mask as u32,
        )?;
        let out_shape: Vec<i32> = (0..p.count.len())
            .filter(|&d| !p.shrink[d])
            .map(|d| p.count[d] as i32)
            .collect();
        let v = StridedView::new(&p.eff_shape, &p.start, &p.stride, &p.count);
        views_or_fold(cx, x, vec![(out, out_shape, v)])
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        if let Some(crate::graph::BuiltinOptions::StridedSliceOptions(o)) = &op.options {
            if o.ellipsis_mask != 0 || o.new_axis_mask != 0 {
                return 6;
            }
        }
        if first_input_rank(op, tensors, 0) > 4 {
            4
        } else if input_dtype(op, tensors, 0) == Some(DType::I8) {
            2
        } else {
            1
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.6.0",
            2 => "1.14.0",
            4 => "2.2.0",
            6 => "2.6.0",
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

/// SPLIT (axis input 0, data input 1, `num_splits` equal parts) and SPLIT_V (data input
/// 0, `size_splits` input 1 with at most one −1, axis input 2).
pub struct Split;

impl OpDef for Split {
    fn max_version(&self, code: BuiltinOperator) -> i32 {
        if code == BuiltinOperator::Split {
            3
        } else {
            2
        }
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let is_v = cx.op().code == BuiltinOperator::SplitV;
        let num = if is_v {
            options!(cx.op(), SplitVOptions)?.num_splits
        } else {
            options!(cx.op(), SplitOptions)?.num_splits
        };
        cx.expect_inputs(if is_v { 3..=3 } else { 2..=2 })?;
        let n_out = cx.num_outputs();
        if n_out == 0 || num as usize != n_out {
            return Err(Error::invalid(format!(
                "{} num_splits {num} but {n_out} outputs",
                cx.op().name()
            )));
        }
        let (x, _) = data_input(cx, if is_v { 0 } else { 1 })?;
        let axis = known_scalar(cx, if is_v { 2 } else { 0 }, "axis")?;
        let shape = dims(cx.shape(x));
        let a = resolve_axis(axis, shape.len(), cx.op().name())?;
        let total = shape[a];
        let sizes: Vec<usize> = if is_v {
            let given = known_vec(cx, 1, "size_splits")?;
            if given.len() != n_out {
                return Err(Error::shape(
                    "SPLIT_V size_splits",
                    format!("{n_out} values"),
                    &given,
                ));
            }
            let unknown: Vec<usize> = (0..n_out).filter(|&k| given[k] == -1).collect();
            let known: i64 = given.iter().filter(|&&s| s != -1).map(|&s| s as i64).sum();
            let bad = given.iter().any(|&s| s < -1) || unknown.len() > 1;
            let rest = total as i64 - known;
            if bad || rest < 0 || (unknown.is_empty() && rest != 0) {
                return Err(Error::invalid(format!(
                    "SPLIT_V size_splits {given:?} do not add up to {total} (axis {a})"
                )));
            }
            given
                .iter()
                .map(|&s| if s == -1 { rest as usize } else { s as usize })
                .collect()
        } else {
            if !total.is_multiple_of(n_out) {
                return Err(Error::shape(
                    format!("SPLIT of {} into {n_out} along axis {a}", cx.describe(x)),
                    format!("a dimension divisible by {n_out}"),
                    total,
                ));
            }
            vec![total / n_out; n_out]
        };
        let mut outs = Vec::with_capacity(n_out);
        let mut lo = 0;
        for (k, &n) in sizes.iter().enumerate() {
            let mut s: Vec<i32> = shape.iter().map(|&d| d as i32).collect();
            s[a] = n as i32;
            outs.push((cx.output(k)?, s, axis_range(&shape, a, lo, n)));
            lo += n;
        }
        views_or_fold(cx, x, outs)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        let data = if op.code == BuiltinOperator::Split {
            1
        } else {
            0
        };
        match input_dtype(op, tensors, data) {
            Some(DType::I8) => 2,
            Some(DType::I32) if op.code == BuiltinOperator::Split => 3,
            _ => 1,
        }
    }

    fn runtime_version(&self, code: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match (code, version) {
            (BuiltinOperator::Split, 1) => "1.5.0",
            (BuiltinOperator::Split, 2 | 3) => "1.14.0",
            (_, 1) => "1.13.1",
            (_, 2) => "2.3.0",
            _ => return None,
        })
    }

    fn quant(&self, op: &Op) -> QuantSpec {
        if op.code == BuiltinOperator::Split {
            QuantSpec {
                unquantized_inputs: vec![0],
                ..QuantSpec::same_as_input(1)
            }
        } else {
            QuantSpec {
                unquantized_inputs: vec![1, 2],
                ..QuantSpec::same_as_input(0)
            }
        }
    }
}

/// UNPACK: `num` outputs, the slices along `axis`, with that axis removed.
pub struct Unpack;

impl OpDef for Unpack {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), UnpackOptions)?;
        cx.expect_inputs(1..=1)?;
        let (x, _) = data_input(cx, 0)?;
        let shape = dims(cx.shape(x));
        let a = resolve_axis(o.axis, shape.len(), "UNPACK")?;
        let n = shape[a];
        if cx.num_outputs() != n || o.num as usize != n {
            return Err(Error::invalid(format!(
                "UNPACK of {} along axis {a} gives {n} outputs; the op has {} (num {})",
                cx.describe(x),
                cx.num_outputs(),
                o.num
            )));
        }
        let out_shape: Vec<i32> = shape
            .iter()
            .enumerate()
            .filter(|&(d, _)| d != a)
            .map(|(_, &v)| v as i32)
            .collect();
        let mut outs = Vec::with_capacity(n);
        for k in 0..n {
            outs.push((
                cx.output(k)?,
                out_shape.clone(),
                axis_range(&shape, a, k, 1),
            ));
        }
        views_or_fold(cx, x, outs)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::I8 | DType::U8) => 2,
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
        QuantSpec::same_as_input(0)
    }
}

/// CONCATENATION (Keras Concatenate): the inputs joined along `axis` in order
/// (`reference_ops::Concatenation`: per outer index, each input's `dims[axis] · inner`
/// values). int8 inputs must have the output's scale and zero point (concatenation.cc's
/// Prepare checks it; TF gives them one); uint8 inputs with other parameters are requantized
/// as `ConcatenationWithScaling` does (`round(x · (s_in · (1/s_out)) − zp_in · …) + zp_out`
/// in float). The fused activation must be NONE, as the kernel requires.
pub struct Concatenation;

struct ConcatKernel {
    inputs: Vec<usize>,
    /// Per input: its values per outer index (`dims[axis] · inner`).
    widths: Vec<usize>,
    outer: usize,
    /// uint8 inputs whose parameters differ from the output's: `(scale, bias)` per input
    /// (`None` for a plain copy), and the output zero point.
    rescale: Vec<Option<(f32, f32)>>,
    out_zp: i32,
}

impl ConcatKernel {
    fn run<'a>(&self, input: impl Fn(usize) -> &'a Buf, out: &mut Buf) -> Result<()> {
        let total: usize = self.widths.iter().sum();
        let mut offset = 0;
        for ((&t, &w), rs) in self.inputs.iter().zip(&self.widths).zip(&self.rescale) {
            match (rs, input(t), &mut *out) {
                (Some((scale, bias)), Buf::U8(x), Buf::U8(o)) => {
                    for k in 0..self.outer {
                        let src = &x[k * w..(k + 1) * w];
                        let dst = &mut o[k * total + offset..k * total + offset + w];
                        for (d, &v) in dst.iter_mut().zip(src) {
                            let q = (v as f32 * scale + bias).round() as i32 + self.out_zp;
                            *d = q.clamp(0, 255) as u8;
                        }
                    }
                }
                (_, x, o) => same_buf!(x, o, |a, b| {
                    movement::copy_into_columns(a, self.outer, w, b, total, offset);
                    Ok(())
                })?,
            }
            offset += w;
        }
        Ok(())
    }
}

impl Kernel for ConcatKernel {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let tensors = cx.tensors;
        self.run(|t| tensors.buf(t), &mut cx.outputs[0])
    }
}

impl OpDef for Concatenation {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), ConcatenationOptions)?;
        if super::activation(o.fused_activation_function)? != crate::graph::Activation::None {
            return Err(Error::unsupported(
                "CONCATENATION with a fused activation (the kernel requires NONE)".to_string(),
            ));
        }
        let n = cx.num_inputs();
        if n == 0 {
            return Err(Error::invalid("CONCATENATION without inputs".to_string()));
        }
        cx.expect_outputs(1..=1)?;
        let out = cx.output(0)?;
        let first = cx.input(0, "values")?;
        let dt = cx.expect_dtype(first, "input", ANY_DTYPE)?;
        cx.expect_dtype(out, "output", &[dt])?;
        let shape0 = cx.shape(first).to_vec();
        if shape0.is_empty() {
            return Err(Error::unsupported("CONCATENATION of scalars".to_string()));
        }
        let a = resolve_axis(o.axis, shape0.len(), "CONCATENATION")?;
        let out_q = if matches!(dt, DType::I8 | DType::U8) {
            Some(cx.per_tensor(out, "output")?)
        } else {
            None
        };
        let mut inputs = Vec::with_capacity(n);
        let mut rescale = Vec::with_capacity(n);
        let mut axis_sum = 0i32;
        for k in 0..n {
            let t = cx.input(k, "values")?;
            cx.expect_dtype(t, "input", &[dt])?;
            let s = cx.shape(t);
            let agrees = s.len() == shape0.len()
                && s.iter()
                    .zip(&shape0)
                    .enumerate()
                    .all(|(d, (x, y))| d == a || x == y);
            if !agrees {
                return Err(Error::shape(
                    format!(
                        "CONCATENATION input {k} {} (all dimensions but axis {a} equal to input \
                         0's)",
                        cx.describe(t)
                    ),
                    &shape0,
                    s,
                ));
            }
            axis_sum += s[a];
            rescale.push(match (dt, out_q) {
                (DType::I8, _) => {
                    same_quant(cx, t, out)?;
                    None
                }
                (DType::U8, Some((so, zo))) => {
                    let (si, zi) = cx.per_tensor(t, "input")?;
                    if (si, zi) == (so, zo) {
                        None
                    } else {
                        let scale = si * (1.0f32 / so);
                        Some((scale, -(zi as f32) * scale))
                    }
                }
                _ => None,
            });
            inputs.push(t);
        }
        let d = dims(&shape0);
        let outer: usize = d[..a].iter().product();
        let inner: usize = d[a + 1..].iter().product();
        let widths = inputs
            .iter()
            .map(|&t| cx.shape(t)[a].max(0) as usize * inner)
            .collect();
        let mut shape = shape0.clone();
        shape[a] = axis_sum;
        let k = ConcatKernel {
            inputs,
            widths,
            outer,
            rescale,
            out_zp: out_q.map_or(0, |q| q.1),
        };
        cx.set_output(out, shape.clone())?;
        if k.inputs.iter().all(|&t| cx.is_const(t)) {
            let mut value = cx.buf(out).clone();
            k.run(|t| cx.buf(t), &mut value)?;
            cx.fold_output(out, shape, value)?;
            return Ok(Prepared::Folded);
        }
        Ok(Prepared::run(k))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        // op_version.cc: float16 6, int4 5, uint32 4, int16 3, int8 2.
        match input_dtype(op, tensors, 0) {
            Some(DType::F16) => 6,
            Some(DType::I16) => 3,
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.5.0",
            2 => "1.14.0",
            3 => "2.3.0",
            6 => "2.23.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        // The operands' producers write in the output's scale (TF's same-scale rule).
        QuantSpec {
            shared_scale: true,
            ..QuantSpec::calibrated()
        }
    }
}

/// PACK: `values_count` inputs of one shape stacked along a new `axis`.
pub struct Pack;

struct PackKernel {
    inputs: Vec<usize>,
    outer: usize,
    inner: usize,
}

impl PackKernel {
    fn run<'a>(&self, input: impl Fn(usize) -> &'a Buf, out: &mut Buf) -> Result<()> {
        let n = self.inputs.len();
        for (k, &t) in self.inputs.iter().enumerate() {
            same_buf!(input(t), &mut *out, |a, b| {
                movement::copy_into_columns(
                    a,
                    self.outer,
                    self.inner,
                    b,
                    n * self.inner,
                    k * self.inner,
                );
                Ok(())
            })?;
        }
        Ok(())
    }
}

impl Kernel for PackKernel {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let tensors = cx.tensors;
        self.run(|t| tensors.buf(t), &mut cx.outputs[0])
    }
}

impl OpDef for Pack {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), PackOptions)?;
        let n = cx.num_inputs();
        if n == 0 || o.values_count as usize != n {
            return Err(Error::invalid(format!(
                "PACK values_count {} but {n} inputs",
                o.values_count
            )));
        }
        cx.expect_outputs(1..=1)?;
        let out = cx.output(0)?;
        let first = cx.input(0, "values")?;
        let dt = cx.expect_dtype(first, "input", ANY_DTYPE)?;
        cx.expect_dtype(out, "output", &[dt])?;
        let in_shape = cx.shape(first).to_vec();
        let a = resolve_axis(o.axis, in_shape.len() + 1, "PACK")?;
        let mut inputs = Vec::with_capacity(n);
        for k in 0..n {
            let t = cx.input(k, "values")?;
            cx.expect_dtype(t, "input", &[dt])?;
            if cx.shape(t) != in_shape {
                return Err(Error::shape(
                    format!("PACK input {}", cx.describe(t)),
                    &in_shape,
                    cx.shape(t),
                ));
            }
            same_quant(cx, t, out)?;
            inputs.push(t);
        }
        let d = dims(&in_shape);
        let outer: usize = d[..a].iter().product();
        let inner: usize = d[a..].iter().product();
        let mut shape = in_shape.clone();
        shape.insert(a, n as i32);
        let k = PackKernel {
            inputs,
            outer,
            inner,
        };
        cx.set_output(out, shape.clone())?;
        if k.inputs.iter().all(|&t| cx.is_const(t)) {
            let mut value = cx.buf(out).clone();
            k.run(|t| cx.buf(t), &mut value)?;
            cx.fold_output(out, shape, value)?;
            return Ok(Prepared::Folded);
        }
        Ok(Prepared::run(k))
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

/// GATHER: `params` (input 0) indexed along `axis` by int32 `indices` (input 1), with
/// `batch_dims` leading dimensions shared.
pub struct Gather;

struct GatherKernel {
    x: usize,
    indices: usize,
    batch: usize,
    outer: usize,
    axis_size: usize,
    inner: usize,
    per_batch: usize,
}

impl GatherKernel {
    fn run(&self, x: &Buf, idx: &Buf, out: &mut Buf) -> Result<()> {
        let idx = idx.i32()?;
        let r = same_buf!(x, out, |a, b| {
            Ok(movement::gather(
                a,
                self.batch,
                self.outer,
                self.axis_size,
                self.inner,
                idx,
                self.per_batch,
                b,
            ))
        })?;
        r.map_err(|i| {
            Error::invalid(format!(
                "GATHER index {i} is out of range [0, {})",
                self.axis_size
            ))
        })
    }
}

impl Kernel for GatherKernel {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let (x, i) = (cx.tensors.buf(self.x), cx.tensors.buf(self.indices));
        self.run(x, i, &mut cx.outputs[0])
    }
}

impl OpDef for Gather {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        5
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), GatherOptions)?;
        cx.expect_inputs(2..=2)?;
        cx.expect_outputs(1..=1)?;
        let (x, _) = data_input(cx, 0)?;
        let out = cx.output(0)?;
        let indices = cx.input(1, "indices")?;
        cx.expect_dtype(indices, "indices", &[DType::I32])?;
        let ps = dims(cx.shape(x));
        let is = dims(cx.shape(indices));
        let axis = resolve_axis(o.axis, ps.len(), "GATHER")?;
        let bd = if o.batch_dims < 0 {
            o.batch_dims + is.len() as i32
        } else {
            o.batch_dims
        };
        if bd < 0
            || bd as usize > axis
            || bd as usize > is.len()
            || ps[..bd as usize] != is[..bd as usize]
        {
            return Err(Error::invalid(format!(
                "GATHER batch_dims {} does not fit params {ps:?}, indices {is:?}, axis {axis}",
                o.batch_dims
            )));
        }
        let bd = bd as usize;
        let mut shape: Vec<i32> = ps[..axis].iter().map(|&d| d as i32).collect();
        shape.extend(is[bd..].iter().map(|&d| d as i32));
        shape.extend(ps[axis + 1..].iter().map(|&d| d as i32));
        let k = GatherKernel {
            x,
            indices,
            batch: ps[..bd].iter().product(),
            outer: ps[bd..axis].iter().product(),
            axis_size: ps[axis],
            inner: ps[axis + 1..].iter().product(),
            per_batch: is[bd..].iter().product(),
        };
        cx.set_output(out, shape.clone())?;
        if cx.is_const(x) && cx.is_const(indices) {
            let mut value = cx.buf(out).clone();
            k.run(cx.buf(x), cx.buf(indices), &mut value)?;
            cx.fold_output(out, shape, value)?;
            return Ok(Prepared::Folded);
        }
        Ok(Prepared::run(k))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        if let Some(crate::graph::BuiltinOptions::GatherOptions(o)) = &op.options {
            if o.batch_dims != 0 {
                return 5;
            }
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
            5 => "2.5.0",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(
        shape: &[usize],
        b: &[i32],
        e: &[i32],
        s: &[i32],
        masks: [u32; 5],
    ) -> (Vec<usize>, Vec<bool>) {
        let p = strided_plan(
            shape, b, e, s, masks[0], masks[1], masks[2], masks[3], masks[4],
        )
        .unwrap();
        (p.count, p.shrink)
    }

    #[test]
    fn strided_slice_shapes_as_tensorflow() {
        // c[:, ::-1, 1:5, :] on [1, 6, 6, 4] (begin/end masks on axes 0, 1, 3).
        let (c, _) = plan(
            &[1, 6, 6, 4],
            &[0, 0, 1, 0],
            &[0, 0, 5, 0],
            &[1, -1, 1, 1],
            [0b1011, 0b1011, 0, 0, 0],
        );
        assert_eq!(c, vec![1, 6, 4, 4]);
        // c[:, 2, :, ::2] (shrink axis 1).
        let (c, s) = plan(
            &[1, 6, 6, 4],
            &[0, 2, 0, 0],
            &[0, 3, 0, 0],
            &[1, 1, 1, 2],
            [0b1101, 0b1101, 0, 0, 0b0010],
        );
        assert_eq!((c, s), (vec![1, 1, 6, 2], vec![false, true, false, false]));
        // c[:, 5:0:-2, :, 3:0:-1]
        let (c, _) = plan(
            &[1, 6, 6, 4],
            &[0, 5, 0, 3],
            &[0, 0, 0, 0],
            &[1, -2, 1, -1],
            [0b0101, 0b0101, 0, 0, 0],
        );
        assert_eq!(c, vec![1, 3, 6, 3]);
        // x[..., 2] with an ellipsis (mask bit 0) on a rank-4 input.
        let (c, s) = plan(
            &[1, 6, 6, 4],
            &[0, 2],
            &[0, 3],
            &[1, 1],
            [0, 0, 0b01, 0, 0b10],
        );
        assert_eq!((c, s), (vec![1, 6, 6, 1], vec![false, false, false, true]));
        // x[:, None] : a new axis.
        let (c, _) = plan(&[3, 4], &[0, 0], &[0, 0], &[1, 1], [0b01, 0b01, 0, 0b10, 0]);
        assert_eq!(c, vec![3, 1, 4]);
        // The Flatten pattern: a 1-D int32 shape, shrink index 0.
        let (c, s) = plan(&[4], &[0], &[1], &[1], [0, 0, 0, 0, 1]);
        assert_eq!((c, s), (vec![1], vec![true]));
    }
}
