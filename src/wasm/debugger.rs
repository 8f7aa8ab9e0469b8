//! `QuantizationDebugger` (TF's `tf.lite.experimental.QuantizationDebugger`) for JS:
//! `new QuantizationDebugger(converter, debugDataset, options)` → `run()` →
//! `layerStatistics`, `modelStatistics`, `layerStatisticsCsv()`,
//! `getNondebugQuantizedModel()`. The arithmetic lives in `crate::quant::debugger`.

use js_sys::{Array, Float32Array, Function, Int8Array, Object, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{bad, js_err, strings, to_js, DatasetJs, JsConverter};
use crate::quant::debugger::{default_metrics, nanmean, py_repr, Debugger, DEFAULT_LAYER_METRICS};

/// Named JS functions of an options entry (`{name: fn}`), in insertion order.
fn functions(options: &JsValue, key: &str) -> Result<Vec<(String, Function)>, JsError> {
    let v = Reflect::get(options, &key.into()).unwrap_or(JsValue::UNDEFINED);
    if v.is_undefined() || v.is_null() {
        return Ok(vec![]);
    }
    let obj: Object = v.dyn_into().map_err(|_| {
        bad(format!(
            "QuantizationDebugger: {key} must be an object of functions"
        ))
    })?;
    let mut out = Vec::new();
    for entry in Object::entries(&obj).iter() {
        let pair: Array = entry.into();
        let name = pair.get(0).as_string().unwrap_or_default();
        let f: Function = pair.get(1).dyn_into().map_err(|_| {
            bad(format!(
                "QuantizationDebugger: {key}.{name} must be a function"
            ))
        })?;
        out.push((name, f));
    }
    Ok(out)
}

fn call_number(f: &Function, what: &str, args: &Array) -> Result<f64, JsError> {
    let v = f.apply(&JsValue::NULL, args).map_err(|e| {
        bad(format!(
            "QuantizationDebugger: {what} threw: {}",
            js_message(&e)
        ))
    })?;
    v.as_f64()
        .ok_or_else(|| bad(format!("QuantizationDebugger: {what} must return a number")))
}

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "an exception".into())
}

/// One layer's results of `run()`: the metrics (defaults, then custom, CSV order), and
/// Σ float² and Σ diff² over every sample (for the SQNR).
type LayerStats = (Vec<f64>, f64, f64);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LayerRow {
    op_name: String,
    tensor_idx: usize,
    tensor_name: String,
    scale: f32,
    zero_point: i64,
    num_elements: f64,
    stddev: f64,
    mean_error: f64,
    max_abs_error: f64,
    mean_squared_error: f64,
    /// Σ float² / Σ diff² over every sample, in dB.
    sqnr: Option<f64>,
    /// The custom metrics, by name.
    custom: std::collections::BTreeMap<String, f64>,
}

/// `new QuantizationDebugger(converter, debugDataset, options)`.
#[wasm_bindgen(js_name = QuantizationDebugger)]
pub struct JsQuantizationDebugger {
    debugger: Debugger,
    rows: usize,
    data: Vec<f32>,
    layer_fns: Vec<(String, Function)>,
    direct_fns: Vec<(String, Function)>,
    model_fns: Vec<(String, Function)>,
    /// Filled by `run()`: per layer, default metrics + custom ones (CSV order).
    stats: Option<Vec<LayerStats>>,
    model_stats: Vec<(String, f64)>,
    custom_names: Vec<String>,
}

