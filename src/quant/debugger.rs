//! TF's `tf.lite.experimental.QuantizationDebugger`: the model it quantizes and (in the JS
//! API) its per-layer statistics.
//!
//! `get_nondebug_quantized_model()` quantizes the calibrated model with `fully_quantize =
//! False`: float inputs and outputs whatever the converter's inference types, the
//! denylisted ops kept float ([`super::selective`]), CONVERSION_METADATA stored first.
//! TF 2.21 refuses a converter without a representative dataset ("converter object must
//! set representative_dataset") and fails on a float16 one (`tests/fixtures/modes/matrix.json`).

use super::convert::{convert, ConverterOptions, IoType};
use super::finalize::ModelSource;
use crate::error::{Error, Result};
use crate::graph::Graph;

/// The options the debugger quantizes with: the converter's, with float io and
/// `calibrate_only` off. Errors as TF's debugger refuses the converter.
pub fn nondebug_options(opts: &ConverterOptions) -> Result<ConverterOptions> {
    if opts.representative_dataset.is_none() {
        return Err(Error::converter(
            "QuantizationDebugger: the converter has no representativeDataset; the debugger \
             compares a full-integer model with the float one, so set representativeDataset \
             on the converter first",
        ));
    }
    if opts.float16 || !opts.optimize {
        return Err(Error::converter(
            "QuantizationDebugger: the converter must ask for full-integer quantization \
             (optimizations=[\"DEFAULT\"], no supportedTypes float16)",
        ));
    }
    let mut o = opts.clone();
    o.inference_input_type = IoType::Float32;
    o.inference_output_type = IoType::Float32;
    o.calibrate_only = false;
    // TF's debugger quantizes with `disable_per_channel` only (`mlir_quantize` is not given
    // the Dense-layers switch).
    o.disable_per_channel_for_dense = false;
    o.debugger = true;
    Ok(o)
}

/// `get_nondebug_quantized_model()` of a debugger made with `opts`.
pub fn nondebug_model(
    float_graph: &Graph,
    opts: &ConverterOptions,
    source: ModelSource,
    progress: impl FnMut(usize, usize),
) -> Result<Graph> {
    convert(float_graph, &nondebug_options(opts)?, source, progress)
}

/// TF's default layer metrics (`debugger.py`, `_DEFAULT_LAYER_DEBUG_METRICS`), in CSV order.
pub const DEFAULT_LAYER_METRICS: [&str; 5] = [
    "num_elements",
    "stddev",
    "mean_error",
    "max_abs_error",
    "mean_squared_error",
];

/// One verified layer: an op of the float model that is quantized in the debugged model.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// Builtin op name (`FULLY_CONNECTED`).
    pub op_name: String,
    /// Index of the op in the float model.
    pub float_op: usize,
    /// Index of its quantized output tensor in the quantized model ([`Debugger::model`]).
    pub tensor_idx: usize,
    /// That tensor's name in the float model (the node name `denylisted_nodes` takes).
    pub tensor_name: String,
    pub scale: f32,
    pub zero_point: i64,
}

/// What one debug sample gives for one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSample {
    /// The float op's result on the dequantized quantized inputs (the float model input
    /// itself for the first ops), as TF's debug model computes it.
    pub float: Vec<f32>,
    /// The quantized op's result (int8 values).
    pub quantized: Vec<i8>,
    /// `dequantize(quantized) - float`, TF's NumericVerify difference:
    /// `f32(f64(scale) · (q - zero_point)) - float`.
    pub diffs: Vec<f32>,
}

/// TF's default metrics of one sample's differences, in [`DEFAULT_LAYER_METRICS`] order:
/// `diffs.size`, `np.std(diffs)`, `np.average(diffs)`, `np.max(np.abs(diffs))`,
/// `np.average(diffs**2)`, with NumPy's float32 arithmetic (pairwise sums, float32
/// results).
pub fn default_metrics(diffs: &[f32]) -> [f64; 5] {
    let n = diffs.len();
    if n == 0 {
        return [0.0, f64::NAN, f64::NAN, f64::NAN, f64::NAN];
    }
    let mean = np_mean(diffs);
    let dev: Vec<f32> = diffs.iter().map(|&d| (d - mean) * (d - mean)).collect();
    let std = np_mean(&dev).sqrt();
    let max_abs = diffs.iter().fold(0f32, |m, &d| m.max(d.abs()));
    let sq: Vec<f32> = diffs.iter().map(|&d| d * d).collect();
    [
        n as f64,
        std as f64,
        mean as f64,
        max_abs as f64,
        np_mean(&sq) as f64,
    ]
}

