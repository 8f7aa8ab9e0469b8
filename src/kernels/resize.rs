//! RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR on NHWC tensors, as LiteRT's reference
//! kernels compute them (`reference_ops::ResizeBilinear` for float and uint8,
//! `reference_ops::ResizeBilinearInteger` for int8, `reference_ops::ResizeNearestNeighbor`).
//!
//! The source coordinates depend only on the output position, so they are computed once
//! per row / column at prepare time ([`BilinearAxis`], [`nearest_axis`]); the kernels then
//! loop over channels. The float kernel evaluates the reference's expression term for term
//! (`in00·(1−dy)·(1−dx) + in10·dy·(1−dx) + in01·(1−dy)·dx + in11·dy·dx + 0`, each product
//! left to right, the sum left to right), so its SIMD128 version — the same operations on
//! four channels at a time — gives the same bits.

/// The source coordinates of one output row (or column) for bilinear resizing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BilinearTap {
    /// Lower and upper source index.
    pub lo: usize,
    pub hi: usize,
    /// Float: the fractional weight `v - lo` (the reference's `input_y - y0`).
    pub frac: f32,
    /// Integer kernel: the source coordinate in 1/1024 units (`input_y`, Q10).
    pub q10: i32,
}

/// The taps of one axis: `input` source positions, `output` destinations.
#[derive(Clone, Debug, PartialEq)]
pub struct BilinearAxis {
    pub taps: Vec<BilinearTap>,
}

impl BilinearAxis {
    /// `ComputeInterpolationValues` (float) and `ComputeInterpolationValuesInteger` for
    /// every output index along an axis of `input` → `output` values.
    pub fn new(input: usize, output: usize, align_corners: bool, half_pixel_centers: bool) -> Self {
        let (inp, outp) = (input as i32, output as i32);
        // Float scale: `static_cast<float>(input) / output` (or (in-1)/(out-1)).
        let mut scale = inp as f32 / outp as f32;
        if align_corners && outp > 1 {
            scale = (inp - 1) as f32 / (outp - 1) as f32;
        }
        // Integer scale in Q10, rounded: `((1 << 10) * in + out / 2) / out`.
        let mut scale_10 = ((1 << 10) * inp + outp / 2) / outp;
        if align_corners && outp > 1 {
            scale_10 = ((1 << 10) * (inp - 1) + (outp - 1) / 2) / (outp - 1);
        }
        let taps = (0..outp)
            .map(|v| {
                let scaled = if half_pixel_centers {
                    (v as f32 + 0.5) * scale - 0.5
                } else {
                    v as f32 * scale
                };
                let floor = scaled.floor();
                let lo_f = (floor as i32).max(0);
                let hi_f = (scaled.ceil() as i32).min(inp - 1);
                let q10 = if half_pixel_centers {
                    v * scale_10 + scale_10 / 2 - (1 << 9)
                } else {
                    v * scale_10
                };
                BilinearTap {
                    lo: lo_f as usize,
                    hi: hi_f.max(0) as usize,
                    frac: scaled - lo_f as f32,
                    q10,
                }
            })
            .collect();
        BilinearAxis { taps }
    }

    /// The integer kernel's taps (`lower = max(q10 / 1024, 0)`,
    /// `upper = min((q10 + 1023) / 1024, in - 1)`, C division).
    pub fn integer_bounds(&self, input: usize) -> Vec<(usize, usize)> {
        self.taps
            .iter()
            .map(|t| {
                let lo = (t.q10 / (1 << 10)).max(0);
                let hi = ((t.q10 + (1 << 10) - 1) / (1 << 10)).min(input as i32 - 1);
                (lo as usize, hi.max(0) as usize)
            })
            .collect()
    }
}

/// Geometry of a bilinear resize: `[batches, in_h, in_w, depth]` to
/// `[batches, out_h, out_w, depth]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Bilinear {
    pub batches: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub depth: usize,
    pub ys: BilinearAxis,
    pub xs: BilinearAxis,
    /// The integer kernel's bounds along y and x.
    pub ys_int: Vec<(usize, usize)>,
    pub xs_int: Vec<(usize, usize)>,
}

