//! Sparse categorical cross-entropy, computed as Keras 3 on TensorFlow computes it.
//!
//! Keras's `sparse_categorical_crossentropy(y, p, from_logits=False)` clips `p` to
//! `[1e-7, 1 - 1e-7]` and takes `-log p[y]` — but only when it cannot find the logits. A
//! softmax activation stores its input on the output tensor (`output._keras_logits = x` in
//! `keras/src/activations/activations.py`), and in graph mode the TF backend also recognises
//! an output produced by a `Softmax` op (`_get_logits` in
//! `keras/src/backend/tensorflow/nn.py`). Either way, for a `Dense(..., "softmax")` output
//! layer it calls `tf.nn.sparse_softmax_cross_entropy_with_logits` on the logits `z`, with
//! no clipping. That TF kernel (`SparseXentLossGenerator` / `SparseXentGradGenerator`)
//! computes, with `s = z - max(z)`:
//!
//! - loss `= log(Σ_j exp(s_j)) - s_y`,
//! - `∂loss/∂z = exp(s) / Σ_j exp(s_j) - onehot(y)`.
//!
//! We do exactly that, so the loss never saturates at `-log(1e-7) ≈ 16.1` and the gradient
//! is never zeroed by a clip. `from_logits = true` with a linear last layer is the same
//! computation on the same `z`.
//!
//! `exp` and `log` come from the `libm` crate on every target (std's are the platform's libm
//! natively and differ in the last bit now and then), so training gives the same bits
//! natively and in wasm32.
//!
//! The batch loss is Keras's `"sum_over_batch_size"` reduction: `Σ loss_i / n` in f32, and
//! its gradient reaches each row as `(p - onehot) · (1/n)` (TF's `DivNoNan` gradient
//! followed by the broadcast multiply in `_SparseSoftmaxCrossEntropyWithLogitsGrad`).

/// Cross-entropy of one row of logits against `label`. Writes the softmax probabilities to
/// `probs` and `(probs - onehot(label)) · grad_scale` to `dz`; returns the loss.
pub(crate) fn softmax_xent_row(
    logits: &[f32],
    label: usize,
    grad_scale: f32,
    probs: &mut [f32],
    dz: &mut [f32],
) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum_exp = 0.0f32;
    for (p, &z) in probs.iter_mut().zip(logits) {
        *p = libm::expf(z - max);
        sum_exp += *p;
    }
    let loss = libm::logf(sum_exp) - (logits[label] - max);
    for (j, (p, d)) in probs.iter_mut().zip(dz.iter_mut()).enumerate() {
        *p /= sum_exp;
        let onehot = if j == label { 1.0 } else { 0.0 };
        *d = (*p - onehot) * grad_scale;
    }
    loss
}

/// Cross-entropy of one row of logits against `label`, without gradients (evaluation).
pub(crate) fn softmax_xent_loss(logits: &[f32], label: usize) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum_exp: f32 = logits.iter().map(|&z| libm::expf(z - max)).sum();
    libm::logf(sum_exp) - (logits[label] - max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_minus_log_softmax() {
        let z = [1.0f32, -0.5, 2.0, 0.25];
        let (mut p, mut d) = ([0.0; 4], [0.0; 4]);
        let loss = softmax_xent_row(&z, 2, 0.5, &mut p, &mut d);
        let denom: f64 = z.iter().map(|&v| f64::from(v).exp()).sum();
        let want = -(f64::from(z[2]).exp() / denom).ln();
        assert!((f64::from(loss) - want).abs() < 1e-6);
        assert!((f64::from(softmax_xent_loss(&z, 2)) - want).abs() < 1e-6);
        for j in 0..4 {
            let pj = f64::from(z[j]).exp() / denom;
            assert!((f64::from(p[j]) - pj).abs() < 1e-6);
            let onehot = if j == 2 { 1.0 } else { 0.0 };
            assert!((f64::from(d[j]) - (pj - onehot) * 0.5).abs() < 1e-6);
        }
    }

    /// Unlike the clipped-probability formula (which caps the loss at -ln(1e-7) ≈ 16.12),
    /// the logits formula keeps growing, as Keras-on-TF does for a softmax output.
    #[test]
    fn no_clipping_for_confident_mistakes() {
        let z = [0.0f32, 40.0];
        let loss = softmax_xent_loss(&z, 0);
        assert!((loss - 40.0).abs() < 1e-4, "{loss}");
        let (mut p, mut d) = ([0.0; 2], [0.0; 2]);
        softmax_xent_row(&z, 0, 1.0, &mut p, &mut d);
        assert_eq!(d, [-1.0, 1.0]);
    }

    #[test]
    fn large_logits_do_not_overflow() {
        let z = [1000.0f32, 999.0];
        let loss = softmax_xent_loss(&z, 1);
        assert!((loss - 1.313_261_7).abs() < 1e-5, "{loss}");
    }
}
