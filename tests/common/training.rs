//! Training parity with Keras 3 (TensorFlow 2.21 backend), native and wasm.
//!
//! Two fixtures, same protocol (fixed initial weights, 256 samples, Adam(1e-3), batch 32,
//! no shuffling: one Adam step on `x[:32]`, then 3 epochs from the initial weights):
//! - `train_parity/` (made by `gen_train_parity.py` beside it): `Input(32) → Dense(64, relu)
//!   → Dense(10, softmax)`;
//! - `cnn_train_parity/` (made by `tests/fixtures/scripts/gen_turn2.py`): `Input(8, 8, 1) →
//!   Conv2D(4, 3, relu) → MaxPooling2D(2) → Flatten → Dense(10, softmax)`.

use super::{fixture, reference::npy};
use litequant::nn::activation::Activation;
use litequant::nn::{LayerConfig, Model};
use litequant::train::{CompileConfig, EpochLogs, FitConfig, Loss, Optimizer};

/// Which parity fixture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Mlp,
    Cnn,
}

impl Case {
    fn dir(self) -> &'static str {
        match self {
            Case::Mlp => "train_parity",
            Case::Cnn => "cnn_train_parity",
        }
    }

    fn input_shape(self) -> &'static [usize] {
        match self {
            Case::Mlp => &[32],
            Case::Cnn => &[8, 8, 1],
        }
    }

    fn layers(self) -> Vec<LayerConfig> {
        match self {
            Case::Mlp => vec![
                LayerConfig::dense(64, Activation::Relu),
                LayerConfig::dense(10, Activation::Softmax),
            ],
            Case::Cnn => vec![
                LayerConfig::conv2d(4, 3, Activation::Relu),
                LayerConfig::max_pooling2d(2),
                LayerConfig::Flatten,
                LayerConfig::dense(10, Activation::Softmax),
            ],
        }
    }
}

pub struct Fixture {
    pub case: Case,
    pub x: Vec<f32>,
    pub y: Vec<i32>,
    pub init: Vec<Vec<f32>>,
    pub fin: Vec<Vec<f32>>,
    pub one_step: Vec<Vec<f32>>,
    pub loss: Vec<f64>,
    pub accuracy: Vec<f64>,
}

pub fn load_case(case: Case) -> Fixture {
    let dir = case.dir();
    let f32s = |name: &str| -> (Vec<f32>, Vec<usize>) {
        let (shape, data) = npy::<f32>(&format!("{dir}/{name}"));
        (data, shape)
    };
    let (x, xs) = f32s("x.npy");
    let mut want = vec![256];
    want.extend_from_slice(case.input_shape());
    assert_eq!(xs, want);
    let y = npy::<i32>(&format!("{dir}/y.npy")).1;
    assert_eq!(y.len(), 256);
    let names = ["w0", "b0", "w1", "b1"];
    let init = names
        .iter()
        .map(|n| f32s(&format!("init_{n}.npy")).0)
        .collect();
    let fin = names
        .iter()
        .map(|n| f32s(&format!("final_{n}.npy")).0)
        .collect();
    let one_step = (0..4)
        .map(|i| f32s(&format!("one_step_w{i}.npy")).0)
        .collect();
    let hist: serde_json::Value =
        serde_json::from_slice(fixture(&format!("{dir}/history.json"))).unwrap();
    let nums = |k: &str| -> Vec<f64> {
        hist[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    Fixture {
        case,
        x,
        y,
        init,
        fin,
        one_step,
        loss: nums("loss_per_epoch"),
        accuracy: nums("accuracy_per_epoch"),
    }
}

/// The Dense parity fixture.
pub fn load() -> Fixture {
    load_case(Case::Mlp)
}

/// The fixture's model, initialised from `init` and compiled with Adam(1e-3).
pub fn case_model(case: Case, init: &[Vec<f32>]) -> Model {
    let mut m = Model::sequential(case.input_shape(), &case.layers(), 0).unwrap();
    m.set_weights(init).unwrap();
    m.compile(CompileConfig {
        optimizer: Optimizer::adam(1e-3),
        loss: Loss::default(),
    })
    .unwrap();
    m
}

/// The Dense fixture's model.
pub fn keras_model(init: &[Vec<f32>]) -> Model {
    case_model(Case::Mlp, init)
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
// matmul and convolution kernels block and may use FMA), so we agree to a few float32 ulps
// per op, not bit for bit. Errors are measured as `|a - b| / max(|b|, 1e-3)`: relative for
// ordinary weights, and absolute (scaled by 1e-3) for the few weights that pass near zero,
// where a pure relative error only measures cancellation. Measured on x86-64 (Dense):
// one step 8.0e-7 (bound 1e-5), three epochs 1.3e-6 (bound 1e-4; max absolute error
// 4.5e-8), epoch losses ≤ 9.3e-8 relative (bound 1e-4), accuracy exact. The bounds are not
// loose enough to hide a formula slip: computing Adam's `1 - beta` in float32 instead of
// casting Keras's float64 value moves the Dense three-epoch error to 1.1e-4 and fails.

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
pub fn check_one_step(case: Case) {
    let f = load_case(case);
    let mut m = case_model(case, &f.init);
    let d = m.input_size();
    m.fit_epoch(&f.x[..32 * d], &f.y[..32], &no_shuffle(1), 0)
        .unwrap();
    let (err, at) = max_rel_err(&m.get_weights(), &f.one_step, 1e-3);
    eprintln!("{case:?} one step: max relative error {err:.3e} ({at})");
    assert!(err <= 1e-5, "{case:?} one step: {err:e} at {at}");
}

/// Three epochs: final weights within 1e-4, losses within 1e-4, accuracy exact.
pub fn check_epochs(case: Case) {
    let f = load_case(case);
    let mut m = case_model(case, &f.init);
    let mut seen = Vec::new();
    let hist = m
        .fit(&f.x, &f.y, &no_shuffle(3), &mut |e, logs: &EpochLogs| {
            seen.push((e, *logs));
            true
        })
        .unwrap();
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2]);

    let (err, at) = max_rel_err(&m.get_weights(), &f.fin, 1e-3);
    eprintln!("{case:?} 3 epochs: max relative error of final weights {err:.3e} ({at})");
    for (e, (&got, &want)) in hist.loss.iter().zip(&f.loss).enumerate() {
        let rel = (got - want).abs() / want.abs();
        eprintln!(
            "{case:?} epoch {e}: loss {got:.9} vs keras {want:.9} (rel {rel:.2e}), accuracy {} vs {}",
            hist.accuracy[e], f.accuracy[e]
        );
        assert!(rel <= 1e-4, "{case:?} epoch {e} loss {got} vs {want}");
    }
    assert_eq!(hist.accuracy, f.accuracy, "{case:?} accuracy");
    assert!(err <= 1e-4, "{case:?} final weights: {err:e} at {at}");
}

pub fn check_one_adam_step() {
    check_one_step(Case::Mlp);
}

pub fn check_three_epochs() {
    check_epochs(Case::Mlp);
}
