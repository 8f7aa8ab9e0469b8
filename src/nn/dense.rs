//! `Dense` (Keras `keras.layers.Dense`): `a = act(x · W + b)`, forward and backward side by side.
//!
//! Shapes (row-major, batch first, Keras layout):
//! - `x`: `[n, in]`, `W` (kernel): `[in, out]`, `b` (bias): `[out]`,
//! - `z = x · W + b`: `[n, out]` (pre-activation), `a = act(z)`: `[n, out]`.
//!
//! Backward, given `dz = ∂L/∂z` `[n, out]`:
//! - `∂L/∂W = xᵀ · dz`  `[in, out]`,
//! - `∂L/∂b = Σ_rows dz` `[out]`,
//! - `∂L/∂x = dz · Wᵀ`  `[n, in]`.
//!
//! and `dz` from `da = ∂L/∂a` by [`Activation::backward_in_place`].
//!
//! The products run through the kernel table (`kernels::ops()`: `f32_gemm`, `f32_gemm_nt`,
//! `f32_col_sum`, `f32_relu_backward`), whose scalar and SIMD128 versions share one
//! summation order (see `kernels::F32Gemm`), so training gives the same bits on every
//! build. Scratch is the caller's; nothing here allocates per batch.

use std::fmt;
use std::str::FromStr;

use rand_chacha::ChaCha8Rng;

use super::init::glorot_uniform;
use crate::error::{Error, Result};
use crate::kernels::{self, F32Gemm};

/// Activation applied to a layer's output (the subset of `keras.activations` we train).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `a = z`.
    Linear,
    /// `a = max(z, 0)`.
    Relu,
    /// `a_j = exp(z_j - max z) / Σ_k exp(z_k - max z)` over each row.
    Softmax,
}

impl Activation {
    /// Keras name: `"linear"`, `"relu"`, `"softmax"`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Softmax => "softmax",
        }
    }

    /// Parses a Keras activation name; `None` and `""` mean linear, as in Keras.
    pub fn parse(name: Option<&str>) -> Result<Self> {
        match name {
            None => Ok(Activation::Linear),
            Some(s) => s.parse(),
        }
    }

    /// Applies the activation in place to `z` `[rows, units]` (row-major).
    pub fn forward_in_place(self, z: &mut [f32], units: usize) {
        match self {
            Activation::Linear => {}
            Activation::Relu => {
                for v in z.iter_mut() {
                    *v = kernels::generic::f32_relu_scalar(*v);
                }
            }
            Activation::Softmax => {
                for row in z.chunks_exact_mut(units) {
                    softmax_row_in_place(row);
                }
            }
        }
    }

    /// Turns `d` = `∂L/∂a` into `∂L/∂z` in place, given the activation's output `a`
    /// (both `[rows, units]`).
    ///
    /// - relu: `dz = da · [a > 0]` (TF's `ReluGrad` also tests the output),
    /// - softmax: `dz_j = a_j · (da_j − Σ_k da_k a_k)` (TF's `_SoftmaxGrad`).
    pub fn backward_in_place(self, a: &[f32], d: &mut [f32], units: usize) {
        match self {
            Activation::Linear => {}
            Activation::Relu => (kernels::ops().f32_relu_backward)(a, d),
            Activation::Softmax => {
                for (drow, arow) in d.chunks_exact_mut(units).zip(a.chunks_exact(units)) {
                    let dot: f32 = drow.iter().zip(arow).map(|(&dv, &av)| dv * av).sum();
                    for (dv, &av) in drow.iter_mut().zip(arow) {
                        *dv = (*dv - dot) * av;
                    }
                }
            }
        }
    }
}

