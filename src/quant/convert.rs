//! The converter: TFLiteConverter's options, their meaning, and the passes.
//!
//! | options                                                    | result               |
//! |------------------------------------------------------------|----------------------|
//! | no optimizations                                           | float32              |
//! | `DEFAULT`                                                  | dynamic-range int8   |
//! | `DEFAULT` + `supported_types = [float16]`                  | float16              |
//! | `DEFAULT` + representative dataset (+ `TFLITE_BUILTINS_INT8`, io types) | full-integer int8 |

use super::calibrate::{calibrate, Ranges};
use super::finalize::{finalize, ModelSource};
use super::params::{activation_params, quantize_bias, quantize_weights, weight_scales};
use crate::error::{Error, Result};
use crate::graph::{f16_bytes, i32_bytes, i8_bytes, DType, Graph, Op, OpKind, Quant, Tensor};

/// `inference_input_type` / `inference_output_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoType {
    Float32,
    Int8,
    Uint8,
}

impl IoType {
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().trim_start_matches("tf.") {
            "float32" => Ok(IoType::Float32),
            "int8" => Ok(IoType::Int8),
            "uint8" => Ok(IoType::Uint8),
            other => Err(Error::converter(format!(
                "inference type '{other}' is not supported: use \"float32\", \"int8\" or \"uint8\""
            ))),
        }
    }
}

/// A representative dataset: `shape[0]` samples, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct RepresentativeDataset {
    pub data: Vec<f32>,
    pub shape: Vec<usize>,
}

/// TFLiteConverter's settable options.
#[derive(Clone, Debug, PartialEq)]
pub struct ConverterOptions {
    /// `optimizations = [DEFAULT]`
    pub optimize: bool,
    pub representative_dataset: Option<RepresentativeDataset>,
    /// `target_spec.supported_ops` contains `TFLITE_BUILTINS_INT8` (integer-only ops).
    pub int8_ops_only: bool,
    /// `target_spec.supported_types = [float16]`
    pub float16: bool,
    pub inference_input_type: IoType,
    pub inference_output_type: IoType,
    /// Ranges already calibrated on `representative_dataset` (by workers, merged in
    /// order): full-integer conversion uses them instead of calibrating again. Setting a
    /// new dataset must clear them.
    pub calibration: Option<Ranges>,
}

impl Default for ConverterOptions {
    fn default() -> Self {
        ConverterOptions {
            optimize: false,
            representative_dataset: None,
            int8_ops_only: false,
            float16: false,
            inference_input_type: IoType::Float32,
            inference_output_type: IoType::Float32,
            calibration: None,
        }
    }
}

impl ConverterOptions {
    /// `optimizations`: `DEFAULT` (and TF's deprecated aliases `OPTIMIZE_FOR_SIZE`,
    /// `OPTIMIZE_FOR_LATENCY`, which mean the same) or nothing.
    pub fn set_optimizations(&mut self, opts: &[String]) -> Result<()> {
        let mut optimize = false;
        for o in opts {
            match o.to_ascii_uppercase().as_str() {
                "DEFAULT" | "OPTIMIZE_FOR_SIZE" | "OPTIMIZE_FOR_LATENCY" => optimize = true,
                "EXPERIMENTAL_SPARSITY" => {
                    return Err(Error::unsupported("optimization EXPERIMENTAL_SPARSITY"));
                }
                other => {
                    return Err(Error::converter(format!(
                        "unknown optimization '{other}': use [\"DEFAULT\"] or []"
                    )))
                }
            }
        }
        self.optimize = optimize;
        Ok(())
    }

    /// `target_spec.supported_ops`: `TFLITE_BUILTINS` and/or `TFLITE_BUILTINS_INT8`.
    pub fn set_supported_ops(&mut self, ops: &[String]) -> Result<()> {
        let mut int8 = false;
        let mut builtins = false;
        for o in ops {
            match o.to_ascii_uppercase().as_str() {
                "TFLITE_BUILTINS_INT8" => int8 = true,
                "TFLITE_BUILTINS" => builtins = true,
                "SELECT_TF_OPS" => {
                    return Err(Error::unsupported(
                        "SELECT_TF_OPS: litequant writes builtin ops only",
                    ))
                }
                other => {
                    return Err(Error::converter(format!(
                        "unknown ops set '{other}': use TFLITE_BUILTINS or TFLITE_BUILTINS_INT8"
                    )))
                }
            }
        }
        // Integer-only means INT8 is the *only* set (TF's `post_training_int8_no_float`).
        self.int8_ops_only = int8 && !builtins;
        Ok(())
    }

