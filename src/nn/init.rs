//! Weight initializers (Keras defaults): Glorot-uniform kernels; zeros and ones are plain
//! `vec!`s in `layer.rs`.
//!
//! Seeded with ChaCha8, so the same seed gives the same weights on every platform (native
//! and wasm32); values differ from Keras's own RNG, which nobody can reproduce outside TF.

use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// ChaCha stream reserved for initializers; layer `l` of a model draws from stream
/// `INIT_STREAM + l` so adding a layer never changes the weights of the layers before it.
pub(crate) const INIT_STREAM: u64 = 0x1000;

/// The generator for layer `layer` of a model built with `seed`.
pub(crate) fn layer_rng(seed: u64, layer: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(INIT_STREAM + layer as u64);
    rng
}

/// `keras.initializers.GlorotUniform`: `n` draws of `U(-limit, limit)`,
/// `limit = sqrt(6 / (fan_in + fan_out))`, in row-major order of the kernel. Keras's fans:
/// `[in, out]` for Dense; `[kh, kw, in, out]` gives `fan_in = kh·kw·in`, `fan_out = kh·kw·out`.
pub fn glorot_uniform(fan_in: usize, fan_out: usize, n: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let limit = (6.0 / (fan_in as f64 + fan_out as f64)).sqrt() as f32;
    (0..n).map(|_| rng.random_range(-limit..limit)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glorot_range_and_spread() {
        let (fan_in, fan_out) = (32, 64);
        let w = glorot_uniform(fan_in, fan_out, fan_in * fan_out, &mut layer_rng(7, 0));
        let limit = (6.0f32 / 96.0).sqrt();
        assert_eq!(w.len(), fan_in * fan_out);
        assert!(w.iter().all(|v| v.abs() < limit));
        // U(-l, l) has variance l²/3; 2048 draws land well within 10% of it.
        let var = w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32;
        assert!((var / (limit * limit / 3.0) - 1.0).abs() < 0.1, "{var}");
    }

    #[test]
    fn seeded_and_per_layer() {
        let a = glorot_uniform(4, 3, 12, &mut layer_rng(1, 0));
        assert_eq!(a, glorot_uniform(4, 3, 12, &mut layer_rng(1, 0)));
        assert_ne!(a, glorot_uniform(4, 3, 12, &mut layer_rng(2, 0)));
        assert_ne!(a, glorot_uniform(4, 3, 12, &mut layer_rng(1, 1)));
    }
}
