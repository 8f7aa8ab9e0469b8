//! Activation histograms for the calibration methods beyond min/max, and the threshold
//! searches run on them (percentile, entropy, MSE).
//!
//! # The histogram a calibration pass keeps ([`ActivationHistogram`])
//! One histogram per float activation, filled in the same pass as the min/max, with memory
//! independent of the dataset: `2·H` bins of width `2^e` on a grid anchored at 0 (bin `i`
//! holds `[(i − H)·2^e, (i − H + 1)·2^e)`), `H = 8 · bins` (256 KiB per tensor at 2048 bins). `e` is the smallest exponent whose
//! grid holds every finite value seen; a larger value coarsens the grid by whole powers of
//! two (pairs of bins summed). Power-of-two grids nest and `floor(floor(x/2^e)/2) =
//! floor(x/2^(e+1))`, so the histogram is a function of the multiset of values alone:
//! calibrating slices of the dataset and merging them ([`ActivationHistogram::merge`], in any
//! order or grouping) gives the bits of the one-pass histogram.
//!
//! # The histogram the methods search ([`SearchHistogram`])
//! ONNX Runtime's `HistogramCollector` (onnxruntime 1.30, `quantization/calibrate.py`)
//! histograms all calibration values of a tensor at once, `bins` equal bins over
//! `[−T, T]`, `T = max(|min|, |max|)` (`collect_value`), or over `|x|` in `[min|x|, max|x|]`
//! (`collect_absolute_value`, symmetric percentile). Ours is derived from the fine grid:
//! each fine bin's count goes to the search bin holding the fine bin's centre, so a value
//! lands at most half a fine bin (≤ 1/16 of a search bin) away from where ORT puts it — the
//! one deliberate difference, the price of a one-pass mergeable histogram. Percentile
//! thresholds move by at most a bin for it; the entropy search can move further where ORT's
//! own KL curve is nearly flat (`tests/calib_methods.rs`: within one bin on 14 of the 15
//! fixture activations; on `cnn_fixed`'s input 5 bins, at a KL 0.17 % above ORT's minimum).
//!
//! # The searches (each returns `[lo, hi]`, clipped to the tensor's finite `[min, max]`)
//! - [`percentile`]: ORT's `compute_percentile`: two-sided (cut `(100 − p)/2` % each side)
//!   on the signed histogram, or symmetric on `|x|`; the threshold is the **left** edge of
//!   the bin where the cumulative count reaches the quantile (`np.searchsorted`), as ORT.
//! - [`entropy`]: ORT's `get_entropy_threshold` (TensorRT's KL-divergence search): 128
//!   quantized bins, candidate slices `[B/2 − i, B/2 + i + 1)` for `i = 64 ..= B/2`, outliers
//!   folded into the end bins of `p`, `q` expanded over the non-zero bins with integer
//!   division as ORT's int64 arrays do, both smoothed with ε = 1e-4, minimum KL (first on
//!   ties). ORT sums the KL terms in float32; we sum in f64 (a tie-break difference at most).
//! - [`mse`]: not in ORT. The symmetric threshold `t` (bin edges `i·w`, `i = 1 ..= B/2`), range
//!   `[max(min, −t), min(max, t)]`, minimising the expected squared error of int8
//!   quantization over the histogram: `Δ²/12` per value inside (uniform rounding noise,
//!   `Δ = (hi − lo)/255`), `(x − clamp(x))²` per value outside (`x` the bin centre).

use crate::error::{Error, Result};

/// Default number of search-histogram bins (ORT's and TensorRT's 2048).
pub const DEFAULT_BINS: usize = 2048;
/// Quantized bins of the entropy search (ORT's `num_quantized_bins`, TensorRT's 128).
pub const ENTROPY_QUANTIZED_BINS: usize = 128;
/// Fine bins per search bin and side: the fine grid has `2·FINE·bins` bins.
const FINE: usize = 8;

