//! The Dense-only chain that the phase-1 lowering (`graph::lower::lower_sequential`) reads:
//! `Input(n) → Dense → … → Dense` with linear / relu / softmax activations, as plain data.
//! Build one with [`Sequential::new`] (tests, the reference cases) or from any [`Model`] that
//! has this form ([`Model::to_dense_chain`]). Training, prediction and every other layer live
//! on [`Model`].

use super::activation::Activation as Act;
use super::layer::{Layer, LayerConfig};
use super::model::Model;
use crate::error::{check_finite, Error, Result};

/// The activations the Dense chain lowering knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Linear,
    Relu,
    Softmax,
}

impl Activation {
    fn full(self) -> Act {
        match self {
            Activation::Linear => Act::Linear,
            Activation::Relu => Act::Relu,
            Activation::Softmax => Act::Softmax,
        }
    }
}

/// `Dense(units, activation, use_bias)`; the input size comes from the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DenseConfig {
    pub units: usize,
    pub activation: Activation,
    pub use_bias: bool,
}

impl DenseConfig {
    /// `Dense(units, activation)` with a bias, the Keras default.
    pub fn new(units: usize, activation: Activation) -> Self {
        DenseConfig {
            units,
            activation,
            use_bias: true,
        }
    }
}

/// One Dense layer of the chain, with its weights.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainDense {
    pub units: usize,
    pub input_dim: usize,
    pub activation: Activation,
    pub use_bias: bool,
    /// `[input_dim, units]`, row-major (Keras layout).
    pub kernel: Vec<f32>,
    /// `[units]`; empty when `use_bias` is false.
    pub bias: Vec<f32>,
}

/// `keras.Sequential([Input((input_dim,)), Dense(...), ...])` as data.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequential {
    input_dim: usize,
    layers: Vec<ChainDense>,
}

impl Sequential {
    /// The chain with Glorot-uniform kernels and zero biases from `seed` (the same weights
    /// as `Model::sequential` with the same layers and seed).
    pub fn new(input_dim: usize, layers: &[DenseConfig], seed: u64) -> Result<Self> {
        let configs: Vec<LayerConfig> = layers
            .iter()
            .map(|c| LayerConfig::Dense {
                units: c.units,
                activation: c.activation.full(),
                use_bias: c.use_bias,
            })
            .collect();
        Model::sequential(&[input_dim], &configs, seed)?.to_dense_chain()
    }

    /// Features per sample.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// Outputs per sample (units of the last layer).
    pub fn output_dim(&self) -> usize {
        self.layers.last().map_or(0, |l| l.units)
    }

    pub fn layers(&self) -> &[ChainDense] {
        &self.layers
    }

    /// `(data, shape)` per weight array in Keras order: kernel `[in, out]`, then bias.
    pub fn get_weights(&self) -> Vec<(Vec<f32>, Vec<usize>)> {
        let mut out = Vec::new();
        for l in &self.layers {
            out.push((l.kernel.clone(), vec![l.input_dim, l.units]));
            if l.use_bias {
                out.push((l.bias.clone(), vec![l.units]));
            }
        }
        out
    }

    /// Replaces every weight, in `get_weights` order; everything is checked first.
    pub fn set_weights(&mut self, weights: &[Vec<f32>]) -> Result<()> {
        let slots: Vec<(usize, bool)> = self
            .layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| std::iter::once((i, false)).chain(l.use_bias.then_some((i, true))))
            .collect();
        if weights.len() != slots.len() {
            return Err(Error::invalid(format!(
                "set_weights: expected {} arrays (kernel [in, out] and bias [out] per Dense \
                 layer, in Keras order), got {}",
                slots.len(),
                weights.len()
            )));
        }
        for (i, (&(l, bias), w)) in slots.iter().zip(weights).enumerate() {
            let layer = &self.layers[l];
            let (name, n) = if bias {
                ("bias", layer.units)
            } else {
                ("kernel", layer.input_dim * layer.units)
            };
            let what = format!("set_weights array {i} (layer {l} Dense {name})");
            if w.len() != n {
                return Err(Error::shape(what, n, w.len()));
            }
            check_finite(&what, w)?;
        }
        for (&(l, bias), w) in slots.iter().zip(weights) {
            let layer = &mut self.layers[l];
            if bias {
                layer.bias.copy_from_slice(w);
            } else {
                layer.kernel.copy_from_slice(w);
            }
        }
        Ok(())
    }
}

/// The chain of `model`, if it is `Input(n) → Dense(linear|relu|softmax) → …`.
pub(super) fn from_model(model: &Model) -> Result<Sequential> {
    let nodes = model.nodes();
    let not_yet = |what: String| {
        Error::unsupported(format!(
            "{what}: converting this model to .tflite is not supported yet (only Dense layers \
             with linear, relu or softmax activations on a 1-D input)"
        ))
    };
    if model.input_shape().len() != 1 {
        return Err(not_yet(format!("input shape {:?}", model.input_shape())));
    }
    let mut layers = Vec::new();
    let mut prev = model.input;
    for (i, node) in nodes.iter().enumerate().skip(1) {
        let Layer::Dense(d) = &node.layer else {
            return Err(not_yet(node.describe()));
        };
        if node.inputs != [prev] {
            return Err(not_yet(format!("{} (not a chain)", node.describe())));
        }
        let activation = match d.activation {
            Act::Linear => Activation::Linear,
            Act::Relu => Activation::Relu,
            Act::Softmax => Activation::Softmax,
            other => {
                return Err(not_yet(format!(
                    "{} with activation {other}",
                    node.describe()
                )))
            }
        };
        layers.push(ChainDense {
            units: d.units,
            input_dim: d.input_dim,
            activation,
            use_bias: d.use_bias,
            kernel: d.kernel.clone(),
            bias: d.bias.clone(),
        });
        prev = i;
    }
    Ok(Sequential {
        input_dim: model.input_size(),
        layers,
    })
}
