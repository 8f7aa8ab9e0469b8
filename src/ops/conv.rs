//! Convolutions (NHWC): CONV_2D and DEPTHWISE_CONV_2D.
//!
//! - CONV_2D: input `[N, H, W, C]`, filter `[O, KH, KW, C / groups]` (grouped when the
//!   input depth is a multiple of the filter's), optional bias `[O]`, output
//!   `[N, OH, OW, O]`.
//! - DEPTHWISE_CONV_2D: filter `[1, KH, KW, C · depth_multiplier]`; output channel
//!   `c · depth_multiplier + m` reads input channel `c` (the multiplier is the ratio of the
//!   shapes, as TFLite computes it).
//!
//! `padding` SAME / VALID, `stride_*`, `dilation_*_factor` and the fused activation (NONE,
//! RELU, RELU6, RELU_N1_TO_1) as TFLite's `ComputePaddingHeightWidth` and
//! `CalculateActivationRange[Quantized]` define them. Kernels ([`crate::kernels::conv`],
//! LiteRT 2.3.0 `BUILTIN_REF`'s arithmetic): float32; int8 with per-channel (or per-tensor)
//! symmetric weights and int32 bias, requantized with the **fixed-point** multiplier
//! (`reference_integer_ops::ConvPerChannel` / `DepthwiseConvPerChannel` still use
//! `MultiplyByQuantizedMultiplier`; only FULLY_CONNECTED moved to double); hybrid (dynamic
//! range: float activations quantized per batch with `AsymmetricQuantizeFloats`, int8
//! per-channel weights, float bias; `reference_ops::HybridConvPerChannel` /
//! `DepthwiseConvHybridPerChannel`).

use super::util::{float_activation_range, quantized_activation_range, INT8_RANGE};
use super::{
    activation, input_dtype, BiasInput, EvalCtx, Kernel, OpDef, PrepareCtx, Prepared, QuantSpec,
    WeightInput,
};
use crate::error::{Error, Result};
use crate::graph::schema::{ActivationFunctionType, Padding};
use crate::graph::{BuiltinOperator, BuiltinOptions, DType, Op, Tensor};
use crate::kernels::conv::{self as k, ConvGeometry, Qs8ConvParams};
use crate::kernels::generic::f32_asymmetric_quantize_generic;
use crate::options;

use super::util::fixed_multiplier;

/// The window options shared by both ops.
struct Window {
    padding: Padding,
    stride: (i32, i32),
    dilation: (i32, i32),
    act: ActivationFunctionType,
}

/// Checks the input and filter shapes and computes the output geometry. `filter_hw` are
/// dims 1 and 2 of the filter, `out_c` the output depth.
fn geometry(
    cx: &PrepareCtx<'_>,
    x: usize,
    w: usize,
    win: &Window,
    out_c: usize,
    what: &str,
) -> Result<ConvGeometry> {
    let xs = cx.shape(x).to_vec();
    if xs.len() != 4 || xs[0] < 0 || xs[1..].iter().any(|&d| d <= 0) {
        return Err(Error::shape(
            format!("input {} of {what}", cx.describe(x)),
            "rank 4 [batches, height, width, channels] with positive sizes",
            &xs,
        ));
    }
    let ws = cx.shape(w);
    let (sh, sw) = win.stride;
    let (dh, dw) = win.dilation;
    if sh <= 0 || sw <= 0 {
        return Err(Error::invalid(format!(
            "{what} stride {sh}x{sw}: strides must be positive"
        )));
    }
    if dh <= 0 || dw <= 0 {
        return Err(Error::invalid(format!(
            "{what} dilation {dh}x{dw}: dilation factors must be positive"
        )));
    }
    let same = win.padding == Padding::Same;
    let (in_h, in_w) = (xs[1] as usize, xs[2] as usize);
    let (fh, fw) = (ws[1] as usize, ws[2] as usize);
    let out = |i: usize, f: usize, s: i32, d: i32, dim: &str| {
        k::conv_out_size(same, i, f, s as usize, d as usize).ok_or_else(|| {
            Error::shape(
                format!(
                    "{what} input {} ({dim}) with a {f}-wide kernel, stride {s}, dilation {d}, \
                     padding {}",
                    cx.describe(x),
                    if same { "SAME" } else { "VALID" }
                ),
                "a kernel that fits the (padded) input",
                &xs,
            )
        })
    };
    let (out_h, pad_h) = out(in_h, fh, sh, dh, "height")?;
    let (out_w, pad_w) = out(in_w, fw, sw, dw, "width")?;
    Ok(ConvGeometry {
        batches: xs[0] as usize,
        in_h,
        in_w,
        in_c: xs[3] as usize,
        out_h,
        out_w,
        out_c,
        filter_h: fh,
        filter_w: fw,
        stride_h: sh as usize,
        stride_w: sw as usize,
        dilation_h: dh as usize,
        dilation_w: dw as usize,
        pad_h,
        pad_w,
    })
}

