//! Keras-style models: [`Sequential`] stacks of [`Dense`] layers, their initializers, and the
//! forward/backward math of each layer (training itself lives in [`crate::train`]).
//!
//! Weights use Keras's layout and order, so `get_weights`/`set_weights` arrays move between
//! litequant and `keras.Model.get_weights()` unchanged: per layer, kernel `[in, out]` then
//! bias `[out]` (omitted when `use_bias` is false).

mod dense;
mod init;

pub use dense::{Activation, Dense, DenseConfig};
pub use init::glorot_uniform;

pub(crate) use dense::softmax_row_in_place;

use crate::error::{check_finite, Error, Result};

/// Rows per forward block in `predict`: bounds the scratch memory for large inputs.
const PREDICT_BLOCK_ROWS: usize = 256;

/// `keras.Sequential([Input((input_dim,)), Dense(...), ...])`.
#[derive(Clone, Debug)]
pub struct Sequential {
    pub(crate) input_dim: usize,
    pub(crate) layers: Vec<Dense>,
    /// Set by `compile` (optimizer, loss, optimizer state, training scratch).
    pub(crate) compiled: Option<crate::train::Compiled>,
}

impl Sequential {
    /// Builds the model with Glorot-uniform kernels and zero biases drawn from `seed`
    /// (layer `l` uses its own ChaCha8 stream, so it is independent of the other layers).
    pub fn new(input_dim: usize, layers: &[DenseConfig], seed: u64) -> Result<Self> {
        if input_dim == 0 {
            return Err(Error::invalid("Sequential: input_dim must be at least 1"));
        }
        if layers.is_empty() {
            return Err(Error::invalid(
                "Sequential: a model needs at least one layer",
            ));
        }
        let mut built = Vec::with_capacity(layers.len());
        let mut fan_in = input_dim;
        for (l, cfg) in layers.iter().enumerate() {
            if cfg.units == 0 {
                return Err(Error::invalid(format!(
                    "Sequential: layer {l} (Dense) must have at least 1 unit, got 0"
                )));
            }
            built.push(Dense::new(fan_in, cfg, &mut init::layer_rng(seed, l))?);
            fan_in = cfg.units;
        }
        Ok(Sequential {
            input_dim,
            layers: built,
            compiled: None,
        })
    }

    /// Features per sample.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// Outputs per sample (units of the last layer).
    pub fn output_dim(&self) -> usize {
        self.layers.last().map_or(0, |l| l.units)
    }

    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// Number of trainable scalars.
    pub fn param_count(&self) -> usize {
        self.layers.iter().map(Dense::param_count).sum()
    }

    /// `(data, shape)` per weight array, in Keras order: kernel `[in, out]`, then bias
    /// `[out]` (left out when the layer has no bias), layer by layer.
    pub fn get_weights(&self) -> Vec<(Vec<f32>, Vec<usize>)> {
        let mut out = Vec::with_capacity(2 * self.layers.len());
        for layer in &self.layers {
            out.push((layer.kernel.clone(), vec![layer.input_dim, layer.units]));
            if layer.use_bias {
                out.push((layer.bias.clone(), vec![layer.units]));
            }
        }
        out
    }

    /// Shapes of the arrays `get_weights` returns and `set_weights` expects.
    pub fn weight_shapes(&self) -> Vec<Vec<usize>> {
        self.get_weight_slots()
            .into_iter()
            .map(|s| s.shape)
            .collect()
    }

    fn get_weight_slots(&self) -> Vec<WeightSlot> {
        let mut slots = Vec::with_capacity(2 * self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            slots.push(WeightSlot {
                layer: l,
                is_bias: false,
                shape: vec![layer.input_dim, layer.units],
            });
            if layer.use_bias {
                slots.push(WeightSlot {
                    layer: l,
                    is_bias: true,
                    shape: vec![layer.units],
                });
            }
        }
        slots
    }

