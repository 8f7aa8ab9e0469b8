//! `Conv2D` and `DepthwiseConv2D` (`keras.layers`), NHWC (`channels_last`), forward and
//! backward side by side, plus the window geometry they share with the pooling layers.
//!
//! **Geometry** ([`Geom`], TensorFlow's `padding` rules): with the dilated kernel
//! `ek = (k - 1)·d + 1`, `"valid"` gives `out = (in - ek) / s + 1` (an error when
//! `ek > in`), `"same"` gives `out = ceil(in / s)` and pads `max((out - 1)·s + ek - in, 0)`
//! zeros, the smaller half before (top/left). Input pixel of output `o`, tap `t`:
//! `i = o·s + t·d - pad_before`.
//!
//! **Conv2D**: `x` `[n, H, W, C]`, kernel `[kh, kw, C, F]` (Keras layout), `y` `[n, OH, OW, F]`:
//! `z[n,oy,ox,f] = Σ_{ky,kx,c} x[n, iy, ix, c] · K[ky,kx,c,f] + b[f]`, `y = act(z)`.
//! It runs as one GEMM on the im2col matrix `col` `[n·OH·OW, kh·kw·C]` (zeros where the
//! window leaves the input): `z = col · K` with `K` seen as `[kh·kw·C, F]`, which is exactly
//! its row-major Keras layout. Backward: `∂L/∂K = colᵀ · dz`, `∂L/∂b = Σ dz`,
//! `∂L/∂col = dz · Kᵀ`, scattered back onto `∂L/∂x` (col2im, in a fixed order). A 1×1
//! kernel with stride 1 and no padding uses `x` itself as `col`. The GEMMs are the kernel
//! table's (`f32_gemm`, `f32_gemm_nt`, `f32_col_sum`), SIMD128 in the browser, each sum in
//! increasing index order from 0.0 on every build.
//!
//! **DepthwiseConv2D**: kernel `[kh, kw, C, M]` (`M` = `depth_multiplier`), `y`
//! `[n, OH, OW, C·M]`, output channel `c·M + m`:
//! `z[.., c·M+m] = Σ_{ky,kx} x[n, iy, ix, c] · K[ky,kx,c,m] + b[c·M+m]`. Direct loops over
//! contiguous channels (vectorized by the compiler); sums in `(ky, kx)` order from 0.0,
//! bias last. Backward: `∂L/∂K[ky,kx,c,m] = Σ_{n,oy,ox} x[..,c] · dz[..,c·M+m]`,
//! `∂L/∂x[.., c] += Σ_m K[ky,kx,c,m] · dz[.., c·M+m]`, in `(n, oy, ox, ky, kx)` order.

use std::fmt;
use std::str::FromStr;

use super::activation::Activation;
use super::dense::effective;
use super::layer::Scratch;
use crate::error::{Error, Result};
use crate::kernels::{self, F32Gemm};

/// Keras `padding`: `"valid"` (no padding) or `"same"` (output = ceil(input / stride)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Padding {
    Valid,
    Same,
}

impl Padding {
    pub fn name(self) -> &'static str {
        match self {
            Padding::Valid => "valid",
            Padding::Same => "same",
        }
    }
}

impl FromStr for Padding {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            other => Err(Error::invalid(format!(
                "padding {other:?} is not supported: expected \"valid\" or \"same\""
            ))),
        }
    }
}

impl fmt::Display for Padding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Largest kernel size, stride, dilation rate or dilated kernel span accepted (keeps every
/// index computation inside 32 bits together with the activation-size budget).
pub const MAX_WINDOW: usize = 1 << 16;

/// A sliding window over an `[H, W, C]` input: sizes, strides, dilation and the padding
/// before the first row/column, with the resulting output size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geom {
    pub ih: usize,
    pub iw: usize,
    pub c: usize,
    pub oh: usize,
    pub ow: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub dh: usize,
    pub dw: usize,
    /// Zero rows above / columns left of the input (`"same"` only).
    pub pt: usize,
    pub pl: usize,
}

