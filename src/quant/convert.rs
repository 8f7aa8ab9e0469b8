//! The converter: TFLiteConverter's options, their meaning, and the passes.
//!
//! | options                                                    | result               |
//! |------------------------------------------------------------|----------------------|
//! | no optimizations                                           | float32              |
//! | `DEFAULT`                                                  | dynamic-range int8   |
//! | `DEFAULT` + `supported_types = [float16]`                  | float16              |
//! | `DEFAULT` + representative dataset (+ `TFLITE_BUILTINS_INT8`, io types) | full-integer int8 |
//! | `DEFAULT` + dataset + `calibrate_only`                     | float32 + calibrated min/max |
//!
//! Full-integer conversion also takes TF's per-tensor switches (`disable_per_channel`,
//! `disable_per_channel_for_dense`) and keeps float the ops the QuantizationDebugger's
//! denylists name or that have no int8 kernel (float fallback, [`super::selective`]).

use super::calibrate::{calibrate_with, Ranges};
use super::finalize::{finalize, ModelSource};
use super::method::CalibrationConfig;
use super::params::{
    activation_params, quantize_bias, quantize_weights, round_half_away, weight_scales,
};
use super::propagate::{duplicate_shared_constants, insert_requantizations, propagate};
use super::selective;
use crate::error::{Error, Result};
use crate::graph::{
    f16_bytes, i32_bytes, i8_bytes, BuiltinOperator, DType, Graph, Op, Quant, Tensor,
};
use crate::ops::{self, QuantMode, QuantSpec};

/// `inference_input_type` / `inference_output_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoType {
    Float32,
    Int8,
    Uint8,
    /// 16x8 models only (`EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8`).
    Int16,
}

impl IoType {
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().trim_start_matches("tf.") {
            "float32" => Ok(IoType::Float32),
            "int8" => Ok(IoType::Int8),
            "uint8" => Ok(IoType::Uint8),
            "int16" => Ok(IoType::Int16),
            other => Err(Error::converter(format!(
                "inference type '{other}' is not supported: use \"float32\", \"int8\", \"uint8\" \
                 or \"int16\""
            ))),
        }
    }

    /// The name TF's messages and our JS API use.
    pub fn name(self) -> &'static str {
        match self {
            IoType::Float32 => "float32",
            IoType::Int8 => "int8",
            IoType::Uint8 => "uint8",
            IoType::Int16 => "int16",
        }
    }
}

/// `_experimental_full_integer_quantization_bias_type` (JS `fullIntegerQuantizationBiasType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BiasType {
    Int32,
    Int64,
}

impl BiasType {
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().trim_start_matches("tf.") {
            "int32" => Ok(BiasType::Int32),
            "int64" => Ok(BiasType::Int64),
            other => Err(Error::converter(format!(
                "fullIntegerQuantizationBiasType '{other}' is not supported: use \"int32\" or \
                 \"int64\" (or leave it unset)"
            ))),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            BiasType::Int32 => "int32",
            BiasType::Int64 => "int64",
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
    /// `target_spec.supported_types` contains `float16`.
    pub float16: bool,
    /// `target_spec.supported_ops` lists `TFLITE_BUILTINS_INT8`, alone or with
    /// `TFLITE_BUILTINS` (`int8_ops_only` is the "alone" case).
    pub int8_ops_listed: bool,
    /// `target_spec.supported_types` contains `int8`.
    pub int8_type: bool,
    /// `target_spec.supported_ops` contains
    /// `EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8` (16x8 quantization).
    pub int16x8: bool,
    pub inference_input_type: IoType,
    pub inference_output_type: IoType,
    /// `_experimental_full_integer_quantization_bias_type`; `None` = TF's default (int32
    /// for int8, int64 for 16x8).
    pub bias_type: Option<BiasType>,
    /// `_experimental_disable_per_channel`: every FULLY_CONNECTED, CONV_2D and
    /// DEPTHWISE_CONV_2D weight tensor gets one scale (full-integer and dynamic range).
    pub disable_per_channel: bool,
    /// `_experimental_disable_per_channel_quantization_for_dense_layers`: the same for
    /// FULLY_CONNECTED weights only.
    pub disable_per_channel_for_dense: bool,
    /// QuantizationDebugOptions' `denylisted_ops`: builtin op names (`"FULLY_CONNECTED"`)
    /// whose ops stay float in a full-integer model. Unknown names match nothing (as in TF).
    pub denylisted_ops: Vec<String>,
    /// QuantizationDebugOptions' `denylisted_nodes`: output tensor names (of the float
    /// model) whose producing ops stay float. Unknown names match nothing (as in TF).
    pub denylisted_nodes: Vec<String>,
    /// `_experimental_calibrate_only`: with optimizations and a dataset, the float model with
    /// each activation's calibrated min/max (TF's `model_calibrated.tflite`); ignored
    /// otherwise, as TF ignores it.
    pub calibrate_only: bool,
    /// Set by the QuantizationDebugger: the file is written as TF's
    /// `get_nondebug_quantized_model()` writes it (CONVERSION_METADATA first).
    pub debugger: bool,
    /// Ranges already calibrated on `representative_dataset` (by workers, merged in
    /// order): full-integer conversion uses them instead of calibrating again. Setting a
    /// new dataset must clear them.
    pub calibration: Option<Ranges>,
    /// How each activation's range is chosen from the calibration (`calibrationMethod`,
    /// `calibrationOptions`, `calibrationOverrides`; default TF's min/max).
    pub calibration_method: CalibrationConfig,
}

impl Default for ConverterOptions {
    fn default() -> Self {
        ConverterOptions {
            optimize: false,
            representative_dataset: None,
            int8_ops_only: false,
            float16: false,
            int8_ops_listed: false,
            int8_type: false,
            int16x8: false,
            inference_input_type: IoType::Float32,
            inference_output_type: IoType::Float32,
            bias_type: None,
            disable_per_channel: false,
            disable_per_channel_for_dense: false,
            denylisted_ops: Vec::new(),
            denylisted_nodes: Vec::new(),
            calibrate_only: false,
            debugger: false,
            calibration: None,
            calibration_method: CalibrationConfig::default(),
        }
    }
}

impl ConverterOptions {
    /// True when a denylist names an op or a node.
    pub fn has_denylist(&self) -> bool {
        !self.denylisted_ops.is_empty() || !self.denylisted_nodes.is_empty()
    }

