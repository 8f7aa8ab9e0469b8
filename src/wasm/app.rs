//! What the app shows about a model file: its graph (`describeModel`) and a variant's
//! outputs next to its float32 reference (`compareModels`). Thin: the core computes,
//! this converts.

use js_sys::{Float32Array, Int32Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{bad, js_err, to_js};
use crate::interp;

/// `compareModels(referenceBytes, bytes, x, labels?)` → one entry per output:
/// `{output, name, rowShape, kind: "classification" | "regression", rows, accuracy,
/// correct, agreement, mae, rmse, maxAbsError, sqnrDb}` (see `interp::compare`). `x`: float
/// rows (Float32Array, a multiple of the input's per-row size); `labels` (Int32Array, one
/// class index per row, or null) score the first classification output. `sqnrDb` is null
/// when the outputs are identical; `accuracy`/`correct` are null without labels or for a
/// regression output, `agreement` null for a regression output.
#[wasm_bindgen(js_name = compareModels)]
pub fn compare_models(
    reference: &[u8],
    bytes: &[u8],
    x: &Float32Array,
    labels: JsValue,
) -> Result<JsValue, JsError> {
    let labels: Option<Vec<i32>> = if labels.is_undefined() || labels.is_null() {
        None
    } else {
        let y = labels
            .dyn_into::<Int32Array>()
            .map_err(|_| bad("compareModels: labels must be an Int32Array or null"))?;
        Some(y.to_vec())
    };
    let m =
        interp::compare_tflite(reference, bytes, &x.to_vec(), labels.as_deref()).map_err(js_err)?;
    to_js(&m)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TensorJs {
    index: usize,
    name: String,
    shape: Vec<i32>,
    shape_signature: Option<Vec<i32>>,
    dtype: &'static str,
    /// Constant (weights, bias, shape operands) rather than an activation.
    constant: bool,
    scales: Vec<f32>,
    zero_points: Vec<i64>,
    quantized_dimension: i32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OpJs {
    index: usize,
    /// TFLite's operator name, e.g. "FULLY_CONNECTED".
    name: String,
    version: i32,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelJs {
    inputs: Vec<usize>,
    outputs: Vec<usize>,
    tensors: Vec<TensorJs>,
    ops: Vec<OpJs>,
    description: String,
}

/// `describeModel(bytes)` → `{inputs, outputs, tensors: [{index, name, shape,
/// shapeSignature, dtype, constant, scales, zeroPoints, quantizedDimension}], ops: [{index,
/// name, version, inputs, outputs}], description}`: the graph as the reader sees it, for the
/// app's graph view and per-file io details. Throws what the reader throws (malformed file,
/// unsupported operator).
#[wasm_bindgen(js_name = describeModel)]
pub fn describe_model(bytes: &[u8]) -> Result<JsValue, JsError> {
    let g = crate::tflite::read(bytes).map_err(js_err)?;
    let tensors = g
        .tensors
        .iter()
        .enumerate()
        .map(|(index, t)| {
            let q = t.quant.as_ref().filter(|q| q.is_quantized());
            TensorJs {
                index,
                name: t.name.clone(),
                shape: t.shape.clone(),
                shape_signature: t.shape_signature.clone(),
                dtype: t.dtype.name(),
                constant: t.data.is_some(),
                scales: q.map(|q| q.scale.clone()).unwrap_or_default(),
                zero_points: q.map(|q| q.zero_point.clone()).unwrap_or_default(),
                quantized_dimension: q.map_or(0, |q| q.quantized_dimension),
            }
        })
        .collect();
    let ops = g
        .ops
        .iter()
        .enumerate()
        .map(|(index, op)| OpJs {
            index,
            name: op.display_name(),
            version: op.version,
            inputs: op.inputs.clone(),
            outputs: op.outputs.clone(),
        })
        .collect();
    to_js(&ModelJs {
        inputs: g.inputs.clone(),
        outputs: g.outputs.clone(),
        tensors,
        ops,
        description: g.description.clone(),
    })
}
