//! The calibration report behind the app's Inspect panel (`conv.calibrationReport()`):
//! what full-integer quantization does to every tensor of a float32 graph, and how much
//! error each layer's int8 output carries.
//!
//! - **Tensors**: every float activation the calibrator observes (graph input, op outputs):
//!   its calibrated min/max (exactly [`calibrate`]'s, so exactly the converter's), a
//!   histogram of the calibration values over the range widened to include 0, the int8
//!   scale / zero point the int8 graph gives it, the real interval the int8 grid covers
//!   (`scale · (q − zp)` for `q ∈ [−128, 127]`; values outside it are clipped) and how many
//!   values of the evaluation set fall outside that interval.
//! - **Weights**: per weight input of every op that has one (FULLY_CONNECTED, …; the op
//!   registry's `QuantSpec::weights`), the per-output-channel weight scales of the int8
//!   graph (after the converter's bias-overflow adjustment) and the weights' own SQNR.
//! - **Layers**: per op of the float graph, the error between its float output and the int8
//!   graph's output dequantized (`scale · (q − zp)`): SQNR in dB and max |error|.
//!
//! The int8 graph is built by the converter itself ([`convert`], full integer, float io).
//! That pass clones the float graph and only appends tensors (the float io tensors), so
//! tensor `t` of the float graph is tensor `t` of the int8 graph — which is how the report
//! pairs float and int8 activations. Both graphs run one sample at a time (batch 1), as the
//! calibrator does.

use serde::Serialize;

use super::calibrate::{calibrate_with, sample_width, Ranges};
use super::convert::{convert, ConverterOptions, IoType, RepresentativeDataset};
use super::finalize::ModelSource;
use super::method::{search, CalibrationConfig, Method};
use crate::error::{Error, Result};
use crate::graph::{DType, Graph, Op};
use crate::interp::Interpreter;

/// Number of histogram bins per tensor.
pub const HISTOGRAM_BINS: usize = 64;

/// Everything the Inspect panel shows; plain data (serializes to JSON, camelCase).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalibrationReport {
    /// Samples in the representative dataset.
    pub calibration_samples: usize,
    /// Samples the per-layer errors were measured on.
    pub evaluation_samples: usize,
    /// `"calibration"` or `"evaluation"`: which set the errors and clip counts come from.
    pub evaluation_set: &'static str,
    pub tensors: Vec<TensorReport>,
    pub weights: Vec<WeightReport>,
    pub layers: Vec<LayerReport>,
    /// Index into `layers` of the layer with the lowest SQNR (the worst), if any.
    pub worst_layer: Option<usize>,
}

/// One float activation and its int8 mapping.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TensorReport {
    /// Tensor index (the same in the float and int8 graphs).
    pub index: usize,
    pub name: String,
    pub shape: Vec<i32>,
    /// `"input"`, `"activation"` or `"output"`.
    pub role: &'static str,
    /// The op that produces it (`"FULLY_CONNECTED"`, …), `None` for the graph input.
    pub producer: Option<String>,
    /// Calibrated range, as the converter uses it.
    pub min: f32,
    pub max: f32,
    pub histogram: Histogram,
    pub scale: f32,
    pub zero_point: i64,
    /// Real values of the int8 codes −128 and 127: the interval that is not clipped.
    pub grid_min: f32,
    pub grid_max: f32,
    /// Values of the evaluation set below `grid_min` / above `grid_max` (clipped).
    pub clipped_below: usize,
    pub clipped_above: usize,
    /// Values of the evaluation set observed for this tensor.
    pub values: usize,
    /// The calibrated min/max (TF's range; `min`/`max` above are the range the chosen
    /// calibration method gave).
    pub calibrated_min: f32,
    pub calibrated_max: f32,
    /// Each calibration method's range for this tensor, from its calibration histogram, with
    /// the share of calibration values it clips and its expected int8 error (empty when the
    /// tensor has no finite value).
    pub methods: Vec<MethodRange>,
}

