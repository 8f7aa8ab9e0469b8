//! Training: `compile`, `fit`, `fit_epoch` and `evaluate` for [`Sequential`], with Keras 3
//! semantics (TensorFlow backend), so a model given the same initial weights, data order and
//! hyper-parameters ends where Keras ends (float32 rounding aside; see
//! `tests/train_parity.rs`).
//!
//! - Optimizers: [`Adam`] and [`Sgd`] (`adam.rs`), Keras 3's update formulas.
//! - Loss: sparse categorical cross-entropy (`loss.rs`) on the last layer's logits, which
//!   is what Keras 3 on TF computes for a softmax output layer.
//! - Metric: accuracy (`metrics.rs`), `argmax(output) == label`.
//! - Reported per-epoch loss and accuracy are Keras 3's: the mean over the epoch's samples,
//!   i.e. each batch's mean loss weighted by its size (`_loss_tracker.update_state(loss,
//!   sample_weight=batch_size)` in keras/src/backend/tensorflow/trainer.py), computed on the
//!   forward pass of each training step, before that step's update.
//!
//! Supported loss/output pairs (anything else is rejected by `compile`):
//! - `SparseCategoricalCrossentropy { from_logits: false }` with a softmax last layer,
//! - `SparseCategoricalCrossentropy { from_logits: true }` with a linear last layer.
//!
//! Both compute the same thing on the last layer's pre-activation `z`. The other two
//! combinations are rejected rather than guessed at: Keras itself ignores `from_logits=True`
//! on a softmax output (with a warning), and a linear output without `from_logits` would
//! take the log of values that are not probabilities.

mod adam;
mod loss;
pub(crate) mod metrics;

pub use adam::{Adam, Sgd};

use std::str::FromStr;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::nn::{Activation, Dense, ForwardScratch, Sequential};

/// ChaCha stream base for per-epoch shuffling: epoch `e` of `fit` uses stream
/// `SHUFFLE_STREAM + e` of `ChaCha8Rng::seed_from_u64(seed)`, so each epoch's order depends
/// only on `(seed, epoch)` — `fit` and a JS loop over `fit_epoch` see the same batches. The
/// base keeps these streams apart from the initializer streams of `nn::init`.
const SHUFFLE_STREAM: u64 = 1 << 32;

/// Rows per block in `evaluate` (Keras's default `batch_size` for `evaluate`).
const EVAL_BATCH: usize = 32;

/// The optimizer of [`CompileConfig`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    Adam(Adam),
    Sgd(Sgd),
}

impl Default for Optimizer {
    fn default() -> Self {
        Optimizer::Adam(Adam::default())
    }
}

impl Optimizer {
    /// Adam with Keras defaults except the learning rate.
    pub fn adam(learning_rate: f64) -> Self {
        Optimizer::Adam(Adam {
            learning_rate,
            ..Adam::default()
        })
    }

    /// Plain SGD (no momentum).
    pub fn sgd(learning_rate: f64) -> Self {
        Optimizer::Sgd(Sgd {
            learning_rate,
            ..Sgd::default()
        })
    }

    fn validate(&self) -> Result<()> {
        match self {
            Optimizer::Adam(a) => a.validate(),
            Optimizer::Sgd(s) => s.validate(),
        }
    }

    /// Zeroed optimizer state for a weight array of `n` values.
    fn slot(&self, n: usize) -> Slot {
        match self {
            Optimizer::Adam(_) => Slot {
                m: vec![0.0; n],
                v: vec![0.0; n],
            },
            Optimizer::Sgd(s) if s.momentum != 0.0 => Slot {
                m: vec![0.0; n],
                v: Vec::new(),
            },
            Optimizer::Sgd(_) => Slot {
                m: Vec::new(),
                v: Vec::new(),
            },
        }
    }
}

impl FromStr for Optimizer {
    type Err = Error;

    /// Keras names with Keras defaults: `"adam"` (lr 1e-3), `"sgd"` (lr 0.01).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "adam" => Ok(Optimizer::Adam(Adam::default())),
            "sgd" => Ok(Optimizer::Sgd(Sgd::default())),
            other => Err(Error::invalid(format!(
                "unknown optimizer {other:?}: expected \"adam\" or \"sgd\""
            ))),
        }
    }
}

/// The loss of [`CompileConfig`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Integer labels in `[0, classes)`. `from_logits: false` needs a softmax last layer,
    /// `from_logits: true` a linear one (see the module docs).
    SparseCategoricalCrossentropy { from_logits: bool },
}

