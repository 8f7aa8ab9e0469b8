//! Calibration: run the float graph on every representative sample (batch 1, as TF's
//! calibrator does) and keep each float tensor's running min/max over all values — and, for
//! the calibration methods beyond min/max ([`super::method`]), each tensor's mergeable
//! histogram ([`ActivationHistogram`]) in the same pass.

use crate::error::{Error, Result};
use crate::graph::{DType, Graph};
use crate::interp::Interpreter;
use crate::ops;

use super::histogram::ActivationHistogram;

/// Per-tensor calibrated ranges, indexed like `Graph::tensors`; `None` for tensors the run
/// never produced (constants, non-float tensors).
#[derive(Clone, Debug, PartialEq)]
pub struct Ranges {
    pub ranges: Vec<Option<(f32, f32)>>,
    pub samples: usize,
    /// One histogram per tensor that has a range, when the pass collected them
    /// ([`calibrate_with`] with `bins`); empty otherwise.
    pub histograms: Vec<Option<ActivationHistogram>>,
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
        if self.histograms.is_empty() != next.histograms.is_empty() {
            return Err(Error::invalid(
                "calibration parts differ: some collected histograms, some did not",
            ));
        }
        for (r, n) in self.ranges.iter_mut().zip(&next.ranges) {
            *r = match (*r, *n) {
                (None, x) | (x, None) => x,
                (Some((lo, hi)), Some((nlo, nhi))) => Some((lo.min(nlo), hi.max(nhi))),
            };
        }
        for (h, n) in self.histograms.iter_mut().zip(&next.histograms) {
            match (h.as_mut(), n) {
                (_, None) => {}
                (None, Some(n)) => *h = Some(n.clone()),
                (Some(h), Some(n)) => h.merge(n)?,
            }
        }
        self.samples += next.samples;
        Ok(())
    }

    /// The histograms in transfer form: per tensor, its length then
    /// [`ActivationHistogram::to_f64s`] (length 0: none). Empty when none were collected.
    pub fn histograms_to_f64s(&self) -> Vec<f64> {
        let mut v = Vec::new();
        for h in &self.histograms {
            match h {
                None => v.push(0.0),
                Some(h) => {
                    let d = h.to_f64s();
                    v.push(d.len() as f64);
                    v.extend(d);
                }
            }
        }
        v
    }

    /// Sets the histograms from [`Ranges::histograms_to_f64s`]'s form (empty: none).
    pub fn set_histograms_from_f64s(&mut self, v: &[f64]) -> Result<()> {
        self.histograms.clear();
        if v.is_empty() {
            return Ok(());
        }
        let mut at = 0;
        while at < v.len() {
            let len = v[at];
            if !(len.fract() == 0.0 && len >= 0.0 && at + 1 + len as usize <= v.len()) {
                return Err(Error::invalid("calibration histograms: bad length"));
            }
            let len = len as usize;
            self.histograms.push(if len == 0 {
                None
            } else {
                Some(ActivationHistogram::from_f64s(&v[at + 1..at + 1 + len])?)
            });
            at += 1 + len;
        }
        if self.histograms.len() != self.ranges.len() {
            return Err(Error::invalid(format!(
                "calibration histograms for {} tensors, ranges for {}",
                self.histograms.len(),
                self.ranges.len()
            )));
        }
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
        Ok(Ranges {
            ranges,
            samples,
            histograms: Vec::new(),
        })
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
    progress: impl FnMut(usize, usize),
) -> Result<Ranges> {
    calibrate_with(g, data, shape, None, progress)
}

