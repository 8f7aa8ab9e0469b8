//! TF.js layers models (`tf.loadLayersModel`): `model.json` + weight shards → an
//! [`nn::Model`](crate::nn::Model) that trains, converts and runs like any other.
//!
//! - [`topology`]: `modelTopology` — Keras's `class_name`/`config` JSON as tf_keras,
//!   `tensorflowjs_converter` and TF.js's `model.save()` write it (Sequential, or a
//!   functional graph with one input and one output), into layer specs.
//! - [`weights`]: `weightsManifest` and the shard bytes, decoded as TF.js decodes them
//!   (float32, and the `uint8` / `uint16` / `float16` quantization of
//!   `tensorflowjs_converter --quantize_*`).
//!
//! Weights are matched to layers by name as `LayersModel.loadWeights` does (tfjs-layers
//! 4.22, `container.ts`), strictly: `<layer>/<weight>` (tf_keras names a depthwise kernel
//! `depthwise_kernel`, Keras 3 `kernel`: both are accepted), a name with an inner scope
//! dropped (`<layer>/<cell>/<weight>`), or Keras 3's `<layer>/<index>`. A weight of the
//! model with no data, or data no weight takes, is an error naming them.

pub mod topology;
pub mod weights;

use serde_json::Value;

pub use weights::Shards;

use crate::error::{Error, Result};
use crate::nn::{Model, MAX_PARAMS};

/// Parses the text of a `model.json` (numbers to the nearest f64, as `JSON.parse`).
pub fn parse_json(text: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::invalid(format!("model.json is not valid JSON: {e}")))
}

/// Reads a TF.js layers model from the text of its `model.json` and its weight files.
pub fn load_str(model_json: &str, shards: &Shards) -> Result<Model> {
    load(&parse_json(model_json)?, shards)
}

/// Reads a TF.js layers model from its parsed `model.json` and its weight files: a
/// `Sequential` topology gives a model built as a `Sequential` ([`Model::is_sequential`]),
/// a functional one a functional `Model`. Layer names are kept.
///
/// Errors: not a layers model, an unsupported layer class or argument (naming the layer
/// and the value), a shape that does not fit (naming the layer), a missing or short
/// weight file (naming the file and the weights it holds), an unsupported dtype or
/// quantization (naming the weight), a weight with no layer or a layer weight with no data.
pub fn load(model_json: &Value, shards: &Shards) -> Result<Model> {
    let o = model_json.as_object().ok_or_else(|| {
        Error::invalid(format!(
            "model.json: expected an object with modelTopology and weightsManifest, got {}",
            short(model_json)
        ))
    })?;
    if let Some(f) = o.get("format").and_then(Value::as_str) {
        if f != "layers-model" {
            return Err(Error::unsupported(format!(
                "model.json: format {f:?} is not a layers model (\"layers-model\"); graph \
                 models (tf.loadGraphModel) have no Keras layers to import"
            )));
        }
    }
    let topology = o
        .get("modelTopology")
        .filter(|t| !t.is_null())
        .ok_or_else(|| Error::invalid("model.json: modelTopology is missing"))?;
    let topo = topology::parse(topology)?;
    let groups = match o.get("weightsManifest") {
        None | Some(Value::Null) => Vec::new(),
        Some(m) => weights::manifest(m, MAX_PARAMS)?,
    };
    let mut model = if topo.sequential {
        Model::sequential_named(&topo.inputs[0].shape, &topo.layers, 0)
    } else {
        Model::functional(&topo.inputs, &topo.layers, &topo.outputs, 0)
    }
    .map_err(|e| Error::invalid(format!("model.json: {}", strip(&e))))?;
    check_bn_axes(&model, &topo.bn_axes)?;
    let decoded = weights::read(&groups, shards)?;
    let arrays = assign(&model, decoded)?;
    model.set_weights(&arrays)?;
    Ok(model)
}

/// An error's message without its kind prefix, to re-wrap it with context.
pub(crate) fn strip(e: &Error) -> String {
    match e {
        Error::InvalidArgument(m) | Error::Unsupported(m) | Error::Converter(m) => m.clone(),
        other => other.to_string(),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s,
    }
}

