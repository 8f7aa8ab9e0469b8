//! The interpreter against LiteRT's reference kernels (`*__litert_ref.npy`, produced by
//! ai-edge-litert 2.3.0 with `BUILTIN_REF`; see tests/fixtures and the generating script
//! `gen_refs.py` kept with the reference data).
//!
//! For every case in `tests/fixtures/manifest.json`: the input rows are fed one at a time
//! (batch 1) and once as a whole batch through `resize_input`. int8/uint8 outputs must be
//! bit-exact, float32/float16/hybrid outputs within 1e-5. The `intermediates/` fixtures
//! (every non-constant tensor of the int8 models) must match exactly.

use litequant::graph::DType;
use litequant::interp::{Interpreter, InterpreterOptions};
use litequant::kernels::RequantMode;
use serde_json::Value;
use std::path::PathBuf;

const FLOAT_TOL: f32 = 1e-5;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

fn read_bytes(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// An `.npy` array: shape and values.
struct Npy<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

fn npy<T: npyz::Deserialize>(rel: &str) -> Npy<T> {
    let bytes = read_bytes(rel);
    let f = npyz::NpyFile::new(&bytes[..]).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let shape = f.shape().iter().map(|&d| d as usize).collect();
    let data = f.into_vec::<T>().unwrap_or_else(|e| panic!("{rel}: {e}"));
    Npy { shape, data }
}

fn interpreter(model: &str, mode: Option<RequantMode>) -> Interpreter {
    let graph =
        litequant::tflite::read(&read_bytes(model)).unwrap_or_else(|e| panic!("{model}: {e}"));
    let r = match mode {
        Some(m) => Interpreter::with_options(graph, InterpreterOptions { fc_requant: m }),
        None => Interpreter::new(graph),
    };
    r.unwrap_or_else(|e| panic!("{model}: {e}"))
}

/// Typed input rows and expected outputs of one manifest case.
enum Data {
    F32(Vec<f32>),
    I8(Vec<i8>),
    U8(Vec<u8>),
}

impl Data {
    fn load(rel: &str, dtype: &str) -> (Vec<usize>, Data) {
        match dtype {
            "float32" => {
                let a = npy::<f32>(rel);
                (a.shape, Data::F32(a.data))
            }
            "int8" => {
                let a = npy::<i8>(rel);
                (a.shape, Data::I8(a.data))
            }
            "uint8" => {
                let a = npy::<u8>(rel);
                (a.shape, Data::U8(a.data))
            }
            d => panic!("{rel}: unexpected dtype {d}"),
        }
    }
    fn set(&self, it: &mut Interpreter, range: std::ops::Range<usize>) {
        match self {
            Data::F32(v) => it.set_input_f32(0, &v[range]),
            Data::I8(v) => it.set_input_i8(0, &v[range]),
            Data::U8(v) => it.set_input_u8(0, &v[range]),
        }
        .unwrap();
    }
}

/// Compares `got` with `want[range]`: returns a failure description or None.
fn compare(it: &Interpreter, want: &Data, range: std::ops::Range<usize>) -> Option<String> {
    match want {
        Data::F32(w) => {
            let got = it.output_f32(0).unwrap();
            let max = got
                .iter()
                .zip(&w[range])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            (max > FLOAT_TOL || max.is_nan()).then(|| format!("max abs diff {max:e}"))
        }
        Data::I8(w) => {
            let got = it.output_i8(0).unwrap();
            let bad = got.iter().zip(&w[range]).filter(|(a, b)| a != b).count();
            (bad > 0).then(|| format!("{bad} int8 values differ"))
        }
        Data::U8(w) => {
            let got = it.output_u8(0).unwrap();
            let bad = got.iter().zip(&w[range]).filter(|(a, b)| a != b).count();
            (bad > 0).then(|| format!("{bad} uint8 values differ"))
        }
    }
}

fn output_dtype(it: &Interpreter) -> &'static str {
    match it.output_details()[0].dtype {
        DType::F32 => "float32",
        DType::I8 => "int8",
        DType::U8 => "uint8",
        d => panic!("unexpected output dtype {d:?}"),
    }
}

/// Runs one manifest case; returns failures.
fn run_case(case: &Value, mode: Option<RequantMode>) -> Vec<String> {
    let s = |k: &str| case[k].as_str().unwrap().to_string();
    let name = format!("{}/{}", s("case"), s("variant"));
    let mut it = interpreter(&s("model"), mode);
    let (in_shape, input) = Data::load(&s("input_npy"), &s("input_dtype"));
    let (out_shape, want) = Data::load(&s("out_litert_ref"), output_dtype(&it));
    let (rows, in_w, out_w) = (in_shape[0], in_shape[1], out_shape[1]);
    assert_eq!(out_shape[0], rows, "{name}");
    let mut failures = Vec::new();
    // One row at a time (batch 1, the shape in the file).
    assert_eq!(it.input_details()[0].shape, vec![1, in_w as i32], "{name}");
    for r in 0..rows {
        input.set(&mut it, r * in_w..(r + 1) * in_w);
        it.invoke().unwrap();
        if let Some(f) = compare(&it, &want, r * out_w..(r + 1) * out_w) {
            failures.push(format!("{name} row {r} (batch 1): {f}"));
        }
    }
    // The whole set as one batch.
    it.resize_input(0, &[rows as i32, in_w as i32]).unwrap();
    input.set(&mut it, 0..rows * in_w);
    it.invoke().unwrap();
    if let Some(f) = compare(&it, &want, 0..rows * out_w) {
        failures.push(format!("{name} (batch {rows}): {f}"));
    }
    failures
}

