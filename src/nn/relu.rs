//! The rectifier layers (`keras.layers.ReLU`, `LeakyReLU`, `PReLU`), forward and backward
//! side by side, element-wise on any shape.
//!
//! - `ReLU(max_value, negative_slope, threshold)` (Keras 3 `activations.relu`):
//!   `y = min(x, max_value)` for `x > threshold`, else `negative_slope · (x − threshold)`
//!   (`0` when the slope is 0); `dy/dx` is 1 for `threshold < x < max_value`,
//!   `negative_slope` for `x < threshold`, else 0.
//! - `LeakyReLU(negative_slope = 0.3)` (TF's `LeakyRelu`): `y = x > 0 ? x : x · α`,
//!   `dy/dx = x > 0 ? 1 : α`.
//! - `PReLU(alpha_initializer = zeros, shared_axes)`: `y = relu(x) − α · relu(−x)`, `α` shaped
//!   like one sample with the `shared_axes` set to 1 (broadcast). `∂L/∂x = dy · (x > 0 ? 1 :
//!   x < 0 ? α : 0)`, `∂L/∂α = Σ dy · (−relu(−x))` over the batch and the shared axes.

/// `ReLU(max_value, negative_slope, threshold)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Relu {
    pub max_value: Option<f32>,
    pub negative_slope: f32,
    pub threshold: f32,
}

impl Relu {
    #[inline]
    fn f(&self, x: f32) -> f32 {
        if x > self.threshold {
            match self.max_value {
                Some(m) if x > m => m,
                _ => x,
            }
        } else if self.negative_slope != 0.0 {
            -(self.negative_slope * (self.threshold - x))
        } else {
            0.0
        }
    }

    #[inline]
    fn df(&self, x: f32) -> f32 {
        if x > self.threshold {
            match self.max_value {
                Some(m) if x >= m => 0.0,
                _ => 1.0,
            }
        } else if x < self.threshold {
            self.negative_slope
        } else {
            0.0
        }
    }

    pub(crate) fn forward(&self, x: &[f32], y: &mut [f32]) {
        for (yv, &xv) in y.iter_mut().zip(x) {
            *yv = self.f(xv);
        }
    }

    pub(crate) fn backward(&self, x: &[f32], dy: &[f32], dx: &mut [f32]) {
        for ((d, &g), &xv) in dx.iter_mut().zip(dy).zip(x) {
            *d = g * self.df(xv);
        }
    }
}

/// `LeakyReLU(negative_slope)`.
#[derive(Clone, Debug, PartialEq)]
pub struct LeakyRelu {
    pub negative_slope: f32,
}

impl LeakyRelu {
    pub(crate) fn forward(&self, x: &[f32], y: &mut [f32]) {
        for (yv, &xv) in y.iter_mut().zip(x) {
            *yv = if xv > 0.0 {
                xv
            } else {
                xv * self.negative_slope
            };
        }
    }

    pub(crate) fn backward(&self, x: &[f32], dy: &[f32], dx: &mut [f32]) {
        for ((d, &g), &xv) in dx.iter_mut().zip(dy).zip(x) {
            *d = if xv > 0.0 { g } else { g * self.negative_slope };
        }
    }
}

/// `PReLU(shared_axes)` with its learned `alpha`.
#[derive(Clone, Debug, PartialEq)]
pub struct Prelu {
    /// Per-sample input shape.
    pub input: Vec<usize>,
    /// Axes of the per-sample shape (0-based, batch excluded) that share one alpha.
    pub shared_axes: Vec<usize>,
    /// Shape of `alpha`: `input` with the shared axes set to 1.
    pub alpha_shape: Vec<usize>,
    pub alpha: Vec<f32>,
}

