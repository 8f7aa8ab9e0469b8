//! [`Model`]: a directed acyclic graph of named layers (Keras's functional `Model`), with
//! `Sequential` as the special case of a chain. Everything above the layers — building,
//! weights in Keras order, `predict`, `summary`, training (`crate::train`) — sees this one
//! type.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::activation::Activation;
use super::init::layer_rng;
use super::layer::{instantiate, numel, plan, Layer, LayerConfig, Mode, Scratch, WeightSpec};
use super::{MAX_PARAMS, MAX_SAMPLE_VALUES, MAX_WORKSPACE_BYTES};
use crate::error::{Error, Result};

/// Rows per forward block in `predict` (fewer when a sample's activations are large).
const PREDICT_BLOCK_ROWS: usize = 256;

/// A model input: `keras.Input(shape, name)`.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    pub name: String,
    /// Per-sample shape, e.g. `[H, W, C]`.
    pub shape: Vec<usize>,
}

/// One layer of a functional model: its config, optional name (Keras's default otherwise)
/// and the names of the layers or inputs it reads.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    pub name: Option<String>,
    pub config: LayerConfig,
    pub inputs: Vec<String>,
}

/// A layer in the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub name: String,
    pub config: LayerConfig,
    pub layer: Layer,
    /// Node indices read, in operand order.
    pub inputs: Vec<usize>,
    /// Per-sample output shape.
    pub shape: Vec<usize>,
    /// Weight names, shapes, trainability (Keras order, matching `layer.weights()`).
    pub weights: Vec<WeightSpec>,
    /// Values per sample of the output.
    pub size: usize,
    /// Values per sample of the layer's forward-to-backward scratch (im2col).
    pub scratch_size: usize,
}

impl Node {
    /// `layer 'name' (Class)`, for error messages.
    pub fn describe(&self) -> String {
        format!("layer '{}' ({})", self.name, self.config.class_name())
    }
}

/// Keras `summary()` row.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerSummary {
    pub name: String,
    pub class_name: String,
    /// Per-sample output shape (Keras prints it after a `None` batch axis).
    pub output_shape: Vec<usize>,
    pub params: usize,
    pub trainable_params: usize,
    pub inputs: Vec<String>,
}

/// Keras `summary()`: the rows (input layers of functional models included) and totals.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub layers: Vec<LayerSummary>,
    pub total_params: usize,
    pub trainable_params: usize,
    pub non_trainable_params: usize,
}

/// A Keras-style model: a DAG of layers from one input to one output.
#[derive(Clone, Debug)]
pub struct Model {
    /// Inputs first, then the layers in the order given (Keras's `model.layers` order:
    /// the order of `get_weights`).
    pub(crate) nodes: Vec<Node>,
    /// Execution order of all nodes (a topological order, stable in the given order).
    pub(crate) order: Vec<usize>,
    pub(crate) input: usize,
    pub(crate) output: usize,
    /// Built by `Sequential` (a chain) rather than as a functional model.
    pub(crate) sequential: bool,
    /// Set by `compile` (optimizer, loss, optimizer state, training scratch).
    pub(crate) compiled: Option<crate::train::Compiled>,
}

impl Model {
    /// `keras.Sequential([Input(input_shape), *layers])`. Layer `l` (0-based, the input not
    /// counted) draws its initial weights from ChaCha8 stream `l` of `seed`, so adding a
    /// layer never changes the weights of those before it.
    pub fn sequential(input_shape: &[usize], layers: &[LayerConfig], seed: u64) -> Result<Model> {
        let specs: Vec<LayerSpec> = layers
            .iter()
            .map(|c| LayerSpec {
                name: None,
                config: c.clone(),
                inputs: Vec::new(),
            })
            .collect();
        Model::sequential_named(input_shape, &specs, seed)
    }

