//! The bad-input table (`tests/fixtures/bad_inputs/table.json`, also in the README): every
//! row is one bad input to one entry point with the exact message it must get. This runner
//! drives the Rust entry points the JS API calls (natively and, from `tests/web.rs`, in the
//! browser); `tests/js/bad_inputs.test.mjs` runs the same rows through the JS API.
//!
//! Row arguments: files are names under `tests/fixtures/bad_inputs/` (embedded below, so
//! the browser build has them); numbers in `x` / `data` may be the strings `"NaN"`,
//! `"Infinity"`, `"-Infinity"`.

use litequant::converter::TfliteConverter;
use litequant::data::{self, CsvOptions, LabelColumn};
use litequant::interp;
use litequant::nn::config;
use litequant::quant::{IoType, RepresentativeDataset};
use litequant::train::{CompileConfig, FitConfig};
use serde_json::Value;

macro_rules! files {
    ($($name:literal),* $(,)?) => {
        /// Bytes of `tests/fixtures/bad_inputs/<name>`.
        pub fn file(name: &str) -> &'static [u8] {
            match name {
                $($name => include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad_inputs/", $name)),)*
                other => panic!("bad_inputs/{other} is not in the list in tests/common/bad_inputs.rs"),
            }
        }
    };
}

files!(
    "table.json",
    "good_int8.tflite",
    "good_float32.tflite",
    "truncated_3.tflite",
    "truncated_100.tflite",
    "truncated_half.tflite",
    "identifier_tfl2.tflite",
    "root_past_end.tflite",
    "buffer_length_past_end.tflite",
    "buffer_outside_file.tflite",
    "buffer_index_999.tflite",
    "op_input_index_77.tflite",
    "op_one_input.tflite",
    "shape_31_wide.tflite",
    "dims_overflow.tflite",
    "input_too_large.tflite",
    "negative_dim.tflite",
    "reads_unwritten_tensor.tflite",
    "conv2d_v7.tflite",
    "fc_v99.tflite",
    "custom_op.tflite",
    "labels.npy",
    "features.npy",
    "features_big_endian.npy",
    "features_fortran.npy",
    "features_object.npy",
    "features_nan.npy",
    "labels_negative.npy",
    "labels_fraction.npy",
    "ragged.csv",
    "text_in_number.csv",
    "inf_in_csv.csv",
    "label_fraction.csv",
    "tfjs_model.json",
    "tfjs_group1-shard1of1.bin",
    "tfjs_short.bin",
);

/// The table's rows.
pub fn rows() -> Vec<Value> {
    serde_json::from_slice::<Value>(file("table.json")).unwrap()["rows"]
        .as_array()
        .unwrap()
        .clone()
}

fn num(v: &Value) -> f32 {
    match v {
        Value::String(s) => match s.as_str() {
            "NaN" => f32::NAN,
            "Infinity" => f32::INFINITY,
            "-Infinity" => f32::NEG_INFINITY,
            o => panic!("number {o}"),
        },
        v => v.as_f64().unwrap() as f32,
    }
}

