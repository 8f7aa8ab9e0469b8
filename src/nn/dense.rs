//! `Dense` (`keras.layers.Dense`): `a = act(x · W + b)` on the last axis, forward and backward
//! side by side.
//!
//! Shapes (row-major, batch first, Keras layout), with `m` = samples × the product of the
//! input's leading axes (Keras applies Dense to the last axis of any input rank):
//! - `x`: `[m, in]`, `W` (kernel): `[in, units]`, `b` (bias): `[units]`,
//! - `z = x · W + b`: `[m, units]`, `a = act(z)`: `[m, units]`.
//!
//! Backward, given `dz = ∂L/∂z`: `∂L/∂W = xᵀ · dz` `[in, units]`, `∂L/∂b = Σ_rows dz`
//! `[units]`, `∂L/∂x = dz · Wᵀ` `[m, in]`.
//!
//! The products run through the kernel table (`f32_gemm`, `f32_gemm_nt`, `f32_col_sum`),
//! whose scalar and SIMD128 versions share one summation order (see `kernels::F32Gemm`):
//! each output sums its products in increasing input index from 0.0, then adds the bias
//! (Keras: `ops.add(ops.matmul(x, W), b)`), so training gives the same bits on every build.

use super::activation::Activation;
use super::layer::Scratch;
use crate::kernels::{self, F32Gemm};

/// `Dense(units, activation, use_bias)`; `input_dim` is the size of the input's last axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    pub units: usize,
    pub input_dim: usize,
    pub activation: Activation,
    pub use_bias: bool,
    /// `[input_dim, units]`, row-major (Keras layout).
    pub kernel: Vec<f32>,
    /// `[units]`; empty when `use_bias` is false.
    pub bias: Vec<f32>,
}

impl Dense {
    /// `a = act(x · W + b)` for `m` rows (`x` `[m, in]`, `a` `[m, units]`). With `logits`,
    /// a softmax activation is left out (the loss reads the logits). ReLU is fused into the
    /// GEMM's store (same bits as applying it afterwards).
    pub(crate) fn forward(
        &self,
        x: &[f32],
        m: usize,
        a: &mut [f32],
        s: &mut Scratch,
        logits: bool,
    ) {
        let act = effective(self.activation, logits);
        self.gemm_forward(x, m, a, act == Activation::Relu);
        if act != Activation::Relu {
            if act.needs_preactivation() {
                s.pre.clear();
                s.pre.extend_from_slice(a);
            }
            act.forward_in_place(a, self.units);
        }
    }

    fn gemm_forward(&self, x: &[f32], m: usize, z: &mut [f32], relu: bool) {
        debug_assert_eq!(x.len(), m * self.input_dim);
        debug_assert_eq!(z.len(), m * self.units);
        let g = F32Gemm {
            m,
            n: self.units,
            k: self.input_dim,
            a: x,
            a_row_stride: self.input_dim,
            a_k_stride: 1,
            b: &self.kernel,
            bias: self.use_bias.then_some(&self.bias[..]),
            relu,
        };
        (kernels::ops().f32_gemm)(&g, z);
    }

    /// Backward for `m` rows: `d` holds `∂L/∂a` on entry (`∂L/∂z` after); `a` is this layer's
    /// output. Writes `grads[0]` = `∂L/∂W`, `grads[1]` = `∂L/∂b` (when there is a bias) and,
    /// if asked, `dx` = `∂L/∂x`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward(
        &self,
        x: &[f32],
        a: &[f32],
        m: usize,
        d: &mut [f32],
        grads: &mut [Vec<f32>],
        dx: Option<&mut [f32]>,
        s: &Scratch,
        logits: bool,
    ) {
        effective(self.activation, logits).backward_in_place(a, &s.pre, d, self.units);
        let (n_in, n_out) = (self.input_dim, self.units);
        let k = kernels::ops();
        // ∂L/∂W[i][j] = Σ_rows x[r][i] · dz[r][j]: A = xᵀ through strides.
        let g = F32Gemm {
            m: n_in,
            n: n_out,
            k: m,
            a: x,
            a_row_stride: 1,
            a_k_stride: n_in,
            b: d,
            bias: None,
            relu: false,
        };
        (k.f32_gemm)(&g, &mut grads[0]);
        if self.use_bias {
            (k.f32_col_sum)(d, &mut grads[1], m, n_out);
        }
        if let Some(dx) = dx {
            // ∂L/∂x[r][i] = Σ_j dz[r][j] · W[i][j]: W `[in, out]` is the transposed operand.
            (k.f32_gemm_nt)(d, &self.kernel, dx, m, n_in, n_out);
        }
    }
}

