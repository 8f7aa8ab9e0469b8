//! The interpreter, the importer and `evaluate` against TensorFlow / LiteRT, as plain
//! functions that panic with every failure: the native tests (`tests/interp_*.rs`,
//! `tests/import_reference.rs`) and the browser tests (`tests/web.rs`) run the same bodies.
//! Fixtures come only through [`fixture`] (embedded), never from the file system.
//!
//! Reference outputs are `*__litert_ref.npy`: ai-edge-litert 2.3.0 with the `BUILTIN_REF`
//! op resolver (see `tests/fixtures/manifest.json`). int8/uint8 outputs must be bit-exact,
//! float32 / float16 / hybrid outputs within [`FLOAT_TOL`].

use super::compare::assert_same_imported_model;
use super::{fixture, variant_options, Case, Variant, CASES};
use litequant::converter::TfliteConverter;
use litequant::graph::{DType, Graph};
use litequant::interp::{self, Interpreter, InterpreterOptions};
use litequant::kernels::RequantMode;
use litequant::tflite;
use serde_json::Value;

pub const FLOAT_TOL: f32 = 1e-5;

/// An `.npy` fixture: shape and values.
pub fn npy<T: npyz::Deserialize>(path: &str) -> (Vec<usize>, Vec<T>) {
    let f = npyz::NpyFile::new(fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let shape = f.shape().iter().map(|&d| d as usize).collect();
    (
        shape,
        f.into_vec::<T>().unwrap_or_else(|e| panic!("{path}: {e}")),
    )
}

/// `.npy` bytes of `data` with `shape` (C order).
pub fn npy_bytes<T: npyz::AutoSerialize + Copy>(data: &[T], shape: &[usize]) -> Vec<u8> {
    use npyz::WriterBuilder;
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    let mut buf = Vec::new();
    let mut w = npyz::WriteOptions::<T>::new()
        .default_dtype()
        .shape(&shape)
        .writer(&mut buf)
        .begin_nd()
        .expect("npy header");
    w.extend(data.iter().copied()).expect("npy data");
    w.finish().expect("npy end");
    buf
}

fn json(path: &str) -> Value {
    serde_json::from_slice(fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Typed tensor data (model inputs and outputs).
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    I8(Vec<i8>),
    U8(Vec<u8>),
}

impl Data {
    /// A fixture array, typed by its own dtype.
    pub fn load(path: &str) -> (Vec<usize>, Data) {
        Self::from_npy(fixture(path), path)
    }

    /// `.npy` bytes (`what` names them in messages), typed by their own dtype.
    pub fn from_npy(bytes: &[u8], what: &str) -> (Vec<usize>, Data) {
        let f = npyz::NpyFile::new(bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        let descr = match f.dtype() {
            npyz::DType::Plain(t) => t.to_string(),
            other => panic!("{what}: dtype {other:?}"),
        };
        let shape = f.shape().iter().map(|&d| d as usize).collect();
        let data = match descr.as_str() {
            "<f4" => Data::F32(f.into_vec().unwrap_or_else(|e| panic!("{what}: {e}"))),
            "|i1" => Data::I8(f.into_vec().unwrap_or_else(|e| panic!("{what}: {e}"))),
            "|u1" => Data::U8(f.into_vec().unwrap_or_else(|e| panic!("{what}: {e}"))),
            d => panic!("{what}: unexpected dtype {d}"),
        };
        (shape, data)
    }

    pub fn len(&self) -> usize {
        match self {
            Data::F32(v) => v.len(),
            Data::I8(v) => v.len(),
            Data::U8(v) => v.len(),
        }
    }

    /// Feeds `self[range]` to input 0; float data for an int8/uint8 input is quantized as
    /// TFLite's QUANTIZE does.
    pub fn set(&self, it: &mut Interpreter, range: std::ops::Range<usize>) {
        match self {
            Data::F32(v) => interp::set_input_from_f32(it, 0, &v[range]),
            Data::I8(v) => it.set_input_i8(0, &v[range]),
            Data::U8(v) => it.set_input_u8(0, &v[range]),
        }
        .unwrap();
    }

    /// Output 0 of `it`, in its own dtype.
    pub fn output(it: &Interpreter) -> Data {
        match it.output_details()[0].dtype {
            DType::F32 => Data::F32(it.output_f32(0).unwrap()),
            DType::I8 => Data::I8(it.output_i8(0).unwrap()),
            DType::U8 => Data::U8(it.output_u8(0).unwrap()),
            d => panic!("unexpected output dtype {d:?}"),
        }
    }

    /// `.npy` bytes of this data with `shape`.
    pub fn to_npy(&self, shape: &[usize]) -> Vec<u8> {
        match self {
            Data::F32(v) => npy_bytes(v, shape),
            Data::I8(v) => npy_bytes(v, shape),
            Data::U8(v) => npy_bytes(v, shape),
        }
    }

    /// Compares `self` with `want[range]`: a failure description or `None`.
    pub fn compare(&self, want: &Data, range: std::ops::Range<usize>) -> Option<String> {
        match (self, want) {
            (Data::F32(got), Data::F32(w)) => {
                let max = got
                    .iter()
                    .zip(&w[range])
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0f32, f32::max);
                (max > FLOAT_TOL || max.is_nan()).then(|| format!("max abs diff {max:e}"))
            }
            (Data::I8(got), Data::I8(w)) => {
                let bad = got.iter().zip(&w[range]).filter(|(a, b)| a != b).count();
                (bad > 0).then(|| format!("{bad} int8 values differ"))
            }
            (Data::U8(got), Data::U8(w)) => {
                let bad = got.iter().zip(&w[range]).filter(|(a, b)| a != b).count();
                (bad > 0).then(|| format!("{bad} uint8 values differ"))
            }
            _ => Some("output dtype differs from the reference".into()),
        }
    }
}

/// A fixture `.tflite` read into a graph.
pub fn graph(model: &str) -> Graph {
    tflite::read(fixture(model)).unwrap_or_else(|e| panic!("{model}: {e}"))
}

/// `g` written and read back (the round trip every reference check also runs on).
pub fn round_trip(g: &Graph) -> Graph {
    let back = tflite::read(&tflite::write(g).expect("write")).expect("read back");
    assert_eq!(&back, g, "write → read changed the graph");
    back
}

fn interpreter(g: Graph, mode: Option<RequantMode>) -> Interpreter {
    match mode {
        Some(m) => Interpreter::with_options(
            g,
            InterpreterOptions {
                fc_requant: m,
                ..Default::default()
            },
        ),
        None => Interpreter::new(g),
    }
    .expect("interpreter")
}

/// The cases of `tests/fixtures/manifest.json` that have LiteRT reference outputs.
pub fn manifest() -> Vec<Value> {
    json("manifest.json")
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("out_litert_ref").and_then(Value::as_str).is_some())
        .cloned()
        .collect()
}

/// Runs one manifest case on `g`: the rows one at a time (batch 1, the file's shape),
/// then all at once through `resize_input`. Returns the failures.
pub fn run_case(case: &Value, g: Graph, mode: Option<RequantMode>, label: &str) -> Vec<String> {
    let s = |k: &str| case[k].as_str().unwrap().to_string();
    let name = format!("{}/{} ({label})", s("case"), s("variant"));
    let mut it = interpreter(g, mode);
    let (in_shape, input) = Data::load(&s("input_npy"));
    let (out_shape, want) = Data::load(&s("out_litert_ref"));
    let (rows, in_w, out_w) = (in_shape[0], in_shape[1], out_shape[1]);
    assert_eq!(out_shape[0], rows, "{name}");
    assert_eq!(it.input_details()[0].shape, vec![1, in_w as i32], "{name}");
    let mut failures = Vec::new();
    for r in 0..rows {
        input.set(&mut it, r * in_w..(r + 1) * in_w);
        it.invoke().unwrap();
        if let Some(f) = Data::output(&it).compare(&want, r * out_w..(r + 1) * out_w) {
            failures.push(format!("{name} row {r} (batch 1): {f}"));
        }
    }
    it.resize_input(0, &[rows as i32, in_w as i32]).unwrap();
    input.set(&mut it, 0..rows * in_w);
    it.invoke().unwrap();
    if let Some(f) = Data::output(&it).compare(&want, 0..rows * out_w) {
        failures.push(format!("{name} (batch {rows}): {f}"));
    }
    failures
}

fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every TF file of the manifest gives LiteRT `BUILTIN_REF`'s outputs, as read and after a
/// write → read round trip.
pub fn check_interpreter_reference_cases() {
    let cases = manifest();
    assert!(cases.len() >= 13, "manifest has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let g = graph(case["model"].as_str().unwrap());
        let rt = round_trip(&g);
        failures.extend(run_case(case, g, None, "as read"));
        failures.extend(run_case(case, rt, None, "round trip"));
    }
    assert_no_failures(&failures);
}

/// Both int8 FULLY_CONNECTED requantization formulas against the oracle: the default
/// must be exact; the other's mismatch count is returned (it documents the choice).
pub fn check_fc_requantization_variants() -> Vec<(RequantMode, usize)> {
    let mut counts = Vec::new();
    for mode in [RequantMode::FixedPoint, RequantMode::Double] {
        let mut failures = Vec::new();
        for case in manifest()
            .iter()
            .filter(|c| c["input_dtype"] != "float32" || c["variant"] == "int8_floatio")
        {
            let g = graph(case["model"].as_str().unwrap());
            failures.extend(run_case(case, g, Some(mode), "as read"));
        }
        if mode == litequant::interp::DEFAULT_FC_REQUANT {
            assert_no_failures(&failures);
        }
        counts.push((mode, failures.len()));
    }
    counts
}

/// Every non-constant tensor of an int8 model equals LiteRT's (the `intermediates/`
/// fixtures), as read and after a round trip.
pub fn check_intermediates(dir: &str, model: &str) {
    let g = graph(model);
    for (label, g) in [("as read", g.clone()), ("round trip", round_trip(&g))] {
        check_intermediates_of(dir, g, label);
    }
}

fn check_intermediates_of(dir: &str, g: Graph, label: &str) {
    let index = json(&format!("{dir}/index.json"));
    let case_dir = dir.split('/').next().unwrap();
    let file = |e: &Value| format!("{case_dir}/{}", e["file"].as_str().unwrap());
    let mut it = interpreter(g, None);
    let entries = index.as_array().unwrap();
    let first = &entries[0];
    assert_eq!(
        first["tensor_index"], 0,
        "{dir}: the graph input comes first"
    );
    let (in_shape, input) = Data::load(&file(first));
    it.resize_input(0, &[in_shape[0] as i32, in_shape[1] as i32])
        .unwrap();
    input.set(&mut it, 0..input.len());
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
        assert_eq!(
            it.tensor_shape(idx).unwrap(),
            &shape[..],
            "{dir} t{idx} ({label})"
        );
        let bad = match e["type"].as_str().unwrap() {
            "INT8" => {
                let want = npy::<i8>(&file(e)).1;
                let got = it.tensor_i8(idx).unwrap();
                (0..want.len()).filter(|&k| got[k] != want[k]).count()
            }
            "FLOAT32" => {
                let want = npy::<f32>(&file(e)).1;
                let got = it.tensor_f32(idx).unwrap();
                (0..want.len())
                    .filter(|&k| got[k].to_bits() != want[k].to_bits())
                    .count()
            }
            t => panic!("{dir}: unexpected type {t}"),
        };
        if bad > 0 {
            failures.push(format!("{dir} t{idx} ({label}): {bad} values differ"));
        }
    }
    assert_no_failures(&failures);
}

