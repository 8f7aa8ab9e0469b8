//! Pooling layers (`keras.layers`), NHWC, forward and backward side by side.
//!
//! - `MaxPooling2D(pool_size, strides, padding)`: `y[n,oy,ox,c] = max` over the window's
//!   pixels inside the input (TF's `"same"` padding never wins). Backward routes `dy` to the
//!   first maximum in `(ky, kx)` order, as TF's `MaxPoolGrad` does; the winners' flat
//!   indices are kept from the forward pass.
//! - `AveragePooling2D(pool_size, strides, padding)`: the sum over the window's pixels inside
//!   the input, divided by their count (TF's `AvgPool` leaves padding out of the count).
//!   Backward spreads `dy / count` over those pixels.
//! - `GlobalAveragePooling2D(keepdims)`: `y[n,c] = Σ_{h,w} x[n,h,w,c] / (H·W)` (TF's
//!   `reduce_mean`); backward `dx = dy / (H·W)`.
//! - `GlobalMaxPooling2D(keepdims)`: `y[n,c] = max_{h,w} x[n,h,w,c]`; backward splits `dy`
//!   equally among all maxima (TF's `reduce_max` gradient, `_MinOrMaxGrad`).
//!
//! Window geometry: [`Geom`](super::conv::Geom) with dilation 1; `strides` default to
//! `pool_size` (Keras).

use super::conv::{Geom, Padding};
use super::layer::Scratch;

/// Which reduction a [`Pool2D`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Average,
}

/// `MaxPooling2D` / `AveragePooling2D`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pool2D {
    pub kind: PoolKind,
    pub padding: Padding,
    pub geom: Geom,
}