/// One calibration method's range for a tensor ([`super::method`]).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodRange {
    /// `"minmax"`, `"percentile"`, `"entropy"` or `"mse"`.
    pub method: &'static str,
    pub min: f32,
    pub max: f32,
    /// Share of the calibration values outside `[min, max]` (0..1, by histogram bin).
    pub clipped_fraction: f64,
    /// Expected squared error per value of int8 quantization with this range (the MSE
    /// method's objective, over the histogram), in the tensor's units squared.
    pub expected_mse: f64,
}

/// Counts of values in `bins` equal-width bins over `[lo, hi]`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Histogram {
    pub lo: f32,
    pub hi: f32,
    pub counts: Vec<u32>,
}

impl Histogram {
    /// Empty histogram over the range `[min, max]` widened to include 0 (and to a width of at
    /// least 2e-6, as the converter widens degenerate ranges).
    pub fn new(min: f32, max: f32, bins: usize) -> Self {
        let (mut lo, mut hi) = (min.min(0.0), max.max(0.0));
        if hi - lo < 2.0e-6 {
            lo -= 1.0e-6;
            hi += 1.0e-6;
        }
        Histogram {
            lo,
            hi,
            counts: vec![0; bins.max(1)],
        }
    }

    /// Adds values; values outside `[lo, hi]` go to the end bins (NaN is skipped).
    pub fn add(&mut self, vals: &[f32]) {
        let n = self.counts.len();
        let width = (self.hi - self.lo) as f64;
        for &v in vals {
            if v.is_nan() {
                continue;
            }
            let k = ((v - self.lo) as f64 / width * n as f64).floor();
            let k = if k < 0.0 { 0 } else { (k as usize).min(n - 1) };
            self.counts[k] += 1;
        }
    }
}

/// Per-channel weight quantization of one FULLY_CONNECTED op.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightReport {
    /// Op index in the float graph.
    pub op: usize,
    /// Weight tensor index and name.
    pub tensor: usize,
    pub name: String,
    /// The weights' shape (FULLY_CONNECTED `[out, in]`).
    pub shape: Vec<i32>,
    /// One scale per output channel along the quantized dimension (zero point 0, narrow
    /// range [−127, 127]).
    pub scales: Vec<f32>,
    /// max |w| per output channel.
    pub abs_max: Vec<f32>,
    /// Signal-to-quantization-noise ratio of the whole weight tensor, dB (`None`: exact).
    pub sqnr_db: Option<f64>,
}

/// Error of one op's output, int8 graph vs float graph.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerReport {
    /// Op index in the float graph.
    pub op: usize,
    /// `"FULLY_CONNECTED (relu)"`, `"SOFTMAX"`, …
    pub kind: String,
    /// Output tensor index and name.
    pub tensor: usize,
    pub name: String,
    /// `10·log10(Σ f² / Σ (f − q)²)` over the evaluation set; `None` when the error is 0.
    pub sqnr_db: Option<f64>,
    /// max |f − q|.
    pub max_abs_error: f32,
    /// mean |f − q|.
    pub mean_abs_error: f64,
}

/// Accumulates the signal and noise energy of a float vs dequantized comparison.
#[derive(Clone, Copy, Debug, Default)]
struct ErrorStats {
    signal: f64,
    noise: f64,
    max_abs: f32,
    sum_abs: f64,
    n: usize,
}

impl ErrorStats {
    fn add(&mut self, f: f32, q: f32) {
        let e = (f - q) as f64;
        self.signal += (f as f64) * (f as f64);
        self.noise += e * e;
        self.sum_abs += e.abs();
        self.max_abs = self.max_abs.max(e.abs() as f32);
        self.n += 1;
    }
    fn sqnr_db(&self) -> Option<f64> {
        if self.noise == 0.0 {
            None
        } else if self.signal == 0.0 {
            Some(f64::MIN_POSITIVE.log10() * 10.0)
        } else {
            Some(10.0 * (self.signal / self.noise).log10())
        }
    }
}

