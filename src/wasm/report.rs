//! Calibration and inspection reports for the app (`calibrationReport()`).

use js_sys::{Function, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::{bad, from_js, js_err, to_js, JsConverter};
use crate::quant::report::calibration_report_method;
use crate::quant::RepresentativeDataset;

#[derive(Deserialize)]
struct DatasetJs {
    data: Vec<f32>,
    shape: Vec<usize>,
}

#[wasm_bindgen(js_class = TFLiteConverter)]
impl JsConverter {
    /// `conv.calibrationReport({evaluationData?: {data, shape}, onProgress?(done, total)})`:
    /// per-tensor calibration ranges, histograms and int8 parameters, per-channel weight
    /// scales and per-layer int8-vs-float error (SQNR dB, max |error|), as plain data. Uses
    /// the converter's `representativeDataset`; errors are measured on `evaluationData`
    /// when given, else on the representative dataset. Ranges already set by the worker
    /// pool (`calibrate(conv, {workers})`) are used instead of a calibration pass.
    #[wasm_bindgen(js_name = calibrationReport)]
    pub fn calibration_report(&self, options: JsValue) -> Result<JsValue, JsError> {
        let calib = self
            .inner
            .options
            .representative_dataset
            .as_ref()
            .ok_or_else(|| bad("calibrationReport: set representativeDataset first"))?;
        let (mut eval, mut on_progress) = (None, None::<Function>);
        if options.is_object() {
            on_progress = Reflect::get(&options, &"onProgress".into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok());
            let e = Reflect::get(&options, &"evaluationData".into()).unwrap_or(JsValue::NULL);
            if !(e.is_undefined() || e.is_null()) {
                let d: DatasetJs = from_js(
                    "calibrationReport evaluationData ({data: Float32Array, shape: [N, features]})",
                    e,
                )?;
                eval = Some(RepresentativeDataset {
                    data: d.data,
                    shape: d.shape,
                });
            }
        } else if !(options.is_undefined() || options.is_null()) {
            return Err(bad("calibrationReport: options must be an object"));
        }
        let report = calibration_report_method(
            self.inner.float_graph(),
            calib,
            eval.as_ref(),
            self.inner.options.calibration.as_ref(),
            &self.inner.options.calibration_method,
            |d, t| {
                if let Some(f) = &on_progress {
                    let _ = f.call2(
                        &JsValue::NULL,
                        &JsValue::from(d as u32),
                        &JsValue::from(t as u32),
                    );
                }
            },
        )
        .map_err(js_err)?;
        to_js(&report)
    }
}
