//! Training: `compile`, `fit`, `fit_epoch` and `evaluate` for [`Model`] (any DAG of layers,
//! `Sequential` included), with Keras 3 semantics (TensorFlow backend), so a model given the
//! same initial weights, data order and hyper-parameters ends where Keras ends (float32
//! rounding aside; see `tests/train_parity.rs`).
//!
//! One step: the forward pass in training mode (batch statistics in BatchNormalization,
//! dropout masks from a ChaCha8 stream of `(seed, epoch)`), the loss and its gradient at the
//! logits, the backward pass in reverse topological order (a node's gradient is the sum of
//! its consumers' contributions, added in that fixed order), one optimizer update of every
//! trainable weight in `get_weights` order, then BatchNormalization's moving statistics.
//! Every sum runs in a fixed order (the kernel table's GEMMs, fixed loops) and the
//! transcendentals come from `libm`, so training gives the same bits natively and in wasm32.
//!
//! - Optimizers: [`Adam`] and [`Sgd`] (`adam.rs`), Keras 3's update formulas.
//! - Loss: sparse categorical cross-entropy (`loss.rs`) on the output layer's logits, which
//!   is what Keras 3 on TF computes for a softmax output layer. The output must have shape
//!   `[classes]` per sample.
//! - Metric: accuracy (`metrics.rs`), `argmax(output) == label`.
//! - Reported per-epoch loss and accuracy are Keras 3's: the mean over the epoch's samples,
//!   i.e. each batch's mean loss weighted by its size (`_loss_tracker.update_state(loss,
//!   sample_weight=batch_size)` in keras/src/backend/tensorflow/trainer.py), computed on the
//!   forward pass of each training step, before that step's update.
//!
//! Supported loss/output pairs (anything else is rejected by `compile`):
//! - `SparseCategoricalCrossentropy { from_logits: false }` with a softmax output layer
//!   (`Dense`, `Conv2D`, `DepthwiseConv2D` or `Activation` with `activation = "softmax"`),
//! - `SparseCategoricalCrossentropy { from_logits: true }` with an output layer without
//!   activation (or `linear`).
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
use crate::nn::activation::Activation;
use crate::nn::model::Buffers;
use crate::nn::{Model, MAX_WORKSPACE_BYTES};

/// ChaCha stream base for per-epoch shuffling: epoch `e` of `fit` uses stream
/// `SHUFFLE_STREAM + e` of `ChaCha8Rng::seed_from_u64(seed)`, so each epoch's order depends
/// only on `(seed, epoch)` — `fit` and a JS loop over `fit_epoch` see the same batches. The
/// base keeps these streams apart from the initializer streams of `nn::init`.
const SHUFFLE_STREAM: u64 = 1 << 32;

/// ChaCha stream base for dropout masks: epoch `e` draws from stream `DROPOUT_STREAM + e` of
/// `ChaCha8Rng::seed_from_u64(seed)`, in node order within each step.
const DROPOUT_STREAM: u64 = 2 << 32;

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
    /// Optimizer state per trainable weight array, in `get_weights` order.
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
    /// Gathered batch inputs and labels, used when shuffling.
    xb: Vec<f32>,
    yb: Vec<i32>,
    /// Node outputs and per-layer scratch (forward), `[rows · size]` per node.
    bufs: Buffers,
    /// `∂L/∂output` per node, `[rows · size]`.
    grad: Vec<Vec<f32>>,
    /// Whether `grad[i]` holds this step's gradient yet.
    ready: Vec<bool>,
    /// Weight gradients per node, in the layer's weight order (empty when not trainable).
    wgrad: Vec<Vec<Vec<f32>>>,
    /// Per operand slot: a node's contribution to an input that already has a gradient.
    dx_tmp: Vec<Vec<f32>>,
    /// Shared layer scratch (Conv2D's `∂L/∂col`).
    tmp: Vec<f32>,
    /// Softmax of the logits `[rows, classes]`.
    probs: Vec<f32>,
    /// Sample order of the current epoch.
    order: Vec<usize>,
}