impl Default for Loss {
    fn default() -> Self {
        Loss::SparseCategoricalCrossentropy { from_logits: false }
    }
}

impl FromStr for Loss {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "sparse_categorical_crossentropy" => Ok(Loss::default()),
            other => Err(Error::invalid(format!(
                "unknown loss {other:?}: expected \"sparse_categorical_crossentropy\""
            ))),
        }
    }
}

/// `model.compile(optimizer=..., loss=..., metrics=["accuracy"])`; accuracy is always reported.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CompileConfig {
    pub optimizer: Optimizer,
    pub loss: Loss,
}

/// `model.fit(..., epochs, batch_size, shuffle)` plus the shuffling seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FitConfig {
    pub epochs: usize,
    /// Samples per gradient step; the last batch of an epoch may be smaller.
    pub batch_size: usize,
    /// Shuffle the sample order at every epoch (Keras's default is true).
    pub shuffle: bool,
    /// Seed of the per-epoch shuffles.
    pub seed: u64,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
        }
    }
}

/// Loss and accuracy over one epoch (or one `evaluate`): means over samples.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochLogs {
    pub loss: f64,
    pub accuracy: f64,
}

/// One value per completed epoch, as `History.history` in Keras.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub loss: Vec<f64>,
    pub accuracy: Vec<f64>,
}

/// What `compile` attaches to a model: configuration, optimizer state, training scratch.
#[derive(Clone, Debug)]
pub(crate) struct Compiled {
    config: CompileConfig,
    /// Completed optimizer steps (Keras's `optimizer.iterations`).
    iterations: u64,
    /// Optimizer state per weight array, in `get_weights` order.
    slots: Vec<Slot>,
    workspace: Workspace,
}

/// Optimizer state of one weight array: Adam's `m` and `v`; SGD's velocity in `m` (empty
/// without momentum, as Keras creates no momentum variables then).
#[derive(Clone, Debug)]
struct Slot {
    m: Vec<f32>,
    v: Vec<f32>,
}

/// Buffers reused by every training step; sized for `rows` samples per batch.
#[derive(Clone, Debug, Default)]
struct Workspace {
    rows: usize,
    /// Gathered batch inputs `[rows, in]` and labels, used when shuffling.
    xb: Vec<f32>,
    yb: Vec<i32>,
    /// Per layer `[rows, units]`: activations of hidden layers; for the last layer its
    /// pre-activation `z` (the logits the loss reads).
    acts: Vec<Vec<f32>>,
    /// Softmax of the logits `[rows, classes]`.
    probs: Vec<f32>,
    /// Ping-pong `∂L/∂z` buffers, `[rows, widest layer]` each.
    delta: [Vec<f32>; 2],
    /// Gradients per layer, same shapes as the kernel and bias.
    d_kernel: Vec<Vec<f32>>,
    d_bias: Vec<Vec<f32>>,
    /// Sample order of the current epoch.
    order: Vec<usize>,
}

impl Workspace {
    /// Makes sure the buffers hold `rows` samples and `n` sample indices; allocates only
    /// when they grow.
    fn reserve(&mut self, layers: &[Dense], rows: usize, n: usize) {
        if self.order.len() != n {
            self.order.resize(n, 0);
        }
        if self.rows >= rows && self.acts.len() == layers.len() {
            return;
        }
        let input_dim = layers[0].input_dim;
        let widest = layers
            .iter()
            .map(|l| l.units.max(l.input_dim))
            .max()
            .unwrap_or(0);
        let classes = layers[layers.len() - 1].units;
        self.rows = rows;
        self.xb = vec![0.0; rows * input_dim];
        self.yb = vec![0; rows];
        self.acts = layers.iter().map(|l| vec![0.0; rows * l.units]).collect();
        self.probs = vec![0.0; rows * classes];
        self.delta = [vec![0.0; rows * widest], vec![0.0; rows * widest]];
        self.d_kernel = layers.iter().map(|l| vec![0.0; l.kernel.len()]).collect();
        self.d_bias = layers.iter().map(|l| vec![0.0; l.bias.len()]).collect();
    }
}