/// A mergeable histogram of one tensor's calibration values (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct ActivationHistogram {
    /// Search bins this histogram is meant for (`H = FINE · bins` fine bins per side).
    bins: usize,
    /// Fine-bin width exponent (`None` while only zeros were seen).
    exp: Option<i32>,
    /// `2·H` counts; index `H` holds `[0, 2^e)`.
    counts: Vec<u64>,
    /// Finite values seen, their min / max and min |x| (NaN and ±inf are not histogrammed).
    finite: u64,
    min: f32,
    max: f32,
    abs_min: f32,
}

fn pow2(e: i32) -> f64 {
    // Exact for the exponents a finite f32 over H ≤ 2^20 can need (−170 .. 130).
    f64::powi(2.0, e)
}

impl ActivationHistogram {
    /// An empty histogram for searches over `bins` bins (checked by [`check_bins`]).
    pub fn new(bins: usize) -> Self {
        ActivationHistogram {
            bins,
            exp: None,
            counts: vec![0; 2 * FINE * bins],
            finite: 0,
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
            abs_min: f32::INFINITY,
        }
    }

    fn half(&self) -> i64 {
        (FINE * self.bins) as i64
    }

    /// The search-histogram bins this histogram was collected for.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// Finite values counted.
    pub fn count(&self) -> u64 {
        self.finite
    }

    /// `(min, max)` of the finite values, `None` when there were none.
    pub fn finite_range(&self) -> Option<(f32, f32)> {
        (self.finite > 0).then_some((self.min, self.max))
    }

    /// The smallest exponent whose grid holds `a = |x| > 0`: `a < H·2^e`.
    fn exp_for(&self, a: f64) -> i32 {
        let h = self.half() as f64;
        let mut e = (a / h).log2().floor() as i32;
        while a >= h * pow2(e) {
            e += 1;
        }
        while e > -1074 && a < h * pow2(e - 1) {
            e -= 1;
        }
        e
    }

    /// Coarsens the grid to exponent `e` (≥ the current one).
    fn coarsen_to(&mut self, e: i32) {
        let Some(cur) = self.exp else {
            self.exp = Some(e);
            return;
        };
        if e <= cur {
            return;
        }
        let shift = (e - cur).min(62) as u32;
        let h = self.half();
        let mut out = vec![0u64; self.counts.len()];
        for (i, &c) in self.counts.iter().enumerate() {
            if c != 0 {
                let k = (i as i64 - h).div_euclid(1i64 << shift);
                out[(k + h) as usize] += c;
            }
        }
        self.counts = out;
        self.exp = Some(e);
    }

    /// Adds values (NaN and ±inf are skipped: they have no bin).
    pub fn add(&mut self, vals: &[f32]) {
        let h = self.half();
        for &v in vals {
            if !v.is_finite() {
                continue;
            }
            self.finite += 1;
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.abs_min = self.abs_min.min(v.abs());
            if v == 0.0 {
                self.counts[h as usize] += 1;
                continue;
            }
            let x = v as f64;
            let need = self.exp_for(x.abs());
            if self.exp.is_none_or(|e| need > e) {
                self.coarsen_to(need);
            }
            let e = self.exp.unwrap_or(need);
            // x · 2^−e is exact (a power-of-two scaling of an f32 in f64's range).
            let k = (x * pow2(-e)).floor() as i64;
            self.counts[(k + h) as usize] += 1;
        }
    }

    /// Folds in another histogram of the same tensor (any slice of the data, any order):
    /// the result is the histogram of both multisets, bit for bit.
    pub fn merge(&mut self, other: &ActivationHistogram) -> Result<()> {
        if other.bins != self.bins {
            return Err(Error::invalid(format!(
                "calibration histograms of {} and {} bins cannot merge",
                self.bins, other.bins
            )));
        }
        let mut o = other.clone();
        if let Some(e) = o.exp {
            self.coarsen_to(e.max(self.exp.unwrap_or(e)));
        }
        if let Some(e) = self.exp {
            o.coarsen_to(e);
        }
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        self.finite += o.finite;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.abs_min = self.abs_min.min(o.abs_min);
        Ok(())
    }

