//! `TFLiteConverter.fromTflite` on TF 2.21's float32 CNN files against TF's own files of
//! every variant (int8, int8 with float io, uint8 io, float16, dynamic range, and the
//! float32 file itself), table-driven: every case of `manifest_layers.json` and
//! `manifest_turn2.json` with a convolution or pooling op whose ops are all registered is
//! converted with the case's representative dataset (`calib.npy`, one row per sample) and
//! compared op by op and tensor by tensor (types, shapes, scales, zero points, quantized
//! dimension, int8 weights, int32 biases, fp16 values, versions, metadata) with
//! `common::compare::assert_same_imported_model`. The converted file then runs in our
//! interpreter and gives the same outputs as TF's file, bit for bit.
//!
//! Cases whose ops are not all registered yet are skipped and listed; the test asserts a
//! minimum number of conversions ran. Native only: it reads the fixture files from disk.

mod common;

use common::compare::assert_same_imported_model;
use litequant::converter::TfliteConverter;
use litequant::interp::Interpreter;
use litequant::quant::{ConverterOptions, IoType, RepresentativeDataset};
use litequant::tflite;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn npy_f32(path: &str) -> (Vec<f32>, Vec<usize>) {
    let bytes = read(path);
    let f = npyz::NpyFile::new(&bytes[..]).unwrap_or_else(|e| panic!("{path}: {e}"));
    let shape = f.shape().iter().map(|&d| d as usize).collect();
    (f.into_vec().unwrap(), shape)
}