impl Sequential {
    /// Sets optimizer and loss, and resets the optimizer state (a fresh optimizer, as when
    /// Keras's `compile` is given a new optimizer instance). Fails when the loss does not fit
    /// the last layer's activation (see the module docs).
    pub fn compile(&mut self, cfg: CompileConfig) -> Result<()> {
        cfg.optimizer.validate()?;
        let last = &self.layers[self.layers.len() - 1];
        let Loss::SparseCategoricalCrossentropy { from_logits } = cfg.loss;
        match (from_logits, last.activation) {
            (false, Activation::Softmax) | (true, Activation::Linear) => {}
            (false, act) => {
                return Err(Error::invalid(format!(
                    "compile: sparse_categorical_crossentropy needs a softmax last layer, but \
                     layer {} has activation {act}; use activation \"softmax\", or a linear \
                     last layer with from_logits = true",
                    self.layers.len() - 1
                )))
            }
            (true, act) => {
                return Err(Error::invalid(format!(
                    "compile: sparse_categorical_crossentropy with from_logits = true needs a \
                     linear last layer (raw logits), but layer {} has activation {act}",
                    self.layers.len() - 1
                )))
            }
        }
        let slots = self
            .layers
            .iter()
            .flat_map(|l| [l.kernel.len(), l.bias.len()])
            .filter(|&n| n > 0)
            .map(|n| cfg.optimizer.slot(n))
            .collect();
        self.compiled = Some(Compiled {
            config: cfg,
            iterations: 0,
            slots,
            workspace: Workspace::default(),
        });
        Ok(())
    }

    /// The configuration given to `compile`, if any.
    pub fn compile_config(&self) -> Option<CompileConfig> {
        self.compiled.as_ref().map(|c| c.config)
    }

    /// Trains for `cfg.epochs` epochs (see [`Sequential::fit_epoch`]). After each epoch,
    /// `on_epoch_end(epoch, logs)` is called; returning `false` stops training (the
    /// history then holds the epochs run so far).
    pub fn fit(
        &mut self,
        x: &[f32],
        y: &[i32],
        cfg: &FitConfig,
        on_epoch_end: &mut dyn FnMut(usize, &EpochLogs) -> bool,
    ) -> Result<History> {
        let n = self.check_fit("fit", x, y, cfg)?;
        let mut history = History::default();
        for epoch in 0..cfg.epochs {
            let logs = self.run_epoch(x, y, n, cfg, epoch)?;
            history.loss.push(logs.loss);
            history.accuracy.push(logs.accuracy);
            if !on_epoch_end(epoch, &logs) {
                break;
            }
        }
        Ok(history)
    }

    /// One epoch of training: the samples in order (or shuffled by `(cfg.seed, epoch)` when
    /// `cfg.shuffle`), cut into batches of `cfg.batch_size` (the last may be smaller and is
    /// trained on like any other), one optimizer step per batch. `cfg.epochs` is ignored.
    /// Returns the epoch's mean loss and accuracy over samples, measured on each batch
    /// before its update, as Keras reports them.
    pub fn fit_epoch(
        &mut self,
        x: &[f32],
        y: &[i32],
        cfg: &FitConfig,
        epoch: usize,
    ) -> Result<EpochLogs> {
        let n = self.check_fit("fit_epoch", x, y, cfg)?;
        self.run_epoch(x, y, n, cfg, epoch)
    }

    /// Loss and accuracy on `(x, y)` without training (Keras's `evaluate`, batches of 32).
    pub fn evaluate(&self, x: &[f32], y: &[i32]) -> Result<EpochLogs> {
        if self.compiled.is_none() {
            return Err(not_compiled("evaluate"));
        }
        let n = self.check_xy("evaluate", x, y)?;
        let (d, classes) = (self.input_dim, self.output_dim());
        let rows = EVAL_BATCH.min(n);
        let mut scratch = ForwardScratch::new(self, rows);
        let mut logits = vec![0.0f32; rows * classes];
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for (xb, yb) in x.chunks(EVAL_BATCH * d).zip(y.chunks(EVAL_BATCH)) {
            let r = yb.len();
            let z = &mut logits[..r * classes];
            self.forward_block(xb, r, &mut scratch, z, false);
            let mut batch = 0.0f32;
            for (zrow, &label) in z.chunks_exact(classes).zip(yb) {
                batch += loss::softmax_xent_loss(zrow, label as usize);
            }
            loss_sum += f64::from(batch / r as f32) * r as f64;
            if self.layers[self.layers.len() - 1].activation == Activation::Softmax {
                for zrow in z.chunks_exact_mut(classes) {
                    crate::nn::softmax_row_in_place(zrow);
                }
            }
            correct += metrics::count_correct(z, yb, classes);
        }
        Ok(EpochLogs {
            loss: loss_sum / n as f64,
            accuracy: correct as f64 / n as f64,
        })
    }

