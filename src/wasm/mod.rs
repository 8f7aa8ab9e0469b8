//! The `#[wasm_bindgen]` facade: converts JS values to core types and core errors to JS
//! `Error`s — nothing else. Names follow TensorFlow/Keras in JS camelCase (DESIGN.md,
//! "Public JS API").

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Float32Array, Function, Object, Promise, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

// One file per area, so that each can grow on its own: models and converter here,
// the interpreter in `interp.rs`, calibration/inspection reports in `report.rs`.
mod app;
mod bench;
mod data;
mod interp;
mod report;

use crate::converter::TfliteConverter;
use crate::nn::{self, DenseConfig};
use crate::quant::{IoType, RepresentativeDataset};
use crate::train::{CompileConfig, FitConfig, Loss, Optimizer};

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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LayerJs {
    #[serde(rename = "type")]
    kind: String,
    units: usize,
    #[serde(default)]
    activation: Option<String>,
    #[serde(default = "yes")]
    use_bias: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ModelConfigJs {
    input_shape: Vec<usize>,
    #[serde(default)]
    seed: u64,
    layers: Vec<LayerJs>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OptimizerJs {
    #[serde(rename = "type", default = "adam")]
    kind: String,
    learning_rate: Option<f64>,
    beta1: Option<f64>,
    beta2: Option<f64>,
    epsilon: Option<f64>,
}

fn adam() -> String {
    "adam".into()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OptimizerSpec {
    Name(String),
    Full(OptimizerJs),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompileJs {
    #[serde(default)]
    optimizer: Option<OptimizerSpec>,
    #[serde(default)]
    loss: Option<String>,
    #[serde(default)]
    metrics: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FitJs {
    #[serde(default = "one")]
    epochs: usize,
    #[serde(default = "thirty_two")]
    batch_size: usize,
    #[serde(default = "yes")]
    shuffle: bool,
    #[serde(default)]
    seed: u64,
}

fn one() -> usize {
    1
}
fn thirty_two() -> usize {
    32
}

#[derive(Serialize)]
struct LogsJs {
    loss: f64,
    accuracy: f64,
}

#[derive(Serialize)]
struct HistoryInner {
    loss: Vec<f64>,
    accuracy: Vec<f64>,
}

#[derive(Serialize)]
struct HistoryJs {
    history: HistoryInner,
    epoch: Vec<usize>,
}

/// A Keras-style Sequential model of Dense layers.
#[wasm_bindgen(js_name = Sequential)]
pub struct JsSequential {
    pub(crate) inner: Rc<RefCell<nn::Sequential>>,
}

#[wasm_bindgen(js_class = Sequential)]
impl JsSequential {
    /// `Sequential.fromConfig({inputShape: [n], seed, layers: [{type: "dense", units, activation, useBias}]})`
    #[wasm_bindgen(js_name = fromConfig)]
    pub fn from_config(config: JsValue) -> Result<JsSequential, JsError> {
        let cfg: ModelConfigJs = from_js("Sequential.fromConfig", config)?;
        if cfg.input_shape.len() != 1 {
            return Err(bad(format!(
                "Sequential.fromConfig: inputShape must have one dimension for Dense models, got {:?}",
                cfg.input_shape
            )));
        }
        let mut layers = Vec::with_capacity(cfg.layers.len());
        for (i, l) in cfg.layers.iter().enumerate() {
            if !l.kind.eq_ignore_ascii_case("dense") {
                return Err(bad(format!(
                    "layer {i}: type '{}' is not supported (only \"dense\")",
                    l.kind
                )));
            }
            let activation = nn::Activation::parse(l.activation.as_deref())
                .map_err(|e| bad(format!("layer {i}: {e}")))?;
            layers.push(DenseConfig {
                units: l.units,
                activation,
                use_bias: l.use_bias,
            });
        }
        let m = nn::Sequential::new(cfg.input_shape[0], &layers, cfg.seed).map_err(js_err)?;
        Ok(JsSequential {
            inner: Rc::new(RefCell::new(m)),
        })
    }

    /// `compile({optimizer: {type: "adam", learningRate}, loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]})`
    pub fn compile(&self, config: JsValue) -> Result<(), JsError> {
        let c: CompileJs = from_js("compile", config)?;
        let optimizer = match c.optimizer {
            None => Optimizer::default(),
            Some(OptimizerSpec::Name(n)) => n.parse::<Optimizer>().map_err(js_err)?,
            Some(OptimizerSpec::Full(o)) => {
                let mut opt = o.kind.parse::<Optimizer>().map_err(js_err)?;
                match &mut opt {
                    Optimizer::Adam(a) => {
                        a.learning_rate = o.learning_rate.unwrap_or(a.learning_rate);
                        a.beta_1 = o.beta1.unwrap_or(a.beta_1);
                        a.beta_2 = o.beta2.unwrap_or(a.beta_2);
                        a.epsilon = o.epsilon.unwrap_or(a.epsilon);
                    }
                    Optimizer::Sgd(sgd) => {
                        sgd.learning_rate = o.learning_rate.unwrap_or(sgd.learning_rate);
                    }
                }
                opt
            }
        };
        let loss = match c.loss.as_deref() {
            None => Loss::default(),
            Some(l) => l.parse::<Loss>().map_err(js_err)?,
        };
        for m in &c.metrics {
            if m != "accuracy" && m != "acc" {
                return Err(bad(format!(
                    "compile: metric '{m}' is not supported (use \"accuracy\")"
                )));
            }
        }
        self.inner
            .borrow_mut()
            .compile(CompileConfig { optimizer, loss })
            .map_err(js_err)
    }

    /// `await fit(x, y, {epochs, batchSize, shuffle, seed, onEpochEnd(epoch, logs)})` →
    /// `{history: {loss: [...], accuracy: [...]}, epoch: [...]}`. `onEpochEnd` may return
    /// `false` to stop training (the page's Cancel button). The event loop runs between
    /// epochs.
    pub fn fit(&self, x: Vec<f32>, y: Vec<i32>, options: JsValue) -> Result<Promise, JsError> {
        let on_epoch_end: Option<Function> = if options.is_object() {
            Reflect::get(&options, &"onEpochEnd".into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
        } else {
            None
        };
        let opts: FitJs = if options.is_undefined() || options.is_null() {
            from_js("fit options", Object::new().into())?
        } else {
            // Functions are not data: deserialize a copy without the callback.
            let copy = Object::assign(&Object::new(), options.unchecked_ref());
            let _ = Reflect::delete_property(&copy, &"onEpochEnd".into());
            let _ = Reflect::delete_property(&copy, &"verbose".into());
            from_js("fit options", copy.into())?
        };
        let cfg = FitConfig {
            epochs: opts.epochs,
            batch_size: opts.batch_size,
            shuffle: opts.shuffle,
            seed: opts.seed,
        };
        // Validate everything up front so bad input rejects before any training.
        self.inner
            .borrow()
            .check_fit("fit", &x, &y, &cfg)
            .map_err(js_err)?;
        let inner = self.inner.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let mut hist = HistoryInner {
                loss: vec![],
                accuracy: vec![],
            };
            let mut epochs = vec![];
            for e in 0..cfg.epochs {
                let logs = inner
                    .borrow_mut()
                    .fit_epoch(&x, &y, &cfg, e)
                    .map_err(|e| JsValue::from(js_err(e)))?;
                hist.loss.push(logs.loss);
                hist.accuracy.push(logs.accuracy);
                epochs.push(e);
                if let Some(f) = &on_epoch_end {
                    let l = to_js(&LogsJs {
                        loss: logs.loss,
                        accuracy: logs.accuracy,
                    })?;
                    let r = f.call2(&JsValue::NULL, &JsValue::from(e as u32), &l)?;
                    if r == JsValue::FALSE {
                        break;
                    }
                }
                yield_to_event_loop().await?;
            }
            Ok(to_js(&HistoryJs {
                history: hist,
                epoch: epochs,
            })?)
        }))
    }

    /// One epoch, synchronously (for Web Workers that drive their own loop).
    #[wasm_bindgen(js_name = fitEpoch)]
    pub fn fit_epoch(
        &self,
        x: &[f32],
        y: &[i32],
        options: JsValue,
        epoch: usize,
    ) -> Result<JsValue, JsError> {
        let opts: FitJs = from_js("fitEpoch options", options)?;
        let cfg = FitConfig {
            epochs: opts.epochs,
            batch_size: opts.batch_size,
            shuffle: opts.shuffle,
            seed: opts.seed,
        };
        let logs = self
            .inner
            .borrow_mut()
            .fit_epoch(x, y, &cfg, epoch)
            .map_err(js_err)?;
        to_js(&LogsJs {
            loss: logs.loss,
            accuracy: logs.accuracy,
        })
    }

    /// Weights in Keras order and layout: per layer, kernel `[in, out]` then bias `[out]`.
    #[wasm_bindgen(js_name = getWeights)]
    pub fn get_weights(&self) -> Array {
        self.inner
            .borrow()
            .get_weights()
            .into_iter()
            .map(|(w, _)| JsValue::from(Float32Array::from(&w[..])))
            .collect()
    }

    /// Sets weights from an array of Float32Array (same order and layout as `getWeights`).
    #[wasm_bindgen(js_name = setWeights)]
    pub fn set_weights(&self, arrays: Array) -> Result<(), JsError> {
        let mut ws = Vec::with_capacity(arrays.length() as usize);
        for (i, a) in arrays.iter().enumerate() {
            let a: Float32Array = a
                .dyn_into()
                .map_err(|_| bad(format!("setWeights: entry {i} is not a Float32Array")))?;
            ws.push(a.to_vec());
        }
        self.inner.borrow_mut().set_weights(&ws).map_err(js_err)
    }

    /// Class probabilities for `x` (N × inputDim, row-major): N × outputDim.
    pub fn predict(&self, x: &[f32]) -> Result<Vec<f32>, JsError> {
        self.inner.borrow().predict(x).map_err(js_err)
    }

    /// `{loss, accuracy}` on a labelled dataset.
    pub fn evaluate(&self, x: &[f32], y: &[i32]) -> Result<JsValue, JsError> {
        let l = self.inner.borrow().evaluate(x, y).map_err(js_err)?;
        to_js(&LogsJs {
            loss: l.loss,
            accuracy: l.accuracy,
        })
    }

    #[wasm_bindgen(getter, js_name = inputDim)]
    pub fn input_dim(&self) -> usize {
        self.inner.borrow().input_dim()
    }

    #[wasm_bindgen(getter, js_name = outputDim)]
    pub fn output_dim(&self) -> usize {
        self.inner.borrow().output_dim()
    }
}

async fn yield_to_event_loop() -> Result<(), JsValue> {
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
    #[wasm_bindgen(js_name = fromModel)]
    pub fn from_model(model: &JsSequential) -> Result<JsConverter, JsError> {
        let inner = TfliteConverter::from_model(&model.inner.borrow()).map_err(js_err)?;
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

    /// Converts: the bytes of a `.tflite` file.
    pub fn convert(&self) -> Result<Vec<u8>, JsError> {
        self.inner.convert().map_err(js_err)
    }
}

fn io_name(t: IoType) -> &'static str {
    match t {
        IoType::Float32 => "float32",
        IoType::Int8 => "int8",
        IoType::Uint8 => "uint8",
    }
}
