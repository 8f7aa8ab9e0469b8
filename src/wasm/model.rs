//! `Sequential` and `Model` (Keras / TF.js names): the same methods on both, over one core
//! type, [`nn::Model`]. Configs go to `nn::config` as JSON; inputs are `Float32Array`s with
//! `N × (values per sample)` values or `{data, shape: [N, …]}` with the full shape.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Float32Array, Function, Object, Promise, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::prelude::*;

use super::{bad, from_js, js_err, to_js, yield_to_event_loop};
use crate::nn;
use crate::nn::value::{Map, Value};
use crate::train::{CompileConfig, FitConfig, Loss, Optimizer};

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
fn yes() -> bool {
    true
}

impl FitJs {
    fn config(&self) -> FitConfig {
        FitConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            shuffle: self.shuffle,
            seed: self.seed,
        }
    }
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

type Shared = Rc<RefCell<nn::Model>>;

/// A JS config object as a [`Value`] (JSON's data model: `undefined` entries are left out,
/// typed arrays read as arrays; functions and cycles are errors).
fn config_value(what: &str, v: &JsValue, depth: usize) -> Result<Value, JsError> {
    if depth > 32 {
        return Err(bad(format!(
            "{what}: the config is nested too deeply (a cycle?)"
        )));
    }
    if v.is_null() || v.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Ok(Value::Number(n));
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::String(s));
    }
    if v.is_function() {
        return Err(bad(format!(
            "{what}: functions are not supported in a model config"
        )));
    }
    if Array::is_array(v) || js_sys::ArrayBuffer::is_view(v) {
        return Array::from(v)
            .iter()
            .map(|e| config_value(what, &e, depth + 1))
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    if v.is_object() {
        let mut entries = Vec::new();
        for k in Object::keys(v.unchecked_ref::<Object>()).iter() {
            let e =
                Reflect::get(v, &k).map_err(|_| bad(format!("{what}: cannot read a property")))?;
            if e.is_undefined() {
                continue;
            }
            entries.push((
                k.as_string().unwrap_or_default(),
                config_value(what, &e, depth + 1)?,
            ));
        }
        return Ok(Value::Object(Map(entries)));
    }
    Err(bad(format!("{what}: unsupported value in the config")))
}

/// Features from a `Float32Array`, a plain array, or `{data, shape}` (shape checked against
/// the model's input).
pub(crate) fn features(model: &nn::Model, what: &str, x: &JsValue) -> Result<Vec<f32>, JsError> {
    if let Some(a) = x.dyn_ref::<Float32Array>() {
        return Ok(a.to_vec());
    }
    if Array::is_array(x) {
        return Ok(Float32Array::new(x).to_vec());
    }
    if x.is_object() {
        let data = Reflect::get(x, &"data".into())
            .map_err(|_| bad(format!("{what}: x.data is missing")))?;
        let shape = Reflect::get(x, &"shape".into())
            .map_err(|_| bad(format!("{what}: x.shape is missing")))?;
        if data.is_undefined() || shape.is_undefined() {
            return Err(bad(format!(
                "{what}: x must be a Float32Array or {{data: Float32Array, shape: [N, ...]}}"
            )));
        }
        let data = features(model, what, &data)?;
        let shape: Vec<usize> = from_js(&format!("{what}: x.shape (an array of sizes)"), shape)?;
        model
            .check_input_shape(what, &shape, data.len())
            .map_err(js_err)?;
        return Ok(data);
    }
    Err(bad(format!(
        "{what}: x must be a Float32Array or {{data: Float32Array, shape: [N, ...]}}, got {}",
        x.js_typeof().as_string().unwrap_or_default()
    )))
}

fn compile(model: &Shared, config: JsValue) -> Result<(), JsError> {
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
    model
        .borrow_mut()
        .compile(CompileConfig { optimizer, loss })
        .map_err(js_err)
}