    /// As [`Model::sequential`], with optional layer names (`inputs` are ignored: each
    /// layer reads the one before).
    pub fn sequential_named(
        input_shape: &[usize],
        layers: &[LayerSpec],
        seed: u64,
    ) -> Result<Model> {
        if layers.is_empty() {
            return Err(Error::invalid(
                "Sequential: a model needs at least one layer",
            ));
        }
        let inputs = [InputSpec {
            name: "input_layer".into(),
            shape: input_shape.to_vec(),
        }];
        Model::build(&inputs, layers, None, seed, true)
    }

    /// `keras.Model(inputs, outputs)` from layer specs naming their inputs. Layers may be
    /// listed in any order; weights follow the listed order. One input and one output.
    pub fn functional(
        inputs: &[InputSpec],
        layers: &[LayerSpec],
        outputs: &[String],
        seed: u64,
    ) -> Result<Model> {
        if inputs.len() != 1 {
            return Err(Error::invalid(format!(
                "Model: exactly one input is supported, got {}",
                inputs.len()
            )));
        }
        if outputs.len() != 1 {
            return Err(Error::invalid(format!(
                "Model: exactly one output is supported, got {}",
                outputs.len()
            )));
        }
        if layers.is_empty() {
            return Err(Error::invalid("Model: a model needs at least one layer"));
        }
        Model::build(inputs, layers, Some(&outputs[0]), seed, false)
    }

    fn build(
        inputs: &[InputSpec],
        specs: &[LayerSpec],
        output: Option<&str>,
        seed: u64,
        chain: bool,
    ) -> Result<Model> {
        let input = &inputs[0];
        if input.shape.is_empty() || input.shape.contains(&0) {
            return Err(Error::invalid(format!(
                "input '{}': shape {:?} must have at least one axis, each at least 1",
                input.name, input.shape
            )));
        }
        // Names: given ones must be unique; the others get Keras's default `stem`, `stem_1`, …
        let mut names: Vec<String> = vec![input.name.clone()];
        for (i, s) in specs.iter().enumerate() {
            if let Some(n) = &s.name {
                if n.is_empty() {
                    return Err(Error::invalid(format!("layer {i}: the name is empty")));
                }
                if names.contains(n) || specs[..i].iter().any(|p| p.name.as_ref() == Some(n)) {
                    return Err(Error::invalid(format!(
                        "layer {i} ({}): the name '{n}' is used twice",
                        s.config.class_name()
                    )));
                }
            }
            names.push(String::new());
        }
        let mut counters: Vec<(&str, usize)> = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            names[i + 1] = match &s.name {
                Some(n) => n.clone(),
                None => {
                    let stem = s.config.default_name();
                    loop {
                        let at = match counters.iter().position(|(s, _)| *s == stem) {
                            Some(at) => at,
                            None => {
                                counters.push((stem, 0));
                                counters.len() - 1
                            }
                        };
                        let k = &mut counters[at].1;
                        let candidate = if *k == 0 {
                            stem.to_string()
                        } else {
                            format!("{stem}_{k}")
                        };
                        *k += 1;
                        let taken = names.contains(&candidate)
                            || specs.iter().any(|p| p.name.as_ref() == Some(&candidate));
                        if !taken {
                            break candidate;
                        }
                    }
                }
            };
        }
        let describe = |i: usize| {
            format!(
                "layer '{}' ({})",
                names[i],
                if i == 0 {
                    "InputLayer"
                } else {
                    specs[i - 1].config.class_name()
                }
            )
        };

