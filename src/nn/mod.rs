//! Keras-style models: layers, their forward and backward math side by side (one short file
//! per family), initializers, and [`Model`] — a DAG of named layers, with `Sequential` as the
//! chain special case (training itself lives in [`crate::train`]).
//!
//! | file | layers |
//! |---|---|
//! | `dense.rs` | `Dense` |
//! | `conv.rs` | `Conv2D`, `DepthwiseConv2D` (and the window geometry) |
//! | `pool.rs` | `MaxPooling2D`, `AveragePooling2D`, `GlobalAveragePooling2D`, `GlobalMaxPooling2D` |
//! | `norm.rs` | `BatchNormalization` |
//! | `dropout.rs` | `Dropout` |
//! | `reshape.rs` | `Flatten`, `Reshape`, `ZeroPadding2D` |
//! | `activation.rs` | activation functions (`relu`, `relu6`, `sigmoid`, `tanh`, `softmax`, `hard_silu`) and the `Activation` layer |
//! | `relu.rs` | `ReLU`, `LeakyReLU`, `PReLU` |
//! | `merge.rs` | `Add`, `Subtract`, `Multiply`, `Concatenate` |
//! | `layer.rs` | [`LayerConfig`] (Keras arguments and defaults), shape planning, dispatch |
//! | `model.rs` | [`Model`]: building (names, DAG order, size budget), weights, `predict`, `summary` |
//! | `config.rs` | TF.js-style JSON configs (`tf.layers.*` camelCase) → [`LayerConfig`] |
//!
//! Tensors are NHWC (`channels_last`), batch first, row-major. Weights use Keras's layout and
//! order, so `get_weights`/`set_weights` arrays move between litequant and
//! `keras.Model.get_weights()` unchanged.
//!
//! Sizes are checked before anything is allocated: a model holds at most [`MAX_PARAMS`]
//! weights, any layer output at most [`MAX_SAMPLE_VALUES`] values per sample, and the
//! activations of a batch at most [`MAX_WORKSPACE_BYTES`].
//!
//! [`crate::graph::lower`] turns a [`Model`] into the float32 graph TensorFlow's converter
//! writes for the same Keras model.

pub mod activation;
pub mod config;
pub mod conv;
pub mod dense;
pub mod dropout;
mod init;
pub mod layer;
pub mod merge;
pub mod model;
pub mod norm;
pub mod pool;
pub mod relu;
pub mod reshape;
pub mod value;

pub use activation::Activation;
pub use init::glorot_uniform;
pub use layer::{LayerConfig, WeightSpec};
pub use model::{InputSpec, LayerSpec, Model, Summary};

pub(crate) use activation::softmax_row_in_place;

/// Most weights a model may hold (64 Mi: 256 MiB of float32, 1 GiB with Adam's two moments
/// and the gradients).
pub const MAX_PARAMS: u64 = 1 << 26;

/// Most values one layer output may hold per sample.
pub const MAX_SAMPLE_VALUES: u64 = 1 << 26;

/// Most bytes of activations, gradients and scratch for one batch (training) or one block
/// of rows (`predict`).
pub const MAX_WORKSPACE_BYTES: u64 = 1 << 30;