/// All `intermediates/` fixtures.
pub fn check_all_intermediates() {
    check_intermediates(
        "fixed_mlp/intermediates/int8",
        "fixed_mlp/model_int8.tflite",
    );
    check_intermediates(
        "fixed_mlp/intermediates/int8_floatio",
        "fixed_mlp/model_int8_floatio.tflite",
    );
    check_intermediates(
        "fixed_edge/intermediates/int8",
        "fixed_edge/model_int8.tflite",
    );
}

// ---- oracle inputs and our outputs -----------------------------------------------------

/// The input the oracle feeds a case's files (fixture path) and LiteRT's saved outputs for
/// TF's file of that variant, when the fixtures have them: the reference test inputs, else
/// the case's calibration rows (the seed).
pub fn oracle_io(case: &Case, variant: &str) -> (String, Option<String>) {
    let reference = json("manifest.json");
    let entry = reference
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["case"] == case.name && e["variant"] == variant);
    match entry {
        Some(e) => (
            e["input_npy"].as_str().unwrap().to_string(),
            e["out_litert_ref"].as_str().map(str::to_string),
        ),
        None => (case.calib.to_string(), None),
    }
}

/// Our interpreter's output 0 for every row of the fixture `input` (one batch; float
/// rows are quantized for int8/uint8 inputs), with its shape.
pub fn our_outputs(model: &[u8], input: &str) -> (Vec<usize>, Data) {
    let (shape, x) = Data::load(input);
    our_outputs_for(model, &shape, &x)
}