impl Workspace {
    /// Makes sure the buffers hold `rows` samples and `n` sample indices; allocates only
    /// when they grow.
    fn reserve(&mut self, model: &Model, rows: usize, n: usize) {
        if self.order.len() != n {
            self.order.resize(n, 0);
        }
        if self.bufs.rows >= rows && self.grad.len() == model.nodes.len() {
            return;
        }
        self.xb = vec![0.0; rows * model.input_size()];
        self.yb = vec![0; rows];
        self.bufs = Buffers::new(model, rows);
        self.grad = model
            .nodes
            .iter()
            .map(|n| vec![0.0; rows * n.size])
            .collect();
        self.ready = vec![false; model.nodes.len()];
        self.wgrad = model
            .nodes
            .iter()
            .map(|n| {
                n.weights
                    .iter()
                    .map(|w| {
                        if w.trainable {
                            vec![0.0; w.len()]
                        } else {
                            Vec::new()
                        }
                    })
                    .collect()
            })
            .collect();
        self.probs = vec![0.0; rows * model.output_size()];
    }
}

/// Bytes of training buffers for batches of `rows` samples.
fn workspace_bytes(model: &Model, rows: usize) -> u64 {
    let per_sample: u64 = model
        .nodes
        .iter()
        .map(|n| 2 * n.size as u64 + 2 * n.scratch_size as u64)
        .sum::<u64>()
        + model.input_size() as u64;
    per_sample.saturating_mul(rows as u64).saturating_mul(4)
}

