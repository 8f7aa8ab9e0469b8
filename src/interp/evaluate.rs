//! Accuracy of a model on a labelled dataset: the whole set runs as one batch through the
//! [`Interpreter`], as `model.evaluate` / TFLite's Python users do it by hand.
//!
//! Float inputs are quantized for int8/uint8-io models exactly as TFLite's QUANTIZE op does
//! (the interpreter's own kernel, `reference_ops::AffineQuantize`: round half away from zero
//! of `x / scale`, plus the zero point, clamped), and int8/uint8 outputs are dequantized
//! with the interpreter's DEQUANTIZE kernel. The prediction of a row is the argmax of its
//! output, the first index on ties (as `tf.argmax` and NumPy's `argmax`).

use super::{Buf, Interpreter, InterpreterOptions};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Graph};
use crate::kernels::generic::{qx8_dequantize_generic, qx8_quantize_generic};

/// What [`evaluate`] measured.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EvalReport {
    /// Fraction of rows whose argmax equals the label.
    pub accuracy: f64,
    /// Number of rows.
    pub n: usize,
    /// Number of rows predicted right (`accuracy * n`).
    pub correct: usize,
    /// Mean sparse categorical cross-entropy, when the output is a softmax's probabilities
    /// (Keras' formula on probabilities: `-ln(clip(p, 1e-7, 1 - 1e-7))`); `None` otherwise.
    pub loss: Option<f64>,
    /// Argmax of every row.
    pub predictions: Vec<u32>,
    /// Each row's loss term (empty when `loss` is `None`); `loss` is their sum in row
    /// order over `n`, so a split run's terms, concatenated in order, give the same loss.
    pub loss_terms: Vec<f64>,
}

/// Bytes a graph input may take at the shape its file declares: far more than any model
/// whose weights fit in the file needs, and bounded, so a small crafted file cannot make
/// the interpreter allocate gigabytes before its ops are even checked.
fn declared_input_budget(file_len: usize) -> usize {
    (1usize << 26).max(file_len.saturating_mul(64))
}

/// Reads a `.tflite` file (verified by the reader) and prepares an interpreter for it,
/// refusing graph inputs whose declared size is out of proportion with the file.
pub fn interpreter_from_tflite(bytes: &[u8]) -> Result<Interpreter> {
    interpreter_from_tflite_with(bytes, InterpreterOptions::default())
}

/// [`interpreter_from_tflite`] with options (e.g. a larger `max_tensor_bytes`).
pub fn interpreter_from_tflite_with(
    bytes: &[u8],
    options: InterpreterOptions,
) -> Result<Interpreter> {
    interpreter_for_file_with(crate::tflite::read(bytes)?, bytes.len(), options)
}

/// [`Interpreter::new`] for a graph read from a `file_len`-byte file, with the input-size
/// check of [`interpreter_from_tflite`].
pub fn interpreter_for_file(g: Graph, file_len: usize) -> Result<Interpreter> {
    interpreter_for_file_with(g, file_len, InterpreterOptions::default())
}

/// [`interpreter_for_file`] with options.
pub fn interpreter_for_file_with(
    g: Graph,
    file_len: usize,
    options: InterpreterOptions,
) -> Result<Interpreter> {
    let budget = declared_input_budget(file_len);
    for &i in &g.inputs {
        let t = g.tensors.get(i).ok_or_else(|| {
            Error::format(format!(
                "graph input {i} out of range ({} tensors)",
                g.tensors.len()
            ))
        })?;
        let size = t.num_elements()?.checked_mul(t.dtype.size());
        if size.is_none_or(|s| s > budget) {
            return Err(Error::format(format!(
                "graph input {i} '{}' declares shape {:?}: more than {budget} bytes for a \
                 {}-byte file",
                t.name, t.shape, file_len
            )));
        }
    }
    Interpreter::with_options(g, options)
}

/// Runs `graph` on `x` (`N` rows of the input's per-row size, row-major) and scores the
/// argmax of its first output against the labels `y` (`N` class indices).
pub fn evaluate(graph: Graph, x: &[f32], y: &[i32]) -> Result<EvalReport> {
    evaluate_with(&mut Interpreter::new(graph)?, x, y)
}

/// [`evaluate`] on the bytes of a `.tflite` file.
pub fn evaluate_tflite(bytes: &[u8], x: &[f32], y: &[i32]) -> Result<EvalReport> {
    evaluate_with(&mut interpreter_from_tflite(bytes)?, x, y)
}