/// The activation actually applied: a softmax is left to the loss when `logits` is set.
pub(crate) fn effective(act: Activation, logits: bool) -> Activation {
    if logits && act == Activation::Softmax {
        Activation::Linear
    } else {
        act
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(activation: Activation, use_bias: bool) -> Dense {
        Dense {
            units: 2,
            input_dim: 3,
            activation,
            use_bias,
            kernel: vec![0.1, -0.2, 0.3, 0.4, -0.5, 0.6],
            bias: if use_bias {
                vec![0.05, -0.05]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn forward_matches_formula() {
        let d = layer(Activation::Relu, true);
        let mut a = [0.0; 2];
        d.forward(&[1.0, 2.0, 3.0], 1, &mut a, &mut Scratch::default(), false);
        // z0 = 0.1 + 0.6 - 1.5 + 0.05 = -0.75 -> 0; z1 = -0.2 + 0.8 + 1.8 - 0.05 = 2.35
        assert_eq!(a[0], 0.0);
        assert!((a[1] - 2.35).abs() < 1e-6);
    }

    /// Finite differences on L = Σ c ⊙ act(x·W + b) check every gradient of `backward`.
    #[test]
    fn backward_matches_finite_differences() {
        for act in [
            Activation::Linear,
            Activation::Relu,
            Activation::Softmax,
            Activation::HardSilu,
        ] {
            for use_bias in [true, false] {
                let d = layer(act, use_bias);
                let rows = 2;
                let x = vec![1.0f32, -2.0, 0.5, 0.3, 0.7, -1.1];
                let c = [0.7f32, -1.3, 0.2, 0.9];
                let loss = |d: &Dense, x: &[f32]| -> f64 {
                    let mut a = vec![0.0; rows * 2];
                    d.forward(x, rows, &mut a, &mut Scratch::default(), false);
                    a.iter().zip(&c).map(|(&a, &c)| f64::from(a * c)).sum()
                };
                let mut s = Scratch::default();
                let mut a = vec![0.0; rows * 2];
                d.forward(&x, rows, &mut a, &mut s, false);
                let mut g = c.to_vec();
                let mut grads = vec![vec![0.0; 6], vec![0.0; 2]];
                let mut dx = vec![0.0; 6];
                d.backward(&x, &a, rows, &mut g, &mut grads, Some(&mut dx), &s, false);
                let h = 1e-3f32;
                for i in 0..6 {
                    let (mut p, mut m) = (d.clone(), d.clone());
                    p.kernel[i] += h;
                    m.kernel[i] -= h;
                    let num = (loss(&p, &x) - loss(&m, &x)) / f64::from(2.0 * h);
                    assert!((num - f64::from(grads[0][i])).abs() < 2e-3, "{act} dW[{i}]");
                    let (mut xp, mut xm) = (x.clone(), x.clone());
                    xp[i] += h;
                    xm[i] -= h;
                    let num = (loss(&d, &xp) - loss(&d, &xm)) / f64::from(2.0 * h);
                    assert!((num - f64::from(dx[i])).abs() < 2e-3, "{act} dx[{i}]");
                }
                if use_bias {
                    for (j, &g) in grads[1].iter().enumerate() {
                        let (mut p, mut m) = (d.clone(), d.clone());
                        p.bias[j] += h;
                        m.bias[j] -= h;
                        let num = (loss(&p, &x) - loss(&m, &x)) / f64::from(2.0 * h);
                        assert!((num - f64::from(g)).abs() < 2e-3, "{act} db[{j}]");
                    }
                }
            }
        }
    }
}