    /// Whether op `code`'s weights are quantized per tensor (`disable_per_channel`, or
    /// `disable_per_channel_for_dense` for FULLY_CONNECTED).
    pub fn per_tensor_weights(&self, code: BuiltinOperator) -> bool {
        self.disable_per_channel
            || (self.disable_per_channel_for_dense && code == BuiltinOperator::FullyConnected)
    }

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

    /// `target_spec.supported_ops`: `TFLITE_BUILTINS`, `TFLITE_BUILTINS_INT8` and/or
    /// `EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8`.
    pub fn set_supported_ops(&mut self, ops: &[String]) -> Result<()> {
        let mut int8 = false;
        let mut builtins = false;
        let mut int16x8 = false;
        for o in ops {
            match o.to_ascii_uppercase().as_str() {
                "TFLITE_BUILTINS_INT8" => int8 = true,
                "TFLITE_BUILTINS" => builtins = true,
                "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8" => int16x8 = true,
                "SELECT_TF_OPS" => {
                    return Err(Error::unsupported(
                        "SELECT_TF_OPS: litequant writes builtin ops only",
                    ))
                }
                other => {
                    return Err(Error::converter(format!(
                        "unknown ops set '{other}': use TFLITE_BUILTINS, TFLITE_BUILTINS_INT8 or \
                         EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8"
                    )))
                }
            }
        }
        // Integer-only means INT8 is the *only* set (TF's `post_training_int8_no_float`).
        self.int8_ops_only = int8 && !builtins && !int16x8;
        self.int8_ops_listed = int8;
        self.int16x8 = int16x8;
        Ok(())
    }

    /// `target_spec.supported_types`: any of `"float16"`, `"int8"` (what they decide is
    /// [`ConverterOptions::mode`]'s table).
    pub fn set_supported_types(&mut self, types: &[String]) -> Result<()> {
        let mut f16 = false;
        let mut i8 = false;
        for t in types {
            match t.to_ascii_lowercase().trim_start_matches("tf.") {
                "float16" => f16 = true,
                "int8" => i8 = true,
                "float32" => {}
                other => {
                    return Err(Error::converter(format!(
                        "supported type '{other}' is not supported: use [\"float16\"] or []"
                    )))
                }
            }
        }
        self.float16 = f16;
        self.int8_type = i8;
        Ok(())
    }

