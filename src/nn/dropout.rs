//! `Dropout(rate)` (`keras.layers.Dropout`), forward and backward side by side.
//!
//! Inference: the identity. Training (TF's `stateless_dropout`): each value is kept with
//! probability `1 − rate`, `y = (x · scale) · keep` with `scale = 1 / (1 − rate)` (float32);
//! `rate = 1` drops everything. Backward: `dx = (dy · keep) · scale`.
//!
//! The mask comes from our seeded ChaCha8 generator (TensorFlow's Philox stream cannot be
//! reproduced), drawn in a fixed order, so a seed gives the same training on every build.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::layer::Scratch;

#[derive(Clone, Debug, PartialEq)]
pub struct Dropout {
    /// Fraction of the values dropped, in `[0, 1]`.
    pub rate: f32,
}

impl Dropout {
    fn scale(&self) -> f32 {
        (1.0 / (1.0 - f64::from(self.rate))) as f32
    }

    /// Training forward: draws the keep mask (1.0 or 0.0 per value) into `s.f`.
    pub(crate) fn forward_train(
        &self,
        x: &[f32],
        y: &mut [f32],
        s: &mut Scratch,
        rng: &mut ChaCha8Rng,
    ) {
        if self.rate >= 1.0 {
            y.fill(0.0);
            s.f_mut(x.len()).fill(0.0);
            return;
        }
        let scale = self.scale();
        let keep = s.f_mut(x.len());
        for ((yv, &xv), k) in y.iter_mut().zip(x).zip(keep.iter_mut()) {
            let u: f32 = rng.random();
            *k = if u >= self.rate { 1.0 } else { 0.0 };
            *yv = (xv * scale) * *k;
        }
    }

    pub(crate) fn backward(&self, dy: &[f32], dx: &mut [f32], s: &Scratch) {
        let scale = if self.rate >= 1.0 { 0.0 } else { self.scale() };
        for ((d, &g), &k) in dx.iter_mut().zip(dy).zip(&s.f) {
            *d = (g * k) * scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn keeps_about_one_minus_rate_and_scales() {
        let d = Dropout { rate: 0.25 };
        let x = vec![1.0f32; 4000];
        let mut y = vec![0.0; 4000];
        let mut s = Scratch::default();
        d.forward_train(&x, &mut y, &mut s, &mut ChaCha8Rng::seed_from_u64(1));
        let kept = y.iter().filter(|&&v| v != 0.0).count();
        assert!((2850..3150).contains(&kept), "{kept}");
        assert!(y.iter().all(|&v| v == 0.0 || v == (1.0f64 / 0.75) as f32));
        let mut dx = vec![0.0; 4000];
        d.backward(&x, &mut dx, &s);
        assert_eq!(dx, y);
        let mut y2 = vec![0.0; 4000];
        d.forward_train(
            &x,
            &mut y2,
            &mut Scratch::default(),
            &mut ChaCha8Rng::seed_from_u64(1),
        );
        assert_eq!(y, y2, "seeded");
    }
}
