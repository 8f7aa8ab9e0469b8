//! Model configs as TF.js's `tf.layers.*` take them (camelCase JSON), turned into
//! [`LayerConfig`]s. The wasm facade passes the JS object through as a [`Value`];
//! everything is validated here, so native tests cover it too.
//!
//! `Sequential`: `{inputShape: [H, W, C], seed, layers: [{type: "conv2d", filters, kernelSize,
//! …}, …]}` (TF.js's per-layer `inputShape` on the first layer is accepted instead of the
//! top-level one). Functional: `{inputs: [{name, shape}], layers: [{name, type, …, inputs:
//! [names]}], outputs: [names], seed}`.
//!
//! Layer types (case and underscores ignored) and their options (Keras defaults):
//!
//! | type | options |
//! |---|---|
//! | `dense` | `units`, `activation`, `useBias` (true) |
//! | `conv2d` | `filters`, `kernelSize`, `strides` (1), `padding` ("valid"), `dilationRate` (1), `activation`, `useBias` (true) |
//! | `depthwiseConv2d` | `kernelSize`, `strides` (1), `padding`, `depthMultiplier` (1), `dilationRate` (1), `activation`, `useBias` |
//! | `maxPooling2d`, `averagePooling2d` | `poolSize` (2), `strides` (= poolSize), `padding` |
//! | `globalAveragePooling2d`, `globalMaxPooling2d` | `keepdims` (false) |
//! | `flatten` | — |
//! | `reshape` | `targetShape` |
//! | `dropout` | `rate` |
//! | `batchNormalization` | `momentum` (0.99), `epsilon` (1e-3), `center`, `scale` (true), `axis` (-1 only) |
//! | `zeroPadding2d` | `padding`: n, [h, w] or [[top, bottom], [left, right]] (1) |
//! | `activation` | `activation` |
//! | `reLU` | `maxValue`, `negativeSlope` (0), `threshold` (0); `relu6` = `reLU` with `maxValue` 6 |
//! | `leakyReLU` | `alpha` (TF.js) or `negativeSlope` (Keras 3) (0.3) |
//! | `pReLU` | `sharedAxes` |
//! | `add`, `subtract`, `multiply` | — |
//! | `concatenate` | `axis` (-1) |
//!
//! Pairs (`kernelSize`, `strides`, …) take a number or `[h, w]`; `dataFormat` may only be
//! `"channelsLast"`. Any other option is an error naming the layer and the option.

pub use super::value::{Map, Value};

use super::activation::Activation;
use super::conv::Padding;
use super::layer::LayerConfig;
use super::model::{InputSpec, LayerSpec, Model};
use crate::error::{Error, Result};

/// Reads one JSON object, remembering which keys were used so the rest can be refused.
struct Opts<'a> {
    what: String,
    map: &'a Map,
    used: Vec<&'static str>,
}

impl<'a> Opts<'a> {
    fn new(what: String, map: &'a Map) -> Self {
        Opts {
            what,
            map,
            used: Vec::new(),
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.used.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn err(&self, key: &str, want: &str, got: &Value) -> Error {
        Error::invalid(format!("{}: {key} must be {want}, got {got}", self.what))
    }

    fn uint_of(&self, key: &str, v: &Value) -> Result<usize> {
        let n = v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                .map(|f| f as u64)
        });
        match n {
            Some(n) => usize::try_from(n).map_err(|_| self.err(key, "a smaller integer", v)),
            None => Err(self.err(key, "a non-negative integer", v)),
        }
    }

