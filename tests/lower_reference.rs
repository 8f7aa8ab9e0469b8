//! `TFLiteConverter.fromModel` on Keras CNNs against TensorFlow 2.21's files: for
//! `cnn_fixed`, `resnet_tiny` and the `layers/` and `lowering/` cases, the Keras model is
//! rebuilt from its recorded config and weights (`common::keras`), lowered, converted to
//! every variant TF wrote (float32, dynamic range, float16, int8 with int8 / float / uint8
//! io), and held to TF's file by `common::compare` (ops and versions, options, tensor
//! types, shapes and signatures, scales, zero points, constants bit for bit, io,
//! signature, metadata).
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

/// The lowered graph equals TF's float32 file, and so does the converted float32 file (op versions, `min_runtime_version`, metadata). Where the
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
    {
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

/// Every quantized variant TF wrote for the case (dynamic, float16, int8 with int8 /
/// float / uint8 io), converted from the Keras model — calibrated on the case's
/// `calib.npy` — with TF's BatchNormalization rsqrt where it differs (as for float32,
/// where [`check_float32`] proves those constants are the only difference), equals TF's
/// file. Returns the variants checked.
/// A variant's name and our file's bytes.
type Files = Vec<(&'static str, Vec<u8>)>;

fn check_quantized(case: &str) -> Files {
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
    let mut done = Vec::new();
    for variant in [
        "float32",
        "dynamic",
        "fp16",
        "int8",
        "int8_floatio",
        "uint8io",
    ] {
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
        done.push((variant, tflite::write(&ours).unwrap()));
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
    let variants: usize = results.iter().map(|(_, v)| v.len() - 1).sum();
    eprintln!(
        "quantized variants equal TF's for all {} models ({variants} files)",
        results.len()
    );
    let names = |v: &[(&str, Vec<u8>)]| v.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>();
    for (case, v) in &results {
        assert!(v.len() > 1, "{case}: no quantized variant checked");
        eprintln!("  {case}: {:?}", names(v));
    }
    for case in ["cnn_fixed", "resnet_tiny"] {
        let v = &results.iter().find(|(c, _)| c == case).unwrap().1;
        assert_eq!(
            names(v),
            [
                "float32",
                "dynamic",
                "fp16",
                "int8",
                "int8_floatio",
                "uint8io"
            ],
            "{case}: variants checked"
        );
    }
    write_oracle_manifest(&results);
}

/// The layer cases whose files (int8, float io, float16) also go to the LiteRT oracle:
/// one per op family the CNN conversion adds, and the converter rules that needed TF's
/// calibrator (in-place MUL/ADD) or propagation (CONCATENATION) to match.
const ORACLE_LAYERS: &[&str] = &[
    "layers/conv2d_dilation2_same",
    "layers/dwconv_dilation2",
    "layers/avgpool_valid_s2",
    "layers/maxpool_then_relu",
    "layers/gmaxpool",
    "layers/gavgpool_keepdims",
    "layers/bn_first",
    "layers/bn_after_conv_relu",
    "layers/prelu_shared12",
    "layers/leaky_relu",
    "layers/hard_swish",
    "layers/merge_add_relu",
    "layers/merge_concat_axis3",
    "layers/zeropad_asym",
];

/// Writes our files of `cnn_fixed` and `resnet_tiny` (every variant) and of
/// [`ORACLE_LAYERS`] (int8, int8_floatio, fp16) to `target/oracle/`, with our
/// interpreter's outputs on the case's test rows, and lists them in
/// `target/oracle/manifest.cnn.json` for `tests/oracle/check_oracle.py`: LiteRT's
/// reference kernels must give TF's saved outputs (`out_<variant>__litert_ref.npy`), the
/// outputs of TF's file and ours (8-bit outputs bit for bit, float within 1e-5).
fn write_oracle_manifest(results: &[(String, Files)]) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/oracle");
    std::fs::create_dir_all(&dir).unwrap();
    let mut refs: Vec<serde_json::Value> = Vec::new();
    for m in ["manifest_turn2.json", "manifest_layers.json"] {
        let text = std::fs::read_to_string(root.join("tests/fixtures").join(m)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        refs.extend(v.as_array().unwrap().iter().cloned());
    }
    let mut manifest = Vec::new();
    for (case, files) in results {
        let whole = case == "cnn_fixed" || case == "resnet_tiny";
        if !whole && !ORACLE_LAYERS.contains(&case.as_str()) {
            continue;
        }
        for (variant, bytes) in files {
            if !whole && !["int8", "int8_floatio", "fp16"].contains(variant) {
                continue;
            }
            let e = refs
                .iter()
                .find(|e| e["case"] == case.as_str() && e["variant"] == *variant)
                .unwrap_or_else(|| panic!("{case}/{variant}: no manifest entry"));
            let stem = format!("cnn_{}_{variant}", case.replace('/', "_"));
            std::fs::write(dir.join(format!("{stem}.tflite")), bytes).unwrap();
            let input = e["input_npy"].as_str().unwrap();
            std::fs::write(
                dir.join(format!("{stem}__ours.npy")),
                our_outputs_npy(bytes, &root.join("tests/fixtures").join(input)),
            )
            .unwrap();
            let float_out = matches!(*variant, "float32" | "fp16" | "dynamic" | "int8_floatio");
            manifest.push(serde_json::json!({
                "name": format!("fromModel/{case}/{variant}"),
                "model": format!("target/oracle/{stem}.tflite"),
                "reference_model": format!("tests/fixtures/{}", e["model"].as_str().unwrap()),
                "input_npy": format!("tests/fixtures/{input}"),
                "expected_npy": e["out_litert_ref"].as_str().map(|p| format!("tests/fixtures/{p}")),
                "ours_npy": format!("target/oracle/{stem}__ours.npy"),
                "exact": !float_out,
                "atol": if float_out { 1e-5 } else { 0.0 },
            }));
        }
    }
    assert_eq!(
        manifest.len(),
        12 + 3 * ORACLE_LAYERS.len(),
        "oracle entries"
    );
    std::fs::write(
        dir.join("manifest.cnn.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
}

/// Our interpreter's output 0 for every row of the `.npy` at `input` (one batch; float
/// rows quantized for an int8/uint8 input, as TFLite's QUANTIZE does), as `.npy` bytes.
fn our_outputs_npy(model: &[u8], input: &std::path::Path) -> Vec<u8> {
    use common::reference::Data;
    use litequant::interp::Interpreter;
    let bytes = std::fs::read(input).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    let f = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape: Vec<usize> = f.shape().iter().map(|&d| d as usize).collect();
    let descr = match f.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => panic!("{}: {other:?}", input.display()),
    };
    let x = match descr.as_str() {
        "<f4" => Data::F32(f.into_vec().unwrap()),
        "|i1" => Data::I8(f.into_vec().unwrap()),
        "|u1" => Data::U8(f.into_vec().unwrap()),
        d => panic!("{}: {d}", input.display()),
    };
    let mut it = Interpreter::new(tflite::read(model).unwrap()).unwrap();
    let mut dims: Vec<i32> = shape.iter().map(|&d| d as i32).collect();
    dims[0] = shape[0] as i32;
    it.resize_input(0, &dims).unwrap();
    x.set(&mut it, 0..x.len());
    it.invoke().unwrap();
    let out_shape: Vec<usize> = it
        .tensor_shape(it.output_details()[0].index)
        .unwrap()
        .iter()
        .map(|&d| d as usize)
        .collect();
    Data::output(&it).to_npy(&out_shape)
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
