//! `BatchNormalization(axis=-1, momentum, epsilon, center, scale)`
//! (`keras.layers.BatchNormalization`, Keras 3 on TensorFlow), forward and backward side by
//! side. `x` `[m, C]` with `m` = samples × the leading axes (the statistics are per channel,
//! over everything else).
//!
//! Forward (`tf.nn.batch_normalization`, float32, in this order):
//! `inv = rsqrt(var + ε) · γ`, `y = x · inv + (β − mean · inv)`, where in inference mean/var
//! are the moving statistics and in training the batch's (`tf.nn.moments`):
//! `mean = Σ x / m`, `var = Σ (x − mean)² / m` (biased). `rsqrt` is correctly rounded here
//! (TensorFlow's CPU kernel uses an approximate `rsqrt` + one Newton step on packets of 8
//! channels; the difference is a few ulps).
//!
//! Training also updates, after the step (Keras's `call`):
//! `moving_mean = moving_mean · momentum + mean · (1 − momentum)`, same for the variance
//! with the biased batch variance; `momentum` and `1 − momentum` are Python floats cast to
//! float32.
//!
//! Backward in training mode, with `r = rsqrt(var + ε)`, `x̂ = (x − mean) · r`:
//! `∂L/∂β = Σ dy`, `∂L/∂γ = Σ dy · x̂`, `∂L/∂x = γ r · (dy − ∂L/∂β / m − x̂ · ∂L/∂γ / m)`.

use super::layer::Scratch;

/// A BatchNormalization layer over the last axis (`channels` values).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormalization {
    pub momentum: f64,
    pub epsilon: f64,
    /// Whether `β` exists (Keras `center`).
    pub center: bool,
    /// Whether `γ` exists (Keras `scale`).
    pub scale: bool,
    pub channels: usize,
    /// `[C]` (empty without `scale`), Keras default ones.
    pub gamma: Vec<f32>,
    /// `[C]` (empty without `center`), Keras default zeros.
    pub beta: Vec<f32>,
    /// `[C]`, default zeros.
    pub moving_mean: Vec<f32>,
    /// `[C]`, default ones.
    pub moving_variance: Vec<f32>,
}

/// `1 / sqrt(v)` correctly rounded to float32 (computed in f64).
pub fn rsqrt(v: f32) -> f32 {
    (1.0 / f64::from(v).sqrt()) as f32
}

impl BatchNormalization {
    fn gamma(&self, c: usize) -> f32 {
        if self.scale {
            self.gamma[c]
        } else {
            1.0
        }
    }

    fn beta(&self, c: usize) -> f32 {
        if self.center {
            self.beta[c]
        } else {
            0.0
        }
    }

    /// `y = x · inv + (β − mean · inv)` over `m` rows. In training, the batch statistics
    /// are computed and kept in `s.f` (`[mean; C]` then `[var; C]`, then the coefficients) for the backward pass and
    /// the moving-statistics update.
    pub(crate) fn forward(
        &self,
        x: &[f32],
        m: usize,
        y: &mut [f32],
        s: &mut Scratch,
        training: bool,
    ) {
        let ch = self.channels;
        let eps = self.epsilon as f32;
        // s.f = [batch mean; C] [batch var; C] [inv; C] [offset; C]
        let buf = s.f_mut(4 * ch);
        let (stats, coef) = buf.split_at_mut(2 * ch);
        let (inv, off) = coef.split_at_mut(ch);
        if training {
            let (mean, var) = stats.split_at_mut(ch);
            mean.fill(0.0);
            var.fill(0.0);
            let n = m as f32;
            for row in x.chunks_exact(ch) {
                for (a, &v) in mean.iter_mut().zip(row) {
                    *a += v;
                }
            }
            mean.iter_mut().for_each(|v| *v /= n);
            for row in x.chunks_exact(ch) {
                for ((a, &v), &mu) in var.iter_mut().zip(row).zip(mean.iter()) {
                    let d = v - mu;
                    *a += d * d;
                }
            }
            var.iter_mut().for_each(|v| *v /= n);
        }
        let (mean, var): (&[f32], &[f32]) = if training {
            stats.split_at(ch)
        } else {
            (&self.moving_mean, &self.moving_variance)
        };
        for c in 0..ch {
            inv[c] = rsqrt(var[c] + eps) * self.gamma(c);
            off[c] = self.beta(c) - mean[c] * inv[c];
        }
        for (yr, xr) in y.chunks_exact_mut(ch).zip(x.chunks_exact(ch)) {
            for (((yv, &xv), &i), &o) in yr.iter_mut().zip(xr).zip(inv.iter()).zip(off.iter()) {
                *yv = xv * i + o;
            }
        }
    }