/// NumPy's float32 `add.reduce` of a contiguous array: pairwise summation over 8 lanes
/// (`pairwise_sum` in numpy/_core/src/umath/loops_utils.h.src).
pub fn np_sum(a: &[f32]) -> f32 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        let mut res = 0f32;
        for &v in a {
            res += v;
        }
        res
    } else if n <= BLOCK {
        let mut r = [0f32; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        np_sum(&a[..n2]) + np_sum(&a[n2..])
    }
}

/// `np.mean` of a float32 array (float32 sum divided by the count, in float32).
pub fn np_mean(a: &[f32]) -> f32 {
    np_sum(a) / a.len() as f32
}

/// `np.nanmean` of per-sample values (float32, as TF's per-sample metrics are; NaN when
/// every value is NaN).
pub fn nanmean(values: &[f64]) -> f64 {
    let kept: Vec<f32> = values
        .iter()
        .filter(|v| !v.is_nan())
        .map(|&v| v as f32)
        .collect();
    if kept.is_empty() {
        f64::NAN
    } else {
        np_mean(&kept) as f64
    }
}

/// Signal-to-quantization-noise ratio in dB: `10·log10(Σ float² / Σ diff²)` (∞ when the
/// differences are all zero).
pub fn sqnr_db(float: &[f32], diffs: &[f32]) -> f64 {
    let s: f64 = float.iter().map(|&v| (v as f64).powi(2)).sum();
    let e: f64 = diffs.iter().map(|&v| (v as f64).powi(2)).sum();
    if e == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (s / e).log10()
    }
}

/// TF's `QuantizationDebugger` on our interpreter: the quantized model (the non-debug
/// model, denylisted ops float) runs one debug sample at a time; for every quantized op the
/// float op runs on the same inputs, dequantized — the model's float input itself for the
/// first ops — and the difference is what TF's NumericVerify op reports. Per-layer metrics
/// are computed per sample and averaged over the samples (`np.nanmean`), as
/// `QuantizationDebugger.layer_statistics` does.
pub struct Debugger {
    float_graph: Graph,
    model: Graph,
    layers: Vec<Layer>,
    quant: crate::interp::Interpreter,
    float_model: crate::interp::Interpreter,
    /// One interpreter per layer: the float op alone, its activation inputs as model inputs.
    float_ops: Vec<crate::interp::Interpreter>,
    /// For each layer, for each input of its float interpreter: the quantized model's
    /// tensor that feeds it.
    feeds: Vec<Vec<usize>>,
    /// FULLY_CONNECTED layers: the float reference in TFLite's reference-kernel order.
    reference_fc: Vec<Option<ReferenceFc>>,
}

/// TFLite's reference float FULLY_CONNECTED (`reference_ops::FullyConnected`): for each
/// output, `Σ_d x[d]·w[o][d]` summed in order in float32, plus the bias, clamped to the
/// fused activation's range. TF's QuantizationDebugger computes its float references with
/// whatever kernels its interpreter has; under the reference kernels (the ones our int8
/// kernels match) this is the order, and FULLY_CONNECTED is where the order shows in the
/// statistics (`tests/quant_debugger.rs`; our interpreter's float FULLY_CONNECTED sums in
/// the order of TF's optimized calibrator instead).
struct ReferenceFc {
    w: Vec<f32>,
    b: Option<Vec<f32>>,
    units: usize,
    act: (f32, f32),
}

impl ReferenceFc {
    fn of(g: &Graph, op: &crate::graph::Op) -> Option<Self> {
        if op.code != crate::graph::BuiltinOperator::FullyConnected {
            return None;
        }
        let t = |k: usize| {
            op.inputs
                .get(k)
                .and_then(|&i| usize::try_from(i).ok())
                .map(|i| &g.tensors[i])
        };
        let wt = t(1)?;
        let w = wt.f32_data().ok()?;
        let units = *wt.shape.first()? as usize;
        let b = match t(2) {
            Some(bt) => Some(bt.f32_data().ok()?),
            None => None,
        };
        let act = crate::ops::fused_activation(op)
            .ok()?
            .unwrap_or(crate::graph::Activation::None);
        let act = crate::ops::util::float_activation_range(act, "FULLY_CONNECTED").ok()?;
        Some(ReferenceFc { w, b, units, act })
    }