impl Geom {
    /// The window `kernel` with `strides`, `dilation` and `padding` on `input` `[H, W, C]`.
    /// `what` names the layer in errors.
    pub fn new(
        what: &str,
        input: &[usize],
        kernel: (usize, usize),
        strides: (usize, usize),
        dilation: (usize, usize),
        padding: Padding,
    ) -> Result<Geom> {
        let [ih, iw, c] = input[..] else {
            return Err(Error::invalid(format!(
                "{what} needs an input of shape (height, width, channels), got {input:?}"
            )));
        };
        for (name, (a, b)) in [
            ("kernel size", kernel),
            ("strides", strides),
            ("dilation rate", dilation),
        ] {
            if a == 0 || b == 0 {
                return Err(Error::invalid(format!(
                    "{what}: {name} must be positive, got ({a}, {b})"
                )));
            }
            if a > MAX_WINDOW || b > MAX_WINDOW {
                return Err(Error::invalid(format!(
                    "{what}: {name} ({a}, {b}) is too large (at most {MAX_WINDOW})"
                )));
            }
        }
        // Bounded above, so no product below overflows a 32-bit usize.
        let span = |k: usize, d: usize| (k - 1) as u64 * d as u64 + 1;
        let (ekh, ekw) = (span(kernel.0, dilation.0), span(kernel.1, dilation.1));
        if ekh > MAX_WINDOW as u64 || ekw > MAX_WINDOW as u64 {
            return Err(Error::invalid(format!(
                "{what}: kernel size {kernel:?} with dilation rate {dilation:?} spans \
                 {ekh}×{ekw} pixels, too large (at most {MAX_WINDOW})"
            )));
        }
        let (ekh, ekw) = (ekh as usize, ekw as usize);
        let axis = |i: usize, ek: usize, s: usize| -> Option<(usize, usize)> {
            match padding {
                Padding::Valid => (i >= ek).then(|| ((i - ek) / s + 1, 0)),
                Padding::Same => {
                    let o = i.div_ceil(s);
                    let need = ((o.max(1) - 1) * s + ek).saturating_sub(i);
                    Some((o, need / 2))
                }
            }
        };
        match (axis(ih, ekh, strides.0), axis(iw, ekw, strides.1)) {
            (Some((oh, pt)), Some((ow, pl))) if oh > 0 && ow > 0 => Ok(Geom {
                ih,
                iw,
                c,
                oh,
                ow,
                kh: kernel.0,
                kw: kernel.1,
                sh: strides.0,
                sw: strides.1,
                dh: dilation.0,
                dw: dilation.1,
                pt,
                pl,
            }),
            _ => Err(Error::invalid(format!(
                "{what}: the window {}×{} (kernel {}×{}, dilation {}×{}) is larger than the \
                 {}-padded input {ih}×{iw}",
                ekh, ekw, kernel.0, kernel.1, dilation.0, dilation.1, padding
            ))),
        }
    }

    /// Input row of output row `o`, tap `t`, or `None` in the padding.
    #[inline]
    pub fn in_y(&self, o: usize, t: usize) -> Option<usize> {
        (o * self.sh + t * self.dh)
            .checked_sub(self.pt)
            .filter(|&y| y < self.ih)
    }

    #[inline]
    pub fn in_x(&self, o: usize, t: usize) -> Option<usize> {
        (o * self.sw + t * self.dw)
            .checked_sub(self.pl)
            .filter(|&x| x < self.iw)
    }

    /// Whether the window is the identity map of pixels (1×1, stride 1, no padding).
    fn pointwise(&self) -> bool {
        self.kh == 1 && self.kw == 1 && self.sh == 1 && self.sw == 1 && self.pt == 0 && self.pl == 0
    }
}

