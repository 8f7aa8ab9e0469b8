//! Optimizers with Keras 3's exact update arithmetic: Adam and SGD (with optional momentum).
//!
//! Keras evaluates these in the variable's dtype (float32), with hyper-parameters that are
//! Python floats (f64) cast to float32 where they meet a tensor. We keep the hyper-parameters
//! as f64 and cast at the same places, because it changes results: `1 - 0.9` in f64 cast to
//! f32 is `0.1f32`, while `1.0f32 - 0.9f32` is `0.100000024`.

use crate::error::{Error, Result};

/// `keras.optimizers.Adam`; defaults are Keras 3's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam {
    pub learning_rate: f64,
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
}

impl Default for Adam {
    fn default() -> Self {
        Adam {
            learning_rate: 1e-3,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        }
    }
}

/// Per-step float32 constants of one Adam update (`t` = `iterations + 1`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamStep {
    alpha: f32,
    one_minus_beta_1: f32,
    one_minus_beta_2: f32,
    epsilon: f32,
}

impl Adam {
    pub(crate) fn validate(&self) -> Result<()> {
        check_lr("Adam", self.learning_rate)?;
        for (name, b) in [("beta_1", self.beta_1), ("beta_2", self.beta_2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::invalid(format!(
                    "Adam: {name} must be in [0, 1), got {b}"
                )));
            }
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(Error::invalid(format!(
                "Adam: epsilon must be a finite number > 0, got {}",
                self.epsilon
            )));
        }
        Ok(())
    }

    /// Keras 3 `Adam.update_step` (keras/src/optimizers/adam.py), in float32:
    /// `local_step = iterations + 1`, `beta_k_power = beta_k ^ local_step`,
    /// `alpha = lr * sqrt(1 - beta_2_power) / (1 - beta_1_power)`.
    pub(crate) fn step(&self, iterations: u64) -> AdamStep {
        let t = (iterations + 1) as f32;
        // libm's powf on every target: std's is the platform's natively (native == wasm bits).
        let beta_1_power = libm::powf(self.beta_1 as f32, t);
        let beta_2_power = libm::powf(self.beta_2 as f32, t);
        let lr = self.learning_rate as f32;
        AdamStep {
            alpha: lr * (1.0 - beta_2_power).sqrt() / (1.0 - beta_1_power),
            one_minus_beta_1: (1.0 - self.beta_1) as f32,
            one_minus_beta_2: (1.0 - self.beta_2) as f32,
            epsilon: self.epsilon as f32,
        }
    }
}

/// One Adam update of `var` with gradient `grad` and moments `m`, `v` (Keras 3 order):
/// `m += (g - m)·(1-β₁)`, `v += (g² - v)·(1-β₂)`, `var -= (m·alpha) / (sqrt(v) + ε)`.
pub(crate) fn adam_update(
    var: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    k: AdamStep,
) {
    // The kernel table's Adam (scalar or SIMD128: same IEEE operations, same bits).
    let p = crate::kernels::F32AdamParams {
        alpha: k.alpha,
        one_minus_beta_1: k.one_minus_beta_1,
        one_minus_beta_2: k.one_minus_beta_2,
        epsilon: k.epsilon,
    };
    (crate::kernels::ops().f32_adam)(var, grad, m, v, &p);
}

/// `keras.optimizers.SGD` (Keras 3 `SGD.update_step`, keras/src/optimizers/sgd.py).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    pub learning_rate: f64,
    /// In `[0, 1]`; 0 is plain gradient descent (no velocity state).
    pub momentum: f64,
    pub nesterov: bool,
}

impl Default for Sgd {
    fn default() -> Self {
        Sgd {
            learning_rate: 0.01,
            momentum: 0.0,
            nesterov: false,
        }
    }
}

impl Sgd {
    pub(crate) fn validate(&self) -> Result<()> {
        check_lr("SGD", self.learning_rate)?;
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(Error::invalid(format!(
                "SGD: momentum must be in [0, 1], got {}",
                self.momentum
            )));
        }
        Ok(())
    }

    /// Without momentum: `var -= g·lr`. With momentum `μ` and velocity `m`:
    /// `m = m·μ - g·lr`, then `var += m` (or `var += m·μ - g·lr` with Nesterov).
    /// `velocity` is empty when `momentum` is 0.
    pub(crate) fn update(&self, var: &mut [f32], grad: &[f32], velocity: &mut [f32]) {
        let lr = self.learning_rate as f32;
        if self.momentum == 0.0 {
            for (w, &g) in var.iter_mut().zip(grad) {
                *w -= g * lr;
            }
            return;
        }
        let mu = self.momentum as f32;
        for ((w, &g), m) in var.iter_mut().zip(grad).zip(velocity.iter_mut()) {
            *m = *m * mu - g * lr;
            *w += if self.nesterov { *m * mu - g * lr } else { *m };
        }
    }
}

fn check_lr(opt: &str, lr: f64) -> Result<()> {
    if lr.is_finite() && lr > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{opt}: learning_rate must be a finite number > 0, got {lr}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first Adam step moves every weight by about lr·sign(g): m̂/sqrt(v̂) = g/|g|.
    #[test]
    fn first_step_is_lr_times_sign() {
        let adam = Adam::default();
        let mut w = [1.0f32, -2.0, 0.5];
        let g = [0.3f32, -0.01, 0.0];
        let (mut m, mut v) = ([0.0; 3], [0.0; 3]);
        adam_update(&mut w, &g, &mut m, &mut v, adam.step(0));
        assert!((w[0] - (1.0 - 1e-3)).abs() < 1e-6);
        assert!((w[1] - (-2.0 + 1e-3)).abs() < 2e-6);
        assert_eq!(w[2], 0.5);
    }

    #[test]
    fn constants_cast_like_keras() {
        let k = Adam::default().step(0);
        assert_eq!(k.one_minus_beta_1, 0.1f32);
        assert_eq!(k.one_minus_beta_2, 0.001f32);
        assert_eq!(k.epsilon, 1e-7f32);
    }

    #[test]
    fn sgd_plain_and_momentum() {
        let mut w = [1.0f32];
        Sgd {
            learning_rate: 0.5,
            ..Sgd::default()
        }
        .update(&mut w, &[2.0], &mut []);
        assert_eq!(w, [0.0]);
        let sgd = Sgd {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: false,
        };
        let (mut w, mut m) = ([0.0f32], [0.0f32]);
        sgd.update(&mut w, &[1.0], &mut m);
        sgd.update(&mut w, &[1.0], &mut m);
        // m1 = -0.1, w1 = -0.1; m2 = -0.09 - 0.1 = -0.19, w2 = -0.29
        assert!((w[0] + 0.29).abs() < 1e-6);
    }

    #[test]
    fn rejects_bad_hyperparameters() {
        assert!(Adam {
            learning_rate: 0.0,
            ..Adam::default()
        }
        .validate()
        .is_err());
        assert!(Adam {
            beta_1: 1.0,
            ..Adam::default()
        }
        .validate()
        .is_err());
        assert!(Adam {
            epsilon: f64::NAN,
            ..Adam::default()
        }
        .validate()
        .is_err());
        assert!(Sgd {
            momentum: 1.5,
            ..Sgd::default()
        }
        .validate()
        .is_err());
        assert!(Adam::default().validate().is_ok());
    }
}
