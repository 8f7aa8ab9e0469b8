//! Activation functions (`keras.activations`), forward and backward side by side, applied
//! in place on a row-major tensor whose last axis has `channels` values.
//!
//! | name | forward `a = f(z)` | backward `dz = da · f'(z)` (TF's gradient op) |
//! |---|---|---|
//! | `linear` | `z` | `da` |
//! | `relu` | `max(z, 0)` | `da · [a > 0]` (`ReluGrad`, tested on the output) |
//! | `relu6` | `min(max(z, 0), 6)` | `da · [0 < a < 6]` (`Relu6Grad`) |
//! | `sigmoid` | `1 / (1 + exp(-z))` | `da · a · (1 - a)` (`SigmoidGrad`) |
//! | `tanh` | `tanh(z)` | `da · (1 - a²)` (`TanhGrad`) |
//! | `softmax` | `exp(z_j - max z) / Σ_k exp(z_k - max z)` over the last axis | `a_j · (da_j - Σ_k da_k a_k)` (`_SoftmaxGrad`) |
//! | `hard_silu` | `z · relu6(z + 3) / 6` (Keras 3 `hard_silu`, alias `hard_swish`) | autodiff of that product; needs `z` |
//!
//! Transcendentals come from the `libm` crate on every target, so training gives the same
//! bits natively and in wasm32.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A Keras activation function by name (the `activation` argument of `Dense`, `Conv2D`,
/// `DepthwiseConv2D` and the `Activation` layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    Linear,
    Relu,
    Relu6,
    Sigmoid,
    Tanh,
    Softmax,
    /// Keras 3 `hard_silu` (= `hard_swish`): `x · relu6(x + 3) / 6`.
    HardSilu,
}

impl Activation {
    /// Keras name (`keras.activations.serialize`).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Relu6 => "relu6",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softmax => "softmax",
            Activation::HardSilu => "hard_silu",
        }
    }

    /// Parses a Keras or TF.js activation name; `None` means linear, as in Keras.
    pub fn parse(name: Option<&str>) -> Result<Self> {
        match name {
            None => Ok(Activation::Linear),
            Some(s) => s.parse(),
        }
    }

    /// Whether the backward pass needs the pre-activation `z` (not only the output).
    pub(crate) fn needs_preactivation(self) -> bool {
        self == Activation::HardSilu
    }

    /// Applies the activation in place to `z` (`[.., channels]`, row-major).
    pub fn forward_in_place(self, z: &mut [f32], channels: usize) {
        match self {
            Activation::Linear => {}
            Activation::Relu => z.iter_mut().for_each(|v| *v = relu(*v)),
            Activation::Relu6 => z.iter_mut().for_each(|v| *v = relu6(*v)),
            Activation::Sigmoid => z.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Activation::Tanh => z.iter_mut().for_each(|v| *v = libm::tanhf(*v)),
            Activation::Softmax => z.chunks_exact_mut(channels).for_each(softmax_row_in_place),
            // Keras: x * (relu6(x + 3) / 6), each step rounded to f32.
            Activation::HardSilu => z.iter_mut().for_each(|v| *v *= relu6(*v + 3.0) / 6.0),
        }
    }

    /// Turns `d` = `∂L/∂a` into `∂L/∂z` in place, given the output `a` and, for activations
    /// that need it ([`Activation::needs_preactivation`]), the pre-activation `z`
    /// (otherwise ignored; may be empty).
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // NaN zeroes the gradient, as TF's masks do
    pub fn backward_in_place(self, a: &[f32], z: &[f32], d: &mut [f32], channels: usize) {
        match self {
            Activation::Linear => {}
            Activation::Relu => (crate::kernels::ops().f32_relu_backward)(a, d),
            Activation::Relu6 => {
                for (dv, &av) in d.iter_mut().zip(a) {
                    if !(av > 0.0 && av < 6.0) {
                        *dv = 0.0;
                    }
                }
            }
            Activation::Sigmoid => {
                for (dv, &av) in d.iter_mut().zip(a) {
                    *dv = *dv * av * (1.0 - av);
                }
            }
            Activation::Tanh => {
                for (dv, &av) in d.iter_mut().zip(a) {
                    *dv *= 1.0 - av * av;
                }
            }
            Activation::Softmax => {
                for (drow, arow) in d.chunks_exact_mut(channels).zip(a.chunks_exact(channels)) {
                    let dot: f32 = drow.iter().zip(arow).map(|(&dv, &av)| dv * av).sum();
                    for (dv, &av) in drow.iter_mut().zip(arow) {
                        *dv = (*dv - dot) * av;
                    }
                }
            }
            Activation::HardSilu => {
                // a = z · h, h = relu6(z + 3) / 6: dz = da·h + (da·z)/6 · [-3 < z < 3].
                for (dv, &zv) in d.iter_mut().zip(z) {
                    let h = relu6(zv + 3.0) / 6.0;
                    let inner = zv + 3.0;
                    let through = if inner > 0.0 && inner < 6.0 {
                        (*dv * zv) / 6.0
                    } else {
                        0.0
                    };
                    *dv = *dv * h + through;
                }
            }
        }
    }
}

