//! Calibration methods: how each activation's int8 range is chosen from what calibration
//! saw. `minmax` is TensorFlow's (the plain min/max of every value; the default, and the
//! converter's output stays bit-exact with TF's files); `percentile`, `entropy` and `mse`
//! search the tensor's histogram ([`super::histogram`]) for a range that ignores outliers.
//!
//! JS: `converter.calibrationMethod = "minmax" | "percentile" | "entropy" | "mse"`,
//! `converter.calibrationOptions = {percentile: 99.99, bins: 2048, symmetric: false}`,
//! `converter.calibrationOverrides = {tensorName: {method, percentile, symmetric} | {min, max}}`.
//! Every bad value is an error naming the option or tensor.

use std::collections::BTreeMap;

use super::calibrate::Ranges;
use super::histogram::{self, check_bins, DEFAULT_BINS};
use crate::error::{Error, Result};
use crate::graph::Graph;

/// The range choice for one tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    MinMax,
    Percentile,
    Entropy,
    Mse,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::MinMax,
        Method::Percentile,
        Method::Entropy,
        Method::Mse,
    ];

    pub fn parse(s: &str, what: &str) -> Result<Method> {
        match s.to_ascii_lowercase().as_str() {
            "minmax" | "min_max" => Ok(Method::MinMax),
            "percentile" => Ok(Method::Percentile),
            "entropy" => Ok(Method::Entropy),
            "mse" => Ok(Method::Mse),
            _ => Err(Error::converter(format!(
                "{what}: unknown calibration method '{s}': use \"minmax\", \"percentile\", \"entropy\" or \"mse\""
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Method::MinMax => "minmax",
            Method::Percentile => "percentile",
            Method::Entropy => "entropy",
            Method::Mse => "mse",
        }
    }
}

/// A method with its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MethodSpec {
    pub method: Method,
    /// Percentile kept, in (50, 100] (default 99.99).
    pub percentile: f64,
    /// Percentile on |x| (ORT's `symmetric=True`) instead of cutting both tails.
    pub symmetric: bool,
}

pub const DEFAULT_PERCENTILE: f64 = 99.99;

impl Default for MethodSpec {
    fn default() -> Self {
        MethodSpec {
            method: Method::MinMax,
            percentile: DEFAULT_PERCENTILE,
            symmetric: false,
        }
    }
}

/// `percentile` must be in (50, 100].
pub fn check_percentile(p: f64, what: &str) -> Result<()> {
    if !(p > 50.0 && p <= 100.0) {
        return Err(Error::converter(format!(
            "{what}: percentile {p} is outside (50, 100] (e.g. 99.99 keeps all but the outer 0.01 %)"
        )));
    }
    Ok(())
}

/// A per-tensor override: another method, or a fixed range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Override {
    Method(MethodSpec),
    Range(f32, f32),
}

/// `calibrationMethod` + `calibrationOptions` + `calibrationOverrides`.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationConfig {
    pub default: MethodSpec,
    /// Search-histogram bins (default 2048).
    pub bins: usize,
    /// Tensor name → override.
    pub overrides: BTreeMap<String, Override>,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        CalibrationConfig {
            default: MethodSpec::default(),
            bins: DEFAULT_BINS,
            overrides: BTreeMap::new(),
        }
    }
}

impl CalibrationConfig {
    /// TF's calibration, untouched: min/max everywhere, no override.
    pub fn is_minmax(&self) -> bool {
        self.default.method == Method::MinMax && self.overrides.is_empty()
    }

    /// Whether the calibration pass must collect histograms (some tensor uses a search).
    pub fn needs_histograms(&self) -> bool {
        self.default.method != Method::MinMax
            || self
                .overrides
                .values()
                .any(|o| matches!(o, Override::Method(m) if m.method != Method::MinMax))
    }

    /// The bins to collect histograms for, or `None` when no tensor needs one.
    pub fn histogram_bins(&self) -> Option<usize> {
        self.needs_histograms().then_some(self.bins)
    }