/// Builds the report for `float_graph` calibrated on `calib`; the per-layer errors and clip
/// counts are measured on `eval` when given (else on `calib`). `progress(done, total)` is
/// called once per sample over all passes.
pub fn calibration_report(
    float_graph: &Graph,
    calib: &RepresentativeDataset,
    eval: Option<&RepresentativeDataset>,
    progress: impl FnMut(usize, usize),
) -> Result<CalibrationReport> {
    calibration_report_with(float_graph, calib, eval, None, progress)
}

/// As [`calibration_report`], with the ranges of `calib` already calibrated (by the worker
/// pool: the same bits as [`calibrate`]'s); the calibration pass is then skipped.
pub fn calibration_report_with(
    float_graph: &Graph,
    calib: &RepresentativeDataset,
    eval: Option<&RepresentativeDataset>,
    calibrated: Option<&Ranges>,
    progress: impl FnMut(usize, usize),
) -> Result<CalibrationReport> {
    calibration_report_method(
        float_graph,
        calib,
        eval,
        calibrated,
        &CalibrationConfig::default(),
        progress,
    )
}

/// As [`calibration_report_with`], the int8 graph built with the calibration method
/// `config` (the converter's `calibrationMethod`/options/overrides); every tensor also lists
/// each method's range from its histogram (collected in the calibration pass).
pub fn calibration_report_method(
    float_graph: &Graph,
    calib: &RepresentativeDataset,
    eval: Option<&RepresentativeDataset>,
    calibrated: Option<&Ranges>,
    config: &CalibrationConfig,
    mut progress: impl FnMut(usize, usize),
) -> Result<CalibrationReport> {
    let width = sample_width(float_graph)?;
    let n_calib = calib.shape.first().copied().unwrap_or(0);
    let n_eval = match eval {
        Some(e) => {
            check_dataset("evaluation set", e, width)?;
            e.shape[0]
        }
        None => n_calib,
    };
    // Passes: calibrate (n_calib), histograms (n_calib), errors (n_eval; merged with the
    // histogram pass when there is no separate evaluation set).
    let calib_pass = if calibrated.is_some() { 0 } else { n_calib };
    let total = calib_pass + n_calib + if eval.is_some() { n_eval } else { 0 };
    let ranges = match calibrated {
        Some(r) if r.ranges.len() == float_graph.tensors.len() && r.samples == n_calib => r.clone(),
        Some(_) => {
            return Err(Error::converter(
                "the calibration given does not match this model and representative dataset",
            ))
        }
        None => calibrate_with(
            float_graph,
            &calib.data,
            &calib.shape,
            Some(config.bins),
            |d, _| progress(d, total),
        )?,
    };
    let raw = ranges;
    let ranges = if config.is_minmax() {
        raw.clone()
    } else {
        config.apply(float_graph, &raw)?
    };

    let opts = ConverterOptions {
        optimize: true,
        representative_dataset: Some(calib.clone()),
        int8_ops_only: true,
        float16: false,
        int8_ops_listed: true,
        int8_type: false,
        inference_input_type: IoType::Float32,
        inference_output_type: IoType::Float32,
        // The ranges just computed: convert() would calibrate again to the same bits.
        calibration: Some(ranges.clone()),
        ..ConverterOptions::default()
    };
    let int8 = convert(float_graph, &opts, ModelSource::Keras, |_, _| {})?;

    let tracked: Vec<usize> = (0..float_graph.tensors.len())
        .filter(|&t| ranges.get(t).is_some())
        .collect();
    let mut hist: Vec<Option<Histogram>> = vec![None; float_graph.tensors.len()];
    for &t in &tracked {
        let (lo, hi) = raw.get(t).unwrap_or((0.0, 0.0));
        hist[t] = Some(Histogram::new(lo, hi, HISTOGRAM_BINS));
    }
    let grids: Vec<Option<(f32, i64, f32, f32)>> = (0..float_graph.tensors.len())
        .map(|t| grid(&int8, t))
        .collect();

    let mut float_it = Interpreter::new(float_graph.clone())?;
    let mut int8_it = Interpreter::new(int8.clone())?;
    let mut errors = vec![ErrorStats::default(); float_graph.tensors.len()];
    let mut clipped = vec![(0usize, 0usize, 0usize); float_graph.tensors.len()];
    let mut done = calib_pass;

    // Histogram pass over the calibration set (also the error pass without an eval set).
    let mut values: Vec<Vec<f32>> = vec![Vec::new(); float_graph.tensors.len()];
    let measure_on_calib = eval.is_none();
    for sample in calib.data.chunks_exact(width) {
        run_pair(
            &mut float_it,
            &mut int8_it,
            sample,
            &tracked,
            &mut values,
            measure_on_calib,
            &grids,
            &mut errors,
            &mut clipped,
        )?;
        for &t in &tracked {
            if let Some(h) = hist[t].as_mut() {
                h.add(&values[t]);
            }
        }
        done += 1;
        progress(done, total);
    }
    if let Some(e) = eval {
        for sample in e.data.chunks_exact(width) {
            run_pair(
                &mut float_it,
                &mut int8_it,
                sample,
                &tracked,
                &mut values,
                true,
                &grids,
                &mut errors,
                &mut clipped,
            )?;
            done += 1;
            progress(done, total);
        }
    }

    let producers = producers(float_graph);
    let mut tensors = Vec::with_capacity(tracked.len());
    for &t in &tracked {
        let ft = &float_graph.tensors[t];
        let (min, max) = ranges.get(t).unwrap_or((0.0, 0.0));
        let (scale, zero_point, grid_min, grid_max) = grids[t].ok_or_else(|| {
            Error::converter(format!(
                "tensor {t} '{}' has no int8 parameters in the int8 graph",
                ft.name
            ))
        })?;
        let role = if float_graph.inputs.contains(&t) {
            "input"
        } else if float_graph.outputs.contains(&t) {
            "output"
        } else {
            "activation"
        };
        let (below, above, n) = clipped[t];
        tensors.push(TensorReport {
            index: t,
            name: ft.name.clone(),
            shape: ft.shape.clone(),
            role,
            producer: producers[t].map(|o| float_graph.ops[o].name().to_string()),
            min,
            max,
            histogram: hist[t]
                .take()
                .unwrap_or_else(|| Histogram::new(min, max, 1)),
            scale,
            zero_point,
            grid_min,
            grid_max,
            clipped_below: below,
            clipped_above: above,
            values: n,
            calibrated_min: raw.get(t).map_or(min, |r| r.0),
            calibrated_max: raw.get(t).map_or(max, |r| r.1),
            methods: method_ranges(&raw, t, &ft.name, config)?,
        });
    }

    let weights = weight_reports(float_graph, &int8)?;

    let mut layers = Vec::new();
    for (oi, op) in float_graph.ops.iter().enumerate() {
        let Some(&out) = op.outputs.first() else {
            continue;
        };
        let out = out as usize;
        if !tracked.contains(&out) {
            continue;
        }
        let s = errors[out];
        layers.push(LayerReport {
            op: oi,
            kind: op_label(op),
            tensor: out,
            name: float_graph.tensors[out].name.clone(),
            sqnr_db: s.sqnr_db(),
            max_abs_error: s.max_abs,
            mean_abs_error: if s.n == 0 {
                0.0
            } else {
                s.sum_abs / s.n as f64
            },
        });
    }
    let worst_layer = layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.sqnr_db.map(|s| (i, s)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i);

    Ok(CalibrationReport {
        calibration_samples: ranges_samples(&ranges),
        evaluation_samples: n_eval,
        evaluation_set: if eval.is_some() {
            "evaluation"
        } else {
            "calibration"
        },
        tensors,
        weights,
        layers,
        worst_layer,
    })
}

