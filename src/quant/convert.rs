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
use super::params::{
    activation_params, quantize_bias, quantize_weights, round_half_away, weight_scales,
};
use crate::error::{Error, Result};
use crate::graph::{
    f16_bytes, i32_bytes, i8_bytes, BuiltinOperator, DType, Graph, Op, Quant, Tensor,
};
use crate::ops::{self, OutputRule, QuantMode, QuantSpec};

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
    /// `target_spec.supported_types` contains `float16`.
    pub float16: bool,
    /// `target_spec.supported_ops` lists `TFLITE_BUILTINS_INT8`, alone or with
    /// `TFLITE_BUILTINS` (`int8_ops_only` is the "alone" case).
    pub int8_ops_listed: bool,
    /// `target_spec.supported_types` contains `int8`.
    pub int8_type: bool,
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
            int8_ops_listed: false,
            int8_type: false,
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
        self.int8_ops_listed = int8;
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
        let mode = if !self.optimize {
            Mode::Float32
        } else if types_only_f16 {
            Mode::Float16
        } else if let Some(ds) = &self.representative_dataset {
            if ds.data.is_empty() || ds.shape.first() == Some(&0) {
                return Err(Error::converter(
                    "the representative dataset is empty: full-integer quantization needs at \
                     least one sample",
                ));
            }
            Mode::FullInteger {
                input: self.inference_input_type,
                output: self.inference_output_type,
            }
        } else {
            Mode::DynamicRange
        };
        let float_io = self.inference_input_type == IoType::Float32
            && self.inference_output_type == IoType::Float32;
        if !float_io && !matches!(mode, Mode::FullInteger { .. }) {
            return Err(Error::converter(
                "the inference_input_type and inference_output_type must be float32: int8 / \
                 uint8 io needs full-integer quantization (optimizations [DEFAULT] with a \
                 representative dataset, supported_types not [float16])",
            ));
        }
        Ok(mode)
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
            let width = super::calibrate::sample_width(float_graph)?;
            super::calibrate::check_calibration_data("representative dataset", &ds.data, width)?;
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

/// Symmetric per-channel int8 weights along `axis`: (scales, values in the tensor's layout).
/// `scales` given: quantize with them (after the bias overflow guard); else compute them.
fn quantize_weight_tensor(
    t: &Tensor,
    axis: i32,
    scales: Option<&[f32]>,
) -> Result<(Vec<f32>, Vec<i8>)> {
    let w = t.f32_data()?;
    let (cm, ch) = channel_major(&w, &t.shape, axis, false)?;
    let scales = match scales {
        Some(s) => s.to_vec(),
        None => weight_scales(&cm, ch),
    };
    // Keras accepts non-finite weights (and TF writes them), but a channel holding ±inf or
    // NaN has no int8 scale: TF writes an inf / NaN scale that LiteRT's kernels cannot
    // run; we refuse it, naming the channel.
    if let Some(c) = scales.iter().position(|s| !s.is_finite()) {
        return Err(Error::converter(format!(
            "weights '{}': channel {c} (along dimension {axis}) would get the int8 scale {} \
             (a weight or the bias of this channel is not finite): int8 cannot represent it \
             (keep this model in float32 or float16, or fix the weights)",
            t.name, scales[c]
        )));
    }
    let q = quantize_weights(&cm, &scales);
    // Back to the tensor's layout (through f32: every int8 value is exact in f32).
    let qf: Vec<f32> = q.iter().map(|&v| v as f32).collect();
    let (back, _) = channel_major(&qf, &t.shape, axis, true)?;
    Ok((scales, back.iter().map(|&v| v as i8).collect()))
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
fn dynamic_range(src: &Graph) -> Result<Graph> {
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
            let (scales, q) = quantize_weight_tensor(&g.tensors[t], wi.axis, None)?;
            let tensor = &mut g.tensors[t];
            tensor.dtype = DType::I8;
            tensor.data = Some(i8_bytes(&q));
            tensor.quant = Some(Quant::per_channel(scales, wi.axis));
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

/// Union-find over tensor indices (the groups of tensors that share one scale).
struct Groups(Vec<usize>);

impl Groups {
    fn find(&mut self, mut t: usize) -> usize {
        while self.0[t] != t {
            self.0[t] = self.0[self.0[t]];
            t = self.0[t];
        }
        t
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[rb] = ra;
        }
    }
}

/// Where an activation's parameters come from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Source {
    /// Its own calibrated range.
    Calibrated(usize),
    /// Fixed by the producing op's kernel.
    Fixed(f32, i64),
}