/// Converter options for a variant, as the fixture script set them.
fn options(variant: &str, calib: &str) -> ConverterOptions {
    let mut o = ConverterOptions::default();
    let int8 = |o: &mut ConverterOptions, io: IoType| {
        let (data, shape) = npy_f32(calib);
        o.optimize = true;
        o.representative_dataset = Some(RepresentativeDataset { data, shape });
        o.int8_ops_only = true;
        o.inference_input_type = io;
        o.inference_output_type = io;
    };
    match variant {
        "float32" => {}
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

/// The variants `options` knows.
const VARIANTS: [&str; 6] = [
    "float32",
    "dynamic",
    "fp16",
    "int8",
    "int8_floatio",
    "uint8io",
];

/// The ops these tests are about: a case converts here when it has one of them.
const OURS: [&str; 5] = [
    "CONV_2D ",
    "DEPTHWISE_CONV_2D ",
    "MAX_POOL_2D ",
    "AVERAGE_POOL_2D ",
    "TRANSPOSE_CONV ",
];

/// Outputs of `model` on the fixture rows `input` (all rows as one batch, or row by row
/// when the model's batch is fixed), as bytes.
fn outputs(model: &[u8], input: &str) -> Vec<u8> {
    let mut it = Interpreter::new(tflite::read(model).unwrap()).unwrap();
    let bytes = read(input);
    let f = npyz::NpyFile::new(&bytes[..]).unwrap();
    let mut shape: Vec<i32> = f.shape().iter().map(|&d| d as i32).collect();
    let descr = match f.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => panic!("{input}: {other:?}"),
    };
    let rows = shape[0] as usize;
    let runs = if it.input_details()[0].shape_signature.first() == Some(&-1) {
        it.resize_input(0, &shape).unwrap();
        1
    } else {
        shape[0] = 1;
        rows
    };
    let x: Vec<u8> = match descr.as_str() {
        "<f4" => f
            .into_vec::<f32>()
            .unwrap()
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect(),
        "|i1" => f
            .into_vec::<i8>()
            .unwrap()
            .iter()
            .map(|&v| v as u8)
            .collect(),
        "|u1" => f.into_vec::<u8>().unwrap(),
        d => panic!("{input}: {d}"),
    };
    let per_run = x.len() / runs;
    let mut out = Vec::new();
    for r in x.chunks_exact(per_run) {
        match descr.as_str() {
            "<f4" => {
                let v: Vec<f32> = r
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                it.set_input_f32(0, &v)
            }
            "|i1" => it.set_input_i8(0, &r.iter().map(|&b| b as i8).collect::<Vec<_>>()),
            _ => it.set_input_u8(0, r),
        }
        .unwrap();
        it.invoke().unwrap();
        let o = it.output_details()[0].index;
        match it.output_details()[0].dtype {
            litequant::graph::DType::F32 => out.extend(
                it.tensor_f32(o)
                    .unwrap()
                    .iter()
                    .flat_map(|v| v.to_bits().to_le_bytes()),
            ),
            litequant::graph::DType::I8 => {
                out.extend(it.tensor_i8(o).unwrap().iter().map(|&v| v as u8))
            }
            _ => out.extend(it.tensor_u8(o).unwrap()),
        }
    }
    out
}

/// Converts every eligible case of `manifests` to every variant; returns (converted,
/// skipped, failures).
fn run(manifests: &[&str]) -> (usize, Vec<String>, Vec<String>) {
    // case -> (variant -> entry)
    let mut cases: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for m in manifests {
        let entries: Value = serde_json::from_slice(&read(m)).unwrap();
        for e in entries.as_array().unwrap() {
            cases
                .entry(e["case"].as_str().unwrap().to_string())
                .or_default()
                .insert(e["variant"].as_str().unwrap().to_string(), e.clone());
        }
    }
    let (mut done, mut skipped, mut fails) = (0, Vec::new(), Vec::new());
    for (case, variants) in &cases {
        let Some(float) = variants.get("float32") else {
            continue;
        };
        let ops: Vec<&str> = float["ops"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if !ops.iter().any(|o| OURS.iter().any(|p| o.starts_with(p))) {
            continue;
        }
        let float_bytes = read(float["model"].as_str().unwrap());
        let g = tflite::read(&float_bytes).unwrap();
        if let Err(e) = litequant::ops::check_supported(&g) {
            skipped.push(format!("{case}: {e}"));
            continue;
        }
        let calib = format!("{case}/calib.npy");
        for (variant, e) in variants {
            let ctx = format!("{case}/{variant}");
            if !VARIANTS.contains(&variant.as_str()) {
                skipped.push(format!(
                    "{ctx}: not a converter variant (TF's sparsity option)"
                ));
                continue;
            }
            let tf_file = e["model"].as_str().unwrap().to_string();
            let r = std::panic::catch_unwind(|| {
                let mut conv = TfliteConverter::from_tflite(&float_bytes)
                    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                conv.options = options(variant, &calib);
                let ours = conv
                    .convert_graph(|_, _| {})
                    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                let tf_bytes = read(&tf_file);
                let tf = tflite::read(&tf_bytes).unwrap();
                assert_same_imported_model(&ours, &tf, &ctx);
                let bytes = tflite::write(&ours).unwrap();
                let input = e["input_npy"].as_str().unwrap();
                assert!(
                    outputs(&bytes, input) == outputs(&tf_bytes, input),
                    "{ctx}: our file's outputs differ from TF's file's"
                );
            });
            match r {
                Ok(()) => done += 1,
                Err(p) => fails.push(
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| format!("{ctx}: panic")),
                ),
            }
        }
    }
    (done, skipped, fails)
}

fn check(manifests: &[&str], min: usize) {
    let (done, skipped, fails) = run(manifests);
    println!(
        "{manifests:?}: {done} conversions equal TF's, {} failed, {} cases skipped",
        fails.len(),
        skipped.len()
    );
    for s in &skipped {
        println!("  skipped {s}");
    }
    assert!(
        fails.is_empty(),
        "{} conversions differ from TF's:\n{}",
        fails.len(),
        fails.join("\n")
    );
    assert!(done >= min, "only {done} conversions ran");
}

#[test]
fn layers_cases_convert_like_tensorflow() {
    check(&["manifest_layers.json"], 252);
}

#[test]
fn whole_cnns_convert_like_tensorflow() {
    // cnn_fixed and resnet_tiny (6 variants each) and the ops cases with a convolution or
    // pooling (TRANSPOSE_CONV's dynamic variant hybrid).
    check(&["manifest_turn2.json", "manifest_ops.json"], 68);
}
