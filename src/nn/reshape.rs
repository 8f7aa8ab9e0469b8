//! Layers that move values without arithmetic, forward and backward side by side.
//!
//! - `Flatten`: `[n, d1, d2, …] → [n, d1·d2·…]`, row-major (NHWC index
//!   `(h·W + w)·C + c`, as Keras's `Flatten` of a channels-last map).
//! - `Reshape(target_shape)`: the same values under another per-sample shape (one `-1`
//!   allowed, inferred). Both are copies forward and backward.
//! - `ZeroPadding2D(padding=((top, bottom), (left, right)))`: `[n, H, W, C] →
//!   [n, top+H+bottom, left+W+right, C]` with zeros around; backward crops `dy`.

/// `ZeroPadding2D`.
#[derive(Clone, Debug, PartialEq)]
pub struct ZeroPadding2D {
    /// `((top, bottom), (left, right))`
    pub padding: ((usize, usize), (usize, usize)),
    /// Input `[H, W, C]`.
    pub input: [usize; 3],
}

impl ZeroPadding2D {
    pub fn output_shape(&self) -> [usize; 3] {
        let [h, w, c] = self.input;
        let ((t, b), (l, r)) = self.padding;
        [t + h + b, l + w + r, c]
    }

    pub(crate) fn forward(&self, x: &[f32], rows: usize, y: &mut [f32]) {
        let [h, w, c] = self.input;
        let [oh, ow, _] = self.output_shape();
        let ((t, _), (l, _)) = self.padding;
        y.fill(0.0);
        for r in 0..rows {
            for iy in 0..h {
                let src = &x[(r * h + iy) * w * c..][..w * c];
                y[((r * oh + iy + t) * ow + l) * c..][..w * c].copy_from_slice(src);
            }
        }
    }

    pub(crate) fn backward(&self, rows: usize, dy: &[f32], dx: &mut [f32]) {
        let [h, w, c] = self.input;
        let [oh, ow, _] = self.output_shape();
        let ((t, _), (l, _)) = self.padding;
        for r in 0..rows {
            for iy in 0..h {
                dx[(r * h + iy) * w * c..][..w * c]
                    .copy_from_slice(&dy[((r * oh + iy + t) * ow + l) * c..][..w * c]);
            }
        }
    }
}

/// Resolves a Keras `Reshape` target (at most one `-1`) for `n` values per sample.
pub fn resolve_target(what: &str, target: &[i64], n: usize) -> crate::Result<Vec<usize>> {
    use crate::Error;
    let unknown: Vec<usize> = (0..target.len()).filter(|&i| target[i] == -1).collect();
    if unknown.len() > 1 || target.iter().any(|&d| d == 0 || d < -1) {
        return Err(Error::invalid(format!(
            "{what}: target shape {target:?} must hold positive sizes and at most one -1"
        )));
    }
    let known = target
        .iter()
        .filter(|&&d| d > 0)
        .try_fold(1u64, |p, &d| p.checked_mul(d as u64));
    let mismatch = || {
        Error::invalid(format!(
            "{what}: cannot reshape {n} values per sample into {target:?}"
        ))
    };
    let known = known.ok_or_else(mismatch)?;
    let mut out: Vec<usize> = target.iter().map(|&d| d.max(0) as usize).collect();
    match unknown.first() {
        Some(&i) => {
            if known == 0 || !(n as u64).is_multiple_of(known) {
                return Err(mismatch());
            }
            out[i] = (n as u64 / known) as usize;
        }
        None if known != n as u64 => return Err(mismatch()),
        None => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_padding_round_trip() {
        let z = ZeroPadding2D {
            padding: ((1, 2), (0, 1)),
            input: [2, 2, 1],
        };
        assert_eq!(z.output_shape(), [5, 3, 1]);
        let x = [1.0f32, 2.0, 3.0, 4.0];
        let mut y = [9.0; 15];
        z.forward(&x, 1, &mut y);
        assert_eq!(
            y,
            [0., 0., 0., 1., 2., 0., 3., 4., 0., 0., 0., 0., 0., 0., 0.]
        );
        let mut dx = [0.0; 4];
        z.backward(1, &y, &mut dx);
        assert_eq!(dx, x);
    }

    #[test]
    fn reshape_targets() {
        assert_eq!(resolve_target("r", &[3, -1], 12).unwrap(), [3, 4]);
        assert_eq!(resolve_target("r", &[2, 6], 12).unwrap(), [2, 6]);
        for bad in [&[5, -1][..], &[-1, -1], &[2, 5], &[0, -1], &[-2, 6]] {
            let e = resolve_target("layer 'r'", bad, 12)
                .unwrap_err()
                .to_string();
            assert!(e.contains("layer 'r'"), "{e}");
        }
    }
}