/// `max(v, 0)` with TF's NaN behaviour (`0 < v ? v : 0`).
#[inline]
pub(crate) fn relu(v: f32) -> f32 {
    crate::kernels::generic::f32_relu_scalar(v)
}

#[inline]
pub(crate) fn relu6(v: f32) -> f32 {
    relu(v).min(6.0)
}

#[inline]
pub(crate) fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-v))
}

/// Row softmax, shifted by the row max like `tf.nn.softmax` so `exp` never overflows.
pub(crate) fn softmax_row_in_place(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in row.iter_mut() {
        *v = libm::expf(*v - max);
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

impl FromStr for Activation {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "" | "linear" => Activation::Linear,
            "relu" => Activation::Relu,
            "relu6" => Activation::Relu6,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "softmax" => Activation::Softmax,
            "hard_silu" | "hard_swish" | "hardSilu" | "hardSwish" => Activation::HardSilu,
            other => {
                return Err(Error::invalid(format!(
                    "unknown activation {other:?}: expected one of \"linear\", \"relu\", \
                     \"relu6\", \"sigmoid\", \"tanh\", \"softmax\", \"hard_silu\" \
                     (\"hard_swish\")"
                )))
            }
        })
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Activation; 7] = [
        Activation::Linear,
        Activation::Relu,
        Activation::Relu6,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softmax,
        Activation::HardSilu,
    ];

    #[test]
    fn names_round_trip() {
        for a in ALL {
            assert_eq!(a.name().parse::<Activation>().unwrap(), a);
        }
        assert_eq!(
            "hard_swish".parse::<Activation>().unwrap(),
            Activation::HardSilu
        );
        assert_eq!(Activation::parse(None).unwrap(), Activation::Linear);
        let e = "elu".parse::<Activation>().unwrap_err().to_string();
        assert!(e.contains("elu") && e.contains("relu6"), "{e}");
    }

    #[test]
    fn forward_values() {
        let mut z = [-4.0f32, -1.0, 0.5, 7.0];
        Activation::Relu6.forward_in_place(&mut z, 4);
        assert_eq!(z, [0.0, 0.0, 0.5, 6.0]);
        let mut z = [-4.0f32, -1.0, 0.5, 7.0];
        Activation::HardSilu.forward_in_place(&mut z, 4);
        assert_eq!(z, [0.0, -(2.0 / 6.0), 0.5 * (3.5 / 6.0), 7.0]);
        let mut z = [0.0f32];
        Activation::Sigmoid.forward_in_place(&mut z, 1);
        assert_eq!(z, [0.5]);
    }

    /// Finite differences of `Σ c ⊙ f(z)` for every activation, away from the kinks.
    #[test]
    fn backward_matches_finite_differences() {
        let z0 = [-3.7f32, -1.2, -0.4, 0.3, 1.1, 2.6, 5.2, 7.5];
        let c = [0.3f32, -1.1, 0.8, 0.25, -0.6, 1.3, 0.9, -0.2];
        let loss = |act: Activation, z: &[f32]| -> f64 {
            let mut a = z.to_vec();
            act.forward_in_place(&mut a, 4);
            a.iter()
                .zip(&c)
                .map(|(&a, &c)| f64::from(a) * f64::from(c))
                .sum()
        };
        for act in ALL {
            let mut a = z0.to_vec();
            act.forward_in_place(&mut a, 4);
            let mut d = c.to_vec();
            act.backward_in_place(&a, &z0, &mut d, 4);
            let h = 1e-3f32;
            for i in 0..z0.len() {
                let (mut p, mut m) = (z0, z0);
                p[i] += h;
                m[i] -= h;
                let num = (loss(act, &p) - loss(act, &m)) / f64::from(2.0 * h);
                assert!(
                    (num - f64::from(d[i])).abs() < 2e-3,
                    "{act} dz[{i}]: {num} vs {}",
                    d[i]
                );
            }
        }
    }
}
