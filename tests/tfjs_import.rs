//! TF.js layers-model import (`litequant::tfjs`) against the exports `tensorflowjs` 4.22
//! wrote (`tests/fixtures/tfjs/`, `scripts/gen_tfjs.py`): cnn_fixed (Sequential CNN),
//! fixed_mlp (Dense) and resnet_tiny (functional, residual), each as float32 and with
//! `--quantize_uint8 / --quantize_uint16 / --quantize_float16`.
//!
//! - Every decoded weight equals, bit for bit, the array TF.js decodes (`weights/*.npy`);
//!   the float32 exports' weights equal the original Keras weights.
//! - The imported models compute what Keras computes with those weights
//!   (`out_keras_float.npy`).
//! - The Dense model converted from its import gives byte for byte the files the original
//!   Keras weights give (six variants), and the quantized exports' imports give TF 2.21's
//!   files made from their dequantized weights.
//! - The Keras 3 topologies of the same models (`<model>/keras_model.json`) read the same.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use litequant::converter::TfliteConverter;
use litequant::nn::Model;
use litequant::tfjs::{self, Shards};
use litequant::tflite;
use serde_json::Value;

const MODELS: [&str; 3] = ["cnn_fixed", "fixed_mlp", "resnet_tiny"];
const VARIANTS: [&str; 4] = ["float32", "uint8", "uint16", "float16"];

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn npy(rel: &str) -> (Vec<f32>, Vec<usize>) {
    let bytes = read(rel);
    let f = npyz::NpyFile::new(&bytes[..]).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let shape = f.shape().iter().map(|&d| d as usize).collect();
    (f.into_vec::<f32>().unwrap(), shape)
}

/// An export: `model.json` text and its shard files by manifest path.
struct Export {
    dir: String,
    text: String,
    files: Vec<(String, Vec<u8>)>,
}

impl Export {
    fn open(model: &str, variant: &str) -> Export {
        let dir = format!("tfjs/{model}/{variant}");
        let text = String::from_utf8(read(&format!("{dir}/model.json"))).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let mut files = Vec::new();
        for g in v["weightsManifest"].as_array().unwrap() {
            for p in g["paths"].as_array().unwrap() {
                let p = p.as_str().unwrap();
                files.push((p.to_string(), read(&format!("{dir}/{p}"))));
            }
        }
        Export { dir, text, files }
    }

    fn shards(&self) -> Shards<'_> {
        Shards::Files(
            self.files
                .iter()
                .map(|(p, b)| (p.clone(), b.as_slice()))
                .collect(),
        )
    }

    fn concatenated(&self) -> Vec<u8> {
        self.files.iter().flat_map(|(_, b)| b.clone()).collect()
    }

    fn load(&self) -> Model {
        tfjs::load_str(&self.text, &self.shards()).unwrap_or_else(|e| panic!("{}: {e}", self.dir))
    }
}