/// [`calibrate`], also collecting every observed tensor's histogram for searches over
/// `bins` bins when `bins` is given (same pass; the min/max are the same bits).
pub fn calibrate_with(
    g: &Graph,
    data: &[f32],
    shape: &[usize],
    bins: Option<usize>,
    mut progress: impl FnMut(usize, usize),
) -> Result<Ranges> {
    if let Some(b) = bins {
        super::histogram::check_bins(b)?;
    }
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
    let mut it = Interpreter::new(g.clone())?;
    let input = 0;
    // A dataset of the input's rank gives each sample's shape ([1, shape[1..]]): the input
    // is resized to it where the model's shape signature leaves dimensions unknown.
    let resized = sample_shape(g, shape)?;
    let width = match &resized {
        Some(dims) => {
            it.resize_input(input, dims)?;
            per_sample
        }
        None => width,
    };
    if per_sample != width {
        return Err(Error::shape(
            "representative sample width (the model input has this many features)",
            width,
            per_sample,
        ));
    }
    // NaN is skipped value by value; ±inf is refused. The whole dataset's all-NaN columns
    // are checked by the converter (a pool worker sees a slice).
    check_no_infinity("representative dataset", data, width)?;
    // Shapes are known now (batch 1): the tensors whose memory TFLite would share.
    it.set_input_f32(input, &data[..width])?;
    let alias = inplace_logged_inputs(&it)?;
    let mut ranges: Vec<Option<(f32, f32)>> = vec![None; g.tensors.len()];
    let fold = |r: &mut Option<(f32, f32)>, vals: &[f32]| {
        for &v in vals {
            if v.is_nan() {
                continue;
            }
            *r = Some(match *r {
                None => (v, v),
                Some((lo, hi)) => (lo.min(v), hi.max(v)),
            });
        }
    };
    let mut histograms: Vec<Option<ActivationHistogram>> = match bins {
        Some(_) => vec![None; g.tensors.len()],
        None => Vec::new(),
    };
    for (s, sample) in data.chunks_exact(width).enumerate() {
        it.set_input_f32(input, sample)?;
        it.invoke_observed(&mut |idx: usize, vals: &[f32]| {
            fold(&mut ranges[idx], vals);
            if let (Some(b), Some(h)) = (bins, histograms.get_mut(idx)) {
                h.get_or_insert_with(|| ActivationHistogram::new(b))
                    .add(vals);
            }
            // An in-place op's input is logged again with the op's output (TF's
            // calibrator's min/max). The histograms hold each tensor's own values only:
            // the methods beyond min/max are anchored on the activations themselves.
            if let Some(i) = alias[idx] {
                fold(&mut ranges[i], vals);
            }
        })?;
        progress(s + 1, n);
    }
    Ok(Ranges {
        ranges,
        samples: n,
        histograms,
    })
}

/// The input shape of one sample when the dataset has the model input's rank and its
/// sample shape differs from the stored one (`None`: feed the stored shape). Dimensions
/// that differ must be unknown (`-1`) in the input's shape signature.
fn sample_shape(g: &Graph, shape: &[usize]) -> Result<Option<Vec<i32>>> {
    let t = &g.tensors[g.inputs[0]];
    if shape.len() != t.shape.len() || shape.len() < 2 {
        return Ok(None);
    }
    let mut dims = vec![1i32];
    for &d in &shape[1..] {
        dims.push(
            i32::try_from(d)
                .map_err(|_| Error::shape("representative dataset", "dimensions < 2^31", shape))?,
        );
    }
    if dims[1..] == t.shape[1..] {
        return Ok(None);
    }
    let sig = t.shape_signature.as_deref().unwrap_or(&t.shape);
    for (k, (&d, &stored)) in dims.iter().zip(&t.shape).enumerate().skip(1) {
        if d != stored && sig.get(k) != Some(&-1) {
            return Err(Error::shape(
                format!(
                    "representative dataset sample (model input '{}', signature {:?})",
                    t.name, sig
                ),
                &t.shape[1..],
                &shape[1..],
            ));
        }
    }
    Ok(Some(dims))
}

