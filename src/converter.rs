//! `TFLiteConverter`: the user-facing converter, as in TensorFlow (`from_keras_model`,
//! settable options, `convert()` → `.tflite` bytes). Two sources: a Keras-style model built
//! here ([`TfliteConverter::from_model`]) or a float32 `.tflite` file exported by TensorFlow
//! ([`TfliteConverter::from_tflite`]); the same passes quantize both.

use crate::error::{Error, Result};
use crate::graph::lower::{self, LowerOptions};
use crate::graph::{DType, Graph};
use crate::interp;
use crate::nn::Model;
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
    /// Snapshot of `model`'s current weights, lowered to the float32 graph TF 2.21 writes
    /// for the same Keras model ([`crate::graph::lower`]).
    pub fn from_model(model: &Model) -> Result<Self> {
        Self::from_model_with(model, &LowerOptions::default())
    }

    /// [`TfliteConverter::from_model`] with lowering options (e.g. TensorFlow's
    /// BatchNormalization `rsqrt` values, to reproduce a file made on a given CPU).
    pub fn from_model_with(model: &Model, options: &LowerOptions) -> Result<Self> {
        Ok(TfliteConverter {
            graph: lower::lower_with(model, options)?,
            source: ModelSource::Keras,
            options: ConverterOptions::default(),
        })
    }

    /// A float32 `.tflite` file (as TensorFlow's converter writes it without optimizations).
    ///
    /// The file is read (and verified) once; it must be a float32 model of ops the op
    /// registry defines, and the interpreter must be able to prepare it, so a file that
    /// cannot be calibrated fails here rather than at `convert` (an op without an int8
    /// kernel fails at a full-integer `convert`, naming it). Tensor names and the signature are kept; TF's
    /// metadata (`min_runtime_version`, `CONVERSION_METADATA`, description) is dropped: the
    /// finalize step writes ours, with `model_type` NONE (`ModelSource::Tflite`).
    ///
    /// TF's float32 files already hold FULLY_CONNECTED weights as `[out, in]` and have no
    /// all-zero biases; calibration runs on this graph as it is, as TF's calibrator does.
    pub fn from_tflite(bytes: &[u8]) -> Result<Self> {
        let mut graph = crate::tflite::read(bytes)?;
        check_importable(&graph)?;
        interp::interpreter_for_file(graph.clone(), bytes.len())?;
        graph.metadata.clear();
        graph.description.clear();
        Ok(TfliteConverter {
            graph,
            source: ModelSource::Tflite,
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

    /// The model TF's QuantizationDebugger quantizes with these options
    /// (`get_nondebug_quantized_model()`: float io, denylisted ops float).
    pub fn nondebug_graph(&self, progress: impl FnMut(usize, usize)) -> Result<Graph> {
        crate::quant::debugger::nondebug_model(&self.graph, &self.options, self.source, progress)
    }

    /// The source the converter records in CONVERSION_METADATA.
    pub fn source(&self) -> ModelSource {
        self.source
    }

    /// Converts and serializes: the bytes of a `.tflite` file.
    pub fn convert(&self) -> Result<Vec<u8>> {
        crate::tflite::write(&self.convert_graph(|_, _| {})?)
    }
}

/// What `from_tflite` accepts: a float32 model (no quantized or float16 tensors) whose
/// ops the passes can quantize. The messages say which op or tensor is in the way.
fn check_importable(g: &Graph) -> Result<()> {
    for (i, t) in g.tensors.iter().enumerate() {
        let quantized = t.quant.as_ref().is_some_and(|q| q.is_quantized());
        if quantized || matches!(t.dtype, DType::I8 | DType::U8 | DType::F16 | DType::I16) {
            return Err(Error::converter(format!(
                "tensor {i} '{}' is {}{}: fromTflite takes a float32 model (the file is \
                 already quantized)",
                t.name,
                t.dtype.name(),
                if quantized {
                    " with quantization parameters"
                } else {
                    ""
                }
            )));
        }
    }
    // Every op must be defined in the op registry (all missing ones listed at once).
    crate::ops::check_supported(g)?;
    Ok(())
}
