#![cfg(not(target_arch = "wasm32"))]
//! Issue 10's converter modes against TensorFlow 2.21's files (`tests/fixtures/modes/`,
//! made by `gen_turn2.py` and `scripts/gen_modes_matrix.py`):
//!
//! * every mode file (per-tensor weights, per-tensor Dense weights, float fallback, the
//!   QuantizationDebugger's non-debug model, denylisted nodes / ops, calibrate-only) has the
//!   same ops, versions, tensor types, shapes, scales, zero points, weights, biases and
//!   metadata as TF's (`common::compare`; calibrate-only also min/max), and our
//!   interpreter's outputs equal LiteRT `BUILTIN_REF`'s on TF's file (int8 bit for bit).
//!   Bytes differ only where they must: our files name litequant as their producer
//!   (description, CONVERSION_METADATA), tensor names follow our lowering, and the buffer
//!   layout is ours (DESIGN.md: equal content, params and outputs are what count);
//! * the option matrix (`modes/refusals.json` + `modes/matrix.json`): what TF refuses we
//!   refuse with a message naming the options in conflict, what TF accepts we accept and
//!   convert to TF's file.
//!
//! Writes every file with our outputs and `target/oracle/manifest.modes.json` for the
//! LiteRT oracle (`tests/oracle/check_oracle.py`).

mod common;

use common::compare::{assert_same_imported_model, assert_same_model};
use common::reference::{our_outputs_for, Data};
use common::{case_model, CASES};
use litequant::converter::TfliteConverter;
use litequant::graph::{BuiltinOperator, Graph};
use litequant::quant::{BiasType, ConverterOptions, IoType, RepresentativeDataset};
use litequant::tflite;
use serde_json::Value;

fn oracle_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oracle")
}

