//! A model variant next to its float32 reference, output by output: what the app's Compare
//! table shows, with metrics chosen by what the output is.
//!
//! - **classification** (the output is a SOFTMAX's probabilities, directly or through the
//!   QUANTIZE / DEQUANTIZE / RESHAPE that quantized files add): top-1 agreement with the
//!   reference and, when labels are given, accuracy. The prediction of a row is its argmax,
//!   the first index on ties (as `tf.argmax` and NumPy's `argmax`).
//! - **every output** (regression and anything else, classification included): the error
//!   against the reference, over all values of the output: mean |error| (MAE), root mean
//!   squared error (RMSE), max |error| and the signal-to-quantization-noise ratio
//!   `SQNR = 10·log10(Σ ref² / Σ (ref − out)²)` in dB — the same definition as the
//!   calibration report's per-layer error ([`crate::quant::report`]).
//!
//! Quantized outputs are compared after dequantization with their own scale and zero point
//! (TFLite's DEQUANTIZE arithmetic), float inputs are quantized for int8/uint8 inputs as
//! TFLite's QUANTIZE does ([`super::set_input_from_f32`]).

use super::evaluate::{output_as_f32, output_is_probabilities, set_input_from_f32};
use super::{interpreter_from_tflite, Interpreter};
use crate::error::{Error, Result};

/// What an output is, which decides its headline metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    /// Class probabilities (a SOFTMAX output): accuracy and agreement.
    Classification,
    /// Anything else: errors against the reference.
    Regression,
}

/// Metrics of one output of a model against the same output of its reference.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputMetrics {
    /// Position among the graph's outputs.
    pub output: usize,
    /// The output tensor's name in the candidate file.
    pub name: String,
    /// Values per row (the output's shape without its batch dimension), as in the file.
    pub row_shape: Vec<i32>,
    pub kind: OutputKind,
    /// Rows compared.
    pub rows: usize,
    /// Fraction of rows whose argmax equals the label (classification with labels only).
    pub accuracy: Option<f64>,
    /// Rows predicted right (with `accuracy`).
    pub correct: Option<usize>,
    /// Fraction of rows whose argmax equals the reference's (classification only).
    pub agreement: Option<f64>,
    /// Mean |candidate − reference| over every value.
    pub mae: f64,
    /// sqrt(mean (candidate − reference)²).
    pub rmse: f64,
    /// max |candidate − reference|.
    pub max_abs_error: f64,
    /// 10·log10(Σ ref² / Σ err²) in dB; `None` when the outputs are identical.
    pub sqnr_db: Option<f64>,
}

/// Rows per interpreter call: bounds the memory a large evaluation set takes.
const CHUNK_ROWS: usize = 256;

/// Runs `x` (rows of the first input's per-row size, row-major, float values) through the
/// interpreter and returns every output as float values, `rows × per-row size` each.
/// Models whose batch dimension is fixed at 1 run one row per call.
pub fn run_outputs(it: &mut Interpreter, x: &[f32]) -> Result<(usize, Vec<Vec<f32>>)> {
    let inputs = it.input_details();
    let Some(first) = inputs.first() else {
        return Err(Error::invalid("the model has no inputs"));
    };
    if inputs.len() > 1 {
        return Err(Error::unsupported(format!(
            "the model has {} inputs: comparing runs models with one input only",
            inputs.len()
        )));
    }
    let shape = first.shape.clone();
    if shape.is_empty() {
        return Err(Error::shape("compare: model input", "[batch, ...]", &shape));
    }
    let row: usize = shape[1..].iter().map(|&d| d.max(0) as usize).product();
    if row == 0 || x.is_empty() || !x.len().is_multiple_of(row) {
        return Err(Error::shape(
            format!(
                "compare: x for input '{}' of rows {:?}",
                first.name,
                &shape[1..]
            ),
            format!("a multiple of {row} values"),
            x.len(),
        ));
    }
    let rows = x.len() / row;
    let mut batch = shape.clone();
    batch[0] = rows.min(CHUNK_ROWS) as i32;
    let chunk = if it.resize_input(0, &batch).is_ok() {
        rows.min(CHUNK_ROWS)
    } else {
        batch[0] = 1;
        it.resize_input(0, &batch)?;
        1
    };
    let n_out = it.output_details().len();
    let mut outs: Vec<Vec<f32>> = vec![Vec::new(); n_out];
    for start in (0..rows).step_by(chunk) {
        let n = chunk.min(rows - start);
        if n != batch[0] as usize {
            batch[0] = n as i32;
            it.resize_input(0, &batch)?;
        }
        set_input_from_f32(it, 0, &x[start * row..(start + n) * row])?;
        it.invoke()?;
        for (k, o) in outs.iter_mut().enumerate() {
            o.extend(output_as_f32(it, k)?);
        }
    }
    Ok((rows, outs))
}