/// [`our_outputs`] for rows already loaded (`shape[0]` rows of `x`).
pub fn our_outputs_for(model: &[u8], shape: &[usize], x: &Data) -> (Vec<usize>, Data) {
    let mut it = Interpreter::new(tflite::read(model).expect("read")).expect("interpreter");
    let mut dims: Vec<i32> = it.input_details()[0].shape.clone();
    dims[0] = shape[0] as i32;
    it.resize_input(0, &dims).unwrap();
    x.set(&mut it, 0..x.len());
    it.invoke().unwrap();
    let out_shape = it
        .tensor_shape(it.output_details()[0].index)
        .unwrap()
        .iter()
        .map(|&d| d as usize)
        .collect();
    (out_shape, Data::output(&it))
}

/// [`our_outputs`] as `.npy` bytes (the manifest's `ours_npy`).
pub fn our_outputs_npy(model: &[u8], input: &str) -> Vec<u8> {
    let (shape, out) = our_outputs(model, input);
    out.to_npy(&shape)
}

// ---- import: TF's float32 files through our converter ----------------------------------

/// One file converted from TF's float32 file of a case.
pub struct Imported {
    pub case: &'static Case,
    pub variant: &'static Variant,
    pub bytes: Vec<u8>,
}

/// `fromTflite(TF's float32 file)` with every variant's options: each result equals TF's
/// own file of that variant (structure, params, weights, biases, fp16 values) and gives
/// the same outputs in our interpreter, bit for bit. Returns the files (for the oracle).
pub fn check_import_matches_tensorflow() -> Vec<Imported> {
    let mut out = Vec::new();
    for case in CASES {
        let float_file = case
            .variants
            .iter()
            .find(|v| v.name == "float32")
            .expect("float32 variant")
            .tf_file;
        for v in case.variants {
            let ctx = format!("import {}/{}", case.name, v.name);
            let mut conv = TfliteConverter::from_tflite(fixture(float_file))
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            conv.options = variant_options(case, v.name);
            let ours = conv
                .convert_graph(|_, _| {})
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            let tf = graph(v.tf_file);
            assert_same_imported_model(&ours, &tf, &ctx);
            let bytes = tflite::write(&ours).unwrap();
            assert_eq!(bytes, conv.convert().unwrap(), "{ctx}: deterministic");
            let (input, _) = oracle_io(case, v.name);
            let (s1, a) = our_outputs(&bytes, &input);
            let (s2, b) = our_outputs(fixture(v.tf_file), &input);
            assert_eq!(s1, s2, "{ctx}: output shape");
            assert_eq!(a, b, "{ctx}: outputs of ours vs TF's file");
            out.push(Imported {
                case,
                variant: v,
                bytes,
            });
        }
    }
    assert_eq!(out.len(), 19);
    out
}