impl Bilinear {
    pub fn new(
        in_shape: [usize; 4],
        out_h: usize,
        out_w: usize,
        align_corners: bool,
        half_pixel_centers: bool,
    ) -> Self {
        let [batches, in_h, in_w, depth] = in_shape;
        let ys = BilinearAxis::new(in_h, out_h, align_corners, half_pixel_centers);
        let xs = BilinearAxis::new(in_w, out_w, align_corners, half_pixel_centers);
        Bilinear {
            batches,
            in_h,
            in_w,
            depth,
            ys_int: ys.integer_bounds(in_h),
            xs_int: xs.integer_bounds(in_w),
            ys,
            xs,
        }
    }

    fn out_h(&self) -> usize {
        self.ys.taps.len()
    }

    fn out_w(&self) -> usize {
        self.xs.taps.len()
    }
}

/// Float bilinear (`reference_ops::ResizeBilinear<float>`), scalar.
pub fn f32_resize_bilinear_generic(g: &Bilinear, x: &[f32], out: &mut [f32]) {
    let d = g.depth;
    let (oh, ow) = (g.out_h(), g.out_w());
    for b in 0..g.batches {
        for (y, ty) in g.ys.taps.iter().enumerate() {
            let (dy, wy) = (ty.frac, 1.0 - ty.frac);
            let row0 = (b * g.in_h + ty.lo) * g.in_w;
            let row1 = (b * g.in_h + ty.hi) * g.in_w;
            for (xx, tx) in g.xs.taps.iter().enumerate() {
                let (dx, wx) = (tx.frac, 1.0 - tx.frac);
                let (p00, p10) = ((row0 + tx.lo) * d, (row1 + tx.lo) * d);
                let (p01, p11) = ((row0 + tx.hi) * d, (row1 + tx.hi) * d);
                let dst = ((b * oh + y) * ow + xx) * d;
                for c in 0..d {
                    out[dst + c] = x[p00 + c] * wy * wx
                        + x[p10 + c] * dy * wx
                        + x[p01 + c] * wy * dx
                        + x[p11 + c] * dy * dx
                        + 0.0;
                }
            }
        }
    }
}

/// [`f32_resize_bilinear_generic`] with SIMD128 across channels (the same operations per
/// lane, so the same bits).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn f32_resize_bilinear_simd128(g: &Bilinear, x: &[f32], out: &mut [f32]) {
    use core::arch::wasm32::*;
    let d = g.depth;
    let body = d / 4 * 4;
    let (oh, ow) = (g.out_h(), g.out_w());
    for b in 0..g.batches {
        for (y, ty) in g.ys.taps.iter().enumerate() {
            let (dy, wy) = (ty.frac, 1.0 - ty.frac);
            let row0 = (b * g.in_h + ty.lo) * g.in_w;
            let row1 = (b * g.in_h + ty.hi) * g.in_w;
            for (xx, tx) in g.xs.taps.iter().enumerate() {
                let (dx, wx) = (tx.frac, 1.0 - tx.frac);
                let (p00, p10) = ((row0 + tx.lo) * d, (row1 + tx.lo) * d);
                let (p01, p11) = ((row0 + tx.hi) * d, (row1 + tx.hi) * d);
                let dst = ((b * oh + y) * ow + xx) * d;
                let (vdy, vwy, vdx, vwx) = (
                    f32x4_splat(dy),
                    f32x4_splat(wy),
                    f32x4_splat(dx),
                    f32x4_splat(wx),
                );
                let zero = f32x4_splat(0.0);
                let (s00, s10, s01, s11) = (
                    &x[p00..p00 + d],
                    &x[p10..p10 + d],
                    &x[p01..p01 + d],
                    &x[p11..p11 + d],
                );
                let o = &mut out[dst..dst + d];
                let mut c = 0;
                // SAFETY: `c + 4 <= body <= d`, all slices have length `d`.
                unsafe {
                    while c < body {
                        let ld = |s: &[f32]| v128_load(s.as_ptr().add(c) as *const v128);
                        let t0 = f32x4_mul(f32x4_mul(ld(s00), vwy), vwx);
                        let t1 = f32x4_mul(f32x4_mul(ld(s10), vdy), vwx);
                        let t2 = f32x4_mul(f32x4_mul(ld(s01), vwy), vdx);
                        let t3 = f32x4_mul(f32x4_mul(ld(s11), vdy), vdx);
                        let r = f32x4_add(f32x4_add(f32x4_add(f32x4_add(t0, t1), t2), t3), zero);
                        v128_store(o.as_mut_ptr().add(c) as *mut v128, r);
                        c += 4;
                    }
                }
                for c in body..d {
                    o[c] = s00[c] * wy * wx
                        + s10[c] * dy * wx
                        + s01[c] * wy * dx
                        + s11[c] * dy * dx
                        + 0.0;
                }
            }
        }
    }
}