/// The filter's shape, checked to be rank 4 with positive dims.
fn filter_shape(cx: &PrepareCtx<'_>, w: usize, layout: &str) -> Result<[usize; 4]> {
    let ws = cx.shape(w);
    if ws.len() != 4 || ws.iter().any(|&d| d <= 0) {
        return Err(Error::shape(
            format!("filter {}", cx.describe(w)),
            format!("rank 4 {layout} with positive sizes"),
            ws,
        ));
    }
    Ok([
        ws[0] as usize,
        ws[1] as usize,
        ws[2] as usize,
        ws[3] as usize,
    ])
}

/// Checks the bias (`out_c` elements of `dtype`).
fn check_bias(cx: &PrepareCtx<'_>, b: Option<usize>, out_c: usize, dtype: DType) -> Result<()> {
    if let Some(b) = b {
        cx.expect_dtype(b, "bias", &[dtype])?;
        if cx.elements(b)? != out_c {
            return Err(Error::shape(
                format!("bias {}", cx.describe(b)),
                format!("{out_c} elements"),
                cx.shape(b),
            ));
        }
    }
    Ok(())
}

/// Which convolution: CONV_2D (`filter_in_c`: the filter's input depth) or
/// DEPTHWISE_CONV_2D (`depth_multiplier`).
#[derive(Clone, Copy)]
enum Shape {
    Conv { filter_in_c: usize },
    Depthwise { depth_multiplier: usize },
}