fn manifest() -> Vec<Value> {
    let m: Value = serde_json::from_slice(&read_bytes("manifest.json")).unwrap();
    m.as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("out_litert_ref").and_then(Value::as_str).is_some())
        .cloned()
        .collect()
}

#[test]
fn every_manifest_case_matches_litert_reference() {
    let cases = manifest();
    assert!(
        cases.len() >= 13,
        "manifest has {} cases with outputs",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        failures.extend(run_case(case, None));
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Both int8 FC requantization formulas, counted against the oracle; the default one
/// must be exact. Prints the other's mismatches (it documents why the default is what it
/// is).
#[test]
fn fc_requantization_variants() {
    for mode in [RequantMode::FixedPoint, RequantMode::Double] {
        let mut failures = Vec::new();
        for case in manifest()
            .iter()
            .filter(|c| c["input_dtype"] != "float32" || c["variant"] == "int8_floatio")
        {
            failures.extend(run_case(case, Some(mode)));
        }
        println!("{mode:?}: {} failures {failures:?}", failures.len());
        if mode == litequant::interp::DEFAULT_FC_REQUANT {
            assert!(failures.is_empty(), "{mode:?}: {failures:#?}");
        }
    }
}

fn check_intermediates(dir: &str, model: &str) {
    let index: Value = serde_json::from_slice(&read_bytes(&format!("{dir}/index.json"))).unwrap();
    let case_dir = dir.split('/').next().unwrap();
    let mut it = interpreter(model, None);
    let entries = index.as_array().unwrap();
    // Tensor 0 (the graph input) comes first in every index.
    let first = &entries[0];
    assert_eq!(first["tensor_index"], 0);
    let file = |e: &Value| format!("{case_dir}/{}", e["file"].as_str().unwrap());
    let (in_shape, input) = Data::load(
        &file(first),
        if first["type"] == "INT8" {
            "int8"
        } else {
            "float32"
        },
    );
    it.resize_input(0, &[in_shape[0] as i32, in_shape[1] as i32])
        .unwrap();
    input.set(&mut it, 0..in_shape[0] * in_shape[1]);
    it.invoke().unwrap();
    let mut failures = Vec::new();
    for e in entries {
        let idx = e["tensor_index"].as_u64().unwrap() as usize;
        let shape: Vec<i32> = e["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_i64().unwrap() as i32)
            .collect();
        assert_eq!(it.tensor_shape(idx).unwrap(), &shape[..], "{dir} t{idx}");
        match e["type"].as_str().unwrap() {
            "INT8" => {
                let want = npy::<i8>(&file(e)).data;
                let got = it.tensor_i8(idx).unwrap();
                let bad: Vec<usize> = (0..want.len()).filter(|&k| got[k] != want[k]).collect();
                if !bad.is_empty() {
                    failures.push(format!(
                        "{dir} t{idx}: {} of {} differ, first at {} (got {} want {})",
                        bad.len(),
                        want.len(),
                        bad[0],
                        got[bad[0]],
                        want[bad[0]]
                    ));
                }
            }
            "FLOAT32" => {
                let want = npy::<f32>(&file(e)).data;
                let got = it.tensor_f32(idx).unwrap();
                let bad = (0..want.len())
                    .filter(|&k| got[k].to_bits() != want[k].to_bits())
                    .count();
                if bad > 0 {
                    failures.push(format!("{dir} t{idx}: {bad} float32 values differ"));
                }
            }
            t => panic!("{dir}: unexpected type {t}"),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn fixed_mlp_int8_intermediates_are_exact() {
    check_intermediates(
        "fixed_mlp/intermediates/int8",
        "fixed_mlp/model_int8.tflite",
    );
}

#[test]
fn fixed_mlp_int8_floatio_intermediates_are_exact() {
    check_intermediates(
        "fixed_mlp/intermediates/int8_floatio",
        "fixed_mlp/model_int8_floatio.tflite",
    );
}

#[test]
fn fixed_edge_int8_intermediates_are_exact() {
    check_intermediates(
        "fixed_edge/intermediates/int8",
        "fixed_edge/model_int8.tflite",
    );
}

#[test]
fn details_of_a_quantized_model() {
    let it = interpreter("fixed_mlp/model_uint8io.tflite", None);
    let i = &it.input_details()[0];
    assert_eq!(
        (i.dtype, i.shape.clone(), i.shape_signature.clone()),
        (DType::U8, vec![1, 32], vec![-1, 32])
    );
    assert_eq!(
        (i.scale.clone(), i.zero_point.clone()),
        (vec![0.024_173_86], vec![108]) // f32 0.024173859506845474
    );
    let o = &it.output_details()[0];
    assert_eq!(
        (o.dtype, o.scale.clone(), o.zero_point.clone()),
        (DType::U8, vec![0.00390625], vec![0])
    );
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let mut it = interpreter("fixed_mlp/model_int8.tflite", None);
    let e = it.set_input_f32(0, &[0.0; 32]).unwrap_err().to_string();
    assert!(e.contains("int8") && e.contains("float32"), "{e}");
    let e = it.set_input_i8(0, &[0; 31]).unwrap_err().to_string();
    assert!(e.contains("expects 32") && e.contains("got 31"), "{e}");
    assert!(it.resize_input(0, &[2, 31]).is_err());
    assert!(it.resize_input(0, &[2]).is_err());
    // The interpreter still works after the rejected resizes.
    it.set_input_i8(0, &[0; 32]).unwrap();
    it.invoke().unwrap();
    assert_eq!(it.output_i8(0).unwrap().len(), 10);
}
