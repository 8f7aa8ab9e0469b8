//! Training parity with Keras 3 (TensorFlow 2.21 backend), native and wasm.
//!
//! Two fixtures, same protocol (fixed initial weights, 256 samples, Adam(1e-3), batch 32,
//! no shuffling: one Adam step on `x[:32]`, then 3 epochs from the initial weights):
//! - `train_parity/` (made by `gen_train_parity.py` beside it): `Input(32) → Dense(64, relu)
//!   → Dense(10, softmax)`;
//! - `cnn_train_parity/` (made by `tests/fixtures/scripts/gen_turn2.py`): `Input(8, 8, 1) →
//!   Conv2D(4, 3, relu) → MaxPooling2D(2) → Flatten → Dense(10, softmax)`;
//! - `cnn_train_parity_bn/` (`scripts/gen_keras_parity.py`): `Input(8, 8, 2) →
//!   DepthwiseConv2D(3, depth_multiplier=2) → BatchNormalization(momentum 0.9) (training mode,
//!   moving statistics compared too) → ReLU → GlobalAveragePooling2D → Dense(10, softmax)`;
//! - `cnn_train_parity_res/` (same script): `t = Conv2D(4, 3, same, relu); b = Conv2D(4, 3,
//!   same)(t); r = ReLU(Add([t, b])); Concatenate([r, t]) → MaxPooling2D(2) → Flatten →
//!   Dense(10, softmax)`.

use super::{fixture, reference::npy};
use litequant::nn::activation::Activation;
use litequant::nn::{LayerConfig, Model};
use litequant::train::{CompileConfig, EpochLogs, FitConfig, Loss, Optimizer};

/// Which parity fixture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Mlp,
    Cnn,
    CnnBn,
    CnnRes,
}