#[wasm_bindgen(js_class = QuantizationDebugger)]
impl JsQuantizationDebugger {
    /// `converter`: a `TFLiteConverter` with `optimizations = ["DEFAULT"]` and a
    /// `representativeDataset` (TF refuses a converter without one). `debugDataset`:
    /// `{data: Float32Array, shape: [N, ...input]}`, one sample per row. `options`
    /// (TF's `QuantizationDebugOptions`): `denylistedOps`, `denylistedNodes` (ops kept float
    /// in the debugged model; default: the converter's), `layerDebugMetrics: {name:
    /// (diffs: Float32Array) => number}`, `layerDirectCompareMetrics: {name: (float:
    /// Float32Array, quantized: Int8Array, scale, zeroPoint) => number}`,
    /// `modelDebugMetrics: {name: (floatOutputs: Float32Array[], quantizedOutputs:
    /// Float32Array[]) => number}`. Quantizes the model (calibrating it) now.
    #[wasm_bindgen(constructor)]
    pub fn new(
        converter: &JsConverter,
        debug_dataset: JsValue,
        options: JsValue,
    ) -> Result<JsQuantizationDebugger, JsError> {
        let d: DatasetJs = super::from_js(
            "QuantizationDebugger debugDataset ({data: Float32Array, shape: [N, ...]})",
            debug_dataset,
        )?;
        let row: usize = d.shape.iter().skip(1).product();
        let rows = d.shape.first().copied().unwrap_or(0);
        if rows == 0 || row == 0 || rows * row != d.data.len() {
            return Err(bad(format!(
                "QuantizationDebugger debugDataset: shape {:?} does not describe {} values \
                 (at least one sample is needed)",
                d.shape,
                d.data.len()
            )));
        }
        let mut opts = converter.inner.options.clone();
        let has_options = options.is_object();
        if !(has_options || options.is_undefined() || options.is_null()) {
            return Err(bad("QuantizationDebugger: options must be an object"));
        }
        let get = |k: &str| {
            if has_options {
                Reflect::get(&options, &k.into()).unwrap_or(JsValue::UNDEFINED)
            } else {
                JsValue::UNDEFINED
            }
        };
        let ops = get("denylistedOps");
        if !ops.is_undefined() {
            opts.denylisted_ops = strings("denylistedOps", ops)?;
        }
        let nodes = get("denylistedNodes");
        if !nodes.is_undefined() {
            opts.denylisted_nodes = strings("denylistedNodes", nodes)?;
        }
        let float_graph = converter.inner.float_graph();
        let in_elems: usize = float_graph.tensors[float_graph.inputs[0]]
            .shape
            .iter()
            .skip(1)
            .map(|&v| v.max(1) as usize)
            .product();
        if in_elems != row {
            return Err(bad(format!(
                "QuantizationDebugger debugDataset: rows of {row} values, the model's input \
                 takes {in_elems}"
            )));
        }
        let debugger = Debugger::new(float_graph, &opts, converter.inner.source(), |_, _| {})
            .map_err(js_err)?;
        let (layer_fns, direct_fns, model_fns) = if has_options {
            (
                functions(&options, "layerDebugMetrics")?,
                functions(&options, "layerDirectCompareMetrics")?,
                functions(&options, "modelDebugMetrics")?,
            )
        } else {
            (vec![], vec![], vec![])
        };
        let custom_names = layer_fns
            .iter()
            .chain(&direct_fns)
            .map(|(n, _)| n.clone())
            .collect();
        Ok(JsQuantizationDebugger {
            debugger,
            rows,
            data: d.data,
            layer_fns,
            direct_fns,
            model_fns,
            stats: None,
            model_stats: vec![],
            custom_names,
        })
    }

