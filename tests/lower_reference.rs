//! `TFLiteConverter.fromModel` on Keras CNNs against TensorFlow 2.21's float32 files: for
//! `cnn_fixed`, `resnet_tiny` and the `layers/` and `lowering/` cases, the Keras model is
//! rebuilt from its recorded config and weights (`common::keras`), converted, and held to
//! TF's `model_float32.tflite` by `common::compare` (ops and versions, options, tensor types,
//! shapes and signatures, constants bit for bit, io, signature, metadata).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::compare::{assert_same_graph, assert_same_model};
use common::keras;
use common::keras::{bn_layers, constant_words_differing, lowered_with, tf_rsqrt, Changed};
use litequant::converter::TfliteConverter;
use litequant::graph::lower::LowerOptions;
use litequant::graph::Graph;
use litequant::quant::{ConverterOptions, IoType, RepresentativeDataset};
use litequant::tflite;
use std::collections::BTreeMap;

fn tf_file(case: &str, variant: &str) -> Graph {
    let path = keras::case_dir(case).join(format!("model_{variant}.tflite"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    tflite::read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Our lowering of the case's Keras model (before the converter's finalize step).
fn lowered(case: &str) -> Result<TfliteConverter, String> {
    let model = keras::model(case)?;
    let opts = LowerOptions {
        model_name: Some(keras::model_name(case)),
        ..Default::default()
    };
    TfliteConverter::from_model_with(&model, &opts).map_err(|e| e.to_string())
}

/// Every case directory under `tests/fixtures/<group>/` with a Keras model.
fn cases(group: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(keras::case_dir(group))
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            e.path()
                .join("keras_model.json")
                .exists()
                .then(|| format!("{group}/{}", e.file_name().to_string_lossy()))
        })
        .collect();
    v.sort();
    v
}