    fn eval(&self, x: &[f32]) -> Vec<f32> {
        let depth = self.w.len() / self.units.max(1);
        let batches = x.len() / depth.max(1);
        let mut out = Vec::with_capacity(batches * self.units);
        for row in x.chunks(depth.max(1)).take(batches) {
            for o in 0..self.units {
                let mut total = 0f32;
                for (d, &xv) in row.iter().enumerate() {
                    total += xv * self.w[o * depth + d];
                }
                let bias = self.b.as_ref().map_or(0.0, |b| b[o]);
                out.push((total + bias).clamp(self.act.0, self.act.1));
            }
        }
        out
    }
}

impl Debugger {
    /// Quantizes `float_graph` with `opts` as the debugger does ([`nondebug_model`]) and
    /// prepares the interpreters.
    pub fn new(
        float_graph: &Graph,
        opts: &ConverterOptions,
        source: ModelSource,
        progress: impl FnMut(usize, usize),
    ) -> Result<Self> {
        let model = nondebug_model(float_graph, opts, source, progress)?;
        Self::for_model(float_graph, model)
    }

    /// A debugger for `model`, a quantized conversion of `float_graph` by this converter.
    pub fn for_model(float_graph: &Graph, model: Graph) -> Result<Self> {
        use crate::graph::{BuiltinOperator as B, DType};
        // The float model's ops appear in the quantized model in order, among the QUANTIZE /
        // DEQUANTIZE ops the conversion adds (a float32 model has none of its own).
        if float_graph
            .ops
            .iter()
            .any(|o| matches!(o.code, B::Quantize | B::Dequantize))
        {
            return Err(Error::unsupported(
                "QuantizationDebugger on a float model with QUANTIZE / DEQUANTIZE ops",
            ));
        }
        let core: Vec<usize> = (0..model.ops.len())
            .filter(|&i| !matches!(model.ops[i].code, B::Quantize | B::Dequantize))
            .collect();
        if core.len() != float_graph.ops.len() {
            return Err(Error::converter(format!(
                "QuantizationDebugger: the quantized model has {} ops besides QUANTIZE / \
                 DEQUANTIZE, the float model {} (internal error)",
                core.len(),
                float_graph.ops.len()
            )));
        }
        // Model tensor -> the float model input it quantizes (the first ops' float
        // reference reads the float input itself, as TF's debug model does).
        let mut from_input: Vec<Option<usize>> = vec![None; model.tensors.len()];
        for op in &model.ops {
            if op.code == B::Quantize {
                let (i, o) = (op.inputs[0] as usize, op.outputs[0] as usize);
                if model.inputs.contains(&i) {
                    from_input[o] = Some(i);
                }
            }
        }
        let mut layers = Vec::new();
        let mut float_ops = Vec::new();
        let mut feeds = Vec::new();
        let mut reference_fc = Vec::new();
        for (j, &qi) in core.iter().enumerate() {
            let qop = &model.ops[qi];
            let Some(&out) = qop.outputs.first() else {
                continue;
            };
            let out = out as usize;
            let t = &model.tensors[out];
            if t.dtype != DType::I8 || t.data.is_some() {
                continue; // kept float, or not an activation
            }
            let q = t
                .quant
                .as_ref()
                .filter(|q| q.scale.len() == 1)
                .ok_or_else(|| {
                    Error::converter(format!("tensor '{}' has no per-tensor parameters", t.name))
                })?;
            let fop = float_graph.ops[j].clone();
            let mut g = float_graph.clone();
            let mut ins = Vec::new();
            let mut feed = Vec::new();
            for (k, &fi) in fop.inputs.iter().enumerate() {
                let Ok(fi) = usize::try_from(fi) else {
                    continue;
                };
                if float_graph.tensors[fi].data.is_some() {
                    continue;
                }
                let mi = qop.inputs[k] as usize;
                ins.push(fi);
                feed.push(from_input[mi].unwrap_or(mi));
            }
            g.ops = vec![fop.clone()];
            g.inputs = ins;
            g.outputs = vec![fop.outputs[0] as usize];
            g.signature = None;
            float_ops.push(crate::interp::Interpreter::new(g)?);
            reference_fc.push(ReferenceFc::of(float_graph, &fop));
            feeds.push(feed);
            layers.push(Layer {
                op_name: qop.name().to_string(),
                float_op: j,
                tensor_idx: out,
                tensor_name: float_graph.tensors[fop.outputs[0] as usize].name.clone(),
                scale: q.scale[0],
                zero_point: q.zero_point[0],
            });
        }
        Ok(Debugger {
            float_graph: float_graph.clone(),
            quant: crate::interp::Interpreter::new(model.clone())?,
            float_model: crate::interp::Interpreter::new(float_graph.clone())?,
            model,
            layers,
            float_ops,
            feeds,
            reference_fc,
        })
    }