/// Every method's range for tensor `t` (its histogram's, when the calibration has one).
fn method_ranges(
    raw: &Ranges,
    t: usize,
    name: &str,
    config: &CalibrationConfig,
) -> Result<Vec<MethodRange>> {
    let Some(h) = raw.histograms.get(t).and_then(|h| h.as_ref()) else {
        return Ok(Vec::new());
    };
    let Ok(signed) = h.signed(name) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for m in Method::ALL {
        let spec = super::method::MethodSpec {
            method: m,
            ..config.default
        };
        let (lo, hi) = search(h, name, spec)?;
        out.push(MethodRange {
            method: m.name(),
            min: lo,
            max: hi,
            clipped_fraction: signed.clipped_fraction(lo, hi),
            expected_mse: signed.expected_mse(lo, hi),
        });
    }
    Ok(out)
}

fn ranges_samples(r: &Ranges) -> usize {
    r.samples
}

fn check_dataset(what: &str, d: &RepresentativeDataset, width: usize) -> Result<()> {
    let n = d.shape.first().copied().unwrap_or(0);
    if n == 0 || d.data.len() != n * width {
        return Err(Error::shape(
            format!("{what} (the model input has {width} features)"),
            format!("[N, {width}]"),
            &d.shape,
        ));
    }
    super::calibrate::check_calibration_data(what, &d.data, width)
}