    /// Transfer form (what pool workers send): `[bins, exp or NaN, finite, min, max,
    /// abs_min, then (index, count) per non-zero bin]`, all as f64 (counts exact below 2^53).
    pub fn to_f64s(&self) -> Vec<f64> {
        let mut v = vec![
            self.bins as f64,
            self.exp.map_or(f64::NAN, |e| e as f64),
            self.finite as f64,
            self.min as f64,
            self.max as f64,
            self.abs_min as f64,
        ];
        for (i, &c) in self.counts.iter().enumerate() {
            if c != 0 {
                v.push(i as f64);
                v.push(c as f64);
            }
        }
        v
    }

    /// Inverse of [`ActivationHistogram::to_f64s`]; malformed input is an error.
    pub fn from_f64s(v: &[f64]) -> Result<Self> {
        let bad = |what: &str| Error::invalid(format!("calibration histogram: {what}"));
        if v.len() < 6 || !(v.len() - 6).is_multiple_of(2) {
            return Err(bad("expected 6 header values and (index, count) pairs"));
        }
        let bins = v[0];
        if !(bins.fract() == 0.0 && bins >= 1.0 && bins <= MAX_BINS as f64) {
            return Err(bad("bad bin count"));
        }
        let mut h = ActivationHistogram::new(bins as usize);
        h.exp = if v[1].is_nan() {
            None
        } else if v[1].fract() == 0.0 && v[1].abs() < 2000.0 {
            Some(v[1] as i32)
        } else {
            return Err(bad("bad exponent"));
        };
        h.finite = v[2] as u64;
        h.min = v[3] as f32;
        h.max = v[4] as f32;
        h.abs_min = v[5] as f32;
        let mut total = 0u64;
        for p in v[6..].chunks_exact(2) {
            let (i, c) = (p[0], p[1]);
            if !(i.fract() == 0.0 && i >= 0.0 && (i as usize) < h.counts.len() && c >= 0.0) {
                return Err(bad("bin index out of range"));
            }
            h.counts[i as usize] += c as u64;
            total += c as u64;
        }
        if total != h.finite {
            return Err(bad("bin counts do not add up to the value count"));
        }
        Ok(h)
    }

    /// The signed search histogram over `[−T, T]`, `T = max(|min|, |max|)` (ORT's
    /// `collect_value`). Error when no finite value was seen.
    pub fn signed(&self, name: &str) -> Result<SearchHistogram> {
        let (min, max) = self.finite_range().ok_or_else(|| no_finite(name))?;
        let t = (min.abs().max(max.abs())) as f64;
        Ok(self.resample(-t, t, false, min, max))
    }

    /// The search histogram of `|x|` over `[min|x|, max|x|]` (ORT's `collect_absolute_value`).
    pub fn absolute(&self, name: &str) -> Result<SearchHistogram> {
        let (min, max) = self.finite_range().ok_or_else(|| no_finite(name))?;
        let hi = (min.abs().max(max.abs())) as f64;
        Ok(self.resample(self.abs_min as f64, hi, true, min, max))
    }

    fn resample(&self, lo: f64, hi: f64, abs: bool, min: f32, max: f32) -> SearchHistogram {
        let b = self.bins;
        let mut counts = vec![0u64; b];
        let h = self.half();
        let w = pow2(self.exp.unwrap_or(0));
        let span = hi - lo;
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let k = i as i64 - h;
            // Zeros (and the whole grid while only zeros were seen) sit at 0 exactly.
            let mut centre = if self.exp.is_none() {
                0.0
            } else {
                (k as f64 + 0.5) * w
            };
            if abs {
                centre = centre.abs();
            }
            let j = if span > 0.0 {
                ((centre - lo) / span * b as f64).floor()
            } else {
                0.0
            };
            let j = if j < 0.0 { 0 } else { (j as usize).min(b - 1) };
            counts[j] += c;
        }
        SearchHistogram {
            counts,
            lo,
            hi,
            min,
            max,
        }
    }
}

