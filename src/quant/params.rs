//! Quantization-parameter math, exactly as TensorFlow 2.21's converter computes it
//! (MLIR quantizer with `legacy_float_scale = true`). Every rule here was checked bit for
//! bit against TF's files; see `tests/convert_reference.rs` and the fixtures' README.

/// Round half away from zero (`std::round` in C++; TF's quantizer uses it everywhere).
#[inline]
pub fn round_half_away(v: f64) -> f64 {
    v.round()
}

/// Ranges narrower than this are widened (TF's `TensorRangeSanityCheck`, 1e-6).
const NEAR_ZERO: f64 = 1.0e-6;

/// Largest bias magnitude (in bias-scale units) the converter lets through before it
/// raises the bias scale: `INT32_MAX / 2`.
pub const BIAS_LIMIT: f64 = (i32::MAX / 2) as f64;

/// Per-tensor asymmetric int8 parameters for an activation with calibrated range
/// `[min, max]`.
///
/// The range is widened to include 0 (and by ±1e-6 if it is narrower than 1e-6); the scale
/// is computed in **float32** (`legacy_float_scale`): `(f32(rmax) - f32(rmin)) / 255.0f`; the
/// zero point only from the minimum: `round_half_away(f32(qmin - rmin / (double)scale))`,
/// clamped to `[qmin, qmax]`.
pub fn activation_params(min: f32, max: f32) -> (f32, i64) {
    activation_params_range(min, max, -128, 127)
}

/// [`activation_params`] for an arbitrary integer range.
pub fn activation_params_range(min: f32, max: f32, qmin: i64, qmax: i64) -> (f32, i64) {
    let mut rmin = (min as f64).min(0.0);
    let mut rmax = (max as f64).max(0.0);
    if (rmax - rmin).abs() < NEAR_ZERO {
        rmin -= NEAR_ZERO;
        rmax += NEAR_ZERO;
    }
    let scale = (rmax as f32 - rmin as f32) / (qmax - qmin) as f32;
    let zp_from_min = (qmin as f64 - rmin / scale as f64) as f32;
    let zp = if zp_from_min < qmin as f32 {
        qmin
    } else if zp_from_min > qmax as f32 {
        qmax
    } else {
        round_half_away(zp_from_min as f64) as i64
    };
    (scale, zp)
}

/// Symmetric per-channel int8 weight scales for a weight tensor whose channel `c` occupies
/// `w[c*inner .. (c+1)*inner]` (quantized dimension 0: FULLY_CONNECTED `[out,in]`,
/// CONV_2D `[O,H,W,I]`).
///
/// `m = max(|min_c|, |max_c|)` over the range widened to include 0; if `2m ≤ 1e-6` the range
/// becomes ±5e-7; `scale_c = f32(f32(2m) / 254.0f)` (narrow range [-127, 127]).
pub fn weight_scales(w: &[f32], channels: usize) -> Vec<f32> {
    if channels == 0 {
        return Vec::new();
    }
    let inner = w.len() / channels;
    w.chunks(inner.max(1))
        .take(channels)
        .map(|ch| {
            let (mn, mx) = ch.iter().fold((0.0f64, 0.0f64), |(a, b), &v| {
                (a.min(v as f64), b.max(v as f64))
            });
            let m = mn.abs().max(mx.abs());
            let (mut lo, mut hi) = (-m, m);
            if hi - lo <= NEAR_ZERO {
                lo = lo.min(-NEAR_ZERO / 2.0);
                hi = hi.max(NEAR_ZERO / 2.0);
            }
            (hi as f32 - lo as f32) / 254.0f32
        })
        .collect()
}

/// `f32(1.0 / (double)scale)`: the converter multiplies by this float inverse.
#[inline]
fn inv_scale(scale: f32) -> f32 {
    if scale == 0.0 {
        0.0
    } else {
        (1.0 / scale as f64) as f32
    }
}