/// Compares one output: `candidate` against `reference` (both `rows × width` values).
/// `labels` (one class index per row) give the accuracy of a classification output. The
/// returned metrics have an empty `name` and `row_shape` (the caller knows them).
pub fn output_metrics(
    reference: &[f32],
    candidate: &[f32],
    rows: usize,
    kind: OutputKind,
    labels: Option<&[i32]>,
) -> Result<OutputMetrics> {
    if rows == 0 || reference.is_empty() || !reference.len().is_multiple_of(rows) {
        return Err(Error::shape(
            "compare: reference output",
            format!("a multiple of {rows} rows"),
            reference.len(),
        ));
    }
    if candidate.len() != reference.len() {
        return Err(Error::shape(
            "compare: output of the compared model",
            reference.len(),
            candidate.len(),
        ));
    }
    let (mut signal, mut noise, mut sum_abs, mut max_abs) = (0f64, 0f64, 0f64, 0f64);
    for (&r, &c) in reference.iter().zip(candidate) {
        let (r, e) = (r as f64, c as f64 - r as f64);
        signal += r * r;
        noise += e * e;
        sum_abs += e.abs();
        max_abs = max_abs.max(e.abs());
    }
    let n = reference.len() as f64;
    let sqnr_db = if noise == 0.0 {
        None
    } else if signal == 0.0 {
        Some(10.0 * f64::MIN_POSITIVE.log10())
    } else {
        Some(10.0 * (signal / noise).log10())
    };
    let mut m = OutputMetrics {
        output: 0,
        name: String::new(),
        row_shape: Vec::new(),
        kind,
        rows,
        accuracy: None,
        correct: None,
        agreement: None,
        mae: sum_abs / n,
        rmse: (noise / n).sqrt(),
        max_abs_error: max_abs,
        sqnr_db,
    };
    if kind == OutputKind::Classification {
        let width = reference.len() / rows;
        let argmax = crate::train::metrics::argmax;
        let same = reference
            .chunks_exact(width)
            .zip(candidate.chunks_exact(width))
            .filter(|(r, c)| argmax(r) == argmax(c))
            .count();
        m.agreement = Some(same as f64 / rows as f64);
        if let Some(y) = labels {
            if y.len() != rows {
                return Err(Error::shape("compare: labels", rows, y.len()));
            }
            let mut right = 0;
            for (i, (c, &label)) in candidate.chunks_exact(width).zip(y).enumerate() {
                if label < 0 || label as usize >= width {
                    return Err(Error::invalid(format!(
                        "label {label} at row {} is outside 0..{} (the model has {width} \
                         outputs per row)",
                        i + 1,
                        width - 1
                    )));
                }
                right += usize::from(argmax(c) == label as usize);
            }
            m.correct = Some(right);
            m.accuracy = Some(right as f64 / rows as f64);
        }
    }
    Ok(m)
}

/// Runs the `.tflite` files `reference` and `candidate` on `x` (float rows of the input's
/// per-row size) and compares every output. `labels` score the first classification
/// output. Errors name the file (`reference` / `candidate`) that failed.
pub fn compare_tflite(
    reference: &[u8],
    candidate: &[u8],
    x: &[f32],
    labels: Option<&[i32]>,
) -> Result<Vec<OutputMetrics>> {
    let mut ref_it = interpreter_from_tflite(reference)?;
    let mut cand_it = interpreter_from_tflite(candidate)?;
    compare_interpreters(&mut ref_it, &mut cand_it, x, labels)
}

/// [`compare_tflite`] with interpreters the caller holds.
pub fn compare_interpreters(
    reference: &mut Interpreter,
    candidate: &mut Interpreter,
    x: &[f32],
    labels: Option<&[i32]>,
) -> Result<Vec<OutputMetrics>> {
    let (rows, ref_out) = run_outputs(reference, x)?;
    let (_, cand_out) = run_outputs(candidate, x)?;
    if ref_out.len() != cand_out.len() {
        return Err(Error::invalid(format!(
            "the reference has {} outputs, the compared model {}",
            ref_out.len(),
            cand_out.len()
        )));
    }
    let details = candidate.output_details();
    let mut labels = labels;
    let mut out = Vec::with_capacity(details.len());
    for (k, d) in details.iter().enumerate() {
        let kind = if output_is_probabilities(reference.graph(), k) {
            OutputKind::Classification
        } else {
            OutputKind::Regression
        };
        let y = if kind == OutputKind::Classification {
            labels.take()
        } else {
            None
        };
        let mut m = output_metrics(&ref_out[k], &cand_out[k], rows, kind, y)?;
        m.output = k;
        m.name = d.name.clone();
        m.row_shape = d.shape.get(1..).unwrap_or_default().to_vec();
        out.push(m);
    }
    Ok(out)
}