    /// Runs every debug sample through both models and computes the statistics.
    pub fn run(&mut self) -> Result<(), JsError> {
        let n_layers = self.debugger.layers().len();
        let n_custom = self.layer_fns.len() + self.direct_fns.len();
        let mut per: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); 5 + n_custom]; n_layers];
        let mut energy = vec![(0f64, 0f64); n_layers];
        let mut model: Vec<Vec<f64>> = vec![Vec::new(); self.model_fns.len()];
        let row = self.data.len() / self.rows;
        for r in 0..self.rows {
            let x = &self.data[r * row..(r + 1) * row];
            let (layers, f, q) = self.debugger.sample(x).map_err(js_err)?;
            for (l, s) in layers.iter().enumerate() {
                let m = default_metrics(&s.diffs);
                for (k, v) in m.iter().enumerate() {
                    per[l][k].push(*v);
                }
                energy[l].0 += s.float.iter().map(|&v| (v as f64).powi(2)).sum::<f64>();
                energy[l].1 += s.diffs.iter().map(|&v| (v as f64).powi(2)).sum::<f64>();
                let mut k = 5;
                for (name, f) in &self.layer_fns {
                    let args = Array::of1(&Float32Array::from(&s.diffs[..]));
                    per[l][k].push(call_number(f, &format!("layerDebugMetrics.{name}"), &args)?);
                    k += 1;
                }
                let layer = &self.debugger.layers()[l];
                for (name, f) in &self.direct_fns {
                    let args = Array::of4(
                        &Float32Array::from(&s.float[..]),
                        &Int8Array::from(&s.quantized[..]),
                        &JsValue::from(layer.scale),
                        &JsValue::from(layer.zero_point as f64),
                    );
                    per[l][k].push(call_number(
                        f,
                        &format!("layerDirectCompareMetrics.{name}"),
                        &args,
                    )?);
                    k += 1;
                }
            }
            for (i, (name, mf)) in self.model_fns.iter().enumerate() {
                let args = Array::of2(
                    &Array::of1(&Float32Array::from(&f[..])),
                    &Array::of1(&Float32Array::from(&q[..])),
                );
                model[i].push(call_number(
                    mf,
                    &format!("modelDebugMetrics.{name}"),
                    &args,
                )?);
            }
        }
        self.stats = Some(
            per.iter()
                .zip(&energy)
                .map(|(v, &(s, e))| {
                    // TF: np.nanmean of per-sample values (float32 for its own metrics).
                    let mut m: Vec<f64> = v[..5].iter().map(|x| nanmean(x)).collect();
                    m.extend(v[5..].iter().map(|x| f64_nanmean(x)));
                    (m, s, e)
                })
                .collect(),
        );
        self.model_stats = self
            .model_fns
            .iter()
            .zip(&model)
            .map(|((n, _), v)| (n.clone(), v.iter().sum::<f64>() / v.len() as f64))
            .collect();
        Ok(())
    }

    /// Per-layer statistics (after `run()`): `{opName, tensorIdx, tensorName, scale,
    /// zeroPoint, numElements, stddev, meanError, maxAbsError, meanSquaredError, sqnr (dB),
    /// custom: {name: value}}`, in op order. `tensorIdx` indexes
    /// `getNondebugQuantizedModel()`'s tensors; `tensorName` is the float model's tensor
    /// (what `denylistedNodes` takes).
    #[wasm_bindgen(getter, js_name = layerStatistics)]
    pub fn layer_statistics(&self) -> Result<JsValue, JsError> {
        let stats = self.stats()?;
        let rows: Vec<LayerRow> = self
            .debugger
            .layers()
            .iter()
            .zip(stats)
            .map(|(l, (m, s, e))| LayerRow {
                op_name: l.op_name.clone(),
                tensor_idx: l.tensor_idx,
                tensor_name: l.tensor_name.clone(),
                scale: l.scale,
                zero_point: l.zero_point,
                num_elements: m[0],
                stddev: m[1],
                mean_error: m[2],
                max_abs_error: m[3],
                mean_squared_error: m[4],
                sqnr: (*e > 0.0).then(|| 10.0 * (s / e).log10()),
                custom: self
                    .custom_names
                    .iter()
                    .cloned()
                    .zip(m[5..].iter().copied())
                    .collect(),
            })
            .collect();
        to_js(&rows)
    }

    /// Model-level metrics (after `run()`): `{name: mean over the samples}`.
    #[wasm_bindgen(getter, js_name = modelStatistics)]
    pub fn model_statistics(&self) -> Result<JsValue, JsError> {
        self.stats()?;
        let o = Object::new();
        for (n, v) in &self.model_stats {
            let _ = Reflect::set(&o, &n.into(), &JsValue::from(*v));
        }
        Ok(o.into())
    }

    /// The statistics in TF's `layer_statistics_dump` CSV layout: `op_name, tensor_idx`,
    /// the metrics (defaults, then custom layer metrics, then direct-compare metrics),
    /// `scale, zero_point, tensor_name`, numbers as Python writes them.
    #[wasm_bindgen(js_name = layerStatisticsCsv)]
    pub fn layer_statistics_csv(&self) -> Result<String, JsError> {
        let stats = self.stats()?;
        let mut out = String::from("op_name,tensor_idx");
        for n in DEFAULT_LAYER_METRICS
            .iter()
            .map(|s| s.to_string())
            .chain(self.custom_names.clone())
        {
            out.push(',');
            out.push_str(&csv_field(&n));
        }
        out.push_str(",scale,zero_point,tensor_name\r\n");
        for (l, (m, _, _)) in self.debugger.layers().iter().zip(stats) {
            out.push_str(&format!("{},{}", l.op_name, l.tensor_idx));
            for (k, v) in m.iter().enumerate() {
                out.push(',');
                out.push_str(&py_repr(*v, k < 5));
            }
            out.push_str(&format!(
                ",{},{},{}\r\n",
                py_repr(l.scale as f64, true),
                l.zero_point,
                csv_field(&l.tensor_name)
            ));
        }
        Ok(out)
    }

    /// TF's `get_nondebug_quantized_model()`: the quantized model (float io, denylisted
    /// ops float) as `.tflite` bytes.
    #[wasm_bindgen(js_name = getNondebugQuantizedModel)]
    pub fn get_nondebug_quantized_model(&self) -> Result<Vec<u8>, JsError> {
        crate::tflite::write(self.debugger.model()).map_err(js_err)
    }
}

impl JsQuantizationDebugger {
    fn stats(&self) -> Result<&Vec<LayerStats>, JsError> {
        self.stats
            .as_ref()
            .ok_or_else(|| bad("QuantizationDebugger: call run() first"))
    }
}

/// `np.nanmean` of float64 values (custom metrics return JS numbers).
fn f64_nanmean(v: &[f64]) -> f64 {
    let kept: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if kept.is_empty() {
        f64::NAN
    } else {
        kept.iter().sum::<f64>() / kept.len() as f64
    }
}

/// A CSV field as Python's `csv` module writes it (quoted when it holds `,`, `"` or a
/// line break).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
