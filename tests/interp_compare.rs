//! `interp::compare_tflite`: a variant's outputs next to its float32 reference, checked
//! against LiteRT's own outputs (BUILTIN_REF, stored with the fixtures): on the digits MLP
//! TF's int8 file (classification: accuracy, agreement, errors) and on the TFLite Micro
//! sine model quantized by us (regression: errors only, no accuracy).

mod common;

use common::reference::npy;
use litequant::converter::TfliteConverter;
use litequant::interp::{self, OutputKind};
use litequant::quant::{IoType, RepresentativeDataset};

fn argmax(r: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in r.iter().enumerate() {
        if v > r[best] {
            best = i;
        }
    }
    best
}

/// MAE, RMSE, max |error|, SQNR of `b` against `a`, computed here independently.
fn errors(a: &[f32], b: &[f32]) -> (f64, f64, f64, f64) {
    let (mut s, mut n, mut sa, mut mx) = (0f64, 0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let e = y as f64 - x as f64;
        s += (x as f64).powi(2);
        n += e * e;
        sa += e.abs();
        mx = mx.max(e.abs());
    }
    let len = a.len() as f64;
    (sa / len, (n / len).sqrt(), mx, 10.0 * (s / n).log10())
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1e-12),
        "{what}: got {got}, want {want}"
    );
}

#[test]
fn digits_int8_against_litert_outputs() {
    let float = common::fixture("digits_mlp/model_float32.tflite");
    let int8 = common::fixture("digits_mlp/model_int8.tflite");
    let (_, x) = npy::<f32>("digits_data/test_x.npy");
    let (_, y) = npy::<i32>("digits_data/test_y.npy");
    // LiteRT BUILTIN_REF's outputs on the same rows; the int8 codes dequantized with the
    // output's scale and zero point as TFLite's DEQUANTIZE does.
    let (_, ref_f) = npy::<f32>("digits_mlp/out_float32__litert_ref.npy");
    let (_, ref_q) = npy::<i8>("digits_mlp/out_int8__litert_ref.npy");
    let it = interp::interpreter_from_tflite(int8).unwrap();
    let out = &it.output_details()[0];
    let (scale, zp) = (out.scale[0], out.zero_point[0] as i32);
    let deq: Vec<f32> = ref_q
        .iter()
        .map(|&q| ((q as i32 - zp) as f64 * scale as f64) as f32)
        .collect();

    let m = interp::compare_tflite(float, int8, &x, Some(&y)).unwrap();
    assert_eq!(m.len(), 1);
    let m = &m[0];
    assert_eq!(m.kind, OutputKind::Classification);
    assert_eq!((m.rows, m.row_shape.clone()), (360, vec![10]));
    let rows = |v: &[f32]| v.chunks_exact(10).map(argmax).collect::<Vec<_>>();
    let (pf, pq) = (rows(&ref_f), rows(&deq));
    let agree = pf.iter().zip(&pq).filter(|(a, b)| a == b).count() as f64 / 360.0;
    let correct = pq
        .iter()
        .zip(&y)
        .filter(|(p, &l)| **p == l as usize)
        .count();
    assert_eq!(m.agreement, Some(agree));
    assert_eq!(m.correct, Some(correct));
    assert_eq!(m.accuracy, Some(correct as f64 / 360.0));
    // Float outputs agree with LiteRT within 1e-5; the errors within a small relative margin.
    let (mae, rmse, mx, sqnr) = errors(&ref_f, &deq);
    close("MAE", m.mae, mae, 1e-3);
    close("RMSE", m.rmse, rmse, 1e-3);
    close("max |error|", m.max_abs_error, mx, 1e-3);
    close("SQNR", m.sqnr_db.unwrap(), sqnr, 1e-3);

    // The reference against itself: no error, accuracy as LiteRT's float file.
    let same = &interp::compare_tflite(float, float, &x, Some(&y)).unwrap()[0];
    assert_eq!(
        (same.mae, same.max_abs_error, same.sqnr_db),
        (0.0, 0.0, None)
    );
    assert_eq!(same.agreement, Some(1.0));
    let want = pf
        .iter()
        .zip(&y)
        .filter(|(p, &l)| **p == l as usize)
        .count();
    assert_eq!(same.correct, Some(want));
}

