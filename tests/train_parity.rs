//! Training parity with Keras 3 (TensorFlow 2.21 backend) and the `fit` contract.
//!
//! Fixtures (see `common/training.rs`): `train_parity/` (a Dense MLP) and
//! `cnn_train_parity/` (Conv2D → MaxPooling2D → Flatten → Dense), fixed initial weights,
//! 256 samples, Adam(1e-3), 3 epochs of batch 32 without shuffling, plus one Adam step.

mod common;

use common::training::{keras_model, load, Case};
use litequant::nn::activation::Activation;
use litequant::nn::{LayerConfig, Model};
use litequant::train::{CompileConfig, FitConfig, Loss, Optimizer};

#[test]
fn one_adam_step_matches_keras() {
    common::training::check_one_adam_step();
}

#[test]
fn three_epochs_match_keras() {
    common::training::check_three_epochs();
}

#[test]
fn cnn_one_adam_step_matches_keras() {
    common::training::check_one_step(Case::Cnn);
}

#[test]
fn cnn_three_epochs_match_keras() {
    common::training::check_epochs(Case::Cnn);
}

#[test]
fn cnn_bn_one_adam_step_matches_keras() {
    common::training::check_one_step(Case::CnnBn);
}

#[test]
fn cnn_bn_three_epochs_match_keras() {
    common::training::check_epochs(Case::CnnBn);
}

#[test]
fn cnn_residual_one_adam_step_matches_keras() {
    common::training::check_one_step(Case::CnnRes);
}

#[test]
fn cnn_residual_three_epochs_match_keras() {
    common::training::check_epochs(Case::CnnRes);
}

/// The determinism case (`tests/fixtures/train_determinism/case.json`): two runs give the
/// same bits, and the result is written to `target/train/determinism.json` for the JS test,
/// which trains the same model in the release wasm build and must get the same bits.
#[test]
fn cnn_training_is_bit_reproducible_and_recorded_for_the_wasm_build() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let case: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("tests/fixtures/train_determinism/case.json")).unwrap(),
    )
    .unwrap();
    let n = case["n"].as_u64().unwrap() as usize;
    let run = || {
        let mut m = litequant::nn::config::functional(&case["model"]).unwrap();
        let d = m.input_size();
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7919) % 1013) as f32 / 256.0 - 506.0 / 256.0)
            .collect();
        let y: Vec<i32> = (0..n).map(|i| ((i * 5 + i / 3) % 4) as i32).collect();
        m.compile(CompileConfig {
            optimizer: Optimizer::adam(0.01),
            loss: Loss::default(),
        })
        .unwrap();
        let f = &case["fit"];
        let cfg = FitConfig {
            epochs: f["epochs"].as_u64().unwrap() as usize,
            batch_size: f["batchSize"].as_u64().unwrap() as usize,
            shuffle: f["shuffle"].as_bool().unwrap(),
            seed: f["seed"].as_u64().unwrap(),
        };
        let h = m.fit(&x, &y, &cfg, &mut |_, _| true).unwrap();
        (m.get_weights(), h)
    };
    let (a, ha) = run();
    let (b, hb) = run();
    assert_eq!(a, b);
    assert_eq!(ha, hb);
    assert!(ha.loss[1] < ha.loss[0], "{:?}", ha.loss);
    let weights: Vec<Vec<u32>> = a
        .iter()
        .map(|(w, _)| w.iter().map(|v| v.to_bits()).collect())
        .collect();
    let out = serde_json::json!({"loss": ha.loss, "accuracy": ha.accuracy, "weight_bits": weights});
    let dir = root.join("target/train");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("determinism.json"),
        serde_json::to_vec(&out).unwrap(),
    )
    .unwrap();
}

/// `Input(d) → Dense…` with `(units, activation)` per layer.
fn dense(d: usize, layers: &[(usize, Activation)], seed: u64) -> Model {
    let cfgs: Vec<LayerConfig> = layers
        .iter()
        .map(|&(u, a)| LayerConfig::dense(u, a))
        .collect();
    Model::sequential(&[d], &cfgs, seed).unwrap()
}

// ---- the fit contract -------------------------------------------------------------------

/// Deterministic data: `n` samples of `d` features, labels in `[0, classes)`.
fn toy_data(n: usize, d: usize, classes: usize) -> (Vec<f32>, Vec<i32>) {
    let x = (0..n * d)
        .map(|i| ((i * 7919 % 1013) as f32 / 506.5) - 1.0)
        .collect();
    let y = (0..n)
        .map(|i| ((i * 31 + i / 3) % classes) as i32)
        .collect();
    (x, y)
}

