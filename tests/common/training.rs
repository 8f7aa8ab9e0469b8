//! Training parity with Keras 3 (TensorFlow 2.21 backend), native and wasm.
//!
//! Fixtures: tests/fixtures/train_parity/, made by `gen_train_parity.py` beside them:
//! `Input(32) → Dense(64, relu) → Dense(10, softmax)`, fixed initial weights, 256 samples,
//! Adam(1e-3), 3 epochs of batch 32 without shuffling, plus one Adam step on `x[:32]`.

use super::{fixture, reference::npy};
use litequant::nn::{Activation, DenseConfig, Sequential};
use litequant::train::{CompileConfig, EpochLogs, FitConfig, Loss, Optimizer};

fn npy_f32(name: &str) -> (Vec<f32>, Vec<usize>) {
    let (shape, data) = npy::<f32>(&format!("train_parity/{name}"));
    (data, shape)
}

fn npy_i32(name: &str) -> Vec<i32> {
    npy::<i32>(&format!("train_parity/{name}")).1
}

pub struct Fixture {
    pub x: Vec<f32>,
    pub y: Vec<i32>,
    pub init: Vec<Vec<f32>>,
    pub fin: Vec<Vec<f32>>,
    pub one_step: Vec<Vec<f32>>,
    pub loss: Vec<f64>,
    pub accuracy: Vec<f64>,
}

pub fn load() -> Fixture {
    let (x, xs) = npy_f32("x.npy");
    assert_eq!(xs, [256, 32]);
    let y = npy_i32("y.npy");
    assert_eq!(y.len(), 256);
    let names = ["w0", "b0", "w1", "b1"];
    let init = names
        .iter()
        .map(|n| npy_f32(&format!("init_{n}.npy")).0)
        .collect();
    let fin = names
        .iter()
        .map(|n| npy_f32(&format!("final_{n}.npy")).0)
        .collect();
    let one_step = (0..4)
        .map(|i| npy_f32(&format!("one_step_w{i}.npy")).0)
        .collect();
    let hist: serde_json::Value =
        serde_json::from_slice(fixture("train_parity/history.json")).unwrap();
    let nums = |k: &str| -> Vec<f64> {
        hist[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    Fixture {
        x,
        y,
        init,
        fin,
        one_step,
        loss: nums("loss_per_epoch"),
        accuracy: nums("accuracy_per_epoch"),
    }
}

/// The fixture's model, initialised from `init` and compiled with Adam(1e-3).
pub fn keras_model(init: &[Vec<f32>]) -> Sequential {
    let mut m = Sequential::new(
        32,
        &[
            DenseConfig::new(64, Activation::Relu),
            DenseConfig::new(10, Activation::Softmax),
        ],
        0,
    )
    .unwrap();
    m.set_weights(init).unwrap();
    m.compile(CompileConfig {
        optimizer: Optimizer::adam(1e-3),
        loss: Loss::default(),
    })
    .unwrap();
    m
}

pub fn no_shuffle(epochs: usize) -> FitConfig {
    FitConfig {
        epochs,
        batch_size: 32,
        shuffle: false,
        seed: 0,
    }
}

// Tolerances. Our arithmetic is float32 like TF's, but sums run in a different order (TF's
// matmul blocks and may use FMA), so we agree to a few float32 ulps per op, not bit for bit.
// Errors are measured as `|a - b| / max(|b|, 1e-3)`: relative for ordinary weights, and
// absolute (scaled by 1e-3) for the few weights that pass near zero, where a pure relative
// error only measures cancellation. Measured on x86-64: one step 8.0e-7 (bound 1e-5), three
// epochs 1.3e-6 (bound 1e-4; max absolute error 4.5e-8), epoch losses ≤ 9.3e-8 relative
// (bound 1e-4), accuracy exact. The bounds are not loose enough to hide a formula slip:
// computing Adam's `1 - beta` in float32 instead of casting Keras's float64 value moves the
// three-epoch error to 1.1e-4 and fails.

/// Largest `|a - b| / max(|b|, floor)` over all elements of all arrays, with its location.
pub fn max_rel_err(got: &[(Vec<f32>, Vec<usize>)], want: &[Vec<f32>], floor: f64) -> (f64, String) {
    let mut worst = (0.0, String::new());
    for (i, ((g, _), w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len());
        for (j, (&a, &b)) in g.iter().zip(w).enumerate() {
            let err = (f64::from(a) - f64::from(b)).abs() / f64::from(b).abs().max(floor);
            if err > worst.0 {
                worst = (err, format!("array {i}[{j}]: got {a}, want {b}"));
            }
        }
    }
    worst
}

/// One Adam step on `x[:32]` equals Keras's.
pub fn check_one_adam_step() {
    let f = load();
    let mut m = keras_model(&f.init);
    m.fit_epoch(&f.x[..32 * 32], &f.y[..32], &no_shuffle(1), 0)
        .unwrap();
    let (err, at) = max_rel_err(&m.get_weights(), &f.one_step, 1e-3);
    eprintln!("one step: max relative error {err:.3e} ({at})");
    assert!(err <= 1e-5, "one step: {err:e} at {at}");
}

/// Three epochs: final weights within 1e-4, losses within 1e-4, accuracy exact.
pub fn check_three_epochs() {
    let f = load();
    let mut m = keras_model(&f.init);
    let mut seen = Vec::new();
    let hist = m
        .fit(&f.x, &f.y, &no_shuffle(3), &mut |e, logs: &EpochLogs| {
            seen.push((e, *logs));
            true
        })
        .unwrap();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2]);

    let (err, at) = max_rel_err(&m.get_weights(), &f.fin, 1e-3);
    eprintln!("3 epochs: max relative error of final weights {err:.3e} ({at})");
    for (e, (&got, &want)) in hist.loss.iter().zip(&f.loss).enumerate() {
        let rel = (got - want).abs() / want.abs();
        eprintln!(
            "epoch {e}: loss {got:.9} vs keras {want:.9} (rel {rel:.2e}), accuracy {} vs {}",
            hist.accuracy[e], f.accuracy[e]
        );
        assert!(rel <= 1e-4, "epoch {e} loss {got} vs {want}");
    }
    assert_eq!(hist.accuracy, f.accuracy);
    assert!(err <= 1e-4, "final weights: {err:e} at {at}");
}