impl Prelu {
    /// Index into `alpha` of each element of one sample (broadcast over shared axes).
    fn alpha_index(&self) -> impl Iterator<Item = usize> + '_ {
        let n: usize = self.input.iter().product();
        (0..n).map(move |mut i| {
            let mut a = 0;
            let mut stride = 1;
            for d in (0..self.input.len()).rev() {
                let coord = i % self.input[d];
                i /= self.input[d];
                if self.alpha_shape[d] != 1 {
                    a += coord * stride;
                }
                stride *= self.alpha_shape[d];
            }
            a
        })
    }

    pub(crate) fn forward(&self, x: &[f32], rows: usize, y: &mut [f32]) {
        let n: usize = self.input.iter().product();
        let idx: Vec<usize> = self.alpha_index().collect();
        for r in 0..rows {
            for ((yv, &xv), &a) in y[r * n..(r + 1) * n].iter_mut().zip(&x[r * n..]).zip(&idx) {
                // Keras: relu(x) + (-alpha) * relu(-x)
                let neg = -self.alpha[a] * super::activation::relu(-xv);
                *yv = super::activation::relu(xv) + neg;
            }
        }
    }

    pub(crate) fn backward(
        &self,
        x: &[f32],
        rows: usize,
        dy: &[f32],
        d_alpha: &mut [f32],
        dx: Option<&mut [f32]>,
    ) {
        let n: usize = self.input.iter().product();
        let idx: Vec<usize> = self.alpha_index().collect();
        d_alpha.fill(0.0);
        for r in 0..rows {
            for ((&g, &xv), &a) in dy[r * n..(r + 1) * n].iter().zip(&x[r * n..]).zip(&idx) {
                d_alpha[a] += g * -super::activation::relu(-xv);
            }
        }
        if let Some(dx) = dx {
            for r in 0..rows {
                let rng = r * n..(r + 1) * n;
                for (((d, &g), &xv), &a) in dx[rng.clone()]
                    .iter_mut()
                    .zip(&dy[rng.clone()])
                    .zip(&x[rng])
                    .zip(&idx)
                {
                    *d = if xv > 0.0 {
                        g
                    } else if xv < 0.0 {
                        g * self.alpha[a]
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu_variants() {
        let x = [-2.0f32, -0.5, 0.5, 3.0, 8.0];
        let mut y = [0.0; 5];
        Relu {
            max_value: Some(6.0),
            negative_slope: 0.0,
            threshold: 0.0,
        }
        .forward(&x, &mut y);
        assert_eq!(y, [0.0, 0.0, 0.5, 3.0, 6.0]);
        Relu {
            max_value: None,
            negative_slope: 0.5,
            threshold: 1.0,
        }
        .forward(&x, &mut y);
        assert_eq!(y, [-1.5, -0.75, -0.25, 3.0, 8.0]);
        let mut dx = [0.0; 5];
        Relu {
            max_value: Some(6.0),
            negative_slope: 0.1,
            threshold: 0.0,
        }
        .backward(&x, &[1.0; 5], &mut dx);
        assert_eq!(dx, [0.1, 0.1, 1.0, 1.0, 0.0]);
        LeakyRelu {
            negative_slope: 0.3,
        }
        .forward(&x, &mut y);
        assert_eq!(y, [-2.0 * 0.3, -0.5 * 0.3, 0.5, 3.0, 8.0]);
    }

    #[test]
    fn prelu_shares_alpha_over_axes() {
        // per-sample [2, 2, 2], shared over axes 0 and 1: one alpha per channel.
        let p = Prelu {
            input: vec![2, 2, 2],
            shared_axes: vec![0, 1],
            alpha_shape: vec![1, 1, 2],
            alpha: vec![0.1, 0.5],
        };
        let x = [-1.0f32, -2.0, 1.0, -4.0, -3.0, 2.0, 0.0, -1.0];
        let mut y = [0.0; 8];
        p.forward(&x, 1, &mut y);
        assert_eq!(y, [-0.1, -1.0, 1.0, -2.0, -0.3, 2.0, 0.0, -0.5]);
        let mut da = [0.0; 2];
        let mut dx = [0.0; 8];
        p.backward(&x, 1, &[1.0; 8], &mut da, Some(&mut dx));
        assert_eq!(da, [-4.0, -7.0]);
        assert_eq!(dx, [0.1, 0.5, 1.0, 0.5, 0.1, 1.0, 0.0, 0.5]);
    }
}