/// Largest `bins` accepted.
pub const MAX_BINS: usize = 1 << 16;

/// `bins` must be an even count in `[256, 65536]` (the entropy search needs `bins/2 ≥ 128`).
pub fn check_bins(bins: usize) -> Result<()> {
    if !(256..=MAX_BINS).contains(&bins) || !bins.is_multiple_of(2) {
        return Err(Error::converter(format!(
            "calibrationOptions.bins = {bins}: use an even number of histogram bins in [256, {MAX_BINS}] (default {DEFAULT_BINS})"
        )));
    }
    Ok(())
}

fn no_finite(name: &str) -> Error {
    Error::converter(format!(
        "tensor '{name}': its calibration histogram has no finite value (every value seen was NaN or ±inf), so no range can be searched"
    ))
}

/// `bins` equal bins over `[lo, hi]` and the tensor's finite `[min, max]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHistogram {
    pub counts: Vec<u64>,
    pub lo: f64,
    pub hi: f64,
    pub min: f32,
    pub max: f32,
}

impl SearchHistogram {
    /// Edge `k` (0 ..= bins).
    pub fn edge(&self, k: usize) -> f64 {
        self.lo + (self.hi - self.lo) * k as f64 / self.counts.len() as f64
    }

    /// Bin width.
    pub fn width(&self) -> f64 {
        (self.hi - self.lo) / self.counts.len() as f64
    }

    fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// ORT clips every threshold pair to the tensor's `[min, max]`.
    fn clip(&self, lo: f64, hi: f64) -> (f32, f32) {
        let lo = (lo as f32).max(self.min);
        let hi = (hi as f32).min(self.max);
        (lo, hi)
    }

    /// First bin index whose cumulative share reaches `q` (`np.searchsorted` side left on
    /// ORT's `np.cumsum(hist / total)`, summed the same way: on a quantile that falls exactly
    /// between two values, the f64 rounding of that running sum decides, as in ORT).
    fn quantile_bin(&self, q: f64) -> usize {
        let total = self.total() as f64;
        let mut acc = 0.0f64;
        for (i, &c) in self.counts.iter().enumerate() {
            acc += c as f64 / total;
            if acc >= q {
                return i;
            }
        }
        self.counts.len()
    }

    /// Fraction of the values outside `[lo, hi]` (by bin centre).
    pub fn clipped_fraction(&self, lo: f32, hi: f32) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let w = self.width();
        let out: u64 = self
            .counts
            .iter()
            .enumerate()
            .filter(|&(k, _)| {
                let c = self.lo + (k as f64 + 0.5) * w;
                c < lo as f64 || c > hi as f64
            })
            .map(|(_, &c)| c)
            .sum();
        out as f64 / total as f64
    }

    /// Expected squared error per value of int8 quantization with range `[lo, hi]` (widened
    /// to include 0): `Δ²/12` inside, `(x − clamp(x))²` outside, `x` the bin centre.
    pub fn expected_mse(&self, lo: f32, hi: f32) -> f64 {
        let (lo, hi) = ((lo as f64).min(0.0), (hi as f64).max(0.0));
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let step = (hi - lo) / 255.0;
        let inside = step * step / 12.0;
        let w = self.width();
        let mut sum = 0.0;
        for (k, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let x = self.lo + (k as f64 + 0.5) * w;
            let e = if x < lo {
                (x - lo) * (x - lo)
            } else if x > hi {
                (x - hi) * (x - hi)
            } else {
                inside
            };
            sum += c as f64 * e;
        }
        sum / total as f64
    }
}

