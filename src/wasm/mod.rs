//! The `#[wasm_bindgen]` facade: converts JS values to core types and core errors to JS
//! `Error`s — nothing else. Names follow TensorFlow/Keras in JS camelCase (DESIGN.md,
//! "Public JS API").

use js_sys::{Array, Float32Array, Function, Object, Promise, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

// One file per area, so that each can grow on its own: the converter here, models in
// `model.rs`, the interpreter in `interp.rs`, calibration/inspection reports in `report.rs`,
// the app's helpers (metrics, io details) in `app.rs`, TF.js model import in `tfjs.rs`.
mod app;
mod bench;
mod data;
mod export;
mod interp;
mod model;
mod pool;
mod report;
mod tfjs;

pub use model::{JsModel, JsSequential, ModelHandle};

use crate::converter::TfliteConverter;
use crate::quant::{IoType, RepresentativeDataset};

pub(crate) fn js_err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

pub(crate) fn bad(msg: impl std::fmt::Display) -> JsError {
    JsError::new(&msg.to_string())
}

pub(crate) fn from_js<T: for<'de> Deserialize<'de>>(what: &str, v: JsValue) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(v).map_err(|e| bad(format!("{what}: {e}")))
}

pub(crate) fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| bad(e.to_string()))
}

pub(crate) async fn yield_to_event_loop() -> Result<(), JsValue> {
    let global = js_sys::global();
    let set_timeout: Function = Reflect::get(&global, &"setTimeout".into())?.dyn_into()?;
    let p = Promise::new(&mut |resolve, _| {
        let _ = set_timeout.call2(&JsValue::NULL, &resolve, &JsValue::from(0));
    });
    JsFuture::from(p).await?;
    Ok(())
}

#[derive(Deserialize)]
struct DatasetJs {
    data: Vec<f32>,
    shape: Vec<usize>,
}

fn strings(what: &str, v: JsValue) -> Result<Vec<String>, JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(vec![]);
    }
    from_js(&format!("{what} (an array of strings)"), v)
}

/// `TFLiteConverter.fromModel(model)`: options as properties, `convert()` → Uint8Array.
#[wasm_bindgen(js_name = TFLiteConverter)]
pub struct JsConverter {
    pub(crate) inner: TfliteConverter,
    optimizations: Vec<String>,
    supported_ops: Vec<String>,
    supported_types: Vec<String>,
}

#[wasm_bindgen(js_class = TFLiteConverter)]
impl JsConverter {
    /// `TFLiteConverter.fromModel(model)`: a snapshot of a `Sequential` or `Model`'s
    /// current weights.
    #[wasm_bindgen(js_name = fromModel)]
    pub fn from_model(
        #[wasm_bindgen(unchecked_param_type = "Sequential | Model")] model: JsValue,
    ) -> Result<JsConverter, JsError> {
        let m = model::model_of("TFLiteConverter.fromModel", &model)?;
        let inner = TfliteConverter::from_model(&m.borrow()).map_err(js_err)?;
        Ok(JsConverter {
            inner,
            optimizations: vec![],
            supported_ops: vec![],
            supported_types: vec![],
        })
    }

    /// `TFLiteConverter.fromTflite(bytes)`: a float32 `.tflite` file as TensorFlow exports
    /// it (FULLY_CONNECTED, SOFTMAX, RELU, RESHAPE), quantized by the same rules.
    #[wasm_bindgen(js_name = fromTflite)]
    pub fn from_tflite(bytes: &[u8]) -> Result<JsConverter, JsError> {
        let inner = TfliteConverter::from_tflite(bytes).map_err(js_err)?;
        Ok(JsConverter {
            inner,
            optimizations: vec![],
            supported_ops: vec![],
            supported_types: vec![],
        })
    }

    #[wasm_bindgen(getter)]
    pub fn optimizations(&self) -> Result<JsValue, JsError> {
        to_js(&self.optimizations)
    }
    #[wasm_bindgen(setter)]
    pub fn set_optimizations(&mut self, v: JsValue) -> Result<(), JsError> {
        let s = strings("optimizations", v)?;
        self.inner.options.set_optimizations(&s).map_err(js_err)?;
        self.optimizations = s;
        Ok(())
    }