    /// The verified layers, in op order.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The quantized model (TF's `get_nondebug_quantized_model()`).
    pub fn model(&self) -> &Graph {
        &self.model
    }

    /// The float model.
    pub fn float_graph(&self) -> &Graph {
        &self.float_graph
    }

    /// Runs one debug sample (`x`: one row, the model input's elements): each layer's
    /// float and quantized results and differences, and the float and quantized models'
    /// first outputs (for model-level metrics).
    pub fn sample(&mut self, x: &[f32]) -> Result<(Vec<LayerSample>, Vec<f32>, Vec<f32>)> {
        self.quant.set_input_f32(0, x)?;
        self.quant.invoke()?;
        self.float_model.set_input_f32(0, x)?;
        self.float_model.invoke()?;
        let mut out = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            let mut ins = Vec::with_capacity(self.feeds[l].len());
            for &src in &self.feeds[l] {
                ins.push(match self.model.tensors[src].dtype {
                    crate::graph::DType::F32 => self.quant.tensor_f32(src)?,
                    _ => {
                        let q = self.model.tensors[src].quant.clone().unwrap_or_default();
                        let s = q.scale.first().copied().unwrap_or(1.0);
                        let zp = q.zero_point.first().copied().unwrap_or(0);
                        dequantize(&self.quant.tensor_i8(src)?, s, zp)
                    }
                });
            }
            let float = match &self.reference_fc[l] {
                Some(fc) => fc.eval(&ins[0]),
                None => {
                    let it = &mut self.float_ops[l];
                    for (k, v) in ins.iter().enumerate() {
                        it.set_input_f32(k, v)?;
                    }
                    it.invoke()?;
                    it.output_f32(0)?
                }
            };
            let quantized = self.quant.tensor_i8(layer.tensor_idx)?;
            let dq = dequantize(&quantized, layer.scale, layer.zero_point);
            let diffs = dq.iter().zip(&float).map(|(&a, &b)| a - b).collect();
            out.push(LayerSample {
                float,
                quantized,
                diffs,
            });
        }
        Ok((
            out,
            self.float_model.output_f32(0)?,
            self.quant.output_f32(0)?,
        ))
    }
}

/// TFLite's reference DEQUANTIZE: `f32(f64(scale) · (q - zero_point))`.
pub fn dequantize(q: &[i8], scale: f32, zero_point: i64) -> Vec<f32> {
    q.iter()
        .map(|&v| (scale as f64 * (v as i64 - zero_point) as f64) as f32)
        .collect()
}

/// A number as Python's `repr` writes it (what TF's `layer_statistics_dump` CSV holds):
/// the shortest digits that round-trip, in scientific notation (`1.0157755e-06`) when the
/// decimal exponent is below -4 or at least 16, `64.0` for integral values, `nan`, `inf`.
/// `single`: the value is a float32 (NumPy's float32 repr), else a float64.
pub fn py_repr(v: f64, single: bool) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Shortest round-trip digits and exponent from Rust's `{:e}`.
    let e = if single {
        format!("{:e}", v as f32)
    } else {
        format!("{v:e}")
    };
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
    } else if (point as usize) >= digits.len() {
        format!(
            "{sign}{digits}{}.0",
            "0".repeat(point as usize - digits.len())
        )
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{sign}{a}.{b}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr_of_csv_values() {
        // Values as TF's layer_statistics_dump wrote them (modes/*/debugger_layer_stats.csv).
        for (v, single, want) in [
            (64.0, true, "64.0"),
            (0.16191262, true, "0.16191262"),
            (-0.085262455, true, "-0.085262455"),
            (1.0157755e-06, true, "1.0157755e-06"),
            (1.790916e-15, true, "1.790916e-15"),
            (0.00390625, true, "0.00390625"),
            (0.10491431378759444, false, "0.10491431378759444"),
            (1152.0, true, "1152.0"),
            (-128.0, false, "-128.0"),
        ] {
            assert_eq!(py_repr(v, single), want);
        }
    }

    #[test]
    fn numpy_pairwise_sum() {
        // Below 8 elements a plain loop; from 8 on, 8 lanes (the lane sums differ from a
        // plain loop's rounding on these values).
        let a: Vec<f32> = (0..20).map(|i| 0.1 + i as f32 * 1e-3).collect();
        let mut r = [0f32; 8];
        r.copy_from_slice(&a[..8]);
        for i in 8..16 {
            r[i - 8] += a[i];
        }
        let mut want = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[16..] {
            want += v;
        }
        assert_eq!(np_sum(&a).to_bits(), want.to_bits());
        assert_eq!(np_sum(&a[..3]), a[0] + a[1] + a[2]);
    }
}
