//! `TFLiteConverter`: the user-facing converter, as in TensorFlow (`from_keras_model`,
//! settable options, `convert()` → `.tflite` bytes).

use crate::error::Result;
use crate::graph::{lower::lower_sequential, Graph};
use crate::nn::Sequential;
use crate::quant::finalize::ModelSource;
use crate::quant::{convert, ConverterOptions, Mode};

/// Converts one float model with the options set on it.
#[derive(Clone, Debug)]
pub struct TfliteConverter {
    graph: Graph,
    source: ModelSource,
    pub options: ConverterOptions,
}

impl TfliteConverter {
    /// Snapshot of `model`'s current weights, lowered to a float32 graph.
    pub fn from_model(model: &Sequential) -> Result<Self> {
        Ok(TfliteConverter {
            graph: lower_sequential(model)?,
            source: ModelSource::Keras,
            options: ConverterOptions::default(),
        })
    }

    /// The float32 graph this converter starts from.
    pub fn float_graph(&self) -> &Graph {
        &self.graph
    }

    /// Which kind of file `convert` will write (or the option error TF would raise).
    pub fn mode(&self) -> Result<Mode> {
        self.options.mode()
    }

    /// Converts to a Graph (calibrating first for full-integer conversion).
    pub fn convert_graph(&self, progress: impl FnMut(usize, usize)) -> Result<Graph> {
        convert(&self.graph, &self.options, self.source, progress)
    }

    /// Converts and serializes: the bytes of a `.tflite` file.
    pub fn convert(&self) -> Result<Vec<u8>> {
        crate::tflite::write(&self.convert_graph(|_, _| {})?)
    }
}