    /// Which conversion these options ask for, rejecting what TF rejects: TensorFlow
    /// 2.21's decision rule (`TFLiteConverter` in `lite.py`, observed on every combination
    /// of optimizations × dataset × supported ops × supported types × io types in
    /// `tests/fixtures/converter_decisions.json`), checked in this order:
    ///
    /// | condition | outcome |
    /// |---|---|
    /// | ops exactly `[TFLITE_BUILTINS_INT8]` and types contain `float16` | error (TF's e2) |
    /// | no dataset, and ops list `TFLITE_BUILTINS_INT8` or types are exactly `[int8]` | error (e1), with or without optimizations |
    /// | no optimizations | float32 (dataset, ops and types are ignored) |
    /// | `DEFAULT`, no dataset | float16 if types are exactly `[float16]`, else dynamic range |
    /// | `DEFAULT` + dataset | float16 if types are exactly `[float16]`, else full-integer int8 (`[float16, int8]` = `[int8]`) |
    /// | int8 / uint8 io unless full-integer | error (e0) |
    ///
    /// The error messages are TF's, followed by what to change. An empty dataset is refused
    /// (TF writes a float file: a deliberate difference, see the README's bad-input table).
    pub fn mode(&self) -> Result<Mode> {
        let int8_listed = self.int8_ops_listed || self.int8_ops_only;
        let types_only_int8 = self.int8_type && !self.float16;
        let types_only_f16 = self.float16 && !self.int8_type;
        if self.int8_ops_only && self.float16 {
            return Err(Error::converter(
                "as full integer quantization has been enabled by setting supported_ops = \
                 [TFLITE_BUILTINS_INT8], supported_types should be left empty or set to [int8] \
                 (remove float16, or add TFLITE_BUILTINS to supported_ops)",
            ));
        }
        let has_ds = self.representative_dataset.is_some();
        if !has_ds && (int8_listed || types_only_int8) {
            return Err(Error::converter(
                "for full integer quantization (supported_ops TFLITE_BUILTINS_INT8 or \
                 supported_types [int8]), a representative dataset must be specified",
            ));
        }
        let (input, output) = (self.inference_input_type, self.inference_output_type);
        let mode = if !self.optimize {
            Mode::Float32
        } else if let Some(ds) = &self.representative_dataset {
            if ds.data.is_empty() || ds.shape.first() == Some(&0) {
                return Err(Error::converter(
                    "the representative dataset is empty: full-integer quantization needs at \
                     least one sample",
                ));
            }
            if types_only_f16 && !self.int16x8 {
                // supported_types exactly [float16] wins over the dataset and
                // calibrate_only (TF's f2; tests/fixtures/modes/matrix.json).
                Mode::Float16
            } else if self.calibrate_only {
                // TF's `_experimental_calibrate_only` returns the calibrated float model
                // whatever the io types and ops sets (tests/fixtures/modes/matrix.json).
                return Ok(Mode::Calibrated);
            } else if self.int16x8 && !types_only_int8 {
                // 16x8 ops win over supported_types [float16] (TF's f8), not over [int8].
                Mode::Int16x8 {
                    input,
                    output,
                    bias: self.bias_type.unwrap_or(BiasType::Int64),
                }
            } else {
                Mode::FullInteger { input, output }
            }
        } else if types_only_f16 {
            Mode::Float16
        } else {
            Mode::DynamicRange
        };
        let full = matches!(mode, Mode::FullInteger { .. } | Mode::Int16x8 { .. });
        // TF checks the bias type before the io types (e5, e6).
        if self.bias_type.is_some() && !full {
            return Err(Error::converter(
                "fullIntegerQuantizationBiasType is only supported for full-integer quantization: \
                 set optimizations=[\"DEFAULT\"] and a representativeDataset, or leave the bias type unset",
            ));
        }
        if matches!(mode, Mode::FullInteger { .. }) && self.bias_type == Some(BiasType::Int64) {
            return Err(Error::converter(
                "fullIntegerQuantizationBiasType \"int64\" conflicts with int8 quantization \
                 (int8 biases are int32): use \"int32\", or 16x8 quantization \
                 (supported_ops EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8) \
                 for int64 biases",
            ));
        }
        match mode {
            Mode::FullInteger { .. } => {
                if input == IoType::Int16 || output == IoType::Int16 {
                    return Err(Error::converter(
                        "inference type int16 needs 16x8 quantization: add \
                         EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 to \
                         supported_ops, or use \"int8\", \"uint8\" or \"float32\" io",
                    ));
                }
            }
            Mode::Int16x8 { .. } => {
                for io in [input, output] {
                    if !matches!(io, IoType::Float32 | IoType::Int16) {
                        return Err(Error::converter(format!(
                            "inference type {} conflicts with supported_ops \
                             EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8: 16x8 \
                             models take \"float32\" or \"int16\" inputs and outputs",
                            io.name()
                        )));
                    }
                }
            }
            _ => {
                if input != IoType::Float32 || output != IoType::Float32 {
                    return Err(Error::converter(
                        "the inference_input_type and inference_output_type must be float32: \
                         int8 / uint8 io needs full-integer quantization (optimizations \
                         [DEFAULT] with a representative dataset, supported_types not [float16])",
                    ));
                }
            }
        }
        if self.has_denylist() && !full {
            return Err(denylist_error(match mode {
                Mode::Float32 => "optimizations=[] (a float32 model)",
                Mode::Float16 => "supported_types=[float16]",
                _ => "no representative dataset (dynamic range)",
            }));
        }
        Ok(mode)
    }
}

/// Denylists only mean something in a full-integer model (TF: the QuantizationDebugger
/// needs a converter with a representative dataset and refuses float16).
fn denylist_error(other: &str) -> Error {
    Error::converter(format!(
        "denylistedOps / denylistedNodes conflict with {other}: they keep ops float in a \
         full-integer model, so set optimizations=[\"DEFAULT\"] and a representativeDataset \
         (without supportedTypes float16), or clear the denylists"
    ))
}

/// The kind of file a conversion produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Float32,
    DynamicRange,
    Float16,
    FullInteger {
        input: IoType,
        output: IoType,
    },
    /// 16x8: int16 activations, int8 weights, int64 (or int32) biases.
    Int16x8 {
        input: IoType,
        output: IoType,
        bias: BiasType,
    },
    /// The float model with calibrated min/max (`_experimental_calibrate_only`).
    Calibrated,
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
    let mut g =
        match mode {
            Mode::Float32 => float_graph.clone(),
            Mode::DynamicRange => dynamic_range(float_graph, opts)?,
            Mode::Float16 => float16(float_graph)?,
            Mode::FullInteger { input, output } => {
                let ranges = ranges_for(float_graph, opts, progress)?;
                full_integer(float_graph, &ranges, input, output, opts)?
            }
            Mode::Calibrated => {
                let ranges = ranges_for(float_graph, opts, progress)?;
                selective::with_ranges(float_graph, &ranges)
            }
            Mode::Int16x8 { .. } => return Err(Error::unsupported(
                "16x8 quantization (EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8)",
            )),
        };
    finalize(&mut g, float_graph, mode, source)?;
    if opts.has_denylist() || opts.debugger {
        // TF applies denylists only through the QuantizationDebugger, whose
        // `get_nondebug_quantized_model()` writes CONVERSION_METADATA first.
        super::finalize::conversion_metadata_first(&mut g);
    }
    Ok(g)
}