/// The model's weights by Keras/TF.js name (`layer/weight`; a depthwise kernel under both
/// of its names).
fn named_weights(m: &Model) -> BTreeMap<String, (Vec<f32>, Vec<usize>)> {
    let names: Vec<(String, bool)> = m
        .nodes()
        .iter()
        .flat_map(|n| {
            let dw = n.config.class_name() == "DepthwiseConv2D";
            n.weights
                .iter()
                .map(move |s| (format!("{}/{}", n.name, s.name), dw && s.name == "kernel"))
        })
        .collect();
    let mut out = BTreeMap::new();
    for ((name, dw), w) in names.into_iter().zip(m.get_weights()) {
        if dw {
            let alias = name.replace("/kernel", "/depthwise_kernel");
            out.insert(alias, w.clone());
        }
        out.insert(name, w);
    }
    out
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn every_export_decodes_to_the_weights_tfjs_decodes() {
    for model in MODELS {
        for variant in VARIANTS {
            let ex = Export::open(model, variant);
            let m = ex.load();
            assert_eq!(
                m.is_sequential(),
                model != "resnet_tiny",
                "{}: Sequential vs functional",
                ex.dir
            );
            let ours = named_weights(&m);
            let index = json(&format!("{}/weights/index.json", ex.dir));
            let entries = index.as_array().unwrap();
            assert_eq!(entries.len(), m.weight_shapes().len(), "{}", ex.dir);
            for e in entries {
                let name = e["name"].as_str().unwrap();
                let (want, shape) = npy(&format!("{}/{}", ex.dir, e["file"].as_str().unwrap()));
                let (got, got_shape) = ours
                    .get(name)
                    .unwrap_or_else(|| panic!("{}: no weight {name} in the model", ex.dir));
                assert_eq!(got_shape, &shape, "{}: {name} shape", ex.dir);
                assert_eq!(bits(got), bits(&want), "{}: {name} values", ex.dir);
            }
            // One buffer of every shard in manifest order (tf.io.fromMemory) reads the same.
            let all = ex.concatenated();
            let m2 = tfjs::load_str(&ex.text, &Shards::Concatenated(&all)).unwrap();
            assert_eq!(
                m2.get_weights(),
                m.get_weights(),
                "{}: concatenated",
                ex.dir
            );
        }
    }
}

/// The original Keras weights of a model (`<model>/weights_index.json` or, for fixed_mlp,
/// its two Dense layers), by `layer/weight` name.
fn original_weights(model: &str) -> Vec<(String, Vec<f32>)> {
    if model == "fixed_mlp" {
        return [
            ("dense/kernel", "weights_l0_dense_kernel"),
            ("dense/bias", "weights_l0_dense_bias"),
            ("dense_1/kernel", "weights_l1_dense_kernel"),
            ("dense_1/bias", "weights_l1_dense_bias"),
        ]
        .iter()
        .map(|(n, f)| (n.to_string(), npy(&format!("{model}/{f}.npy")).0))
        .collect();
    }
    let index = json(&format!("{model}/weights_index.json"));
    let mut out = Vec::new();
    for l in index.as_array().unwrap() {
        for w in l["weights"].as_array().unwrap() {
            let name = format!(
                "{}/{}",
                l["name"].as_str().unwrap(),
                w["name"].as_str().unwrap()
            );
            out.push((
                name,
                npy(&format!("{model}/{}", w["file"].as_str().unwrap())).0,
            ));
        }
    }
    out
}

#[test]
fn float32_exports_hold_the_original_keras_weights() {
    for model in MODELS {
        let m = Export::open(model, "float32").load();
        let ours = named_weights(&m);
        let orig = original_weights(model);
        assert_eq!(orig.len(), m.weight_shapes().len(), "{model}");
        for (name, want) in orig {
            let got = &ours
                .get(&name)
                .unwrap_or_else(|| panic!("{model}: no weight {name}"))
                .0;
            assert_eq!(bits(got), bits(&want), "{model}: {name}");
        }
    }
}

/// Largest |ours − Keras| over the outputs, relative to the range of Keras's outputs.
fn rel_error(ours: &[f32], keras: &[f32]) -> f32 {
    let (lo, hi) = keras
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    let worst = ours
        .iter()
        .zip(keras)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    worst / (hi - lo).max(f32::MIN_POSITIVE)
}

#[test]
fn imported_models_compute_what_keras_computes() {
    for model in MODELS {
        let (x, _) = npy(&format!("{model}/test_x.npy"));
        for variant in VARIANTS {
            let ex = Export::open(model, variant);
            let m = ex.load();
            let want = if variant == "float32" {
                format!("{model}/out_keras_float.npy")
            } else {
                format!("{}/out_keras_float.npy", ex.dir)
            };
            let (want, _) = npy(&want);
            let got = m.predict(&x).unwrap();
            assert_eq!(got.len(), want.len(), "{}", ex.dir);
            let e = rel_error(&got, &want);
            assert!(e <= 1e-5, "{}: max error {e} of the output range", ex.dir);
        }
    }
}

#[test]
fn keras3_topologies_read_the_same() {
    for model in ["cnn_fixed", "resnet_tiny"] {
        let ex = Export::open(model, "float32");
        let mut v: Value = serde_json::from_str(&ex.text).unwrap();
        v["modelTopology"] = json(&format!("{model}/keras_model.json"));
        let m3 = tfjs::load(&v, &ex.shards()).unwrap_or_else(|e| panic!("{model}: {e}"));
        let m2 = ex.load();
        assert_eq!(m3.summary(), m2.summary(), "{model}");
        assert_eq!(m3.get_weights(), m2.get_weights(), "{model}");
    }
}

/// The converter of an imported model.
fn converter(m: &Model) -> TfliteConverter {
    TfliteConverter::from_model(m).unwrap()
}

/// The converter on a model whose layers are Dense only, with a reference case's options.
fn convert(m: &Model, variant: &str) -> (litequant::graph::Graph, Vec<u8>) {
    let mut conv = converter(m);
    conv.options = common::variant_options(&common::CASES[1], variant);
    let g = conv.convert_graph(|_, _| {}).unwrap();
    let bytes = conv.convert().unwrap();
    (g, bytes)
}

#[test]
fn dense_import_converts_to_the_files_of_the_original_weights() {
    let imported = Export::open("fixed_mlp", "float32").load();
    let original = common::case_model(&common::CASES[1]);
    for v in common::CASES[1].variants {
        let (_, ours) = convert(&imported, v.name);
        let mut conv = TfliteConverter::from_model(&original).unwrap();
        conv.options = common::variant_options(&common::CASES[1], v.name);
        let want = conv.convert().unwrap();
        assert!(
            ours == want,
            "fixed_mlp/{}: the import's file differs",
            v.name
        );
        // And both are TF's file (ops, params, weights; everything but names and layout).
        let g = tflite::read(&ours).unwrap();
        let tf = tflite::read(&read(&format!("fixed_mlp/{}", file_name(v.tf_file)))).unwrap();
        common::compare::assert_same_model(&g, &tf, &format!("fixed_mlp import/{}", v.name));
    }
}

fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap()
}