/// For each op output, the input whose recorded range TF's calibrator also extends with
/// the output's values: the input TFLite's arena planner lets an in-place op
/// ([`ops::Inplace::Changed`]) overwrite, because `LoggingEval` logs the op's inputs
/// again after the kernel ran. The rules of `ArenaPlanner::IdentifyInPlaceTensors` /
/// `InputTensorCanBeShared`: the first of the op's first three inputs its kernel may
/// share whose byte size equals the output's and exceeds 4, that is used once in the
/// graph (counting model outputs), not a model input or constant, and whose output is not
/// a model output; an output aliasing an input ([`ops::Inplace::Unmodified`], RESHAPE)
/// shares its root, which must itself be used once.
fn inplace_logged_inputs(it: &Interpreter) -> Result<Vec<Option<usize>>> {
    let g = it.graph();
    let n = g.tensors.len();
    let mut refcounts = vec![0usize; n];
    for &t in &g.outputs {
        refcounts[t] += 1;
    }
    for op in &g.ops {
        for &t in &op.inputs {
            if let Ok(t) = usize::try_from(t) {
                refcounts[t] += 1;
            }
        }
    }
    let bytes = |t: usize| -> Option<usize> {
        let shape = it.tensor_shape(t).ok()?;
        let elems = crate::graph::num_elements(shape)?;
        Some(elems * g.tensors[t].dtype.size())
    };
    let mut root: Vec<usize> = (0..n).collect();
    let mut logged = vec![None; n];
    for op in &g.ops {
        let Some(&out) = op.outputs.first() else {
            continue;
        };
        let Ok(out) = usize::try_from(out) else {
            continue;
        };
        let (mask, changed) = match ops::def_of(op).map(|d| d.inplace(op.code)) {
            Some(ops::Inplace::Changed(m)) => (m, true),
            Some(ops::Inplace::Unmodified(m)) => (m, false),
            _ => continue,
        };
        let shareable = |i: usize| {
            if changed {
                match (bytes(i), bytes(out)) {
                    (Some(a), Some(b)) if a == b && a > 4 => {}
                    _ => return false,
                }
                if refcounts[i] > 1 {
                    return false;
                }
            }
            !g.inputs.contains(&i) && !g.outputs.contains(&out) && g.tensors[i].data.is_none()
        };
        let Some(input) = op
            .inputs
            .iter()
            .take(3)
            .enumerate()
            .filter(|(k, _)| mask & (1 << k) != 0)
            .filter_map(|(_, &i)| usize::try_from(i).ok())
            .find(|&i| shareable(i))
        else {
            continue;
        };
        let r = root[input];
        if changed && refcounts[r] > 1 {
            continue;
        }
        root[out] = r;
        if changed {
            logged[out] = Some(input);
        }
    }
    Ok(logged)
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

    /// TF's calibrator logs an op's inputs again after an in-place kernel overwrote them:
    /// in `relu(relu(x) * 3)` the MUL runs in place, so the first relu's output is recorded
    /// over both values; the model input (never shared), a tensor read twice and an op
    /// writing a model output (neither shareable) keep their own.
    #[test]
    fn inplace_inputs_take_in_the_outputs_values() {
        use crate::graph::{f32_bytes, BuiltinOperator, Op, Tensor};
        let mut g = Graph::new();
        let act =
            |g: &mut Graph, n: &str| g.add_tensor(Tensor::activation(n, DType::F32, vec![1, 4]));
        let (x, a, m, o) = (
            act(&mut g, "x"),
            act(&mut g, "a"),
            act(&mut g, "m"),
            act(&mut g, "o"),
        );
        let three = f32_bytes(&[3.0; 4]);
        let c = g.add_tensor(Tensor::constant("c", DType::F32, vec![4], three));
        g.inputs = vec![x];
        g.outputs = vec![o];
        let op = |code, i: Vec<usize>, o: usize| {
            Op::new(
                code,
                None,
                i.iter().map(|&t| t as i32).collect(),
                vec![o as i32],
            )
        };
        g.ops.push(op(BuiltinOperator::Relu, vec![x], a));
        g.ops.push(op(BuiltinOperator::Mul, vec![a, c], m));
        g.ops.push(op(BuiltinOperator::Relu, vec![m], o));
        let data = [-1.0, 0.5, 1.0, 2.0];
        let r = calibrate(&g, &data, &[1, 4], |_, _| {}).unwrap();
        assert_eq!(r.get(x), Some((-1.0, 2.0)));
        assert_eq!(
            r.get(a),
            Some((0.0, 6.0)),
            "relu's range takes in the MUL's"
        );
        assert_eq!(r.get(m), Some((0.0, 6.0)));
        // `a` read twice (MUL(a, a)): TFLite does not share it.
        g.ops[1].inputs = vec![a as i32, a as i32];
        let r = calibrate(&g, &data, &[1, 4], |_, _| {}).unwrap();
        assert_eq!(r.get(a), Some((0.0, 2.0)));
        assert_eq!(r.get(m), Some((0.0, 4.0)));
        // MUL writing the model output: not in place either.
        g.ops[1].inputs = vec![a as i32, c as i32];
        g.ops.pop();
        g.outputs = vec![m];
        let r = calibrate(&g, &data, &[1, 4], |_, _| {}).unwrap();
        assert_eq!(r.get(a), Some((0.0, 2.0)));
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