/// What `fromTflite` refuses, and how it says so.
pub fn check_import_rejections() {
    let err = |bytes: &[u8]| match TfliteConverter::from_tflite(bytes) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    for file in [
        "fixed_mlp/model_int8.tflite",
        "fixed_mlp/model_uint8io.tflite",
        "fixed_mlp/model_int8_floatio.tflite",
        "fixed_mlp/model_dynamic.tflite",
        "fixed_mlp/model_fp16.tflite",
    ] {
        let e = err(fixture(file));
        assert!(
            e.contains("takes a float32 model") && e.contains("already quantized"),
            "{file}: {e}"
        );
    }
    // An op the registry does not define is named with its code, version and index, and
    // every such op of the file is listed at once.
    let mut g = graph("fixed_mlp/model_float32.tflite");
    let x = g.inputs[0];
    for name in ["a", "b"] {
        let s = g.add_tensor(litequant::graph::Tensor::activation(
            name,
            DType::F32,
            vec![1, 32],
        ));
        g.ops.insert(
            0,
            litequant::graph::Op::new(
                litequant::graph::BuiltinOperator::Rfft2d,
                None,
                vec![x as i32],
                vec![s as i32],
            ),
        );
    }
    let e = err(&tflite::write(&g).unwrap());
    assert!(
        e.contains(
            "operator RFFT2D (builtin code 131, version 1) at op index 0 is not supported; \
             operator RFFT2D (builtin code 131, version 1) at op index 1 is not supported"
        ),
        "{e}"
    );
    // A file too short to be a flatbuffer fails in the reader.
    assert!(err(&[0; 7]).contains("too short"));
}