/// ORT's `compute_percentile` (see the module docs). `hist` is [`ActivationHistogram::absolute`]
/// when `symmetric`, else [`ActivationHistogram::signed`]; `percentile` in (50, 100].
pub fn percentile(hist: &SearchHistogram, percentile: f64, symmetric: bool) -> (f32, f32) {
    if symmetric {
        let t = hist.edge(hist.quantile_bin(percentile / 100.0));
        hist.clip(-t, t)
    } else {
        let cut = (100.0 - percentile) / 200.0;
        let right = hist.edge(hist.quantile_bin(1.0 - cut));
        let left = hist.edge(hist.quantile_bin(cut));
        hist.clip(left, right)
    }
}

/// ORT's `smooth_distribution`: zeros become ε, the non-zeros give up as much; `None` when
/// every entry is 0.
fn smooth(p: &[f64]) -> Option<Vec<f64>> {
    const EPS: f64 = 1e-4;
    let zeros = p.iter().filter(|&&x| x == 0.0).count();
    let nonzeros = p.len() - zeros;
    if nonzeros == 0 {
        return None;
    }
    let eps1 = EPS * zeros as f64 / nonzeros as f64;
    Some(
        p.iter()
            .map(|&x| if x == 0.0 { EPS } else { x - eps1 })
            .collect(),
    )
}

/// KL(p‖q) of two positive vectors, each normalised (scipy's `entropy`, natural log).
fn kl(p: &[f64], q: &[f64]) -> f64 {
    let sp: f64 = p.iter().sum();
    let sq: f64 = q.iter().sum();
    p.iter()
        .zip(q)
        .map(|(&a, &b)| {
            let (a, b) = (a / sp, b / sq);
            if a > 0.0 && b > 0.0 {
                a * (a / b).ln()
            } else if a == 0.0 {
                0.0
            } else {
                f64::INFINITY
            }
        })
        .sum()
}

/// ORT's `get_entropy_threshold` on the signed histogram (see the module docs).
pub fn entropy(hist: &SearchHistogram) -> (f32, f32) {
    let h = &hist.counts;
    let n = h.len();
    let zero = n / 2;
    let nq = ENTROPY_QUANTIZED_BINS;
    let half_q = nq / 2;
    let mut best = (f64::INFINITY, 0usize, n.min(zero + half_q + 1));
    let mut first = true;
    // Prefix sums for the outlier counts.
    let mut prefix = vec![0u64; n + 1];
    for i in 0..n {
        prefix[i + 1] = prefix[i] + h[i];
    }
    for i in half_q..=zero {
        let start = zero - i;
        let end = (zero + i + 1).min(n);
        let sliced = &h[start..end];
        let mut p: Vec<f64> = sliced.iter().map(|&c| c as f64).collect();
        let len = p.len();
        p[0] += prefix[start] as f64;
        p[len - 1] += (prefix[n] - prefix[end]) as f64;
        let merged = len / nq;
        let mut quantized = vec![0u64; nq];
        for (j, qb) in quantized.iter_mut().enumerate() {
            *qb = sliced[j * merged..(j + 1) * merged].iter().sum();
        }
        quantized[nq - 1] += sliced[nq * merged..].iter().sum::<u64>();
        let mut q = vec![0.0f64; len];
        for (j, &qb) in quantized.iter().enumerate() {
            let (s, e) = (j * merged, (j + 1) * merged);
            let norm = p[s..e].iter().filter(|&&x| x != 0.0).count() as u64;
            // ORT stores the expansion in an int64 array: integer division.
            if let Some(v) = qb.checked_div(norm) {
                q[s..e].iter_mut().for_each(|x| *x = v as f64);
            }
        }
        let div = match (smooth(&p), smooth(&q)) {
            (Some(p), Some(q)) => kl(&p, &q),
            _ => f64::INFINITY,
        };
        if first || div < best.0 {
            best = (div, start, end);
            first = false;
        }
    }
    hist.clip(hist.edge(best.1), hist.edge(best.2))
}

