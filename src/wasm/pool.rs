//! Entry points of the worker pool (`pkg/pool.js`): the pieces of calibration and
//! evaluation that split over contiguous slices of a dataset and merge exactly, so that
//! `calibrate(conv, {workers: n})` and `evaluate(bytes, x, y, {workers: n})` give what one
//! worker gives, bit for bit.

use js_sys::{Array, Float32Array, Float64Array, Object, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{bad, js_err, JsConverter};
use crate::quant::{self, Ranges};

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &k.into(), v);
}

fn get(o: &JsValue, k: &str) -> Result<JsValue, JsError> {
    Reflect::get(o, &k.into()).map_err(|_| bad(format!("calibration part: no '{k}'")))
}

/// `calibrateRanges(floatModelBytes, data, shape, bins?)` → `{samples, ranges, histograms}`:
/// the calibrator's per-tensor min/max over these samples (`ranges`: a Float32Array of
/// `[min, max]` per tensor, NaN where a tensor has none) and, when `bins` is given, every
/// tensor's mergeable histogram (`histograms`: a Float64Array, empty without `bins`). One
/// worker's share of a calibration.
#[wasm_bindgen(js_name = calibrateRanges)]
pub fn calibrate_ranges(
    bytes: &[u8],
    data: &[f32],
    shape: Vec<usize>,
    bins: Option<u32>,
) -> Result<JsValue, JsError> {
    let g = crate::tflite::read(bytes).map_err(js_err)?;
    let r = quant::calibrate_with(&g, data, &shape, bins.map(|b| b as usize), |_, _| {})
        .map_err(js_err)?;
    let o = Object::new();
    set(&o, "samples", &JsValue::from(r.samples as u32));
    set(&o, "ranges", &Float32Array::from(&r.to_pairs()[..]).into());
    set(
        &o,
        "histograms",
        &Float64Array::from(&r.histograms_to_f64s()[..]).into(),
    );
    Ok(o.into())
}

/// `evaluateRows(bytes, x, y)` → `{n, correct, predictions, lossTerms}`: `evaluate`'s
/// per-row results (`predictions` a Uint32Array of argmaxes, `lossTerms` a Float64Array of
/// each row's loss term, or null when the output is not probabilities), which the pool
/// concatenates in order.
#[wasm_bindgen(js_name = evaluateRows)]
pub fn evaluate_rows(bytes: &[u8], x: &[f32], y: &[i32]) -> Result<JsValue, JsError> {
    let r = crate::interp::evaluate_tflite(bytes, x, y).map_err(js_err)?;
    let o = Object::new();
    set(&o, "n", &JsValue::from(r.n as u32));
    set(&o, "correct", &JsValue::from(r.correct as u32));
    set(
        &o,
        "predictions",
        &Uint32Array::from(&r.predictions[..]).into(),
    );
    let terms = if r.loss.is_some() {
        Float64Array::from(&r.loss_terms[..]).into()
    } else {
        JsValue::NULL
    };
    set(&o, "lossTerms", &terms);
    Ok(o.into())
}

#[wasm_bindgen(js_class = TFLiteConverter)]
impl JsConverter {
    /// The float32 model this converter starts from, as `.tflite` bytes: what pool
    /// workers calibrate.
    #[wasm_bindgen(js_name = floatModel)]
    pub fn float_model(&self) -> Result<Vec<u8>, JsError> {
        crate::tflite::write(self.inner.float_graph()).map_err(js_err)
    }

    /// `calibrationBins`: the histogram bins the pool's workers collect (`calibrateRanges`'s
    /// `bins`), the converter's `calibrationOptions.bins`.
    #[wasm_bindgen(getter, js_name = calibrationBins)]
    pub fn calibration_bins(&self) -> u32 {
        self.inner.options.calibration_method.bins as u32
    }

    /// `setCalibration(parts)`: the `calibrateRanges` results of consecutive slices of the
    /// representative dataset, in dataset order; merged, they replace the calibration
    /// `convert()` would run (and must cover the whole dataset). Setting a new
    /// `representativeDataset` drops them; `setCalibration(null)` too.
    #[wasm_bindgen(js_name = setCalibration)]
    pub fn set_calibration(&mut self, parts: JsValue) -> Result<(), JsError> {
        if parts.is_null() || parts.is_undefined() {
            self.inner.options.calibration = None;
            return Ok(());
        }
        let parts: Array = parts
            .dyn_into()
            .map_err(|_| bad("setCalibration: pass an array of calibrateRanges results"))?;
        let mut merged: Option<Ranges> = None;
        for (i, p) in parts.iter().enumerate() {
            let samples = get(&p, "samples")?
                .as_f64()
                .ok_or_else(|| bad(format!("setCalibration: part {i}: samples is not a number")))?;
            let ranges: Float32Array = get(&p, "ranges")?.dyn_into().map_err(|_| {
                bad(format!(
                    "setCalibration: part {i}: ranges is not a Float32Array"
                ))
            })?;
            let mut r = Ranges::from_pairs(&ranges.to_vec(), samples as usize).map_err(js_err)?;
            let hist = get(&p, "histograms")?;
            if !(hist.is_undefined() || hist.is_null()) {
                let h: Float64Array = hist.dyn_into().map_err(|_| {
                    bad(format!(
                        "setCalibration: part {i}: histograms is not a Float64Array"
                    ))
                })?;
                r.set_histograms_from_f64s(&h.to_vec()).map_err(js_err)?;
            }
            match &mut merged {
                None => merged = Some(r),
                Some(m) => m.merge(&r).map_err(js_err)?,
            }
        }
        let merged = merged.ok_or_else(|| bad("setCalibration: no parts"))?;
        let want = self.inner.float_graph().tensors.len();
        if merged.ranges.len() != want {
            return Err(bad(format!(
                "setCalibration: ranges for {} tensors, this model has {want}",
                merged.ranges.len()
            )));
        }
        self.inner.options.calibration = Some(merged);
        Ok(())
    }
}