/// Prepares either op once its geometry and shape are known.
fn prepare_kernel(
    cx: &mut PrepareCtx<'_>,
    what: &str,
    g: ConvGeometry,
    shape: Shape,
    act: ActivationFunctionType,
    axis: i32,
) -> Result<Prepared> {
    let act = activation(act)?;
    let x = cx.input(0, "input")?;
    let w = cx.input(1, "filter")?;
    let b = cx.opt_input(2);
    let out = cx.output(0)?;
    let xt = cx.expect_dtype(x, "input", &[DType::F32, DType::I8])?;
    let wt = cx.expect_dtype(w, "filter", &[DType::F32, DType::I8])?;
    let prepared = match (xt, wt) {
        (DType::F32, DType::F32) => {
            cx.expect_dtype(out, "output", &[DType::F32])?;
            check_bias(cx, b, g.out_c, DType::F32)?;
            Prepared::run(ConvF32 {
                x,
                w,
                b,
                g,
                shape,
                act: float_activation_range(act, what)?,
            })
        }
        (DType::F32, DType::I8) => {
            cx.expect_dtype(out, "output", &[DType::F32])?;
            check_bias(cx, b, g.out_c, DType::F32)?;
            let (w_scale, w_zp, per_channel) = cx.weight_scales(w, g.out_c, axis)?;
            if w_zp != 0 {
                return Err(Error::unsupported(format!(
                    "hybrid {what} with filter zero point {w_zp} (TFLite needs symmetric \
                     weights)"
                )));
            }
            let uniform = w_scale.windows(2).all(|p| p[0] == p[1]);
            let grouped = matches!(shape, Shape::Conv { filter_in_c } if filter_in_c != g.in_c);
            if matches!(shape, Shape::Conv { .. }) && !(per_channel && !uniform || grouped) {
                // TFLite runs this case with its optimized `HybridConv` (symmetric input
                // quantization, a GEMM) even under BUILTIN_REF; not implemented.
                return Err(Error::unsupported(format!(
                    "hybrid {what} with per-tensor filter scales (only per-channel hybrid \
                     convolutions, as TensorFlow writes them, are implemented)"
                )));
            }
            if matches!(shape, Shape::Depthwise { .. }) && !per_channel {
                return Err(Error::unsupported(format!(
                    "hybrid {what} with a per-tensor filter scale (TFLite requires one scale \
                     per output channel)"
                )));
            }
            Prepared::run(ConvHybrid {
                x,
                w,
                b,
                g,
                shape,
                act: float_activation_range(act, what)?,
                w_scale,
                xq: vec![0; g.input_len()],
                scaling_factors: vec![0.0; g.batches],
                offsets: vec![0; g.batches],
            })
        }
        (DType::I8, DType::I8) => {
            cx.expect_dtype(out, "output", &[DType::I8])?;
            check_bias(cx, b, g.out_c, DType::I32)?;
            let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
            let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
            let (w_scales, w_zp, _) = cx.weight_scales(w, g.out_c, axis)?;
            if w_zp != 0 {
                return Err(Error::unsupported(format!(
                    "int8 {what} with filter zero point {w_zp} (TFLite requires 0)"
                )));
            }
            let label = format!("{what} op with output {}", cx.describe(out));
            let mut multiplier = Vec::with_capacity(g.out_c);
            let mut shift = Vec::with_capacity(g.out_c);
            for &ws in &w_scales {
                // PopulateConvolutionQuantizationParams: in double, (in * w) / out.
                let real = in_scale as f64 * ws as f64 / out_scale as f64;
                let (m, s) = fixed_multiplier(real, &label)?;
                multiplier.push(m);
                shift.push(s);
            }
            Prepared::run(ConvQs8 {
                x,
                w,
                b,
                g,
                shape,
                input_offset: -in_zp,
                output_offset: out_zp,
                act: quantized_activation_range(act, out_scale, out_zp, INT8_RANGE, what)?,
                multiplier,
                shift,
            })
        }
        (xt, wt) => {
            return Err(Error::unsupported(format!(
                "{what} with {} input and {} filter",
                xt.name(),
                wt.name()
            )))
        }
    };
    cx.set_output(
        out,
        vec![
            g.batches as i32,
            g.out_h as i32,
            g.out_w as i32,
            g.out_c as i32,
        ],
    )?;
    Ok(prepared)
}

/// CONV_2D.
pub struct Conv2d;

