//! Per-operator preparation: validation, shape propagation and the precomputation each
//! kernel needs (TFLite's `Prepare`). Every check that could fail at run time is done here,
//! so `invoke` cannot meet a malformed op.

use super::{Buf, Interpreter, Plan};
use crate::error::{Error, Result};
use crate::graph::{num_elements, Activation, DType, Op, OpKind, Tensor};
use crate::kernels::fixedpoint::{
    calculate_input_radius, preprocess_softmax_scaling, quantize_multiplier,
};
use crate::kernels::{self, FcDims, Qs8SoftmaxLut, Qs8SoftmaxParams, RequantMode};

/// Highest operator version whose semantics this interpreter implements.
fn max_version(kind: &OpKind) -> i32 {
    match kind {
        OpKind::FullyConnected { .. } => 12,
        OpKind::Softmax { .. } => 2,
        OpKind::Quantize => 2,
        OpKind::Dequantize => 4,
        OpKind::Relu => 3,
        OpKind::Reshape { .. } => 2,
        OpKind::Shape { .. } => 1,
        OpKind::StridedSlice { .. } => 4,
        OpKind::Pack { .. } => 2,
    }
}

/// Prepares `graph.ops[op_index]`: checks it, sets its output's shape and buffer, folds it
/// when its value is known now, and returns the run plan.
pub(super) fn prepare_op(
    it: &mut Interpreter,
    op_index: usize,
    available: &mut [bool],
) -> Result<Plan> {
    let op = it.graph.ops[op_index].clone();
    let max = max_version(&op.kind);
    if op.version < 1 || op.version > max {
        return Err(Error::unsupported(format!(
            "{} version {} (this interpreter implements versions 1..={max})",
            op.kind.name(),
            op.version
        )));
    }
    if op.outputs.len() != 1 {
        return Err(Error::invalid(format!(
            "expected 1 output, got {}",
            op.outputs.len()
        )));
    }
    let out = tensor_index(it, op.outputs[0])?
        .ok_or_else(|| Error::invalid("the output tensor index is -1"))?;
    if available[out] {
        return Err(Error::invalid(format!(
            "output tensor {out} ('{}') is a constant, a graph input or already computed",
            it.graph.tensors[out].name
        )));
    }
    let inputs = op
        .inputs
        .iter()
        .map(|&i| {
            let t = tensor_index(it, i)?;
            if let Some(t) = t {
                if !available[t] {
                    return Err(Error::invalid(format!(
                        "input tensor {t} ('{}') is not computed before this op",
                        it.graph.tensors[t].name
                    )));
                }
            }
            Ok(t)
        })
        .collect::<Result<Vec<_>>>()?;
    let plan = match &op.kind {
        OpKind::FullyConnected {
            activation,
            keep_num_dims,
            asymmetric_quantize_inputs,
        } => prepare_fc(
            it,
            &op,
            &inputs,
            out,
            *activation,
            *keep_num_dims,
            *asymmetric_quantize_inputs,
        )?,
        OpKind::Softmax { beta } => prepare_softmax(it, &inputs, out, *beta)?,
        OpKind::Relu => prepare_relu(it, &inputs, out)?,
        OpKind::Quantize => prepare_quantize(it, &inputs, out)?,
        OpKind::Dequantize => prepare_dequantize(it, &inputs, out)?,
        OpKind::Reshape { new_shape } => prepare_reshape(it, &inputs, out, new_shape.as_deref())?,
        OpKind::Shape { out_type } => prepare_shape(it, &inputs, out, *out_type)?,
        OpKind::StridedSlice {
            begin_mask,
            end_mask,
            ellipsis_mask,
            new_axis_mask,
            shrink_axis_mask,
            offset,
        } => {
            if *ellipsis_mask != 0 || *new_axis_mask != 0 || *offset {
                return Err(Error::unsupported(
                    "STRIDED_SLICE with ellipsis_mask, new_axis_mask or offset (only the 1-D int32 slice TF emits for Keras Flatten is supported)",
                ));
            }
            prepare_strided_slice(it, &inputs, out, *begin_mask, *end_mask, *shrink_axis_mask)?
        }
        OpKind::Pack { values_count, axis } => {
            prepare_pack(it, &inputs, out, *values_count, *axis)?
        }
    };
    available[out] = true;
    Ok(plan)
}