/// The float bilinear kernel of the build.
pub fn f32_resize_bilinear(g: &Bilinear, x: &[f32], out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        f32_resize_bilinear_simd128(g, x, out)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        f32_resize_bilinear_generic(g, x, out)
    }
}

/// uint8 bilinear (`reference_ops::ResizeBilinear<uint8_t>`): the float expression on the
/// raw values plus 0.5, truncated.
pub fn u8_resize_bilinear_generic(g: &Bilinear, x: &[u8], out: &mut [u8]) {
    let d = g.depth;
    let (oh, ow) = (g.out_h(), g.out_w());
    for b in 0..g.batches {
        for (y, ty) in g.ys.taps.iter().enumerate() {
            let (dy, wy) = (ty.frac, 1.0 - ty.frac);
            let row0 = (b * g.in_h + ty.lo) * g.in_w;
            let row1 = (b * g.in_h + ty.hi) * g.in_w;
            for (xx, tx) in g.xs.taps.iter().enumerate() {
                let (dx, wx) = (tx.frac, 1.0 - tx.frac);
                let (p00, p10) = ((row0 + tx.lo) * d, (row1 + tx.lo) * d);
                let (p01, p11) = ((row0 + tx.hi) * d, (row1 + tx.hi) * d);
                let dst = ((b * oh + y) * ow + xx) * d;
                for c in 0..d {
                    let v = x[p00 + c] as f32 * wy * wx
                        + x[p10 + c] as f32 * dy * wx
                        + x[p01 + c] as f32 * wy * dx
                        + x[p11 + c] as f32 * dy * dx
                        + 0.5;
                    out[dst + c] = v as u8;
                }
            }
        }
    }
}

/// int8 bilinear (`reference_ops::ResizeBilinearInteger`, double-rounding build): Q10
/// source coordinates, the four weighted values summed in Q20, rounded half away from zero
/// by `(v ± 2^19) / 2^20`.
pub fn qs8_resize_bilinear_generic(g: &Bilinear, x: &[i8], out: &mut [i8]) {
    let d = g.depth;
    let (oh, ow) = (g.out_h(), g.out_w());
    const ONE: i64 = 1 << 10;
    for b in 0..g.batches {
        for (y, (ty, &(y0, y1))) in g.ys.taps.iter().zip(&g.ys_int).enumerate() {
            let fy = ty.q10 as i64 - ONE * y0 as i64;
            let row0 = (b * g.in_h + y0) * g.in_w;
            let row1 = (b * g.in_h + y1) * g.in_w;
            for (xx, (tx, &(x0, x1))) in g.xs.taps.iter().zip(&g.xs_int).enumerate() {
                let fx = tx.q10 as i64 - ONE * x0 as i64;
                let (p00, p10) = ((row0 + x0) * d, (row1 + x0) * d);
                let (p01, p11) = ((row0 + x1) * d, (row1 + x1) * d);
                let dst = ((b * oh + y) * ow + xx) * d;
                for c in 0..d {
                    let ll = x[p00 + c] as i64 * (ONE - fy) * (ONE - fx);
                    let lu = x[p10 + c] as i64 * fy * (ONE - fx);
                    let rl = x[p01 + c] as i64 * (ONE - fy) * fx;
                    let ru = x[p11 + c] as i64 * fy * fx;
                    let v = ll + lu + rl + ru;
                    let round = if v > 0 { 1 << 19 } else { -(1 << 19) };
                    out[dst + c] = ((v + round) / (1 << 20)) as i8;
                }
            }
        }
    }
}

