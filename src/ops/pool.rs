//! 2-D pooling (NHWC): MAX_POOL_2D and AVERAGE_POOL_2D.
//!
//! Input `[N, H, W, C]`, output `[N, OH, OW, C]`; `Pool2DOptions` gives `filter_height` /
//! `filter_width`, the strides, SAME / VALID padding (TFLite `ComputePaddingHeightWidth`,
//! windows clipped to the image) and a fused activation (MaxPooling2D followed by ReLU is
//! written as MAX_POOL_2D + RELU). Kernels ([`crate::kernels::pool`]): float32 and int8 as
//! LiteRT's reference kernels. In int8 the output keeps its input's scale and zero point
//! (TFLite only debug-checks it: values are copied or averaged without rescaling); the fused
//! activation clamps at the output's quantized range.

use super::util::{float_activation_range, quantized_activation_range, INT8_RANGE};
use super::{activation, input_dtype, EvalCtx, Kernel, OpDef, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::schema::Padding;
use crate::graph::{BuiltinOperator, DType, Op, Tensor};
use crate::kernels::conv::conv_out_size;
use crate::kernels::pool::{self as k, PoolGeometry};
use crate::options;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Max,
    Average,
}

fn prepare(cx: &mut PrepareCtx<'_>, kind: Kind) -> Result<Prepared> {
    let what = match kind {
        Kind::Max => "MAX_POOL_2D",
        Kind::Average => "AVERAGE_POOL_2D",
    };
    let o = options!(cx.op(), Pool2DOptions)?;
    cx.expect_inputs(1..=1)?;
    cx.expect_outputs(1..=1)?;
    let x = cx.input(0, "input")?;
    let out = cx.output(0)?;
    let xs = cx.shape(x).to_vec();
    if xs.len() != 4 || xs[0] < 0 || xs[1..].iter().any(|&d| d <= 0) {
        return Err(Error::shape(
            format!("input {} of {what}", cx.describe(x)),
            "rank 4 [batches, height, width, channels] with positive sizes",
            &xs,
        ));
    }
    if o.stride_h <= 0 || o.stride_w <= 0 {
        return Err(Error::invalid(format!(
            "{what} stride {}x{}: strides must be positive",
            o.stride_h, o.stride_w
        )));
    }
    if o.filter_height <= 0 || o.filter_width <= 0 {
        return Err(Error::invalid(format!(
            "{what} filter {}x{}: the pool size must be positive",
            o.filter_height, o.filter_width
        )));
    }
    let same = o.padding == Padding::Same;
    let dim = |i: usize, f: i32, s: i32, name: &str| {
        conv_out_size(same, i, f as usize, s as usize, 1).ok_or_else(|| {
            Error::shape(
                format!(
                    "{what} input {} ({name}) with pool size {f}, stride {s}, padding {}",
                    cx.describe(x),
                    if same { "SAME" } else { "VALID" }
                ),
                "a window that fits the input",
                &xs,
            )
        })
    };
    let (out_h, pad_h) = dim(xs[1] as usize, o.filter_height, o.stride_h, "height")?;
    let (out_w, pad_w) = dim(xs[2] as usize, o.filter_width, o.stride_w, "width")?;
    let g = PoolGeometry {
        batches: xs[0] as usize,
        in_h: xs[1] as usize,
        in_w: xs[2] as usize,
        in_c: xs[3] as usize,
        out_h,
        out_w,
        out_c: xs[3] as usize,
        filter_h: o.filter_height as usize,
        filter_w: o.filter_width as usize,
        stride_h: o.stride_h as usize,
        stride_w: o.stride_w as usize,
        dilation_h: 1,
        dilation_w: 1,
        pad_h,
        pad_w,
    };
    let act = activation(o.fused_activation_function)?;
    let xt = cx.expect_dtype(x, "input", &[DType::F32, DType::I8])?;
    cx.expect_dtype(out, "output", &[xt])?;
    let prepared = if xt == DType::F32 {
        Prepared::run(PoolF32 {
            x,
            g,
            kind,
            act: float_activation_range(act, what)?,
        })
    } else {
        let (scale, zp) = cx.per_tensor(out, "output")?;
        cx.per_tensor(x, "input")?;
        Prepared::run(PoolQs8 {
            x,
            g,
            kind,
            act: quantized_activation_range(act, scale, zp, INT8_RANGE, what)?,
        })
    };
    cx.set_output(out, vec![xs[0], out_h as i32, out_w as i32, xs[3]])?;
    Ok(prepared)
}

fn version(op: &Op, tensors: &[Tensor]) -> i32 {
    match input_dtype(op, tensors, 0) {
        Some(DType::I16) => 3,
        Some(DType::I8) => 2,
        _ => 1,
    }
}

fn runtime_version(version: i32) -> Option<&'static str> {
    Some(match version {
        1 => "1.5.0",
        2 => "1.14.0",
        3 => "2.3.0",
        _ => return None,
    })
}

/// MAX_POOL_2D.
pub struct MaxPool2d;

impl OpDef for MaxPool2d {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }
    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        prepare(cx, Kind::Max)
    }
    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        version(op, tensors)
    }
    fn runtime_version(&self, _: BuiltinOperator, v: i32) -> Option<&'static str> {
        runtime_version(v)
    }
    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::same_as_input(0)
    }
}

/// AVERAGE_POOL_2D.
pub struct AveragePool2d;

impl OpDef for AveragePool2d {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }
    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        prepare(cx, Kind::Average)
    }
    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        version(op, tensors)
    }
    fn runtime_version(&self, _: BuiltinOperator, v: i32) -> Option<&'static str> {
        runtime_version(v)
    }
    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::same_as_input(0)
    }
}

struct PoolF32 {
    x: usize,
    g: PoolGeometry,
    kind: Kind,
    act: (f32, f32),
}

impl Kernel for PoolF32 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        let x = cx.tensors.f32(self.x)?;
        match self.kind {
            Kind::Max => k::f32_max_pool_generic(&self.g, x, o, self.act),
            Kind::Average => k::f32_average_pool_generic(&self.g, x, o, self.act),
        }
        Ok(())
    }
}

struct PoolQs8 {
    x: usize,
    g: PoolGeometry,
    kind: Kind,
    act: (i32, i32),
}

impl Kernel for PoolQs8 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].i8_mut()?;
        let x = cx.tensors.i8(self.x)?;
        match self.kind {
            Kind::Max => k::qs8_max_pool_generic(&self.g, x, o, self.act),
            Kind::Average => k::qs8_average_pool_generic(&self.g, x, o, self.act),
        }
        Ok(())
    }
}