/// Runs one sample through both graphs; collects the float values of `tracked` tensors in
/// `values` and, when `measure`, the int8-vs-float errors and clip counts.
#[allow(clippy::too_many_arguments)]
fn run_pair(
    float_it: &mut Interpreter,
    int8_it: &mut Interpreter,
    sample: &[f32],
    tracked: &[usize],
    values: &mut [Vec<f32>],
    measure: bool,
    grids: &[Option<(f32, i64, f32, f32)>],
    errors: &mut [ErrorStats],
    clipped: &mut [(usize, usize, usize)],
) -> Result<()> {
    float_it.set_input_f32(0, sample)?;
    for v in values.iter_mut() {
        v.clear();
    }
    float_it.invoke_observed(&mut |t: usize, vals: &[f32]| {
        if let Some(v) = values.get_mut(t) {
            v.extend_from_slice(vals);
        }
    })?;
    if !measure {
        return Ok(());
    }
    int8_it.set_input_f32(0, sample)?;
    int8_it.invoke()?;
    for &t in tracked {
        let Some((scale, zp, gmin, gmax)) = grids[t] else {
            continue;
        };
        let q = int8_it.tensor_i8(t)?;
        let f = &values[t];
        if q.len() != f.len() {
            return Err(Error::shape(
                format!("int8 tensor {t} vs float tensor"),
                f.len(),
                q.len(),
            ));
        }
        let c = &mut clipped[t];
        for (&fv, &qv) in f.iter().zip(&q) {
            errors[t].add(fv, scale * (qv as i64 - zp) as f32);
            c.0 += usize::from(fv < gmin);
            c.1 += usize::from(fv > gmax);
            c.2 += 1;
        }
    }
    Ok(())
}

/// `(scale, zero point, grid_min, grid_max)` of tensor `t` in the int8 graph, when it is a
/// per-tensor int8 tensor.
fn grid(int8: &Graph, t: usize) -> Option<(f32, i64, f32, f32)> {
    let tensor = int8.tensors.get(t)?;
    if tensor.dtype != DType::I8 || tensor.data.is_some() {
        return None;
    }
    let q = tensor.quant.as_ref()?;
    let (&scale, &zp) = (q.scale.first()?, q.zero_point.first()?);
    Some((
        scale,
        zp,
        scale * (-128 - zp) as f32,
        scale * (127 - zp) as f32,
    ))
}

/// Op index producing each tensor.
fn producers(g: &Graph) -> Vec<Option<usize>> {
    let mut p = vec![None; g.tensors.len()];
    for (oi, op) in g.ops.iter().enumerate() {
        for &o in &op.outputs {
            if let Some(slot) = usize::try_from(o).ok().and_then(|o| p.get_mut(o)) {
                *slot = Some(oi);
            }
        }
    }
    p
}

/// The op's name with its fused activation (`"FULLY_CONNECTED (relu)"`).
fn op_label(op: &Op) -> String {
    crate::ops::def_of(op).map_or_else(|| op.display_name(), |d| d.label(op))
}

