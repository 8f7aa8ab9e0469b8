//! Merge layers (`keras.layers.Add`, `Subtract`, `Multiply`, `Concatenate`), forward and
//! backward side by side. Operands have the same per-sample shape (except along a
//! `Concatenate` axis); no broadcasting.
//!
//! - `Add`: `y = ((x0 + x1) + x2) + …`, `∂L/∂xi = dy`.
//! - `Subtract` (two operands): `y = x0 − x1`, `∂L/∂x0 = dy`, `∂L/∂x1 = −dy`.
//! - `Multiply`: `y = ((x0 · x1) · x2) · …`, `∂L/∂xi = dy · Π_{j≠i} xj` (product in operand
//!   order).
//! - `Concatenate(axis)`: per sample, view each operand as `[outer, a_i · inner]` where
//!   `outer` is the product of the axes before `axis` and `inner` of those after; the output
//!   row `o` is the operands' rows `o` one after the other. Backward splits `dy` the same way.

/// The element-wise merges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeOp {
    Add,
    Subtract,
    Multiply,
}

impl MergeOp {
    pub(crate) fn forward(self, xs: &[&[f32]], y: &mut [f32]) {
        y.copy_from_slice(&xs[0][..y.len()]);
        for x in &xs[1..] {
            for (yv, &xv) in y.iter_mut().zip(x.iter()) {
                match self {
                    MergeOp::Add => *yv += xv,
                    MergeOp::Subtract => *yv -= xv,
                    MergeOp::Multiply => *yv *= xv,
                }
            }
        }
    }

    /// `∂L/∂x_i` for operand `i`.
    pub(crate) fn backward(self, xs: &[&[f32]], i: usize, dy: &[f32], dx: &mut [f32]) {
        match self {
            MergeOp::Add => dx.copy_from_slice(dy),
            MergeOp::Subtract if i == 0 => dx.copy_from_slice(dy),
            MergeOp::Subtract => {
                for (d, &g) in dx.iter_mut().zip(dy) {
                    *d = -g;
                }
            }
            MergeOp::Multiply => {
                for (e, (d, &g)) in dx.iter_mut().zip(dy).enumerate() {
                    let mut p = 1.0f32;
                    for (j, x) in xs.iter().enumerate() {
                        if j != i {
                            p *= x[e];
                        }
                    }
                    *d = g * p;
                }
            }
        }
    }
}

/// `Concatenate(axis)`, resolved for its operands: `outer` rows per sample, operand `i`
/// contributing `widths[i]` values per row.
#[derive(Clone, Debug, PartialEq)]
pub struct Concatenate {
    /// The axis as given (negative counts from the end; batch axis excluded).
    pub axis: i64,
    pub outer: usize,
    pub widths: Vec<usize>,
}

impl Concatenate {
    fn total(&self) -> usize {
        self.widths.iter().sum()
    }

    pub(crate) fn forward(&self, xs: &[&[f32]], rows: usize, y: &mut [f32]) {
        let t = self.total();
        for o in 0..rows * self.outer {
            let mut at = o * t;
            for (x, &w) in xs.iter().zip(&self.widths) {
                y[at..at + w].copy_from_slice(&x[o * w..(o + 1) * w]);
                at += w;
            }
        }
    }

    pub(crate) fn backward(&self, i: usize, rows: usize, dy: &[f32], dx: &mut [f32]) {
        let t = self.total();
        let start: usize = self.widths[..i].iter().sum();
        let w = self.widths[i];
        for o in 0..rows * self.outer {
            dx[o * w..(o + 1) * w].copy_from_slice(&dy[o * t + start..o * t + start + w]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elementwise() {
        let (a, b) = ([1.0f32, 2.0], [3.0f32, -1.0]);
        let mut y = [0.0; 2];
        MergeOp::Subtract.forward(&[&a, &b], &mut y);
        assert_eq!(y, [-2.0, 3.0]);
        let mut d = [0.0; 2];
        MergeOp::Subtract.backward(&[&a, &b], 1, &[1.0, 2.0], &mut d);
        assert_eq!(d, [-1.0, -2.0]);
        MergeOp::Multiply.forward(&[&a, &b, &b], &mut y);
        assert_eq!(y, [9.0, 2.0]);
        MergeOp::Multiply.backward(&[&a, &b, &b], 1, &[1.0, 1.0], &mut d);
        assert_eq!(d, [3.0, -2.0]);
    }

    #[test]
    fn concatenate_last_axis_and_back() {
        // two samples; operand shapes [2, 1] and [2, 2] on axis -1: outer 2, widths 1 and 2.
        let c = Concatenate {
            axis: -1,
            outer: 2,
            widths: vec![1, 2],
        };
        let a = [1.0f32, 2.0, 3.0, 4.0];
        let b = [10.0f32, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0];
        let mut y = [0.0; 12];
        c.forward(&[&a, &b], 2, &mut y);
        assert_eq!(y, [1., 10., 11., 2., 12., 13., 3., 14., 15., 4., 16., 17.]);
        let mut db = [0.0; 8];
        c.backward(1, 2, &y, &mut db);
        assert_eq!(db, b);
    }
}