// ---- evaluate: accuracy on the digits test set -----------------------------------------

/// Accuracy of the digits MLP on the 360 held-out digits, for TF's files and ours (from the
/// Keras-style model and imported from TF's float32 file), equals `accuracy.json`; the
/// argmax agreement with Keras' float outputs too (int8: 359/360). Our quantization of the
/// float test rows for the int8 file equals LiteRT's (`test_x_int8_int8.npy`).
pub fn check_digits_accuracy() {
    let acc = json("accuracy.json")["digits_mlp"].clone();
    let (xs, x) = npy::<f32>("digits_data/test_x.npy");
    let (_, y) = npy::<i32>("digits_data/test_y.npy");
    assert_eq!(xs, vec![360, 64]);
    let (_, keras) = npy::<f32>("digits_mlp/out_keras_float.npy");
    let keras_argmax: Vec<u32> = keras.chunks_exact(10).map(argmax).collect();
    let case = CASES.iter().find(|c| c.name == "digits_mlp").unwrap();
    let model = super::case_model(case);
    let float_file = fixture("digits_mlp/model_float32.tflite");
    for v in case.variants {
        let ours_keras = {
            let mut c = TfliteConverter::from_model(&model).unwrap();
            c.options = variant_options(case, v.name);
            c.convert().unwrap()
        };
        let ours_import = {
            let mut c = TfliteConverter::from_tflite(float_file).unwrap();
            c.options = variant_options(case, v.name);
            c.convert().unwrap()
        };
        let want_acc = acc[format!("{}__litert_ref", v.name)].as_f64().unwrap();
        let want_agree = acc[format!("agreement_with_keras_argmax:{}", v.name)]
            .as_f64()
            .unwrap();
        for (who, bytes) in [
            ("TF's file", fixture(v.tf_file)),
            ("ours (Keras-style model)", &ours_keras[..]),
            ("ours (fromTflite)", &ours_import[..]),
        ] {
            let r = interp::evaluate_tflite(bytes, &x, &y).unwrap();
            assert_eq!(r.n, 360, "{} {who}", v.name);
            assert_eq!(r.accuracy, want_acc, "{} {who}: accuracy", v.name);
            let agree = r
                .predictions
                .iter()
                .zip(&keras_argmax)
                .filter(|(a, b)| a == b)
                .count();
            assert_eq!(
                agree as f64 / 360.0,
                want_agree,
                "{} {who}: agreement with Keras' argmax ({agree}/360)",
                v.name
            );
            assert!(r.loss.is_some_and(|l| l.is_finite() && l > 0.0));
        }
    }
    assert_eq!(
        acc["agreement_with_keras_argmax:int8"].as_f64().unwrap(),
        359.0 / 360.0
    );
    // Input quantization as TFLite's QUANTIZE: our int8 rows equal LiteRT's.
    let mut it = Interpreter::new(graph("digits_mlp/model_int8.tflite")).unwrap();
    it.resize_input(0, &[360, 64]).unwrap();
    interp::set_input_from_f32(&mut it, 0, &x).unwrap();
    let (_, want) = npy::<i8>("digits_mlp/test_x_int8_int8.npy");
    assert_eq!(it.tensor_i8(it.input_details()[0].index).unwrap(), want);
}

fn argmax(row: &[f32]) -> u32 {
    let mut best = 0;
    for (j, &v) in row.iter().enumerate().skip(1) {
        if v > row[best] {
            best = j;
        }
    }
    best as u32
}

/// `evaluate` rejects data that does not fit the model, with messages that say so.
pub fn check_evaluate_errors() {
    let bytes = fixture("digits_mlp/model_int8.tflite");
    let e = |x: &[f32], y: &[i32]| {
        interp::evaluate_tflite(bytes, x, y)
            .unwrap_err()
            .to_string()
    };
    assert!(e(&[0.0; 64], &[]).contains("no labels"));
    let m = e(&[0.0; 63], &[1]);
    assert!(m.contains("64") && m.contains("63"), "{m}");
    let m = e(&[0.0; 64], &[10]);
    assert!(m.contains("label 10") && m.contains("0..10"), "{m}");
    let m = e(&[0.0; 64], &[-1]);
    assert!(m.contains("label -1"), "{m}");
}

