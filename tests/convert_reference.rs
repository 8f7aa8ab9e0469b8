//! Our converter against TensorFlow 2.21's files: for every reference case and variant,
//! the same ops and versions, tensor types and shapes, scales, zero points, int8 weights,
//! int32 biases and fp16 values. Also writes every file to `target/oracle/` with a
//! manifest, for the LiteRT oracle check (`tests/oracle/check_oracle.py`).

mod common;

use common::{case_model, fixture, variant_options, CASES};
use litequant::converter::TfliteConverter;
use litequant::graph::{Graph, OpKind, Tensor};
use litequant::tflite::{self, metadata::ConversionMetadata};

/// What must agree between a tensor of ours and TF's (everything but the name).
#[derive(Debug, PartialEq)]
struct Facts {
    dtype: litequant::graph::DType,
    shape: Vec<i32>,
    shape_signature: Option<Vec<i32>>,
    scale_bits: Vec<u32>,
    zero_point: Vec<i64>,
    quantized_dimension: i32,
    data: Option<Vec<u8>>,
    via_dequantize: bool,
}

fn dequantized_constant(g: &Graph, t: usize) -> Option<usize> {
    g.ops.iter().find_map(|op| {
        let src = *op.inputs.first()?;
        (op.kind == OpKind::Dequantize
            && op.outputs.first() == Some(&(t as i32))
            && g.tensors[src as usize].data.is_some())
        .then_some(src as usize)
    })
}

fn facts(g: &Graph, idx: i32) -> Option<Facts> {
    if idx < 0 {
        return None;
    }
    let (idx, via) = match dequantized_constant(g, idx as usize) {
        Some(c) => (c, true),
        None => (idx as usize, false),
    };
    let t: &Tensor = &g.tensors[idx];
    let q = t.quant.clone().unwrap_or_default();
    Some(Facts {
        dtype: t.dtype,
        shape: t.shape.clone(),
        shape_signature: t.shape_signature.clone(),
        scale_bits: q.scale.iter().map(|s| s.to_bits()).collect(),
        zero_point: q.zero_point.clone(),
        quantized_dimension: if q.scale.len() > 1 {
            q.quantized_dimension
        } else {
            0
        },
        data: t.data.clone(),
        via_dequantize: via,
    })
}

fn is_const_dequantize(g: &Graph, op: &litequant::graph::Op) -> bool {
    op.kind == OpKind::Dequantize && g.tensors[op.inputs[0] as usize].data.is_some()
}

/// Compares two graphs structurally; panics with the first difference.
fn assert_same_model(ours: &Graph, tf: &Graph, ctx: &str) {
    let core = |g: &Graph| {
        g.ops
            .iter()
            .filter(|o| !is_const_dequantize(g, o))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (a, b) = (core(ours), core(tf));
    let names = |v: &[litequant::graph::Op]| {
        v.iter()
            .map(|o| (o.kind.name(), o.version))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&a), names(&b), "{ctx}: op sequence (name, version)");
    let ndeq = |g: &Graph| g.ops.iter().filter(|o| is_const_dequantize(g, o)).count();
    assert_eq!(
        ndeq(ours),
        ndeq(tf),
        "{ctx}: number of DEQUANTIZE ops of constants"
    );
    for g in [ours, tf] {
        for o in g.ops.iter().filter(|o| is_const_dequantize(g, o)) {
            assert_eq!(o.version, 3, "{ctx}: fp16 DEQUANTIZE version");
        }
    }
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.kind, y.kind, "{ctx}: op {i} options");
        assert_eq!(x.inputs.len(), y.inputs.len(), "{ctx}: op {i} input count");
        for (k, (&ti, &tj)) in x.inputs.iter().zip(&y.inputs).enumerate() {
            assert_eq!(
                facts(ours, ti),
                facts(tf, tj),
                "{ctx}: op {i} ({}) input {k}",
                x.kind.name()
            );
        }
        for (k, (&ti, &tj)) in x.outputs.iter().zip(&y.outputs).enumerate() {
            assert_eq!(
                facts(ours, ti),
                facts(tf, tj),
                "{ctx}: op {i} ({}) output {k}",
                x.kind.name()
            );
        }
    }
    let io = |g: &Graph, v: &[usize]| v.iter().map(|&t| facts(g, t as i32)).collect::<Vec<_>>();
    assert_eq!(
        io(ours, &ours.inputs),
        io(tf, &tf.inputs),
        "{ctx}: model inputs"
    );
    assert_eq!(
        io(ours, &ours.outputs),
        io(tf, &tf.outputs),
        "{ctx}: model outputs"
    );
    // Signature: one `serving_default`, pointing at the model's io tensors.
    let (sa, sb) = (
        ours.signature.as_ref().unwrap(),
        tf.signature.as_ref().unwrap(),
    );
    assert_eq!(sa.key, sb.key, "{ctx}: signature key");
    assert_eq!(
        sa.inputs.iter().map(|s| s.tensor).collect::<Vec<_>>(),
        ours.inputs,
        "{ctx}: signature inputs"
    );
    assert_eq!(
        sa.outputs.iter().map(|s| s.tensor).collect::<Vec<_>>(),
        ours.outputs,
        "{ctx}: signature outputs"
    );
    // Metadata: same entries in the same order, same runtime version and fp16 marker;
    // CONVERSION_METADATA with the same optimization modes but our producer.
    let mnames = |g: &Graph| {
        g.metadata
            .iter()
            .map(|m| m.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(mnames(ours), mnames(tf), "{ctx}: metadata entries");
    for name in ["min_runtime_version", "reduced_precision_support"] {
        assert_eq!(
            ours.metadata(name),
            tf.metadata(name),
            "{ctx}: metadata {name}"
        );
    }
    let cm =
        |g: &Graph| ConversionMetadata::decode(g.metadata("CONVERSION_METADATA").unwrap()).unwrap();
    let (ca, cb) = (cm(ours), cm(tf));
    assert_eq!(
        ca.optimization_modes, cb.optimization_modes,
        "{ctx}: optimization modes"
    );
    assert_eq!(
        (ca.api_version, ca.model_type),
        (cb.api_version, cb.model_type),
        "{ctx}: api version, model type"
    );
    assert!(
        cb.version_string.starts_with("2.21"),
        "{ctx}: TF's producer is {}",
        cb.version_string
    );
    for s in [&ca.version_string, &ours.description] {
        assert!(
            s.starts_with("litequant "),
            "{ctx}: producer '{s}' must name litequant"
        );
        assert!(
            !s.to_lowercase().contains("tensorflow") && !s.contains("MLIR"),
            "{ctx}: '{s}'"
        );
    }
}

fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn oracle_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oracle")
}

