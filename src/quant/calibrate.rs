//! Calibration: run the float graph on every representative sample (batch 1, as TF's
//! calibrator does) and keep each float tensor's running min/max over all values.

use crate::error::{check_finite, Error, Result};
use crate::graph::{DType, Graph};
use crate::interp::Interpreter;

/// Per-tensor calibrated ranges, indexed like `Graph::tensors`; `None` for tensors the run
/// never produced (constants, non-float tensors).
#[derive(Clone, Debug, PartialEq)]
pub struct Ranges {
    pub ranges: Vec<Option<(f32, f32)>>,
    pub samples: usize,
}

impl Ranges {
    pub fn get(&self, tensor: usize) -> Option<(f32, f32)> {
        self.ranges.get(tensor).copied().flatten()
    }
}

/// Width of one sample of the graph's (single) float input: the product of its shape
/// without the batch dimension.
pub fn sample_width(g: &Graph) -> Result<usize> {
    if g.inputs.len() != 1 {
        return Err(Error::unsupported(format!(
            "models with {} inputs (only 1 is supported)",
            g.inputs.len()
        )));
    }
    let t = &g.tensors[g.inputs[0]];
    if t.dtype != DType::F32 {
        return Err(Error::invalid(format!(
            "the model input '{}' is {}, calibration needs a float32 model",
            t.name,
            t.dtype.name()
        )));
    }
    crate::graph::num_elements(t.shape.get(1..).unwrap_or(&[])).ok_or_else(|| {
        Error::shape(
            format!("model input '{}'", t.name),
            "non-negative dims",
            &t.shape,
        )
    })
}

/// Runs `g` (float32) on each of the `data.len() / width` samples and records min/max.
pub fn calibrate(
    g: &Graph,
    data: &[f32],
    shape: &[usize],
    mut progress: impl FnMut(usize, usize),
) -> Result<Ranges> {
    let width = sample_width(g)?;
    let declared: Option<usize> = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if shape.is_empty() || declared != Some(data.len()) {
        return Err(Error::shape(
            "representative dataset (shape vs data length)",
            shape,
            data.len(),
        ));
    }
    let n = shape[0];
    if n == 0 || data.is_empty() {
        return Err(Error::invalid("the representative dataset is empty: full-integer quantization needs at least one sample"));
    }
    let per_sample = data.len() / n;
    if per_sample != width {
        return Err(Error::shape(
            "representative sample width (the model input has this many features)",
            width,
            per_sample,
        ));
    }
    check_finite("representative dataset", data)?;
    let mut it = Interpreter::new(g.clone())?;
    let input = 0;
    let mut ranges: Vec<Option<(f32, f32)>> = vec![None; g.tensors.len()];
    for (s, sample) in data.chunks_exact(width).enumerate() {
        it.set_input_f32(input, sample)?;
        it.invoke_observed(&mut |idx: usize, vals: &[f32]| {
            let r = &mut ranges[idx];
            for &v in vals {
                if v.is_nan() {
                    continue;
                }
                *r = Some(match *r {
                    None => (v, v),
                    Some((lo, hi)) => (lo.min(v), hi.max(v)),
                });
            }
        })?;
        progress(s + 1, n);
    }
    Ok(Ranges { ranges, samples: n })
}
