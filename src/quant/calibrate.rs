//! Calibration: run the float graph on every representative sample (batch 1, as TF's
//! calibrator does) and keep each float tensor's running min/max over all values.

use crate::error::{Error, Result};
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

    /// Folds in the ranges of the samples that come **after** this set's (a worker's
    /// contiguous slice of the dataset), with the same `min`/`max` as [`calibrate`]: the
    /// running min/max of one pass over all samples is a fold, so merging the folds of
    /// consecutive slices in order gives the one-pass result bit for bit.
    pub fn merge(&mut self, next: &Ranges) -> Result<()> {
        if next.ranges.len() != self.ranges.len() {
            return Err(Error::invalid(format!(
                "calibration ranges of {} tensors cannot merge with ranges of {}",
                next.ranges.len(),
                self.ranges.len()
            )));
        }
        for (r, n) in self.ranges.iter_mut().zip(&next.ranges) {
            *r = match (*r, *n) {
                (None, x) | (x, None) => x,
                (Some((lo, hi)), Some((nlo, nhi))) => Some((lo.min(nlo), hi.max(nhi))),
            };
        }
        self.samples += next.samples;
        Ok(())
    }

    /// `[min, max]` per tensor, NaN for tensors without a range (a NaN is never a
    /// calibrated value: [`calibrate`] skips NaNs). What workers send back.
    pub fn to_pairs(&self) -> Vec<f32> {
        self.ranges
            .iter()
            .flat_map(|r| r.map_or([f32::NAN; 2], |(lo, hi)| [lo, hi]))
            .collect()
    }

    /// Inverse of [`Ranges::to_pairs`].
    pub fn from_pairs(pairs: &[f32], samples: usize) -> Result<Ranges> {
        if !pairs.len().is_multiple_of(2) {
            return Err(Error::invalid(format!(
                "calibration ranges: {} values, expected [min, max] pairs",
                pairs.len()
            )));
        }
        let ranges = pairs
            .chunks_exact(2)
            .map(|p| (!p[0].is_nan() && !p[1].is_nan()).then_some((p[0], p[1])))
            .collect();
        Ok(Ranges { ranges, samples })
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

/// What calibration data may hold, as TF 2.21's calibrator treats it (public report case
/// 2): a NaN is skipped value by value (the other values of its sample still count), but
/// ±inf is refused (TF's converter crashes on it), and so is a column that is NaN in every
/// sample (TF then leaves ops in float despite integer-only ops). `width` values per
/// sample; errors name the sample and the column (1-based, as the data files number them).
pub fn check_calibration_data(what: &str, data: &[f32], width: usize) -> Result<()> {
    if width == 0 {
        return Ok(());
    }
    check_no_infinity(what, data, width)?;
    let rows = data.len() / width;
    if rows > 0 {
        if let Some(c) = (0..width).find(|&c| (0..rows).all(|r| data[r * width + c].is_nan())) {
            return Err(Error::invalid(format!(
                "{what}: column {} is NaN in every one of the {rows} samples: the model \
                 cannot be calibrated on it (give that feature at least one value)",
                c + 1
            )));
        }
    }
    Ok(())
}

/// The part of [`check_calibration_data`] that holds for any slice of the samples (what a
/// worker calibrating a slice checks): no ±inf.
pub fn check_no_infinity(what: &str, data: &[f32], width: usize) -> Result<()> {
    if width == 0 {
        return Ok(());
    }
    if let Some(i) = data.iter().position(|v| v.is_infinite()) {
        return Err(Error::invalid(format!(
            "{what}: sample {}, column {} is {}: calibration data must be finite (NaN values \
             are skipped, infinities are not)",
            i / width + 1,
            i % width + 1,
            data[i]
        )));
    }
    Ok(())
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
    // The whole dataset's columns are checked by the converter (a worker sees a slice).
    check_no_infinity("representative dataset", data, width)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::lower::lower;
    use crate::nn::{Activation, LayerConfig, Model};

    fn model() -> Graph {
        let layers = [
            LayerConfig::dense(12, Activation::Relu),
            LayerConfig::dense(3, Activation::Softmax),
        ];
        lower(&Model::sequential(&[5], &layers, 7).unwrap()).unwrap()
    }

    fn bits(r: &Ranges) -> Vec<Option<(u32, u32)>> {
        r.ranges
            .iter()
            .map(|x| x.map(|(a, b)| (a.to_bits(), b.to_bits())))
            .collect()
    }

    /// The pool's contract: calibrating consecutive slices and merging them in order is
    /// the one-pass calibration, bit for bit, for every split point; the ranges survive
    /// their transfer form.
    #[test]
    fn merged_slices_equal_one_pass() {
        let g = model();
        let n = 23;
        let mut s = 12345u32;
        let data: Vec<f32> = (0..n * 5)
            .map(|i| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                match i % 17 {
                    0 => 0.0,
                    1 => -0.0,
                    _ => (s >> 8) as f32 / (1u32 << 24) as f32 * 4.0 - 2.0,
                }
            })
            .collect();
        let whole = calibrate(&g, &data, &[n, 5], |_, _| {}).unwrap();
        for cuts in [
            vec![1],
            vec![11],
            vec![22],
            vec![5, 6, 20],
            (1..n).collect::<Vec<_>>(),
        ] {
            let mut bounds = vec![0];
            bounds.extend(&cuts);
            bounds.push(n);
            let mut merged: Option<Ranges> = None;
            for w in bounds.windows(2) {
                let part =
                    calibrate(&g, &data[w[0] * 5..w[1] * 5], &[w[1] - w[0], 5], |_, _| {}).unwrap();
                let part = Ranges::from_pairs(&part.to_pairs(), part.samples).unwrap();
                match &mut merged {
                    None => merged = Some(part),
                    Some(m) => m.merge(&part).unwrap(),
                }
            }
            let merged = merged.unwrap();
            assert_eq!(merged.samples, n);
            assert_eq!(bits(&merged), bits(&whole), "cuts {cuts:?}");
        }
        let mut bad = whole.clone();
        bad.ranges.pop();
        assert!(bad.merge(&whole).is_err());
        assert!(Ranges::from_pairs(&[1.0, 2.0, 3.0], 1).is_err());
    }
}