    /// Replaces every weight, in `get_weights` order (flat row-major arrays). Everything is
    /// checked (count, each length, NaN/Inf) before anything changes. The optimizer state, if
    /// compiled, is kept, as `keras.Model.set_weights` does.
    pub fn set_weights(&mut self, weights: &[Vec<f32>]) -> Result<()> {
        let slots = self.get_weight_slots();
        if weights.len() != slots.len() {
            return Err(Error::invalid(format!(
                "set_weights: expected {} arrays (kernel [in, out] and bias [out] per Dense \
                 layer, in Keras order), got {}",
                slots.len(),
                weights.len()
            )));
        }
        for (i, (slot, w)) in slots.iter().zip(weights).enumerate() {
            let what = format!(
                "set_weights array {i} (layer {} Dense {}, shape {:?})",
                slot.layer,
                if slot.is_bias { "bias" } else { "kernel" },
                slot.shape
            );
            let expected: usize = slot.shape.iter().product();
            if w.len() != expected {
                return Err(Error::shape(what, expected, w.len()));
            }
            check_finite(&what, w)?;
        }
        for (slot, w) in slots.iter().zip(weights) {
            let layer = &mut self.layers[slot.layer];
            let dst = if slot.is_bias {
                &mut layer.bias
            } else {
                &mut layer.kernel
            };
            dst.copy_from_slice(w);
        }
        Ok(())
    }

    /// Forward pass: `x` is `N * input_dim` values, row-major; returns `N * output_dim`.
    pub fn predict(&self, x: &[f32]) -> Result<Vec<f32>> {
        let rows = self.check_x("predict", x)?;
        let out_dim = self.output_dim();
        let mut out = vec![0.0f32; rows * out_dim];
        let mut scratch = ForwardScratch::new(self, PREDICT_BLOCK_ROWS.min(rows.max(1)));
        for (xb, ob) in x
            .chunks(PREDICT_BLOCK_ROWS * self.input_dim)
            .zip(out.chunks_mut(PREDICT_BLOCK_ROWS * out_dim))
        {
            self.forward_block(xb, xb.len() / self.input_dim, &mut scratch, ob, true);
        }
        Ok(out)
    }

    /// Runs all layers on `rows` rows of `x`, writing the model output to `out`
    /// (`[rows, output_dim]`); with `last_activation` false, the last layer's pre-activation.
    pub(crate) fn forward_block(
        &self,
        x: &[f32],
        rows: usize,
        scratch: &mut ForwardScratch,
        out: &mut [f32],
        last_activation: bool,
    ) {
        let last = self.layers.len() - 1;
        let (a, b) = scratch.bufs.split_at_mut(1);
        let (mut src, mut dst) = (&mut a[0], &mut b[0]);
        for (l, layer) in self.layers.iter().enumerate() {
            let input: &[f32] = if l == 0 {
                x
            } else {
                &src[..rows * layer.input_dim]
            };
            if l == last && !last_activation {
                layer.forward_linear(input, rows, out);
            } else if l == last {
                layer.forward(input, rows, out);
            } else {
                layer.forward(input, rows, &mut dst[..rows * layer.units]);
                std::mem::swap(&mut src, &mut dst);
            }
        }
    }

    /// Validates a feature array: a whole number of rows, at least one, all finite.
    /// Returns the row count.
    pub(crate) fn check_x(&self, what: &str, x: &[f32]) -> Result<usize> {
        let d = self.input_dim;
        if x.is_empty() {
            return Err(Error::invalid(format!("{what}: x is empty (no samples)")));
        }
        if !x.len().is_multiple_of(d) {
            return Err(Error::shape(
                format!("{what}: x (N * input_dim values, input_dim = {d})"),
                format!("a multiple of {d}"),
                x.len(),
            ));
        }
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: format!("{what}: x (sample {}, feature {})", index / d, index % d),
                index,
            });
        }
        Ok(x.len() / d)
    }
}

struct WeightSlot {
    layer: usize,
    is_bias: bool,
    shape: Vec<usize>,
}

/// Two ping-pong activation buffers, each `rows * widest hidden layer`.
pub(crate) struct ForwardScratch {
    bufs: [Vec<f32>; 2],
}