#[test]
fn quantized_dense_exports_give_the_files_of_their_dequantized_weights() {
    for variant in ["uint8", "uint16", "float16"] {
        let ex = Export::open("fixed_mlp", variant);
        let m = ex.load();
        for (ours, tf_file) in [
            ("float32", "model_float32.tflite"),
            ("int8", "model_int8.tflite"),
        ] {
            let (g, _) = convert(&m, ours);
            let tf = tflite::read(&read(&format!("{}/{tf_file}", ex.dir))).unwrap();
            common::compare::assert_same_model(&g, &tf, &format!("{}/{ours}", ex.dir));
        }
        // Calibration: TF's calibrated file records the same min/max, bit for bit.
        let conv = converter(&m);
        let (data, shape) = npy("fixed_mlp/calib.npy");
        let ranges =
            litequant::quant::calibrate(conv.float_graph(), &data, &shape, |_, _| {}).unwrap();
        let tf = tflite::read(&read(&format!("{}/model_calibrated.tflite", ex.dir))).unwrap();
        let g = conv.float_graph();
        let ours_acts: Vec<usize> = std::iter::once(g.inputs[0])
            .chain(g.ops.iter().map(|o| o.outputs[0] as usize))
            .collect();
        let tf_acts: Vec<usize> = std::iter::once(tf.inputs[0])
            .chain(tf.ops.iter().map(|o| o.outputs[0] as usize))
            .collect();
        assert_eq!(ours_acts.len(), tf_acts.len());
        // The last activation is the softmax output, whose int8 parameters are fixed (see
        // common::convert::check_calibration_ranges for why its range may differ).
        for (k, (&a, &b)) in ours_acts
            .iter()
            .zip(&tf_acts)
            .enumerate()
            .take(ours_acts.len() - 1)
        {
            let q = tf.tensors[b].quant.as_ref().expect("calibrated");
            let (lo, hi) = ranges.get(a).expect("calibrated");
            assert_eq!(
                (lo.to_bits(), hi.to_bits()),
                (q.min[0].to_bits(), q.max[0].to_bits()),
                "{}: activation {k}",
                ex.dir
            );
        }
    }
}

/// TF.js's own saves (`tests/fixtures/tfjs_native/`, `scripts/gen_tfjs_native.mjs`): the
/// file picked in a browser is `model.weights.bin` while the manifest says
/// `./model.weights.bin`; the digits CNN carries Adam's state (read past); both compute what
/// TF.js computed.
#[test]
fn tfjs_saves_read_and_compute_what_tfjs_computes() {
    for (case, sequential) in [("digits_cnn", true), ("residual", false)] {
        let dir = format!("tfjs_native/{case}");
        let text = String::from_utf8(read(&format!("{dir}/model.json"))).unwrap();
        let bin = read(&format!("{dir}/model.weights.bin"));
        let m = tfjs::load_str(
            &text,
            &Shards::Files(vec![("model.weights.bin".into(), &bin[..])]),
        )
        .unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert_eq!(m.is_sequential(), sequential, "{dir}");
        let info = json(&format!("{dir}/case.json"));
        let model_weights =
            info["weights"].as_u64().unwrap() - info["optimizer_weights"].as_u64().unwrap();
        assert_eq!(m.weight_shapes().len() as u64, model_weights, "{dir}");
        let (x, _) = npy(&format!("{dir}/x.npy"));
        let (want, _) = npy(&format!("{dir}/out_tfjs.npy"));
        let got = m.predict(&x).unwrap();
        let e = rel_error(&got, &want);
        assert!(e <= 1e-5, "{dir}: max error {e} of the output range");
    }
}