/// The calibrated ranges of the representative dataset: the ones given (checked) or a
/// calibration run now.
pub fn ranges_for(
    float_graph: &Graph,
    opts: &ConverterOptions,
    progress: impl FnMut(usize, usize),
) -> Result<Ranges> {
    let ds = opts.representative_dataset.as_ref().ok_or_else(|| {
        Error::converter("full-integer quantization needs a representative dataset")
    })?;
    // The values of one sample as the dataset gives them (a dataset of the input's rank may
    // resize open dimensions, so this is not always the model's stored input width).
    let width = match ds.shape.get(1..) {
        Some(dims) if !dims.is_empty() => dims.iter().product(),
        _ => super::calibrate::sample_width(float_graph)?,
    };
    super::calibrate::check_calibration_data("representative dataset", &ds.data, width)?;
    let ranges = match &opts.calibration {
        Some(r) => {
            check_calibration(float_graph, ds, r)?;
            r.clone()
        }
        None => calibrate_with(
            float_graph,
            &ds.data,
            &ds.shape,
            opts.calibration_method.histogram_bins(),
            progress,
        )?,
    };
    // min/max everywhere (TF's calibration) keeps the calibrated bits as they are; the
    // other methods read the histograms collected in the same pass (or merged by the pool).
    if opts.calibration_method.is_minmax() {
        Ok(ranges)
    } else {
        opts.calibration_method.apply(float_graph, &ranges)
    }
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

/// The passes take float32 graphs (float32 tensors, int32 shape values, no quantization
/// parameters) of ops the registry defines, in one subgraph.
fn check_float_graph(g: &Graph) -> Result<()> {
    ops::check_supported(g)?;
    if !g.subgraphs.is_empty() {
        return Err(Error::unsupported(format!(
            "converting models with {} subgraphs",
            g.subgraph_count()
        )));
    }
    for (i, op) in g.ops.iter().enumerate() {
        for &t in op.inputs.iter().chain(&op.outputs) {
            if let Some(t) = g.opt_tensor(t)? {
                let ok = matches!(t.dtype, DType::F32 | DType::I32);
                if !ok || t.quant.as_ref().is_some_and(|q| q.is_quantized()) {
                    return Err(Error::converter(format!(
                        "op {i} ({}): tensor '{}' is {}; the converter takes float32 models",
                        op.display_name(),
                        t.name,
                        t.dtype.name()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The quantization properties of every op of `g` (all defined: `check_float_graph`).
fn specs(g: &Graph) -> Result<Vec<QuantSpec>> {
    g.ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            ops::def_of(op)
                .map(|d| d.quant(op))
                .ok_or_else(|| ops::unsupported_op(op, i))
        })
        .collect()
}

/// A float constant input `k` of op `oi`: its tensor index, or `None` when the input is
/// absent, not a constant or not float32.
fn float_const(g: &Graph, op: &Op, k: usize) -> Option<usize> {
    let t = usize::try_from(*op.inputs.get(k)?).ok()?;
    let tensor = g.tensors.get(t)?;
    (tensor.data.is_some() && tensor.dtype == DType::F32).then_some(t)
}

/// `w` (shape `shape`) reordered so that the channels along `axis` are contiguous blocks
/// (what `weight_scales` / `quantize_weights` take), or back with `inverse`.
fn channel_major(w: &[f32], shape: &[i32], axis: i32, inverse: bool) -> Result<(Vec<f32>, usize)> {
    let a = usize::try_from(axis)
        .ok()
        .filter(|&a| a < shape.len())
        .ok_or_else(|| Error::shape("weights", format!("a dimension {axis}"), shape))?;
    let dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    let outer: usize = dims[..a].iter().product();
    let ch = dims[a];
    let inner: usize = dims[a + 1..].iter().product();
    if outer * ch * inner != w.len() {
        return Err(Error::shape("weights", shape, w.len()));
    }
    let mut out = vec![0f32; w.len()];
    for o in 0..outer {
        for c in 0..ch {
            for i in 0..inner {
                let src = (o * ch + c) * inner + i;
                let dst = (c * outer + o) * inner + i;
                if inverse {
                    out[src] = w[dst];
                } else {
                    out[dst] = w[src];
                }
            }
        }
    }
    Ok((out, ch))
}

/// Symmetric int8 weights: per channel along `axis`, or with one scale for the whole
/// tensor when `per_tensor` (TF's `disable_per_channel`: `f32(f32(2m)/254)` with `m` the
/// tensor's max |w|). Returns (scales, values in the tensor's layout). `scales` given:
/// quantize with them (after the bias overflow guard); else compute them.
fn quantize_weight_tensor(
    t: &Tensor,
    axis: i32,
    scales: Option<&[f32]>,
    per_tensor: bool,
) -> Result<(Vec<f32>, Vec<i8>)> {
    // Keras accepts non-finite weights (and TF writes them), but a channel holding ±inf or
    // NaN has no int8 scale: TF writes an inf / NaN scale that LiteRT's kernels cannot
    // run; we refuse it, naming the channel.
    let finite = |scales: &[f32]| match scales.iter().position(|s| !s.is_finite()) {
        None => Ok(()),
        Some(c) => Err(Error::converter(format!(
            "weights '{}': channel {c} (along dimension {axis}) would get the int8 scale {} \
             (a weight or the bias of this channel is not finite): int8 cannot represent it \
             (keep this model in float32 or float16, or fix the weights)",
            t.name, scales[c]
        ))),
    };
    let w = t.f32_data()?;
    if per_tensor {
        let scales = match scales {
            Some(s) => s.to_vec(),
            None => weight_scales(&w, 1),
        };
        finite(&scales)?;
        return Ok((scales.clone(), quantize_weights(&w, &scales)));
    }
    let (cm, ch) = channel_major(&w, &t.shape, axis, false)?;
    let scales = match scales {
        Some(s) => s.to_vec(),
        None => weight_scales(&cm, ch),
    };
    finite(&scales)?;
    let q = quantize_weights(&cm, &scales);
    // Back to the tensor's layout (through f32: every int8 value is exact in f32).
    let qf: Vec<f32> = q.iter().map(|&v| v as f32).collect();
    let (back, _) = channel_major(&qf, &t.shape, axis, true)?;
    Ok((scales, back.iter().map(|&v| v as i8).collect()))
}

/// The quantization table of weights quantized by [`quantize_weight_tensor`]: per-tensor
/// weights keep `quantized_dimension` 0 (TF writes 0 also for depthwise weights).
fn weight_quant(scales: Vec<f32>, axis: i32, per_tensor: bool) -> Quant {
    Quant::per_channel(scales, if per_tensor { 0 } else { axis })
}

/// Number of channels of `t` along `axis`.
fn channels(t: &Tensor, axis: i32) -> Result<usize> {
    usize::try_from(axis)
        .ok()
        .and_then(|a| t.shape.get(a))
        .map(|&d| d.max(0) as usize)
        .ok_or_else(|| {
            Error::shape(
                format!("weights '{}'", t.name),
                format!("a dimension {axis}"),
                &t.shape,
            )
        })
}

/// Dynamic range: per-channel int8 weights (along each op's weight axis) for weight
/// tensors of ≥ 1024 elements of ops with a hybrid kernel; float bias and activations;
/// the op's options as its definition says (FULLY_CONNECTED:
/// `asymmetric_quantize_inputs = true`).
fn dynamic_range(src: &Graph, opts: &ConverterOptions) -> Result<Graph> {
    /// TF leaves smaller weight tensors in float (`min_elements_for_weights`).
    const MIN_ELEMENTS: usize = 1024;
    let mut g = src.clone();
    let specs = specs(&g)?;
    for (oi, spec) in specs.iter().enumerate() {
        if !spec.hybrid {
            continue;
        }
        let mut quantized = false;
        for wi in &spec.weights {
            let Some(t) = float_const(&g, &g.ops[oi], wi.input) else {
                continue;
            };
            if g.tensors[t].num_elements()? < MIN_ELEMENTS {
                continue;
            }
            let per_tensor = opts.per_tensor_weights(g.ops[oi].code);
            let (scales, q) = quantize_weight_tensor(&g.tensors[t], wi.axis, None, per_tensor)?;
            let tensor = &mut g.tensors[t];
            tensor.dtype = DType::I8;
            tensor.data = Some(i8_bytes(&q));
            tensor.quant = Some(weight_quant(scales, wi.axis, per_tensor));
            quantized = true;
        }
        if quantized {
            let op = &mut g.ops[oi];
            if let Some(def) = ops::def_of(op) {
                def.quantized_options(op, QuantMode::Hybrid)?;
            }
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
        let halves: Vec<half::f16> = vals.iter().map(|&v| f16_saturating(v)).collect();
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
        deq_ops.push(Op::new(
            BuiltinOperator::Dequantize,
            None,
            vec![ci as i32],
            vec![ni as i32],
        ));
    }
    deq_ops.append(&mut g.ops);
    g.ops = deq_ops;
    Ok(g)
}

/// `v` as IEEE half, as TF 2.21's float16 pass writes constants: clamped to
/// [−65504, 65504] first, so that values beyond the half range become ±`0x7BFF`, never
/// ±inf (public report case 1); NaN stays NaN; rounding to nearest even otherwise.
pub fn f16_saturating(v: f32) -> half::f16 {
    half::f16::from_f32(v.clamp(-65504.0, 65504.0))
}

/// Per-tensor asymmetric int8 of a float constant that is neither weight nor bias (the
/// BatchNormalization MUL/ADD operands): parameters by the activation formula on the
/// constant's own range, values `round_half_away(c / scale) + zp`, clamped.
fn quantize_const_per_tensor(t: &Tensor) -> Result<(Quant, Vec<i8>)> {
    let c = t.f32_data()?;
    let lo = c.iter().copied().fold(0f32, f32::min);
    let hi = c.iter().copied().fold(0f32, f32::max);
    let (scale, zp) = activation_params(lo, hi);
    let q = c
        .iter()
        .map(|&v| (round_half_away(v as f64 / scale as f64) + zp as f64).clamp(-128.0, 127.0) as i8)
        .collect();
    Ok((Quant::per_tensor(scale, zp), q))
}

/// Full-integer int8 from calibrated ranges, with the io types asked for.
/// Ops kept float (denylisted, or without an int8 kernel when float fallback is allowed)
/// keep their float constants and options; [`selective::keep_float`] then puts them
/// between DEQUANTIZE / QUANTIZE ops.
fn full_integer(
    src: &Graph,
    ranges: &Ranges,
    input: IoType,
    output: IoType,
    opts: &ConverterOptions,
) -> Result<Graph> {
    let mut g = src.clone();
    let mut specs = specs(&g)?;
    let float_ops = selective::float_ops(&g, &specs, opts);
    for (oi, (op, spec)) in g.ops.iter().zip(&specs).enumerate() {
        if !spec.int8 && !float_ops[oi] {
            return Err(Error::converter(format!(
                "op {oi} ({}) has no int8 kernel in TFLite: it cannot be fully \
                 integer-quantized with supported_ops=[TFLITE_BUILTINS_INT8]; add \
                 TFLITE_BUILTINS to supported_ops to keep it float",
                op.display_name()
            )));
        }
    }
    // A weight channel without a finite int8 scale is named before the activations it
    // makes non-finite are.
    for (oi, (op, spec)) in g.ops.iter().zip(&specs).enumerate() {
        if float_ops[oi] {
            continue;
        }
        for wi in &spec.weights {
            if let Some(t) = float_const(&g, op, wi.input) {
                let per_tensor = opts.per_tensor_weights(op.code);
                quantize_weight_tensor(&g.tensors[t], wi.axis, None, per_tensor)?;
            }
        }
    }
    // A float op's output is quantized again after it, with its own calibrated range.
    for (spec, _) in specs.iter_mut().zip(&float_ops).filter(|(_, &f)| f) {
        spec.output = ops::OutputRule::Calibrated;
        spec.shared_scale = false;
    }
    // Activations first (one pass over the whole graph: shared scales may reach back to
    // producers, as TF's quantizer propagates them), then each op's constants in op order.
    duplicate_shared_constants(&mut g, &specs);
    let prop = propagate(&g, ranges, &specs)?;
    for (t, p) in prop.params.iter().enumerate() {
        let Some((scale, zp)) = *p else { continue };
        let tensor = &mut g.tensors[t];
        if tensor.dtype != DType::F32 {
            continue;
        }
        if tensor.data.is_some() {
            // A same-scale op's float constant: stored at the op's parameters.
            let c = tensor.f32_data()?;
            let q: Vec<i8> = c
                .iter()
                .map(|&v| {
                    (round_half_away(v as f64 / scale as f64) + zp as f64).clamp(-128.0, 127.0)
                        as i8
                })
                .collect();
            tensor.data = Some(i8_bytes(&q));
        }
        tensor.dtype = DType::I8;
        tensor.quant = Some(Quant::per_tensor(scale, zp));
    }
    for (oi, spec) in specs.iter().enumerate() {
        if float_ops[oi] {
            continue;
        }
        let op = g.ops[oi].clone();
        let what = || format!("op {oi} ({})", op.display_name());
        let per_tensor = opts.per_tensor_weights(op.code);
        for (k, &i) in op.inputs.iter().enumerate() {
            let Ok(t) = usize::try_from(i) else { continue };
            if g.tensors[t].data.is_none()
                && g.tensors[t].dtype == DType::F32
                && !spec.unquantized_inputs.contains(&k)
            {
                if ranges.get(t).is_none() && !g.inputs.contains(&t) {
                    return Err(Error::converter(format!(
                        "tensor '{}' saw no finite value during calibration (NaN in every \
                         sample, or never computed): it has no range to quantize with",
                        g.tensors[t].name
                    )));
                }
                return Err(Error::converter(format!(
                    "{}: input '{}' has no quantization parameters",
                    what(),
                    g.tensors[t].name
                )));
            }
        }
        // An output the propagation left float (its producer is quantized) has no
        // parameters: the tensor never saw a finite value, and the file would be broken.
        if spec.output != ops::OutputRule::Unquantized {
            for &o in &op.outputs {
                let Ok(t) = usize::try_from(o) else { continue };
                if g.tensors[t].data.is_none() && g.tensors[t].dtype == DType::F32 {
                    return Err(Error::converter(format!(
                        "tensor '{}' saw no finite value during calibration (NaN in every \
                         sample, or never computed): it has no range to quantize with",
                        g.tensors[t].name
                    )));
                }
            }
        }
        let bias_of = |w: usize| spec.bias.filter(|b| b.weights == w);
        let mut done: Vec<usize> = spec.unquantized_inputs.clone();
        for wi in &spec.weights {
            done.push(wi.input);
            let Some(wt) = float_const(&g, &op, wi.input) else {
                continue;
            };
            let ch = channels(&g.tensors[wt], wi.axis)?;
            let (mut scales, _) =
                quantize_weight_tensor(&g.tensors[wt], wi.axis, None, per_tensor)?;
            if let Some(b) = bias_of(wi.input) {
                done.push(b.input);
                if let Some(bt) = float_const(&g, &op, b.input) {
                    let in_scale = op
                        .inputs
                        .get(b.activation)
                        .and_then(|&i| usize::try_from(i).ok())
                        .and_then(|i| g.tensors[i].quant.as_ref())
                        .and_then(|q| q.scale.first().copied())
                        .ok_or_else(|| {
                            Error::converter(format!("{}: input has no quantization", what()))
                        })?;
                    let bv = g.tensors[bt].f32_data()?;
                    if bv.len() != ch {
                        return Err(Error::shape(
                            format!("{} bias '{}'", what(), g.tensors[bt].name),
                            [ch],
                            bv.len(),
                        ));
                    }
                    let (values, bias_scales, w_scales) = if per_tensor {
                        per_tensor_bias(&bv, in_scale, scales[0])
                    } else {
                        let bq = quantize_bias(&bv, in_scale, &scales);
                        (bq.values, bq.scales, bq.weight_scales)
                    };
                    scales = w_scales;
                    let t = &mut g.tensors[bt];
                    t.dtype = DType::I32;
                    t.data = Some(i32_bytes(&values));
                    t.quant = Some(Quant::per_channel(bias_scales, 0));
                }
            }
            let (scales, q) =
                quantize_weight_tensor(&g.tensors[wt], wi.axis, Some(&scales), per_tensor)?;
            let t = &mut g.tensors[wt];
            t.dtype = DType::I8;
            t.data = Some(i8_bytes(&q));
            t.quant = Some(weight_quant(scales, wi.axis, per_tensor));
        }
        for &k in &spec.per_tensor_weights {
            done.push(k);
            if let Some(wt) = float_const(&g, &op, k) {
                let w = g.tensors[wt].f32_data()?;
                let scales = weight_scales(&w, 1);
                let q = quantize_weights(&w, &scales);
                let t = &mut g.tensors[wt];
                t.dtype = DType::I8;
                t.data = Some(i8_bytes(&q));
                t.quant = Some(Quant::per_tensor(scales[0], 0));
            }
        }
        for k in 0..op.inputs.len() {
            if done.contains(&k) {
                continue;
            }
            if let Some(ct) = float_const(&g, &op, k) {
                let (q, values) = quantize_const_per_tensor(&g.tensors[ct])?;
                let t = &mut g.tensors[ct];
                t.dtype = DType::I8;
                t.data = Some(i8_bytes(&values));
                t.quant = Some(q);
            }
        }
        let op = &mut g.ops[oi];
        if let Some(def) = ops::def_of(op) {
            def.quantized_options(op, QuantMode::Int8)?;
        }
    }
    insert_requantizations(&mut g, &prop);
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
        pre.push(Op::new(
            BuiltinOperator::Quantize,
            None,
            vec![ni as i32],
            vec![qi as i32],
        ));
        rename_signature(&mut g, qi, ni, true);
    }
    // Each output's DEQUANTIZE (float io) or QUANTIZE (uint8 io) follows the op producing
    // the output, as TF places them (for an op with several outputs, in output order).
    let mut after: Vec<Vec<Op>> = vec![Vec::new(); g.ops.len()];
    let mut first = Vec::new();
    let produced_at = |g: &Graph, t: usize| {
        g.ops
            .iter()
            .position(|op| op.outputs.contains(&(t as i32)))
            .map(|oi| {
                let k = g.ops[oi].outputs.iter().position(|&o| o == t as i32);
                (oi, k.unwrap_or(0))
            })
    };
    let mut placed: Vec<(Option<(usize, usize)>, Op)> = Vec::new();
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
        let code = if output == IoType::Float32 {
            BuiltinOperator::Dequantize
        } else {
            BuiltinOperator::Quantize
        };
        let op = Op::new(code, None, vec![qo as i32], vec![ni as i32]);
        placed.push((produced_at(&g, qo), op));
        rename_signature(&mut g, qo, ni, false);
    }
    placed.sort_by_key(|(at, _)| *at);
    for (at, op) in placed {
        match at {
            Some((oi, _)) => after[oi].push(op),
            None => first.push(op),
        }
    }
    pre.append(&mut first);
    for (op, mut tail) in std::mem::take(&mut g.ops).into_iter().zip(after) {
        pre.push(op);
        pre.append(&mut tail);
    }
    g.ops = pre;
    // The float model's ops keep their order among the QUANTIZE / DEQUANTIZE ops the io
    // step added (a float model has none of its own): the j-th other op is op j.
    let mut kept = Vec::new();
    let mut j = 0;
    for (i, op) in g.ops.iter().enumerate() {
        if !matches!(
            op.code,
            BuiltinOperator::Quantize | BuiltinOperator::Dequantize
        ) {
            if float_ops.get(j) == Some(&true) {
                kept.push(i);
            }
            j += 1;
        }
    }
    if !kept.is_empty() {
        selective::keep_float(&mut g, &kept)?;
    }
    Ok(g)
}

/// Per-tensor int32 bias: one scale `f32(in_scale · w_scale)` for every channel. When TF's
/// overflow guard raises a channel's scale, the largest raised scale is used for the whole
/// tensor (and the weight scale follows it). Returns (values, [bias scale], [weight scale]).
fn per_tensor_bias(b: &[f32], in_scale: f32, w_scale: f32) -> (Vec<i32>, Vec<f32>, Vec<f32>) {
    let bq = quantize_bias(b, in_scale, &vec![w_scale; b.len()]);
    let Some(&c) = bq
        .adjusted
        .iter()
        .max_by(|&&x, &&y| bq.scales[x].total_cmp(&bq.scales[y]))
    else {
        return (
            bq.values,
            vec![bq.scales.first().copied().unwrap_or(0.0)],
            vec![w_scale],
        );
    };
    let w = bq.weight_scales[c];
    let again = quantize_bias(b, in_scale, &vec![w; b.len()]);
    (again.values, vec![again.scales[0]], vec![w])
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
        IoType::Int8 | IoType::Int16 => {}
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