fn toy_model(seed: u64) -> Model {
    let mut m = dense(8, &[(16, Activation::Relu), (4, Activation::Softmax)], seed);
    m.compile(CompileConfig::default()).unwrap();
    m
}

fn weights(m: &Model) -> Vec<Vec<f32>> {
    m.get_weights().into_iter().map(|(w, _)| w).collect()
}

#[test]
fn same_seed_same_result_different_seed_different_init() {
    let (x, y) = toy_data(90, 8, 4);
    let cfg = FitConfig {
        epochs: 3,
        batch_size: 16,
        shuffle: true,
        seed: 11,
    };
    let run = |seed| {
        let mut m = toy_model(seed);
        let h = m.fit(&x, &y, &cfg, &mut |_, _| true).unwrap();
        (weights(&m), h)
    };
    let (a, ha) = run(5);
    let (b, hb) = run(5);
    assert_eq!(a, b, "same seeds must give bit-identical weights");
    assert_eq!(ha, hb);
    assert_ne!(
        weights(&toy_model(5)),
        weights(&toy_model(6)),
        "different seed, different init"
    );

    // A different shuffle seed changes the batches, hence the result.
    let mut m = toy_model(5);
    m.fit(&x, &y, &FitConfig { seed: 12, ..cfg }, &mut |_, _| true)
        .unwrap();
    assert_ne!(weights(&m), a);
}

/// The JS side calls `fit_epoch` once per epoch; that must be the same as `fit`.
#[test]
fn fit_epoch_loop_equals_fit() {
    let (x, y) = toy_data(70, 8, 4);
    let cfg = FitConfig {
        epochs: 3,
        batch_size: 8,
        shuffle: true,
        seed: 3,
    };
    let mut a = toy_model(1);
    let h = a.fit(&x, &y, &cfg, &mut |_, _| true).unwrap();
    let mut b = toy_model(1);
    for e in 0..3 {
        let logs = b.fit_epoch(&x, &y, &cfg, e).unwrap();
        assert_eq!((logs.loss, logs.accuracy), (h.loss[e], h.accuracy[e]));
    }
    assert_eq!(weights(&a), weights(&b));
}

#[test]
fn callback_can_stop_training() {
    let (x, y) = toy_data(40, 8, 4);
    let mut m = toy_model(0);
    let h = m
        .fit(
            &x,
            &y,
            &FitConfig {
                epochs: 10,
                ..FitConfig::default()
            },
            &mut |e, _| e < 1,
        )
        .unwrap();
    assert_eq!(h.loss.len(), 2);
    assert_eq!(h.accuracy.len(), 2);
}

/// Keras 3 reports the epoch loss as the mean over samples: each batch's mean loss weighted
/// by its size. With 100 samples in batches of 32 the last batch has 4 samples; we replay
/// the epoch batch by batch (evaluate on the batch, then one step on it) and compare.
#[test]
fn partial_last_batch_is_weighted_by_its_size() {
    let (x, y) = toy_data(100, 8, 4);
    let cfg = FitConfig {
        epochs: 1,
        batch_size: 32,
        shuffle: false,
        seed: 0,
    };
    let mut model = toy_model(2);
    let mut replay = model.clone();
    let logs = model.fit_epoch(&x, &y, &cfg, 0).unwrap();

    let (mut weighted, mut unweighted, mut correct) = (0.0, 0.0, 0.0);
    let mut sizes = Vec::new();
    for (xb, yb) in x.chunks(32 * 8).zip(y.chunks(32)) {
        let before = replay.evaluate(xb, yb).unwrap();
        weighted += before.loss * yb.len() as f64;
        unweighted += before.loss;
        correct += before.accuracy * yb.len() as f64;
        sizes.push(yb.len());
        let one = FitConfig {
            batch_size: yb.len(),
            ..cfg
        };
        replay.fit_epoch(xb, yb, &one, 0).unwrap();
    }
    assert_eq!(sizes, [32, 32, 32, 4]);
    assert_eq!(
        weights(&model),
        weights(&replay),
        "the partial batch is trained on"
    );
    let (weighted, unweighted) = (weighted / 100.0, unweighted / 4.0);
    assert!(
        (logs.loss - weighted).abs() <= 1e-9 * weighted,
        "{} vs {weighted}",
        logs.loss
    );
    assert!((logs.accuracy - correct / 100.0).abs() < 1e-12);
    // The check can tell the two means apart on this data.
    assert!(
        (weighted - unweighted).abs() > 1e-4,
        "{weighted} vs {unweighted}"
    );
}