impl OpDef for Conv2d {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        6
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), Conv2DOptions)?;
        if o.quantized_bias_type != crate::graph::schema::TensorType::Float32 {
            return Err(Error::unsupported(format!(
                "CONV_2D quantized_bias_type {}",
                crate::tflite::tensor_type_name(o.quantized_bias_type)
            )));
        }
        cx.expect_inputs(2..=3)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let w = cx.input(1, "filter")?;
        let [out_c, _, _, filter_in_c] =
            filter_shape(cx, w, "[out_channels, height, width, in_channels]")?;
        let win = Window {
            padding: o.padding,
            stride: (o.stride_h, o.stride_w),
            dilation: (o.dilation_h_factor, o.dilation_w_factor),
            act: o.fused_activation_function,
        };
        let g = geometry(cx, x, w, &win, out_c, "CONV_2D")?;
        if g.in_c == 0 || g.in_c % filter_in_c != 0 || out_c % (g.in_c / filter_in_c) != 0 {
            return Err(Error::shape(
                format!(
                    "input {} of CONV_2D with filter {}",
                    cx.describe(x),
                    cx.describe(w)
                ),
                format!(
                    "a channel count that is a multiple of the filter's {filter_in_c} (and \
                     divides its {out_c} output channels into equal groups)"
                ),
                cx.shape(x),
            ));
        }
        prepare_kernel(cx, "CONV_2D", g, Shape::Conv { filter_in_c }, win.act, 0)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        let grouped = (|| {
            let x = tensors.get(usize::try_from(*op.inputs.first()?).ok()?)?;
            let w = tensors.get(usize::try_from(*op.inputs.get(1)?).ok()?)?;
            let (c, fc) = (*x.shape.get(3)?, *w.shape.get(3)?);
            Some(c > 0 && fc > 0 && c != fc)
        })()
        .unwrap_or(false);
        if grouped {
            return 6;
        }
        match (input_dtype(op, tensors, 0), input_dtype(op, tensors, 1)) {
            (Some(DType::I16), Some(DType::I16)) => 4,
            (Some(DType::I8), Some(DType::I8)) => 3,
            (Some(DType::F32), Some(DType::I8)) => {
                if per_channel_filter(op, tensors) {
                    5
                } else {
                    2
                }
            }
            (Some(DType::I16), Some(DType::I8)) => 4,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.5.0",
            2 | 3 => "1.14.0",
            4 => "2.3.0",
            5 => "2.4.0",
            6 => "2.9.0",
            7 => "2.11.0",
            8 => "2.15.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            hybrid: true,
            weights: vec![WeightInput { input: 1, axis: 0 }],
            bias: Some(BiasInput {
                input: 2,
                activation: 0,
                weights: 1,
            }),
            ..QuantSpec::calibrated()
        }
    }
}

/// Whether `op`'s filter (input 1) has one scale per output channel.
fn per_channel_filter(op: &Op, tensors: &[Tensor]) -> bool {
    op.inputs
        .get(1)
        .and_then(|&i| tensors.get(usize::try_from(i).ok()?))
        .and_then(|t| t.quant.as_ref())
        .is_some_and(|q| q.scale.len() > 1)
}

/// DEPTHWISE_CONV_2D.
pub struct DepthwiseConv2d;

impl OpDef for DepthwiseConv2d {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        6
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), DepthwiseConv2DOptions)?;
        cx.expect_inputs(2..=3)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let w = cx.input(1, "filter")?;
        let [one, _, _, out_c] = filter_shape(cx, w, "[1, height, width, out_channels]")?;
        if one != 1 {
            return Err(Error::shape(
                format!("filter {} of DEPTHWISE_CONV_2D", cx.describe(w)),
                "[1, height, width, out_channels]",
                cx.shape(w),
            ));
        }
        let win = Window {
            padding: o.padding,
            stride: (o.stride_h, o.stride_w),
            dilation: (o.dilation_h_factor, o.dilation_w_factor),
            act: o.fused_activation_function,
        };
        let g = geometry(cx, x, w, &win, out_c, "DEPTHWISE_CONV_2D")?;
        if g.in_c == 0 || out_c % g.in_c != 0 {
            return Err(Error::shape(
                format!(
                    "input {} of DEPTHWISE_CONV_2D with filter {}",
                    cx.describe(x),
                    cx.describe(w)
                ),
                format!("a channel count dividing the filter's {out_c} output channels"),
                cx.shape(x),
            ));
        }
        let depth_multiplier = out_c / g.in_c;
        prepare_kernel(
            cx,
            "DEPTHWISE_CONV_2D",
            g,
            Shape::Depthwise { depth_multiplier },
            win.act,
            3,
        )
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match (input_dtype(op, tensors, 0), input_dtype(op, tensors, 1)) {
            (Some(DType::I16), Some(DType::I16)) => return 5,
            (Some(DType::F32), Some(DType::I8)) => {
                return if per_channel_filter(op, tensors) {
                    6
                } else {
                    4
                };
            }
            (Some(DType::I8), Some(DType::I8)) => return 3,
            _ => {}
        }
        match &op.options {
            Some(BuiltinOptions::DepthwiseConv2DOptions(o))
                if o.dilation_w_factor != 1 || o.dilation_h_factor != 1 =>
            {
                2
            }
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.5.0",
            2 => "1.12.0",
            3 => "1.14.0",
            4 => "2.2.0",
            5 | 6 => "2.3.0",
            7 => "2.11.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            hybrid: true,
            weights: vec![WeightInput { input: 1, axis: 3 }],
            bias: Some(BiasInput {
                input: 2,
                activation: 0,
                weights: 1,
            }),
            ..QuantSpec::calibrated()
        }
    }
}