/// The symmetric threshold minimising [`SearchHistogram::expected_mse`] (see the module docs).
pub fn mse(hist: &SearchHistogram) -> (f32, f32) {
    let n = hist.counts.len();
    let zero = n / 2;
    let w = hist.width();
    let mut best = (f64::INFINITY, hist.min, hist.max);
    for i in 1..=(n - zero) {
        let t = i as f64 * w;
        let (lo, hi) = hist.clip(-t, t);
        let e = hist.expected_mse(lo, hi);
        if e < best.0 {
            best = (e, lo, hi);
        }
    }
    (best.1, best.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|i| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let u = (s >> 8) as f32 / (1u32 << 24) as f32;
                match i % 29 {
                    0 => 0.0,
                    1 => 40.0 * u, // outliers
                    _ => (u - 0.3) * 3.0,
                }
            })
            .collect()
    }

    /// Split anywhere, merge in any order or grouping: the one-pass histogram, bit for bit,
    /// also through the transfer form.
    #[test]
    fn merge_is_exact_for_any_split() {
        let vals = lcg(3000, 9);
        let mut whole = ActivationHistogram::new(256);
        whole.add(&vals);
        for cuts in [
            vec![1usize],
            vec![1500],
            vec![7, 100, 2999],
            vec![300, 301, 2000],
        ] {
            let mut bounds = vec![0];
            bounds.extend(&cuts);
            bounds.push(vals.len());
            let parts: Vec<ActivationHistogram> = bounds
                .windows(2)
                .map(|w| {
                    let mut h = ActivationHistogram::new(256);
                    h.add(&vals[w[0]..w[1]]);
                    ActivationHistogram::from_f64s(&h.to_f64s()).unwrap()
                })
                .collect();
            let mut fwd = parts[0].clone();
            for p in &parts[1..] {
                fwd.merge(p).unwrap();
            }
            let mut rev = parts[parts.len() - 1].clone();
            for p in parts[..parts.len() - 1].iter().rev() {
                rev.merge(p).unwrap();
            }
            assert_eq!(fwd, whole, "cuts {cuts:?}");
            assert_eq!(rev, whole, "cuts {cuts:?} reversed");
        }
        // Only zeros, then merged with data.
        let mut z = ActivationHistogram::new(256);
        z.add(&[0.0, -0.0, f32::NAN, f32::INFINITY]);
        assert_eq!(z.count(), 2);
        let mut a = z.clone();
        a.merge(&whole).unwrap();
        let mut b = whole.clone();
        b.merge(&z).unwrap();
        assert_eq!(a, b);
        assert!(ActivationHistogram::new(512).merge(&whole).is_err());
        assert!(
            ActivationHistogram::from_f64s(&[256.0, 0.0, 3.0, 0.0, 1.0, 0.0, 5.0, 2.0]).is_err()
        );
    }

    #[test]
    fn searches_ignore_the_outliers() {
        let vals = lcg(20000, 3);
        let mut h = ActivationHistogram::new(2048);
        h.add(&vals);
        let s = h.signed("t").unwrap();
        assert_eq!(s.counts.iter().sum::<u64>(), 20000);
        let (lo, hi) = percentile(&s, 99.0, false);
        assert!(
            (-0.91..-0.85).contains(&lo) && hi > 2.0 && hi <= 40.0,
            "{lo} {hi}"
        );
        for (lo, hi) in [
            entropy(&s),
            mse(&s),
            percentile(&h.absolute("t").unwrap(), 99.0, true),
        ] {
            assert!(
                lo >= s.min && hi <= s.max && hi < 40.0 && hi > 1.5,
                "{lo} {hi}"
            );
        }
        let empty = ActivationHistogram::new(256);
        let e = empty.signed("dense/Relu").unwrap_err().to_string();
        assert!(
            e.contains("dense/Relu") && e.contains("no finite value"),
            "{e}"
        );
        assert!(check_bins(100).is_err() && check_bins(2049).is_err() && check_bins(2048).is_ok());
    }
}