        // Edges.
        let mut edges: Vec<Vec<usize>> = vec![Vec::new()];
        for (i, s) in specs.iter().enumerate() {
            let node = i + 1;
            let ins: Vec<usize> = if chain {
                vec![i]
            } else {
                let mut v = Vec::with_capacity(s.inputs.len());
                for n in &s.inputs {
                    match names.iter().position(|m| m == n) {
                        Some(j) if j == node => {
                            return Err(Error::invalid(format!(
                                "{}: reads its own output (a graph cycle)",
                                describe(node)
                            )))
                        }
                        Some(j) => v.push(j),
                        None => {
                            return Err(Error::invalid(format!(
                                "{}: unknown input '{n}' (known: {})",
                                describe(node),
                                names
                                    .iter()
                                    .map(|n| format!("'{n}'"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )))
                        }
                    }
                }
                v
            };
            let (lo, hi) = s.config.arity();
            if ins.len() < lo || ins.len() > hi {
                let want = if lo == hi {
                    format!("{lo}")
                } else if hi == usize::MAX {
                    format!("at least {lo}")
                } else {
                    format!("{lo} to {hi}")
                };
                return Err(Error::invalid(format!(
                    "{}: takes {want} input(s), got {}",
                    describe(node),
                    ins.len()
                )));
            }
            edges.push(ins);
        }

        // Topological order (Kahn, smallest index first) and cycle detection.
        let n = edges.len();
        let mut indegree: Vec<usize> = edges.iter().map(Vec::len).collect();
        let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, ins) in edges.iter().enumerate() {
            for &j in ins {
                consumers[j].push(i);
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut ready: std::collections::BTreeSet<usize> =
            (0..n).filter(|&i| indegree[i] == 0).collect();
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &c in &consumers[i] {
                indegree[c] -= 1;
                if indegree[c] == 0 {
                    ready.insert(c);
                }
            }
        }
        if order.len() < n {
            // Report the layers on a cycle: drop, repeatedly, the stuck layers that feed no
            // other stuck layer (they only sit downstream of one).
            let mut stuck: Vec<bool> = (0..n).map(|i| indegree[i] > 0).collect();
            loop {
                let leaf = (0..n).find(|&i| stuck[i] && !consumers[i].iter().any(|&c| stuck[c]));
                match leaf {
                    Some(i) => stuck[i] = false,
                    None => break,
                }
            }
            let names: Vec<String> = (0..n)
                .filter(|&i| stuck[i])
                .map(|i| format!("'{}'", names[i]))
                .collect();
            return Err(Error::invalid(format!(
                "the layers {} form a graph cycle",
                names.join(", ")
            )));
        }
        // Output and reachability: every layer must lie on a path from the input to the output.
        let out = match output {
            None => n - 1,
            Some(o) => names
                .iter()
                .position(|m| m == o)
                .ok_or_else(|| Error::invalid(format!("Model: unknown output '{o}'")))?,
        };
        let mut to_out = vec![false; n];
        to_out[out] = true;
        for &i in order.iter().rev() {
            if to_out[i] {
                for &j in &edges[i] {
                    to_out[j] = true;
                }
            }
        }
        if let Some(i) = (1..n).find(|&i| !to_out[i]) {
            return Err(Error::invalid(format!(
                "{}: is not connected to the output '{}'",
                describe(i),
                names[out]
            )));
        }
        if out == 0 {
            return Err(Error::invalid(
                "Model: the output is the input itself; add a layer",
            ));
        }

        // Shapes and sizes, checked before anything is allocated.
        let input_cfg = LayerConfig::Input {
            shape: input.shape.clone(),
        };
        let configs: Vec<&LayerConfig> = std::iter::once(&input_cfg)
            .chain(specs.iter().map(|s| &s.config))
            .collect();
        let mut shapes: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut plans = vec![None; n];
        let mut params = 0u64;
        for &i in &order {
            let ins: Vec<&[usize]> = edges[i].iter().map(|&j| shapes[j].as_slice()).collect();
            let p = plan(configs[i], &describe(i), &ins)?;
            let values = numel(&p.output_shape)
                .filter(|&v| v <= MAX_SAMPLE_VALUES)
                .ok_or_else(|| {
                    Error::invalid(format!(
                    "{}: output shape {:?} holds more than {MAX_SAMPLE_VALUES} values per sample",
                    describe(i),
                    p.output_shape
                ))
                })?;
            if values == 0 {
                return Err(Error::invalid(format!(
                    "{}: output shape {:?} is empty",
                    describe(i),
                    p.output_shape
                )));
            }
            if p.scratch_per_sample > MAX_SAMPLE_VALUES {
                return Err(Error::invalid(format!(
                    "{}: needs {} values of scratch per sample, more than {MAX_SAMPLE_VALUES}",
                    describe(i),
                    p.scratch_per_sample
                )));
            }
            for w in &p.weights {
                let c = numel(&w.shape).unwrap_or(u64::MAX);
                params = params.saturating_add(c);
            }
            if params > MAX_PARAMS {
                return Err(Error::invalid(format!(
                    "the model has more than {MAX_PARAMS} weights (the limit; reached at {}, \
                     {params} so far): make the layers smaller",
                    describe(i)
                )));
            }
            shapes[i] = p.output_shape.clone();
            plans[i] = Some(p);
        }

        // Allocate and initialize.
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let p = plans[i].take().expect("every node planned");
            let ins: Vec<&[usize]> = edges[i].iter().map(|&j| shapes[j].as_slice()).collect();
            let mut rng = if i == 0 {
                ChaCha8Rng::seed_from_u64(seed)
            } else {
                layer_rng(seed, i - 1)
            };
            let layer = instantiate(configs[i], &ins, &p, &mut rng);
            nodes.push(Node {
                name: names[i].clone(),
                config: configs[i].clone(),
                layer,
                inputs: edges[i].clone(),
                size: numel(&p.output_shape).unwrap_or(0) as usize,
                scratch_size: p.scratch_per_sample as usize,
                shape: p.output_shape,
                weights: p.weights,
            });
        }
        Ok(Model {
            nodes,
            order,
            input: 0,
            output: out,
            sequential: chain,
            compiled: None,
        })
    }