#[test]
fn predict_batch_equals_row_by_row() {
    let f = load();
    let m = keras_model(&f.init);
    let all = m.predict(&f.x).unwrap();
    assert_eq!(all.len(), 256 * 10);
    for (r, row) in all.chunks(10).enumerate() {
        let one = m.predict(&f.x[r * 32..(r + 1) * 32]).unwrap();
        assert_eq!(row, &one[..], "row {r}");
    }
}

/// A linear last layer with `from_logits = true` trains exactly like a softmax last layer.
#[test]
fn from_logits_with_linear_output_trains_the_same() {
    let (x, y) = toy_data(50, 8, 4);
    let cfg = FitConfig {
        epochs: 2,
        batch_size: 16,
        shuffle: true,
        seed: 9,
    };
    let mut soft = toy_model(4);
    let mut lin = dense(8, &[(16, Activation::Relu), (4, Activation::Linear)], 4);
    lin.compile(CompileConfig {
        loss: Loss::SparseCategoricalCrossentropy { from_logits: true },
        ..CompileConfig::default()
    })
    .unwrap();
    let hs = soft.fit(&x, &y, &cfg, &mut |_, _| true).unwrap();
    let hl = lin.fit(&x, &y, &cfg, &mut |_, _| true).unwrap();
    assert_eq!(weights(&soft), weights(&lin));
    assert_eq!(hs.loss, hl.loss);
}

fn err_text<T: std::fmt::Debug>(r: litequant::Result<T>) -> String {
    r.expect_err("expected an error").to_string()
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let (x, y) = toy_data(10, 8, 4);
    let cfg = FitConfig::default();
    let mut m = toy_model(0);
    let fit = |m: &mut Model, x: &[f32], y: &[i32], cfg: &FitConfig| {
        err_text(m.fit(x, y, cfg, &mut |_, _| true))
    };

    let e = fit(&mut m, &x[..75], &y, &cfg);
    assert!(e.contains("multiple of 8") && e.contains("75"), "{e}");
    let e = fit(&mut m, &x, &y[..9], &cfg);
    assert!(
        e.contains("y") && e.contains("10") && e.contains("9"),
        "{e}"
    );
    let mut bad = y.clone();
    bad[6] = 4;
    let e = fit(&mut m, &x, &bad, &cfg);
    assert!(e.contains("y[6] = 4") && e.contains("[0, 4)"), "{e}");
    bad[6] = -1;
    let e = fit(&mut m, &x, &bad, &cfg);
    assert!(e.contains("y[6] = -1"), "{e}");
    let mut nan = x.clone();
    nan[19] = f32::NAN;
    let e = fit(&mut m, &nan, &y, &cfg);
    assert!(
        e.contains("sample 2, feature 3") && e.contains("index 19"),
        "{e}"
    );
    let e = fit(&mut m, &[], &[], &cfg);
    assert!(e.contains("empty"), "{e}");
    let e = fit(
        &mut m,
        &x,
        &y,
        &FitConfig {
            batch_size: 0,
            ..cfg
        },
    );
    assert!(e.contains("batch_size"), "{e}");
    let e = err_text(m.fit_epoch(
        &x,
        &y,
        &FitConfig {
            batch_size: 0,
            ..cfg
        },
        0,
    ));
    assert!(e.contains("batch_size"), "{e}");
    let e = err_text(m.evaluate(&x, &bad));
    assert!(e.contains("y[6] = -1"), "{e}");

    // Not compiled.
    let mut raw = dense(8, &[(4, Activation::Softmax)], 0);
    let e = fit(&mut raw, &x, &y, &cfg);
    assert!(e.contains("not compiled"), "{e}");
    assert!(err_text(raw.evaluate(&x, &y)).contains("not compiled"));

    // Loss / last-layer mismatches.
    let mut relu_out = dense(8, &[(4, Activation::Relu)], 0);
    let e = err_text(relu_out.compile(CompileConfig::default()));
    assert!(e.contains("softmax") && e.contains("relu"), "{e}");
    let logits = CompileConfig {
        loss: Loss::SparseCategoricalCrossentropy { from_logits: true },
        ..CompileConfig::default()
    };
    let e = err_text(raw.compile(logits));
    assert!(e.contains("from_logits") && e.contains("softmax"), "{e}");
    let e = err_text(raw.compile(CompileConfig {
        optimizer: Optimizer::adam(-1.0),
        ..logits
    }));
    assert!(e.contains("learning_rate"), "{e}");

    // Nothing above changed the model.
    let before = weights(&m);
    assert!(m.fit(&x, &y, &cfg, &mut |_, _| true).is_ok());
    assert_ne!(weights(&m), before);
}