#[test]
fn every_variant_matches_tensorflow() {
    let dir = oracle_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = Vec::new();
    let mut checked = 0;
    let reference: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures_dir().join("manifest.json")).unwrap(),
    )
    .unwrap();
    for case in CASES {
        let model = case_model(case);
        for v in case.variants {
            let ctx = format!("{}/{}", case.name, v.name);
            let mut conv = TfliteConverter::from_model(&model).unwrap();
            conv.options = variant_options(case, v.name);
            let ours = conv
                .convert_graph(|_, _| {})
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            let tf = tflite::read(fixture(v.tf_file))
                .unwrap_or_else(|e| panic!("{ctx}: reading TF's file: {e}"));
            assert_same_model(&ours, &tf, &ctx);
            // The bytes we write read back to the same graph.
            let bytes = tflite::write(&ours).unwrap();
            assert_eq!(tflite::read(&bytes).unwrap(), ours, "{ctx}: write → read");
            assert_eq!(
                bytes,
                conv.convert().unwrap(),
                "{ctx}: convert() is deterministic"
            );
            let file = format!("{}_{}.tflite", case.name, v.name);
            std::fs::write(dir.join(&file), &bytes).unwrap();
            // The oracle runs our file and TF's on the same inputs: the reference test
            // inputs where the fixtures have them (and TF's saved outputs), else the seed's
            // training rows (quantized by the checker for int8/uint8 inputs).
            let refentry = reference
                .iter()
                .find(|e| e["case"] == case.name && e["variant"] == v.name);
            let (input, expected) = match refentry {
                Some(e) => (
                    format!("tests/fixtures/{}", e["input_npy"].as_str().unwrap()),
                    Some(format!(
                        "tests/fixtures/{}",
                        e["out_litert_ref"].as_str().unwrap()
                    )),
                ),
                None => (format!("tests/fixtures/{}", case.calib), None),
            };
            let float_out = matches!(v.name, "float32" | "fp16" | "dynamic" | "int8_floatio");
            manifest.push(serde_json::json!({
                "name": ctx,
                "model": format!("target/oracle/{file}"),
                "reference_model": format!("tests/fixtures/{}", v.tf_file),
                "input_npy": input,
                "expected_npy": expected,
                "exact": !float_out,
                "atol": if float_out { 1e-5 } else { 0.0 },
            }));
            checked += 1;
        }
    }
    assert_eq!(checked, 19);
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
}

#[test]
fn calibration_ranges_match_tensorflow() {
    // TF's `model_calibrated.tflite` carries the min/max its calibrator recorded.
    for (case, file) in [
        (&CASES[1], "fixed_mlp/model_calibrated.tflite"),
        (&CASES[2], "fixed_edge/model_calibrated.tflite"),
        (&CASES[3], "digits_mlp/model_calibrated.tflite"),
    ] {
        let model = case_model(case);
        let conv = TfliteConverter::from_model(&model).unwrap();
        let (data, shape) = common::npy_f32(case.calib);
        let ours =
            litequant::quant::calibrate(conv.float_graph(), &data, &shape, |_, _| {}).unwrap();
        let tf = tflite::read(fixture(file)).unwrap();
        // Activation tensors in op order, ours vs TF's.
        let acts = |g: &Graph| {
            let mut v = vec![g.inputs[0]];
            v.extend(g.ops.iter().map(|o| o.outputs[0] as usize));
            v
        };
        let softmax_outputs: Vec<usize> = conv
            .float_graph()
            .ops
            .iter()
            .filter(|o| matches!(o.kind, litequant::graph::OpKind::Softmax { .. }))
            .map(|o| o.outputs[0] as usize)
            .collect();
        for (k, (&a, &b)) in acts(conv.float_graph()).iter().zip(&acts(&tf)).enumerate() {
            let q = tf.tensors[b].quant.as_ref().expect("calibrated tensor");
            let (lo, hi) = ours.get(a).expect("calibrated");
            if softmax_outputs.contains(&a) {
                // TF's calibrator ran the optimized softmax (Eigen's vectorized exp and a
                // multiply by 1/sum), we run the reference one (libm exp, divide): the values
                // differ in the last bits. Harmless: a softmax output's int8 parameters are
                // fixed (1/256, -128) whatever its range.
                for (x, y) in [(lo, q.min[0]), (hi, q.max[0])] {
                    assert!(
                        (x - y).abs() <= 1e-5 * y.abs(),
                        "{}: softmax range {x} vs TF {y}",
                        case.name
                    );
                }
                continue;
            }
            assert_eq!(
                (lo.to_bits(), hi.to_bits()),
                (q.min[0].to_bits(), q.max[0].to_bits()),
                "{}: activation {k} range ours [{lo}, {hi}] vs TF [{}, {}]",
                case.name,
                q.min[0],
                q.max[0]
            );
        }
    }
}
