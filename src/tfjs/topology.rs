//! `modelTopology` of a TF.js layers model: Keras's model config (`class_name` + `config`,
//! snake_case arguments) as tf_keras / Keras 2 and TF.js's `model.save()` write it, and the
//! Keras 3 form of functional graphs — turned into [`LayerSpec`]s.
//!
//! Every argument of a layer is either used, ignored because it cannot change a loaded
//! model (names, initializers, `build_config`), or refused unless it has Keras's default
//! (regularizers, constraints, `groups`, `renorm`, …): a model is never read as something
//! it is not. Errors name the layer (`layer 'conv1' (Conv2D)`) and the value.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::nn::activation::Activation;
use crate::nn::conv::Padding;
use crate::nn::{InputSpec, LayerConfig, LayerSpec};

/// A parsed topology.
#[derive(Clone, Debug, PartialEq)]
pub struct Topology {
    /// `Sequential` rather than a functional `Model`.
    pub sequential: bool,
    /// Keras's model name, if given.
    pub name: Option<String>,
    pub inputs: Vec<InputSpec>,
    pub layers: Vec<LayerSpec>,
    pub outputs: Vec<String>,
    /// Layers whose `BatchNormalization` axis was given explicitly (layer name, axis as
    /// Keras counts it, batch included): checked against the input's rank once shapes are
    /// known.
    pub bn_axes: Vec<(String, i64)>,
}

fn err(msg: String) -> Error {
    Error::invalid(format!("model.json: {msg}"))
}

fn unsupported(msg: String) -> Error {
    Error::unsupported(format!("model.json: {msg}"))
}

/// Reads one layer's `config`, remembering which keys were looked at.
struct Args<'a> {
    what: String,
    map: &'a Map<String, Value>,
    seen: Vec<&'static str>,
}