fn weight_reports(float_graph: &Graph, int8: &Graph) -> Result<Vec<WeightReport>> {
    let mut out = Vec::new();
    for (oi, op) in float_graph.ops.iter().enumerate() {
        let Some(def) = crate::ops::def_of(op) else {
            continue;
        };
        for w in def.quant(op).weights {
            let Some(wi) = op
                .inputs
                .get(w.input)
                .and_then(|&t| usize::try_from(t).ok())
            else {
                continue;
            };
            let fw = &float_graph.tensors[wi];
            let qw = &int8.tensors[wi];
            if fw.dtype != DType::F32 || fw.data.is_none() || qw.dtype != DType::I8 {
                continue;
            }
            let scales = qw
                .quant
                .as_ref()
                .map(|q| q.scale.clone())
                .unwrap_or_default();
            let wv = fw.f32_data()?;
            let q = qw.i8_data()?;
            // Channel of element k along the weights' quantized dimension.
            let axis = usize::try_from(w.axis).unwrap_or(0);
            let dims: Vec<usize> = fw.shape.iter().map(|&d| d.max(0) as usize).collect();
            let inner: usize = dims.get(axis + 1..).map_or(1, |d| d.iter().product());
            let channels = scales.len().max(1);
            let channel = |k: usize| (k / inner.max(1)) % channels;
            let mut abs_max = vec![0f32; channels];
            let mut stats = ErrorStats::default();
            for (k, (&fv, &qv)) in wv.iter().zip(&q).enumerate() {
                let c = channel(k);
                abs_max[c] = abs_max[c].max(fv.abs());
                stats.add(fv, scales.get(c).copied().unwrap_or(1.0) * qv as f32);
            }
            out.push(WeightReport {
                op: oi,
                tensor: wi,
                name: fw.name.clone(),
                shape: fw.shape.clone(),
                scales,
                abs_max,
                sqnr_db: stats.sqnr_db(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::lower::lower;
    use crate::nn::{Activation as NnAct, LayerConfig, Model};
    use crate::quant::calibrate::calibrate;
    use crate::quant::params::activation_params;

    fn model() -> Graph {
        let layers = [
            LayerConfig::dense(16, NnAct::Relu),
            LayerConfig::dense(4, NnAct::Softmax),
        ];
        let mut m = Model::sequential(&[8], &layers, 3).unwrap();
        // Non-zero biases so that they are kept and quantized.
        let mut w = m.get_weights();
        for (v, _) in w.iter_mut() {
            for (i, x) in v.iter_mut().enumerate() {
                *x += 0.01 * (i % 5) as f32;
            }
        }
        let ws: Vec<Vec<f32>> = w.into_iter().map(|(v, _)| v).collect();
        m.set_weights(&ws).unwrap();
        lower(&m).unwrap()
    }

    fn data(n: usize, seed: u32) -> RepresentativeDataset {
        let mut s = seed;
        let data = (0..n * 8)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 0.5
            })
            .collect();
        RepresentativeDataset {
            data,
            shape: vec![n, 8],
        }
    }

    #[test]
    fn report_matches_converter_params_and_calibration() {
        let g = model();
        let calib = data(20, 1);
        let mut calls = 0;
        let r = calibration_report(&g, &calib, None, |d, t| {
            calls += 1;
            assert!(d <= t);
        })
        .unwrap();
        assert_eq!(calls, 40);
        assert_eq!(r.calibration_samples, 20);
        assert_eq!(r.evaluation_set, "calibration");
        // input, dense_0 output, dense_1 output, softmax
        assert_eq!(r.tensors.len(), 4);
        let ranges = calibrate(&g, &calib.data, &calib.shape, |_, _| {}).unwrap();
        for t in &r.tensors {
            let (lo, hi) = ranges.get(t.index).unwrap();
            assert_eq!((t.min, t.max), (lo, hi));
            let total: u32 = t.histogram.counts.iter().sum();
            assert_eq!(total as usize, 20 * t.shape[1] as usize, "{}", t.name);
            assert!(t.histogram.lo <= 0.0 && t.histogram.hi >= 0.0);
            if t.producer.as_deref() == Some("SOFTMAX") {
                assert_eq!((t.scale, t.zero_point), (1.0 / 256.0, -128));
            } else {
                assert_eq!((t.scale, t.zero_point), activation_params(lo, hi));
                // Calibration values lie inside the grid (up to one rounding step).
                assert!(t.grid_min <= lo + t.scale && t.grid_max >= hi - t.scale);
            }
        }
        assert_eq!(r.tensors[0].role, "input");
        assert_eq!(r.tensors[3].role, "output");
        assert_eq!(r.weights.len(), 2);
        assert_eq!(r.weights[0].scales.len(), 16);
        assert_eq!(r.weights[1].scales.len(), 4);
        for w in &r.weights {
            for (s, m) in w.scales.iter().zip(&w.abs_max) {
                // narrow range: scale ≈ max|w| / 127
                assert!((s * 127.0 - m).abs() <= 1e-6 + m * 1e-5, "{s} {m}");
            }
            assert!(w.sqnr_db.unwrap() > 30.0);
        }
        assert_eq!(r.layers.len(), 3);
        for l in &r.layers {
            let s = l.sqnr_db.unwrap();
            assert!(s > 15.0, "{} sqnr {s}", l.name);
            assert!(l.max_abs_error >= 0.0);
        }
        assert!(r.worst_layer.is_some());
        serde_json::to_string(&r).unwrap();
    }

    /// Ranges calibrated elsewhere (the worker pool) give the same report, one pass fewer.
    #[test]
    fn precomputed_ranges_give_the_same_report() {
        let g = model();
        let calib = data(12, 3);
        let eval = data(5, 4);
        // The pool's parts carry histograms (the report lists every method's range).
        let bins = Some(crate::quant::histogram::DEFAULT_BINS);
        let ranges = calibrate_with(&g, &calib.data, &calib.shape, bins, |_, _| {}).unwrap();
        let want = calibration_report(&g, &calib, Some(&eval), |_, _| {}).unwrap();
        let mut last = (0, 0);
        let got =
            calibration_report_with(&g, &calib, Some(&eval), Some(&ranges), |d, t| last = (d, t))
                .unwrap();
        assert_eq!(
            serde_json::to_string(&got).unwrap(),
            serde_json::to_string(&want).unwrap()
        );
        assert_eq!(last, (12 + 5, 12 + 5));
        let mut other = ranges.clone();
        other.samples = 3;
        assert!(calibration_report_with(&g, &calib, None, Some(&other), |_, _| {}).is_err());
    }

    #[test]
    fn eval_set_outside_the_range_is_counted_as_clipped() {
        let g = model();
        let calib = data(10, 1);
        let mut eval = data(5, 2);
        for v in eval.data.iter_mut() {
            *v *= 4.0; // well outside the calibrated input range
        }
        let r = calibration_report(&g, &calib, Some(&eval), |_, _| {}).unwrap();
        assert_eq!(r.evaluation_set, "evaluation");
        assert_eq!(r.evaluation_samples, 5);
        let input = &r.tensors[0];
        assert_eq!(input.values, 40);
        assert!(input.clipped_below + input.clipped_above > 0);
        // The histogram still holds the calibration values only.
        let total: u32 = input.histogram.counts.iter().sum();
        assert_eq!(total, 80);
    }

    #[test]
    fn bad_eval_set_is_rejected() {
        let g = model();
        let calib = data(4, 1);
        let bad = RepresentativeDataset {
            data: vec![0.0; 7],
            shape: vec![1, 7],
        };
        let e = calibration_report(&g, &calib, Some(&bad), |_, _| {}).unwrap_err();
        assert!(e.to_string().contains("8 features"), "{e}");
    }

    #[test]
    fn histogram_bins() {
        let mut h = Histogram::new(0.5, 1.0, 4);
        assert_eq!((h.lo, h.hi), (0.0, 1.0));
        h.add(&[0.0, 0.24, 0.25, 0.99, 1.0, 2.0, -1.0, f32::NAN]);
        assert_eq!(h.counts, vec![3, 1, 0, 3]);
    }
}