fn f32s(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(num).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Runs one row: the error message, or `Err` when the input was accepted.
pub fn run(row: &Value) -> Result<String, String> {
    let a = &row["args"];
    let f = |k: &str| file(a[k].as_str().unwrap());
    let err = |r: Result<(), litequant::Error>| match r {
        Ok(()) => Err("accepted".to_string()),
        Err(e) => Ok(e.to_string()),
    };
    match row["entry"].as_str().unwrap() {
        "Interpreter" => {
            let mut o = interp::InterpreterOptions::default();
            if let Some(b) = a.get("maxTensorBytes") {
                o.max_tensor_bytes = b.as_u64().unwrap() as usize;
            }
            err(
                interp::interpreter_from_tflite_with(f("file"), o).and_then(|mut it| {
                    match a.get("resize") {
                        Some(s) => {
                            let s: Vec<i32> = serde_json::from_value(s.clone()).unwrap();
                            it.resize_input(0, &s)
                        }
                        None => Ok(()),
                    }
                }),
            )
        }
        "TFLiteConverter.fromTflite" => err(TfliteConverter::from_tflite(f("file")).map(|_| ())),
        "loadNpy" => err(match a.get("y") {
            Some(y) => data::load_npy(f("x"), file(y.as_str().unwrap())).map(|_| ()),
            None => data::load_npy_unlabelled(f("x")).map(|_| ()),
        }),
        "loadCsv" => {
            let mut o = CsvOptions::default();
            if a["labelled"] == Value::Bool(false) {
                o.label = LabelColumn::None;
            }
            err(data::load_csv("the CSV file", f("file"), &o).map(|_| ()))
        }
        "Sequential.fromTfjs" => {
            let json = std::str::from_utf8(f("model")).unwrap();
            let shards = litequant::tfjs::Shards::Files(
                a["shards"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(path, name)| (path.clone(), file(name.as_str().unwrap())))
                    .collect(),
            );
            err(litequant::tfjs::load_str(json, &shards).map(|_| ()))
        }
        "Sequential.fromConfig" => err(config::sequential(&a["config"]).map(|_| ())),
        "randomDataset" => {
            let v: Vec<usize> = a["call"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect();
            err(data::random(v[0], v[1], v[2], 0).map(|_| ()))
        }
        "fit" => {
            let mut m = config::sequential(&a["config"]).map_err(|e| e.to_string())?;
            m.compile(CompileConfig::default()).unwrap();
            let y: Vec<i32> = a["y"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap() as i32)
                .collect();
            err(m
                .fit(&f32s(&a["x"]), &y, &FitConfig::default(), &mut |_, _| true)
                .map(|_| ()))
        }
        "convert" => {
            let mut m = config::sequential(&a["config"]).map_err(|e| e.to_string())?;
            if let Some(w) = a.get("weights") {
                let w: Vec<Vec<f32>> = w.as_array().unwrap().iter().map(f32s).collect();
                m.set_weights(&w).map_err(|e| e.to_string())?;
            }
            let mut c = TfliteConverter::from_model(&m).map_err(|e| e.to_string())?;
            let o = &a["options"];
            let r = (|| -> Result<(), litequant::Error> {
                if let Some(v) = o.get("optimizations") {
                    c.options.set_optimizations(&strings(v))?;
                }
                if let Some(v) = o.get("supportedOps") {
                    c.options.set_supported_ops(&strings(v))?;
                }
                if let Some(v) = o.get("supportedTypes") {
                    c.options.set_supported_types(&strings(v))?;
                }
                if let Some(v) = o.get("inferenceInputType") {
                    c.options.inference_input_type = IoType::parse(v.as_str().unwrap())?;
                }
                if let Some(v) = o.get("inferenceOutputType") {
                    c.options.inference_output_type = IoType::parse(v.as_str().unwrap())?;
                }
                if let Some(d) = o.get("representativeDataset") {
                    c.options.representative_dataset = Some(RepresentativeDataset {
                        data: f32s(&d["data"]),
                        shape: d["shape"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_u64().unwrap() as usize)
                            .collect(),
                    });
                }
                c.convert().map(|_| ())
            })();
            err(r)
        }
        other => panic!("entry {other}"),
    }
}

/// Every row gets exactly its message; returns the number of rows.
pub fn check_table() -> usize {
    let rows = rows();
    let mut failed = Vec::new();
    for row in &rows {
        let id = &row["id"];
        match run(row) {
            Ok(m) if m == row["message"].as_str().unwrap() => {}
            Ok(m) => failed.push(format!("row {id}: got\n    {m}")),
            Err(e) => failed.push(format!("row {id}: {e}")),
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} rows differ:\n{}",
        failed.len(),
        rows.len(),
        failed.join("\n")
    );
    rows.len()
}
