//! FULLY_CONNECTED: `y = act(x · Wᵀ + b)`, `x` `[batches, input_size]` (any shape whose
//! element count is a multiple of `input_size`), weights `[units, input_size]`, optional
//! bias `[units]`, output `[batches, units]` (or `x`'s shape with the last dim replaced
//! when `keep_num_dims`).
//!
//! Kernels: float32; int8 with per-tensor or per-channel weights (LiteRT's reference
//! `FullyConnectedPerChannel` requantizes in **double**, `RequantMode::Double`, which is
//! what `BUILTIN_REF` runs; the fixed-point form is kept for comparison); hybrid (float
//! input, int8 per-channel weights, float bias; TFLite's `EvalHybrid` with symmetric or
//! asymmetric input quantization).

use super::util::{
    fixed_multiplier, float_activation_range, quantized_activation_range, INT8_RANGE,
};
use super::{
    activation, input_dtype, BiasInput, EvalCtx, Kernel, OpDef, PrepareCtx, Prepared, QuantMode,
    QuantSpec, WeightInput,
};
use crate::error::{Error, Result};
use crate::graph::schema::{FullyConnectedOptionsWeightsFormat, TensorType};
use crate::graph::{BuiltinOperator, BuiltinOptions, DType, Op, Tensor};
use crate::interp::Buf;
use crate::kernels::{self, FcDims, HybridScratch, RequantMode};
use crate::options;
use crate::tflite::tensor_type_name;

/// FULLY_CONNECTED.
pub struct FullyConnected;

