//! Built-in datasets: seed-style random data and scikit-learn's digits (`data/digits.bin`).

use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::Dataset;
use crate::error::{Error, Result};

pub const DIGITS_ROWS: usize = 1797;
pub const DIGITS_FEATURES: usize = 64;

/// Most values [`random`] makes (2^26 float32: 256 MiB).
pub const MAX_RANDOM_VALUES: u64 = 1 << 26;

/// Like the seed program's `np.random.rand(rows, features)` and
/// `np.random.randint(0, classes, rows)`: uniform [0, 1) features and uniform labels,
/// deterministic for a seed (ChaCha8, not NumPy's generator).
pub fn random(rows: usize, features: usize, classes: usize, seed: u64) -> Result<Dataset> {
    if rows == 0 || features == 0 || classes == 0 {
        return Err(Error::invalid(format!(
            "random data needs rows, features and classes ≥ 1 (got {rows}, {features}, {classes})"
        )));
    }
    // api-traps cases 1 and 4: sizes checked in 64 bits before anything is allocated
    // (a class count ≥ 2^31 wrapped to a negative i32; rows × features wrapped in usize).
    if classes > i32::MAX as usize {
        return Err(Error::invalid(format!(
            "random data: {classes} classes is more than the {} class indices an int32 label holds",
            i32::MAX
        )));
    }
    let values = (rows as u64).checked_mul(features as u64);
    if values.is_none_or(|v| v > MAX_RANDOM_VALUES) {
        return Err(Error::invalid(format!(
            "random data: {rows} rows × {features} features is more than the {MAX_RANDOM_VALUES} \
             values (256 MiB of float32) random data may hold"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x: Vec<f32> = (0..rows * features).map(|_| rng.random::<f32>()).collect();
    let y: Vec<i32> = (0..rows)
        .map(|_| rng.random_range(0..classes as i32))
        .collect();
    let mut d = Dataset::new(x, y, features)?;
    d.classes = classes;
    Ok(d)
}

/// scikit-learn's digits from the bytes of `data/digits.bin` (format in `data/README.md`):
/// 1797 × 64 pixels 0..16 then 1797 labels; pixels are divided by 16 (as `X / 16`).
pub fn digits(bytes: &[u8]) -> Result<Dataset> {
    let n = DIGITS_ROWS * DIGITS_FEATURES;
    if bytes.len() != n + DIGITS_ROWS {
        return Err(Error::invalid(format!(
            "digits.bin: expected {} bytes, got {}",
            n + DIGITS_ROWS,
            bytes.len()
        )));
    }
    if let Some(i) = bytes[..n].iter().position(|&p| p > 16) {
        return Err(Error::invalid(format!(
            "digits.bin: pixel {} of image {} is {} (pixels are 0..16)",
            i % DIGITS_FEATURES,
            i / DIGITS_FEATURES,
            bytes[i]
        )));
    }
    let x = bytes[..n].iter().map(|&p| p as f32 / 16.0).collect();
    let y = bytes[n..].iter().map(|&l| l as i32).collect();
    let mut d = Dataset::new(x, y, DIGITS_FEATURES)?;
    if d.classes > 10 {
        return Err(Error::invalid("digits.bin: labels must be 0..9"));
    }
    d.classes = 10;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_is_seeded() {
        let a = random(100, 32, 10, 42).unwrap();
        assert_eq!(a, random(100, 32, 10, 42).unwrap());
        assert_ne!(a.x, random(100, 32, 10, 43).unwrap().x);
        assert!(a.x.iter().all(|&v| (0.0..1.0).contains(&v)));
        assert!(a.y.iter().all(|&l| (0..10).contains(&l)));
        assert_eq!((a.rows(), a.features, a.classes), (100, 32, 10));
        assert!(random(0, 32, 10, 1).is_err());
    }

    #[test]
    fn digits_from_the_bundled_file() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.bin")).unwrap();
        let d = digits(&bytes).unwrap();
        assert_eq!((d.rows(), d.features, d.classes), (1797, 64, 10));
        assert!(d.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
        let e = digits(&bytes[1..]).unwrap_err().to_string();
        assert!(e.contains("expected 116805 bytes, got 116804"), "{e}");
    }
}
