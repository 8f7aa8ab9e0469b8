//! 2-D pooling kernels (NHWC): MAX_POOL_2D and AVERAGE_POOL_2D in float32 and int8, matching
//! LiteRT's reference kernels (`reference_ops::MaxPool` / `AveragePool` for float,
//! `reference_integer_ops::MaxPool` / `AveragePool` for int8). The window of output
//! `(oy, ox)` is clipped to the image (padding cells are not counted).
//!
//! - float max: `max` from `f32::MIN` (C++ `lowest()`) with `std::max`, then the clamp;
//! - float average: `total = 0.0f`, `+= x` in (y, x) order, `total / count`, clamp;
//! - int8 max: from −128, then the clamp (the fused activation's quantized range);
//! - int8 average: `acc = Σ x` (int32), `acc > 0 ? (acc + n/2) / n : (acc − n/2) / n` with
//!   C's truncating division (ties away from zero), then the clamp.
//!
//! The output shape and padding come from [`super::conv::conv_out_size`]; a window with no
//! point inside the image cannot occur for the sizes it returns.

use super::conv::ConvGeometry;
use super::generic::{cpp_max, f32_clamp_activation};

/// Pooling geometry: [`ConvGeometry`] with `out_c == in_c`, no dilation.
pub type PoolGeometry = ConvGeometry;

/// Calls `f(b, oy, ox, y0..y1, x0..x1)` for every output position in order, with the window
/// clipped to the image.
#[inline]
fn for_windows(
    g: &PoolGeometry,
    mut f: impl FnMut(usize, std::ops::Range<usize>, std::ops::Range<usize>),
) {
    for b in 0..g.batches {
        for oy in 0..g.out_h {
            let y0 = (oy * g.stride_h) as isize - g.pad_h as isize;
            let ys = y0.max(0) as usize;
            let ye = (y0 + g.filter_h as isize).min(g.in_h as isize).max(0) as usize;
            for ox in 0..g.out_w {
                let x0 = (ox * g.stride_w) as isize - g.pad_w as isize;
                let xs = x0.max(0) as usize;
                let xe = (x0 + g.filter_w as isize).min(g.in_w as isize).max(0) as usize;
                f(b, ys..ye.max(ys), xs..xe.max(xs));
            }
        }
    }
}

/// Float MAX_POOL_2D.
pub fn f32_max_pool_generic(g: &PoolGeometry, x: &[f32], out: &mut [f32], act: (f32, f32)) {
    let c = g.in_c;
    let mut o = 0;
    for_windows(g, |b, ys, xs| {
        for ch in 0..c {
            let mut m = f32::MIN;
            for y in ys.clone() {
                for xx in xs.clone() {
                    m = cpp_max(m, x[((b * g.in_h + y) * g.in_w + xx) * c + ch]);
                }
            }
            out[o] = f32_clamp_activation(m, act.0, act.1);
            o += 1;
        }
    });
}

/// Float AVERAGE_POOL_2D.
pub fn f32_average_pool_generic(g: &PoolGeometry, x: &[f32], out: &mut [f32], act: (f32, f32)) {
    let c = g.in_c;
    let mut o = 0;
    for_windows(g, |b, ys, xs| {
        let count = (ys.len() * xs.len()) as f32;
        for ch in 0..c {
            let mut total = 0.0f32;
            for y in ys.clone() {
                for xx in xs.clone() {
                    total += x[((b * g.in_h + y) * g.in_w + xx) * c + ch];
                }
            }
            out[o] = f32_clamp_activation(total / count, act.0, act.1);
            o += 1;
        }
    });
}

/// int8 MAX_POOL_2D; `act` is the quantized activation range.
pub fn qs8_max_pool_generic(g: &PoolGeometry, x: &[i8], out: &mut [i8], act: (i32, i32)) {
    let c = g.in_c;
    let mut o = 0;
    for_windows(g, |b, ys, xs| {
        for ch in 0..c {
            let mut m = i8::MIN;
            for y in ys.clone() {
                for xx in xs.clone() {
                    m = m.max(x[((b * g.in_h + y) * g.in_w + xx) * c + ch]);
                }
            }
            out[o] = (m as i32).clamp(act.0, act.1) as i8;
            o += 1;
        }
    });
}

/// int8 AVERAGE_POOL_2D; `act` is the quantized activation range.
pub fn qs8_average_pool_generic(g: &PoolGeometry, x: &[i8], out: &mut [i8], act: (i32, i32)) {
    let c = g.in_c;
    let mut o = 0;
    for_windows(g, |b, ys, xs| {
        let n = (ys.len() * xs.len()) as i32;
        for ch in 0..c {
            let mut acc = 0i32;
            for y in ys.clone() {
                for xx in xs.clone() {
                    acc += x[((b * g.in_h + y) * g.in_w + xx) * c + ch] as i32;
                }
            }
            let v = if n == 0 {
                0
            } else if acc > 0 {
                (acc + n / 2) / n
            } else {
                (acc - n / 2) / n
            };
            out[o] = v.clamp(act.0, act.1) as i8;
            o += 1;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(
        in_h: usize,
        in_w: usize,
        f: usize,
        s: usize,
        pad: usize,
        out: usize,
    ) -> PoolGeometry {
        PoolGeometry {
            batches: 1,
            in_h,
            in_w,
            in_c: 1,
            out_h: out,
            out_w: out,
            out_c: 1,
            filter_h: f,
            filter_w: f,
            stride_h: s,
            stride_w: s,
            dilation_h: 1,
            dilation_w: 1,
            pad_h: pad,
            pad_w: pad,
        }
    }

    #[test]
    fn int8_average_rounds_half_away_from_zero() {
        // 2x2 windows of a 2x2 image: sums 2, -2, 1, -1 over 4 -> 1, -1, 0, 0.
        let g = geometry(2, 2, 2, 2, 0, 1);
        let mut out = [0i8];
        for (x, want) in [
            ([1i8, 1, 0, 0], 1i8),
            ([-1, -1, 0, 0], -1),
            ([1, 0, 0, 0], 0),
            ([-1, 0, 0, 0], 0),
            ([3, 3, 3, 3], 3),
        ] {
            qs8_average_pool_generic(&g, &x, &mut out, (-128, 127));
            assert_eq!(out[0], want, "{x:?}");
        }
    }

    #[test]
    fn windows_are_clipped_to_the_image() {
        // SAME 3x3 stride 1 on 2x2: every window sees the whole image.
        let g = geometry(2, 2, 3, 1, 1, 2);
        let x = [1.0f32, 2.0, 3.0, 6.0];
        let mut out = [0.0f32; 4];
        f32_average_pool_generic(&g, &x, &mut out, (f32::MIN, f32::MAX));
        assert_eq!(out, [3.0; 4]);
        f32_max_pool_generic(&g, &x, &mut out, (f32::MIN, 5.0));
        assert_eq!(out, [5.0; 4]);
        let xi = [1i8, -2, 3, -7];
        let mut oi = [0i8; 4];
        qs8_max_pool_generic(&g, &xi, &mut oi, (0, 127));
        assert_eq!(oi, [3; 4]);
    }
}