fn fit(model: &Shared, x: JsValue, y: Vec<i32>, options: JsValue) -> Result<Promise, JsError> {
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
    let cfg = opts.config();
    let x = features(&model.borrow(), "fit", &x)?;
    // Validate everything up front so bad input rejects before any training.
    model
        .borrow()
        .check_fit("fit", &x, &y, &cfg)
        .map_err(js_err)?;
    let inner = model.clone();
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

fn fit_epoch(
    model: &Shared,
    x: JsValue,
    y: &[i32],
    options: JsValue,
    epoch: usize,
) -> Result<JsValue, JsError> {
    let opts: FitJs = from_js("fitEpoch options", options)?;
    let x = features(&model.borrow(), "fitEpoch", &x)?;
    let logs = model
        .borrow_mut()
        .fit_epoch(&x, y, &opts.config(), epoch)
        .map_err(js_err)?;
    to_js(&LogsJs {
        loss: logs.loss,
        accuracy: logs.accuracy,
    })
}

fn get_weights(model: &Shared) -> Array {
    model
        .borrow()
        .get_weights()
        .into_iter()
        .map(|(w, _)| JsValue::from(Float32Array::from(&w[..])))
        .collect()
}

fn set_weights(model: &Shared, arrays: Array) -> Result<(), JsError> {
    let mut ws = Vec::with_capacity(arrays.length() as usize);
    for (i, a) in arrays.iter().enumerate() {
        let a: Float32Array = a
            .dyn_into()
            .map_err(|_| bad(format!("setWeights: entry {i} is not a Float32Array")))?;
        ws.push(a.to_vec());
    }
    model.borrow_mut().set_weights(&ws).map_err(js_err)
}

fn evaluate(model: &Shared, x: JsValue, y: &[i32]) -> Result<JsValue, JsError> {
    let x = features(&model.borrow(), "evaluate", &x)?;
    let l = model.borrow().evaluate(&x, y).map_err(js_err)?;
    to_js(&LogsJs {
        loss: l.loss,
        accuracy: l.accuracy,
    })
}

fn shape_array(shape: &[usize]) -> Array {
    shape.iter().map(|&d| JsValue::from(d as u32)).collect()
}

/// An opaque reference to a model, for `TFLiteConverter.fromModel` (it accepts either class).
#[wasm_bindgen]
pub struct ModelHandle {
    pub(crate) inner: Shared,
}

/// The model behind a `Sequential` or `Model` instance (read through its `__handle` getter,
/// which hands out a fresh `ModelHandle`, so the caller's instance stays valid).
pub(crate) fn model_of(what: &str, v: &JsValue) -> Result<Shared, JsError> {
    let h = Reflect::get(v, &"__handle".into()).unwrap_or(JsValue::UNDEFINED);
    ModelHandle::try_from_js_value(h)
        .map(|h| h.inner)
        .map_err(|_| bad(format!("{what}: expected a Sequential or a Model")))
}

/// The methods shared by `Sequential` and `Model` (wasm-bindgen has no class inheritance).
macro_rules! model_methods {
    ($ty:ident, $js:literal) => {
        #[wasm_bindgen(js_class = $js)]
        impl $ty {
            /// `compile({optimizer: {type: "adam", learningRate}, loss:
            /// "sparse_categorical_crossentropy", metrics: ["accuracy"]})`
            pub fn compile(&self, config: JsValue) -> Result<(), JsError> {
                compile(&self.inner, config)
            }

            /// `await fit(x, y, {epochs, batchSize, shuffle, seed, onEpochEnd(epoch, logs)})`
            /// → `{history: {loss, accuracy}, epoch}`. `x`: Float32Array (N × values per
            /// sample) or `{data, shape: [N, …]}`; `y`: Int32Array of N labels.
            /// `onEpochEnd` may return `false` to stop. The event loop runs between epochs.
            pub fn fit(
                &self,
                x: JsValue,
                y: Vec<i32>,
                options: JsValue,
            ) -> Result<Promise, JsError> {
                fit(&self.inner, x, y, options)
            }

            /// One epoch, synchronously (for Web Workers that drive their own loop).
            #[wasm_bindgen(js_name = fitEpoch)]
            pub fn fit_epoch(
                &self,
                x: JsValue,
                y: &[i32],
                options: JsValue,
                epoch: usize,
            ) -> Result<JsValue, JsError> {
                fit_epoch(&self.inner, x, y, options, epoch)
            }

            /// Weights in Keras order and layout (kernel `[kh, kw, in, out]` / `[in, out]`,
            /// bias; BatchNormalization γ, β, moving mean, moving variance; PReLU α).
            #[wasm_bindgen(js_name = getWeights)]
            pub fn get_weights(&self) -> Array {
                get_weights(&self.inner)
            }

            /// Sets every weight (same order and layout as `getWeights`).
            #[wasm_bindgen(js_name = setWeights)]
            pub fn set_weights(&self, arrays: Array) -> Result<(), JsError> {
                set_weights(&self.inner, arrays)
            }

            /// Outputs for `x` (inference mode): Float32Array of N × output values.
            pub fn predict(&self, x: JsValue) -> Result<Vec<f32>, JsError> {
                let m = self.inner.borrow();
                let x = features(&m, "predict", &x)?;
                m.predict(&x).map_err(js_err)
            }

            /// `{loss, accuracy}` on a labelled dataset (inference mode).
            pub fn evaluate(&self, x: JsValue, y: &[i32]) -> Result<JsValue, JsError> {
                evaluate(&self.inner, x, y)
            }

            /// Keras `summary()`: `{layers: [{name, className, outputShape, params,
            /// trainableParams, inputs}], totalParams, trainableParams, nonTrainableParams}`;
            /// `outputShape` leaves out the batch axis.
            pub fn summary(&self) -> Result<JsValue, JsError> {
                to_js(&self.inner.borrow().summary())
            }

            /// Shapes of the arrays of `getWeights`.
            #[wasm_bindgen(getter, js_name = weightShapes)]
            pub fn weight_shapes(&self) -> Array {
                self.inner
                    .borrow()
                    .weight_shapes()
                    .iter()
                    .map(|s| JsValue::from(shape_array(s)))
                    .collect()
            }

            /// Per-sample input shape, e.g. `[8, 8, 1]`.
            #[wasm_bindgen(getter, js_name = inputShape)]
            pub fn input_shape(&self) -> Array {
                shape_array(self.inner.borrow().input_shape())
            }

            /// Per-sample output shape, e.g. `[10]`.
            #[wasm_bindgen(getter, js_name = outputShape)]
            pub fn output_shape(&self) -> Array {
                shape_array(self.inner.borrow().output_shape())
            }

            /// Values per input sample.
            #[wasm_bindgen(getter, js_name = inputDim)]
            pub fn input_dim(&self) -> usize {
                self.inner.borrow().input_size()
            }

            /// Values per output sample.
            #[wasm_bindgen(getter, js_name = outputDim)]
            pub fn output_dim(&self) -> usize {
                self.inner.borrow().output_size()
            }

            /// Internal: the model for `TFLiteConverter.fromModel`.
            #[wasm_bindgen(getter, js_name = __handle)]
            pub fn handle(&self) -> ModelHandle {
                ModelHandle {
                    inner: self.inner.clone(),
                }
            }
        }
    };
}

/// A Keras-style Sequential model (`tf.sequential` / `keras.Sequential`).
#[wasm_bindgen(js_name = Sequential)]
pub struct JsSequential {
    pub(crate) inner: Shared,
}

#[wasm_bindgen(js_class = Sequential)]
impl JsSequential {
    /// `Sequential.fromConfig({inputShape: [H, W, C], seed, layers: [{type: "conv2d",
    /// filters, kernelSize, strides, padding, dilationRate, activation, useBias}, …]})` —
    /// layers as TF.js's `tf.layers.*` configs (see `nn::config` for every type and option).
    #[wasm_bindgen(js_name = fromConfig)]
    pub fn from_config(config: JsValue) -> Result<JsSequential, JsError> {
        let v = config_value("Sequential.fromConfig", &config, 0)?;
        let m = nn::config::sequential(&v).map_err(js_err)?;
        Ok(JsSequential {
            inner: Rc::new(RefCell::new(m)),
        })
    }
}

model_methods!(JsSequential, "Sequential");

/// A Keras-style functional model (`tf.model` / `keras.Model`): a DAG of named layers.
#[wasm_bindgen(js_name = Model)]
pub struct JsModel {
    pub(crate) inner: Shared,
}

#[wasm_bindgen(js_class = Model)]
impl JsModel {
    /// `Model.fromConfig({inputs: [{name, shape}], layers: [{name, type, …, inputs: [names]}],
    /// outputs: [name], seed})`; merge layers: `add`, `subtract`, `multiply`, `concatenate`.
    #[wasm_bindgen(js_name = fromConfig)]
    pub fn from_config(config: JsValue) -> Result<JsModel, JsError> {
        let v = config_value("Model.fromConfig", &config, 0)?;
        let m = nn::config::functional(&v).map_err(js_err)?;
        Ok(JsModel {
            inner: Rc::new(RefCell::new(m)),
        })
    }
}

model_methods!(JsModel, "Model");