/// `GetNearestNeighbor` for every output index along an axis.
pub fn nearest_axis(
    input: usize,
    output: usize,
    align_corners: bool,
    half_pixel_centers: bool,
) -> Vec<usize> {
    let (inp, outp) = (input as i32, output as i32);
    let scale = if align_corners && outp > 1 {
        (inp - 1) as f32 / (outp - 1) as f32
    } else {
        inp as f32 / outp as f32
    };
    let offset = if half_pixel_centers { 0.5f32 } else { 0.0 };
    (0..outp)
        .map(|v| {
            let s = (v as f32 + offset) * scale;
            let mut r = if align_corners {
                s.round() as i32
            } else {
                s.floor() as i32
            }
            .min(inp - 1);
            if half_pixel_centers {
                r = r.max(0);
            }
            r.max(0) as usize
        })
        .collect()
}

/// RESIZE_NEAREST_NEIGHBOR (`reference_ops::ResizeNearestNeighbor`): each output pixel
/// copies the `depth` values of its source pixel.
#[allow(clippy::too_many_arguments)]
pub fn resize_nearest<T: Copy>(
    x: &[T],
    batches: usize,
    in_h: usize,
    in_w: usize,
    depth: usize,
    ys: &[usize],
    xs: &[usize],
    out: &mut [T],
) {
    let mut dst = 0;
    for b in 0..batches {
        for &sy in ys {
            let row = (b * in_h + sy) * in_w;
            for &sx in xs {
                let src = (row + sx) * depth;
                out[dst..dst + depth].copy_from_slice(&x[src..src + depth]);
                dst += depth;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_corners_hits_the_corners() {
        let g = Bilinear::new([1, 3, 3, 1], 5, 5, true, false);
        let x: Vec<f32> = (0..9).map(|v| v as f32).collect();
        let mut out = vec![0.0; 25];
        f32_resize_bilinear_generic(&g, &x, &mut out);
        assert_eq!(out[0], 0.0);
        assert_eq!(out[4], 2.0);
        assert_eq!(out[20], 6.0);
        assert_eq!(out[24], 8.0);
        assert_eq!(out[12], 4.0);
    }

    #[test]
    fn integer_and_float_kernels_agree_within_one() {
        for (ac, hp) in [(false, false), (true, false), (false, true)] {
            let g = Bilinear::new([2, 5, 4, 3], 7, 9, ac, hp);
            let x: Vec<i8> = (0..2 * 5 * 4 * 3)
                .map(|v| ((v * 37) % 256 - 128) as i8)
                .collect();
            let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            let mut q = vec![0i8; 2 * 7 * 9 * 3];
            let mut f = vec![0f32; q.len()];
            qs8_resize_bilinear_generic(&g, &x, &mut q);
            f32_resize_bilinear_generic(&g, &xf, &mut f);
            for (a, b) in q.iter().zip(&f) {
                assert!((*a as f32 - b).abs() <= 1.0, "{a} vs {b} ({ac} {hp})");
            }
        }
    }

    #[test]
    fn nearest_half_pixel() {
        assert_eq!(nearest_axis(6, 4, false, true), vec![0, 2, 3, 5]);
        assert_eq!(nearest_axis(6, 3, false, false), vec![0, 2, 4]);
        assert_eq!(nearest_axis(6, 4, true, false), vec![0, 2, 3, 5]);
    }
}