impl ForwardScratch {
    pub(crate) fn new(model: &Sequential, rows: usize) -> Self {
        let widest = model.layers.iter().map(|l| l.units).max().unwrap_or(0);
        ForwardScratch {
            bufs: [vec![0.0; rows * widest], vec![0.0; rows * widest]],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(seed: u64) -> Sequential {
        Sequential::new(
            5,
            &[
                DenseConfig::new(7, Activation::Relu),
                DenseConfig::new(6, Activation::Linear),
                DenseConfig {
                    units: 3,
                    activation: Activation::Softmax,
                    use_bias: false,
                },
            ],
            seed,
        )
        .unwrap()
    }

    #[test]
    fn construction_errors() {
        let ok = [DenseConfig::new(2, Activation::Relu)];
        assert!(Sequential::new(0, &ok, 0)
            .unwrap_err()
            .to_string()
            .contains("input_dim"));
        assert!(Sequential::new(3, &[], 0)
            .unwrap_err()
            .to_string()
            .contains("at least one layer"));
        let zero = [
            DenseConfig::new(2, Activation::Relu),
            DenseConfig::new(0, Activation::Linear),
        ];
        let e = Sequential::new(3, &zero, 0).unwrap_err().to_string();
        assert!(e.contains("layer 1") && e.contains("unit"), "{e}");
    }

    #[test]
    fn weights_round_trip_and_checks() {
        let m = model(3);
        let w = m.get_weights();
        let shapes: Vec<_> = w.iter().map(|(_, s)| s.clone()).collect();
        assert_eq!(
            shapes,
            vec![vec![5, 7], vec![7], vec![7, 6], vec![6], vec![6, 3]]
        );
        assert_eq!(shapes, m.weight_shapes());
        assert!(m.layers()[0].bias.iter().all(|&b| b == 0.0));

        let mut m2 = model(4);
        let arrays: Vec<Vec<f32>> = w.iter().map(|(d, _)| d.clone()).collect();
        m2.set_weights(&arrays).unwrap();
        assert_eq!(m2.get_weights(), w);

        let e = m2.set_weights(&arrays[..4]).unwrap_err().to_string();
        assert!(
            e.contains("expected 5 arrays") && e.contains("got 4"),
            "{e}"
        );
        let mut bad = arrays.clone();
        bad[2].pop();
        let e = m2.set_weights(&bad).unwrap_err().to_string();
        assert!(
            e.contains("layer 1") && e.contains("kernel") && e.contains("[7, 6]"),
            "{e}"
        );
        let mut bad = arrays.clone();
        bad[3][2] = f32::NAN;
        let e = m2.set_weights(&bad).unwrap_err().to_string();
        assert!(e.contains("bias") && e.contains("index 2"), "{e}");
        assert_eq!(
            m2.get_weights(),
            w,
            "a rejected set_weights changes nothing"
        );
    }

    #[test]
    fn predict_shapes_and_rows() {
        let m = model(1);
        let x: Vec<f32> = (0..5 * 300)
            .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let p = m.predict(&x).unwrap();
        assert_eq!(p.len(), 300 * 3);
        for (r, row) in p.chunks(3).enumerate() {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            assert_eq!(row, &m.predict(&x[r * 5..r * 5 + 5]).unwrap()[..]);
        }
        assert!(m
            .predict(&x[..7])
            .unwrap_err()
            .to_string()
            .contains("multiple of 5"));
        assert!(m.predict(&[]).is_err());
        let mut bad = x.clone();
        bad[12] = f32::INFINITY;
        let e = m.predict(&bad).unwrap_err().to_string();
        assert!(
            e.contains("sample 2, feature 2") && e.contains("index 12"),
            "{e}"
        );
    }

    #[test]
    fn single_layer_model_predicts() {
        let m = Sequential::new(2, &[DenseConfig::new(3, Activation::Linear)], 0).unwrap();
        let p = m.predict(&[1.0, 0.0]).unwrap();
        assert_eq!(p, m.layers()[0].kernel[..3].to_vec());
    }
}