fn tensor_index(it: &Interpreter, i: i32) -> Result<Option<usize>> {
    if i < 0 {
        return Ok(None);
    }
    let i = i as usize;
    if i >= it.graph.tensors.len() {
        return Err(Error::format(format!(
            "tensor index {i} out of range ({} tensors)",
            it.graph.tensors.len()
        )));
    }
    Ok(Some(i))
}

fn expect_inputs(inputs: &[Option<usize>], range: std::ops::RangeInclusive<usize>) -> Result<()> {
    if !range.contains(&inputs.len()) {
        let want = if range.start() == range.end() {
            format!("{}", range.start())
        } else {
            format!("{} to {}", range.start(), range.end())
        };
        return Err(Error::invalid(format!(
            "expected {want} inputs, got {}",
            inputs.len()
        )));
    }
    Ok(())
}

fn required(inputs: &[Option<usize>], k: usize, what: &str) -> Result<usize> {
    inputs
        .get(k)
        .copied()
        .flatten()
        .ok_or_else(|| Error::invalid(format!("input {k} ({what}) is missing")))
}

fn tensor(it: &Interpreter, i: usize) -> &Tensor {
    &it.graph.tensors[i]
}

fn describe(it: &Interpreter, i: usize) -> String {
    format!("tensor {i} ('{}')", it.graph.tensors[i].name)
}

fn expect_dtype(it: &Interpreter, i: usize, role: &str, want: &[DType]) -> Result<DType> {
    let d = tensor(it, i).dtype;
    if want.contains(&d) {
        Ok(d)
    } else {
        let names: Vec<&str> = want.iter().map(|d| d.name()).collect();
        Err(Error::unsupported(format!(
            "{role} {} is {}, expected {}",
            describe(it, i),
            d.name(),
            names.join(" or ")
        )))
    }
}

fn elements(it: &Interpreter, i: usize) -> Result<usize> {
    num_elements(&it.slots[i].shape).ok_or_else(|| {
        Error::shape(
            describe(it, i),
            "non-negative dims whose product fits",
            &it.slots[i].shape,
        )
    })
}

/// Sets the output's shape and (re)allocates its buffer.
fn set_output(it: &mut Interpreter, out: usize, shape: Vec<i32>) -> Result<()> {
    let n = num_elements(&shape).ok_or_else(|| {
        Error::shape(
            format!("output {}", describe(it, out)),
            "valid dims",
            &shape,
        )
    })?;
    let dtype = it.graph.tensors[out].dtype;
    let slot = &mut it.slots[out];
    slot.shape = shape;
    slot.data.reset(dtype, n)?;
    if matches!(slot.data, Buf::Empty) && n > 0 {
        return Err(Error::unsupported(format!(
            "output {} has dtype {}, which this interpreter cannot store",
            describe(it, out),
            dtype.name()
        )));
    }
    Ok(())
}

/// Per-tensor `(scale, zero_point)`.
fn per_tensor(it: &Interpreter, i: usize, role: &str) -> Result<(f32, i32)> {
    let q = tensor(it, i)
        .quant
        .as_ref()
        .filter(|q| q.is_quantized())
        .ok_or_else(|| {
            Error::invalid(format!(
                "{role} {} has no quantization parameters",
                describe(it, i)
            ))
        })?;
    if q.scale.len() != 1 || q.zero_point.len() > 1 {
        return Err(Error::unsupported(format!(
            "{role} {} is quantized per channel ({} scales); expected per-tensor",
            describe(it, i),
            q.scale.len()
        )));
    }
    let zp = q.zero_point.first().copied().unwrap_or(0);
    let zp = i32::try_from(zp).map_err(|_| {
        Error::invalid(format!(
            "{role} {} zero point {zp} out of range",
            describe(it, i)
        ))
    })?;
    if !(q.scale[0].is_finite() && q.scale[0] > 0.0) {
        return Err(Error::invalid(format!(
            "{role} {} has scale {}, expected a positive finite number",
            describe(it, i),
            q.scale[0]
        )));
    }
    Ok((q.scale[0], zp))
}