impl<'a> Args<'a> {
    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.seen.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn ignore(&mut self, keys: &[&'static str]) {
        self.seen.extend_from_slice(keys);
    }

    fn bad(&self, key: &str, want: &str, got: &Value) -> Error {
        err(format!("{}: {key} must be {want}, got {got}", self.what))
    }

    fn uint_of(&self, key: &str, v: &Value) -> Result<usize> {
        v.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && (0.0..4.0e9).contains(f))
                    .map(|f| f as usize)
            })
            .ok_or_else(|| self.bad(key, "a non-negative integer", v))
    }

    fn uint(&mut self, key: &'static str) -> Result<Option<usize>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => self.uint_of(key, v).map(Some),
        }
    }

    fn required_uint(&mut self, key: &'static str) -> Result<usize> {
        self.uint(key)?
            .ok_or_else(|| err(format!("{}: {key} is required", self.what)))
    }

    /// `n` or `[a, b]`.
    fn pair(&mut self, key: &'static str) -> Result<Option<(usize, usize)>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) if a.len() == 2 => {
                Ok(Some((self.uint_of(key, &a[0])?, self.uint_of(key, &a[1])?)))
            }
            Some(v @ Value::Array(_)) => Err(self.bad(key, "[height, width]", v)),
            Some(v) => {
                let n = self.uint_of(key, v)?;
                Ok(Some((n, n)))
            }
        }
    }

    fn float(&mut self, key: &'static str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.bad(key, "a number", v)),
        }
    }

    fn boolean(&mut self, key: &'static str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.as_bool().ok_or_else(|| self.bad(key, "true or false", v)),
        }
    }

    fn string(&mut self, key: &'static str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| self.bad(key, "a string", v)),
        }
    }

    /// Arguments that must be absent or null (regularizers, constraints, …).
    fn null(&mut self, keys: &[&'static str], why: &str) -> Result<()> {
        for &k in keys {
            if let Some(v) = self.get(k) {
                return Err(unsupported(format!(
                    "{}: {k} = {v} is not supported ({why}); only null is",
                    self.what
                )));
            }
        }
        Ok(())
    }

    /// An argument that may only take its default.
    fn only(&mut self, key: &'static str, ok: &[Value], say: &str) -> Result<()> {
        if let Some(v) = self.get(key) {
            if !ok.contains(v) {
                return Err(unsupported(format!(
                    "{}: {key} = {v} is not supported (only {say})",
                    self.what
                )));
            }
        }
        Ok(())
    }

    fn activation(&mut self) -> Result<Activation> {
        match self.get("activation") {
            None => Ok(Activation::Linear),
            Some(Value::String(s)) => {
                let name = match s.as_str() {
                    // TF.js's serialized names of the same functions.
                    "hardSwish" => "hard_swish",
                    other => other,
                };
                name.parse()
                    .map_err(|e| unsupported(format!("{}: {}", self.what, super::strip(&e))))
            }
            Some(v) => Err(unsupported(format!(
                "{}: activation {v} is not supported (a Keras activation name is)",
                self.what
            ))),
        }
    }

    fn padding(&mut self) -> Result<Padding> {
        match self.string("padding")? {
            None => Ok(Padding::Valid),
            Some(p) => p
                .parse()
                .map_err(|e| unsupported(format!("{}: {}", self.what, super::strip(&e)))),
        }
    }

    fn channels_last(&mut self) -> Result<()> {
        match self.string("data_format")? {
            None | Some("channels_last") => Ok(()),
            Some(other) => Err(unsupported(format!(
                "{}: data_format {other:?} is not supported (only \"channels_last\", NHWC)",
                self.what
            ))),
        }
    }

    /// Keras 2 / TF.js `dtype: "float32"`, Keras 3 `{class_name: "DTypePolicy", config:
    /// {name: "float32"}}`.
    fn float32(&mut self) -> Result<()> {
        let Some(v) = self.get("dtype") else {
            return Ok(());
        };
        let name = match v {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o
                .get("config")
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str),
            _ => None,
        };
        if name == Some("float32") {
            Ok(())
        } else {
            Err(unsupported(format!(
                "{}: dtype {v} is not supported (only float32)",
                self.what
            )))
        }
    }

    /// Fails on a key nobody looked at.
    fn finish(self) -> Result<()> {
        let mut unknown: Vec<&String> = self
            .map
            .keys()
            .filter(|k| !self.seen.contains(&k.as_str()))
            .collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(k) => Err(unsupported(format!(
                "{}: argument '{k}' = {} is not supported",
                self.what,
                self.map[k.as_str()]
            ))),
        }
    }
}

const REG: &[&str] = &[
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
];
const WHY_REG: &str = "litequant trains without regularizers or constraints";

/// A layer's `batch_input_shape` (Keras 2, TF.js), `batch_shape` (Keras 3) or
/// `input_shape` / `input_dim` (older configs): the per-sample shape.
fn input_shape(a: &mut Args) -> Result<Option<Vec<usize>>> {
    let per_sample = |a: &Args, key: &str, dims: &[Value]| -> Result<Vec<usize>> {
        dims.iter()
            .map(|d| {
                if d.is_null() {
                    Err(unsupported(format!(
                        "{}: {key} {} has a free dimension; litequant needs every \
                         dimension but the batch fixed",
                        a.what,
                        Value::Array(dims.to_vec())
                    )))
                } else {
                    a.uint_of(key, d)
                }
            })
            .collect()
    };
    for key in ["batch_input_shape", "batch_shape"] {
        if let Some(v) = a.get(key) {
            let dims = v
                .as_array()
                .filter(|d| !d.is_empty())
                .ok_or_else(|| a.bad(key, "[batch, ...dims]", v))?;
            return per_sample(a, key, &dims[1..]).map(Some);
        }
    }
    if let Some(v) = a.get("input_shape") {
        let dims = v
            .as_array()
            .ok_or_else(|| a.bad("input_shape", "[...dims]", v))?;
        return per_sample(a, "input_shape", dims).map(Some);
    }
    if let Some(d) = a.uint("input_dim")? {
        return Ok(Some(vec![d]));
    }
    Ok(None)
}

/// A parsed layer entry.
struct Parsed {
    name: String,
    config: LayerConfig,
    /// The input shape given on this layer (first layer of a Sequential).
    input_shape: Option<Vec<usize>>,
    bn_axis: Option<i64>,
}

