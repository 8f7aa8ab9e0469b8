//! Our converter on TensorFlow 2.21's per-op and per-layer float32 files
//! (`tests/fixtures/ops/`, `tests/fixtures/layers/`): `fromTflite(model_float32.tflite)`
//! calibrated on the case's `calib.npy` and converted with each variant's options
//! (`int8`, `int8_floatio`, `uint8io`, `fp16`, `dynamic`) must equal TF's file of that
//! variant (the structural comparison of `common/compare.rs`: ops and versions, options,
//! tensor types and shapes, scales bit for bit, zero points, weights, biases, fp16 values,
//! signature and metadata).
//!
//! Cases whose float32 file has an op the registry lacks are printed and skipped; the test
//! names cases that must convert and a minimum count of converted files (every file of
//! both manifests today: 76 ops files, 250 layers files).

#[allow(dead_code)]
#[path = "common/compare.rs"]
mod compare;
mod ops_support;

use litequant::converter::TfliteConverter;
use litequant::quant::{ConverterOptions, IoType, RepresentativeDataset};
use ops_support::{fixture, fixture_path, json, Data};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The converter options TF's fixture scripts used for `variant`.
fn variant_options(variant: &str, calib: &RepresentativeDataset) -> Option<ConverterOptions> {
    let mut o = ConverterOptions::default();
    let int8 = |o: &mut ConverterOptions, io: IoType| {
        o.optimize = true;
        o.representative_dataset = Some(calib.clone());
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
        _ => return None,
    }
    Some(o)
}

/// Converts every case of `manifest`: every file must equal TF's; `must_convert` must be
/// among them, and at least `min_converted` must be.
fn check_manifest(manifest: &str, must_convert: &[&str], min_converted: usize) {
    let entries = json(manifest);
    let entries = entries.as_array().unwrap();
    let mut cases: Vec<&str> = Vec::new();
    for e in entries {
        let c = e["case"].as_str().unwrap();
        if !cases.contains(&c) {
            cases.push(c);
        }
    }
    let mut converted = Vec::new();
    let mut failures = Vec::new();
    for case in cases {
        let float_file = format!("{case}/model_float32.tflite");
        let calib_file = format!("{case}/calib.npy");
        if !fixture_path(&float_file).exists() || !fixture_path(&calib_file).exists() {
            println!("{case}: no float32 file or calib.npy, not converted");
            continue;
        }
        let bytes = fixture(&float_file);
        let g = litequant::tflite::read(&bytes).unwrap();
        if let Err(e) = litequant::ops::check_supported(&g) {
            println!("{case}: not converted ({e})");
            continue;
        }
        let (shape, data) = Data::load(&calib_file);
        let Data::F32(data) = data else {
            panic!("{calib_file}: not float32")
        };
        let calib = RepresentativeDataset { data, shape };
        for e in entries.iter().filter(|e| e["case"] == case) {
            let variant = e["variant"].as_str().unwrap();
            let Some(options) = variant_options(variant, &calib) else {
                continue;
            };
            let ctx = format!("{case}/{variant}");
            let tf_file = e["model"].as_str().unwrap().to_string();
            let res = catch_unwind(AssertUnwindSafe(|| {
                let mut conv = TfliteConverter::from_tflite(&bytes)
                    .unwrap_or_else(|e| panic!("{ctx}: fromTflite: {e}"));
                conv.options = options.clone();
                let ours = conv
                    .convert_graph(|_, _| {})
                    .unwrap_or_else(|e| panic!("{ctx}: convert: {e}"));
                let tf = litequant::tflite::read(&fixture(&tf_file)).unwrap();
                compare::assert_same_imported_model(&ours, &tf, &ctx);
            }));
            match res {
                Ok(()) => {
                    println!("{ctx}: same as TF's file");
                    converted.push(ctx);
                }
                Err(p) => {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    println!("{ctx}: DIFFERS: {msg}");
                    failures.push(format!("{ctx}: {msg}"));
                }
            }
        }
    }
    println!(
        "{manifest}: {} files equal to TF's, {} differ",
        converted.len(),
        failures.len()
    );
    for m in must_convert {
        assert!(
            converted.iter().any(|c| c == m),
            "{m} was not converted to TF's file"
        );
    }
    assert!(
        failures.is_empty(),
        "{} conversions differ from TF's files:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        converted.len() >= min_converted,
        "{manifest}: only {} conversions, expected at least {min_converted}",
        converted.len()
    );
}

#[test]
fn ops_conversions_match_tensorflow() {
    check_manifest(
        "manifest_ops.json",
        &[
            "ops/unary_math/int8",
            "ops/reshape_shape/int8",
            "ops/gather/int8",
            "ops/activations/int8",
            "ops/concat/fp16",
            "ops/concat/dynamic",
            // Requantizations (QUANTIZE int8 -> int8) where same-scale constraints meet.
            "ops/binary_ops/int8",
            "ops/pack_unpack/int8",
            "ops/concat/int8",
            "ops/concat/int8_floatio",
            // PADV2's pad value at the op's parameters.
            "ops/padv2/int8",
            // Several float outputs: one DEQUANTIZE after each producer.
            "ops/split/int8_floatio",
            "ops/unary_math/int8_floatio",
            // Calibration of a [-1, 1, -1] input fed [1, 1, 8] rows.
            "ops/squeeze_expand/int8",
            // Models without a signature (concrete functions).
            "ops/binary_ops/fp16",
            "ops/binary_ops/dynamic",
        ],
        76,
    );
}

#[test]
fn layers_conversions_match_tensorflow() {
    check_manifest(
        "manifest_layers.json",
        &[
            "layers/bn_after_dense_relu/int8",
            "layers/relu6_activation_standalone/uint8io",
            "layers/dense_tanh/int8_floatio",
            // The calibrator's in-place logging (MUL / ADD inputs).
            "layers/bn_first/int8",
            "layers/bn_after_conv_relu/int8",
            // PRELU's alpha: a per-tensor symmetric weight.
            "layers/prelu_default/int8",
            "layers/prelu_shared12/uint8io",
        ],
        250,
    );
}