    /// `target_spec.supported_types`: `[]` or `["float16"]` (`"int8"` is accepted as TF does:
    /// it asks for integer quantization like `TFLITE_BUILTINS_INT8`).
    pub fn set_supported_types(&mut self, types: &[String]) -> Result<()> {
        let mut f16 = false;
        for t in types {
            match t.to_ascii_lowercase().trim_start_matches("tf.") {
                "float16" => f16 = true,
                "int8" => self.int8_ops_only = true,
                "float32" => {}
                other => {
                    return Err(Error::converter(format!(
                        "supported type '{other}' is not supported: use [\"float16\"] or []"
                    )))
                }
            }
        }
        self.float16 = f16;
        Ok(())
    }

    /// Which conversion these options ask for, rejecting what TF rejects.
    pub fn mode(&self) -> Result<Mode> {
        let float_io = self.inference_input_type == IoType::Float32
            && self.inference_output_type == IoType::Float32;
        let io_error = || {
            Error::converter(
                "inference_input_type and inference_output_type must be float32 unless the model is \
                 fully integer-quantized (optimizations=[DEFAULT] with a representative dataset)",
            )
        };
        if !self.optimize {
            if self.int8_ops_only {
                return Err(Error::converter(
                    "supported_ops=[TFLITE_BUILTINS_INT8] needs optimizations=[DEFAULT] and a representative dataset",
                ));
            }
            if !float_io {
                return Err(io_error());
            }
            // Like TF, float16 and a representative dataset are ignored without optimizations.
            return Ok(Mode::Float32);
        }
        if self.float16 {
            if self.int8_ops_only {
                return Err(Error::converter(
                    "supported_types=[float16] conflicts with supported_ops=[TFLITE_BUILTINS_INT8]: choose float16 or full-integer int8",
                ));
            }
            if !float_io {
                return Err(io_error());
            }
            return Ok(Mode::Float16);
        }
        match &self.representative_dataset {
            Some(ds) => {
                if ds.data.is_empty() || ds.shape.first() == Some(&0) {
                    return Err(Error::converter(
                        "the representative dataset is empty: full-integer quantization needs at least one sample",
                    ));
                }
                Ok(Mode::FullInteger {
                    input: self.inference_input_type,
                    output: self.inference_output_type,
                })
            }
            None => {
                if self.int8_ops_only {
                    return Err(Error::converter(
                        "full-integer quantization (TFLITE_BUILTINS_INT8) needs a representative dataset",
                    ));
                }
                if !float_io {
                    return Err(Error::converter(
                        "int8/uint8 inference_input_type or inference_output_type needs a representative dataset",
                    ));
                }
                Ok(Mode::DynamicRange)
            }
        }
    }
}

/// The kind of file a conversion produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Float32,
    DynamicRange,
    Float16,
    FullInteger { input: IoType, output: IoType },
}

/// Converts a float32 graph. `progress(done, total)` is called per calibration sample.
pub fn convert(
    float_graph: &Graph,
    opts: &ConverterOptions,
    source: ModelSource,
    progress: impl FnMut(usize, usize),
) -> Result<Graph> {
    let mode = opts.mode()?;
    check_float_graph(float_graph)?;
    let mut g = match mode {
        Mode::Float32 => float_graph.clone(),
        Mode::DynamicRange => dynamic_range(float_graph)?,
        Mode::Float16 => float16(float_graph)?,
        Mode::FullInteger { input, output } => {
            let ds = opts.representative_dataset.as_ref().ok_or_else(|| {
                Error::converter("full-integer quantization needs a representative dataset")
            })?;
            let ranges = match &opts.calibration {
                Some(r) => {
                    check_calibration(float_graph, ds, r)?;
                    r.clone()
                }
                None => calibrate(float_graph, &ds.data, &ds.shape, progress)?,
            };
            full_integer(float_graph, &ranges, input, output)?
        }
    };
    finalize(&mut g, float_graph, mode, source)?;
    Ok(g)
}

/// Precomputed ranges must belong to this graph and cover the whole dataset.
fn check_calibration(g: &Graph, ds: &RepresentativeDataset, r: &Ranges) -> Result<()> {
    let rows = ds.shape.first().copied().unwrap_or(0);
    if r.ranges.len() != g.tensors.len() || r.samples != rows {
        return Err(Error::converter(format!(
            "the calibration given covers {} tensors and {} samples; this model has {} \
             tensors and the representative dataset {rows} samples",
            r.ranges.len(),
            r.samples,
            g.tensors.len()
        )));
    }
    Ok(())
}