impl OpDef for FullyConnected {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        12
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let op = cx.op();
        let o = options!(op, FullyConnectedOptions)?;
        if o.weights_format != FullyConnectedOptionsWeightsFormat::Default {
            return Err(Error::unsupported(
                "weights_format SHUFFLED4x16INT8 (only DEFAULT is supported)",
            ));
        }
        if o.quantized_bias_type != TensorType::Float32 {
            // FLOAT32 (0) is the schema's "unset"; other values pick a bias type the
            // kernels here do not implement yet.
            return Err(Error::unsupported(format!(
                "quantized_bias_type {}",
                tensor_type_name(o.quantized_bias_type)
            )));
        }
        let act = activation(o.fused_activation_function)?;
        cx.expect_inputs(2..=3)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let w = cx.input(1, "weights")?;
        let b = cx.opt_input(2);
        let out = cx.output(0)?;
        let wshape = cx.shape(w).to_vec();
        if wshape.len() != 2 {
            return Err(Error::shape(
                format!("weights {}", cx.describe(w)),
                "rank 2 [units, input_size]",
                &wshape,
            ));
        }
        let (units, cols) = (wshape[0] as usize, wshape[1] as usize);
        if cols == 0 {
            return Err(Error::shape(
                format!("weights {}", cx.describe(w)),
                "input_size > 0",
                &wshape,
            ));
        }
        let xshape = cx.shape(x).to_vec();
        let input_size = cx.elements(x)?;
        if xshape.is_empty() || input_size % cols != 0 {
            return Err(Error::shape(
                format!(
                    "input {} of FULLY_CONNECTED with weights {wshape:?}",
                    cx.describe(x)
                ),
                format!("a multiple of {cols} elements"),
                &xshape,
            ));
        }
        let batches = input_size / cols;
        if let Some(b) = b {
            let n = cx.elements(b)?;
            if n != units {
                return Err(Error::shape(
                    format!("bias {}", cx.describe(b)),
                    format!("{units} elements"),
                    cx.shape(b),
                ));
            }
        }
        let out_shape = if o.keep_num_dims {
            if xshape.last().copied() != Some(cols as i32) {
                return Err(Error::shape(
                    format!("input {} with keep_num_dims", cx.describe(x)),
                    format!("last dimension {cols}"),
                    &xshape,
                ));
            }
            let mut s = xshape.clone();
            if let Some(l) = s.last_mut() {
                *l = units as i32;
            }
            s
        } else {
            vec![batches as i32, units as i32]
        };
        let dims = FcDims {
            batches,
            in_dim: cols,
            out_dim: units,
        };
        let xt = cx.expect_dtype(x, "input", &[DType::F32, DType::I8])?;
        let wt = cx.expect_dtype(w, "weights", &[DType::F32, DType::I8])?;
        let prepared = match (xt, wt) {
            (DType::F32, DType::F32) => {
                cx.expect_dtype(out, "output", &[DType::F32])?;
                if let Some(b) = b {
                    cx.expect_dtype(b, "bias", &[DType::F32])?;
                }
                Prepared::run(FcF32 {
                    x,
                    w,
                    b,
                    dims,
                    act: float_activation_range(act, "FULLY_CONNECTED")?,
                })
            }
            (DType::F32, DType::I8) => {
                // Hybrid (dynamic range): float activations, int8 weights, float bias.
                cx.expect_dtype(out, "output", &[DType::F32])?;
                if let Some(b) = b {
                    cx.expect_dtype(b, "bias", &[DType::F32])?;
                }
                if !cx.is_const(w) {
                    return Err(Error::unsupported(format!(
                        "hybrid FULLY_CONNECTED needs constant weights; {} is computed",
                        cx.describe(w)
                    )));
                }
                let (per_channel_scale, w_zp, _) = cx.weight_scales(w, units, 0)?;
                if w_zp != 0 {
                    return Err(Error::unsupported(format!(
                        "hybrid FULLY_CONNECTED with weight zero point {w_zp} (TFLite assumes \
                         symmetric weights)"
                    )));
                }
                let wd = cx
                    .buf(w)
                    .i8()
                    .map_err(|e| Error::invalid(format!("weights {}: {e}", cx.describe(w))))?;
                let row_sums = wd
                    .chunks_exact(cols)
                    .map(|r| r.iter().map(|&v| v as i32).sum())
                    .collect();
                Prepared::run(FcHybrid {
                    x,
                    w,
                    b,
                    dims,
                    per_channel_scale,
                    row_sums,
                    asymmetric: o.asymmetric_quantize_inputs,
                    act: float_activation_range(act, "FULLY_CONNECTED")?,
                    quantized: vec![0; batches * cols],
                    scaling_factors: vec![0.0; batches],
                    offsets: vec![0; batches],
                })
            }
            (DType::I8, DType::I8) => {
                cx.expect_dtype(out, "output", &[DType::I8])?;
                if let Some(b) = b {
                    cx.expect_dtype(b, "bias", &[DType::I32])?;
                }
                let (in_scale, in_zp) = cx.per_tensor(x, "input")?;
                let (out_scale, out_zp) = cx.per_tensor(out, "output")?;
                let (w_scales, w_zp, per_channel) = cx.weight_scales(w, units, 0)?;
                let what = format!("FULLY_CONNECTED op with output {}", cx.describe(out));
                let (mut multiplier, mut shift, mut scale) = (Vec::new(), Vec::new(), Vec::new());
                match cx.options().fc_requant {
                    RequantMode::FixedPoint => {
                        for &ws in &w_scales {
                            // PopulateConvolutionQuantizationParams (per channel) multiplies
                            // in double; GetQuantizedConvolutionMultipler (per tensor) takes
                            // the float product in_scale * w_scale first.
                            let real = if per_channel {
                                in_scale as f64 * ws as f64 / out_scale as f64
                            } else {
                                (in_scale * ws) as f64 / out_scale as f64
                            };
                            let (m, s) = fixed_multiplier(real, &what)?;
                            multiplier.push(m);
                            shift.push(s);
                        }
                    }
                    RequantMode::Double => {
                        scale = w_scales
                            .iter()
                            .map(|&ws| in_scale as f64 * ws as f64 / out_scale as f64)
                            .collect();
                    }
                }
                // Prepack the weights once (the table's layout: i16, channel blocks).
                let mut packed = vec![0i16; kernels::qs8_fc_packed_len(dims)];
                let packed_const = cx.is_const(w);
                if let (true, Buf::I8(wd)) = (packed_const, cx.buf(w)) {
                    (cx.kernels().qs8_fc_pack)(wd, -w_zp, dims, &mut packed);
                }
                Prepared::run(FcQs8 {
                    x,
                    w,
                    b,
                    dims,
                    input_offset: -in_zp,
                    weights_offset: -w_zp,
                    output_offset: out_zp,
                    act: quantized_activation_range(
                        act,
                        out_scale,
                        out_zp,
                        INT8_RANGE,
                        "FULLY_CONNECTED",
                    )?,
                    multiplier,
                    shift,
                    scale,
                    packed,
                    packed_const,
                    xs: vec![0; kernels::qs8_fc_scratch_len(dims)],
                })
            }
            (xt, wt) => {
                return Err(Error::unsupported(format!(
                    "FULLY_CONNECTED v{} with {} input and {} weights",
                    op.version,
                    xt.name(),
                    wt.name()
                )))
            }
        };
        cx.set_output(out, out_shape)?;
        Ok(prepared)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        let keep_num_dims = matches!(
            &op.options,
            Some(BuiltinOptions::FullyConnectedOptions(o)) if o.keep_num_dims
        );
        let asymmetric = matches!(
            &op.options,
            Some(BuiltinOptions::FullyConnectedOptions(o)) if o.asymmetric_quantize_inputs
        );
        // TFLite's op_version.cc: hybrid with per-channel weights 12, with asymmetrically
        // quantized inputs 9 (per-tensor weights: `disable_per_channel`), else 3.
        let per_channel = op
            .inputs
            .get(1)
            .and_then(|&w| usize::try_from(w).ok())
            .and_then(|w| tensors.get(w)?.quant.as_ref())
            .is_some_and(|q| q.scale.len() > 1);
        match (input_dtype(op, tensors, 0), input_dtype(op, tensors, 1)) {
            (Some(DType::F32), Some(DType::I8)) if per_channel => 12,
            (Some(DType::F32), Some(DType::I8)) if asymmetric => 9,
            (Some(DType::F32), Some(DType::I8)) => 3,
            (Some(DType::I8), Some(DType::I8)) => 4,
            (Some(DType::U8), Some(DType::U8)) => 1,
            _ if keep_num_dims => 5,
            _ => 1,
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.5.0",
            2 => "1.10.0",
            3 | 4 => "1.14.0",
            5 => "2.0.0",
            9 => "2.3.0",
            12 => "2.17.0",
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

    fn quantized_options(&self, op: &mut Op, mode: QuantMode) -> Result<()> {
        if mode == QuantMode::Hybrid {
            // TF's dynamic-range FULLY_CONNECTED quantizes its input asymmetrically.
            let mut o = options!(op, FullyConnectedOptions)?;
            o.asymmetric_quantize_inputs = true;
            op.options = Some(BuiltinOptions::FullyConnectedOptions(Box::new(o)));
        }
        Ok(())
    }
}

/// Float32 kernel (the calibrator's exact summation order: `f32_dot_generic`).
struct FcF32 {
    x: usize,
    w: usize,
    b: Option<usize>,
    dims: FcDims,
    act: (f32, f32),
}

impl Kernel for FcF32 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        let bias = self.b.map(|b| cx.tensors.f32(b)).transpose()?;
        let p = kernels::F32FcParams {
            act_min: self.act.0,
            act_max: self.act.1,
        };
        (cx.kernels.f32_fully_connected)(
            &p,
            cx.tensors.f32(self.x)?,
            cx.tensors.f32(self.w)?,
            bias,
            o,
            self.dims,
        );
        Ok(())
    }
}

