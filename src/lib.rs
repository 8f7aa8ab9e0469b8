//! litequant: TensorFlow Lite post-training quantization, in Rust and WebAssembly.
//!
//! Module map (data flows top to bottom):
//! - [`nn`]: Keras-style models (`Model`; Sequential is its chain case), layers with their
//!   forward and backward, initializers.
//! - [`train`]: Adam, sparse categorical cross-entropy, the `fit` loop.
//! - [`graph`]: the Graph IR every other part reads or writes.
//! - [`ops`]: the op registry — each op family's options, shapes, prepare/eval, versions
//!   and quantization properties, in one file per family; everything else is generic.
//! - [`quant`]: calibration observers, quantization-parameter math, conversion passes.
//! - [`tflite`]: the `.tflite` flatbuffer schema subset, writer and reader.
//! - [`tfjs`]: TF.js layers models (`model.json` + weight shards) into [`nn`] models.
//! - [`interp`]: runs any Graph (float, int8, hybrid, float16) — calibration and checks.
//! - [`kernels`]: graph-agnostic numeric kernels.
//! - `wasm`: the `#[wasm_bindgen]` facade (wasm32 only).

pub mod data;
pub mod error;
pub mod graph;
pub mod interp;
pub mod kernels;
pub mod nn;
pub mod ops;
pub mod tfjs;
pub mod tflite;
pub mod train;

pub mod converter;
pub mod quant;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};
