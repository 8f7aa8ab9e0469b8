//! The public-report cases (`tests/fixtures/public_reports/`, `bias_fold/`,
//! `converter_decisions.json`): small inputs on which litequant once differed from
//! TensorFlow 2.21. Each input is converted here and held to the file TensorFlow wrote
//! (`common::compare`: ops, versions, types, shapes, scales and zero points bit for bit,
//! constants bit for bit, metadata) and, where LiteRT ran it, to LiteRT's outputs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::compare::{assert_same_imported_model, assert_same_model};
use common::keras;
use litequant::converter::TfliteConverter;
use litequant::graph::lower::LowerOptions;
use litequant::graph::{DType, Graph};
use litequant::interp::Interpreter;
use litequant::quant::{ConverterOptions, IoType, Mode, RepresentativeDataset};
use litequant::tflite;
use serde_json::Value;

fn read(case: &str, file: &str) -> Vec<u8> {
    let p = keras::case_dir(case).join(file);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn tf_file(case: &str, variant: &str) -> Graph {
    tflite::read(&read(case, &format!("model_{variant}.tflite"))).unwrap()
}

/// The case's Keras model, lowered (BatchNormalization with TF's CPU rsqrt values, found
/// from its float32 file as `lower_reference` does: they differ from the correctly rounded
/// ones in the last bit, in some channels).
fn converter(case: &str) -> TfliteConverter {
    let model = keras::model(case).unwrap_or_else(|e| panic!("{case}: {e}"));
    let bn_rsqrt = if keras::bn_layers(case).is_empty() {
        Default::default()
    } else {
        keras::tf_rsqrt(case, &tf_file(case, "float32")).0
    };
    let opts = LowerOptions {
        model_name: Some(keras::model_name(case)),
        bn_rsqrt,
    };
    TfliteConverter::from_model_with(&model, &opts).unwrap()
}

fn calib(case: &str) -> RepresentativeDataset {
    let (data, shape) = keras::npy_file(&keras::case_dir(case).join("calib.npy"));
    RepresentativeDataset { data, shape }
}

/// The options of a TF variant name (`float32`, `fp16`, `dynamic`, `int8`, `int8_floatio`).
fn options(case: &str, variant: &str) -> ConverterOptions {
    let mut o = ConverterOptions::default();
    let full = |o: &mut ConverterOptions, io| {
        o.optimize = true;
        o.representative_dataset = Some(calib(case));
        o.set_supported_ops(&["TFLITE_BUILTINS_INT8".into()])
            .unwrap();
        o.inference_input_type = io;
        o.inference_output_type = io;
    };
    match variant {
        "float32" => {}
        "dynamic" => o.optimize = true,
        "fp16" => {
            o.optimize = true;
            o.set_supported_types(&["float16".into()]).unwrap();
        }
        "int8" => full(&mut o, IoType::Int8),
        "int8_floatio" => full(&mut o, IoType::Float32),
        v => panic!("variant {v}"),
    }
    o
}

fn convert(case: &str, variant: &str) -> Result<Graph, String> {
    let mut c = converter(case);
    c.options = options(case, variant);
    c.convert_graph(|_, _| {}).map_err(|e| e.to_string())
}

/// Runs a float-io graph on `x` (`[rows, features]`) one row at a time.
fn run_f32(g: &Graph, x: &[f32], features: usize) -> Vec<f32> {
    let mut it = Interpreter::new(g.clone()).unwrap();
    let mut out = Vec::new();
    for row in x.chunks_exact(features) {
        it.set_input_f32(0, row).unwrap();
        it.invoke().unwrap();
        out.extend(it.output_f32(0).unwrap());
    }
    out
}

fn same_bits(ours: &[f32], want: &[f32], ctx: &str) {
    let b = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(b(ours), b(want), "{ctx}: ours {ours:?}, LiteRT {want:?}");
}

/// The FLOAT16 constants of `g`, as bits.
fn f16_bits(g: &Graph) -> Vec<Vec<u16>> {
    g.tensors
        .iter()
        .filter(|t| t.dtype == DType::F16 && t.data.is_some())
        .map(|t| {
            t.data
                .as_ref()
                .unwrap()
                .chunks_exact(2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .collect()
        })
        .collect()
}

/// `ours` equals TF's file for `case`/`variant`, and its outputs on the case's test inputs
/// are LiteRT BUILTIN_REF's on TF's file, bit for bit.
fn equals_tf(case: &str, variant: &str, ours: &Graph) {
    assert_same_model(ours, &tf_file(case, variant), &format!("{case}/{variant}"));
    let (x, shape) = keras::npy_file(&keras::case_dir(case).join("test_x.npy"));
    let (want, _) =
        keras::npy_file(&keras::case_dir(case).join(format!("out_{variant}__litert_ref.npy")));
    same_bits(
        &run_f32(ours, &x, shape[1]),
        &want,
        &format!("{case}/{variant}"),
    );
}

/// Case 1 (and 1b, the values around the half range): float16 constants beyond ±65504 are
/// clamped to ±`0x7BFF`, never inf; NaN stays NaN — from a Keras model and from
/// `fromTflite` alike; LiteRT's outputs on TF's file are ours.
#[test]
fn case1_float16_constants_are_clamped() {
    for case in ["public_reports/case1", "public_reports/case1b"] {
        for variant in ["float32", "fp16"] {
            let ours = convert(case, variant).unwrap();
            equals_tf(case, variant, &ours);
        }
        let mut imported =
            TfliteConverter::from_tflite(&read(case, "model_float32.tflite")).unwrap();
        imported.options = options(case, "fp16");
        let ours = imported.convert_graph(|_, _| {}).unwrap();
        assert_same_imported_model(
            &ours,
            &tf_file(case, "fp16"),
            &format!("{case}/fromTflite fp16"),
        );
    }
    // The listed input: kernel 1e5 and bias 7e4 are both 0x7BFF; x = 1 gives 131008.
    let g = convert("public_reports/case1", "fp16").unwrap();
    let mut bits = f16_bits(&g);
    bits.sort();
    assert_eq!(bits, vec![vec![0x7BFF], vec![0x7BFF]]);
    assert_eq!(run_f32(&g, &[1.0, 0.0], 1), vec![131008.0, 65504.0]);
    let one = |v: f32| litequant::quant::f16_saturating(v).to_bits();
    assert_eq!(
        [
            65504.0,
            65519.0,
            65520.0,
            1e5,
            -1e5,
            f32::INFINITY,
            f32::NEG_INFINITY
        ]
        .map(one),
        [0x7BFF, 0x7BFF, 0x7BFF, 0x7BFF, 0xFBFF, 0x7BFF, 0xFBFF]
    );
    assert!(litequant::quant::f16_saturating(f32::NAN).is_nan());
}

/// Case 2: NaN in the representative dataset is skipped value by value: TF's int8 files
/// (input scale 0.019607844 zp −77 from the range [−1, 4]; output 0.005882353 zp −128).
#[test]
fn case2_nan_in_calibration_is_skipped() {
    let case = "public_reports/case2";
    assert!(
        calib(case).data.iter().any(|v| v.is_nan()),
        "the fixture holds a NaN"
    );
    for variant in ["float32", "int8", "int8_floatio"] {
        let ours = convert(case, variant).unwrap_or_else(|e| panic!("{variant}: {e}"));
        assert_same_model(&ours, &tf_file(case, variant), &format!("{case}/{variant}"));
    }
    let g = convert(case, "int8").unwrap();
    let q = |t: usize| g.tensors[t].quant.clone().unwrap();
    let (i, o) = (q(g.inputs[0]), q(g.outputs[0]));
    assert_eq!((i.scale[0], i.zero_point[0]), (0.019607844, -77));
    assert_eq!((o.scale[0], o.zero_point[0]), (0.005882353, -128));
}

fn refusal(data: Vec<f32>, rows: usize) -> String {
    let case = "public_reports/case2";
    let mut c = converter(case);
    c.options = options(case, "int8");
    c.options.representative_dataset = Some(RepresentativeDataset {
        data,
        shape: vec![rows, 2],
    });
    c.convert_graph(|_, _| {}).unwrap_err().to_string()
}

/// What TF cannot calibrate sensibly is refused, naming where: ±inf anywhere, a column
/// NaN in every row, and (with int8 io) an empty dataset.
#[test]
fn calibration_data_refusals_name_the_place() {
    let nan = f32::NAN;
    let e = refusal(vec![0.0, 1.0, f32::INFINITY, 4.0], 2);
    assert!(e.contains("sample 2, column 1 is inf"), "{e}");
    let e = refusal(vec![0.0, f32::NEG_INFINITY], 1);
    assert!(e.contains("sample 1, column 2 is -inf"), "{e}");
    let e = refusal(vec![nan, 1.0, nan, 4.0, nan, 0.5], 3);
    assert!(
        e.contains("column 1 is NaN in every one of the 3 samples"),
        "{e}"
    );
    let e = refusal(vec![], 0);
    assert!(e.contains("representative dataset is empty"), "{e}");
    // NaN in every sample but each column finite somewhere: calibrates.
    let case = "public_reports/case2";
    let mut c = converter(case);
    c.options = options(case, "int8");
    c.options.representative_dataset = Some(RepresentativeDataset {
        data: vec![nan, 1.0, 2.0, 3.0],
        shape: vec![2, 2],
    });
    c.convert_graph(|_, _| {}).unwrap();
    // A NaN in every sample (in different columns) makes every output NaN: the output
    // tensor never sees a finite value, and is named.
    c.options.representative_dataset = Some(RepresentativeDataset {
        data: vec![nan, 1.0, 2.0, nan],
        shape: vec![2, 2],
    });
    let e = c.convert_graph(|_, _| {}).unwrap_err().to_string();
    assert!(e.contains("saw no finite value during calibration"), "{e}");
}

/// Case 5: non-finite weights are accepted as Keras accepts them and converted as TF does
/// (±inf written as ±FLT_MAX in float32, ±`0x7BFF` in float16, NaN kept); int8 of a
/// tensor whose scale would not be finite is refused, naming it.
#[test]
fn case5_non_finite_weights() {
    for case in ["public_reports/case5", "public_reports/case5b"] {
        for variant in ["float32", "fp16", "dynamic"] {
            let ours = convert(case, variant).unwrap_or_else(|e| panic!("{case}/{variant}: {e}"));
            equals_tf(case, variant, &ours);
        }
    }
    // The listed input in int8: TF keeps the FULLY_CONNECTED float (its weight has no
    // finite scale) and writes an inf output scale, on which LiteRT's XNNPACK path
    // crashes; we refuse, naming the weights and the channel.
    let e = convert("public_reports/case5", "int8").unwrap_err();
    assert!(
        e.contains("weights 'case5_1/dense_3_1/MatMul': channel 0") && e.contains("scale inf"),
        "{e}"
    );
    // Finite weights whose outputs overflow the int8 scale: refused naming the tensor.
    let mut m = litequant::nn::config::sequential(&serde_json::json!({
        "inputShape": [1], "layers": [{"type": "dense", "units": 1}]
    }))
    .unwrap();
    m.set_weights(&[vec![1e38], vec![0.0]]).unwrap();
    let mut c = TfliteConverter::from_model(&m).unwrap();
    c.options.optimize = true;
    c.options.representative_dataset = Some(RepresentativeDataset {
        data: vec![-3.0, 3.0],
        shape: vec![2, 1],
    });
    let e = c.convert_graph(|_, _| {}).unwrap_err().to_string();
    assert!(
        e.contains("tensor 'StatefulPartitionedCall_1:0'") && e.contains("scale inf"),
        "{e}"
    );
    // A weight channel holding inf (from an imported file) has no int8 scale: refused,
    // naming the tensor and the channel.
    let mut g = tf_file("public_reports/case5b", "float32");
    let w = g.ops[0].inputs[1] as usize;
    let vals = [1.0f32, f32::INFINITY, 2.0];
    g.tensors[w].data = Some(vals.iter().flat_map(|v| v.to_le_bytes()).collect());
    let bytes = tflite::write(&g).unwrap();
    let mut c = TfliteConverter::from_tflite(&bytes).unwrap();
    c.options.optimize = true;
    c.options.representative_dataset = Some(RepresentativeDataset {
        data: vec![0.5, -0.5],
        shape: vec![2, 1],
    });
    let e = c.convert_graph(|_, _| {}).unwrap_err().to_string();
    assert!(
        e.contains(&format!("weights '{}'", g.tensors[w].name)) && e.contains("channel 1"),
        "{e}"
    );
}

/// Case 3: the bias of a linear Dense moves into the next Dense as TF's optimize pass
/// moves it (`bias_fold/rule.json`): the 16 concrete cases in float32, float16 and int8
/// (calibrated on the fixture's rows) equal TF's files.
#[test]
fn case3_bias_fold_matches_tensorflow() {
    let mut cases: Vec<String> = std::fs::read_dir(keras::case_dir("bias_fold"))
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            e.path()
                .join("keras_model.json")
                .exists()
                .then(|| format!("bias_fold/{}", e.file_name().to_string_lossy()))
        })
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 16);
    let mut failed = Vec::new();
    for case in &cases {
        for variant in ["float32", "fp16", "int8"] {
            let ctx = format!("{case}/{variant}");
            let r = std::panic::catch_unwind(|| {
                let ours = convert(case, variant).unwrap_or_else(|e| panic!("{e}"));
                assert_same_model(&ours, &tf_file(case, variant), &ctx);
            });
            if let Err(e) = r {
                let m = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failed.push(format!("{ctx}: {m}"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} differ:\n{}",
        failed.len(),
        failed.join("\n")
    );
    // The listed input: the first FULLY_CONNECTED has no bias, the second [1.35].
    let g = convert("bias_fold/case3_public", "float32").unwrap();
    assert_eq!(g.ops[0].inputs[2], -1);
    let b = g.tensors[g.ops[1].inputs[2] as usize].f32_data().unwrap();
    assert_eq!(b, vec![1.35f32]);
}

/// Case 4: TensorFlow's whole decision rule (optimizations × dataset × supported ops ×
/// supported types × io types → mode or error), every combination TF 2.21 was run on
/// (`converter_decisions.json`, two models: 648 combinations, 16x8 ones included — their
/// mode is decided here; the 16x8 files themselves are the modes work's).
#[test]
fn case4_converter_decision_table() {
    let d: Value = serde_json::from_slice(&read("", "converter_decisions.json")).unwrap();
    let ops_of = |s: &str| -> Vec<String> {
        match s {
            "default" => vec![],
            "[BUILTINS]" => vec!["TFLITE_BUILTINS".into()],
            "[BUILTINS_INT8]" => vec!["TFLITE_BUILTINS_INT8".into()],
            "[BUILTINS, BUILTINS_INT8]" => {
                vec!["TFLITE_BUILTINS".into(), "TFLITE_BUILTINS_INT8".into()]
            }
            "[INT16x8]" => {
                vec!["EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8".into()]
            }
            "[INT16x8, BUILTINS]" => vec![
                "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8".into(),
                "TFLITE_BUILTINS".into(),
            ],
            o => panic!("{o}"),
        }
    };
    let types_of = |s: &str| -> Vec<String> {
        s.trim_matches(|c| c == '[' || c == ']')
            .split(", ")
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect()
    };
    // TF's error id → a phrase of our message (TF's meaning, same options blamed).
    let phrase = |e: &str| match e {
        "e0" => "must be float32",
        "e1" => "a representative dataset must be specified",
        "e2" => "supported_types should be left empty or set to [int8]",
        "e3" => "inference type int16 needs 16x8 quantization",
        "e4" => "16x8 models take \"float32\" or \"int16\" inputs and outputs",
        "e5" => "fullIntegerQuantizationBiasType is only supported for full-integer quantization",
        "e6" => "fullIntegerQuantizationBiasType \"int64\" conflicts with int8 quantization",
        other => panic!("error {other} is not in the table"),
    };
    let mut entries: Vec<&Value> = d["entries"].as_array().unwrap().iter().collect();
    entries.extend(d["big_model"]["entries"].as_array().unwrap());
    let (mut checked, skipped) = (0, 0);
    let mut failed = Vec::new();
    for e in entries {
        let s = |k: &str| e[k].as_str().unwrap();
        let mut o = ConverterOptions::default();
        if s("bias_type") != "unset" {
            o.bias_type = Some(litequant::quant::BiasType::parse(s("bias_type")).unwrap());
        }
        o.set_optimizations(&types_of(s("optimizations"))).unwrap();
        o.set_supported_ops(&ops_of(s("supported_ops"))).unwrap();
        o.set_supported_types(&types_of(s("supported_types")))
            .unwrap();
        o.inference_input_type = IoType::parse(s("inference_input_type")).unwrap();
        o.inference_output_type = IoType::parse(s("inference_output_type")).unwrap();
        if s("representative_dataset") == "given" {
            o.representative_dataset = Some(RepresentativeDataset {
                data: vec![0.0, 1.0, -1.0, 0.5, 0.5, -0.25],
                shape: vec![3, 2],
            });
        }
        let outcome = s("outcome");
        let got = o.mode();
        let ok = match (&got, outcome.starts_with('e')) {
            (Err(err), true) => err.to_string().contains(phrase(outcome)),
            (Ok(mode), false) => {
                let f = &d["files"][outcome];
                let io = |k: &str| match f[k].as_str().unwrap() {
                    "FLOAT32" => IoType::Float32,
                    "INT8" => IoType::Int8,
                    "UINT8" => IoType::Uint8,
                    "INT16" => IoType::Int16,
                    t => panic!("{t}"),
                };
                let want = match f["mode"].as_str().unwrap() {
                    "float32" => Mode::Float32,
                    "float16" => Mode::Float16,
                    m if m.starts_with("dynamic") => Mode::DynamicRange,
                    "int8 full" => Mode::FullInteger {
                        input: io("input_dtype"),
                        output: io("output_dtype"),
                    },
                    "16x8" => Mode::Int16x8 {
                        input: io("input_dtype"),
                        output: io("output_dtype"),
                        bias: if s("bias_type") == "int32" {
                            litequant::quant::BiasType::Int32
                        } else {
                            litequant::quant::BiasType::Int64
                        },
                    },
                    m => panic!("{m}"),
                };
                *mode == want
            }
            _ => false,
        };
        if !ok {
            failed.push(format!("{e}: got {got:?}"));
        }
        checked += 1;
    }
    assert!(
        failed.is_empty(),
        "{} of {checked}:\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert_eq!((checked, skipped), (648, 0));
}

/// Case 4's two listed inputs give TF's files: no optimizations with int8 ops and a
/// dataset → the plain float32 file; `[float16, int8]` with a dataset → the `[int8]` file.
#[test]
fn case4_listed_inputs_give_tensorflows_files() {
    let model = litequant::nn::config::sequential(&serde_json::json!({
        "inputShape": [2],
        "layers": [{"type": "dense", "units": 1}]
    }))
    .unwrap();
    let mut model = model;
    model.set_weights(&[vec![0.75, -0.5], vec![0.25]]).unwrap();
    let ds = RepresentativeDataset {
        data: vec![0.0, 1.0, -1.0, 0.5, 0.5, -0.25],
        shape: vec![3, 2],
    };
    let tf = |f: &str| tflite::read(&read("converter_decisions", &format!("{f}.tflite"))).unwrap();
    let mut c = TfliteConverter::from_model(&model).unwrap();
    c.options
        .set_supported_ops(&["TFLITE_BUILTINS_INT8".into()])
        .unwrap();
    c.options.representative_dataset = Some(ds.clone());
    assert_eq!(c.options.mode().unwrap(), Mode::Float32);
    c.options.optimize = true;
    c.options
        .set_supported_types(&["float16".into(), "int8".into()])
        .unwrap();
    c.options.set_supported_ops(&[]).unwrap();
    assert_eq!(
        c.options.mode().unwrap(),
        Mode::FullInteger {
            input: IoType::Float32,
            output: IoType::Float32
        }
    );
    let mut checked = 0;
    for (f, types, io) in [
        ("f0", None, IoType::Float32),
        ("f3", Some(vec!["float16", "int8"]), IoType::Float32),
        ("f4", Some(vec!["float16", "int8"]), IoType::Int8),
        ("f5", Some(vec!["int8"]), IoType::Uint8),
        ("f2", Some(vec!["float16"]), IoType::Float32),
    ] {
        let mut c = TfliteConverter::from_model(&model).unwrap();
        c.options.representative_dataset = Some(ds.clone());
        c.options
            .set_supported_ops(&["TFLITE_BUILTINS_INT8".into(), "TFLITE_BUILTINS".into()])
            .unwrap();
        if let Some(t) = types {
            c.options.optimize = true;
            c.options
                .set_supported_types(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        }
        c.options.inference_input_type = io;
        c.options.inference_output_type = io;
        let ours = c
            .convert_graph(|_, _| {})
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        common::compare::assert_same_graph(&ours, &tf(f), f);
        checked += 1;
    }
    assert_eq!(checked, 5);
}