    fn uint(&mut self, key: &'static str) -> Result<Option<usize>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => self.uint_of(key, v).map(Some),
        }
    }

    fn required_uint(&mut self, key: &'static str) -> Result<usize> {
        self.uint(key)?
            .ok_or_else(|| Error::invalid(format!("{}: {key} is required", self.what)))
    }

    /// A number or `[a, b]`.
    fn pair(&mut self, key: &'static str) -> Result<Option<(usize, usize)>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v {
            Value::Array(a) if a.len() == 2 => {
                Ok(Some((self.uint_of(key, &a[0])?, self.uint_of(key, &a[1])?)))
            }
            Value::Array(_) => Err(self.err(key, "a number or a pair [height, width]", v)),
            _ => {
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
                .ok_or_else(|| self.err(key, "a number", v)),
        }
    }

    fn int(&mut self, key: &'static str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| {
                    v.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                        .map(|f| f as i64)
                })
                .map(Some)
                .ok_or_else(|| self.err(key, "an integer", v)),
        }
    }

    fn boolean(&mut self, key: &'static str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.err(key, "true or false", v)),
        }
    }

    fn string(&mut self, key: &'static str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| self.err(key, "a string", v)),
        }
    }

    fn activation(&mut self) -> Result<Activation> {
        let s = self.string("activation")?;
        Activation::parse(s).map_err(|e| Error::invalid(format!("{}: {e}", self.what)))
    }

    fn padding(&mut self) -> Result<Padding> {
        match self.string("padding")? {
            None => Ok(Padding::Valid),
            Some(p) => p
                .parse()
                .map_err(|e| Error::invalid(format!("{}: {e}", self.what))),
        }
    }

    fn channels_last(&mut self) -> Result<()> {
        match self.string("dataFormat")? {
            None | Some("channelsLast") | Some("channels_last") => Ok(()),
            Some(other) => Err(Error::invalid(format!(
                "{}: dataFormat {other:?} is not supported (only \"channelsLast\", NHWC)",
                self.what
            ))),
        }
    }

    fn shape(&mut self, key: &'static str) -> Result<Option<Vec<usize>>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let Value::Array(a) = v else {
            return Err(self.err(key, "an array of sizes", v));
        };
        a.iter()
            .map(|d| self.uint_of(key, d))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    fn names(&mut self, key: &'static str) -> Result<Vec<String>> {
        let Some(v) = self.get(key) else {
            return Ok(Vec::new());
        };
        let list = match v {
            Value::String(s) => vec![Value::String(s.clone())],
            Value::Array(a) => a.clone(),
            _ => return Err(self.err(key, "an array of layer names", v)),
        };
        list.iter()
            .map(|n| {
                n.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.err(key, "an array of layer names", v))
            })
            .collect()
    }

    /// Fails on any key that was not read.
    fn finish(self) -> Result<()> {
        let mut unknown: Vec<&String> = self
            .map
            .keys()
            .filter(|k| !self.used.contains(&k.as_str()))
            .collect();
        unknown.sort();
        if let Some(k) = unknown.first() {
            let mut known = self.used.clone();
            known.sort();
            known.dedup();
            return Err(Error::invalid(format!(
                "{}: unknown option '{k}' (supported: {})",
                self.what,
                known.join(", ")
            )));
        }
        Ok(())
    }
}

fn object<'a>(what: &str, v: &'a Value) -> Result<&'a Map> {
    v.as_object()
        .ok_or_else(|| Error::invalid(format!("{what}: expected an object, got {v}")))
}