impl Case {
    fn dir(self) -> &'static str {
        match self {
            Case::Mlp => "train_parity",
            Case::Cnn => "cnn_train_parity",
            Case::CnnBn => "cnn_train_parity_bn",
            Case::CnnRes => "cnn_train_parity_res",
        }
    }

    fn input_shape(self) -> &'static [usize] {
        match self {
            Case::Mlp => &[32],
            Case::Cnn | Case::CnnRes => &[8, 8, 1],
            Case::CnnBn => &[8, 8, 2],
        }
    }

    /// The untrained model.
    fn model(self) -> Model {
        match self {
            Case::Mlp | Case::Cnn | Case::CnnBn => Model::sequential(self.input_shape(), &self.layers(), 0).unwrap(),
            Case::CnnRes => litequant::nn::config::functional(&serde_json::json!({
                "inputs": [{"name": "input", "shape": [8, 8, 1]}],
                "outputs": ["dense"],
                "layers": [
                    {"name": "conv_a", "type": "conv2d", "filters": 4, "kernelSize": 3, "padding": "same", "activation": "relu", "inputs": ["input"]},
                    {"name": "conv_b", "type": "conv2d", "filters": 4, "kernelSize": 3, "padding": "same", "inputs": ["conv_a"]},
                    {"name": "add", "type": "add", "inputs": ["conv_a", "conv_b"]},
                    {"name": "relu", "type": "reLU", "inputs": ["add"]},
                    {"name": "concat", "type": "concatenate", "axis": -1, "inputs": ["relu", "conv_a"]},
                    {"name": "maxpool", "type": "maxPooling2d", "poolSize": 2, "inputs": ["concat"]},
                    {"name": "flatten", "type": "flatten", "inputs": ["maxpool"]},
                    {"name": "dense", "type": "dense", "units": 10, "activation": "softmax", "inputs": ["flatten"]}
                ]
            }))
            .unwrap(),
        }
    }

    /// Weight file stems in `get_weights` order (`init_<stem>.npy`, `final_<stem>.npy`,
    /// `one_step_<stem>.npy`; the first two fixtures number the one-step files).
    fn weight_stems(self) -> Vec<String> {
        match self {
            Case::Mlp | Case::Cnn => ["w0", "b0", "w1", "b1"].map(String::from).to_vec(),
            Case::CnnBn | Case::CnnRes => {
                let hist: serde_json::Value =
                    serde_json::from_slice(fixture(&format!("{}/history.json", self.dir())))
                        .unwrap();
                hist["weights_order_model_get_weights"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect()
            }
        }
    }

    /// Arrays whose Keras values are rounding noise, compared separately (see
    /// [`check_noise_arrays`]): in `cnn_train_parity_bn` the DepthwiseConv2D bias feeds a
    /// BatchNormalization in training mode, which subtracts the batch mean, so its true
    /// gradient is exactly 0; TF's computed gradient is rounding noise (≈ 6e-9, below Adam's
    /// ε = 1e-7, so its first step moves the bias by ≤ 0.06·lr instead of lr) and Adam turns
    /// that noise into a drift; the moving mean of the next layer follows that bias.
    fn noise_arrays(self) -> &'static [usize] {
        match self {
            Case::CnnBn => &[1, 4],
            _ => &[],
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
            Case::CnnBn => vec![
                LayerConfig::DepthwiseConv2D {
                    kernel_size: (3, 3),
                    strides: (1, 1),
                    padding: litequant::nn::conv::Padding::Valid,
                    depth_multiplier: 2,
                    dilation_rate: (1, 1),
                    activation: Activation::Linear,
                    use_bias: true,
                },
                LayerConfig::BatchNormalization {
                    momentum: 0.9,
                    epsilon: 1e-3,
                    center: true,
                    scale: true,
                },
                LayerConfig::ReLU {
                    max_value: None,
                    negative_slope: 0.0,
                    threshold: 0.0,
                },
                LayerConfig::GlobalAveragePooling2D { keepdims: false },
                LayerConfig::dense(10, Activation::Softmax),
            ],
            Case::CnnRes => Vec::new(),
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
    let names = case.weight_stems();
    let init = names
        .iter()
        .map(|n| f32s(&format!("init_{n}.npy")).0)
        .collect();
    let fin = names
        .iter()
        .map(|n| f32s(&format!("final_{n}.npy")).0)
        .collect();
    let one_step = match case {
        Case::Mlp | Case::Cnn => (0..4)
            .map(|i| f32s(&format!("one_step_w{i}.npy")).0)
            .collect(),
        _ => names
            .iter()
            .map(|n| f32s(&format!("one_step_{n}.npy")).0)
            .collect(),
    };
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
    let mut m = case.model();
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

/// Splits weights into the ordinary arrays and the [`Case::noise_arrays`].
fn split_noise<T: Clone>(case: Case, arrays: &[T]) -> (Vec<T>, Vec<T>) {
    let noise = case.noise_arrays();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (i, v) in arrays.iter().enumerate() {
        if noise.contains(&i) {
            b.push(v.clone());
        } else {
            a.push(v.clone());
        }
    }
    (a, b)
}

/// The noise-driven bias after one step: Keras's and ours both moved by less than a tenth
/// of Adam's learning rate (a step on a real gradient moves by ≈ lr = 1e-3), which shows
/// that both gradients are rounding noise of an exact zero.
fn check_noise_first_step(case: Case, f: &Fixture, got: &[(Vec<f32>, Vec<usize>)]) {
    for &a in case.noise_arrays() {
        if case == Case::CnnBn && a == 4 {
            continue; // the moving mean moves with the batch statistics, not by Adam
        }
        let steps = f.init[a].iter().zip(&f.one_step[a]).zip(&got[a].0);
        for (i, ((&init, &keras), &ours)) in steps.enumerate() {
            assert!(
                (keras - init).abs() < 1e-4,
                "{case:?} array {a}[{i}]: Keras moved by {}",
                keras - init
            );
            assert!(
                (ours - init).abs() < 1e-4,
                "{case:?} array {a}[{i}]: we moved by {}",
                ours - init
            );
        }
    }
}

/// One Adam step on `x[:32]` equals Keras's.
pub fn check_one_step(case: Case) {
    let f = load_case(case);
    let mut m = case_model(case, &f.init);
    let d = m.input_size();
    m.fit_epoch(&f.x[..32 * d], &f.y[..32], &no_shuffle(1), 0)
        .unwrap();
    let got = m.get_weights();
    check_noise_first_step(case, &f, &got);
    let (got, _) = split_noise(case, &got);
    let (want, _) = split_noise(case, &f.one_step);
    let (err, at) = max_rel_err(&got, &want, 1e-3);
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

    let (got, got_noise) = split_noise(case, &m.get_weights());
    let (want, want_noise) = split_noise(case, &f.fin);
    let (err, at) = max_rel_err(&got, &want, 1e-3);
    eprintln!("{case:?} 3 epochs: max relative error of final weights {err:.3e} ({at})");
    // The noise-driven arrays: two Adam walks on rounding noise, each of which moved the
    // bias by at most 3.6e-4 in Keras; measured difference 9.2e-5 (bias), 5.8e-5 (moving
    // mean), against 1e-8 for every other weight of the same model.
    for ((g, _), w) in got_noise.iter().zip(&want_noise) {
        let worst = g
            .iter()
            .zip(w)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        eprintln!("{case:?} noise-driven array: max absolute difference {worst:e}");
        assert!(worst <= 2e-4, "{case:?} noise-driven array: {worst}");
    }
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