/// Parses one `{class_name, config}` entry. `index` numbers it in errors.
fn layer(index: usize, entry: &Value) -> Result<Parsed> {
    let e = entry.as_object().ok_or_else(|| {
        err(format!(
            "layer {index}: expected {{class_name, config}}, got {entry}"
        ))
    })?;
    let class = e
        .get("class_name")
        .and_then(Value::as_str)
        .ok_or_else(|| err(format!("layer {index}: class_name is missing")))?;
    let empty = Map::new();
    let map = match e.get("config") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(v) => {
            return Err(err(format!(
                "layer {index} ({class}): config must be an object, got {v}"
            )))
        }
    };
    let name = map
        .get("name")
        .or_else(|| e.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| err(format!("layer {index} ({class}): config.name is missing")))?;
    let mut a = Args {
        what: format!("layer '{name}' ({class})"),
        map,
        seen: vec!["name"],
    };
    if !a.boolean("trainable", true)? {
        return Err(unsupported(format!(
            "{}: trainable = false is not supported (litequant trains every layer); set it \
             to true in model.json to import the model",
            a.what
        )));
    }
    a.float32()?;
    let shape = input_shape(&mut a)?;
    let mut bn_axis = None;
    let config = match class {
        "Dense" => {
            a.ignore(&["kernel_initializer", "bias_initializer", "lora_alpha"]);
            a.null(REG, WHY_REG)?;
            a.null(&["lora_rank"], "LoRA layers are not")?;
            a.null(&["quantization_config"], "Keras-quantized layers are not")?;
            LayerConfig::Dense {
                units: a.required_uint("units")?,
                activation: a.activation()?,
                use_bias: a.boolean("use_bias", true)?,
            }
        }
        "Conv2D" => {
            a.channels_last()?;
            a.ignore(&["kernel_initializer", "bias_initializer", "lora_alpha"]);
            a.null(REG, WHY_REG)?;
            a.null(&["lora_rank"], "LoRA layers are not")?;
            a.only(
                "groups",
                &[1.into()],
                "1: grouped convolutions are not supported",
            )?;
            LayerConfig::Conv2D {
                filters: a.required_uint("filters")?,
                kernel_size: a
                    .pair("kernel_size")?
                    .ok_or_else(|| err(format!("{}: kernel_size is required", a.what)))?,
                strides: a.pair("strides")?.unwrap_or((1, 1)),
                padding: a.padding()?,
                dilation_rate: a.pair("dilation_rate")?.unwrap_or((1, 1)),
                activation: a.activation()?,
                use_bias: a.boolean("use_bias", true)?,
            }
        }
        "DepthwiseConv2D" => {
            a.channels_last()?;
            a.ignore(&[
                "depthwise_initializer",
                "kernel_initializer",
                "bias_initializer",
            ]);
            a.null(REG, WHY_REG)?;
            a.null(&["depthwise_regularizer", "depthwise_constraint"], WHY_REG)?;
            a.only("groups", &[1.into()], "1")?;
            LayerConfig::DepthwiseConv2D {
                kernel_size: a
                    .pair("kernel_size")?
                    .ok_or_else(|| err(format!("{}: kernel_size is required", a.what)))?,
                strides: a.pair("strides")?.unwrap_or((1, 1)),
                padding: a.padding()?,
                depth_multiplier: a.uint("depth_multiplier")?.unwrap_or(1),
                dilation_rate: a.pair("dilation_rate")?.unwrap_or((1, 1)),
                activation: a.activation()?,
                use_bias: a.boolean("use_bias", true)?,
            }
        }
        "MaxPooling2D" | "AveragePooling2D" | "MaxPool2D" | "AvgPool2D" => {
            a.channels_last()?;
            let pool_size = a.pair("pool_size")?.unwrap_or((2, 2));
            let strides = a.pair("strides")?;
            let padding = a.padding()?;
            if class.starts_with("Max") {
                LayerConfig::MaxPooling2D {
                    pool_size,
                    strides,
                    padding,
                }
            } else {
                LayerConfig::AveragePooling2D {
                    pool_size,
                    strides,
                    padding,
                }
            }
        }
        "GlobalAveragePooling2D" | "GlobalMaxPooling2D" | "GlobalAvgPool2D" | "GlobalMaxPool2D" => {
            a.channels_last()?;
            let keepdims = a.boolean("keepdims", false)?;
            if class.contains("Max") {
                LayerConfig::GlobalMaxPooling2D { keepdims }
            } else {
                LayerConfig::GlobalAveragePooling2D { keepdims }
            }
        }
        "Flatten" => {
            a.channels_last()?;
            LayerConfig::Flatten
        }
        "Reshape" => {
            let t = a
                .get("target_shape")
                .and_then(Value::as_array)
                .ok_or_else(|| err(format!("{}: target_shape is required", a.what)))?;
            let dims = t
                .iter()
                .map(|d| {
                    d.as_i64().ok_or_else(|| {
                        a.bad("target_shape", "a list of sizes", &Value::Array(t.clone()))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            LayerConfig::Reshape { target_shape: dims }
        }
        "Dropout" => {
            a.ignore(&["seed"]);
            a.null(&["noise_shape"], "dropout masks over all axes are")?;
            let rate = a
                .float("rate")?
                .ok_or_else(|| err(format!("{}: rate is required", a.what)))?;
            LayerConfig::Dropout { rate: rate as f32 }
        }
        "BatchNormalization" => {
            a.ignore(&[
                "beta_initializer",
                "gamma_initializer",
                "moving_mean_initializer",
                "moving_variance_initializer",
                "fused",
            ]);
            a.null(
                &[
                    "beta_regularizer",
                    "gamma_regularizer",
                    "beta_constraint",
                    "gamma_constraint",
                    "virtual_batch_size",
                    "adjustment",
                    "renorm_clipping",
                ],
                "litequant's BatchNormalization is Keras's plain one",
            )?;
            a.only("renorm", &[false.into()], "false")?;
            a.ignore(&["renorm_momentum"]);
            a.only("synchronized", &[false.into()], "false")?;
            bn_axis = match a.get("axis") {
                None => None,
                Some(Value::Array(v)) if v.len() == 1 => Some(v[0].as_i64().ok_or_else(|| {
                    unsupported(format!(
                        "{}: axis {} is not supported (only the last axis)",
                        a.what, v[0]
                    ))
                })?),
                Some(v) => Some(v.as_i64().ok_or_else(|| {
                    unsupported(format!(
                        "{}: axis {v} is not supported (only the last axis)",
                        a.what
                    ))
                })?),
            };
            LayerConfig::BatchNormalization {
                momentum: a.float("momentum")?.unwrap_or(0.99),
                epsilon: a.float("epsilon")?.unwrap_or(1e-3),
                center: a.boolean("center", true)?,
                scale: a.boolean("scale", true)?,
            }
        }
        "ZeroPadding2D" => {
            a.channels_last()?;
            let p = a.get("padding");
            let bad = || {
                a.bad(
                    "padding",
                    "n, [h, w] or [[top, bottom], [left, right]]",
                    p.unwrap_or(&Value::Null),
                )
            };
            let padding = match p {
                None => ((1, 1), (1, 1)),
                Some(Value::Array(v)) if v.len() == 2 => match (&v[0], &v[1]) {
                    (Value::Array(h), Value::Array(w)) if h.len() == 2 && w.len() == 2 => (
                        (a.uint_of("padding", &h[0])?, a.uint_of("padding", &h[1])?),
                        (a.uint_of("padding", &w[0])?, a.uint_of("padding", &w[1])?),
                    ),
                    (h, w) => {
                        let (h, w) = (a.uint_of("padding", h)?, a.uint_of("padding", w)?);
                        ((h, h), (w, w))
                    }
                },
                Some(Value::Array(_)) => return Err(bad()),
                Some(v) => {
                    let n = a.uint_of("padding", v)?;
                    ((n, n), (n, n))
                }
            };
            LayerConfig::ZeroPadding2D { padding }
        }
        "Activation" => {
            if a.map.get("activation").is_none() {
                return Err(err(format!("{}: activation is required", a.what)));
            }
            LayerConfig::Activation {
                activation: a.activation()?,
            }
        }
        "Softmax" => {
            a.only("axis", &[(-1).into()], "-1, the last axis")?;
            LayerConfig::Activation {
                activation: Activation::Softmax,
            }
        }
        "ReLU" => LayerConfig::ReLU {
            max_value: a.float("max_value")?.map(|v| v as f32),
            negative_slope: a.float("negative_slope")?.unwrap_or(0.0) as f32,
            threshold: a.float("threshold")?.unwrap_or(0.0) as f32,
        },
        "LeakyReLU" => {
            let alpha = a.float("alpha")?;
            let slope = a.float("negative_slope")?;
            LayerConfig::LeakyReLU {
                negative_slope: slope.or(alpha).unwrap_or(0.3) as f32,
            }
        }
        "PReLU" => {
            a.ignore(&["alpha_initializer"]);
            a.null(&["alpha_regularizer", "alpha_constraint"], WHY_REG)?;
            let shared_axes = match a.get("shared_axes") {
                None => Vec::new(),
                Some(Value::Array(v)) => v
                    .iter()
                    .map(|d| a.uint_of("shared_axes", d))
                    .collect::<Result<_>>()?,
                Some(v) => vec![a.uint_of("shared_axes", v)?],
            };
            LayerConfig::PReLU { shared_axes }
        }
        "Add" => LayerConfig::Add,
        "Subtract" => LayerConfig::Subtract,
        "Multiply" => LayerConfig::Multiply,
        "Concatenate" => LayerConfig::Concatenate {
            axis: match a.get("axis") {
                None => -1,
                Some(v) => v.as_i64().ok_or_else(|| a.bad("axis", "an integer", v))?,
            },
        },
        "Sequential" | "Functional" | "Model" => {
            return Err(unsupported(format!(
                "{}: a model nested inside a model is not supported; save the inner model's \
                 layers in one flat model",
                a.what
            )))
        }
        other => {
            return Err(unsupported(format!(
                "{}: layer class {other:?} is not supported (supported: Dense, Conv2D, \
                 DepthwiseConv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, \
                 GlobalMaxPooling2D, Flatten, Reshape, Dropout, BatchNormalization, \
                 ZeroPadding2D, Activation, Softmax, ReLU, LeakyReLU, PReLU, Add, Subtract, \
                 Multiply, Concatenate, InputLayer)",
                a.what
            )))
        }
    };
    a.finish()?;
    Ok(Parsed {
        name,
        config,
        input_shape: shape,
        bn_axis,
    })
}

/// An `InputLayer` entry: its name and per-sample shape.
fn input_layer(index: usize, entry: &Value) -> Result<InputSpec> {
    let e = entry.as_object().expect("checked by the caller");
    let empty = Map::new();
    let map = e.get("config").and_then(Value::as_object).unwrap_or(&empty);
    let name = map
        .get("name")
        .or_else(|| e.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("input_layer")
        .to_string();
    let mut a = Args {
        what: format!("layer '{name}' (InputLayer)"),
        map,
        seen: vec!["name"],
    };
    a.float32()?;
    a.only("sparse", &[false.into()], "false")?;
    a.only("ragged", &[false.into()], "false")?;
    a.only("optional", &[false.into()], "false")?;
    a.ignore(&["input_tensor"]);
    let shape = input_shape(&mut a)?.ok_or_else(|| {
        err(format!(
            "layer {index} ('{name}', InputLayer): batch_input_shape is missing"
        ))
    })?;
    a.finish()?;
    Ok(InputSpec { name, shape })
}

fn class_of(v: &Value) -> Option<&str> {
    v.get("class_name").and_then(Value::as_str)
}

/// `[name, node_index, tensor_index, …]` (Keras 2 / TF.js) or a Keras 3 tensor
/// `{class_name: "__keras_tensor__", config: {keras_history: [name, node, tensor]}}`.
fn reference(what: &str, v: &Value) -> Result<String> {
    let history = match v {
        Value::Array(a) => a.as_slice(),
        Value::Object(_) => v
            .get("config")
            .and_then(|c| c.get("keras_history"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .ok_or_else(|| err(format!("{what}: an input {v} is not a layer reference")))?,
        _ => {
            return Err(err(format!(
                "{what}: an input {v} is not a layer reference"
            )))
        }
    };
    let name = history
        .first()
        .and_then(Value::as_str)
        .ok_or_else(|| err(format!("{what}: an input {v} does not name a layer")))?;
    for (k, label) in [(1, "node"), (2, "tensor")] {
        match history.get(k).and_then(Value::as_u64) {
            None | Some(0) => {}
            Some(i) => {
                return Err(unsupported(format!(
                    "{what}: it reads {label} {i} of layer '{name}'; layers called more than \
                     once (shared layers) and layers with several outputs are not supported"
                )))
            }
        }
    }
    if let Some(kw) = history.get(3).and_then(Value::as_object) {
        call_kwargs(what, kw)?;
    }
    Ok(name.to_string())
}

/// Call arguments of a layer in a functional graph: only `training: false` (Keras 3 writes
/// it for Dropout at inference) and nulls mean nothing more than a plain call.
fn call_kwargs(what: &str, kw: &Map<String, Value>) -> Result<()> {
    match kw
        .iter()
        .find(|(k, v)| !(v.is_null() || (k.as_str() == "training" && **v == Value::Bool(false))))
    {
        None => Ok(()),
        Some((k, v)) => Err(unsupported(format!(
            "{what}: call argument {k} = {v} is not supported"
        ))),
    }
}

/// The layers a functional layer reads, from its `inbound_nodes`.
fn inbound(what: &str, entry: &Value) -> Result<Vec<String>> {
    let nodes = match entry.get("inbound_nodes") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(n)) => n,
        Some(v) => {
            return Err(err(format!(
                "{what}: inbound_nodes must be a list, got {v}"
            )))
        }
    };
    match nodes.len() {
        0 => return Ok(Vec::new()),
        1 => {}
        n => {
            return Err(unsupported(format!(
                "{what}: the layer is called {n} times; shared layers are not supported"
            )))
        }
    }
    match &nodes[0] {
        // Keras 2 / TF.js: [[name, node, tensor, kwargs], …]
        Value::Array(refs) => refs.iter().map(|r| reference(what, r)).collect(),
        // Keras 3: {args: [tensor | [tensors]], kwargs}
        Value::Object(call) => {
            if let Some(kw) = call.get("kwargs").and_then(Value::as_object) {
                call_kwargs(what, kw)?;
            }
            let args = call
                .get("args")
                .and_then(Value::as_array)
                .ok_or_else(|| err(format!("{what}: inbound_nodes[0].args is missing")))?;
            let mut out = Vec::new();
            for a in args {
                match a {
                    Value::Array(list) => {
                        for t in list {
                            out.push(reference(what, t)?);
                        }
                    }
                    t => out.push(reference(what, t)?),
                }
            }
            Ok(out)
        }
        v => Err(err(format!("{what}: inbound_nodes[0] {v} is not a call"))),
    }
}

/// `input_layers` / `output_layers`: `[[name, 0, 0], …]` or Keras 3's single `[name, 0, 0]`.
fn endpoints(key: &str, v: Option<&Value>) -> Result<Vec<String>> {
    let list = v
        .and_then(Value::as_array)
        .ok_or_else(|| err(format!("the functional model's {key} is missing")))?;
    if list.first().is_some_and(Value::is_string) {
        return Ok(vec![reference(key, &Value::Array(list.clone()))?]);
    }
    list.iter().map(|r| reference(key, r)).collect()
}

/// Parses `modelTopology` (with or without Keras's `{model_config: …}` wrapper).
pub fn parse(topology: &Value) -> Result<Topology> {
    let model = topology.get("model_config").unwrap_or(topology);
    let class = class_of(model).ok_or_else(|| {
        err(format!(
            "modelTopology has no class_name (expected \"Sequential\" or \"Functional\"), got \
             keys {:?}",
            model
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        ))
    })?;
    let config = model.get("config").unwrap_or(&Value::Null);
    let name = config
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string);
    // Old Keras writes a Sequential's config as the list of layers itself.
    let layers = match config {
        Value::Array(l) => l,
        _ => config
            .get("layers")
            .and_then(Value::as_array)
            .ok_or_else(|| err(format!("the {class} model's config.layers is missing")))?,
    };
    for (i, l) in layers.iter().enumerate() {
        if !l.is_object() {
            return Err(err(format!(
                "layer {i}: expected {{class_name, config}}, got {l}"
            )));
        }
    }
    let mut topo = Topology {
        sequential: false,
        name,
        inputs: Vec::new(),
        layers: Vec::new(),
        outputs: Vec::new(),
        bn_axes: Vec::new(),
    };
    match class {
        "Sequential" => {
            topo.sequential = true;
            let mut shape = None;
            for (i, l) in layers.iter().enumerate() {
                if class_of(l) == Some("InputLayer") {
                    if i != 0 {
                        return Err(err(format!(
                            "layer {i}: an InputLayer must come first in a Sequential model"
                        )));
                    }
                    let inp = input_layer(i, l)?;
                    shape = Some(inp.shape);
                    continue;
                }
                let p = layer(i, l)?;
                if shape.is_none() {
                    shape = Some(p.input_shape.clone().ok_or_else(|| {
                        err(format!(
                            "the Sequential model has no input shape: neither an InputLayer \
                             nor batch_input_shape on its first layer '{}'",
                            p.name
                        ))
                    })?);
                }
                if let Some(ax) = p.bn_axis {
                    topo.bn_axes.push((p.name.clone(), ax));
                }
                topo.layers.push(LayerSpec {
                    name: Some(p.name),
                    config: p.config,
                    inputs: Vec::new(),
                });
            }
            let shape =
                shape.ok_or_else(|| err("the Sequential model has no layers".to_string()))?;
            topo.inputs.push(InputSpec {
                name: "input_layer".into(),
                shape,
            });
        }
        "Functional" | "Model" => {
            for (i, l) in layers.iter().enumerate() {
                if class_of(l) == Some("InputLayer") {
                    topo.inputs.push(input_layer(i, l)?);
                    continue;
                }
                let p = layer(i, l)?;
                let ins = inbound(
                    &format!("layer '{}' ({})", p.name, p.config.class_name()),
                    l,
                )?;
                if ins.is_empty() {
                    return Err(err(format!(
                        "layer '{}' ({}): inbound_nodes names no input",
                        p.name,
                        p.config.class_name()
                    )));
                }
                if let Some(ax) = p.bn_axis {
                    topo.bn_axes.push((p.name.clone(), ax));
                }
                topo.layers.push(LayerSpec {
                    name: Some(p.name),
                    config: p.config,
                    inputs: ins,
                });
            }
            let ins = endpoints("input_layers", config.get("input_layers"))?;
            if ins.len() != 1 || topo.inputs.len() != 1 {
                return Err(unsupported(format!(
                    "the model has {} inputs; exactly one is supported",
                    ins.len().max(topo.inputs.len())
                )));
            }
            if topo.inputs[0].name != ins[0] {
                return Err(err(format!(
                    "input_layers names '{}', but the InputLayer is '{}'",
                    ins[0], topo.inputs[0].name
                )));
            }
            topo.outputs = endpoints("output_layers", config.get("output_layers"))?;
            if topo.outputs.len() != 1 {
                return Err(unsupported(format!(
                    "the model has {} outputs; exactly one is supported",
                    topo.outputs.len()
                )));
            }
        }
        other => {
            return Err(unsupported(format!(
                "model class {other:?} is not supported (a TF.js layers model is \"Sequential\" \
                 or \"Functional\"; graph models from tf.saved_model are not layers models)"
            )))
        }
    }
    Ok(topo)
}