/// Layer type names (case and underscores ignored) → canonical key.
fn canonical_type(t: &str) -> String {
    t.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// One parsed layer object: name, config, input names (functional models), and TF.js's
/// `inputShape` (first layer of a Sequential).
type ParsedLayer = (Option<String>, LayerConfig, Vec<String>, Option<Vec<usize>>);

/// Parses one layer object. `index` numbers it in errors.
fn layer(index: usize, v: &Value, functional: bool, first: bool) -> Result<ParsedLayer> {
    let map = object(&format!("layer {index}"), v)?;
    let mut o = Opts::new(format!("layer {index}"), map);
    let kind = o.string("type")?.ok_or_else(|| {
        Error::invalid(format!(
            "layer {index}: type is required (e.g. \"dense\", \"conv2d\")"
        ))
    })?;
    let name = o.string("name")?.map(str::to_string);
    o.what = match &name {
        Some(n) => format!("layer {index} ('{n}', {kind})"),
        None => format!("layer {index} ({kind})"),
    };
    let inputs = if functional {
        o.names("inputs")?
    } else {
        Vec::new()
    };
    let input_shape = if first && !functional {
        o.shape("inputShape")?
    } else {
        None
    };
    let cfg = match canonical_type(kind).as_str() {
        "dense" => LayerConfig::Dense {
            units: o.required_uint("units")?,
            activation: o.activation()?,
            use_bias: o.boolean("useBias")?.unwrap_or(true),
        },
        "conv2d" => {
            o.channels_last()?;
            LayerConfig::Conv2D {
                filters: o.required_uint("filters")?,
                kernel_size: o
                    .pair("kernelSize")?
                    .ok_or_else(|| Error::invalid(format!("{}: kernelSize is required", o.what)))?,
                strides: o.pair("strides")?.unwrap_or((1, 1)),
                padding: o.padding()?,
                dilation_rate: o.pair("dilationRate")?.unwrap_or((1, 1)),
                activation: o.activation()?,
                use_bias: o.boolean("useBias")?.unwrap_or(true),
            }
        }
        "depthwiseconv2d" => {
            o.channels_last()?;
            LayerConfig::DepthwiseConv2D {
                kernel_size: o
                    .pair("kernelSize")?
                    .ok_or_else(|| Error::invalid(format!("{}: kernelSize is required", o.what)))?,
                strides: o.pair("strides")?.unwrap_or((1, 1)),
                padding: o.padding()?,
                depth_multiplier: o.uint("depthMultiplier")?.unwrap_or(1),
                dilation_rate: o.pair("dilationRate")?.unwrap_or((1, 1)),
                activation: o.activation()?,
                use_bias: o.boolean("useBias")?.unwrap_or(true),
            }
        }
        t @ ("maxpooling2d" | "maxpool2d" | "averagepooling2d" | "avgpool2d" | "averagepool2d"
        | "avgpooling2d") => {
            o.channels_last()?;
            let pool_size = o.pair("poolSize")?.unwrap_or((2, 2));
            let strides = o.pair("strides")?;
            let padding = o.padding()?;
            if t.starts_with("max") {
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
        t @ ("globalaveragepooling2d"
        | "globalavgpool2d"
        | "globalmaxpooling2d"
        | "globalmaxpool2d") => {
            o.channels_last()?;
            let keepdims = o.boolean("keepdims")?.unwrap_or(false);
            if t.contains("max") {
                LayerConfig::GlobalMaxPooling2D { keepdims }
            } else {
                LayerConfig::GlobalAveragePooling2D { keepdims }
            }
        }
        "flatten" => {
            o.channels_last()?;
            LayerConfig::Flatten
        }
        "reshape" => {
            let Some(v) = o.get("targetShape") else {
                return Err(Error::invalid(format!(
                    "{}: targetShape is required",
                    o.what
                )));
            };
            let target = v
                .as_array()
                .and_then(|a| a.iter().map(|d| d.as_i64()).collect::<Option<Vec<i64>>>())
                .ok_or_else(|| o.err("targetShape", "an array of integers", v))?;
            LayerConfig::Reshape {
                target_shape: target,
            }
        }
        "dropout" => LayerConfig::Dropout {
            rate: o
                .float("rate")?
                .ok_or_else(|| Error::invalid(format!("{}: rate is required", o.what)))?
                as f32,
        },
        "batchnormalization" => {
            let axis = o.int("axis")?.unwrap_or(-1);
            if axis != -1 {
                return Err(Error::invalid(format!(
                    "{}: axis {axis} is not supported (only -1, the channels of NHWC)",
                    o.what
                )));
            }
            LayerConfig::BatchNormalization {
                momentum: o.float("momentum")?.unwrap_or(0.99),
                epsilon: o.float("epsilon")?.unwrap_or(1e-3),
                center: o.boolean("center")?.unwrap_or(true),
                scale: o.boolean("scale")?.unwrap_or(true),
            }
        }
        "zeropadding2d" => {
            o.channels_last()?;
            let padding = match o.get("padding") {
                None => ((1, 1), (1, 1)),
                Some(Value::Array(a)) if a.len() == 2 && a.iter().all(Value::is_array) => {
                    let side = |v: &Value| -> Result<(usize, usize)> {
                        match v.as_array() {
                            Some(p) if p.len() == 2 => {
                                Ok((o.uint_of("padding", &p[0])?, o.uint_of("padding", &p[1])?))
                            }
                            _ => Err(o.err("padding", "[[top, bottom], [left, right]]", v)),
                        }
                    };
                    (side(&a[0])?, side(&a[1])?)
                }
                Some(Value::Array(a)) if a.len() == 2 => {
                    let (h, w) = (o.uint_of("padding", &a[0])?, o.uint_of("padding", &a[1])?);
                    ((h, h), (w, w))
                }
                Some(v @ Value::Number(_)) => {
                    let n = o.uint_of("padding", v)?;
                    ((n, n), (n, n))
                }
                Some(v) => {
                    return Err(o.err(
                        "padding",
                        "a number, [h, w] or [[top, bottom], [left, right]]",
                        v,
                    ))
                }
            };
            LayerConfig::ZeroPadding2D { padding }
        }
        "activation" => {
            if o.map.get("activation").is_none() {
                return Err(Error::invalid(format!(
                    "{}: activation is required",
                    o.what
                )));
            }
            LayerConfig::Activation {
                activation: o.activation()?,
            }
        }
        "relu" => LayerConfig::ReLU {
            max_value: o.float("maxValue")?.map(|v| v as f32),
            negative_slope: o.float("negativeSlope")?.unwrap_or(0.0) as f32,
            threshold: o.float("threshold")?.unwrap_or(0.0) as f32,
        },
        "relu6" => LayerConfig::ReLU {
            max_value: Some(6.0),
            negative_slope: 0.0,
            threshold: 0.0,
        },
        "leakyrelu" => {
            let a = o.float("alpha")?;
            let s = o.float("negativeSlope")?;
            LayerConfig::LeakyReLU {
                negative_slope: s.or(a).unwrap_or(0.3) as f32,
            }
        }
        "prelu" => {
            let axes = match o.get("sharedAxes") {
                None => Vec::new(),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| o.uint_of("sharedAxes", v))
                    .collect::<Result<_>>()?,
                Some(v) => vec![o.uint_of("sharedAxes", v)?],
            };
            LayerConfig::PReLU { shared_axes: axes }
        }
        "add" => LayerConfig::Add,
        "subtract" => LayerConfig::Subtract,
        "multiply" => LayerConfig::Multiply,
        "concatenate" => LayerConfig::Concatenate {
            axis: o.int("axis")?.unwrap_or(-1),
        },
        "input" | "inputlayer" => {
            return Err(Error::invalid(format!(
                "{}: inputs are given by the model's inputShape (Sequential) or inputs \
                 (functional), not as a layer",
                o.what
            )))
        }
        _ => {
            return Err(Error::invalid(format!(
                "{}: unknown layer type {kind:?} (supported: dense, conv2d, depthwiseConv2d, \
                 maxPooling2d, averagePooling2d, globalAveragePooling2d, globalMaxPooling2d, \
                 flatten, reshape, dropout, batchNormalization, zeroPadding2d, activation, reLU, \
                 relu6, leakyReLU, pReLU, add, subtract, multiply, concatenate)",
                o.what
            )))
        }
    };
    o.finish()?;
    Ok((name, cfg, inputs, input_shape))
}

fn layers_array<'a>(what: &str, o: &mut Opts<'a>) -> Result<&'a Vec<Value>> {
    match o.get("layers") {
        Some(Value::Array(a)) => Ok(a),
        Some(v) => Err(Error::invalid(format!(
            "{what}: layers must be an array, got {v}"
        ))),
        None => Err(Error::invalid(format!("{what}: layers is required"))),
    }
}