/// Weight scales broadcast to `units` channels, plus the per-tensor zero point (0 for
/// per-channel weights, whose zero points TFLite ignores).
fn weight_scales(it: &Interpreter, w: usize, units: usize) -> Result<(Vec<f32>, i32, bool)> {
    let q = tensor(it, w)
        .quant
        .as_ref()
        .filter(|q| q.is_quantized())
        .ok_or_else(|| {
            Error::invalid(format!(
                "weights {} have no quantization parameters",
                describe(it, w)
            ))
        })?;
    let bad_scale = |s: f32| !(s.is_finite() && s >= 0.0);
    if q.scale.iter().any(|&s| bad_scale(s)) {
        return Err(Error::invalid(format!(
            "weights {} have a negative or non-finite scale",
            describe(it, w)
        )));
    }
    if q.scale.len() == 1 {
        let zp = q.zero_point.first().copied().unwrap_or(0);
        let zp = i32::try_from(zp).map_err(|_| {
            Error::invalid(format!(
                "weights {} zero point {zp} out of range",
                describe(it, w)
            ))
        })?;
        return Ok((vec![q.scale[0]; units], zp, false));
    }
    if q.scale.len() != units || q.quantized_dimension != 0 {
        return Err(Error::shape(
            format!("per-channel scales of weights {}", describe(it, w)),
            format!("{units} scales along dimension 0"),
            format!(
                "{} scales along dimension {}",
                q.scale.len(),
                q.quantized_dimension
            ),
        ));
    }
    Ok((q.scale.clone(), 0, true))
}

/// TFLite `CalculateActivationRange` (float).
fn float_activation_range(a: Activation) -> Result<(f32, f32)> {
    Ok(match a {
        Activation::None => (f32::MIN, f32::MAX),
        Activation::Relu => (0.0, f32::MAX),
        Activation::ReluN1To1 => (-1.0, 1.0),
        Activation::Relu6 => (0.0, 6.0),
        Activation::Tanh => {
            return Err(Error::unsupported(
                "fused activation TANH on FULLY_CONNECTED",
            ));
        }
    })
}

/// TFLite `CalculateActivationRangeQuantized` for int8: the clamp bounds are
/// `zp + (int)round(f / scale)` (float division) intersected with [-128, 127].
fn quantized_activation_range(a: Activation, scale: f32, zp: i32) -> Result<(i32, i32)> {
    let q = |f: f32| -> Result<i32> {
        let t = (f / scale).round();
        if !(t >= i32::MIN as f32 && t <= i32::MAX as f32) {
            return Err(Error::invalid(format!(
                "activation bound {f} overflows int32 at scale {scale}"
            )));
        }
        Ok(zp.saturating_add(t as i32))
    };
    let (qmin, qmax) = (-128, 127);
    Ok(match a {
        Activation::None => (qmin, qmax),
        Activation::Relu => (qmin.max(q(0.0)?), qmax),
        Activation::Relu6 => (qmin.max(q(0.0)?), qmax.min(q(6.0)?)),
        Activation::ReluN1To1 => (qmin.max(q(-1.0)?), qmax.min(q(1.0)?)),
        Activation::Tanh => {
            return Err(Error::unsupported(
                "fused activation TANH on int8 FULLY_CONNECTED",
            ))
        }
    })
}

fn fixed_multiplier(real: f64, what: &str) -> Result<(i32, i32)> {
    let (m, s) = quantize_multiplier(real).ok_or_else(|| {
        Error::invalid(format!(
            "{what}: requantization multiplier {real} is not finite"
        ))
    })?;
    if s > 30 {
        return Err(Error::unsupported(format!(
            "{what}: requantization multiplier {real} is too large (shift {s} > 30)"
        )));
    }
    Ok((m, s))
}