    /// Backward in training mode (batch statistics from `s`); `grads` are `[∂L/∂γ]` and/or
    /// `[∂L/∂β]` in weight order (then two unused entries for the moving statistics).
    pub(crate) fn backward(
        &self,
        x: &[f32],
        m: usize,
        dy: &[f32],
        grads: &mut [Vec<f32>],
        dx: Option<&mut [f32]>,
        s: &Scratch,
    ) {
        let ch = self.channels;
        let eps = self.epsilon as f32;
        let (mean, var) = s.f[..2 * ch].split_at(ch);
        let r: Vec<f32> = var.iter().map(|&v| rsqrt(v + eps)).collect();
        let (mut d_beta, mut d_gamma) = (vec![0.0f32; ch], vec![0.0f32; ch]);
        for (dr, xr) in dy.chunks_exact(ch).zip(x.chunks_exact(ch)) {
            for c in 0..ch {
                d_beta[c] += dr[c];
                d_gamma[c] += dr[c] * ((xr[c] - mean[c]) * r[c]);
            }
        }
        if let Some(dx) = dx {
            let n = m as f32;
            for ((dxr, dr), xr) in dx
                .chunks_exact_mut(ch)
                .zip(dy.chunks_exact(ch))
                .zip(x.chunks_exact(ch))
            {
                for c in 0..ch {
                    let xhat = (xr[c] - mean[c]) * r[c];
                    dxr[c] =
                        self.gamma(c) * r[c] * (dr[c] - d_beta[c] / n - xhat * (d_gamma[c] / n));
                }
            }
        }
        let mut slot = 0;
        if self.scale {
            grads[slot].copy_from_slice(&d_gamma);
            slot += 1;
        }
        if self.center {
            grads[slot].copy_from_slice(&d_beta);
        }
    }

    /// Folds this step's batch statistics (from the forward pass) into the moving ones.
    pub(crate) fn update_moving(&mut self, s: &Scratch) {
        let ch = self.channels;
        let (mean, var) = s.f[..2 * ch].split_at(ch);
        let mom = self.momentum as f32;
        let rest = (1.0 - self.momentum) as f32;
        for (mm, &b) in self.moving_mean.iter_mut().zip(mean) {
            *mm = *mm * mom + b * rest;
        }
        for (mv, &b) in self.moving_variance.iter_mut().zip(var) {
            *mv = *mv * mom + b * rest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bn() -> BatchNormalization {
        BatchNormalization {
            momentum: 0.99,
            epsilon: 1e-3,
            center: true,
            scale: true,
            channels: 2,
            gamma: vec![1.5, 0.5],
            beta: vec![0.1, -0.2],
            moving_mean: vec![0.3, -1.0],
            moving_variance: vec![2.0, 0.5],
        }
    }

    #[test]
    fn inference_uses_moving_statistics() {
        let b = bn();
        let mut y = [0.0; 2];
        b.forward(&[1.3, 0.0], 1, &mut y, &mut Scratch::default(), false);
        let want0 = (1.3 - 0.3) / (2.0f64 + 1e-3).sqrt() * 1.5 + 0.1;
        let want1 = (0.0 + 1.0) / (0.5f64 + 1e-3).sqrt() * 0.5 - 0.2;
        assert!((f64::from(y[0]) - want0).abs() < 1e-6 && (f64::from(y[1]) - want1).abs() < 1e-6);
    }

    #[test]
    fn training_statistics_and_moving_update() {
        let mut b = bn();
        let x = [1.0f32, 2.0, 3.0, 6.0];
        let mut y = [0.0; 4];
        let mut s = Scratch::default();
        b.forward(&x, 2, &mut y, &mut s, true);
        assert_eq!(&s.f[..4], &[2.0, 4.0, 1.0, 4.0]);
        b.update_moving(&s);
        assert_eq!(b.moving_mean[0], 0.3f32 * 0.99f32 + 2.0 * 0.01f32);
        assert_eq!(b.moving_variance[1], 0.5f32 * 0.99f32 + 4.0 * 0.01f32);
    }

    /// Finite differences of `Σ c ⊙ BN_train(x)` in x, γ and β.
    #[test]
    fn backward_matches_finite_differences() {
        let b = bn();
        let m = 3;
        let x = vec![0.5f32, -1.0, 1.7, 0.2, -0.3, 2.4];
        let c = [0.4f32, -1.2, 0.9, 0.3, -0.7, 1.1];
        let loss = |b: &BatchNormalization, x: &[f32]| -> f64 {
            let mut y = vec![0.0; 6];
            b.forward(x, m, &mut y, &mut Scratch::default(), true);
            y.iter()
                .zip(&c)
                .map(|(&a, &c)| f64::from(a) * f64::from(c))
                .sum()
        };
        let mut s = Scratch::default();
        let mut y = vec![0.0; 6];
        b.forward(&x, m, &mut y, &mut s, true);
        let mut grads = vec![vec![0.0; 2], vec![0.0; 2], vec![], vec![]];
        let mut dx = vec![0.0; 6];
        b.backward(&x, m, &c, &mut grads, Some(&mut dx), &s);
        let h = 1e-3f32;
        for i in 0..6 {
            let (mut p, mut q) = (x.clone(), x.clone());
            p[i] += h;
            q[i] -= h;
            let num = (loss(&b, &p) - loss(&b, &q)) / f64::from(2.0 * h);
            assert!(
                (num - f64::from(dx[i])).abs() < 3e-3,
                "dx[{i}] {num} vs {}",
                dx[i]
            );
        }
        for ch in 0..2 {
            for (slot, field) in [(0, "gamma"), (1, "beta")] {
                let (mut p, mut q) = (b.clone(), b.clone());
                let (pv, qv) = if slot == 0 {
                    (&mut p.gamma, &mut q.gamma)
                } else {
                    (&mut p.beta, &mut q.beta)
                };
                pv[ch] += h;
                qv[ch] -= h;
                let num = (loss(&p, &x) - loss(&q, &x)) / f64::from(2.0 * h);
                assert!(
                    (num - f64::from(grads[slot][ch])).abs() < 3e-3,
                    "{field}[{ch}]"
                );
            }
        }
    }
}