    /// Whether the model was built as a `Sequential` chain.
    pub fn is_sequential(&self) -> bool {
        self.sequential
    }

    /// All nodes: the input first, then the layers in the order given.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Per-sample input shape.
    pub fn input_shape(&self) -> &[usize] {
        &self.nodes[self.input].shape
    }

    /// Values per sample of the input.
    pub fn input_size(&self) -> usize {
        self.nodes[self.input].size
    }

    /// Per-sample output shape.
    pub fn output_shape(&self) -> &[usize] {
        &self.nodes[self.output].shape
    }

    /// Values per sample of the output.
    pub fn output_size(&self) -> usize {
        self.nodes[self.output].size
    }

    /// The output node's activation, for layers that have one.
    pub(crate) fn output_activation(&self) -> Option<Activation> {
        self.nodes[self.output].config.activation()
    }

    /// Number of weights, trainable or not (Keras's "Total params").
    pub fn param_count(&self) -> usize {
        self.nodes
            .iter()
            .flat_map(|n| &n.weights)
            .map(WeightSpec::len)
            .sum()
    }

    /// Keras `model.summary()`: every layer's output shape and parameter count.
    pub fn summary(&self) -> Summary {
        let skip_input = self.sequential;
        let layers: Vec<LayerSummary> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| !(skip_input && *i == self.input))
            .map(|(_, n)| LayerSummary {
                name: n.name.clone(),
                class_name: n.config.class_name().into(),
                output_shape: n.shape.clone(),
                params: n.weights.iter().map(WeightSpec::len).sum(),
                trainable_params: n
                    .weights
                    .iter()
                    .filter(|w| w.trainable)
                    .map(WeightSpec::len)
                    .sum(),
                inputs: n
                    .inputs
                    .iter()
                    .map(|&j| self.nodes[j].name.clone())
                    .collect(),
            })
            .collect();
        let total: usize = layers.iter().map(|l| l.params).sum();
        let trainable: usize = layers.iter().map(|l| l.trainable_params).sum();
        Summary {
            layers,
            total_params: total,
            trainable_params: trainable,
            non_trainable_params: total - trainable,
        }
    }

    /// `(data, shape)` per weight array in Keras order (`model.get_weights()`): layer by
    /// layer in the order given, each layer's weights in Keras's order (kernel, bias; BN γ,
    /// β, moving mean, moving variance; PReLU α).
    pub fn get_weights(&self) -> Vec<(Vec<f32>, Vec<usize>)> {
        self.nodes
            .iter()
            .flat_map(|n| {
                n.weights
                    .iter()
                    .zip(n.layer.weights())
                    .map(|(s, w)| (w.clone(), s.shape.clone()))
            })
            .collect()
    }

    /// Shapes of the arrays `get_weights` returns and `set_weights` expects.
    pub fn weight_shapes(&self) -> Vec<Vec<usize>> {
        self.nodes
            .iter()
            .flat_map(|n| n.weights.iter().map(|s| s.shape.clone()))
            .collect()
    }

    /// Replaces every weight, in `get_weights` order (flat row-major arrays). Everything is
    /// checked (count, each length, NaN/Inf, BatchNormalization variances ≥ 0) before
    /// anything changes. The optimizer state is kept, as `keras.Model.set_weights` does.
    pub fn set_weights(&mut self, weights: &[Vec<f32>]) -> Result<()> {
        let slots: Vec<(usize, usize)> = self
            .nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| (0..n.weights.len()).map(move |k| (i, k)))
            .collect();
        if weights.len() != slots.len() {
            let listing: Vec<String> = slots
                .iter()
                .map(|&(i, k)| {
                    format!(
                        "{}/{} {:?}",
                        self.nodes[i].name,
                        self.nodes[i].weights[k].name,
                        self.nodes[i].weights[k].shape
                    )
                })
                .collect();
            return Err(Error::invalid(format!(
                "set_weights: expected {} arrays (in Keras order: {}), got {}",
                slots.len(),
                listing.join(", "),
                weights.len()
            )));
        }
        for (a, (&(i, k), w)) in slots.iter().zip(weights).enumerate() {
            let node = &self.nodes[i];
            let spec = &node.weights[k];
            let what = format!(
                "set_weights array {a} ({} {}, shape {:?})",
                node.describe(),
                spec.name,
                spec.shape
            );
            if w.len() != spec.len() {
                return Err(Error::shape(what, spec.len(), w.len()));
            }
            // Non-finite weights are accepted, as Keras accepts them (public report case 5):
            // the converter writes them as TF does and refuses only an int8 scale that
            // would not be finite.
            if spec.name == "moving_variance" {
                if let Some((c, v)) = w.iter().enumerate().find(|(_, v)| **v < 0.0) {
                    return Err(Error::invalid(format!(
                        "{what}: a variance must be >= 0, got {v} for channel {c}"
                    )));
                }
            }
        }
        for (&(i, k), w) in slots.iter().zip(weights) {
            self.nodes[i].layer.weights_mut()[k].copy_from_slice(w);
        }
        Ok(())
    }

    /// Checks a full input shape `[N, …]` against the model's input and returns `N`.
    pub fn check_input_shape(&self, what: &str, shape: &[usize], len: usize) -> Result<usize> {
        let want = self.input_shape();
        let name = &self.nodes[self.input].name;
        if shape.len() != want.len() + 1 {
            return Err(Error::shape(
                format!(
                    "{what}: x has rank {} but the model's input '{name}' takes [N, {}] (rank {})",
                    shape.len(),
                    want.iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    want.len() + 1
                ),
                want.len() + 1,
                shape.len(),
            ));
        }
        for (d, (&g, &w)) in shape[1..].iter().zip(want).enumerate() {
            if g != w {
                let axis = if d + 1 == want.len() && want.len() == 3 {
                    "channel count".to_string()
                } else {
                    format!("axis {}", d + 1)
                };
                return Err(Error::shape(
                    format!("{what}: x {axis} does not match the model's input '{name}' {want:?} (x shape {shape:?})"),
                    w,
                    g,
                ));
            }
        }
        let total = numel(shape).filter(|&t| t == len as u64);
        if total.is_none() {
            return Err(Error::shape(
                format!("{what}: x holds {len} values but its shape is {shape:?}"),
                shape,
                len,
            ));
        }
        Ok(shape[0])
    }

    /// Validates a flat feature array: a whole number of samples, at least one, all finite.
    /// Returns the sample count.
    pub(crate) fn check_x(&self, what: &str, x: &[f32]) -> Result<usize> {
        let d = self.input_size();
        if x.is_empty() {
            return Err(Error::invalid(format!("{what}: x is empty (no samples)")));
        }
        if !x.len().is_multiple_of(d) {
            return Err(Error::shape(
                format!(
                    "{what}: x (N × {d} values per sample, input shape {:?})",
                    self.input_shape()
                ),
                format!("a multiple of {d}"),
                x.len(),
            ));
        }
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: format!("{what}: x (sample {}, feature {})", index / d, index % d),
                index,
            });
        }
        Ok(x.len() / d)
    }

    /// Values per sample of the inference buffers (every node's output and scratch).
    pub(crate) fn infer_values_per_sample(&self) -> u64 {
        self.nodes
            .iter()
            .map(|n| n.size as u64 + n.scratch_size as u64)
            .sum()
    }

    /// Rows per `predict` block: at most 256, fewer when a sample's activations are large.
    fn block_rows(&self, what: &str) -> Result<usize> {
        let per = self.infer_values_per_sample().max(1) * 4;
        let rows = (MAX_WORKSPACE_BYTES / per) as usize;
        if rows == 0 {
            return Err(Error::invalid(format!(
                "{what}: one sample needs {per} bytes of activations, more than the \
                 {MAX_WORKSPACE_BYTES}-byte budget"
            )));
        }
        Ok(rows.min(PREDICT_BLOCK_ROWS))
    }

    /// Forward pass in inference mode: `x` is `N × input_size` values (row-major, the
    /// per-sample shape of `input_shape`); returns `N × output_size` values.
    pub fn predict(&self, x: &[f32]) -> Result<Vec<f32>> {
        let rows = self.check_x("predict", x)?;
        let block = self.block_rows("predict")?;
        let (d, out_dim) = (self.input_size(), self.output_size());
        let mut out = vec![0.0f32; rows * out_dim];
        let mut bufs = Buffers::new(self, block.min(rows));
        for (xb, ob) in x.chunks(block * d).zip(out.chunks_mut(block * out_dim)) {
            self.forward(xb, xb.len() / d, &mut bufs, false, false, None);
            ob.copy_from_slice(&bufs.out[self.output][..ob.len()]);
        }
        Ok(out)
    }

    /// Runs every node on `rows` samples of `x`; node outputs land in `bufs.out`.
    pub(crate) fn forward(
        &self,
        x: &[f32],
        rows: usize,
        bufs: &mut Buffers,
        training: bool,
        logits: bool,
        mut rng: Option<&mut ChaCha8Rng>,
    ) {
        for &i in &self.order {
            let node = &self.nodes[i];
            let mut y = std::mem::take(&mut bufs.out[i]);
            {
                let xs: Vec<&[f32]> = if i == self.input {
                    vec![x]
                } else {
                    node.inputs
                        .iter()
                        .map(|&j| &bufs.out[j][..rows * self.nodes[j].size])
                        .collect()
                };
                let mut mode = Mode {
                    training,
                    logits: logits && i == self.output,
                    rng: rng.as_deref_mut(),
                };
                node.layer.forward(
                    &xs,
                    rows,
                    &mut y[..rows * node.size],
                    &mut bufs.scratch[i],
                    &mut mode,
                );
            }
            bufs.out[i] = y;
        }
    }
}

/// Per-node activation buffers and scratch for `rows` samples.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buffers {
    pub rows: usize,
    pub out: Vec<Vec<f32>>,
    pub scratch: Vec<Scratch>,
}

impl Buffers {
    pub(crate) fn new(model: &Model, rows: usize) -> Buffers {
        Buffers {
            rows,
            out: model
                .nodes
                .iter()
                .map(|n| vec![0.0; rows * n.size])
                .collect(),
            scratch: vec![Scratch::default(); model.nodes.len()],
        }
    }
}
