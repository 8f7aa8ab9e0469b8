//! Calibration methods beyond min/max against their anchor, ONNX Runtime 1.30's
//! `HistogramCollector` (`tests/fixtures/ort_calib/thresholds.json`, written by
//! `scripts/gen_ort_calib.py` from the same activations: TF 2.21's float32 files of
//! `fixed_mlp` and `cnn_fixed` run on their `calib.npy`, one row per sample).
//!
//! For every activation our calibrator observes, our entropy (2048 bins, 128 quantized
//! bins), percentile 99.99 (both tails) and percentile 99.9 on |x| thresholds equal ORT's
//! within one histogram bin — except at most one entropy threshold (today `cnn_fixed`'s
//! input, 5 bins off), which must then be within 0.5 % of the minimum of ORT's own KL curve
//! (the deliberate difference documented in `src/quant/histogram.rs`). The histograms are then collected by calibrating slices of the
//! dataset and merging them: the thresholds are the same bits. Option errors name the option
//! or tensor. Native only: it reads the fixture files from disk.
#![cfg(not(target_arch = "wasm32"))]

use litequant::converter::TfliteConverter;
use litequant::quant::method::search;
use litequant::quant::{
    calibrate_with, CalibrationConfig, Method, MethodSpec, Override, RepresentativeDataset,
};
use litequant::tflite;