#[test]
fn sine_regression_has_errors_and_no_accuracy() {
    let float = include_bytes!("fixtures/real-models/sine_float/sine_float.tflite");
    // The model's input range: 0 to 2π (TFLite Micro's hello_world).
    let x: Vec<f32> = (0..200)
        .map(|i| i as f32 * std::f32::consts::TAU / 199.0)
        .collect();
    let mut c = TfliteConverter::from_tflite(float).unwrap();
    c.options.set_optimizations(&["DEFAULT".into()]).unwrap();
    c.options
        .set_supported_ops(&["TFLITE_BUILTINS_INT8".into()])
        .unwrap();
    c.options.inference_input_type = IoType::Float32;
    c.options.inference_output_type = IoType::Float32;
    c.options.representative_dataset = Some(RepresentativeDataset {
        data: x.clone(),
        shape: vec![200, 1],
    });
    let int8 = c.convert().unwrap();
    let labels = vec![0; 200];
    let m = interp::compare_tflite(float, &int8, &x, Some(&labels)).unwrap();
    assert_eq!(m.len(), 1);
    let m = &m[0];
    assert_eq!(m.kind, OutputKind::Regression);
    assert_eq!((m.accuracy, m.agreement, m.correct), (None, None, None));
    assert_eq!(m.row_shape, vec![1]);
    // Independently: run both files row by row and compute the errors here.
    let run = |bytes: &[u8]| {
        let mut it = interp::interpreter_from_tflite(bytes).unwrap();
        x.iter()
            .map(|&v| {
                interp::set_input_from_f32(&mut it, 0, &[v]).unwrap();
                it.invoke().unwrap();
                interp::output_as_f32(&it, 0).unwrap()[0]
            })
            .collect::<Vec<f32>>()
    };
    let (a, b) = (run(float), run(&int8));
    let (mae, rmse, mx, sqnr) = errors(&a, &b);
    close("MAE", m.mae, mae, 1e-9);
    close("RMSE", m.rmse, rmse, 1e-9);
    close("max |error|", m.max_abs_error, mx, 1e-9);
    close("SQNR", m.sqnr_db.unwrap(), sqnr, 1e-9);
    assert!(m.sqnr_db.unwrap() > 20.0, "int8 sine SQNR {:?}", m.sqnr_db);
}

#[test]
fn metrics_of_known_vectors() {
    let m = interp::output_metrics(
        &[1.0, 2.0, 3.0, 4.0],
        &[1.0, 2.0, 3.0, 5.0],
        2,
        OutputKind::Regression,
        None,
    )
    .unwrap();
    assert_eq!((m.mae, m.rmse, m.max_abs_error), (0.25, 0.5, 1.0));
    close("SQNR", m.sqnr_db.unwrap(), 10.0 * 30f64.log10(), 1e-12);
    let r = [0.9, 0.1, 0.2, 0.8];
    let c = [0.6, 0.4, 0.7, 0.3];
    let m = interp::output_metrics(&r, &c, 2, OutputKind::Classification, Some(&[0, 0])).unwrap();
    assert_eq!(
        (m.agreement, m.accuracy, m.correct),
        (Some(0.5), Some(1.0), Some(2))
    );
    let e =
        interp::output_metrics(&r, &c, 2, OutputKind::Classification, Some(&[0, 2])).unwrap_err();
    assert!(
        e.to_string().contains("label 2 at row 2 is outside 0..1"),
        "{e}"
    );
    let e = interp::output_metrics(&r, &c[..3], 2, OutputKind::Regression, None).unwrap_err();
    assert!(e.to_string().contains("shape mismatch"), "{e}");
    let same = interp::output_metrics(&r, &r, 2, OutputKind::Regression, None).unwrap();
    assert_eq!(same.sqnr_db, None);
}

#[test]
fn bad_input_is_an_error() {
    let float = common::fixture("digits_mlp/model_float32.tflite");
    let e = interp::compare_tflite(float, float, &[0.0; 65], None).unwrap_err();
    assert!(e.to_string().contains("a multiple of 64 values"), "{e}");
    let e = interp::compare_tflite(float, b"TFL3", &[0.0; 64], None).unwrap_err();
    assert!(e.to_string().contains("malformed"), "{e}");
}
