#![cfg(not(target_arch = "wasm32"))]
//! The QuantizationDebugger against TF 2.21's `layer_statistics_dump` with its debug model
//! run by TFLite's reference kernels (`modes/<case>/debugger_layer_stats_ref.csv`, made by
//! `scripts/gen_debugger_ref.py`; debug dataset = the case's `test_x.npy`, one row per
//! sample): the same layers in the same order with the same op, scale and zero point, and
//! every default metric, the direct-compare metric `mean_abs_dequant_error` and the
//! model-level metric `max_abs_output_diff` within 1e-6 relative. Two precisions: a mean
//! error is a sum that cancels, so it is held to 1e-6 of the layer's RMS error; and the
//! cnn_fixed model-level metric, which runs the whole float model on our float kernels (their
//! convolutions sum in the order of TF's optimized calibrator, not the reference kernels'),
//! to 1e-5 (measured: 1.2e-6). The debugger's FULLY_CONNECTED float references use the
//! reference kernel's order (`quant::debugger`); with our interpreter's order, fixed_mlp's
//! second layer mean error differed by 7e-5 relative (1 float32 ulp of the logits).
//!
//! TF's own CSV (`debugger_layer_stats.csv`) ran the debug model on tf.lite's default
//! kernels (optimized + XNNPACK), which differ from the reference ones by 1–3 LSB in some
//! int8 results (fixed_mlp: the input QUANTIZE in 1 element, FULLY_CONNECTED outputs in 9;
//! cnn_fixed: every layer, `modes/debugger_ref.json`), so its statistics differ from the
//! reference-kernel ones by up to 2 (relative, a mean error near 0 changing sign); our
//! interpreter matches the reference kernels bit for bit, hence the reference-kernel CSV.

mod common;

use common::{case_model, CASES};
use litequant::converter::TfliteConverter;
use litequant::quant::debugger::{default_metrics, nanmean, Debugger, DEFAULT_LAYER_METRICS};
use litequant::quant::RepresentativeDataset;

fn fixture(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn npy_f32(path: &str) -> (Vec<f32>, Vec<usize>) {
    let bytes = fixture(path);
    let f = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = f.shape().iter().map(|&d| d as usize).collect();
    (f.into_vec().unwrap(), shape)
}

fn debugger(case: &str) -> Debugger {
    let mut conv = match case {
        "fixed_mlp" => TfliteConverter::from_model(&case_model(&CASES[1])).unwrap(),
        _ => {
            TfliteConverter::from_tflite(&fixture(&format!("{case}/model_float32.tflite"))).unwrap()
        }
    };
    let (data, shape) = npy_f32(&format!("{case}/calib.npy"));
    conv.options.optimize = true;
    conv.options.representative_dataset = Some(RepresentativeDataset { data, shape });
    Debugger::new(conv.float_graph(), &conv.options, conv.source(), |_, _| {}).unwrap()
}

/// The direct-compare metric of `gen_debugger_ref.py`: `np.mean(np.abs(f - (q.astype(np.float32)
/// - zp) * scale))`, which NumPy evaluates in float64 (`zp` is an int32 scalar).
fn mean_abs_dequant_error(float: &[f32], q: &[i8], scale: f32, zp: i64) -> f64 {
    let s: f64 = float
        .iter()
        .zip(q)
        .map(|(&f, &q)| (f as f64 - (q as f64 - zp as f64) * scale as f64).abs())
        .sum();
    s / float.len() as f64
}

/// Per-layer metrics averaged over the debug samples (the five defaults, then
/// `mean_abs_dequant_error`), and the model-level `max_abs_output_diff` (mean over samples
/// of max |float output - quantized output|).
fn statistics(d: &mut Debugger, case: &str) -> (Vec<[f64; 6]>, f64) {
    let (x, shape) = npy_f32(&format!("{case}/test_x.npy"));
    let row: usize = shape[1..].iter().product();
    let mut per: Vec<Vec<[f64; 6]>> = vec![Vec::new(); d.layers().len()];
    let mut model = Vec::new();
    for r in 0..shape[0] {
        let (layers, f, q) = d.sample(&x[r * row..(r + 1) * row]).unwrap();
        for (l, s) in layers.iter().enumerate() {
            let m = default_metrics(&s.diffs);
            let layer = &d.layers()[l];
            let direct =
                mean_abs_dequant_error(&s.float, &s.quantized, layer.scale, layer.zero_point);
            per[l].push([m[0], m[1], m[2], m[3], m[4], direct]);
        }
        model.push(
            f.iter()
                .zip(&q)
                .fold(0f64, |m, (&a, &b)| m.max((a - b).abs() as f64)),
        );
    }
    let layers = per
        .iter()
        .map(|v| {
            let mut m = [0f64; 6];
            for (k, slot) in m.iter_mut().enumerate() {
                *slot = nanmean(&v.iter().map(|s| s[k]).collect::<Vec<_>>());
            }
            m
        })
        .collect();
    (layers, model.iter().sum::<f64>() / model.len() as f64)
}

fn json(path: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(path)).unwrap()
}