/// A file under `tests/fixtures/` (read from disk: this test is native only and its
/// fixtures stay out of the embedded table the wasm tests carry).
fn fixture(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn npy(path: &str) -> (Vec<usize>, Data) {
    Data::from_npy(&fixture(path), path)
}

fn npy_f32(path: &str) -> (Vec<f32>, Vec<usize>) {
    match npy(path) {
        (shape, Data::F32(v)) => (v, shape),
        _ => panic!("{path}: not float32"),
    }
}

/// Our interpreter's output for the rows of `input`: (shape, values, `.npy` bytes).
fn outputs(model: &[u8], input: &str) -> (Data, Vec<u8>) {
    let (shape, x) = npy(input);
    let (out_shape, out) = our_outputs_for(model, &shape, &x);
    let bytes = out.to_npy(&out_shape);
    (out, bytes)
}

fn json(path: &str) -> Value {
    serde_json::from_slice(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The two models: fixed_mlp from its Keras weights (as TF converted it), cnn_fixed from
/// TF's float32 file (our files then record `model_type` NONE).
fn converter(case: &str) -> TfliteConverter {
    match case {
        "fixed_mlp" => TfliteConverter::from_model(&case_model(&CASES[1])).unwrap(),
        "cnn_fixed" => {
            TfliteConverter::from_tflite(&fixture("cnn_fixed/model_float32.tflite")).unwrap()
        }
        other => panic!("unknown case {other}"),
    }
}

fn dataset(case: &str) -> RepresentativeDataset {
    let (data, shape) = npy_f32(&format!("{case}/calib.npy"));
    RepresentativeDataset { data, shape }
}

/// TF's calibrated ranges (`<case>/model_calibrated.tflite`, whose tensors are those of
/// TF's float32 file that `from_tflite` keeps). The cnn_fixed mode files are checked on
/// them: our calibration of cnn_fixed differs from TF's in one tensor (the CONV_2D output
/// that feeds the BatchNormalization MUL, see `calibrate_only_matches_tensorflow`), a gap
/// of calibration, not of the modes' passes.
fn tf_ranges(case: &str) -> litequant::quant::Ranges {
    let g = tflite::read(&fixture(&format!("{case}/model_calibrated.tflite"))).unwrap();
    let (_, shape) = npy_f32(&format!("{case}/calib.npy"));
    let ranges = g
        .tensors
        .iter()
        .map(|t| {
            t.quant
                .as_ref()
                .filter(|q| !q.min.is_empty())
                .map(|q| (q.min[0], q.max[0]))
        })
        .collect();
    litequant::quant::Ranges {
        ranges,
        samples: shape[0],
    }
}

/// Output tensor name of the `k`-th op with code `code` of the float graph (how
/// `denylisted_nodes` names a node: TF's script took the first FULLY_CONNECTED / CONV_2D).
fn node(conv: &TfliteConverter, code: BuiltinOperator, k: usize) -> String {
    let g = conv.float_graph();
    let op = g.ops.iter().filter(|o| o.code == code).nth(k).expect("op");
    g.tensors[op.outputs[0] as usize].name.clone()
}

/// Options in the vocabulary of the fixture scripts (`gen_turn2.py` MODES / PROBES and
/// `gen_modes_matrix.py`), applied to our converter. `NODE<k>` names the output of the
/// model's `k`-th FULLY_CONNECTED.
/// `explicit_dataset`: the options say `dataset: true` when a dataset was set (matrix.json);
/// otherwise gen_turn2's rule: a dataset unless `no_optimizations`.
fn apply(conv: &mut TfliteConverter, case: &str, o: &Value, explicit_dataset: bool) {
    let mut opts = ConverterOptions::default();
    let get = |k: &str| o.get(k);
    let yes = |k: &str| get(k).and_then(Value::as_bool) == Some(true);
    opts.optimize = !yes("no_optimizations") && get("optimizations") != Some(&Value::Bool(false));
    // gen_turn2's converters always have the dataset; the matrix says so explicitly.
    let ds = if explicit_dataset {
        yes("dataset")
    } else {
        !yes("no_optimizations")
    };
    if ds {
        opts.representative_dataset = Some(dataset(case));
        if case == "cnn_fixed" {
            opts.calibration = Some(tf_ranges(case));
        }
    }
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    if let Some(ops) = get("supported_ops") {
        opts.set_supported_ops(&strs(ops)).unwrap();
    }
    if let Some(t) = get("supported_types") {
        opts.set_supported_types(&strs(t)).unwrap();
    }
    if let Some(t) = get("inference_input_type") {
        opts.inference_input_type = IoType::parse(t.as_str().unwrap()).unwrap();
    }
    if let Some(t) = get("inference_output_type") {
        opts.inference_output_type = IoType::parse(t.as_str().unwrap()).unwrap();
    }
    if let Some(t) = get("_experimental_full_integer_quantization_bias_type") {
        opts.bias_type = Some(BiasType::parse(t.as_str().unwrap()).unwrap());
    }
    opts.disable_per_channel = yes("_experimental_disable_per_channel");
    opts.disable_per_channel_for_dense =
        yes("_experimental_disable_per_channel_quantization_for_dense_layers");
    opts.calibrate_only = yes("_experimental_calibrate_only");
    conv.options = opts;
    if let Some(d) = get("QuantizationDebugOptions") {
        let names = |k: &str| -> Vec<String> {
            d.get(k)
                .map(strs)
                .unwrap_or_default()
                .into_iter()
                .map(|n| match n.strip_prefix("NODE") {
                    Some(k) => node(conv, BuiltinOperator::FullyConnected, k.parse().unwrap()),
                    None => n,
                })
                .collect()
        };
        let (ops, nodes) = (names("denylisted_ops"), names("denylisted_nodes"));
        conv.options.denylisted_ops = ops;
        conv.options.denylisted_nodes = nodes;
    }
}

/// Converts as TF's script did: through the debugger's non-debug path when the options
/// name QuantizationDebugOptions.
fn run(conv: &TfliteConverter, o: &Value) -> litequant::Result<Graph> {
    if o.get("QuantizationDebugOptions").is_some() {
        conv.nondebug_graph(|_, _| {})
    } else {
        conv.convert_graph(|_, _| {})
    }
}

fn same(ours: &Graph, tf: &Graph, case: &str, ctx: &str) {
    if case == "cnn_fixed" {
        assert_same_imported_model(ours, tf, ctx);
    } else {
        assert_same_model(ours, tf, ctx);
    }
    check_min_max(ours, tf, ctx);
}

/// Calibration min/max recorded in the quantization tables (calibrate-only files), tensor
/// by tensor through the ops. A softmax output's range is TF's optimized softmax's, ours
/// the reference kernel's: equal to 1e-5 relative (`common::convert`'s note).
fn check_min_max(ours: &Graph, tf: &Graph, ctx: &str) {
    let mm = |g: &Graph, t: i32| {
        g.tensors[t as usize]
            .quant
            .as_ref()
            .map(|q| (q.min.clone(), q.max.clone()))
            .unwrap_or_default()
    };
    for (i, (a, b)) in ours.ops.iter().zip(&tf.ops).enumerate() {
        for (&x, &y) in a
            .inputs
            .iter()
            .chain(&a.outputs)
            .zip(b.inputs.iter().chain(&b.outputs))
        {
            if x < 0 || y < 0 {
                continue;
            }
            let ((amin, amax), (bmin, bmax)) = (mm(ours, x), mm(tf, y));
            assert_eq!(amin.len(), bmin.len(), "{ctx}: op {i} min/max presence");
            let softmax_out = a.code == BuiltinOperator::Softmax && a.outputs.contains(&x);
            for (p, q) in amin.iter().zip(&bmin).chain(amax.iter().zip(&bmax)) {
                if softmax_out {
                    assert!(
                        (p - q).abs() <= 1e-5 * q.abs(),
                        "{ctx}: op {i} softmax range {p} vs {q}"
                    );
                } else {
                    assert_eq!(
                        p.to_bits(),
                        q.to_bits(),
                        "{ctx}: op {i} range {p} vs TF {q}"
                    );
                }
            }
        }
    }
}

/// One mode file of `modes/<case>/`: our options, TF's file and outputs.
struct ModeCase {
    case: &'static str,
    mode: &'static str,
    /// Input rows as fed to the model (fixture path).
    input: String,
}

fn mode_cases() -> Vec<ModeCase> {
    let mut v = Vec::new();
    for case in ["fixed_mlp", "cnn_fixed"] {
        for mode in [
            "per_tensor",
            "dense_per_tensor",
            "float_fallback",
            "debugger_nondebug",
            "denylist_node",
            "denylist_op",
        ] {
            let tf = format!("modes/{case}/model_{mode}.tflite");
            if !std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(&tf)
                .exists()
            {
                continue; // denylist_op: cnn_fixed only
            }
            let int8_io = format!("modes/{case}/test_x_{mode}_int8.npy");
            let input = if std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(&int8_io)
                .exists()
            {
                int8_io
            } else {
                format!("{case}/test_x.npy")
            };
            v.push(ModeCase { case, mode, input });
        }
    }
    v
}

/// The options of a mode (gen_turn2.py's MODES and debugger calls).
fn mode_options(case: &str, mode: &str) -> Value {
    let int8 = |extra: &str| {
        serde_json::json!({"supported_ops": ["TFLITE_BUILTINS_INT8"], "inference_input_type": "int8",
            "inference_output_type": "int8", extra: true})
    };
    let first = if case == "fixed_mlp" {
        "FULLY_CONNECTED"
    } else {
        "CONV_2D"
    };
    match mode {
        "per_tensor" => int8("_experimental_disable_per_channel"),
        "dense_per_tensor" => {
            int8("_experimental_disable_per_channel_quantization_for_dense_layers")
        }
        "float_fallback" => serde_json::json!({}),
        "debugger_nondebug" => serde_json::json!({"QuantizationDebugOptions": {}}),
        "denylist_node" => serde_json::json!({
            "QuantizationDebugOptions": {"denylisted_nodes": [format!("FIRST {first}")]}}),
        "denylist_op" => serde_json::json!({
            "QuantizationDebugOptions": {"denylisted_ops": ["FULLY_CONNECTED"]}}),
        other => panic!("{other}"),
    }
}

/// `FIRST <OP>` in a denylisted node list: the output of the first op of that kind.
fn resolve_first(conv: &mut TfliteConverter) {
    let nodes = std::mem::take(&mut conv.options.denylisted_nodes);
    conv.options.denylisted_nodes = nodes
        .into_iter()
        .map(|n| match n.strip_prefix("FIRST ") {
            Some("CONV_2D") => node(conv, BuiltinOperator::Conv2d, 0),
            Some(_) => node(conv, BuiltinOperator::FullyConnected, 0),
            None => n,
        })
        .collect();
}

fn manifest_entry(name: &str, file: &str, reference: &str, input: &str, float_out: bool) -> Value {
    serde_json::json!({
        "name": name,
        "model": format!("target/oracle/{file}"),
        "reference_model": format!("tests/fixtures/{reference}"),
        "input_npy": format!("tests/fixtures/{input}"),
        "expected_npy": Value::Null,
        "ours_npy": format!("target/oracle/{}", file.replace(".tflite", "__ours.npy")),
        "exact": !float_out,
        "atol": if float_out { 1e-5 } else { 0.0 },
    })
}

fn is_float_out(g: &Graph) -> bool {
    g.tensors[g.outputs[0]].dtype == litequant::graph::DType::F32
}

#[test]
fn mode_files_match_tensorflow() {
    let dir = oracle_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = Vec::new();
    let mut failures = Vec::new();
    let mut done = 0;
    for mc in mode_cases() {
        let ctx = format!("modes/{}/{}", mc.case, mc.mode);
        let o = mode_options(mc.case, mc.mode);
        let mut conv = converter(mc.case);
        apply(&mut conv, mc.case, &o, false);
        resolve_first(&mut conv);
        let tf_file = format!("modes/{}/model_{}.tflite", mc.case, mc.mode);
        let tf = tflite::read(&fixture(&tf_file)).unwrap();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let ours = run(&conv, &o).unwrap_or_else(|e| panic!("{ctx}: {e}"));
            same(&ours, &tf, mc.case, &ctx);
            let bytes = tflite::write(&ours).unwrap();
            assert_eq!(tflite::read(&bytes).unwrap(), ours, "{ctx}: write → read");
            // Our interpreter on our file = LiteRT BUILTIN_REF on TF's file.
            let want = format!("modes/{}/out_{}__litert_ref.npy", mc.case, mc.mode);
            let (_, want_data) = npy(&want);
            let (got, _) = outputs(&bytes, &mc.input);
            if let Some(f) = got.compare(&want_data, 0..want_data.len()) {
                panic!("{ctx}: outputs vs LiteRT BUILTIN_REF: {f}");
            }
            bytes
        }));
        match result {
            Ok(bytes) => {
                done += 1;
                let file = format!("modes_{}_{}.tflite", mc.case, mc.mode);
                std::fs::write(dir.join(&file), &bytes).unwrap();
                let g = tflite::read(&bytes).unwrap();
                std::fs::write(
                    dir.join(file.replace(".tflite", "__ours.npy")),
                    outputs(&bytes, &mc.input).1,
                )
                .unwrap();
                manifest.push(manifest_entry(
                    &ctx,
                    &file,
                    &tf_file,
                    &mc.input,
                    is_float_out(&g),
                ));
            }
            Err(e) => failures.push(
                e.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{ctx}: panic")),
            ),
        }
    }
    std::fs::write(
        dir.join("manifest.modes.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    eprintln!("{done} mode files equal TF's; {} differ", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What our message must name for each TF refusal: the options in conflict and the way out.
fn refusal_keywords(tf_message: &str) -> &'static [&'static str] {
    if tf_message.contains("only supported for full integer") {
        &["fullIntegerQuantizationBiasType", "representativeDataset"]
    } else if tf_message.contains("Expected bias type to be `dtypes.int32`") {
        &["fullIntegerQuantizationBiasType", "int64", "int32"]
    } else if tf_message.contains("Unsupported `inference_input_type`") {
        &[
            "int16",
            "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8",
        ]
    } else if tf_message.contains("must be in ['tf.float32', 'tf.int16']") {
        &[
            "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8",
            "\"float32\" or \"int16\"",
        ]
    } else if tf_message.contains("must set representative_dataset") {
        &["QuantizationDebugger", "representativeDataset"]
    } else if tf_message.is_empty() || tf_message.contains("tfl.sub") {
        // TF's debugger fails inside the MLIR quantizer on a float16 converter.
        &["QuantizationDebugger", "float16"]
    } else {
        panic!("no expectation for TF's refusal '{tf_message}'")
    }
}

/// The option matrix: every entry of `modes/refusals.json` (both models) and of
/// `modes/matrix.json` (fixed_mlp), with TF's outcome.
#[test]
fn option_matrix_matches_tensorflow() {
    let dir = oracle_dir();
    std::fs::create_dir_all(&dir).unwrap();
    // (name, case, options, outcome, options say `dataset`)
    let mut rows: Vec<(String, String, Value, Value, bool)> = Vec::new();
    for (k, v) in json("modes/refusals.json").as_object().unwrap() {
        let case = k.split('/').nth(1).unwrap().to_string();
        let outcome = serde_json::json!({"outcome": "error", "message": v["message"]});
        rows.push((k.clone(), case, v["options"].clone(), outcome, false));
    }
    for (k, v) in json("modes/matrix.json")["probes"].as_object().unwrap() {
        rows.push((
            format!("modes/matrix/{k}"),
            "fixed_mlp".into(),
            v["options"].clone(),
            v.clone(),
            true,
        ));
    }
    let mut manifest = Vec::new();
    let (mut refused, mut accepted) = (0, 0);
    let mut failures = Vec::new();
    for (name, case, o, outcome, explicit) in &rows {
        let mut conv = converter(case);
        apply(&mut conv, case, o, *explicit);
        let got = run(&conv, o);
        match (outcome["outcome"].as_str().unwrap(), got) {
            ("error", Ok(_)) => failures.push(format!(
                "{name}: TF refuses ({}), we accept",
                outcome["message"]
            )),
            ("error", Err(e)) => {
                let msg = e.to_string();
                for kw in refusal_keywords(outcome["message"].as_str().unwrap_or("")) {
                    if !msg.contains(kw) {
                        failures.push(format!("{name}: our message '{msg}' does not name {kw}"));
                    }
                }
                refused += 1;
            }
            (_, Err(e)) => failures.push(format!("{name}: TF accepts, we refuse: {e}")),
            (_, Ok(ours)) => {
                let tf_file = outcome["file"].as_str().unwrap();
                let tf = tflite::read(&fixture(tf_file)).unwrap();
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    same(&ours, &tf, case, name)
                }));
                if let Err(e) = r {
                    failures.push(e.downcast_ref::<String>().cloned().unwrap_or_default());
                    continue;
                }
                let bytes = tflite::write(&ours).unwrap();
                let input = if ours.tensors[ours.inputs[0]].dtype == litequant::graph::DType::I8 {
                    "modes/fixed_mlp/test_x_per_tensor_int8.npy"
                } else {
                    "fixed_mlp/test_x.npy"
                };
                let file = format!("{}.tflite", name.replace('/', "_"));
                std::fs::write(dir.join(&file), &bytes).unwrap();
                std::fs::write(
                    dir.join(file.replace(".tflite", "__ours.npy")),
                    outputs(&bytes, input).1,
                )
                .unwrap();
                manifest.push(manifest_entry(
                    name,
                    &file,
                    tf_file,
                    input,
                    is_float_out(&ours),
                ));
                accepted += 1;
            }
        }
    }
    std::fs::write(
        dir.join("manifest.modes_matrix.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    eprintln!(
        "{} entries: {refused} refused as TF refuses, {accepted} accepted and equal to TF's file",
        rows.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(refused + accepted, rows.len());
}

/// TF's calibrate-only files (`model_calibrated.tflite`): the float model with every
/// activation's calibrated min/max. fixed_mlp: equal. cnn_fixed: the file is equal once
/// the calibration differences are set aside, which are not the calibrate-only option's:
/// TF records for the CONV_2D output [0, 4.6053486] (the MUL output's max; ours, the
/// CONV_2D's own values, [0, 3.1590037]) and for the MUL output [-1.318862, 4.6053486]
/// (the ADD output's min; ours [0, 4.605348]): TF's calibrator logs a tensor after the next
/// op has run in place over it. The ranges after them differ by float rounding (≤ 1e-6
/// relative). This is the gap `tests/convert_ops.rs` lists ("output parameters after a
/// BatchNormalization MUL"), owned by the calibration work.
#[test]
fn calibrate_only_matches_tensorflow() {
    let dir = oracle_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = Vec::new();
    for case in ["fixed_mlp", "cnn_fixed"] {
        let mut conv = converter(case);
        apply(
            &mut conv,
            case,
            &serde_json::json!({"dataset": true, "_experimental_calibrate_only": true}),
            true,
        );
        conv.options.calibration = None; // our own calibration
        let mut ours = conv.convert_graph(|_, _| {}).unwrap();
        let tf = tflite::read(&fixture(&format!("{case}/model_calibrated.tflite"))).unwrap();
        if case == "cnn_fixed" {
            // The ranges that differ, by tensor: exactly the CONV_2D output and the MUL's.
            let mut differ = Vec::new();
            let mut close = Vec::new();
            for (t, (x, y)) in ours.tensors.iter_mut().zip(&tf.tensors).enumerate() {
                let (Some(qx), Some(qy)) = (x.quant.as_mut(), y.quant.as_ref()) else {
                    continue;
                };
                if (qx.min.clone(), qx.max.clone()) != (qy.min.clone(), qy.max.clone()) {
                    differ.push(format!(
                        "t{t} ours [{}, {}] TF [{}, {}]",
                        qx.min[0], qx.max[0], qy.min[0], qy.max[0]
                    ));
                    close.push((t, qx.min[0], qy.min[0]));
                    close.push((t, qx.max[0], qy.max[0]));
                    // With TF's values in those places, everything else must be equal.
                    (qx.min, qx.max) = (qy.min.clone(), qy.max.clone());
                }
            }
            eprintln!("cnn_fixed calibrated ranges that differ: {differ:?}");
            assert_eq!(
                (ours.ops[3].code, ours.ops[4].code, ours.ops[5].code),
                (
                    BuiltinOperator::Conv2d,
                    BuiltinOperator::Mul,
                    BuiltinOperator::Add
                )
            );
            let (conv, mul) = (
                ours.ops[3].outputs[0] as usize,
                ours.ops[4].outputs[0] as usize,
            );
            for (t, x, y) in &close {
                if *t != conv && *t != mul {
                    assert!(
                        (x - y).abs() <= 1e-6 * y.abs().max(1.0),
                        "t{t}: {x} vs TF {y}: {differ:?}"
                    );
                }
            }
            assert!(
                differ.iter().any(|d| d.starts_with(&format!("t{conv} "))),
                "{differ:?}"
            );
            assert!(
                differ.iter().any(|d| d.starts_with(&format!("t{mul} "))),
                "{differ:?}"
            );
        }
        same(&ours, &tf, case, &format!("{case}/calibrated"));
        if case == "fixed_mlp" {
            // The file itself (the cnn_fixed graph above carries TF's values in two places).
            let bytes = conv.convert().unwrap();
            let file = format!("modes_{case}_calibrated.tflite");
            std::fs::write(dir.join(&file), &bytes).unwrap();
            let input = format!("{case}/test_x.npy");
            std::fs::write(
                dir.join(file.replace(".tflite", "__ours.npy")),
                outputs(&bytes, &input).1,
            )
            .unwrap();
            let tf_file = format!("{case}/model_calibrated.tflite");
            manifest.push(manifest_entry(
                &format!("modes/{case}/calibrated"),
                &file,
                &tf_file,
                &input,
                true,
            ));
        }
    }
    std::fs::write(
        dir.join("manifest.modes_calibrated.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
}