/// The passes take float32 graphs of the ops they know.
fn check_float_graph(g: &Graph) -> Result<()> {
    for (i, op) in g.ops.iter().enumerate() {
        match op.kind {
            OpKind::FullyConnected { .. }
            | OpKind::Softmax { .. }
            | OpKind::Relu
            | OpKind::Reshape { .. } => {}
            _ => {
                return Err(Error::unsupported(format!(
                    "op {i} ({} v{}) cannot be quantized yet",
                    op.kind.name(),
                    op.version
                )))
            }
        }
        for &t in op.inputs.iter().chain(&op.outputs) {
            if let Some(t) = g.opt_tensor(t)? {
                let ok = t.dtype == DType::F32
                    || (matches!(op.kind, OpKind::Reshape { .. }) && t.dtype == DType::I32);
                if !ok || t.quant.as_ref().is_some_and(|q| q.is_quantized()) {
                    return Err(Error::converter(format!(
                        "op {i} ({}): tensor '{}' is {}; the converter takes float32 models",
                        op.kind.name(),
                        t.name,
                        t.dtype.name()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Weights `[out, in]` of FC op `op`, as (tensor index, f32 values, out channels).
fn fc_weights(g: &Graph, op: &Op) -> Result<(usize, Vec<f32>, usize)> {
    let wi = *op
        .inputs
        .get(1)
        .ok_or_else(|| Error::format("FULLY_CONNECTED without weights"))?;
    let w = g
        .opt_tensor(wi)?
        .ok_or_else(|| Error::format("FULLY_CONNECTED weights are absent"))?;
    let out = *w
        .shape
        .first()
        .ok_or_else(|| Error::shape("FULLY_CONNECTED weights", "[out, in]", &w.shape))?;
    Ok((wi as usize, w.f32_data()?, out.max(0) as usize))
}

/// Dynamic range: per-channel int8 weights for FULLY_CONNECTED weights of ≥ 1024 elements,
/// float bias and activations, `asymmetric_quantize_inputs = true` on the hybrid ops.
fn dynamic_range(src: &Graph) -> Result<Graph> {
    /// TF leaves smaller weight tensors in float (`min_elements_for_weights`).
    const MIN_ELEMENTS: usize = 1024;
    let mut g = src.clone();
    for oi in 0..g.ops.len() {
        if !matches!(g.ops[oi].kind, OpKind::FullyConnected { .. }) {
            continue;
        }
        let (wi, w, out) = fc_weights(&g, &g.ops[oi])?;
        if w.len() < MIN_ELEMENTS {
            continue;
        }
        let scales = weight_scales(&w, out);
        let q = quantize_weights(&w, &scales);
        let t = &mut g.tensors[wi];
        t.dtype = DType::I8;
        t.data = Some(i8_bytes(&q));
        t.quant = Some(Quant::per_channel(scales, 0));
        if let OpKind::FullyConnected {
            asymmetric_quantize_inputs,
            ..
        } = &mut g.ops[oi].kind
        {
            *asymmetric_quantize_inputs = true;
        }
    }
    Ok(g)
}

/// Float16: every float constant stored as FLOAT16, followed by a DEQUANTIZE op producing
/// the float32 tensor the op reads. DEQUANTIZE ops come first, in reverse order of use.
fn float16(src: &Graph) -> Result<Graph> {
    let mut g = src.clone();
    let mut uses: Vec<usize> = Vec::new();
    for op in &src.ops {
        for &i in &op.inputs {
            if i >= 0
                && src.tensors[i as usize].data.is_some()
                && src.tensors[i as usize].dtype == DType::F32
            {
                let i = i as usize;
                if !uses.contains(&i) {
                    uses.push(i);
                }
            }
        }
    }
    let mut deq_ops = Vec::new();
    for &ci in uses.iter().rev() {
        let vals = g.tensors[ci].f32_data()?;
        let halves: Vec<half::f16> = vals.iter().map(|&v| half::f16::from_f32(v)).collect();
        let mut f32_t = Tensor::activation(
            format!("{}_dequantize", g.tensors[ci].name),
            DType::F32,
            g.tensors[ci].shape.clone(),
        );
        f32_t.shape_signature = None;
        let ni = g.add_tensor(f32_t);
        let t = &mut g.tensors[ci];
        t.dtype = DType::F16;
        t.data = Some(f16_bytes(&halves));
        for op in g.ops.iter_mut() {
            for inp in op.inputs.iter_mut() {
                if *inp == ci as i32 {
                    *inp = ni as i32;
                }
            }
        }
        deq_ops.push(Op {
            kind: OpKind::Dequantize,
            version: 1,
            inputs: vec![ci as i32],
            outputs: vec![ni as i32],
        });
    }
    deq_ops.append(&mut g.ops);
    g.ops = deq_ops;
    Ok(g)
}

/// Full-integer int8 from calibrated ranges, with the io types asked for.
fn full_integer(src: &Graph, ranges: &Ranges, input: IoType, output: IoType) -> Result<Graph> {
    let mut g = src.clone();
    let act = |g: &Graph, t: usize| -> Result<Quant> {
        let (lo, hi) = ranges.get(t).ok_or_else(|| {
            Error::converter(format!(
                "tensor '{}' was not reached during calibration",
                g.tensors[t].name
            ))
        })?;
        let (s, zp) = activation_params(lo, hi);
        Ok(Quant::per_tensor(s, zp))
    };
    // Graph inputs first; then each op's outputs in order, so inputs always have params.
    for &i in &src.inputs {
        let q = act(&g, i)?;
        let t = &mut g.tensors[i];
        t.dtype = DType::I8;
        t.quant = Some(q);
    }
    for oi in 0..g.ops.len() {
        let op = g.ops[oi].clone();
        let out = op.outputs[0] as usize;
        let in_q = g.tensors[op.inputs[0] as usize]
            .quant
            .clone()
            .ok_or_else(|| {
                Error::converter(format!(
                    "op {oi} ({}): input has no quantization",
                    op.kind.name()
                ))
            })?;
        let out_q = match &op.kind {
            OpKind::Softmax { .. } => Quant::per_tensor(1.0 / 256.0, -128),
            OpKind::Reshape { .. } => in_q.clone(),
            _ => act(&g, out)?,
        };
        if let OpKind::FullyConnected { .. } = op.kind {
            let in_scale = in_q.scale[0];
            let (wi, w, out_ch) = fc_weights(&g, &op)?;
            let mut scales = weight_scales(&w, out_ch);
            let bi = op.inputs.get(2).copied().unwrap_or(-1);
            if bi >= 0 {
                let bi = bi as usize;
                let b = g.tensors[bi].f32_data()?;
                if b.len() != out_ch {
                    return Err(Error::shape(
                        format!("op {oi} bias '{}'", g.tensors[bi].name),
                        [out_ch],
                        b.len(),
                    ));
                }
                let bq = quantize_bias(&b, in_scale, &scales);
                scales = bq.weight_scales;
                let t = &mut g.tensors[bi];
                t.dtype = DType::I32;
                t.data = Some(i32_bytes(&bq.values));
                t.quant = Some(Quant::per_channel(bq.scales, 0));
            }
            let q = quantize_weights(&w, &scales);
            let t = &mut g.tensors[wi];
            t.dtype = DType::I8;
            t.data = Some(i8_bytes(&q));
            t.quant = Some(Quant::per_channel(scales, 0));
        }
        let t = &mut g.tensors[out];
        t.dtype = DType::I8;
        t.quant = Some(out_q);
    }
    // io: int8 as is; float: QUANTIZE first / DEQUANTIZE last; uint8: QUANTIZE at both ends
    // with the same scale and zero point + 128.
    let mut pre = Vec::new();
    for k in 0..g.inputs.len() {
        let qi = g.inputs[k];
        if input == IoType::Int8 {
            continue;
        }
        let mut t = g.tensors[qi].clone();
        let name = std::mem::replace(&mut g.tensors[qi].name, "tfl.quantize".into());
        t.name = name;
        retype_io(&mut t, input);
        let ni = g.add_tensor(t);
        g.inputs[k] = ni;
        pre.push(Op {
            kind: OpKind::Quantize,
            version: 1,
            inputs: vec![ni as i32],
            outputs: vec![qi as i32],
        });
        rename_signature(&mut g, qi, ni, true);
    }
    for k in 0..g.outputs.len() {
        let qo = g.outputs[k];
        if output == IoType::Int8 {
            continue;
        }
        let mut t = g.tensors[qo].clone();
        g.tensors[qo].name = format!("{}_int8", t.name);
        retype_io(&mut t, output);
        let ni = g.add_tensor(t);
        g.outputs[k] = ni;
        let kind = if output == IoType::Float32 {
            OpKind::Dequantize
        } else {
            OpKind::Quantize
        };
        g.ops.push(Op {
            kind,
            version: 1,
            inputs: vec![qo as i32],
            outputs: vec![ni as i32],
        });
        rename_signature(&mut g, qo, ni, false);
    }
    pre.append(&mut g.ops);
    g.ops = pre;
    Ok(g)
}

fn retype_io(t: &mut Tensor, io: IoType) {
    match io {
        IoType::Float32 => {
            t.dtype = DType::F32;
            t.quant = None;
        }
        IoType::Uint8 => {
            t.dtype = DType::U8;
            if let Some(q) = &mut t.quant {
                q.zero_point = q.zero_point.iter().map(|z| z + 128).collect();
            }
        }
        IoType::Int8 => {}
    }
}

fn rename_signature(g: &mut Graph, old: usize, new: usize, input: bool) {
    if let Some(sig) = &mut g.signature {
        let list = if input {
            &mut sig.inputs
        } else {
            &mut sig.outputs
        };
        for s in list.iter_mut() {
            if s.tensor == old {
                s.tensor = new;
            }
        }
    }
}