#[test]
fn layer_statistics_match_tensorflow() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for case in ["fixed_mlp", "cnn_fixed"] {
        let csv = String::from_utf8(fixture(&format!(
            "modes/{case}/debugger_layer_stats_ref.csv"
        )))
        .unwrap();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(
            header,
            [
                "op_name",
                "tensor_idx",
                "num_elements",
                "stddev",
                "mean_error",
                "max_abs_error",
                "mean_squared_error",
                "mean_abs_dequant_error",
                "scale",
                "zero_point",
                "tensor_name"
            ]
        );
        let rows: Vec<Vec<String>> = lines
            .map(|l| l.splitn(11, ',').map(str::to_string).collect())
            .collect();
        let mut d = debugger(case);
        let (stats, model) = statistics(&mut d, case);
        let want = json("modes/debugger_ref.json")[case]["model_statistics_ref"]
            ["max_abs_output_diff"]
            .as_f64()
            .unwrap();
        let rel = (model - want).abs() / want.abs();
        report.push(format!(
            "{case} model max_abs_output_diff: ours {model} TF {want} rel {rel:.2e}"
        ));
        // The float model runs whole on our float kernels, whose CONV_2D / DEPTHWISE_CONV_2D
        // sum in the order of TF's optimized calibrator, not the reference kernels': the
        // cnn_fixed float outputs differ in the last bits (1.2e-6 relative on this metric).
        let model_tol = if case == "cnn_fixed" { 1e-5 } else { 1e-6 };
        if rel > model_tol {
            failures.push(format!(
                "{case} model max_abs_output_diff: ours {model} vs TF {want}"
            ));
        }
        assert_eq!(d.layers().len(), rows.len(), "{case}: layer count");
        for ((layer, m), row) in d.layers().iter().zip(&stats).zip(&rows) {
            let ctx = format!("{case}/{}", layer.tensor_name);
            assert_eq!(layer.op_name, row[0], "{ctx}");
            assert_eq!(layer.scale, row[8].parse::<f32>().unwrap(), "{ctx}: scale");
            assert_eq!(
                layer.zero_point,
                row[9].parse::<i64>().unwrap(),
                "{ctx}: zero point"
            );
            if case == "cnn_fixed" {
                // Imported from TF's float file: the names are TF's.
                assert_eq!(layer.tensor_name, row[10], "{ctx}");
            }
            let names = DEFAULT_LAYER_METRICS
                .iter()
                .copied()
                .chain(["mean_abs_dequant_error"]);
            for (k, name) in names.enumerate() {
                let want = row[2 + k].parse::<f64>().unwrap();
                // A mean error is a sum that cancels: it is held to 1e-6 of the layer's RMS
                // error (one float32 rounding of the float reference, 1 ulp of a value near
                // 1, moves it by ~1e-8 absolute); every other value to 1e-6 of itself.
                let scale = if name == "mean_error" {
                    want.abs().max(m[4].sqrt())
                } else {
                    want.abs()
                };
                let rel = (m[k] - want).abs() / scale.max(f64::MIN_POSITIVE);
                report.push(format!(
                    "{ctx} {name}: ours {} TF {want} rel {rel:.2e}",
                    m[k]
                ));
                if rel > 1e-6 {
                    failures.push(format!(
                        "{ctx} {name}: ours {} vs TF {want} (relative {rel:.2e})",
                        m[k]
                    ));
                }
            }
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
