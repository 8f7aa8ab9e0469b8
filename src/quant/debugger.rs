//! TF's `tf.lite.experimental.QuantizationDebugger`: the model it quantizes and (in the JS
//! API) its per-layer statistics.
//!
//! `get_nondebug_quantized_model()` quantizes the calibrated model with `fully_quantize =
//! False`: float inputs and outputs whatever the converter's inference types, the
//! denylisted ops kept float ([`super::selective`]), CONVERSION_METADATA stored first.
//! TF 2.21 refuses a converter without a representative dataset ("converter object must
//! set representative_dataset") and fails on a float16 one (`tests/fixtures/modes/matrix.json`).

use super::convert::{convert, ConverterOptions, IoType};
use super::finalize::ModelSource;
use crate::error::{Error, Result};
use crate::graph::Graph;

/// The options the debugger quantizes with: the converter's, with float io and
/// `calibrate_only` off. Errors as TF's debugger refuses the converter.
pub fn nondebug_options(opts: &ConverterOptions) -> Result<ConverterOptions> {
    if opts.representative_dataset.is_none() {
        return Err(Error::converter(
            "QuantizationDebugger: the converter has no representativeDataset; the debugger \
             compares a full-integer model with the float one, so set representativeDataset \
             on the converter first",
        ));
    }
    if opts.float16 || !opts.optimize {
        return Err(Error::converter(
            "QuantizationDebugger: the converter must ask for full-integer quantization \
             (optimizations=[\"DEFAULT\"], no supportedTypes float16)",
        ));
    }
    let mut o = opts.clone();
    o.inference_input_type = IoType::Float32;
    o.inference_output_type = IoType::Float32;
    o.calibrate_only = false;
    o.debugger = true;
    Ok(o)
}

/// `get_nondebug_quantized_model()` of a debugger made with `opts`.
pub fn nondebug_model(
    float_graph: &Graph,
    opts: &ConverterOptions,
    source: ModelSource,
    progress: impl FnMut(usize, usize),
) -> Result<Graph> {
    convert(float_graph, &nondebug_options(opts)?, source, progress)
}