/// A BatchNormalization `axis` must be the last one (channels_last).
fn check_bn_axes(model: &Model, axes: &[(String, i64)]) -> Result<()> {
    for (name, axis) in axes {
        let node = model
            .nodes()
            .iter()
            .find(|n| &n.name == name)
            .expect("every layer is a node");
        let rank = node.shape.len() as i64 + 1;
        if *axis != -1 && *axis != rank - 1 {
            return Err(Error::unsupported(format!(
                "model.json: {}: axis {axis} is not supported (only the last axis, {} or -1, \
                 for inputs of rank {rank})",
                node.describe(),
                rank - 1
            )));
        }
    }
    Ok(())
}

/// The arrays of `set_weights` (Keras order) from the decoded weights, matched by name.
fn assign(model: &Model, decoded: Vec<weights::Weight>) -> Result<Vec<Vec<f32>>> {
    let mut slots: Vec<Option<Vec<f32>>> = Vec::new();
    // (name candidates, slot) for every weight of the model.
    let mut targets: Vec<(Vec<String>, usize, String)> = Vec::new();
    for node in model.nodes() {
        for (k, spec) in node.weights.iter().enumerate() {
            let mut names = vec![
                format!("{}/{}", node.name, spec.name),
                format!("{}/{k}", node.name),
            ];
            if spec.name == "kernel" {
                if let crate::nn::LayerConfig::DepthwiseConv2D { .. } = node.config {
                    names.push(format!("{}/depthwise_kernel", node.name));
                }
            }
            targets.push((names, slots.len(), node.describe()));
            slots.push(None);
        }
    }
    let shapes = model.weight_shapes();
    let mut unused = Vec::new();
    for w in decoded {
        let name = &w.entry.name;
        let tokens: Vec<&str> = name.split('/').collect();
        let shortened = (tokens.len() > 2).then(|| {
            let mut t = tokens[..tokens.len() - 2].to_vec();
            t.push(tokens[tokens.len() - 1]);
            t.join("/")
        });
        let hit = targets.iter().find(|(names, _, _)| {
            names.contains(name) || shortened.as_ref().is_some_and(|s| names.contains(s))
        });
        let Some((_, slot, layer)) = hit else {
            unused.push(name.clone());
            continue;
        };
        if slots[*slot].is_some() {
            return Err(Error::invalid(format!(
                "model.json weightsManifest: {layer} gets weight data twice (the second is \
                 '{name}')"
            )));
        }
        if w.entry.shape != shapes[*slot] {
            return Err(Error::shape(
                format!(
                    "model.json weightsManifest: weight '{name}' of {layer} (stored as {})",
                    w.entry.storage.name()
                ),
                &shapes[*slot],
                &w.entry.shape,
            ));
        }
        slots[*slot] = Some(w.values);
    }
    if !unused.is_empty() {
        let names: Vec<&str> = unused.iter().map(String::as_str).collect();
        return Err(Error::invalid(format!(
            "model.json weightsManifest: weight(s) {} belong to no layer of the model (as \
             tf.loadLayersModel, the import is strict)",
            weights::abbreviate(&names)
        )));
    }
    let missing: Vec<String> = targets
        .iter()
        .filter(|(_, slot, _)| slots[*slot].is_none())
        .map(|(names, _, _)| names[0].clone())
        .collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(String::as_str).collect();
        return Err(Error::invalid(format!(
            "model.json weightsManifest: no data for {} of the model's {} weights: {}",
            missing.len(),
            slots.len(),
            weights::abbreviate(&names)
        )));
    }
    Ok(slots.into_iter().map(|s| s.expect("checked")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A Sequential model.json over `layers` whose weights are all zeros.
    fn seq(layers: Value, weights: Value) -> Value {
        json!({
            "format": "layers-model",
            "modelTopology": {"class_name": "Sequential", "config": {"name": "m", "layers": layers}},
            "weightsManifest": [{"paths": ["w.bin"], "weights": weights}]
        })
    }

    fn dense(name: &str, extra: Value) -> Value {
        let mut c = json!({"name": name, "units": 2, "activation": "relu", "use_bias": true});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        json!({"class_name": "Dense", "config": c})
    }

    fn dense_weights(name: &str, inputs: usize) -> Value {
        json!([
            {"name": format!("{name}/kernel"), "shape": [inputs, 2], "dtype": "float32"},
            {"name": format!("{name}/bias"), "shape": [2], "dtype": "float32"}
        ])
    }

    fn zeros(n: usize) -> Vec<u8> {
        vec![0; n * 4]
    }

    fn err(v: &Value, bytes: &[u8]) -> String {
        load(v, &Shards::Concatenated(bytes))
            .expect_err("expected an error")
            .to_string()
    }

    #[test]
    fn tfjs_style_sequential_with_the_input_shape_on_its_first_layer() {
        let v = seq(
            json!([dense("d", json!({"batch_input_shape": [null, 3]}))]),
            dense_weights("d", 3),
        );
        let mut bytes = Vec::new();
        for x in [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 0.5, -0.5] {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        let m = load(&v, &Shards::Concatenated(&bytes)).unwrap();
        assert!(m.is_sequential());
        assert_eq!(m.input_shape(), [3]);
        assert_eq!(m.nodes()[1].name, "d");
        assert_eq!(
            m.get_weights()[0],
            (vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![3, 2])
        );
        // relu(x · W + b) for x = [1, 0, 0]: [1 + 0.5, 2 - 0.5].
        assert_eq!(m.predict(&[1.0, 0.0, 0.0]).unwrap(), [1.5, 1.5]);
    }

    #[test]
    fn unsupported_topologies_name_the_layer_and_value() {
        let w = dense_weights("d", 3);
        let one = |extra: Value| seq(json!([dense("d", extra)]), w.clone());
        let b = zeros(8);
        let cases: Vec<(Value, &str)> = vec![
            (
                seq(json!([dense("d", json!({}))]), w.clone()),
                "no input shape: neither an InputLayer nor batch_input_shape on its first layer 'd'",
            ),
            (
                one(json!({"batch_input_shape": [null, null]})),
                "layer 'd' (Dense): batch_input_shape [null] has a free dimension",
            ),
            (
                one(json!({"batch_input_shape": [null, 3], "trainable": false})),
                "layer 'd' (Dense): trainable = false is not supported",
            ),
            (
                one(json!({"batch_input_shape": [null, 3], "dtype": "float16"})),
                "layer 'd' (Dense): dtype \"float16\" is not supported (only float32)",
            ),
            (
                one(json!({"batch_input_shape": [null, 3], "kernel_constraint": {"class_name": "MaxNorm"}})),
                "layer 'd' (Dense): kernel_constraint = {\"class_name\":\"MaxNorm\"} is not supported",
            ),
            (
                one(json!({"batch_input_shape": [null, 3], "activation": "elu"})),
                "layer 'd' (Dense): unknown activation \"elu\"",
            ),
            (
                one(json!({"batch_input_shape": [null, 3], "fancy": 1})),
                "layer 'd' (Dense): argument 'fancy' = 1 is not supported",
            ),
            (
                seq(
                    json!([{"class_name": "Sequential", "config": {"name": "inner", "layers": []}}]),
                    json!([]),
                ),
                "layer 'inner' (Sequential): a model nested inside a model is not supported",
            ),
            (
                seq(
                    json!([
                        dense("d", json!({"batch_input_shape": [null, 3]})),
                        {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": 0}}
                    ]),
                    w.clone(),
                ),
                "layer 'bn' (BatchNormalization): axis 0 is not supported (only the last axis, 1 or -1",
            ),
            (
                json!({"modelTopology": {"class_name": "Sequential", "config": {"layers": [
                    {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [null, 3], "sparse": true}}
                ]}}}),
                "layer 'x' (InputLayer): sparse = true is not supported",
            ),
            (
                json!({"modelTopology": {"class_name": "Sequential", "config": {"layers": [
                    dense("d", json!({"batch_input_shape": [null, 3]}))
                ]}}}),
                "no data for 2 of the model's 2 weights: 'd/kernel', 'd/bias'",
            ),
            (
                json!({"weightsManifest": []}),
                "modelTopology is missing",
            ),
        ];
        for (v, want) in cases {
            let bytes: &[u8] = if v.get("weightsManifest").is_some() {
                &b
            } else {
                &[]
            };
            let e = err(&v, bytes);
            assert!(e.contains(want), "want {want:?}, got {e:?}");
        }
    }

    fn functional(layers: Value, inputs: Value, outputs: Value) -> Value {
        json!({
            "modelTopology": {"class_name": "Functional", "config": {
                "name": "f", "layers": layers, "input_layers": inputs, "output_layers": outputs}},
            "weightsManifest": []
        })
    }

    fn input(name: &str) -> Value {
        json!({"class_name": "InputLayer", "name": name,
               "config": {"name": name, "batch_input_shape": [null, 4, 4, 2]}, "inbound_nodes": []})
    }

    fn relu(name: &str, nodes: Value) -> Value {
        json!({"class_name": "ReLU", "name": name, "config": {"name": name}, "inbound_nodes": nodes})
    }

    #[test]
    fn functional_graphs_keras2_and_keras3_and_their_limits() {
        // Keras 2 / TF.js references and Keras 3 tensors give the same graph.
        let k2 = functional(
            json!([input("x"), relu("a", json!([[["x", 0, 0, {}]]])),
                   {"class_name": "Add", "name": "s", "config": {"name": "s"},
                    "inbound_nodes": [[["x", 0, 0, {}], ["a", 0, 0, {}]]]}]),
            json!([["x", 0, 0]]),
            json!([["s", 0, 0]]),
        );
        let t = |n: &str| json!({"class_name": "__keras_tensor__", "config": {"keras_history": [n, 0, 0]}});
        let k3 = functional(
            json!([input("x"), relu("a", json!([{"args": [t("x")], "kwargs": {}}])),
                   {"class_name": "Add", "name": "s", "config": {"name": "s"},
                    "inbound_nodes": [{"args": [[t("x"), t("a")]], "kwargs": {}}]}]),
            json!(["x", 0, 0]),
            json!(["s", 0, 0]),
        );
        let a = load(&k2, &Shards::Concatenated(&[])).unwrap();
        let b = load(&k3, &Shards::Concatenated(&[])).unwrap();
        assert!(!a.is_sequential());
        assert_eq!(a.summary(), b.summary());
        assert_eq!(a.summary().layers[2].inputs, ["x", "a"]);

        let shared = functional(
            json!([
                input("x"),
                relu("a", json!([[["x", 0, 0, {}]], [["x", 0, 0, {}]]]))
            ]),
            json!([["x", 0, 0]]),
            json!([["a", 1, 0]]),
        );
        assert!(err(&shared, &[]).contains("layer 'a' (ReLU): the layer is called 2 times"));
        let two_in = functional(
            json!([input("x"), input("y"),
                   {"class_name": "Add", "name": "s", "config": {"name": "s"},
                    "inbound_nodes": [[["x", 0, 0, {}], ["y", 0, 0, {}]]]}]),
            json!([["x", 0, 0], ["y", 0, 0]]),
            json!([["s", 0, 0]]),
        );
        assert!(err(&two_in, &[]).contains("the model has 2 inputs; exactly one is supported"));
        let kwargs = functional(
            json!([
                input("x"),
                relu("a", json!([[["x", 0, 0, {"training": true}]]]))
            ]),
            json!([["x", 0, 0]]),
            json!([["a", 0, 0]]),
        );
        assert!(err(&kwargs, &[]).contains("call argument training = true is not supported"));
        let dangling = functional(
            json!([input("x"), relu("a", json!([[["nope", 0, 0, {}]]]))]),
            json!([["x", 0, 0]]),
            json!([["a", 0, 0]]),
        );
        assert!(err(&dangling, &[]).contains("unknown input 'nope'"));
    }
}