impl Pool2D {
    /// `y` `[rows, OH, OW, C]`; max pooling keeps each output's winning input index in `s.idx`.
    pub(crate) fn forward(&self, x: &[f32], rows: usize, y: &mut [f32], s: &mut Scratch) {
        let g = &self.geom;
        let c = g.c;
        let n_out = rows * g.oh * g.ow * c;
        if self.kind == PoolKind::Max {
            s.idx.resize(n_out, 0);
        }
        for r in 0..rows {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    let o = ((r * g.oh + oy) * g.ow + ox) * c;
                    let out = &mut y[o..o + c];
                    let mut count = 0u32;
                    for ky in 0..g.kh {
                        let Some(iy) = g.in_y(oy, ky) else { continue };
                        for kx in 0..g.kw {
                            let Some(ix) = g.in_x(ox, kx) else { continue };
                            let at = ((r * g.ih + iy) * g.iw + ix) * c;
                            let xin = &x[at..at + c];
                            match (self.kind, count) {
                                (PoolKind::Max, 0) => {
                                    out.copy_from_slice(xin);
                                    for (ch, w) in s.idx[o..o + c].iter_mut().enumerate() {
                                        *w = (at + ch) as u32;
                                    }
                                }
                                (PoolKind::Max, _) => {
                                    let win = &mut s.idx[o..o + c];
                                    for (ch, (ov, &xv)) in out.iter_mut().zip(xin).enumerate() {
                                        if xv > *ov {
                                            *ov = xv;
                                            win[ch] = (at + ch) as u32;
                                        }
                                    }
                                }
                                (PoolKind::Average, 0) => out.copy_from_slice(xin),
                                (PoolKind::Average, _) => {
                                    for (ov, &xv) in out.iter_mut().zip(xin) {
                                        *ov += xv;
                                    }
                                }
                            }
                            count += 1;
                        }
                    }
                    if self.kind == PoolKind::Average {
                        let n = count as f32;
                        out.iter_mut().for_each(|v| *v /= n);
                    }
                }
            }
        }
    }

    pub(crate) fn backward(&self, rows: usize, dy: &[f32], dx: &mut [f32], s: &Scratch) {
        let g = &self.geom;
        let c = g.c;
        dx.fill(0.0);
        match self.kind {
            PoolKind::Max => {
                let n_out = rows * g.oh * g.ow * c;
                for (&w, &d) in s.idx[..n_out].iter().zip(dy) {
                    dx[w as usize] += d;
                }
            }
            PoolKind::Average => {
                for r in 0..rows {
                    for oy in 0..g.oh {
                        for ox in 0..g.ow {
                            let count = (0..g.kh).filter(|&t| g.in_y(oy, t).is_some()).count()
                                * (0..g.kw).filter(|&t| g.in_x(ox, t).is_some()).count();
                            let n = count as f32;
                            let o = ((r * g.oh + oy) * g.ow + ox) * c;
                            let dout = &dy[o..o + c];
                            for ky in 0..g.kh {
                                let Some(iy) = g.in_y(oy, ky) else { continue };
                                for kx in 0..g.kw {
                                    let Some(ix) = g.in_x(ox, kx) else { continue };
                                    let at = ((r * g.ih + iy) * g.iw + ix) * c;
                                    for (dv, &d) in dx[at..at + c].iter_mut().zip(dout) {
                                        *dv += d / n;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GlobalAveragePooling2D` / `GlobalMaxPooling2D` over an `[H, W, C]` input.
#[derive(Clone, Debug, PartialEq)]
pub struct GlobalPool2D {
    pub kind: PoolKind,
    pub keepdims: bool,
    /// `H · W`
    pub hw: usize,
    pub c: usize,
}

impl GlobalPool2D {
    pub(crate) fn forward(&self, x: &[f32], rows: usize, y: &mut [f32]) {
        let (hw, c) = (self.hw, self.c);
        for r in 0..rows {
            let out = &mut y[r * c..(r + 1) * c];
            let xs = &x[r * hw * c..(r + 1) * hw * c];
            out.copy_from_slice(&xs[..c]);
            for px in xs.chunks_exact(c).skip(1) {
                for (o, &v) in out.iter_mut().zip(px) {
                    match self.kind {
                        PoolKind::Average => *o += v,
                        PoolKind::Max => {
                            if v > *o {
                                *o = v
                            }
                        }
                    }
                }
            }
            if self.kind == PoolKind::Average {
                let n = hw as f32;
                out.iter_mut().for_each(|v| *v /= n);
            }
        }
    }

    pub(crate) fn backward(&self, x: &[f32], y: &[f32], rows: usize, dy: &[f32], dx: &mut [f32]) {
        let (hw, c) = (self.hw, self.c);
        let n = hw as f32;
        for r in 0..rows {
            let dout = &dy[r * c..(r + 1) * c];
            let dxs = &mut dx[r * hw * c..(r + 1) * hw * c];
            match self.kind {
                PoolKind::Average => {
                    for px in dxs.chunks_exact_mut(c) {
                        for (d, &g) in px.iter_mut().zip(dout) {
                            *d = g / n;
                        }
                    }
                }
                PoolKind::Max => {
                    let xs = &x[r * hw * c..(r + 1) * hw * c];
                    let out = &y[r * c..(r + 1) * c];
                    for ch in 0..c {
                        let ties = (0..hw).filter(|&p| xs[p * c + ch] == out[ch]).count() as f32;
                        for p in 0..hw {
                            dxs[p * c + ch] = if xs[p * c + ch] == out[ch] {
                                dout[ch] / ties
                            } else {
                                0.0
                            };
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(kind: PoolKind, padding: Padding, k: usize, s: usize, input: [usize; 3]) -> Pool2D {
        Pool2D {
            kind,
            padding,
            geom: Geom::new("t", &input, (k, k), (s, s), (1, 1), padding).unwrap(),
        }
    }

    #[test]
    fn max_pool_forward_and_backward_route_to_the_first_maximum() {
        let p = pool(PoolKind::Max, Padding::Valid, 2, 2, [2, 2, 1]);
        let x = [1.0f32, 3.0, 3.0, -1.0];
        let mut y = [0.0];
        let mut s = Scratch::default();
        p.forward(&x, 1, &mut y, &mut s);
        assert_eq!(y, [3.0]);
        let mut dx = [9.0; 4];
        p.backward(1, &[2.0], &mut dx, &s);
        assert_eq!(dx, [0.0, 2.0, 0.0, 0.0]);
    }

    #[test]
    fn average_pool_same_counts_only_real_pixels() {
        // 3×3 input, 2×2 window, stride 1, same: the last row/column windows hold fewer pixels.
        let p = pool(PoolKind::Average, Padding::Same, 2, 1, [3, 3, 1]);
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let mut y = [0.0; 9];
        p.forward(&x, 1, &mut y, &mut Scratch::default());
        assert_eq!(y, [3.0, 4.0, 4.5, 6.0, 7.0, 7.5, 7.5, 8.5, 9.0]);
        let mut dx = [0.0; 9];
        let mut dy = [0.0; 9];
        dy[8] = 1.0;
        p.backward(1, &dy, &mut dx, &Scratch::default());
        assert_eq!(dx[8], 1.0);
        dy = [0.0; 9];
        dy[2] = 1.0; // window of pixels 2 and 5
        p.backward(1, &dy, &mut dx, &Scratch::default());
        assert_eq!(dx, [0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn global_pools() {
        let g = GlobalPool2D {
            kind: PoolKind::Max,
            keepdims: false,
            hw: 3,
            c: 2,
        };
        let x = [1.0f32, 5.0, 4.0, 5.0, 4.0, -1.0];
        let mut y = [0.0; 2];
        g.forward(&x, 1, &mut y);
        assert_eq!(y, [4.0, 5.0]);
        let mut dx = [7.0; 6];
        g.backward(&x, &y, 1, &[1.0, 3.0], &mut dx);
        assert_eq!(dx, [0.0, 1.5, 0.5, 1.5, 0.5, 0.0]);
        let g = GlobalPool2D {
            kind: PoolKind::Average,
            ..g
        };
        g.forward(&x, 1, &mut y);
        assert_eq!(y, [3.0, 3.0]);
        g.backward(&x, &y, 1, &[3.0, 6.0], &mut dx);
        assert_eq!(dx, [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
    }
}