#[allow(clippy::too_many_arguments)]
fn prepare_fc(
    it: &mut Interpreter,
    op: &Op,
    inputs: &[Option<usize>],
    out: usize,
    activation: Activation,
    keep_num_dims: bool,
    asymmetric: bool,
) -> Result<Plan> {
    expect_inputs(inputs, 2..=3)?;
    let x = required(inputs, 0, "input")?;
    let w = required(inputs, 1, "weights")?;
    let b = inputs.get(2).copied().flatten();
    let wshape = it.slots[w].shape.clone();
    if wshape.len() != 2 {
        return Err(Error::shape(
            format!("weights {}", describe(it, w)),
            "rank 2 [units, input_size]",
            &wshape,
        ));
    }
    let (units, cols) = (wshape[0] as usize, wshape[1] as usize);
    if cols == 0 {
        return Err(Error::shape(
            format!("weights {}", describe(it, w)),
            "input_size > 0",
            &wshape,
        ));
    }
    let xshape = it.slots[x].shape.clone();
    let input_size = elements(it, x)?;
    if xshape.is_empty() || input_size % cols != 0 {
        return Err(Error::shape(
            format!(
                "input {} of FULLY_CONNECTED with weights {wshape:?}",
                describe(it, x)
            ),
            format!("a multiple of {cols} elements"),
            &xshape,
        ));
    }
    let batches = input_size / cols;
    if let Some(b) = b {
        let n = elements(it, b)?;
        if n != units {
            return Err(Error::shape(
                format!("bias {}", describe(it, b)),
                format!("{units} elements"),
                &it.slots[b].shape,
            ));
        }
    }
    let out_shape = if keep_num_dims {
        if xshape.last().copied() != Some(cols as i32) {
            return Err(Error::shape(
                format!("input {} with keep_num_dims", describe(it, x)),
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
    let xt = expect_dtype(it, x, "input", &[DType::F32, DType::I8])?;
    let wt = expect_dtype(it, w, "weights", &[DType::F32, DType::I8])?;
    let plan = match (xt, wt) {
        (DType::F32, DType::F32) => {
            expect_dtype(it, out, "output", &[DType::F32])?;
            if let Some(b) = b {
                expect_dtype(it, b, "bias", &[DType::F32])?;
            }
            Plan::FcF32 {
                x,
                w,
                b,
                out,
                dims,
                act: float_activation_range(activation)?,
            }
        }
        (DType::F32, DType::I8) => {
            // Hybrid (dynamic range): float activations, int8 weights, float bias.
            expect_dtype(it, out, "output", &[DType::F32])?;
            if let Some(b) = b {
                expect_dtype(it, b, "bias", &[DType::F32])?;
            }
            if !it.slots[w].is_const {
                return Err(Error::unsupported(format!(
                    "hybrid FULLY_CONNECTED needs constant weights; {} is computed",
                    describe(it, w)
                )));
            }
            let (per_channel_scale, w_zp, _) = weight_scales(it, w, units)?;
            if w_zp != 0 {
                return Err(Error::unsupported(format!(
                    "hybrid FULLY_CONNECTED with weight zero point {w_zp} (TFLite assumes symmetric weights)"
                )));
            }
            let Buf::I8(wd) = &it.slots[w].data else {
                return Err(Error::invalid(format!(
                    "weights {} hold no int8 data",
                    describe(it, w)
                )));
            };
            let row_sums = wd
                .chunks_exact(cols)
                .map(|r| r.iter().map(|&v| v as i32).sum())
                .collect();
            Plan::FcHybrid {
                x,
                w,
                b,
                out,
                dims,
                per_channel_scale,
                row_sums,
                asymmetric,
                act: float_activation_range(activation)?,
                quantized: vec![0; batches * cols],
                scaling_factors: vec![0.0; batches],
                offsets: vec![0; batches],
            }
        }
        (DType::I8, DType::I8) => {
            expect_dtype(it, out, "output", &[DType::I8])?;
            if let Some(b) = b {
                expect_dtype(it, b, "bias", &[DType::I32])?;
            }
            let (in_scale, in_zp) = per_tensor(it, x, "input")?;
            let (out_scale, out_zp) = per_tensor(it, out, "output")?;
            let (w_scales, w_zp, per_channel) = weight_scales(it, w, units)?;
            let what = format!("FULLY_CONNECTED op with output {}", describe(it, out));
            let (mut multiplier, mut shift, mut scale) = (Vec::new(), Vec::new(), Vec::new());
            match it.options.fc_requant {
                RequantMode::FixedPoint => {
                    for &ws in &w_scales {
                        // PopulateConvolutionQuantizationParams (per channel) multiplies in
                        // double; GetQuantizedConvolutionMultipler (per tensor) takes the
                        // float product in_scale * w_scale first.
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
            let packed_const = it.slots[w].is_const;
            if let (true, Buf::I8(wd)) = (packed_const, &it.slots[w].data) {
                (it.kernels.qs8_fc_pack)(wd, -w_zp, dims, &mut packed);
            }
            Plan::FcQs8 {
                x,
                w,
                b,
                out,
                dims,
                input_offset: -in_zp,
                weights_offset: -w_zp,
                output_offset: out_zp,
                act: quantized_activation_range(activation, out_scale, out_zp)?,
                multiplier,
                shift,
                scale,
                packed,
                packed_const,
                xs: vec![0; kernels::qs8_fc_scratch_len(dims)],
            }
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
    set_output(it, out, out_shape)?;
    Ok(plan)
}

fn outer_and_depth(it: &Interpreter, x: usize) -> Result<(usize, usize)> {
    let shape = &it.slots[x].shape;
    let depth = *shape
        .last()
        .ok_or_else(|| Error::shape(format!("input {}", describe(it, x)), "rank >= 1", shape))?
        as usize;
    let n = elements(it, x)?;
    Ok((n.checked_div(depth).unwrap_or(0), depth))
}

fn prepare_softmax(
    it: &mut Interpreter,
    inputs: &[Option<usize>],
    out: usize,
    beta: f32,
) -> Result<Plan> {
    expect_inputs(inputs, 1..=1)?;
    let x = required(inputs, 0, "input")?;
    let (outer, depth) = outer_and_depth(it, x)?;
    let xt = expect_dtype(it, x, "input", &[DType::F32, DType::I8])?;
    expect_dtype(it, out, "output", &[xt])?;
    let plan = if xt == DType::F32 {
        Plan::SoftmaxF32 {
            x,
            out,
            outer,
            depth,
            beta,
        }
    } else {
        let (in_scale, _) = per_tensor(it, x, "input")?;
        let (out_scale, out_zp) = per_tensor(it, out, "output")?;
        if out_zp != -128 || (out_scale - 1.0 / 256.0).abs() > 0.001 / 256.0 {
            return Err(Error::unsupported(format!(
                "int8 SOFTMAX output must have scale 1/256 and zero point -128, got {out_scale} and {out_zp}"
            )));
        }
        const SCALED_DIFF_INTEGER_BITS: i32 = 5;
        let (input_multiplier, input_left_shift) =
            preprocess_softmax_scaling(beta as f64, in_scale as f64, SCALED_DIFF_INTEGER_BITS).ok_or_else(|| {
                Error::unsupported(format!(
                    "int8 SOFTMAX with beta {beta} and input scale {in_scale}: multiplier beta*scale*2^26 must exceed 1"
                ))
            })?;
        let diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, input_left_shift, 31);
        Plan::SoftmaxQs8 {
            x,
            out,
            outer,
            depth,
            lut: Box::new(Qs8SoftmaxLut::new(&Qs8SoftmaxParams {
                input_multiplier,
                input_left_shift,
                diff_min,
            })),
        }
    };
    let shape = it.slots[x].shape.clone();
    set_output(it, out, shape)?;
    Ok(plan)
}

fn prepare_relu(it: &mut Interpreter, inputs: &[Option<usize>], out: usize) -> Result<Plan> {
    expect_inputs(inputs, 1..=1)?;
    let x = required(inputs, 0, "input")?;
    let xt = expect_dtype(it, x, "input", &[DType::F32, DType::I8, DType::U8])?;
    expect_dtype(it, out, "output", &[xt])?;
    let plan = if xt == DType::F32 {
        Plan::ReluF32 { x, out }
    } else {
        let (in_scale, in_zp) = per_tensor(it, x, "input")?;
        let (out_scale, out_zp) = per_tensor(it, out, "output")?;
        // ReluPrepare: `double real_multiplier = input->params.scale / output->params.scale`
        // divides in float.
        let (multiplier, shift) = fixed_multiplier((in_scale / out_scale) as f64, "RELU")?;
        let (tmin, tmax) = if xt == DType::I8 {
            (-128, 127)
        } else {
            (0, 255)
        };
        let act = (
            tmin.max(out_zp.saturating_add((0.0f32 / out_scale).round() as i32)),
            tmax,
        );
        Plan::ReluQ8 {
            x,
            out,
            in_zp,
            out_zp,
            multiplier,
            shift,
            act,
        }
    };
    let shape = it.slots[x].shape.clone();
    set_output(it, out, shape)?;
    Ok(plan)
}

fn prepare_quantize(it: &mut Interpreter, inputs: &[Option<usize>], out: usize) -> Result<Plan> {
    expect_inputs(inputs, 1..=1)?;
    let x = required(inputs, 0, "input")?;
    let xt = expect_dtype(it, x, "input", &[DType::F32, DType::I8, DType::U8])?;
    expect_dtype(it, out, "output", &[DType::I8, DType::U8])?;
    let (out_scale, out_zp) = per_tensor(it, out, "output")?;
    let plan = if xt == DType::F32 {
        Plan::QuantizeF32 {
            x,
            out,
            scale: out_scale,
            zero_point: out_zp,
        }
    } else {
        let (in_scale, in_zp) = per_tensor(it, x, "input")?;
        let (multiplier, shift) =
            fixed_multiplier(in_scale as f64 / out_scale as f64, "QUANTIZE (requantize)")?;
        Plan::Requantize {
            x,
            out,
            multiplier,
            shift,
            in_zp,
            out_zp,
        }
    };
    let shape = it.slots[x].shape.clone();
    set_output(it, out, shape)?;
    Ok(plan)
}

fn prepare_dequantize(it: &mut Interpreter, inputs: &[Option<usize>], out: usize) -> Result<Plan> {
    expect_inputs(inputs, 1..=1)?;
    let x = required(inputs, 0, "input")?;
    let xt = expect_dtype(it, x, "input", &[DType::F16, DType::I8, DType::U8])?;
    expect_dtype(it, out, "output", &[DType::F32])?;
    let shape = it.slots[x].shape.clone();
    set_output(it, out, shape)?;
    if xt == DType::F16 {
        if it.slots[x].is_const {
            // Constant float16 weights: convert once, here.
            let Buf::F16(src) = &it.slots[x].data else {
                return Err(Error::invalid(format!(
                    "{} holds no float16 data",
                    describe(it, x)
                )));
            };
            let converted: Vec<f32> = src.iter().map(|v| v.to_f32()).collect();
            it.slots[out].data = Buf::F32(converted);
            it.slots[out].is_const = true;
            return Ok(Plan::Folded);
        }
        return Ok(Plan::DequantizeF16 { x, out });
    }
    let (scale, zero_point) = per_tensor(it, x, "input")?;
    Ok(Plan::DequantizeQ8 {
        x,
        out,
        scale: scale as f64,
        zero_point,
    })
}

/// Int32 values known at prepare time (a constant or a folded shape computation).
fn known_i32(it: &Interpreter, i: usize, role: &str) -> Result<Vec<i32>> {
    match (&it.slots[i].data, it.slots[i].is_const) {
        (Buf::I32(v), true) => Ok(v.clone()),
        _ => Err(Error::unsupported(format!(
            "{role} {} must be an int32 value known before running (a constant or a shape computation)",
            describe(it, i)
        ))),
    }
}

fn prepare_reshape(
    it: &mut Interpreter,
    inputs: &[Option<usize>],
    out: usize,
    new_shape: Option<&[i32]>,
) -> Result<Plan> {
    expect_inputs(inputs, 1..=2)?;
    let x = required(inputs, 0, "input")?;
    let xt = tensor(it, x).dtype;
    expect_dtype(it, out, "output", &[xt])?;
    let requested: Vec<i32> = match inputs.get(1).copied().flatten() {
        Some(s) => known_i32(it, s, "shape input")?,
        None => match new_shape {
            Some(s) => s.to_vec(),
            None => it.graph.tensors[out].shape.clone(),
        },
    };
    let n = elements(it, x)?;
    let mut shape = requested.clone();
    let wild: Vec<usize> = shape
        .iter()
        .enumerate()
        .filter(|(_, &d)| d == -1)
        .map(|(k, _)| k)
        .collect();
    let bad = || {
        Error::shape(
            format!("RESHAPE of {} ({n} elements)", describe(it, x)),
            &requested,
            &it.slots[x].shape,
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
    set_output(it, out, shape)?;
    if it.slots[x].is_const {
        let src = it.slots[x].data.clone();
        super::copy_buf(&src, &mut it.slots[out].data)?;
        it.slots[out].is_const = true;
        return Ok(Plan::Folded);
    }
    Ok(Plan::Copy { x, out })
}

fn prepare_shape(
    it: &mut Interpreter,
    inputs: &[Option<usize>],
    out: usize,
    out_type: DType,
) -> Result<Plan> {
    expect_inputs(inputs, 1..=1)?;
    let x = required(inputs, 0, "input")?;
    if out_type != DType::I32 {
        return Err(Error::unsupported(format!(
            "SHAPE with out_type {}",
            out_type.name()
        )));
    }
    expect_dtype(it, out, "output", &[DType::I32])?;
    let dims = it.slots[x].shape.clone();
    set_output(it, out, vec![dims.len() as i32])?;
    it.slots[out].data = Buf::I32(dims);
    it.slots[out].is_const = true;
    Ok(Plan::Folded)
}

fn prepare_strided_slice(
    it: &mut Interpreter,
    inputs: &[Option<usize>],
    out: usize,
    begin_mask: i32,
    end_mask: i32,
    shrink_axis_mask: i32,
) -> Result<Plan> {
    expect_inputs(inputs, 4..=4)?;
    let x = required(inputs, 0, "input")?;
    expect_dtype(it, x, "input", &[DType::I32])?;
    expect_dtype(it, out, "output", &[DType::I32])?;
    if it.slots[x].shape.len() != 1 {
        return Err(Error::unsupported(format!(
            "STRIDED_SLICE of rank-{} input {} (only 1-D int32 shape vectors are supported)",
            it.slots[x].shape.len(),
            describe(it, x)
        )));
    }
    let values = known_i32(it, x, "input")?;
    let one = |k: usize, role: &str| -> Result<i32> {
        let t = required(inputs, k, role)?;
        match known_i32(it, t, role)?[..] {
            [v] => Ok(v),
            _ => Err(Error::shape(
                format!("{role} {}", describe(it, t)),
                "1 element",
                &it.slots[t].shape,
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
    let start = if begin_mask & 1 != 0 {
        if stride > 0 {
            0
        } else {
            n - 1
        }
    } else {
        norm(begin).clamp(lo, hi)
    };
    let (result, shape) = if shrink_axis_mask & 1 != 0 {
        let b = norm(begin);
        if !(0..n).contains(&b) {
            return Err(Error::invalid(format!(
                "STRIDED_SLICE index {begin} out of range for {n} values"
            )));
        }
        (vec![values[b as usize]], vec![])
    } else {
        let stop = if end_mask & 1 != 0 {
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
    set_output(it, out, shape)?;
    it.slots[out].data = Buf::I32(result);
    it.slots[out].is_const = true;
    Ok(Plan::Folded)
}

fn prepare_pack(
    it: &mut Interpreter,
    inputs: &[Option<usize>],
    out: usize,
    values_count: i32,
    axis: i32,
) -> Result<Plan> {
    if inputs.is_empty() || values_count as usize != inputs.len() {
        return Err(Error::invalid(format!(
            "PACK values_count {values_count} but {} inputs",
            inputs.len()
        )));
    }
    expect_dtype(it, out, "output", &[DType::I32])?;
    let first = required(inputs, 0, "values")?;
    let in_shape = it.slots[first].shape.clone();
    let rank = in_shape.len() as i32;
    let axis = if axis < 0 { axis + rank + 1 } else { axis };
    if axis != 0 {
        return Err(Error::unsupported(format!(
            "PACK along axis {axis} (only axis 0 is supported)"
        )));
    }
    let mut values = Vec::new();
    for k in 0..inputs.len() {
        let t = required(inputs, k, "values")?;
        expect_dtype(it, t, "input", &[DType::I32])?;
        if it.slots[t].shape != in_shape {
            return Err(Error::shape(
                format!("PACK input {}", describe(it, t)),
                &in_shape,
                &it.slots[t].shape,
            ));
        }
        values.extend(known_i32(it, t, "input")?);
    }
    let mut shape = vec![inputs.len() as i32];
    shape.extend(&in_shape);
    set_output(it, out, shape)?;
    it.slots[out].data = Buf::I32(values);
    it.slots[out].is_const = true;
    Ok(Plan::Folded)
}