// ---- bad files: every problem is an error that says what and where, never a panic ------

fn load_err(bytes: &[u8]) -> String {
    match interp::interpreter_from_tflite(bytes) {
        Ok(_) => panic!("a bad file was accepted"),
        Err(e) => e.to_string(),
    }
}

/// The fixed_mlp int8 file re-serialized after `edit` changes its object-API form.
pub fn edited(edit: impl FnOnce(&mut fb::Model)) -> Vec<u8> {
    use planus::ReadAsRoot;
    let mut m: fb::Model = fb::ModelRef::read_as_root(fixture("fixed_mlp/model_int8.tflite"))
        .unwrap()
        .try_into()
        .unwrap();
    edit(&mut m);
    tflite::serialize_model(&m)
}

pub fn sg0(m: &mut fb::Model) -> &mut fb::SubGraph {
    &mut m.subgraphs.as_mut().unwrap()[0]
}

use litequant::tflite::schema_generated::tflite as fb;

/// Malformed files through `interpreter_from_tflite` (what `new Interpreter(bytes)` runs).
pub fn check_bad_files() {
    let good = fixture("fixed_mlp/model_int8.tflite");
    assert!(interp::interpreter_from_tflite(&edited(|_| {})).is_ok());
    // Truncated: every prefix.
    for n in 0..good.len() {
        assert!(interp::interpreter_from_tflite(&good[..n]).is_err(), "{n}");
    }
    assert!(load_err(&good[..3]).contains("too short"));
    // Wrong identifier.
    let mut b = good.to_vec();
    b[4..8].copy_from_slice(b"TFL2");
    let e = load_err(&b);
    assert!(
        e.contains("'TFL2', expected 'TFL3'") && e.contains("offset 4"),
        "{e}"
    );
    // Failed verification: the root offset points past the end.
    let mut b = good.to_vec();
    b[0..4].copy_from_slice(&(good.len() as u32 + 64).to_le_bytes());
    let e = load_err(&b);
    assert!(e.contains("malformed") && e.contains("model root"), "{e}");
    // A buffer whose declared length runs past the end of the file: the u32 length
    // prefix of the first FC's weight bytes.
    let g = graph("fixed_mlp/model_int8.tflite");
    let w = g.tensors[g.ops[0].inputs[1] as usize].data.clone().unwrap();
    let at = good
        .windows(w.len())
        .position(|win| win == &w[..])
        .expect("weights in file");
    let mut b = good.to_vec();
    b[at - 4..at].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    let e = load_err(&b);
    assert!(e.contains("malformed") && e.contains("buffer"), "{e}");
    // A buffer stored outside the flatbuffer (offset/size beyond the file).
    let e = load_err(&edited(|m| {
        let b = &mut m.buffers.as_mut().unwrap()[2];
        b.data = None;
        b.offset = 1 << 40;
        b.size = 1 << 30;
    }));
    assert!(e.contains("outside the flatbuffer"), "{e}");
    // Buffer and tensor indices out of range.
    let e = load_err(&edited(|m| {
        sg0(m).tensors.as_mut().unwrap()[1].buffer = 999
    }));
    assert!(e.contains("buffer index 999 out of range"), "{e}");
    let e = load_err(&edited(|m| {
        sg0(m).operators.as_mut().unwrap()[0].inputs = Some(vec![0, 77, -1])
    }));
    assert!(
        e.contains("operator 0 (FULLY_CONNECTED)") && e.contains("tensor index 77"),
        "{e}"
    );
    // Operator input count wrong for its op.
    let e = load_err(&edited(|m| {
        sg0(m).operators.as_mut().unwrap()[0].inputs = Some(vec![0])
    }));
    assert!(
        e.contains("op 0 (FULLY_CONNECTED") && e.contains("input"),
        "{e}"
    );
    // Shapes that disagree: the input row is 31 wide, the weights expect 32.
    let e = load_err(&edited(|m| {
        let t = &mut sg0(m).tensors.as_mut().unwrap()[0];
        t.shape = Some(vec![1, 31]);
        t.shape_signature = Some(vec![-1, 31]);
    }));
    assert!(
        e.contains("op 0 (FULLY_CONNECTED") && e.contains("31"),
        "{e}"
    );
    // Dims whose product overflows, and an input far larger than the file implies.
    let e = load_err(&edited(|m| {
        sg0(m).tensors.as_mut().unwrap()[0].shape = Some(vec![i32::MAX, i32::MAX, i32::MAX, 4])
    }));
    assert!(e.contains("more bytes than fit"), "{e}");
    let e = load_err(&edited(|m| {
        let t = &mut sg0(m).tensors.as_mut().unwrap()[0];
        t.shape = Some(vec![1 << 20, 1 << 10]);
        t.shape_signature = None;
    }));
    assert!(
        e.contains("graph input 0") && e.contains("bytes for a"),
        "{e}"
    );
    // An op this build cannot run: name and version.
    let e = load_err(&edited(|m| {
        let c = &mut m.operator_codes.as_mut().unwrap()[0];
        c.builtin_code = fb::BuiltinOperator::Conv2d;
        c.deprecated_builtin_code = 3;
        c.version = 7;
    }));
    assert!(e.contains("CONV_2D") && e.contains("version 7"), "{e}");
    // Supported op, version from the future.
    let e = load_err(&edited(|m| {
        m.operator_codes.as_mut().unwrap()[0].version = 99
    }));
    assert!(e.contains("FULLY_CONNECTED") && e.contains("99"), "{e}");
}