fn seed(o: &mut Opts) -> Result<u64> {
    Ok(o.uint("seed")?.unwrap_or(0) as u64)
}

/// `Sequential.fromConfig({inputShape, seed, layers})`, from a [`Value`] or a
/// `serde_json::Value`.
pub fn sequential<V: Into<Value> + Clone>(v: &V) -> Result<Model> {
    let v: Value = v.clone().into();
    let v = &v;
    let what = "Sequential.fromConfig";
    let mut o = Opts::new(what.into(), object(what, v)?);
    let top_shape = o.shape("inputShape")?;
    let seed = seed(&mut o)?;
    let list = layers_array(what, &mut o)?;
    o.used.push("name");
    o.finish()?;
    let mut configs = Vec::with_capacity(list.len());
    let mut shape = top_shape;
    for (i, l) in list.iter().enumerate() {
        let (name, cfg, _, layer_shape) = layer(i, l, false, i == 0)?;
        match (&shape, layer_shape) {
            (None, Some(s)) => shape = Some(s),
            (Some(a), Some(b)) if *a != b => {
                return Err(Error::invalid(format!(
                    "{what}: inputShape {a:?} and layer 0's inputShape {b:?} differ"
                )))
            }
            _ => {}
        }
        configs.push((name, cfg));
    }
    let shape = shape.ok_or_else(|| {
        Error::invalid(format!("{what}: inputShape is required (e.g. [8, 8, 1])"))
    })?;
    if configs.iter().all(|(n, _)| n.is_none()) {
        let cfgs: Vec<LayerConfig> = configs.into_iter().map(|(_, c)| c).collect();
        return Model::sequential(&shape, &cfgs, seed);
    }
    // Named layers: the same chain, with the given names.
    let specs: Vec<LayerSpec> = configs
        .into_iter()
        .map(|(name, config)| LayerSpec {
            name,
            config,
            inputs: Vec::new(),
        })
        .collect();
    Model::sequential_named(&shape, &specs, seed)
}