    #[wasm_bindgen(getter, js_name = supportedOps)]
    pub fn supported_ops(&self) -> Result<JsValue, JsError> {
        to_js(&self.supported_ops)
    }
    #[wasm_bindgen(setter, js_name = supportedOps)]
    pub fn set_supported_ops(&mut self, v: JsValue) -> Result<(), JsError> {
        let s = strings("supportedOps", v)?;
        self.inner.options.set_supported_ops(&s).map_err(js_err)?;
        self.supported_ops = s;
        Ok(())
    }

    #[wasm_bindgen(getter, js_name = supportedTypes)]
    pub fn supported_types(&self) -> Result<JsValue, JsError> {
        to_js(&self.supported_types)
    }
    #[wasm_bindgen(setter, js_name = supportedTypes)]
    pub fn set_supported_types(&mut self, v: JsValue) -> Result<(), JsError> {
        let s = strings("supportedTypes", v)?;
        self.inner.options.set_supported_types(&s).map_err(js_err)?;
        self.supported_types = s;
        Ok(())
    }

    #[wasm_bindgen(getter, js_name = inferenceInputType)]
    pub fn inference_input_type(&self) -> String {
        io_name(self.inner.options.inference_input_type).into()
    }
    #[wasm_bindgen(setter, js_name = inferenceInputType)]
    pub fn set_inference_input_type(&mut self, v: String) -> Result<(), JsError> {
        self.inner.options.inference_input_type = IoType::parse(&v).map_err(js_err)?;
        Ok(())
    }

    #[wasm_bindgen(getter, js_name = inferenceOutputType)]
    pub fn inference_output_type(&self) -> String {
        io_name(self.inner.options.inference_output_type).into()
    }
    #[wasm_bindgen(setter, js_name = inferenceOutputType)]
    pub fn set_inference_output_type(&mut self, v: String) -> Result<(), JsError> {
        self.inner.options.inference_output_type = IoType::parse(&v).map_err(js_err)?;
        Ok(())
    }

    /// `{data: Float32Array, shape: [N, features]}` or `null`.
    #[wasm_bindgen(setter, js_name = representativeDataset)]
    pub fn set_representative_dataset(&mut self, v: JsValue) -> Result<(), JsError> {
        self.inner.options.calibration = None; // calibrated on the previous dataset
        if v.is_undefined() || v.is_null() {
            self.inner.options.representative_dataset = None;
            return Ok(());
        }
        let d: DatasetJs = from_js(
            "representativeDataset ({data: Float32Array, shape: [N, features]})",
            v,
        )?;
        self.inner.options.representative_dataset = Some(RepresentativeDataset {
            data: d.data,
            shape: d.shape,
        });
        Ok(())
    }
    #[wasm_bindgen(getter, js_name = representativeDataset)]
    pub fn representative_dataset(&self) -> JsValue {
        match &self.inner.options.representative_dataset {
            None => JsValue::NULL,
            Some(d) => {
                let o = Object::new();
                let _ = Reflect::set(&o, &"data".into(), &Float32Array::from(&d.data[..]));
                let shape: Array = d.shape.iter().map(|&s| JsValue::from(s as u32)).collect();
                let _ = Reflect::set(&o, &"shape".into(), &shape);
                o.into()
            }
        }
    }

    /// `fullIntegerQuantizationBiasType` (TF's `_experimental_full_integer_quantization_bias_type`):
    /// `"int32"`, `"int64"` or `null` (TF's default: int32 for int8, int64 for 16x8).
    #[wasm_bindgen(getter, js_name = fullIntegerQuantizationBiasType)]
    pub fn bias_type(&self) -> Option<String> {
        self.inner.options.bias_type.map(|b| b.name().to_string())
    }
    #[wasm_bindgen(setter, js_name = fullIntegerQuantizationBiasType)]
    pub fn set_bias_type(&mut self, v: Option<String>) -> Result<(), JsError> {
        self.inner.options.bias_type = v
            .map(|s| crate::quant::BiasType::parse(&s))
            .transpose()
            .map_err(js_err)?;
        Ok(())
    }