/// Runs `check` on every case, reporting all failures at once; the results of those that
/// pass, in case order.
fn check_all<T>(cases: &[String], check: impl Fn(&str) -> T) -> Vec<(String, T)> {
    let mut failed = Vec::new();
    let mut passed = Vec::new();
    for case in cases {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(case))) {
            Ok(t) => passed.push((case.clone(), t)),
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failed.push(format!("{case}: {msg}"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} cases fail:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
    passed
}

/// Cases whose Keras model litequant cannot convert, with the error naming why: layers
/// `nn` does not have (ELU, GELU activations), and a Dense on a rank-3 input, which TF
/// lowers through `Tensordot` (SHAPE, GATHER, REDUCE_PROD, CONCATENATION, two RESHAPEs
/// around the FULLY_CONNECTED): not supported yet.
const NOT_CONVERTED: &[(&str, &str)] = &[
    ("layers/elu", "unknown activation \"elu\""),
    ("layers/gelu", "unknown activation \"gelu\""),
    (
        "lowering/dense_rank3",
        "layer 'dense' (Dense): Dense on an input of shape [4, 16]",
    ),
];

/// TF's CPU values from `bn_constants.json` (its first BatchNormalization), if recorded.
fn recorded_tf_rsqrt(case: &str) -> Option<(String, Vec<f32>)> {
    let path = keras::case_dir(case).join("bn_constants.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let hex = |s: &serde_json::Value| {
        f32::from_bits(
            u32::from_str_radix(s.as_str().unwrap().trim_start_matches("0x"), 16).unwrap(),
        )
    };
    let vals = v["per_channel"]
        .as_array()?
        .iter()
        .map(|c| hex(&c["rsqrt_tf_cpu"]))
        .collect();
    Some((v["layer"].as_str()?.to_string(), vals))
}

/// The lowered graph equals TF's float32 file; for [`FULL_PIPELINE`] cases the
/// converted float32 file too (op versions, `min_runtime_version`, metadata). Where the
/// model has BatchNormalization and only its constants differ, the difference must come
/// from TF's `rsqrt` alone: with TF's values (found by [`tf_rsqrt`]: at most 2 ulps off,
/// only in channels of whole packets of 8, TF's AVX path; the values
/// `bn_constants.json` recorded, where it has them, give the same file) every constant equals TF's. Returns the
/// rsqrt channels that differ.
fn check_float32(case: &str) -> Vec<Changed> {
    let conv = lowered(case).unwrap_or_else(|e| panic!("{e}"));
    let tf = tf_file(case, "float32");
    let ctx = format!("{case}/float32");
    let mut changed = Vec::new();
    let mut float_graph = conv.float_graph().clone();
    let diff = constant_words_differing(&float_graph, &tf);
    if diff != 0 && diff != usize::MAX && !bn_layers(case).is_empty() {
        let (values, ch) = tf_rsqrt(case, &tf);
        for (layer, c, k) in &ch {
            let n = values[layer].len();
            assert!(
                *c < n / 8 * 8,
                "{ctx}: {layer} channel {c} of {n} differs ({k} ulps) outside the AVX packets"
            );
        }
        if let Some((layer, rec)) = recorded_tf_rsqrt(case) {
            // TF's own values (recorded when the file was made) give TF's file too.
            let mut with_rec = values.clone();
            with_rec.insert(layer, rec);
            assert_same_graph(
                &lowered_with(case, &with_rec),
                &tf,
                &format!("{ctx} with bn_constants.json's rsqrt_tf_cpu"),
            );
        }
        float_graph = lowered_with(case, &values);
        changed = ch;
    }
    assert_same_graph(&float_graph, &tf, &ctx);
    if FULL_PIPELINE.contains(&case) {
        let mut conv = conv;
        if !changed.is_empty() {
            let opts = LowerOptions {
                model_name: Some(keras::model_name(case)),
                bn_rsqrt: tf_rsqrt(case, &tf).0,
            };
            conv = TfliteConverter::from_model_with(&keras::model(case).unwrap(), &opts).unwrap();
        }
        let ours = conv
            .convert_graph(|_, _| {})
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_same_model(&ours, &tf, &ctx);
    }
    changed
}

#[test]
fn float32_files_match_tensorflow() {
    let mut all = vec!["cnn_fixed".to_string(), "resnet_tiny".to_string()];
    all.extend(cases("layers"));
    all.extend(cases("lowering"));
    all.retain(|c| !NOT_CONVERTED.iter().any(|(n, _)| n == c));
    assert_eq!(all.len(), 70, "cases");
    let results = check_all(&all, check_float32);
    let rsqrt: Vec<_> = results.iter().filter(|(_, ch)| !ch.is_empty()).collect();
    eprintln!(
        "{} float32 files equal TF's; {} of them with TF's rsqrt in BatchNormalization:",
        results.len(),
        rsqrt.len()
    );
    for (case, ch) in rsqrt {
        eprintln!("  {case}: (layer, channel, ulps) {ch:?}");
    }
}

/// The cases whose ops all have their converter passes today (FULLY_CONNECTED, SOFTMAX,
/// RELU, …): their files go through the whole converter (op versions, metadata, every
/// quantized variant). The CNN cases join as CONV_2D, pooling, MUL, ADD, MEAN, … land in
/// the op registry.
const FULL_PIPELINE: &[&str] = &[
    "layers/bn_after_dense",
    "layers/dense_relu6",
    "layers/relu_standalone",
    "lowering/bn_first_dense",
    "lowering/dense_bn_relu_dense",
    "lowering/dense_relu_bn_dense",
    "lowering/dense_relu_bn_dense_relu",
    "lowering/dense_relu_layer_dense",
];

/// The converter options of a TF variant (the fixture's `calib.npy`, one sample per row).
fn variant_options(case: &str, variant: &str) -> ConverterOptions {
    let mut o = ConverterOptions::default();
    let int8 = |o: &mut ConverterOptions, io: IoType| {
        let (data, shape) = keras::npy_file(&keras::case_dir(case).join("calib.npy"));
        o.optimize = true;
        o.representative_dataset = Some(RepresentativeDataset { data, shape });
        o.int8_ops_only = true;
        o.inference_input_type = io;
        o.inference_output_type = io;
    };
    match variant {
        "dynamic" => o.optimize = true,
        "fp16" => {
            o.optimize = true;
            o.float16 = true;
        }
        "int8" => int8(&mut o, IoType::Int8),
        "int8_floatio" => int8(&mut o, IoType::Float32),
        "uint8io" => int8(&mut o, IoType::Uint8),
        other => panic!("unknown variant {other}"),
    }
    o
}

/// Every quantized variant TF wrote for the case, converted from the Keras model (with
/// TF's BatchNormalization rsqrt where it differs, as for float32) — for the cases whose
/// ops all have their converter passes ([`FULL_PIPELINE`]). Returns the variants checked.
fn check_quantized(case: &str) -> Vec<&'static str> {
    let tf32 = tf_file(case, "float32");
    let values = if bn_layers(case).is_empty() {
        BTreeMap::new()
    } else {
        tf_rsqrt(case, &tf32).0
    };
    let model = keras::model(case).unwrap();
    let opts = LowerOptions {
        model_name: Some(keras::model_name(case)),
        bn_rsqrt: values,
    };
    let mut conv = TfliteConverter::from_model_with(&model, &opts).unwrap();
    if !FULL_PIPELINE.contains(&case) {
        return Vec::new();
    }
    let mut done = Vec::new();
    for variant in ["dynamic", "fp16", "int8", "int8_floatio", "uint8io"] {
        if !keras::case_dir(case)
            .join(format!("model_{variant}.tflite"))
            .exists()
        {
            continue;
        }
        let ctx = format!("{case}/{variant}");
        conv.options = variant_options(case, variant);
        let ours = conv
            .convert_graph(|_, _| {})
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_same_model(&ours, &tf_file(case, variant), &ctx);
        done.push(variant);
    }
    done
}

#[test]
fn quantized_files_match_tensorflow() {
    let mut all = vec!["cnn_fixed".to_string(), "resnet_tiny".to_string()];
    all.extend(cases("layers"));
    all.extend(cases("lowering"));
    all.retain(|c| !NOT_CONVERTED.iter().any(|(n, _)| n == c));
    let results = check_all(&all, check_quantized);
    let checked: Vec<_> = results.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert_eq!(
        checked.len(),
        FULL_PIPELINE.len(),
        "cases with quantized variants"
    );
    eprintln!(
        "quantized variants equal TF's for {} of {} models (the others wait for their ops):",
        checked.len(),
        all.len()
    );
    for (case, v) in checked {
        eprintln!("  {case}: {v:?}");
    }
}

#[test]
fn unconvertible_models_are_named_errors() {
    for (case, want) in NOT_CONVERTED {
        let err = match lowered(case) {
            Ok(_) => panic!("{case}: converted"),
            Err(e) => e,
        };
        assert!(err.contains(want), "{case}: {err}");
    }
}