/// [`evaluate`] with an interpreter the caller already holds (its first input is resized
/// to `[N, ...]`).
pub fn evaluate_with(it: &mut Interpreter, x: &[f32], y: &[i32]) -> Result<EvalReport> {
    let n = y.len();
    if n == 0 {
        return Err(Error::invalid("evaluate: no labels (y is empty)"));
    }
    let shape = it
        .input_details()
        .first()
        .map(|d| d.shape.clone())
        .ok_or_else(|| Error::invalid("evaluate: the model has no inputs"))?;
    if shape.is_empty() {
        return Err(Error::shape(
            "evaluate: model input",
            "[batch, ...]",
            &shape,
        ));
    }
    let row: usize = shape[1..].iter().map(|&d| d.max(0) as usize).product();
    if row == 0 || x.len() != n * row {
        return Err(Error::shape(
            format!("evaluate: x for {n} labels of rows {:?}", &shape[1..]),
            n * row,
            x.len(),
        ));
    }
    let mut batch = shape.clone();
    batch[0] = i32::try_from(n).map_err(|_| Error::invalid("evaluate: too many rows"))?;
    it.resize_input(0, &batch)?;
    set_input_from_f32(it, 0, x)?;
    it.invoke()?;
    let out = output_as_f32(it, 0)?;
    let classes = out.len() / n;
    if classes == 0 || out.len() != n * classes {
        return Err(Error::shape(
            "evaluate: model output",
            format!("{n} rows"),
            out.len(),
        ));
    }
    let mut predictions = Vec::with_capacity(n);
    let mut correct = 0;
    for (i, (r, &label)) in out.chunks_exact(classes).zip(y).enumerate() {
        if label < 0 || label as usize >= classes {
            return Err(Error::invalid(format!(
                "evaluate: label {label} at index {i} is outside 0..{classes} (the model has \
                 {classes} outputs per row)"
            )));
        }
        let p = crate::train::metrics::argmax(r);
        correct += usize::from(p == label as usize);
        predictions.push(p as u32);
    }
    let loss_terms: Vec<f64> = if output_is_probabilities(it.graph(), 0) {
        const EPS: f64 = 1e-7;
        out.chunks_exact(classes)
            .zip(y)
            .map(|(r, &l)| -(r[l as usize] as f64).clamp(EPS, 1.0 - EPS).ln())
            .collect()
    } else {
        Vec::new()
    };
    let loss = (!loss_terms.is_empty()).then(|| loss_terms.iter().sum::<f64>() / n as f64);
    Ok(EvalReport {
        accuracy: correct as f64 / n as f64,
        n,
        correct,
        loss,
        predictions,
        loss_terms,
    })
}

/// Sets graph input `i` from float values: as they are for a float32 input, quantized with
/// the input's scale and zero point for an int8/uint8 input (TFLite's QUANTIZE arithmetic).
pub fn set_input_from_f32(it: &mut Interpreter, i: usize, x: &[f32]) -> Result<()> {
    let d = it
        .input_details()
        .into_iter()
        .nth(i)
        .ok_or_else(|| Error::invalid(format!("input {i} out of range")))?;
    match d.dtype {
        DType::F32 => it.set_input_f32(i, x),
        DType::I8 | DType::U8 => {
            let (scale, zp) = per_tensor(&d.scale, &d.zero_point, &d.name)?;
            if d.dtype == DType::I8 {
                let mut q = vec![0i8; x.len()];
                qx8_quantize_generic(x, &mut q, scale, zp);
                it.set_input_i8(i, &q)
            } else {
                let mut q = vec![0u8; x.len()];
                qx8_quantize_generic(x, &mut q, scale, zp);
                it.set_input_u8(i, &q)
            }
        }
        other => Err(Error::unsupported(format!(
            "input {i} ('{}') is {}: only float32, int8 and uint8 inputs can be fed floats",
            d.name,
            other.name()
        ))),
    }
}

/// Graph output `i` as float values: float32 as is, int8/uint8 dequantized (TFLite's
/// DEQUANTIZE arithmetic).
pub fn output_as_f32(it: &Interpreter, i: usize) -> Result<Vec<f32>> {
    let d = it
        .output_details()
        .into_iter()
        .nth(i)
        .ok_or_else(|| Error::invalid(format!("output {i} out of range")))?;
    let data = &it.slot(d.index)?.data;
    if let Buf::F32(v) = data {
        return Ok(v.clone());
    }
    let (scale, zp) = per_tensor(&d.scale, &d.zero_point, &d.name)?;
    let mut out;
    match data {
        Buf::I8(v) => {
            out = vec![0.0; v.len()];
            qx8_dequantize_generic(v, &mut out, scale as f64, zp);
        }
        Buf::U8(v) => {
            out = vec![0.0; v.len()];
            qx8_dequantize_generic(v, &mut out, scale as f64, zp);
        }
        other => {
            return Err(Error::unsupported(format!(
                "output {i} ('{}') holds {}: only float32, int8 and uint8 outputs can be scored",
                d.name,
                other.kind()
            )))
        }
    }
    Ok(out)
}

fn per_tensor(scale: &[f32], zero_point: &[i64], name: &str) -> Result<(f32, i32)> {
    match (scale, zero_point) {
        ([s], [z]) if s.is_finite() && *s > 0.0 => {
            let z = i32::try_from(*z)
                .map_err(|_| Error::invalid(format!("tensor '{name}': zero point {z}")))?;
            Ok((*s, z))
        }
        _ => Err(Error::invalid(format!(
            "tensor '{name}' needs one positive scale and one zero point, has {scale:?} / \
             {zero_point:?}"
        ))),
    }
}

/// True when graph output `k` is a SOFTMAX's result, directly or through the QUANTIZE /
/// DEQUANTIZE that int8 models add at the end.
pub(crate) fn output_is_probabilities(g: &Graph, k: usize) -> bool {
    let Some(&out) = g.outputs.get(k) else {
        return false;
    };
    let mut t = out as i32;
    for _ in 0..g.ops.len() {
        let Some(op) = g.ops.iter().find(|o| o.outputs.contains(&t)) else {
            return false;
        };
        match op.code {
            BuiltinOperator::Softmax => return true,
            BuiltinOperator::Quantize | BuiltinOperator::Dequantize | BuiltinOperator::Reshape => {
                match op.inputs.first() {
                    Some(&i) => t = i,
                    None => return false,
                }
            }
            _ => return false,
        }
    }
    false
}