    /// `disablePerChannel` (TF's `_experimental_disable_per_channel`): one scale per
    /// weight tensor (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D).
    #[wasm_bindgen(getter, js_name = disablePerChannel)]
    pub fn disable_per_channel(&self) -> bool {
        self.inner.options.disable_per_channel
    }
    #[wasm_bindgen(setter, js_name = disablePerChannel)]
    pub fn set_disable_per_channel(&mut self, v: bool) {
        self.inner.options.disable_per_channel = v;
    }

    /// `disablePerChannelForDenseLayers` (TF's
    /// `_experimental_disable_per_channel_quantization_for_dense_layers`): one scale per
    /// FULLY_CONNECTED weight tensor.
    #[wasm_bindgen(getter, js_name = disablePerChannelForDenseLayers)]
    pub fn disable_per_channel_for_dense(&self) -> bool {
        self.inner.options.disable_per_channel_for_dense
    }
    #[wasm_bindgen(setter, js_name = disablePerChannelForDenseLayers)]
    pub fn set_disable_per_channel_for_dense(&mut self, v: bool) {
        self.inner.options.disable_per_channel_for_dense = v;
    }

    /// `denylistedOps`: builtin op names (`"FULLY_CONNECTED"`) kept float in a
    /// full-integer model (TF's `QuantizationDebugOptions.denylisted_ops`).
    #[wasm_bindgen(getter, js_name = denylistedOps)]
    pub fn denylisted_ops(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.options.denylisted_ops)
    }
    #[wasm_bindgen(setter, js_name = denylistedOps)]
    pub fn set_denylisted_ops(&mut self, v: JsValue) -> Result<(), JsError> {
        self.inner.options.denylisted_ops = strings("denylistedOps", v)?;
        Ok(())
    }

    /// `denylistedNodes`: output tensor names of the float model (see `nodeNames`) whose
    /// ops stay float (TF's `QuantizationDebugOptions.denylisted_nodes`).
    #[wasm_bindgen(getter, js_name = denylistedNodes)]
    pub fn denylisted_nodes(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.options.denylisted_nodes)
    }
    #[wasm_bindgen(setter, js_name = denylistedNodes)]
    pub fn set_denylisted_nodes(&mut self, v: JsValue) -> Result<(), JsError> {
        self.inner.options.denylisted_nodes = strings("denylistedNodes", v)?;
        Ok(())
    }

    /// `calibrateOnly` (TF's `_experimental_calibrate_only`): with optimizations and a
    /// representative dataset, `convert()` returns the float model with every activation's
    /// calibrated min/max.
    #[wasm_bindgen(getter, js_name = calibrateOnly)]
    pub fn calibrate_only(&self) -> bool {
        self.inner.options.calibrate_only
    }
    #[wasm_bindgen(setter, js_name = calibrateOnly)]
    pub fn set_calibrate_only(&mut self, v: bool) {
        self.inner.options.calibrate_only = v;
    }

    /// The node names `denylistedNodes` takes: for each op of the float model, in order,
    /// `{op, name}` (its builtin name and its output tensor's name).
    #[wasm_bindgen(js_name = nodeNames)]
    pub fn node_names(&self) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Node {
            op: String,
            name: String,
        }
        let g = self.inner.float_graph();
        let nodes: Vec<Node> = g
            .ops
            .iter()
            .filter_map(|op| {
                let t = g.tensors.get(usize::try_from(*op.outputs.first()?).ok()?)?;
                Some(Node {
                    op: op.display_name(),
                    name: t.name.clone(),
                })
            })
            .collect();
        to_js(&nodes)
    }

    /// Converts: the bytes of a `.tflite` file.
    pub fn convert(&self) -> Result<Vec<u8>, JsError> {
        self.inner.convert().map_err(js_err)
    }
}

fn io_name(t: IoType) -> &'static str {
    t.name()
}