    /// Checks inputs and labels: whole rows, finite, one label per row, labels in range.
    fn check_xy(&self, what: &str, x: &[f32], y: &[i32]) -> Result<usize> {
        let n = self.check_x(what, x)?;
        if y.len() != n {
            return Err(Error::shape(
                format!("{what}: y (one label per sample; x has {n} samples)"),
                n,
                y.len(),
            ));
        }
        let classes = self.output_dim();
        if let Some((i, &label)) = y
            .iter()
            .enumerate()
            .find(|(_, &l)| l < 0 || l as usize >= classes)
        {
            return Err(Error::invalid(format!(
                "{what}: label y[{i}] = {label} is outside [0, {classes}) (the model has \
                 {classes} outputs)"
            )));
        }
        Ok(n)
    }

    /// Validates `fit` inputs (compiled, batch size, x/y shapes, labels, finite data) and
    /// returns the sample count.
    pub fn check_fit(&self, what: &str, x: &[f32], y: &[i32], cfg: &FitConfig) -> Result<usize> {
        if self.compiled.is_none() {
            return Err(not_compiled(what));
        }
        if cfg.batch_size == 0 {
            return Err(Error::invalid(format!(
                "{what}: batch_size must be at least 1, got 0"
            )));
        }
        self.check_xy(what, x, y)
    }

    /// The epoch loop over validated data of `n` samples.
    fn run_epoch(
        &mut self,
        x: &[f32],
        y: &[i32],
        n: usize,
        cfg: &FitConfig,
        epoch: usize,
    ) -> Result<EpochLogs> {
        let Sequential {
            input_dim: d,
            layers,
            compiled,
            ..
        } = self;
        let d = *d;
        let Some(compiled) = compiled.as_mut() else {
            return Err(not_compiled("fit"));
        };
        let batch = cfg.batch_size.min(n);
        compiled.workspace.reserve(layers, batch, n);

        let order = &mut compiled.workspace.order;
        for (i, o) in order.iter_mut().enumerate() {
            *o = i;
        }
        if cfg.shuffle {
            let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
            rng.set_stream(SHUFFLE_STREAM.wrapping_add(epoch as u64));
            order.shuffle(&mut rng);
        }

        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        let mut start = 0;
        while start < n {
            let end = (start + batch).min(n);
            let rows = end - start;
            let ws = &mut compiled.workspace;
            let (xb, yb): (&[f32], &[i32]) = if cfg.shuffle {
                for (r, &s) in ws.order[start..end].iter().enumerate() {
                    ws.xb[r * d..(r + 1) * d].copy_from_slice(&x[s * d..(s + 1) * d]);
                    ws.yb[r] = y[s];
                }
                (&ws.xb[..rows * d], &ws.yb[..rows])
            } else {
                (&x[start * d..end * d], &y[start..end])
            };
            let (batch_loss, batch_correct) = train_step(
                layers,
                &mut ws.acts,
                &mut ws.probs,
                &mut ws.delta,
                &mut ws.d_kernel,
                &mut ws.d_bias,
                xb,
                yb,
                rows,
            );
            apply_update(layers, compiled);
            loss_sum += f64::from(batch_loss) * rows as f64;
            correct += batch_correct;
            start = end;
        }
        Ok(EpochLogs {
            loss: loss_sum / n as f64,
            accuracy: correct as f64 / n as f64,
        })
    }
}

fn not_compiled(what: &str) -> Error {
    Error::invalid(format!(
        "{what}: the model is not compiled; call compile() first"
    ))
}