/// `col[(n·OH + oy)·OW + ox][(ky·kw + kx)·C + c] = x[n, iy, ix, c]` (0 in the padding).
fn im2col(g: &Geom, x: &[f32], rows: usize, col: &mut [f32]) {
    let (c, kk) = (g.c, g.kh * g.kw * g.c);
    for r in 0..rows {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let dst = &mut col[((r * g.oh + oy) * g.ow + ox) * kk..][..kk];
                for ky in 0..g.kh {
                    let iy = g.in_y(oy, ky);
                    for kx in 0..g.kw {
                        let d = &mut dst[(ky * g.kw + kx) * c..][..c];
                        match (iy, g.in_x(ox, kx)) {
                            (Some(iy), Some(ix)) => {
                                d.copy_from_slice(&x[((r * g.ih + iy) * g.iw + ix) * c..][..c])
                            }
                            _ => d.fill(0.0),
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: `dx = 0`, then every `dcol` entry is added onto its input
/// pixel, in `(n, oy, ox, ky, kx)` order.
fn col2im(g: &Geom, dcol: &[f32], rows: usize, dx: &mut [f32]) {
    let (c, kk) = (g.c, g.kh * g.kw * g.c);
    dx.fill(0.0);
    for r in 0..rows {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let src = &dcol[((r * g.oh + oy) * g.ow + ox) * kk..][..kk];
                for ky in 0..g.kh {
                    let Some(iy) = g.in_y(oy, ky) else { continue };
                    for kx in 0..g.kw {
                        let Some(ix) = g.in_x(ox, kx) else { continue };
                        let d = &mut dx[((r * g.ih + iy) * g.iw + ix) * c..][..c];
                        for (dv, &sv) in d.iter_mut().zip(&src[(ky * g.kw + kx) * c..][..c]) {
                            *dv += sv;
                        }
                    }
                }
            }
        }
    }
}

/// `Conv2D(filters, kernel_size, strides, padding, dilation_rate, activation, use_bias)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2D {
    pub filters: usize,
    pub activation: Activation,
    pub use_bias: bool,
    pub padding: Padding,
    pub geom: Geom,
    /// `[kh, kw, C, filters]`, row-major (Keras layout).
    pub kernel: Vec<f32>,
    /// `[filters]`; empty without bias.
    pub bias: Vec<f32>,
}

impl Conv2D {
    fn rows_out(&self, rows: usize) -> usize {
        rows * self.geom.oh * self.geom.ow
    }

    fn kk(&self) -> usize {
        self.geom.kh * self.geom.kw * self.geom.c
    }

    /// `y` `[rows, OH, OW, F]` from `x` `[rows, H, W, C]`; keeps the im2col matrix in
    /// `s.f` for the backward pass.
    pub(crate) fn forward(
        &self,
        x: &[f32],
        rows: usize,
        y: &mut [f32],
        s: &mut Scratch,
        logits: bool,
    ) {
        let m = self.rows_out(rows);
        let kk = self.kk();
        let act = effective(self.activation, logits);
        let a: &[f32] = if self.geom.pointwise() {
            x
        } else {
            let col = s.f_mut(m * kk);
            im2col(&self.geom, x, rows, col);
            col
        };
        let g = F32Gemm {
            m,
            n: self.filters,
            k: kk,
            a,
            a_row_stride: kk,
            a_k_stride: 1,
            b: &self.kernel,
            bias: self.use_bias.then_some(&self.bias[..]),
            relu: act == Activation::Relu,
        };
        (kernels::ops().f32_gemm)(&g, y);
        if act != Activation::Relu {
            if act.needs_preactivation() {
                s.pre.clear();
                s.pre.extend_from_slice(y);
            }
            act.forward_in_place(y, self.filters);
        }
    }

    /// Backward: `d` = `∂L/∂y` on entry; writes `grads` (kernel, bias) and, if asked, `dx`.
    /// `tmp` is scratch for `∂L/∂col`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward(
        &self,
        x: &[f32],
        y: &[f32],
        rows: usize,
        d: &mut [f32],
        grads: &mut [Vec<f32>],
        dx: Option<&mut [f32]>,
        s: &Scratch,
        tmp: &mut Vec<f32>,
        logits: bool,
    ) {
        effective(self.activation, logits).backward_in_place(y, &s.pre, d, self.filters);
        let (m, kk, f) = (self.rows_out(rows), self.kk(), self.filters);
        let k = kernels::ops();
        let col: &[f32] = if self.geom.pointwise() {
            x
        } else {
            &s.f[..m * kk]
        };
        let g = F32Gemm {
            m: kk,
            n: f,
            k: m,
            a: col,
            a_row_stride: 1,
            a_k_stride: kk,
            b: d,
            bias: None,
            relu: false,
        };
        (k.f32_gemm)(&g, &mut grads[0]);
        if self.use_bias {
            (k.f32_col_sum)(d, &mut grads[1], m, f);
        }
        if let Some(dx) = dx {
            if self.geom.pointwise() {
                (k.f32_gemm_nt)(d, &self.kernel, dx, m, kk, f);
            } else {
                if tmp.len() < m * kk {
                    tmp.resize(m * kk, 0.0);
                }
                let dcol = &mut tmp[..m * kk];
                (k.f32_gemm_nt)(d, &self.kernel, dcol, m, kk, f);
                col2im(&self.geom, dcol, rows, dx);
            }
        }
    }
}

/// `DepthwiseConv2D(kernel_size, strides, padding, depth_multiplier, dilation_rate,
/// activation, use_bias)`.
#[derive(Clone, Debug, PartialEq)]
pub struct DepthwiseConv2D {
    pub depth_multiplier: usize,
    pub activation: Activation,
    pub use_bias: bool,
    pub padding: Padding,
    pub geom: Geom,
    /// `[kh, kw, C, depth_multiplier]`, row-major (Keras layout).
    pub kernel: Vec<f32>,
    /// `[C · depth_multiplier]`; empty without bias.
    pub bias: Vec<f32>,
}

impl DepthwiseConv2D {
    fn out_channels(&self) -> usize {
        self.geom.c * self.depth_multiplier
    }

    pub(crate) fn forward(
        &self,
        x: &[f32],
        rows: usize,
        y: &mut [f32],
        s: &mut Scratch,
        logits: bool,
    ) {
        let g = &self.geom;
        let (c, mult, oc) = (g.c, self.depth_multiplier, self.out_channels());
        for r in 0..rows {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    let out = &mut y[((r * g.oh + oy) * g.ow + ox) * oc..][..oc];
                    out.fill(0.0);
                    for ky in 0..g.kh {
                        let Some(iy) = g.in_y(oy, ky) else { continue };
                        for kx in 0..g.kw {
                            let Some(ix) = g.in_x(ox, kx) else { continue };
                            let xin = &x[((r * g.ih + iy) * g.iw + ix) * c..][..c];
                            let kt = &self.kernel[(ky * g.kw + kx) * oc..][..oc];
                            if mult == 1 {
                                for ((o, &xv), &kv) in out.iter_mut().zip(xin).zip(kt) {
                                    *o += xv * kv;
                                }
                            } else {
                                for ((o, &xv), k) in out
                                    .chunks_exact_mut(mult)
                                    .zip(xin)
                                    .zip(kt.chunks_exact(mult))
                                {
                                    for (ov, &kv) in o.iter_mut().zip(k) {
                                        *ov += xv * kv;
                                    }
                                }
                            }
                        }
                    }
                    if self.use_bias {
                        for (o, &b) in out.iter_mut().zip(&self.bias) {
                            *o += b;
                        }
                    }
                }
            }
        }
        let act = effective(self.activation, logits);
        if act.needs_preactivation() {
            s.pre.clear();
            s.pre.extend_from_slice(y);
        }
        act.forward_in_place(y, oc);
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward(
        &self,
        x: &[f32],
        y: &[f32],
        rows: usize,
        d: &mut [f32],
        grads: &mut [Vec<f32>],
        mut dx: Option<&mut [f32]>,
        s: &Scratch,
        logits: bool,
    ) {
        let g = &self.geom;
        let (c, mult, oc) = (g.c, self.depth_multiplier, self.out_channels());
        effective(self.activation, logits).backward_in_place(y, &s.pre, d, oc);
        let (dk, rest) = grads.split_at_mut(1);
        let dk = &mut dk[0];
        dk.fill(0.0);
        if let Some(dx) = dx.as_deref_mut() {
            dx.fill(0.0);
        }
        for r in 0..rows {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    let dout = &d[((r * g.oh + oy) * g.ow + ox) * oc..][..oc];
                    for ky in 0..g.kh {
                        let Some(iy) = g.in_y(oy, ky) else { continue };
                        for kx in 0..g.kw {
                            let Some(ix) = g.in_x(ox, kx) else { continue };
                            let at = ((r * g.ih + iy) * g.iw + ix) * c;
                            let xin = &x[at..][..c];
                            let tap = (ky * g.kw + kx) * oc;
                            let dkt = &mut dk[tap..][..oc];
                            for ((dkv, dv), &xv) in dkt
                                .chunks_exact_mut(mult)
                                .zip(dout.chunks_exact(mult))
                                .zip(xin)
                            {
                                for (a, &b) in dkv.iter_mut().zip(dv) {
                                    *a += xv * b;
                                }
                            }
                            if let Some(dx) = dx.as_deref_mut() {
                                let kt = &self.kernel[tap..][..oc];
                                for ((dxv, k), dv) in dx[at..][..c]
                                    .iter_mut()
                                    .zip(kt.chunks_exact(mult))
                                    .zip(dout.chunks_exact(mult))
                                {
                                    let mut acc = 0.0f32;
                                    for (&kv, &dvv) in k.iter().zip(dv) {
                                        acc += kv * dvv;
                                    }
                                    *dxv += acc;
                                }
                            }
                        }
                    }
                }
            }
        }
        if self.use_bias {
            (kernels::ops().f32_col_sum)(d, &mut rest[0], rows * g.oh * g.ow, oc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_follows_tensorflow() {
        let g = Geom::new("t", &[8, 8, 1], (3, 3), (1, 1), (1, 1), Padding::Valid).unwrap();
        assert_eq!((g.oh, g.ow, g.pt, g.pl), (6, 6, 0, 0));
        let g = Geom::new("t", &[12, 12, 3], (3, 3), (1, 1), (1, 1), Padding::Same).unwrap();
        assert_eq!((g.oh, g.ow, g.pt, g.pl), (12, 12, 1, 1));
        // same, stride 2 on an even input: pad 1 in total, 0 before, 1 after.
        let g = Geom::new("t", &[6, 7, 1], (3, 3), (2, 2), (1, 1), Padding::Same).unwrap();
        assert_eq!((g.oh, g.ow, g.pt, g.pl), (3, 4, 0, 1));
        // dilation 2: effective 5×5.
        let g = Geom::new("t", &[9, 9, 2], (3, 3), (1, 1), (2, 2), Padding::Valid).unwrap();
        assert_eq!((g.oh, g.ow), (5, 5));
        let g = Geom::new("t", &[4, 4, 2], (3, 3), (1, 1), (2, 2), Padding::Same).unwrap();
        assert_eq!((g.oh, g.ow, g.pt), (4, 4, 2));
        let e = Geom::new(
            "layer 'c' (Conv2D)",
            &[2, 8, 1],
            (3, 3),
            (1, 1),
            (1, 1),
            Padding::Valid,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("layer 'c'") && e.contains("3×3") && e.contains("2×8"),
            "{e}"
        );
        let e = Geom::new("t", &[8, 8], (3, 3), (1, 1), (1, 1), Padding::Valid).unwrap_err();
        assert!(e.to_string().contains("[8, 8]"));
        let e = Geom::new("t", &[8, 8, 1], (3, 3), (0, 1), (1, 1), Padding::Valid).unwrap_err();
        assert!(e.to_string().contains("strides"));
        let e = Geom::new(
            "t",
            &[8, 8, 1],
            (3, usize::MAX),
            (1, 1),
            (1, 2),
            Padding::Same,
        )
        .unwrap_err();
        assert!(e.to_string().contains("too large"));
        let e = Geom::new("t", &[8, 8, 1], (3, 300), (1, 1), (1, 300), Padding::Same).unwrap_err();
        assert!(e.to_string().contains("spans"), "{e}");
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        let g = Geom::new("t", &[5, 4, 2], (3, 2), (2, 1), (1, 2), Padding::Same).unwrap();
        let rows = 2;
        let x: Vec<f32> = (0..rows * 5 * 4 * 2)
            .map(|i| (i % 7) as f32 - 3.0)
            .collect();
        let kk = 3 * 2 * 2;
        let m = rows * g.oh * g.ow;
        let mut col = vec![0.0; m * kk];
        im2col(&g, &x, rows, &mut col);
        let v: Vec<f32> = (0..m * kk).map(|i| (i % 5) as f32 - 2.0).collect();
        let mut back = vec![0.0; x.len()];
        col2im(&g, &v, rows, &mut back);
        // <im2col(x), v> == <x, col2im(v)>
        let lhs: f32 = col.iter().zip(&v).map(|(a, b)| a * b).sum();
        let rhs: f32 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
        assert_eq!(lhs, rhs);
    }
}
