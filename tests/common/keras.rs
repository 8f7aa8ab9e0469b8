//! Keras models from the fixtures' `keras_model.json` (`model.to_json()`, Keras 3) and
//! `weights_index.json` / `weights_l*.npy`, rebuilt as litequant models: the Keras config is
//! turned into the TF.js-style config `nn::config` reads (camelCase), then the recorded
//! weights are set. Native tests only (reads `tests/fixtures/` from the file system).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use litequant::converter::TfliteConverter;
use litequant::graph::lower::{bn_rsqrt, LowerOptions};
use litequant::graph::Graph;

use litequant::nn::{config, Model};
use serde_json::{json, Map, Value};

/// `tests/fixtures/<case>`.
pub fn case_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An `.npy` file's f32 values.
pub fn npy_file(path: &Path) -> (Vec<f32>, Vec<usize>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let f = npyz::NpyFile::new(&bytes[..]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let shape = f.shape().iter().map(|&d| d as usize).collect();
    (f.into_vec::<f32>().unwrap(), shape)
}

/// Keras 3 option names → TF.js's, for the options `nn::config` reads; every other
/// Keras option must have its default (checked here, so that a fixture using one fails
/// loudly rather than converting a different model).
fn layer_config(class: &str, c: &Map<String, Value>) -> Result<Value, String> {
    let mut out = Map::new();
    out.insert("type".into(), json!(class));
    out.insert("name".into(), c["name"].clone());
    for (k, v) in c {
        let camel = match k.as_str() {
            "units" | "filters" | "activation" | "padding" | "strides" | "momentum" | "epsilon"
            | "center" | "scale" | "rate" | "keepdims" => k.clone(),
            "use_bias" => "useBias".into(),
            "kernel_size" => "kernelSize".into(),
            "dilation_rate" => "dilationRate".into(),
            "depth_multiplier" => "depthMultiplier".into(),
            "pool_size" => "poolSize".into(),
            "target_shape" => "targetShape".into(),
            "max_value" => "maxValue".into(),
            "negative_slope" => "negativeSlope".into(),
            "shared_axes" => "sharedAxes".into(),
            "axis" if class == "Concatenate" => "axis".into(),
            "axis" => {
                if *v != json!(-1) && *v != json!([3]) {
                    return Err(format!("axis {v}"));
                }
                continue;
            }
            "threshold" => {
                if v.as_f64() != Some(0.0) {
                    return Err(format!("threshold {v}"));
                }
                continue;
            }
            "groups" => {
                if *v != json!(1) {
                    return Err(format!("groups {v}"));
                }
                continue;
            }
            "data_format" => {
                if *v != json!("channels_last") {
                    return Err(format!("data_format {v}"));
                }
                continue;
            }
            "renorm" | "synchronized" => {
                if *v != json!(false) {
                    return Err(format!("{k} {v}"));
                }
                continue;
            }
            "output_padding" => return Err(format!("{k} (layer {class})")),
            // Initializers, regularizers, dtype, trainable, seeds: nothing to convert.
            _ => continue,
        };
        out.insert(camel, v.clone());
    }
    Ok(Value::Object(out))
}

fn history_name(t: &Value) -> String {
    t["config"]["keras_history"][0]
        .as_str()
        .expect("keras_history")
        .to_string()
}

/// The Keras model's name (`model.name`).
pub fn model_name(case: &str) -> String {
    let k = read_json(&case_dir(case).join("keras_model.json"));
    k["config"]["name"]
        .as_str()
        .expect("config.name")
        .to_string()
}

/// The litequant model of a fixture case (`Err` names what litequant cannot build, e.g.
/// a layer it does not have), with the case's recorded weights.
pub fn model(case: &str) -> Result<Model, String> {
    let dir = case_dir(case);
    let k = read_json(&dir.join("keras_model.json"));
    let class = k["class_name"].as_str().unwrap();
    let layers = k["config"]["layers"].as_array().unwrap();
    let mut model = if class == "Sequential" {
        let input = &layers[0];
        assert_eq!(input["class_name"], "InputLayer", "{case}: first layer");
        let shape: Vec<Value> = input["config"]["batch_shape"].as_array().unwrap()[1..].to_vec();
        let list = layers[1..]
            .iter()
            .map(|l| {
                layer_config(
                    l["class_name"].as_str().unwrap(),
                    l["config"].as_object().unwrap(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        config::sequential(&json!({"inputShape": shape, "layers": list}))
            .map_err(|e| e.to_string())?
    } else {
        let mut inputs = Vec::new();
        let mut list = Vec::new();
        for l in layers {
            let cls = l["class_name"].as_str().unwrap();
            let c = l["config"].as_object().unwrap();
            if cls == "InputLayer" {
                let shape: Vec<Value> = c["batch_shape"].as_array().unwrap()[1..].to_vec();
                inputs.push(json!({"name": c["name"], "shape": shape}));
                continue;
            }
            let mut v = layer_config(cls, c)?;
            let node = &l["inbound_nodes"][0]["args"][0];
            let names: Vec<String> = match node {
                Value::Array(ts) => ts.iter().map(history_name).collect(),
                t => vec![history_name(t)],
            };
            v["inputs"] = json!(names);
            list.push(v);
        }
        let outputs: Vec<Value> = match &k["config"]["output_layers"] {
            Value::Array(a) if a.first().is_some_and(Value::is_string) => vec![a[0].clone()],
            Value::Array(a) => a.iter().map(|o| o[0].clone()).collect(),
            v => panic!("{case}: output_layers {v}"),
        };
        config::functional(&json!({"inputs": inputs, "layers": list, "outputs": outputs}))
            .map_err(|e| e.to_string())?
    };
    // Weights in layer order, each layer's in Keras's order.
    let index = read_json(&dir.join("weights_index.json"));
    let mut weights = Vec::new();
    for l in index.as_array().unwrap() {
        for w in l["weights"].as_array().unwrap() {
            let (v, shape) = npy_file(&dir.join(w["file"].as_str().unwrap()));
            let want: Vec<usize> = serde_json::from_value(w["shape"].clone()).unwrap();
            assert_eq!(shape, want, "{case}: {}", w["file"]);
            weights.push(v);
        }
    }
    model.set_weights(&weights).map_err(|e| e.to_string())?;
    Ok(model)
}

// BatchNormalization's rsqrt as TF's CPU computed it (shared by the tests that hold a
// lowered model to TF's file).

/// A BatchNormalization channel whose rsqrt differs from ours: layer, channel, ulps.
pub type Changed = (String, usize, i32);

/// The case's BatchNormalization layers: name and `f32(moving_variance + ε)` per channel.
pub fn bn_layers(case: &str) -> Vec<(String, Vec<f32>)> {
    let dir = case_dir(case);
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("weights_index.json")).unwrap())
            .unwrap();
    let mut out = Vec::new();
    for l in index.as_array().unwrap() {
        if l["class"] != "BatchNormalization" {
            continue;
        }
        let eps = l["config"]["epsilon"].as_f64().unwrap() as f32;
        let file = l["weights"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == "moving_variance")
            .expect("moving_variance")["file"]
            .as_str()
            .unwrap();
        let (var, _) = npy_file(&dir.join(file));
        let name = l["name"].as_str().unwrap().to_string();
        out.push((name, var.iter().map(|&v| v + eps).collect()));
    }
    out
}

/// How many 4-byte words of the ops' constant operands differ between `ours` and TF's
/// graph (`usize::MAX` if the op sequences differ).
pub fn constant_words_differing(ours: &Graph, tf: &Graph) -> usize {
    if ours.ops.len() != tf.ops.len() {
        return usize::MAX;
    }
    let mut n = 0;
    for (a, b) in ours.ops.iter().zip(&tf.ops) {
        if a.code != b.code || a.inputs.len() != b.inputs.len() {
            return usize::MAX;
        }
        for (&i, &j) in a.inputs.iter().zip(&b.inputs) {
            if i < 0 || j < 0 {
                continue;
            }
            let (x, y) = (&ours.tensors[i as usize].data, &tf.tensors[j as usize].data);
            if let (Some(x), Some(y)) = (x, y) {
                if x.len() != y.len() {
                    return usize::MAX;
                }
                n += x.chunks(4).zip(y.chunks(4)).filter(|(p, q)| p != q).count();
            }
        }
    }
    n
}

pub fn lowered_with(case: &str, bn_rsqrt: &BTreeMap<String, Vec<f32>>) -> Graph {
    let model = model(case).unwrap();
    let opts = LowerOptions {
        model_name: Some(model_name(case)),
        bn_rsqrt: bn_rsqrt.clone(),
    };
    TfliteConverter::from_model_with(&model, &opts)
        .unwrap()
        .float_graph()
        .clone()
}

/// The next float32 value `k` ulps away from `x` (positive `x`).
fn ulps(x: f32, k: i32) -> f32 {
    f32::from_bits((x.to_bits() as i32 + k) as u32)
}

/// TF's BatchNormalization `rsqrt(var + ε)` values, found from its file: starting from
/// the correctly rounded values, each channel takes the value within 2 ulps that makes
/// the most of our constants equal TF's. Returns the values and the channels (layer,
/// channel, ulps) where they differ from the correctly rounded one.
pub fn tf_rsqrt(case: &str, tf: &Graph) -> (BTreeMap<String, Vec<f32>>, Vec<Changed>) {
    let mut given: BTreeMap<String, Vec<f32>> = bn_layers(case)
        .into_iter()
        .map(|(name, v)| {
            let c = v.len();
            (
                name,
                v.iter()
                    .enumerate()
                    .map(|(ch, &x)| bn_rsqrt(x, ch, c))
                    .collect(),
            )
        })
        .collect();
    let mut best = constant_words_differing(&lowered_with(case, &given), tf);
    let mut changed = Vec::new();
    let names: Vec<String> = given.keys().cloned().collect();
    for name in names {
        for ch in 0..given[&name].len() {
            let base = given[&name][ch];
            let mut pick = 0;
            for k in [-1, 1, -2, 2] {
                given.get_mut(&name).unwrap()[ch] = ulps(base, k);
                let d = constant_words_differing(&lowered_with(case, &given), tf);
                if d < best {
                    best = d;
                    pick = k;
                }
            }
            given.get_mut(&name).unwrap()[ch] = ulps(base, pick);
            if pick != 0 {
                changed.push((name.clone(), ch, pick));
            }
        }
    }
    (given, changed)
}