/// Forward and backward on one batch of `rows` samples; leaves the gradients in `d_kernel`
/// and `d_bias` and returns (mean loss of the batch, correct predictions).
#[allow(clippy::too_many_arguments)]
fn train_step(
    layers: &[Dense],
    acts: &mut [Vec<f32>],
    probs: &mut [f32],
    delta: &mut [Vec<f32>; 2],
    d_kernel: &mut [Vec<f32>],
    d_bias: &mut [Vec<f32>],
    xb: &[f32],
    yb: &[i32],
    rows: usize,
) -> (f32, usize) {
    let last = layers.len() - 1;
    let classes = layers[last].units;

    // Forward: hidden layers keep their activations, the last layer its logits.
    for (l, layer) in layers.iter().enumerate() {
        let (before, rest) = acts.split_at_mut(l);
        let input: &[f32] = if l == 0 {
            xb
        } else {
            &before[l - 1][..rows * layer.input_dim]
        };
        let out = &mut rest[0][..rows * layer.units];
        if l == last {
            layer.forward_linear(input, rows, out);
        } else {
            layer.forward(input, rows, out);
        }
    }

    // Loss, its gradient at the logits (scaled by 1/rows, the batch mean), and accuracy.
    let [cur, next] = delta;
    let logits = &acts[last][..rows * classes];
    let probs = &mut probs[..rows * classes];
    let dz = &mut cur[..rows * classes];
    let scale = 1.0f32 / rows as f32;
    let mut loss_sum = 0.0f32;
    for (((zrow, &label), prow), drow) in logits
        .chunks_exact(classes)
        .zip(yb)
        .zip(probs.chunks_exact_mut(classes))
        .zip(dz.chunks_exact_mut(classes))
    {
        loss_sum += loss::softmax_xent_row(zrow, label as usize, scale, prow, drow);
    }
    // Accuracy reads the model output: probabilities for softmax, logits when from_logits.
    let output: &[f32] = if layers[last].activation == Activation::Softmax {
        probs
    } else {
        logits
    };
    let correct = metrics::count_correct(output, yb, classes);

    // Backward, last layer first; `cur` holds ∂L/∂z of layer l.
    let (mut cur, mut next) = (cur, next);
    for l in (0..layers.len()).rev() {
        let layer = &layers[l];
        let dz = &cur[..rows * layer.units];
        if l == 0 {
            layer.backward_linear(xb, rows, dz, &mut d_kernel[0], &mut d_bias[0], None);
        } else {
            let input = &acts[l - 1][..rows * layer.input_dim];
            let dx = &mut next[..rows * layer.input_dim];
            layer.backward_linear(input, rows, dz, &mut d_kernel[l], &mut d_bias[l], Some(dx));
            layers[l - 1]
                .activation
                .backward_in_place(input, dx, layer.input_dim);
            std::mem::swap(&mut cur, &mut next);
        }
    }
    (loss_sum / rows as f32, correct)
}