/// Quantizes weights per channel with the given scales:
/// `q = clamp(round_half_away(f32(w * f32(1/scale_c))), -127, 127)`.
pub fn quantize_weights(w: &[f32], scales: &[f32]) -> Vec<i8> {
    let inner = w.len() / scales.len().max(1);
    let mut out = Vec::with_capacity(w.len());
    for (c, ch) in w.chunks(inner.max(1)).enumerate() {
        let inv = inv_scale(scales[c.min(scales.len() - 1)]);
        out.extend(
            ch.iter()
                .map(|&v| round_half_away((v * inv) as f64).clamp(-127.0, 127.0) as i8),
        );
    }
    out
}

/// Int32 bias quantization with TF's overflow guard.
///
/// `bias_scale_c = f32((double)in_scale * (double)w_scale_c)`. If `|b_c| / bias_scale_c`
/// exceeds `INT32_MAX / 2`, the bias scale becomes `|b_c| / (INT32_MAX / 2)` and the weight
/// scale `bias_scale_c / in_scale` (both in double, then f32), so the caller must quantize the
/// weights with the returned weight scales. Values:
/// `q = clamp(round_half_away(f32(b * f32(1/bias_scale))), ±(2^31 - 1))`.
pub struct BiasQuant {
    pub values: Vec<i32>,
    pub scales: Vec<f32>,
    /// Weight scales after the overflow adjustment.
    pub weight_scales: Vec<f32>,
    /// Channels whose scales were adjusted.
    pub adjusted: Vec<usize>,
}

pub fn quantize_bias(b: &[f32], in_scale: f32, w_scales: &[f32]) -> BiasQuant {
    let mut scales = Vec::with_capacity(b.len());
    let mut weight_scales = w_scales.to_vec();
    let mut adjusted = Vec::new();
    for (c, &bv) in b.iter().enumerate() {
        let mut s = in_scale as f64 * w_scales[c] as f64;
        // The check uses the float32 product, as the converter stores it.
        s = s as f32 as f64;
        if (bv as f64).abs() / s > BIAS_LIMIT {
            s = (bv as f64).abs() / BIAS_LIMIT;
            weight_scales[c] = (s / in_scale as f64) as f32;
            adjusted.push(c);
        }
        scales.push(s as f32);
    }
    let limit = ((1u64 << 31) - 1) as f64;
    let values = b
        .iter()
        .zip(&scales)
        .map(|(&bv, &s)| round_half_away((bv * inv_scale(s)) as f64).clamp(-limit, limit) as i32)
        .collect();
    BiasQuant {
        values,
        scales,
        weight_scales,
        adjusted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_examples_from_tf() {
        // Values recorded from TensorFlow 2.21's files (fixtures README).
        assert_eq!(activation_params(1.2e-5, 0.99971765).1, -128);
        assert_eq!(activation_params(-2.607135, 3.557199).1, -20);
        assert_eq!(activation_params(0.0, 1.0), (1.0f32 / 255.0, -128));
        assert_eq!(activation_params(0.0, 1.0).0.to_bits(), 0x3b80_8081); // 0.003921568859368563
    }

    #[test]
    fn degenerate_range_is_widened() {
        let (s, zp) = activation_params(0.0, 0.0);
        assert!(s > 0.0 && s.is_finite());
        assert!((-128..=127).contains(&zp));
    }

    #[test]
    fn weight_ties_round_away_from_zero() {
        // scale 1.0 for a channel whose max |w| is 127
        let w = [127.0f32, 62.5, -62.5, 0.5, 2.5, -3.5];
        let s = weight_scales(&w, 1);
        assert_eq!(s, vec![1.0]);
        assert_eq!(quantize_weights(&w, &s), vec![127, 63, -63, 1, 3, -4]);
    }

    #[test]
    fn bias_overflow_guard() {
        // zero weights (scale 5e-7*2/254), bias 0.05: the scale must be raised
        let ws = weight_scales(&[0.0; 4], 1);
        let bq = quantize_bias(&[0.05], 0.0039, &ws);
        assert_eq!(bq.adjusted, vec![0]);
        assert_eq!(bq.values[0], 1073741824);
    }
}