/// Row softmax, shifted by the row max like `tf.nn.softmax` so `exp` never overflows.
pub(crate) fn softmax_row_in_place(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

impl FromStr for Activation {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "" | "linear" => Ok(Activation::Linear),
            "relu" => Ok(Activation::Relu),
            "softmax" => Ok(Activation::Softmax),
            other => Err(Error::invalid(format!(
                "unknown activation {other:?}: expected \"linear\", \"relu\" or \"softmax\""
            ))),
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What to build: `Dense(units, activation, use_bias)`; the input size comes from the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DenseConfig {
    pub units: usize,
    pub activation: Activation,
    pub use_bias: bool,
}

impl DenseConfig {
    /// `Dense(units, activation)` with a bias, the Keras default.
    pub fn new(units: usize, activation: Activation) -> Self {
        DenseConfig {
            units,
            activation,
            use_bias: true,
        }
    }
}

/// A fully connected layer with its weights.
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
    /// A layer with a Glorot-uniform kernel drawn from `rng` and a zero bias (Keras defaults).
    pub fn new(input_dim: usize, cfg: &DenseConfig, rng: &mut ChaCha8Rng) -> Result<Self> {
        if input_dim == 0 {
            return Err(Error::invalid("Dense: input size must be at least 1"));
        }
        if cfg.units == 0 {
            return Err(Error::invalid("Dense: units must be at least 1"));
        }
        let kernel = glorot_uniform(input_dim, cfg.units, rng);
        let bias = if cfg.use_bias {
            vec![0.0; cfg.units]
        } else {
            Vec::new()
        };
        Ok(Dense {
            units: cfg.units,
            input_dim,
            activation: cfg.activation,
            use_bias: cfg.use_bias,
            kernel,
            bias,
        })
    }

    /// Number of trainable scalars (kernel + bias).
    pub fn param_count(&self) -> usize {
        self.kernel.len() + self.bias.len()
    }

    /// `z = x · W + b` for `rows` rows: `x` `[rows, in]`, `z` `[rows, out]`.
    ///
    /// The bias is added after the product, as Keras's `ops.add(ops.matmul(x, W), b)`.
    pub fn forward_linear(&self, x: &[f32], rows: usize, z: &mut [f32]) {
        self.gemm_forward(x, rows, z, false);
    }

    /// `a = act(x · W + b)`: `x` `[rows, in]`, `a` `[rows, out]`. ReLU is fused into the
    /// GEMM's store (same bits as applying it afterwards).
    pub fn forward(&self, x: &[f32], rows: usize, a: &mut [f32]) {
        if self.activation == Activation::Relu {
            self.gemm_forward(x, rows, a, true);
        } else {
            self.forward_linear(x, rows, a);
            self.activation.forward_in_place(a, self.units);
        }
    }

    /// `x · W (+ b) (relu)` through the kernel table's `f32_gemm`: each output sums its
    /// products in increasing input index from 0.0, then adds the bias (the order of the
    /// scalar i-k-j loop, kept by the SIMD kernel).
    fn gemm_forward(&self, x: &[f32], rows: usize, z: &mut [f32], relu: bool) {
        let (n_in, n_out) = (self.input_dim, self.units);
        debug_assert_eq!(x.len(), rows * n_in);
        debug_assert_eq!(z.len(), rows * n_out);
        let g = F32Gemm {
            m: rows,
            n: n_out,
            k: n_in,
            a: x,
            a_row_stride: n_in,
            a_k_stride: 1,
            b: &self.kernel,
            bias: self.use_bias.then_some(&self.bias[..]),
            relu,
        };
        (kernels::ops().f32_gemm)(&g, z);
    }

    /// Backward through `x · W + b`, given `dz = ∂L/∂z` `[rows, out]` and the layer input
    /// `x` `[rows, in]`:
    /// - `d_kernel` `[in, out]` = `xᵀ · dz` (overwritten),
    /// - `d_bias` `[out]` = `Σ_rows dz` (overwritten; ignored when `use_bias` is false),
    /// - `d_x` `[rows, in]` = `dz · Wᵀ`, if asked for (the first layer does not need it).
    pub fn backward_linear(
        &self,
        x: &[f32],
        rows: usize,
        dz: &[f32],
        d_kernel: &mut [f32],
        d_bias: &mut [f32],
        d_x: Option<&mut [f32]>,
    ) {
        let (n_in, n_out) = (self.input_dim, self.units);
        debug_assert_eq!(x.len(), rows * n_in);
        debug_assert_eq!(dz.len(), rows * n_out);
        debug_assert_eq!(d_kernel.len(), n_in * n_out);
        let k = kernels::ops();
        // d_kernel[i][j] = Σ_rows x[r][i] · dz[r][j]: A = xᵀ through strides.
        let g = F32Gemm {
            m: n_in,
            n: n_out,
            k: rows,
            a: x,
            a_row_stride: 1,
            a_k_stride: n_in,
            b: dz,
            bias: None,
            relu: false,
        };
        (k.f32_gemm)(&g, d_kernel);
        if self.use_bias {
            (k.f32_col_sum)(dz, d_bias, rows, n_out);
        }
        if let Some(d_x) = d_x {
            debug_assert_eq!(d_x.len(), rows * n_in);
            // d_x[r][i] = Σ_j dz[r][j] · W[i][j]: W `[in, out]` is the transposed operand.
            (k.f32_gemm_nt)(dz, &self.kernel, d_x, rows, n_in, n_out);
        }
    }

    /// Full backward: `d` holds `∂L/∂a` on entry and `∂L/∂z` on exit; `a` is this layer's
    /// output from the forward pass. See [`Dense::backward_linear`] for the rest.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        x: &[f32],
        a: &[f32],
        rows: usize,
        d: &mut [f32],
        d_kernel: &mut [f32],
        d_bias: &mut [f32],
        d_x: Option<&mut [f32]>,
    ) {
        self.activation.backward_in_place(a, d, self.units);
        self.backward_linear(x, rows, d, d_kernel, d_bias, d_x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(activation: Activation, use_bias: bool) -> Dense {
        // in = 3, out = 2
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
    fn parse_activation() {
        assert_eq!(Activation::parse(None).unwrap(), Activation::Linear);
        assert_eq!(Activation::parse(Some("")).unwrap(), Activation::Linear);
        assert_eq!("relu".parse::<Activation>().unwrap(), Activation::Relu);
        assert_eq!(
            "softmax".parse::<Activation>().unwrap(),
            Activation::Softmax
        );
        let err = "tanh".parse::<Activation>().unwrap_err().to_string();
        assert!(err.contains("tanh") && err.contains("relu"), "{err}");
    }

    #[test]
    fn forward_matches_formula() {
        let d = layer(Activation::Relu, true);
        let x = [1.0, 2.0, 3.0];
        let mut a = [0.0; 2];
        d.forward(&x, 1, &mut a);
        // z0 = 0.1 + 0.6 - 1.5 + 0.05 = -0.75 -> 0; z1 = -0.2 + 0.8 + 1.8 - 0.05 = 2.35
        assert_eq!(a[0], 0.0);
        assert!((a[1] - 2.35).abs() < 1e-6);
    }

    /// Finite differences on L = Σ c ⊙ act(x·W + b) check every gradient of `backward`.
    #[test]
    fn backward_matches_finite_differences() {
        for act in [Activation::Linear, Activation::Relu, Activation::Softmax] {
            for use_bias in [true, false] {
                let d = layer(act, use_bias);
                let rows = 2;
                let x = vec![1.0f32, -2.0, 0.5, 0.3, 0.7, -1.1];
                let c = [0.7f32, -1.3, 0.2, 0.9];
                let loss = |d: &Dense, x: &[f32]| -> f64 {
                    let mut a = vec![0.0; rows * 2];
                    d.forward(x, rows, &mut a);
                    a.iter().zip(&c).map(|(&a, &c)| f64::from(a * c)).sum()
                };
                let mut a = vec![0.0; rows * 2];
                d.forward(&x, rows, &mut a);
                let mut g = c.to_vec();
                let (mut dk, mut db, mut dx) = (vec![0.0; 6], vec![0.0; 2], vec![0.0; 6]);
                d.backward(&x, &a, rows, &mut g, &mut dk, &mut db, Some(&mut dx));
                let h = 1e-3f32;
                for i in 0..6 {
                    let (mut p, mut m) = (d.clone(), d.clone());
                    p.kernel[i] += h;
                    m.kernel[i] -= h;
                    let num = (loss(&p, &x) - loss(&m, &x)) / f64::from(2.0 * h);
                    assert!((num - f64::from(dk[i])).abs() < 2e-3, "{act} dW[{i}]");
                    let (mut xp, mut xm) = (x.clone(), x.clone());
                    xp[i] += h;
                    xm[i] -= h;
                    let num = (loss(&d, &xp) - loss(&d, &xm)) / f64::from(2.0 * h);
                    assert!((num - f64::from(dx[i])).abs() < 2e-3, "{act} dx[{i}]");
                }
                if use_bias {
                    for (j, &g) in db.iter().enumerate() {
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