/// One optimizer step on every weight, with the gradients in the workspace.
fn apply_update(layers: &mut [Dense], compiled: &mut Compiled) {
    let Compiled {
        config,
        iterations,
        slots,
        workspace: ws,
    } = compiled;
    // (weight, gradient) pairs in get_weights order, matching `slots`.
    let params = layers
        .iter_mut()
        .zip(ws.d_kernel.iter().zip(&ws.d_bias))
        .flat_map(|(layer, (dk, db))| {
            let bias = layer.use_bias.then_some((&mut layer.bias, db));
            std::iter::once((&mut layer.kernel, dk)).chain(bias)
        });
    match config.optimizer {
        Optimizer::Adam(adam) => {
            let k = adam.step(*iterations);
            for ((w, g), slot) in params.zip(slots.iter_mut()) {
                adam::adam_update(w, g, &mut slot.m, &mut slot.v, k);
            }
        }
        Optimizer::Sgd(sgd) => {
            for ((w, g), slot) in params.zip(slots.iter_mut()) {
                sgd.update(w, g, &mut slot.m);
            }
        }
    }
    *iterations += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::DenseConfig;

    /// One plain-SGD step with lr = 1 moves each weight by exactly its gradient; compare
    /// with central finite differences of `evaluate`'s loss (same batch, f32 arithmetic).
    fn check_gradients(layers: &[DenseConfig], loss: Loss) {
        let (n, d) = (6, 3);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 5 % 7) as f32 - 3.0) / 2.5)
            .collect();
        let classes = layers[layers.len() - 1].units;
        let y: Vec<i32> = (0..n).map(|i| (i % classes) as i32).collect();
        let mut m = Sequential::new(d, layers, 21).unwrap();
        m.compile(CompileConfig {
            optimizer: Optimizer::sgd(1.0),
            loss,
        })
        .unwrap();
        let w0: Vec<Vec<f32>> = m.get_weights().into_iter().map(|(w, _)| w).collect();
        let probe = m.clone();
        let cfg = FitConfig {
            epochs: 1,
            batch_size: n,
            shuffle: false,
            seed: 0,
        };
        m.fit_epoch(&x, &y, &cfg, 0).unwrap();
        let h = 5e-3f32;
        for (a, (w1, _)) in m.get_weights().into_iter().enumerate() {
            for i in 0..w1.len() {
                let grad = w0[a][i] - w1[i];
                let at = |delta: f32| {
                    let mut w = w0.clone();
                    w[a][i] += delta;
                    let mut p = probe.clone();
                    p.set_weights(&w).unwrap();
                    p.evaluate(&x, &y).unwrap().loss
                };
                let num = (at(h) - at(-h)) / (2.0 * f64::from(h));
                assert!(
                    (f64::from(grad) - num).abs() < 1e-3,
                    "array {a}[{i}]: {grad} vs {num}"
                );
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let cfg = |units, act| DenseConfig::new(units, act);
        check_gradients(
            &[cfg(5, Activation::Relu), cfg(4, Activation::Softmax)],
            Loss::SparseCategoricalCrossentropy { from_logits: false },
        );
        check_gradients(
            &[
                DenseConfig {
                    units: 5,
                    activation: Activation::Softmax,
                    use_bias: false,
                },
                cfg(4, Activation::Linear),
                cfg(3, Activation::Linear),
            ],
            Loss::SparseCategoricalCrossentropy { from_logits: true },
        );
    }

    #[test]
    fn training_reduces_the_loss() {
        let (n, d) = (64, 4);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 37 % 19) as f32 - 9.0) / 9.0)
            .collect();
        // A learnable rule: the label is the index of the largest of the first 3 features.
        let y: Vec<i32> = x
            .chunks(d)
            .map(|r| crate::train::metrics::argmax(&r[..3]) as i32)
            .collect();
        for opt in [
            Optimizer::adam(1e-2),
            Optimizer::Sgd(Sgd {
                learning_rate: 0.1,
                momentum: 0.9,
                nesterov: true,
            }),
        ] {
            let mut m = Sequential::new(
                d,
                &[
                    DenseConfig::new(16, Activation::Relu),
                    DenseConfig::new(3, Activation::Softmax),
                ],
                1,
            )
            .unwrap();
            m.compile(CompileConfig {
                optimizer: opt,
                loss: Loss::default(),
            })
            .unwrap();
            let before = m.evaluate(&x, &y).unwrap();
            let cfg = FitConfig {
                epochs: 30,
                batch_size: 16,
                shuffle: true,
                seed: 2,
            };
            let h = m.fit(&x, &y, &cfg, &mut |_, _| true).unwrap();
            let after = m.evaluate(&x, &y).unwrap();
            assert!(
                after.loss < 0.5 * before.loss,
                "{opt:?}: {before:?} -> {after:?}"
            );
            assert!(after.accuracy > 0.8, "{opt:?}: {after:?}");
            assert!(h.loss[29] < h.loss[0]);
        }
    }

    #[test]
    fn names_parse() {
        assert_eq!(
            "adam".parse::<Optimizer>().unwrap(),
            Optimizer::Adam(Adam::default())
        );
        assert_eq!(
            "SGD".parse::<Optimizer>().unwrap(),
            Optimizer::Sgd(Sgd::default())
        );
        assert!("rmsprop"
            .parse::<Optimizer>()
            .unwrap_err()
            .to_string()
            .contains("rmsprop"));
        assert_eq!(
            "sparse_categorical_crossentropy".parse::<Loss>().unwrap(),
            Loss::default()
        );
        assert!("mse".parse::<Loss>().is_err());
    }

    #[test]
    fn recompile_resets_optimizer_state() {
        let x = [0.5f32, -1.0, 1.5, 2.0];
        let y = [1, 0];
        let layers = [DenseConfig::new(2, Activation::Softmax)];
        let cfg = FitConfig {
            epochs: 1,
            batch_size: 2,
            shuffle: false,
            seed: 0,
        };
        let mut a = Sequential::new(2, &layers, 0).unwrap();
        a.compile(CompileConfig::default()).unwrap();
        let w0: Vec<Vec<f32>> = a.get_weights().into_iter().map(|(w, _)| w).collect();
        a.fit_epoch(&x, &y, &cfg, 0).unwrap();
        let first: Vec<_> = a.get_weights();
        a.set_weights(&w0).unwrap();
        a.compile(CompileConfig::default()).unwrap();
        a.fit_epoch(&x, &y, &cfg, 0).unwrap();
        assert_eq!(a.get_weights(), first);
    }
}