/// Float32 kernel.
struct ConvF32 {
    x: usize,
    w: usize,
    b: Option<usize>,
    g: ConvGeometry,
    shape: Shape,
    act: (f32, f32),
}

impl Kernel for ConvF32 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        let x = cx.tensors.f32(self.x)?;
        let w = cx.tensors.f32(self.w)?;
        let bias = self.b.map(|b| cx.tensors.f32(b)).transpose()?;
        match self.shape {
            Shape::Conv { filter_in_c } => {
                k::f32_conv_generic(&self.g, filter_in_c, x, w, bias, o, self.act)
            }
            Shape::Depthwise { depth_multiplier } => {
                k::f32_depthwise_conv_generic(&self.g, depth_multiplier, x, w, bias, o, self.act)
            }
        }
        Ok(())
    }
}

/// int8 kernel (fixed-point per-channel requantization).
struct ConvQs8 {
    x: usize,
    w: usize,
    b: Option<usize>,
    g: ConvGeometry,
    shape: Shape,
    input_offset: i32,
    output_offset: i32,
    act: (i32, i32),
    multiplier: Vec<i32>,
    shift: Vec<i32>,
}

impl Kernel for ConvQs8 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].i8_mut()?;
        let x = cx.tensors.i8(self.x)?;
        let w = cx.tensors.i8(self.w)?;
        let bias = self.b.map(|b| cx.tensors.i32(b)).transpose()?;
        let p = Qs8ConvParams {
            input_offset: self.input_offset,
            output_offset: self.output_offset,
            act_min: self.act.0,
            act_max: self.act.1,
            multiplier: &self.multiplier,
            shift: &self.shift,
        };
        match self.shape {
            Shape::Conv { filter_in_c } => {
                k::qs8_conv_generic(&self.g, filter_in_c, &p, x, w, bias, o)
            }
            Shape::Depthwise { depth_multiplier } => {
                k::qs8_depthwise_conv_generic(&self.g, depth_multiplier, &p, x, w, bias, o)
            }
        }
        Ok(())
    }
}

/// Hybrid kernel: the float input quantized per batch, int8 per-channel filter.
struct ConvHybrid {
    x: usize,
    w: usize,
    b: Option<usize>,
    g: ConvGeometry,
    shape: Shape,
    act: (f32, f32),
    w_scale: Vec<f32>,
    xq: Vec<i8>,
    scaling_factors: Vec<f32>,
    offsets: Vec<i32>,
}

impl Kernel for ConvHybrid {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        let x = cx.tensors.f32(self.x)?;
        let w = cx.tensors.i8(self.w)?;
        let bias = self.b.map(|b| cx.tensors.f32(b)).transpose()?;
        let per_batch = self.g.in_h * self.g.in_w * self.g.in_c;
        for b in 0..self.g.batches {
            let r = b * per_batch..(b + 1) * per_batch;
            let (s, off) = f32_asymmetric_quantize_generic(&x[r.clone()], &mut self.xq[r]);
            self.scaling_factors[b] = s;
            self.offsets[b] = off;
        }
        let (g, xq, sf, off, ws) = (
            &self.g,
            &self.xq,
            &self.scaling_factors,
            &self.offsets,
            &self.w_scale,
        );
        match self.shape {
            Shape::Conv { filter_in_c } => {
                k::f32_hybrid_conv_generic(g, filter_in_c, xq, sf, off, w, ws, bias, o, self.act)
            }
            Shape::Depthwise { depth_multiplier } => k::f32_hybrid_depthwise_conv_generic(
                g,
                depth_multiplier,
                xq,
                sf,
                off,
                w,
                ws,
                bias,
                o,
                self.act,
            ),
        }
        Ok(())
    }
}