/// int8 kernel on weights prepacked for the kernel table's `qs8_fc_packed`.
struct FcQs8 {
    x: usize,
    w: usize,
    b: Option<usize>,
    dims: FcDims,
    input_offset: i32,
    weights_offset: i32,
    output_offset: i32,
    act: (i32, i32),
    multiplier: Vec<i32>,
    shift: Vec<i32>,
    scale: Vec<f64>,
    /// Weights in the kernel table's packed layout (`qs8_fc_pack`), packed at prepare
    /// time when they are constant, else before each run.
    packed: Vec<i16>,
    packed_const: bool,
    /// Input scratch of `qs8_fc_packed` (`kernels::qs8_fc_scratch_len`).
    xs: Vec<i16>,
}

impl Kernel for FcQs8 {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].i8_mut()?;
        if !self.packed_const {
            (cx.kernels.qs8_fc_pack)(
                cx.tensors.i8(self.w)?,
                self.weights_offset,
                self.dims,
                &mut self.packed,
            );
        }
        let bias = self.b.map(|b| cx.tensors.i32(b)).transpose()?;
        let requant = if self.scale.is_empty() {
            kernels::Requantization::FixedPoint {
                multiplier: &self.multiplier,
                shift: &self.shift,
            }
        } else {
            kernels::Requantization::Double { scale: &self.scale }
        };
        let p = kernels::Qs8FcParams {
            input_offset: self.input_offset,
            weights_offset: self.weights_offset,
            output_offset: self.output_offset,
            act_min: self.act.0,
            act_max: self.act.1,
            requant,
        };
        (cx.kernels.qs8_fc_packed)(
            &p,
            cx.tensors.i8(self.x)?,
            &self.packed,
            bias,
            o,
            self.dims,
            &mut self.xs,
        );
        Ok(())
    }
}

/// Hybrid kernel: float input quantized per row, int8 weights, float output.
struct FcHybrid {
    x: usize,
    w: usize,
    b: Option<usize>,
    dims: FcDims,
    per_channel_scale: Vec<f32>,
    row_sums: Vec<i32>,
    asymmetric: bool,
    act: (f32, f32),
    quantized: Vec<i8>,
    scaling_factors: Vec<f32>,
    offsets: Vec<i32>,
}

impl Kernel for FcHybrid {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let o = cx.outputs[0].f32_mut()?;
        let bias = self.b.map(|b| cx.tensors.f32(b)).transpose()?;
        let p = kernels::HybridFcParams {
            per_channel_scale: &self.per_channel_scale,
            row_sums: &self.row_sums,
            asymmetric: self.asymmetric,
            act_min: self.act.0,
            act_max: self.act.1,
        };
        let mut scratch = HybridScratch {
            quantized: &mut self.quantized,
            scaling_factors: &mut self.scaling_factors,
            offsets: &mut self.offsets,
        };
        (cx.kernels.qs8_hybrid_fully_connected)(
            &p,
            cx.tensors.f32(self.x)?,
            cx.tensors.i8(self.w)?,
            bias,
            o,
            self.dims,
            &mut scratch,
        );
        Ok(())
    }
}