/// Int8 parameters of every float activation (non-constant float32 tensor) of `g`, from the
/// ops' output rules: own calibrated range, same as an input, fixed, or — for shared-scale
/// ops (CONCATENATION) — the output's calibrated range imposed on every activation operand
/// (the producers then write directly in that scale). Tensors linked by these rules form
/// groups that get one set of parameters.
fn activation_quant(g: &Graph, ranges: &Ranges, specs: &[QuantSpec]) -> Result<Vec<Option<Quant>>> {
    let n = g.tensors.len();
    let is_act = |t: usize| g.tensors[t].dtype == DType::F32 && g.tensors[t].data.is_none();
    let mut groups = Groups((0..n).collect());
    let mut own: Vec<Option<Source>> = vec![None; n];
    // (op index, output tensor) of shared-scale ops: their range anchors their group.
    let mut shared: Vec<(usize, usize)> = Vec::new();
    for &i in &g.inputs {
        if is_act(i) {
            own[i] = Some(Source::Calibrated(i));
        }
    }
    for (oi, (op, spec)) in g.ops.iter().zip(specs).enumerate() {
        for &o in &op.outputs {
            let o = o as usize;
            if !is_act(o) {
                continue;
            }
            let same_as = |k: usize| {
                op.inputs
                    .get(k)
                    .and_then(|&i| usize::try_from(i).ok())
                    .filter(|&i| is_act(i))
            };
            match spec.output {
                OutputRule::Calibrated => own[o] = Some(Source::Calibrated(o)),
                OutputRule::Fixed { int8, .. } => own[o] = Some(Source::Fixed(int8.0, int8.1)),
                OutputRule::SameAsInput(k) => match same_as(k) {
                    Some(i) => groups.union(i, o),
                    // Input k is a constant: the output has nothing to follow.
                    None => own[o] = Some(Source::Calibrated(o)),
                },
                OutputRule::Unquantized => {
                    return Err(Error::converter(format!(
                        "op {oi} ({}): float32 output '{}' cannot be quantized",
                        op.display_name(),
                        g.tensors[o].name
                    )))
                }
            }
            if spec.shared_scale {
                shared.push((oi, o));
                for (k, &i) in op.inputs.iter().enumerate() {
                    let Ok(i) = usize::try_from(i) else { continue };
                    if is_act(i) && !spec.unquantized_inputs.contains(&k) {
                        groups.union(o, i);
                    }
                }
            }
        }
    }
    // One source per group: a shared-scale op's output if the group has one, else the
    // group's single own source.
    let mut source: Vec<Option<(Source, usize)>> = vec![None; n];
    for &(oi, o) in &shared {
        let r = groups.find(o);
        if let Some((_, first)) = source[r] {
            return Err(Error::unsupported(format!(
                "op {oi} ({}) and op {first} both impose their output scale on tensor '{}' \
                 (chained shared-scale ops)",
                g.ops[oi].display_name(),
                g.tensors[o].name
            )));
        }
        source[r] = Some((Source::Calibrated(o), oi));
    }
    for (t, src) in own.iter().enumerate() {
        let Some(src) = *src else { continue };
        let r = groups.find(t);
        match source[r] {
            None => source[r] = Some((src, usize::MAX)),
            Some((_, oi)) if oi != usize::MAX => {
                if let Source::Fixed(..) = src {
                    return Err(Error::unsupported(format!(
                        "tensor '{}' has fixed quantization parameters but op {oi} ({}) \
                         imposes its own scale on it",
                        g.tensors[t].name,
                        g.ops[oi].display_name()
                    )));
                }
            }
            Some(_) => {
                return Err(Error::converter(format!(
                    "tensor '{}' has two sources of quantization parameters (internal error)",
                    g.tensors[t].name
                )))
            }
        }
    }
    let mut params: Vec<Option<Quant>> = vec![None; n];
    for (t, param) in params.iter_mut().enumerate() {
        if !is_act(t) {
            continue;
        }
        let r = groups.find(t);
        let Some((src, _)) = source[r] else {
            continue; // not reached by any op (an unused tensor)
        };
        let q = match src {
            Source::Fixed(s, zp) => Quant::per_tensor(s, zp),
            Source::Calibrated(c) => {
                let (lo, hi) = ranges.get(c).ok_or_else(|| {
                    Error::converter(format!(
                        "tensor '{}' saw no finite value during calibration (NaN in every \
                         sample, or never computed): it has no range to quantize with",
                        g.tensors[c].name
                    ))
                })?;
                let (s, zp) = activation_params(lo, hi);
                if !(s.is_finite() && lo.is_finite() && hi.is_finite()) {
                    return Err(Error::converter(format!(
                        "tensor '{}': its calibrated range [{lo}, {hi}] gives the int8 scale \
                         {s}, which is not finite (the values overflow float32; non-finite \
                         weights?): it cannot be quantized",
                        g.tensors[c].name
                    )));
                }
                Quant::per_tensor(s, zp)
            }
        };
        *param = Some(q);
    }
    Ok(params)
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
fn full_integer(src: &Graph, ranges: &Ranges, input: IoType, output: IoType) -> Result<Graph> {
    let mut g = src.clone();
    let specs = specs(&g)?;
    for (oi, (op, spec)) in g.ops.iter().zip(&specs).enumerate() {
        if !spec.int8 {
            return Err(Error::converter(format!(
                "op {oi} ({}) has no int8 kernel in TFLite: it cannot be fully \
                 integer-quantized",
                op.display_name()
            )));
        }
    }
    // A weight channel without a finite int8 scale is named before the activations it
    // makes non-finite are.
    for (op, spec) in g.ops.iter().zip(&specs) {
        for wi in &spec.weights {
            if let Some(t) = float_const(&g, op, wi.input) {
                quantize_weight_tensor(&g.tensors[t], wi.axis, None)?;
            }
        }
    }
    // Activations first (one pass over the whole graph: shared scales may reach back to
    // producers), then each op's constants in op order.
    let params = activation_quant(&g, ranges, &specs)?;
    for (t, q) in params.iter().enumerate() {
        if let Some(q) = q {
            let tensor = &mut g.tensors[t];
            tensor.dtype = DType::I8;
            tensor.quant = Some(q.clone());
        }
    }
    for (oi, spec) in specs.iter().enumerate() {
        let op = g.ops[oi].clone();
        let what = || format!("op {oi} ({})", op.display_name());
        for (k, &i) in op.inputs.iter().enumerate() {
            let Ok(t) = usize::try_from(i) else { continue };
            if g.tensors[t].data.is_none()
                && g.tensors[t].dtype == DType::F32
                && !spec.unquantized_inputs.contains(&k)
            {
                return Err(Error::converter(format!(
                    "{}: input '{}' has no quantization parameters",
                    what(),
                    g.tensors[t].name
                )));
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
            let (mut scales, _) = quantize_weight_tensor(&g.tensors[wt], wi.axis, None)?;
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
                    let bq = quantize_bias(&bv, in_scale, &scales);
                    scales = bq.weight_scales;
                    let t = &mut g.tensors[bt];
                    t.dtype = DType::I32;
                    t.data = Some(i32_bytes(&bq.values));
                    t.quant = Some(Quant::per_channel(bq.scales, 0));
                }
            }
            let (scales, q) = quantize_weight_tensor(&g.tensors[wt], wi.axis, Some(&scales))?;
            let t = &mut g.tensors[wt];
            t.dtype = DType::I8;
            t.data = Some(i8_bytes(&q));
            t.quant = Some(Quant::per_channel(scales, wi.axis));
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
        g.ops
            .push(Op::new(code, None, vec![qo as i32], vec![ni as i32]));
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