/// Wrong data for an input, and shapes no memory can hold, through the interpreter API.
pub fn check_bad_tensor_data() {
    let mut it = interp::interpreter_from_tflite(fixture("fixed_mlp/model_int8.tflite")).unwrap();
    let name = it.input_details()[0].name.clone();
    let e = it.set_input_f32(0, &[0.0; 32]).unwrap_err().to_string();
    assert!(
        e.contains(&name) && e.contains("is int8") && e.contains("got float32"),
        "{e}"
    );
    let e = it.set_input_u8(0, &[0; 32]).unwrap_err().to_string();
    assert!(e.contains("got uint8"), "{e}");
    let e = it.set_input_i8(0, &[0; 33]).unwrap_err().to_string();
    assert!(
        e.contains(&name) && e.contains("expects 32") && e.contains("got 33"),
        "{e}"
    );
    // The dynamic batch is accepted up to a size limit; past it, an error (not an
    // allocation failure).
    let e = it.resize_input(0, &[i32::MAX, 32]).unwrap_err().to_string();
    assert!(
        e.contains("input 0 (tensor 0") && e.contains("over the maxTensorBytes limit of 536870912"),
        "{e}"
    );
    assert!(it.resize_input(0, &[3, 31]).is_err());
    assert!(it.resize_input(1, &[3, 32]).is_err());
    // Still usable afterwards, at the shape it had.
    it.set_input_i8(0, &[1; 32]).unwrap();
    it.invoke().unwrap();
    assert_eq!(it.output_i8(0).unwrap().len(), 10);
    // The budget is an option (`maxTensorBytes`): a batch of 100 rows (3200 input bytes,
    // 6400 for the 64-wide hidden tensor) fits the default and not 5000 bytes, where the
    // error names the tensor over it and says how to raise the limit; nothing is allocated.
    let opts = |b| interp::InterpreterOptions {
        max_tensor_bytes: b,
        ..Default::default()
    };
    let bytes = fixture("fixed_mlp/model_int8.tflite");
    let mut it = interp::interpreter_from_tflite_with(bytes, opts(5000)).unwrap();
    let e = it.resize_input(0, &[100, 32]).unwrap_err().to_string();
    assert!(
        e.contains("output tensor")
            && e.contains("6400 bytes")
            && e.contains("limit of 5000 bytes")
            && e.contains("new Interpreter(bytes, {maxTensorBytes: …})"),
        "{e}"
    );
    let e = it.resize_input(0, &[200, 32]).unwrap_err().to_string();
    assert!(e.contains("input 0") && e.contains("6400 bytes"), "{e}");
    let mut it = interp::interpreter_from_tflite_with(bytes, opts(6400)).unwrap();
    it.resize_input(0, &[100, 32]).unwrap();
    it.set_input_i8(0, &[1; 3200]).unwrap();
    it.invoke().unwrap();
    assert_eq!(it.output_i8(0).unwrap().len(), 1000);
}