/// `Model.fromConfig({inputs: [{name, shape}], layers: [{name, type, …, inputs}], outputs, seed})`,
/// from a [`Value`] or a `serde_json::Value`.
pub fn functional<V: Into<Value> + Clone>(v: &V) -> Result<Model> {
    let v: Value = v.clone().into();
    let v = &v;
    let what = "Model.fromConfig";
    let mut o = Opts::new(what.into(), object(what, v)?);
    let inputs = match o.get("inputs") {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let mut io = Opts::new(
                    format!("{what}: input {i}"),
                    object(&format!("{what}: input {i}"), v)?,
                );
                let name = io.string("name")?.unwrap_or("input_layer").to_string();
                let shape = io.shape("shape")?.ok_or_else(|| {
                    Error::invalid(format!("{what}: input {i}: shape is required"))
                })?;
                io.finish()?;
                Ok(InputSpec { name, shape })
            })
            .collect::<Result<Vec<_>>>()?,
        Some(v) => {
            return Err(Error::invalid(format!(
                "{what}: inputs must be an array of {{name, shape}}, got {v}"
            )))
        }
        None => return Err(Error::invalid(format!("{what}: inputs is required"))),
    };
    let outputs = o.names("outputs")?;
    let seed = seed(&mut o)?;
    let list = layers_array(what, &mut o)?;
    o.used.push("name");
    o.finish()?;
    let mut specs = Vec::with_capacity(list.len());
    for (i, l) in list.iter().enumerate() {
        let (name, config, inputs, _) = layer(i, l, true, false)?;
        if inputs.is_empty() {
            return Err(Error::invalid(format!(
                "{what}: layer {i} ({}) needs inputs: [names of the layers or inputs it reads]",
                name.as_deref().unwrap_or(config.class_name())
            )));
        }
        specs.push(LayerSpec {
            name,
            config,
            inputs,
        });
    }
    if outputs.is_empty() {
        return Err(Error::invalid(format!(
            "{what}: outputs is required (the name of the output layer)"
        )));
    }
    Model::functional(&inputs, &specs, &outputs, seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    type Json = serde_json::Value;

    fn err(r: Result<Model>) -> String {
        r.expect_err("expected an error").to_string()
    }

    #[test]
    fn digits_cnn_and_summary() {
        let m = sequential(&json!({
            "inputShape": [8, 8, 1], "seed": 3,
            "layers": [
                {"type": "conv2d", "filters": 8, "kernelSize": 3, "activation": "relu"},
                {"type": "maxPooling2d", "poolSize": 2},
                {"type": "flatten"},
                {"type": "dense", "units": 10, "activation": "softmax"}
            ]
        }))
        .unwrap();
        let s = m.summary();
        let rows: Vec<(&str, &str, Vec<usize>, usize)> = s
            .layers
            .iter()
            .map(|l| {
                (
                    l.name.as_str(),
                    l.class_name.as_str(),
                    l.output_shape.clone(),
                    l.params,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("conv2d", "Conv2D", vec![6, 6, 8], 80),
                ("max_pooling2d", "MaxPooling2D", vec![3, 3, 8], 0),
                ("flatten", "Flatten", vec![72], 0),
                ("dense", "Dense", vec![10], 730),
            ]
        );
        assert_eq!(
            (s.total_params, s.trainable_params, s.non_trainable_params),
            (810, 810, 0)
        );
    }

    #[test]
    fn every_layer_type_parses() {
        let m = functional(&json!({
            "inputs": [{"name": "img", "shape": [10, 10, 4]}],
            "outputs": ["out"],
            "layers": [
                {"name": "t", "type": "conv2d", "filters": 12, "kernelSize": [3, 3], "padding": "same", "activation": "relu", "inputs": ["img"]},
                {"name": "dw", "type": "depthwiseConv2d", "kernelSize": 3, "padding": "same", "depthMultiplier": 1, "inputs": ["t"]},
                {"name": "pw", "type": "conv2d", "filters": 12, "kernelSize": 1, "useBias": false, "inputs": ["dw"]},
                {"name": "bn", "type": "batchNormalization", "momentum": 0.9, "epsilon": 0.001, "inputs": ["pw"]},
                {"name": "sum", "type": "add", "inputs": ["t", "bn"]},
                {"name": "r", "type": "reLU", "inputs": ["sum"]},
                {"name": "c", "type": "conv2d", "filters": 4, "kernelSize": 1, "inputs": ["r"]},
                {"name": "cat", "type": "concatenate", "inputs": ["r", "c"]},
                {"name": "zp", "type": "zeroPadding2d", "padding": 1, "inputs": ["cat"]},
                {"name": "mp", "type": "maxPooling2d", "poolSize": 2, "inputs": ["zp"]},
                {"name": "lk", "type": "leakyReLU", "alpha": 0.2, "inputs": ["mp"]},
                {"name": "pr", "type": "pReLU", "sharedAxes": [1, 2], "inputs": ["lk"]},
                {"name": "ap", "type": "averagePooling2d", "poolSize": 2, "strides": 1, "padding": "same", "inputs": ["pr"]},
                {"name": "sub", "type": "subtract", "inputs": ["ap", "pr"]},
                {"name": "mul", "type": "multiply", "inputs": ["sub", "pr"]},
                {"name": "act", "type": "activation", "activation": "hard_swish", "inputs": ["mul"]},
                {"name": "gmp", "type": "globalMaxPooling2d", "keepdims": true, "inputs": ["act"]},
                {"name": "rs", "type": "reshape", "targetShape": [-1], "inputs": ["gmp"]},
                {"name": "do", "type": "dropout", "rate": 0.25, "inputs": ["rs"]},
                {"name": "r6", "type": "relu6", "inputs": ["do"]},
                {"name": "out", "type": "dense", "units": 6, "activation": "softmax", "inputs": ["r6"]}
            ]
        }))
        .unwrap();
        let s = m.summary();
        let shape = |n: &str| {
            s.layers
                .iter()
                .find(|l| l.name == n)
                .unwrap()
                .output_shape
                .clone()
        };
        assert_eq!(shape("cat"), [10, 10, 16]);
        assert_eq!(shape("zp"), [12, 12, 16]);
        assert_eq!(shape("mp"), [6, 6, 16]);
        assert_eq!(shape("gmp"), [1, 1, 16]);
        assert_eq!(shape("out"), [6]);
        let bn = s.layers.iter().find(|l| l.name == "bn").unwrap();
        assert_eq!((bn.params, bn.trainable_params), (48, 24));
        let pr = s.layers.iter().find(|l| l.name == "pr").unwrap();
        assert_eq!(pr.params, 16);
    }

    #[test]
    fn bad_configs_name_the_layer_and_value() {
        let seq = |layers: Json| sequential(&json!({"inputShape": [8, 8, 1], "layers": layers}));
        let e = err(seq(
            json!([{"type": "conv2d", "filters": 4, "kernelSize": 9}]),
        ));
        assert!(
            e.contains("layer 'conv2d' (Conv2D)") && e.contains("9×9") && e.contains("8×8"),
            "{e}"
        );
        let e = err(seq(
            json!([{"type": "conv2d", "filters": 4, "kernelSize": 3, "strides": 0}]),
        ));
        assert!(e.contains("strides") && e.contains("(0, 0)"), "{e}");
        let e = err(seq(
            json!([{"type": "conv2d", "filters": 4, "kernelSize": 3, "strides": -1}]),
        ));
        assert!(
            e.contains("layer 0 (conv2d)") && e.contains("strides") && e.contains("-1"),
            "{e}"
        );
        let e = err(seq(
            json!([{"type": "conv2d", "filters": 4, "kernelSize": 3, "dilationRate": 0}]),
        ));
        assert!(e.contains("dilation rate"), "{e}");
        let e = err(seq(
            json!([{"type": "conv2d", "filters": 4, "kernelSize": 3, "padding": "causal"}]),
        ));
        assert!(
            e.contains("layer 0 (conv2d)") && e.contains("causal"),
            "{e}"
        );
        let e = err(seq(
            json!([{"type": "conv2d", "filters": 4, "kernelSize": 3, "kernelInitializer": "ones"}]),
        ));
        assert!(
            e.contains("unknown option 'kernelInitializer'") && e.contains("filters"),
            "{e}"
        );
        let e = err(seq(json!([{"type": "lstm", "units": 4}])));
        assert!(e.contains("unknown layer type \"lstm\""), "{e}");
        let e = err(seq(
            json!([{"type": "flatten"}, {"type": "conv2d", "filters": 2, "kernelSize": 1}]),
        ));
        assert!(
            e.contains("layer 'conv2d' (Conv2D)")
                && e.contains("(height, width, channels)")
                && e.contains("[64]"),
            "{e}"
        );
        let e = err(seq(
            json!([{"type": "conv2d", "name": "a", "filters": 2, "kernelSize": 1}, {"type": "flatten", "name": "a"}]),
        ));
        assert!(e.contains("'a' is used twice"), "{e}");
        let e = err(seq(
            json!([{"type": "dense", "units": 3, "activation": "elu"}]),
        ));
        assert!(e.contains("layer 0 (dense)") && e.contains("elu"), "{e}");
        let e = err(seq(json!([{"type": "batchNormalization", "axis": 1}])));
        assert!(e.contains("axis 1"), "{e}");
        let e = err(seq(json!([{"type": "dropout", "rate": 1.5}])));
        assert!(e.contains("rate") && e.contains("1.5"), "{e}");

        let f = |layers: Json, outputs: Json| {
            functional(
                &json!({"inputs": [{"name": "x", "shape": [4, 4, 2]}], "layers": layers, "outputs": outputs}),
            )
        };
        let e = err(f(
            json!([{"name": "a", "type": "flatten", "inputs": ["nope"]}]),
            json!(["a"]),
        ));
        assert!(
            e.contains("unknown input 'nope'") && e.contains("'x'"),
            "{e}"
        );
        let e = err(f(
            json!([
                {"name": "a", "type": "add", "inputs": ["x", "b"]},
                {"name": "b", "type": "reLU", "inputs": ["a"]},
                {"name": "c", "type": "flatten", "inputs": ["b"]}
            ]),
            json!(["c"]),
        ));
        assert!(
            e.contains("cycle") && e.contains("'a'") && e.contains("'b'"),
            "{e}"
        );
        let e = err(f(
            json!([{"name": "a", "type": "subtract", "inputs": ["x"]}]),
            json!(["a"]),
        ));
        assert!(e.contains("takes 2 input(s), got 1"), "{e}");
        let e = err(f(
            json!([
                {"name": "a", "type": "conv2d", "filters": 3, "kernelSize": 1, "inputs": ["x"]},
                {"name": "b", "type": "add", "inputs": ["x", "a"]}
            ]),
            json!(["b"]),
        ));
        assert!(e.contains("input 1 has shape [4, 4, 3]"), "{e}");
        let e = err(f(
            json!([
                {"name": "a", "type": "flatten", "inputs": ["x"]},
                {"name": "b", "type": "flatten", "inputs": ["x"]}
            ]),
            json!(["b"]),
        ));
        assert!(
            e.contains("layer 'a' (Flatten)") && e.contains("not connected"),
            "{e}"
        );
    }

    /// api-traps cases 2, 3 and 5: sizes are checked before anything is allocated.
    #[test]
    fn oversized_models_fail_before_allocating() {
        for (shape, units) in [
            (55u64, 4294967295u64),
            (4294967295, 3),
            (64, 67108864),
            (41, 10_000_000),
        ] {
            let e = err(sequential(&json!({
                "inputShape": [shape],
                "layers": [{"type": "dense", "units": units}, {"type": "dense", "units": 0}]
            })));
            assert!(
                e.contains("weights") || e.contains("values per sample"),
                "{shape} × {units}: {e}"
            );
        }
        let e = err(sequential(&json!({
            "inputShape": [4096, 4096, 3],
            "layers": [{"type": "conv2d", "filters": 64, "kernelSize": 3}]
        })));
        assert!(e.contains("values per sample"), "{e}");
    }
}