impl Model {
    /// Sets optimizer and loss, and resets the optimizer state (a fresh optimizer, as when
    /// Keras's `compile` is given a new optimizer instance). Fails when the loss does not fit
    /// the output layer (see the module docs).
    pub fn compile(&mut self, cfg: CompileConfig) -> Result<()> {
        cfg.optimizer.validate()?;
        let out = &self.nodes[self.output];
        if out.shape.len() != 1 {
            return Err(Error::invalid(format!(
                "compile: sparse_categorical_crossentropy needs an output of shape [classes] per \
                 sample, but {} outputs {:?}; add Flatten / GlobalAveragePooling2D and a Dense layer",
                out.describe(),
                out.shape
            )));
        }
        let Loss::SparseCategoricalCrossentropy { from_logits } = cfg.loss;
        let act = self.output_activation();
        match (from_logits, act) {
            (false, Some(Activation::Softmax)) | (true, None | Some(Activation::Linear)) => {}
            (false, act) => {
                return Err(Error::invalid(format!(
                    "compile: sparse_categorical_crossentropy needs a softmax output layer, but \
                     {} has activation {}; use activation \"softmax\", or a linear output with \
                     from_logits = true",
                    out.describe(),
                    act.map_or("none", Activation::name)
                )))
            }
            (true, Some(act)) => {
                return Err(Error::invalid(format!(
                    "compile: sparse_categorical_crossentropy with from_logits = true needs a \
                     linear output layer (raw logits), but {} has activation {act}",
                    out.describe()
                )))
            }
        }
        let slots = self
            .nodes
            .iter()
            .flat_map(|n| n.weights.iter())
            .filter(|w| w.trainable)
            .map(|w| cfg.optimizer.slot(w.len()))
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

    /// Trains for `cfg.epochs` epochs (see [`Model::fit_epoch`]). After each epoch,
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

    /// Loss and accuracy on `(x, y)` without training (Keras's `evaluate`, batches of 32,
    /// inference mode).
    pub fn evaluate(&self, x: &[f32], y: &[i32]) -> Result<EpochLogs> {
        if self.compiled.is_none() {
            return Err(not_compiled("evaluate"));
        }
        let n = self.check_xy("evaluate", x, y)?;
        let (d, classes) = (self.input_size(), self.output_size());
        let rows = EVAL_BATCH.min(n);
        let mut bufs = Buffers::new(self, rows);
        let softmax = self.output_activation() == Some(Activation::Softmax);
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for (xb, yb) in x.chunks(EVAL_BATCH * d).zip(y.chunks(EVAL_BATCH)) {
            let r = yb.len();
            self.forward(xb, r, &mut bufs, false, true, None);
            let z = &mut bufs.out[self.output][..r * classes];
            let mut batch = 0.0f32;
            for (zrow, &label) in z.chunks_exact(classes).zip(yb) {
                batch += loss::softmax_xent_loss(zrow, label as usize);
            }
            loss_sum += f64::from(batch / r as f32) * r as f64;
            if softmax {
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

    /// Checks inputs and labels: whole samples, finite, one label per sample, labels in range.
    fn check_xy(&self, what: &str, x: &[f32], y: &[i32]) -> Result<usize> {
        let n = self.check_x(what, x)?;
        if y.len() != n {
            return Err(Error::shape(
                format!("{what}: y (one label per sample; x has {n} samples)"),
                n,
                y.len(),
            ));
        }
        let classes = self.output_size();
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

    /// Validates `fit` inputs (compiled, batch size and its memory, x/y shapes, labels,
    /// finite data) and returns the sample count.
    pub fn check_fit(&self, what: &str, x: &[f32], y: &[i32], cfg: &FitConfig) -> Result<usize> {
        if self.compiled.is_none() {
            return Err(not_compiled(what));
        }
        if cfg.batch_size == 0 {
            return Err(Error::invalid(format!(
                "{what}: batch_size must be at least 1, got 0"
            )));
        }
        let n = self.check_xy(what, x, y)?;
        let rows = cfg.batch_size.min(n);
        let bytes = workspace_bytes(self, rows);
        if bytes > MAX_WORKSPACE_BYTES {
            return Err(Error::invalid(format!(
                "{what}: training on batches of {rows} samples needs {bytes} bytes of \
                 activations and gradients, more than the {MAX_WORKSPACE_BYTES}-byte budget; \
                 use a smaller batch_size"
            )));
        }
        Ok(n)
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
        let Some(mut compiled) = self.compiled.take() else {
            return Err(not_compiled("fit"));
        };
        let d = self.input_size();
        let batch = cfg.batch_size.min(n);
        compiled.workspace.reserve(self, batch, n);

        let order = &mut compiled.workspace.order;
        for (i, o) in order.iter_mut().enumerate() {
            *o = i;
        }
        if cfg.shuffle {
            let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
            rng.set_stream(SHUFFLE_STREAM.wrapping_add(epoch as u64));
            order.shuffle(&mut rng);
        }
        let mut dropout_rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        dropout_rng.set_stream(DROPOUT_STREAM.wrapping_add(epoch as u64));

        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        let mut start = 0;
        while start < n {
            let end = (start + batch).min(n);
            let rows = end - start;
            let ws = &mut compiled.workspace;
            let (mut xbuf, mut ybuf) = (std::mem::take(&mut ws.xb), std::mem::take(&mut ws.yb));
            if cfg.shuffle {
                for (r, &s) in ws.order[start..end].iter().enumerate() {
                    xbuf[r * d..(r + 1) * d].copy_from_slice(&x[s * d..(s + 1) * d]);
                    ybuf[r] = y[s];
                }
            }
            let (xb, yb): (&[f32], &[i32]) = if cfg.shuffle {
                (&xbuf[..rows * d], &ybuf[..rows])
            } else {
                (&x[start * d..end * d], &y[start..end])
            };
            let (batch_loss, batch_correct) = train_step(self, ws, xb, yb, rows, &mut dropout_rng);
            (ws.xb, ws.yb) = (xbuf, ybuf);
            apply_update(self, &mut compiled);
            loss_sum += f64::from(batch_loss) * rows as f64;
            correct += batch_correct;
            start = end;
        }
        self.compiled = Some(compiled);
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

/// Forward and backward on one batch of `rows` samples; leaves the weight gradients in
/// `ws.wgrad` and returns (mean loss of the batch, correct predictions).
fn train_step(
    model: &Model,
    ws: &mut Workspace,
    xb: &[f32],
    yb: &[i32],
    rows: usize,
    rng: &mut ChaCha8Rng,
) -> (f32, usize) {
    model.forward(xb, rows, &mut ws.bufs, true, true, Some(rng));

    // Loss, its gradient at the logits (scaled by 1/rows, the batch mean), and accuracy.
    let out = model.output;
    let classes = model.output_size();
    let logits = &ws.bufs.out[out][..rows * classes];
    let probs = &mut ws.probs[..rows * classes];
    let dz = &mut ws.grad[out][..rows * classes];
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
    let output: &[f32] = if model.output_activation() == Some(Activation::Softmax) {
        probs
    } else {
        logits
    };
    let correct = metrics::count_correct(output, yb, classes);

    backward(model, ws, rows);
    (loss_sum / rows as f32, correct)
}

/// The backward pass: every node in reverse execution order, gradients summed into each
/// node's `grad` in that order.
fn backward(model: &Model, ws: &mut Workspace, rows: usize) {
    ws.ready.fill(false);
    ws.ready[model.output] = true;
    let mut dx_tmp = std::mem::take(&mut ws.dx_tmp);
    for &i in model.order.iter().rev() {
        if i == model.input || !ws.ready[i] {
            continue;
        }
        let node = &model.nodes[i];
        let k = node.inputs.len();
        if dx_tmp.len() < k {
            dx_tmp.resize(k, Vec::new());
        }
        // Where each operand's gradient goes: straight into the input's buffer when this is
        // its first contribution, else into a temporary that is added afterwards.
        let mut direct: Vec<Option<Vec<f32>>> = vec![None; k];
        for (s, &p) in node.inputs.iter().enumerate() {
            let once = node.inputs.iter().filter(|&&q| q == p).count() == 1;
            if p != model.input && !ws.ready[p] && once {
                direct[s] = Some(std::mem::take(&mut ws.grad[p]));
            }
        }
        let mut dy = std::mem::take(&mut ws.grad[i]);
        {
            let xs: Vec<&[f32]> = node
                .inputs
                .iter()
                .map(|&j| &ws.bufs.out[j][..rows * model.nodes[j].size])
                .collect();
            let y = &ws.bufs.out[i][..rows * node.size];
            let mut dxs: Vec<Option<&mut [f32]>> = Vec::with_capacity(k);
            for ((&p, t), d) in node
                .inputs
                .iter()
                .zip(dx_tmp.iter_mut())
                .zip(direct.iter_mut())
            {
                let len = rows * model.nodes[p].size;
                dxs.push(if p == model.input {
                    None
                } else if let Some(v) = d.as_mut() {
                    Some(&mut v[..len])
                } else {
                    if t.len() < len {
                        t.resize(len, 0.0);
                    }
                    Some(&mut t[..len])
                });
            }
            node.layer.backward(
                &xs,
                y,
                rows,
                &mut dy[..rows * node.size],
                &mut dxs,
                &mut ws.wgrad[i],
                &ws.bufs.scratch[i],
                &mut ws.tmp,
                i == model.output,
            );
        }
        ws.grad[i] = dy;
        for (s, &p) in node.inputs.iter().enumerate() {
            if p == model.input {
                continue;
            }
            if let Some(v) = direct[s].take() {
                ws.grad[p] = v;
            } else {
                let len = rows * model.nodes[p].size;
                let g = &mut ws.grad[p][..len];
                if ws.ready[p] {
                    for (a, &b) in g.iter_mut().zip(&dx_tmp[s][..len]) {
                        *a += b;
                    }
                } else {
                    g.copy_from_slice(&dx_tmp[s][..len]);
                }
            }
            ws.ready[p] = true;
        }
    }
    ws.dx_tmp = dx_tmp;
}

/// One optimizer step on every trainable weight (gradients in the workspace), then the
/// layers' post-step state (BatchNormalization's moving statistics).
fn apply_update(model: &mut Model, compiled: &mut Compiled) {
    let Compiled {
        config,
        iterations,
        slots,
        workspace: ws,
    } = compiled;
    let step = match config.optimizer {
        Optimizer::Adam(adam) => Some(adam.step(*iterations)),
        Optimizer::Sgd(_) => None,
    };
    let mut slot = slots.iter_mut();
    for (i, node) in model.nodes.iter_mut().enumerate() {
        let trainable: Vec<bool> = node.weights.iter().map(|w| w.trainable).collect();
        for (k, w) in node.layer.weights_mut().into_iter().enumerate() {
            if !trainable[k] {
                continue;
            }
            let g = &ws.wgrad[i][k];
            let s = slot.next().expect("one slot per trainable weight");
            match (config.optimizer, step) {
                (Optimizer::Adam(_), Some(k)) => adam::adam_update(w, g, &mut s.m, &mut s.v, k),
                (Optimizer::Sgd(sgd), _) => sgd.update(w, g, &mut s.m),
                (Optimizer::Adam(_), None) => unreachable!("Adam has a step"),
            }
        }
        node.layer.after_step(&ws.bufs.scratch[i]);
    }
    *iterations += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::LayerConfig;

    /// `Input(d) → Dense…` with `(units, activation, use_bias)` per layer.
    fn dense_model(d: usize, layers: &[(usize, Activation, bool)], seed: u64) -> Model {
        let cfgs: Vec<LayerConfig> = layers
            .iter()
            .map(|&(units, activation, use_bias)| LayerConfig::Dense {
                units,
                activation,
                use_bias,
            })
            .collect();
        Model::sequential(&[d], &cfgs, seed).unwrap()
    }

    /// One plain-SGD step with lr = 1 moves each weight by exactly its gradient; compare
    /// with central finite differences of `evaluate`'s loss (same batch, f32 arithmetic).
    fn check_gradients(layers: &[(usize, Activation, bool)], loss: Loss) {
        let (n, d) = (6, 3);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 5 % 7) as f32 - 3.0) / 2.5)
            .collect();
        let classes = layers[layers.len() - 1].0;
        let y: Vec<i32> = (0..n).map(|i| (i % classes) as i32).collect();
        let mut m = dense_model(d, layers, 21);
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
        check_gradients(
            &[(5, Activation::Relu, true), (4, Activation::Softmax, true)],
            Loss::SparseCategoricalCrossentropy { from_logits: false },
        );
        check_gradients(
            &[
                (5, Activation::Softmax, false),
                (4, Activation::Tanh, true),
                (4, Activation::Sigmoid, true),
                (3, Activation::Linear, true),
            ],
            Loss::SparseCategoricalCrossentropy { from_logits: true },
        );
    }

    /// Every layer's backward pass, through whole models: one SGD step with lr = 1 moves
    /// each trainable weight by its gradient; compare with central differences of the
    /// training-mode batch loss (what `fit_epoch` reports, measured before the step; the
    /// dropout mask is the same for the same seed and epoch). Weights whose one-sided
    /// differences disagree sit next to a kink and are skipped (at most a tenth).
    fn check_model_gradients(config: serde_json::Value, n: usize, tol: f64) {
        let mut m = crate::nn::config::functional(&config).unwrap();
        let d = m.input_size();
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7919 % 1013) as f32 / 506.5) - 1.0)
            .collect();
        let classes = m.output_size();
        let y: Vec<i32> = (0..n).map(|i| (i * 5 % classes) as i32).collect();
        // Non-trivial biases, BN statistics and PReLU slopes.
        let mut w: Vec<Vec<f32>> = m.get_weights().into_iter().map(|(w, _)| w).collect();
        for (a, (arr, spec)) in w
            .iter_mut()
            .zip(m.nodes.iter().flat_map(|n| n.weights.iter()))
            .enumerate()
        {
            if matches!(spec.name, "alpha" | "bias" | "beta" | "moving_mean") {
                arr.iter_mut()
                    .enumerate()
                    .for_each(|(i, v)| *v = 0.1 + 0.05 * ((i + a) % 4) as f32);
            }
        }
        m.set_weights(&w).unwrap();
        m.compile(CompileConfig {
            optimizer: Optimizer::sgd(1.0),
            loss: Loss::default(),
        })
        .unwrap();
        let probe = m.clone();
        let cfg = FitConfig {
            epochs: 1,
            batch_size: n,
            shuffle: false,
            seed: 7,
        };
        m.fit_epoch(&x, &y, &cfg, 0).unwrap();
        let trainable: Vec<(String, bool)> = m
            .nodes
            .iter()
            .flat_map(|n| {
                n.weights
                    .iter()
                    .map(move |w| (format!("{}/{}", n.name, w.name), w.trainable))
            })
            .collect();
        let h = 1e-3f32;
        let (mut checked, mut kinked) = (0, 0);
        let mut bad = Vec::new();
        for (a, ((w1, _), (name, train))) in m.get_weights().into_iter().zip(&trainable).enumerate()
        {
            if !train {
                continue;
            }
            for i in 0..w1.len() {
                let grad = f64::from(w[a][i] - w1[i]);
                let at = |delta: f32| {
                    let mut ww = w.clone();
                    ww[a][i] += delta;
                    let mut p = probe.clone();
                    p.set_weights(&ww).unwrap();
                    p.fit_epoch(&x, &y, &cfg, 0).unwrap().loss
                };
                let (f0, fp, fm) = (at(0.0), at(h), at(-h));
                let (fwd, bwd) = ((fp - f0) / f64::from(h), (f0 - fm) / f64::from(h));
                let num = (fp - fm) / (2.0 * f64::from(h));
                if (fwd - bwd).abs() > tol * (1.0 + num.abs()) {
                    // A kink (ReLU-like zero crossing, max-pool switch) within ±h: the
                    // difference quotient says nothing there.
                    kinked += 1;
                    continue;
                }
                if (grad - num).abs() > tol * (1.0 + num.abs()) {
                    bad.push(format!("{name}[{i}]: backward {grad} vs numeric {num}"));
                }
                checked += 1;
            }
        }
        assert!(
            bad.is_empty(),
            "{} of {checked} gradients differ:\n{}",
            bad.len(),
            bad.join("\n")
        );
        eprintln!("{checked} gradients checked, {kinked} skipped at kinks");
        assert!(
            checked > 20 && kinked * 10 <= checked,
            "{checked} checked, {kinked} at kinks"
        );
    }

    #[test]
    fn conv_family_gradients_match_finite_differences() {
        check_model_gradients(
            serde_json::json!({
                "inputs": [{"name": "img", "shape": [6, 6, 2]}],
                "outputs": ["out"],
                "layers": [
                    {"name": "zp", "type": "zeroPadding2d", "padding": [[1, 0], [0, 1]], "inputs": ["img"]},
                    {"name": "c1", "type": "conv2d", "filters": 3, "kernelSize": 3, "strides": 2, "padding": "same", "activation": "tanh", "inputs": ["zp"]},
                    {"name": "dw", "type": "depthwiseConv2d", "kernelSize": 2, "depthMultiplier": 2, "dilationRate": 2, "padding": "same", "activation": "sigmoid", "inputs": ["c1"]},
                    {"name": "bn", "type": "batchNormalization", "inputs": ["dw"]},
                    {"name": "pr", "type": "pReLU", "sharedAxes": [1, 2], "inputs": ["bn"]},
                    {"name": "ap", "type": "averagePooling2d", "poolSize": 2, "strides": 1, "padding": "same", "inputs": ["pr"]},
                    {"name": "mp", "type": "maxPooling2d", "poolSize": 2, "strides": 1, "inputs": ["ap"]},
                    {"name": "gap", "type": "globalAveragePooling2d", "inputs": ["mp"]},
                    {"name": "out", "type": "dense", "units": 3, "activation": "softmax", "inputs": ["gap"]}
                ]
            }),
            5,
            2e-3,
        );
    }

    #[test]
    fn merge_family_gradients_match_finite_differences() {
        check_model_gradients(
            serde_json::json!({
                "inputs": [{"name": "x", "shape": [4, 4, 2]}],
                "outputs": ["out"],
                "layers": [
                    {"name": "a", "type": "conv2d", "filters": 2, "kernelSize": 1, "inputs": ["x"]},
                    {"name": "b", "type": "conv2d", "filters": 2, "kernelSize": 3, "padding": "same", "activation": "hard_swish", "inputs": ["x"]},
                    {"name": "sum", "type": "add", "inputs": ["a", "b"]},
                    {"name": "diff", "type": "subtract", "inputs": ["sum", "a"]},
                    {"name": "prod", "type": "multiply", "inputs": ["diff", "b", "b"]},
                    {"name": "cat", "type": "concatenate", "axis": 2, "inputs": ["prod", "a"]},
                    {"name": "lk", "type": "leakyReLU", "alpha": 0.2, "inputs": ["cat"]},
                    {"name": "dr", "type": "dropout", "rate": 0.3, "inputs": ["lk"]},
                    {"name": "gmp", "type": "globalMaxPooling2d", "inputs": ["dr"]},
                    {"name": "d1", "type": "dense", "units": 4, "useBias": false, "inputs": ["gmp"]},
                    {"name": "out", "type": "activation", "activation": "softmax", "inputs": ["d1"]}
                ]
            }),
            6,
            2e-3,
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
            let mut m = dense_model(
                d,
                &[(16, Activation::Relu, true), (3, Activation::Softmax, true)],
                1,
            );
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
        let layers = [(2, Activation::Softmax, true)];
        let cfg = FitConfig {
            epochs: 1,
            batch_size: 2,
            shuffle: false,
            seed: 0,
        };
        let mut a = dense_model(2, &layers, 0);
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