    /// `calibrationOptions`: `percentile`, `bins`, `symmetric` (each optional).
    pub fn set_options(
        &mut self,
        percentile: Option<f64>,
        bins: Option<f64>,
        symmetric: Option<bool>,
    ) -> Result<()> {
        let mut next = self.clone();
        if let Some(p) = percentile {
            check_percentile(p, "calibrationOptions.percentile")?;
            next.default.percentile = p;
        }
        if let Some(b) = bins {
            if !(b.fract() == 0.0 && b >= 0.0 && b <= histogram::MAX_BINS as f64) {
                return Err(Error::converter(format!(
                    "calibrationOptions.bins = {b}: use an even integer in [256, {}]",
                    histogram::MAX_BINS
                )));
            }
            check_bins(b as usize)?;
            next.bins = b as usize;
        }
        if let Some(s) = symmetric {
            next.default.symmetric = s;
        }
        *self = next;
        Ok(())
    }

    /// Checks the overrides against the graph: each must name a tensor that calibration
    /// observes (a float activation: the input or an op output), and a fixed range must be
    /// finite with `min ≤ max`.
    pub fn check_overrides(&self, g: &Graph) -> Result<()> {
        for (name, o) in &self.overrides {
            let Some(t) = g.tensors.iter().position(|t| &t.name == name) else {
                let mut names: Vec<&str> = activation_names(g);
                names.truncate(12);
                return Err(Error::converter(format!(
                    "calibrationOverrides: no tensor named '{name}' in this model (its activations: {})",
                    names.join(", ")
                )));
            };
            let observed =
                g.inputs.contains(&t) || g.ops.iter().any(|op| op.outputs.contains(&(t as i32)));
            if !observed {
                return Err(Error::converter(format!(
                    "calibrationOverrides: tensor '{name}' is a constant, not an activation: it has no calibrated range"
                )));
            }
            if let Override::Range(lo, hi) = *o {
                if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                    return Err(Error::converter(format!(
                        "calibrationOverrides['{name}']: {{min: {lo}, max: {hi}}} must be finite with min <= max"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The ranges the converter uses: `calibrated` (min/max, histograms when collected)
    /// with each tensor's method or override applied. Min/max tensors keep their bits.
    pub fn apply(&self, g: &Graph, calibrated: &Ranges) -> Result<Ranges> {
        self.check_overrides(g)?;
        let mut out = calibrated.clone();
        for t in 0..out.ranges.len() {
            let Some(range) = out.ranges[t] else { continue };
            let name = &g.tensors[t].name;
            let spec = match self.overrides.get(name) {
                Some(Override::Range(lo, hi)) => {
                    out.ranges[t] = Some((*lo, *hi));
                    continue;
                }
                Some(Override::Method(m)) => *m,
                None => self.default,
            };
            if spec.method == Method::MinMax {
                out.ranges[t] = Some(range);
                continue;
            }
            let h = calibrated
                .histograms
                .get(t)
                .and_then(|h| h.as_ref())
                .ok_or_else(|| {
                    Error::converter(format!(
                        "tensor '{name}': calibration method '{}' needs histograms, and this calibration has none (calibrate again after setting calibrationMethod)",
                        spec.method.name()
                    ))
                })?;
            if h.bins() != self.bins {
                return Err(Error::converter(format!(
                    "tensor '{name}': the calibration collected {}-bin histograms, calibrationOptions.bins is {} (calibrate again)",
                    h.bins(),
                    self.bins
                )));
            }
            out.ranges[t] = Some(search(h, name, spec)?);
        }
        Ok(out)
    }
}

/// One method's range for one histogram.
pub fn search(
    h: &histogram::ActivationHistogram,
    name: &str,
    spec: MethodSpec,
) -> Result<(f32, f32)> {
    Ok(match spec.method {
        Method::MinMax => h
            .finite_range()
            .ok_or_else(|| Error::converter(format!("tensor '{name}' has no finite value")))?,
        Method::Percentile => {
            let s = if spec.symmetric {
                h.absolute(name)?
            } else {
                h.signed(name)?
            };
            histogram::percentile(&s, spec.percentile, spec.symmetric)
        }
        Method::Entropy => histogram::entropy(&h.signed(name)?),
        Method::Mse => histogram::mse(&h.signed(name)?),
    })
}

fn activation_names(g: &Graph) -> Vec<&str> {
    let mut v: Vec<&str> = g
        .inputs
        .iter()
        .map(|&i| g.tensors[i].name.as_str())
        .collect();
    for op in &g.ops {
        for &o in &op.outputs {
            if let Some(t) = g.tensors.get(o as usize) {
                v.push(&t.name);
            }
        }
    }
    v
}