fn fixture(path: &str) -> Vec<u8> {
    let p = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn npy(path: &str) -> (Vec<f32>, Vec<usize>) {
    let bytes = fixture(path);
    let f = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = f.shape().iter().map(|&d| d as usize).collect();
    (f.into_vec::<f32>().unwrap(), shape)
}

fn spec(method: Method, percentile: f64, symmetric: bool) -> MethodSpec {
    MethodSpec {
        method,
        percentile,
        symmetric,
    }
}

#[test]
fn thresholds_equal_onnxruntime_within_one_bin() {
    let ort: serde_json::Value =
        serde_json::from_slice(&fixture("ort_calib/thresholds.json")).unwrap();
    let mut compared = 0;
    let mut far_entropy = 0;
    for case in ["fixed_mlp", "cnn_fixed"] {
        let g = tflite::read(&fixture(&format!("{case}/model_float32.tflite"))).unwrap();
        let (data, shape) = npy(&format!("{case}/calib.npy"));
        let whole = calibrate_with(&g, &data, &shape, Some(2048), |_, _| {}).unwrap();
        // The same histograms from three slices merged (as the worker pool does).
        let n = shape[0];
        let w = data.len() / n;
        let mut merged: Option<litequant::quant::Ranges> = None;
        for (s, e) in [(0, 1), (1, n / 2), (n / 2, n)] {
            let mut sh = shape.clone();
            sh[0] = e - s;
            let part = calibrate_with(&g, &data[s * w..e * w], &sh, Some(2048), |_, _| {}).unwrap();
            match &mut merged {
                None => merged = Some(part),
                Some(m) => m.merge(&part).unwrap(),
            }
        }
        assert_eq!(
            merged.unwrap(),
            whole,
            "{case}: merged slices differ from one pass"
        );

        let tensors = ort["cases"][case].as_object().unwrap();
        for (name, want) in tensors {
            let t = g
                .tensors
                .iter()
                .position(|t| &t.name == name)
                .unwrap_or_else(|| panic!("{case}: no tensor '{name}'"));
            let h = whole.histograms[t]
                .as_ref()
                .unwrap_or_else(|| panic!("{case}: '{name}' was not observed"));
            assert_eq!(h.count(), want["values"].as_u64().unwrap(), "{case} {name}");
            let sw = want["signed_bin_width"].as_f64().unwrap();
            let aw = want["abs_bin_width"].as_f64().unwrap();
            for (key, sp, bin) in [
                ("entropy", spec(Method::Entropy, 99.99, false), sw),
                (
                    "percentile_99_99",
                    spec(Method::Percentile, 99.99, false),
                    sw,
                ),
                (
                    "percentile_99_9_symmetric",
                    spec(Method::Percentile, 99.9, true),
                    aw,
                ),
            ] {
                let (lo, hi) = search(h, name, sp).unwrap();
                let w = &want[key];
                let (olo, ohi) = (w[0].as_f64().unwrap(), w[1].as_f64().unwrap());
                let tol = bin * 1.0001 + 1e-6;
                let close = (lo as f64 - olo).abs() <= tol && (hi as f64 - ohi).abs() <= tol;
                compared += 1;
                if close {
                    continue;
                }
                // The one documented difference (histogram.rs): where ORT's KL curve is
                // nearly flat, our entropy threshold may sit further than a bin from ORT's;
                // by ORT's own KL it must then be within 0.5 % of ORT's minimum.
                assert_eq!(
                    key, "entropy",
                    "{case} '{name}' {key}: ours [{lo}, {hi}], ORT [{olo}, {ohi}], bin {bin}"
                );
                let kl: Vec<f64> = want["entropy_kl"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap_or(f64::INFINITY))
                    .collect();
                let (mn, mx) = (want["min"].as_f64().unwrap(), want["max"].as_f64().unwrap());
                let cand = |i: usize| {
                    let (a, b) = (-(i as f64) * bin, (i + 1) as f64 * bin);
                    (a.max(mn), b.min(mx))
                };
                let ours = (0..kl.len())
                    .min_by(|&a, &b| {
                        let d = |i: usize| {
                            let (x, y) = cand(i + 64);
                            (x - lo as f64).abs() + (y - hi as f64).abs()
                        };
                        d(a).total_cmp(&d(b))
                    })
                    .unwrap();
                let best = kl.iter().cloned().fold(f64::INFINITY, f64::min);
                let bins_off = ((hi as f64 - ohi).abs().max((lo as f64 - olo).abs()) / bin).round();
                eprintln!(
                    "{case} '{name}' entropy: {bins_off} bins from ORT's; KL {} vs ORT's minimum {best}",
                    kl[ours]
                );
                assert!(
                    kl[ours] <= best * 1.005,
                    "{case} '{name}': KL {} vs {best}",
                    kl[ours]
                );
                far_entropy += 1;
            }
        }
    }
    // 4 fixed_mlp + 11 cnn_fixed activations, 3 thresholds each.
    assert_eq!(compared, 45);
    assert!(
        far_entropy <= 1,
        "{far_entropy} entropy thresholds more than a bin from ORT's"
    );
}

#[test]
fn option_errors_name_the_option_or_tensor() {
    let mut c = CalibrationConfig::default();
    let e = Method::parse("kl", "calibrationMethod")
        .unwrap_err()
        .to_string();
    assert!(e.contains("calibrationMethod") && e.contains("'kl'"), "{e}");
    for p in [50.0, 100.5, f64::NAN, -1.0] {
        let e = c.set_options(Some(p), None, None).unwrap_err().to_string();
        assert!(
            e.contains("calibrationOptions.percentile") && e.contains("(50, 100]"),
            "{e}"
        );
    }
    assert!(c.set_options(Some(100.0), None, None).is_ok());
    for b in [0.0, 255.0, 2047.0, 1.5, 1e9] {
        let e = c.set_options(None, Some(b), None).unwrap_err().to_string();
        assert!(e.contains("calibrationOptions.bins"), "{e}");
    }

    let g = tflite::read(&fixture("fixed_mlp/model_float32.tflite")).unwrap();
    let mut bad = CalibrationConfig::default();
    bad.overrides
        .insert("no_such_tensor".into(), Override::Range(0.0, 1.0));
    let e = bad.check_overrides(&g).unwrap_err().to_string();
    assert!(
        e.contains("calibrationOverrides") && e.contains("'no_such_tensor'"),
        "{e}"
    );
    // A weight is a tensor, but not an activation.
    let weight = g
        .tensors
        .iter()
        .find(|t| t.data.is_some())
        .unwrap()
        .name
        .clone();
    let mut w = CalibrationConfig::default();
    w.overrides
        .insert(weight.clone(), Override::Range(0.0, 1.0));
    let e = w.check_overrides(&g).unwrap_err().to_string();
    assert!(e.contains(&weight) && e.contains("constant"), "{e}");
    let input = g.tensors[g.inputs[0]].name.clone();
    let mut r = CalibrationConfig::default();
    r.overrides.insert(input.clone(), Override::Range(2.0, 1.0));
    let e = r.check_overrides(&g).unwrap_err().to_string();
    assert!(e.contains(&input) && e.contains("min <= max"), "{e}");
}

/// Through the converter: min/max is the default and untouched; an override's range and
/// a method's search reach the file's scales.
#[test]
fn converter_uses_the_method_and_overrides() {
    let bytes = fixture("fixed_mlp/model_float32.tflite");
    let (data, shape) = npy("fixed_mlp/calib.npy");
    let mut conv = TfliteConverter::from_tflite(&bytes).unwrap();
    conv.options.set_optimizations(&["DEFAULT".into()]).unwrap();
    conv.options.representative_dataset = Some(RepresentativeDataset {
        data: data.clone(),
        shape: shape.clone(),
    });
    let minmax = conv.convert_graph(|_, _| {}).unwrap();
    let g = conv.float_graph().clone();
    let input = g.inputs[0];
    let scale =
        |gr: &litequant::graph::Graph, t: usize| gr.tensors[t].quant.as_ref().unwrap().scale[0];

    conv.options.calibration_method.default = spec(Method::Entropy, 99.99, false);
    let ent = conv.convert_graph(|_, _| {}).unwrap();
    assert!(
        scale(&ent, input) < scale(&minmax, input),
        "entropy clips the input's tail"
    );

    let mut over = CalibrationConfig::default();
    over.overrides
        .insert(g.tensors[input].name.clone(), Override::Range(-1.0, 1.0));
    conv.options.calibration_method = over;
    let o = conv.convert_graph(|_, _| {}).unwrap();
    assert_eq!(scale(&o, input), 2.0f32 / 255.0);
}
