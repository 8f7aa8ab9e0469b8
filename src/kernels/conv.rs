//! Convolution kernels (NHWC): CONV_2D (grouped included), DEPTHWISE_CONV_2D, in float32,
//! int8 with per-channel weights, and hybrid (float activations, int8 weights).
//!
//! Scalar kernels matching LiteRT's reference kernels (`reference_ops::Conv`,
//! `reference_ops::DepthwiseConv`, `reference_integer_ops::ConvPerChannel`,
//! `reference_integer_ops::DepthwiseConvPerChannel`, `reference_ops::HybridConvPerChannel`)
//! in their loop and summation order:
//!
//! - float CONV_2D and DEPTHWISE_CONV_2D sum in the order of TF's calibrator (the
//!   optimized kernels: Eigen's GEMM, see [`f32_conv_generic`]; the depthwise accumulator
//!   starting at the bias, see [`f32_depthwise_conv_generic`]), so that calibration
//!   reproduces TF's ranges bit for bit (no FMA);
//! - int8: `acc = Σ w * (x + input_offset)` (int32, wrapping as C++ compiles it), `+ bias`,
//!   then **`MultiplyByQuantizedMultiplier`** (the fixed-point form, per channel) — unlike
//!   LiteRT 2.3.0's reference FULLY_CONNECTED, its reference conv kernels never moved to
//!   double requantization — `+ output_offset`, clamp to the activation range;
//! - hybrid: `acc = Σ w * (q - input_offset[b])`, `acc_f = (float)acc * w_scale[c] *
//!   scaling_factor[b]` (float products left to right), `+ bias`, clamp.
//!
//! Nothing here allocates or knows graphs; shapes come in [`ConvGeometry`].

use super::fixedpoint::multiply_by_quantized_multiplier;
use super::generic::f32_clamp_activation;

/// Shapes, strides, dilation and padding of one convolution (TFLite `ConvParams` /
/// `DepthwiseParams` plus the tensor shapes). Input `[batches, in_h, in_w, in_c]`, output
/// `[batches, out_h, out_w, out_c]`; filter `[out_c, filter_h, filter_w, in_c / groups]`
/// for CONV_2D, `[1, filter_h, filter_w, out_c]` for DEPTHWISE_CONV_2D.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ConvGeometry {
    pub batches: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub in_c: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub out_c: usize,
    pub filter_h: usize,
    pub filter_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    /// Padding before the first row / column (TFLite `padding_values`).
    pub pad_h: usize,
    pub pad_w: usize,
}

impl ConvGeometry {
    /// The input element `(b, y, x, c)` offset, `None` outside the image (zero padding by
    /// omission).
    #[inline]
    fn input_at(&self, b: usize, y: isize, x: isize) -> Option<usize> {
        if y < 0 || x < 0 || y >= self.in_h as isize || x >= self.in_w as isize {
            return None;
        }
        Some(((b * self.in_h + y as usize) * self.in_w + x as usize) * self.in_c)
    }

    /// Origin of the window of output `(oy, ox)` in input coordinates.
    #[inline]
    fn origin(&self, oy: usize, ox: usize) -> (isize, isize) {
        (
            (oy * self.stride_h) as isize - self.pad_h as isize,
            (ox * self.stride_w) as isize - self.pad_w as isize,
        )
    }

    /// Number of output elements.
    pub fn output_len(&self) -> usize {
        self.batches * self.out_h * self.out_w * self.out_c
    }

    /// Number of input elements.
    pub fn input_len(&self) -> usize {
        self.batches * self.in_h * self.in_w * self.in_c
    }
}

/// TFLite `ComputePaddingHeightWidth` for one spatial dimension: `(out_size, pad_before)`
/// for SAME (`same = true`) or VALID padding. `out = ceil(in / stride)` (SAME) or
/// `(in + stride - eff) / stride` (VALID, `eff = (filter - 1) * dilation + 1`); the total
/// padding is `max(0, (out - 1) * stride + eff - in)` and TFLite pads `total / 2` before
/// (the odd extra goes after). `None` when the sizes overflow or the output is empty.
pub fn conv_out_size(
    same: bool,
    input: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> Option<(usize, usize)> {
    if stride == 0 || dilation == 0 || filter == 0 {
        return None;
    }
    let eff = (filter - 1).checked_mul(dilation)?.checked_add(1)?;
    let out = if same {
        input.checked_add(stride - 1)? / stride
    } else {
        (input.checked_add(stride)?.checked_sub(eff)?) / stride
    };
    if out == 0 {
        return None;
    }
    let need = (out - 1).checked_mul(stride)?.checked_add(eff)?;
    let total = need.saturating_sub(input);
    Some((out, total / 2))
}

/// The summation order of one GEMM output in Eigen 3.4's `gebp` kernel on AVX floats
/// (8-float packets, `nr = 4` columns per block, no FMA), as TFLite's optimized float
/// CONV_2D runs it (im2col, then `cpu_backend_gemm` → Eigen with the filter `[O, K]` as
/// the left-hand side: GEMM row = output channel, column = output pixel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GebpOrder {
    /// Rows in the 3- and 2-packet blocks (the first `⌊O/16⌋·16` rows, 24 at a time then
    /// 16), and every row's last `N mod 4` columns: `Σ` in `k` order from 0.
    Sequential,
    /// Rows in the 1-packet (8) and half-packet (4) blocks: even `k` accumulate in `C`,
    /// odd `k` in `D` for the first `⌊K/8⌋·8` products; `C + D`; then the rest in order.
    EvenOdd,
    /// The last `O mod 4` rows ("swapped traits": the row is loaded as the packet): lane
    /// `k mod 8` accumulates over the first `⌊K/8⌋·8` products; the lanes reduce as
    /// `s_p = (l_p + l_{2+p}) + (l_{4+p} + l_{6+p})` per parity `p`; then `s_{k mod 2} +=`
    /// up to `⌊K/2⌋·2`; then `s_0 + s_1`; then the odd last product.
    Swapped,
}

impl GebpOrder {
    /// The order of GEMM element (`row` of `rows`, `col` of `cols`).
    fn of(rows: usize, row: usize, cols: usize, col: usize) -> Self {
        let p3 = rows / 24 * 24;
        let p2 = p3 + (rows - p3) / 16 * 16;
        let p1 = p2 + (rows - p2) / 8 * 8;
        let ph = p1 + (rows - p1) / 4 * 4;
        if row < p2 || col >= cols / 4 * 4 {
            GebpOrder::Sequential
        } else if row < ph {
            GebpOrder::EvenOdd
        } else {
            GebpOrder::Swapped
        }
    }
}

/// A float sum of `len` products fed in `k` order, in a [`GebpOrder`].
struct GebpSum {
    order: GebpOrder,
    peeled: usize,
    even_end: usize,
    lanes: [f32; 8],
    acc: f32,
    reduced: bool,
    done: bool,
}

impl GebpSum {
    #[inline]
    fn new(order: GebpOrder, len: usize) -> Self {
        GebpSum {
            order,
            peeled: len / 8 * 8,
            even_end: len / 2 * 2,
            lanes: [0.0; 8],
            acc: 0.0,
            reduced: false,
            done: false,
        }
    }

    #[inline]
    fn add(&mut self, k: usize, p: f32) {
        match self.order {
            GebpOrder::Sequential => self.acc += p,
            GebpOrder::EvenOdd => {
                if k < self.peeled {
                    self.lanes[k % 2] += p;
                } else {
                    if !self.reduced {
                        self.acc = self.lanes[0] + self.lanes[1];
                        self.reduced = true;
                    }
                    self.acc += p;
                }
            }
            GebpOrder::Swapped => {
                if k < self.peeled {
                    self.lanes[k % 8] += p;
                    return;
                }
                self.reduce_lanes();
                if k < self.even_end {
                    self.lanes[k % 2] += p;
                } else {
                    if !self.done {
                        self.acc = self.lanes[0] + self.lanes[1];
                        self.done = true;
                    }
                    self.acc += p;
                }
            }
        }
    }

    #[inline]
    fn reduce_lanes(&mut self) {
        if !self.reduced {
            let l = self.lanes;
            self.lanes[0] = (l[0] + l[2]) + (l[4] + l[6]);
            self.lanes[1] = (l[1] + l[3]) + (l[5] + l[7]);
            self.reduced = true;
        }
    }

    #[inline]
    fn total(mut self) -> f32 {
        match self.order {
            GebpOrder::Sequential => self.acc,
            GebpOrder::EvenOdd if self.reduced => self.acc,
            GebpOrder::EvenOdd => self.lanes[0] + self.lanes[1],
            GebpOrder::Swapped => {
                self.reduce_lanes();
                if self.done {
                    self.acc
                } else {
                    self.lanes[0] + self.lanes[1]
                }
            }
        }
    }
}

/// Float CONV_2D (grouped when `in_c` is a multiple of the filter's input depth
/// `filter_in_c`). `w` `[out_c, filter_h, filter_w, filter_in_c]`.
///
/// **The summation order is TF's calibrator's**, not `reference_ops::Conv`'s: TF 2.21's
/// calibrator ran TFLite's optimized CONV_2D (im2col + Eigen GEMM), and the calibrated
/// min/max — hence every int8 scale of a conv output — depend on the last bits of the
/// float results. Each output is `Σ_k x_k · w_k` over the im2col row (`k` in (filter_y,
/// filter_x, in_channel) order, padding as `0 · w`) summed in the [`GebpOrder`] of its
/// GEMM element (row = output channel among `out_c`, column = output pixel among
/// `batches · out_h · out_w`), then `+ bias` and the clamp. Found by testing candidate
/// orders against `model_calibrated.tflite` / the int8 files of the layers fixtures
/// (`tests/convert_cnn.rs`: the reference order misses 24 of 102 conversions, the
/// transposed GEMM 15, this one none). The reference kernel sums left to right; outputs
/// differ from it by float rounding only (within the 1e-5 of `tests/interp_cnn.rs`).
pub fn f32_conv_generic(
    g: &ConvGeometry,
    filter_in_c: usize,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    act: (f32, f32),
) {
    let groups = g.in_c / filter_in_c;
    let per_group = g.out_c / groups;
    let depth = g.filter_h * g.filter_w * filter_in_c;
    let cols = g.batches * g.out_h * g.out_w;
    let mut o = 0;
    for b in 0..g.batches {
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let (y0, x0) = g.origin(oy, ox);
                let col = (b * g.out_h + oy) * g.out_w + ox;
                for oc in 0..g.out_c {
                    let c0 = (oc / per_group) * filter_in_c;
                    let mut sum = GebpSum::new(GebpOrder::of(g.out_c, oc, cols, col), depth);
                    let mut k = 0usize;
                    for fy in 0..g.filter_h {
                        let iy = y0 + (g.dilation_h * fy) as isize;
                        for fx in 0..g.filter_w {
                            let ix = x0 + (g.dilation_w * fx) as isize;
                            let wo = ((oc * g.filter_h + fy) * g.filter_w + fx) * filter_in_c;
                            let ws = &w[wo..wo + filter_in_c];
                            match g.input_at(b, iy, ix) {
                                Some(at) => {
                                    let xs = &x[at + c0..at + c0 + filter_in_c];
                                    for (&xv, &wv) in xs.iter().zip(ws) {
                                        sum.add(k, xv * wv);
                                        k += 1;
                                    }
                                }
                                None => {
                                    for &wv in ws {
                                        sum.add(k, 0.0 * wv);
                                        k += 1;
                                    }
                                }
                            }
                        }
                    }
                    let bv = bias.map_or(0.0, |bs| bs[oc]);
                    out[o] = f32_clamp_activation(sum.total() + bv, act.0, act.1);
                    o += 1;
                }
            }
        }
    }
}

/// Integer requantization parameters of an int8 convolution (TFLite `ConvParams` for
/// `ConvPerChannel` / `DepthwiseConvPerChannel`): per output channel fixed-point
/// multipliers and shifts (`PopulateConvolutionQuantizationParams`: `QuantizeMultiplier`
/// of `(double)in_scale * (double)w_scale[c] / (double)out_scale`).
#[derive(Clone, Copy, Debug)]
pub struct Qs8ConvParams<'a> {
    /// `-input_zero_point`.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    pub act_min: i32,
    pub act_max: i32,
    pub multiplier: &'a [i32],
    pub shift: &'a [i32],
}

impl Qs8ConvParams<'_> {
    #[inline]
    fn finish(&self, acc: i32, c: usize) -> i8 {
        let v = multiply_by_quantized_multiplier(acc, self.multiplier[c], self.shift[c])
            .wrapping_add(self.output_offset);
        v.clamp(self.act_min, self.act_max) as i8
    }
}

/// int8 CONV_2D with per-channel weights (`reference_integer_ops::ConvPerChannel`).
pub fn qs8_conv_generic(
    g: &ConvGeometry,
    filter_in_c: usize,
    p: &Qs8ConvParams,
    x: &[i8],
    w: &[i8],
    bias: Option<&[i32]>,
    out: &mut [i8],
) {
    let groups = g.in_c / filter_in_c;
    let per_group = g.out_c / groups;
    let mut o = 0;
    for b in 0..g.batches {
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let (y0, x0) = g.origin(oy, ox);
                for oc in 0..g.out_c {
                    let c0 = (oc / per_group) * filter_in_c;
                    let mut acc = 0i32;
                    for fy in 0..g.filter_h {
                        let iy = y0 + (g.dilation_h * fy) as isize;
                        for fx in 0..g.filter_w {
                            let ix = x0 + (g.dilation_w * fx) as isize;
                            let Some(at) = g.input_at(b, iy, ix) else {
                                continue;
                            };
                            let xs = &x[at + c0..at + c0 + filter_in_c];
                            let wo = ((oc * g.filter_h + fy) * g.filter_w + fx) * filter_in_c;
                            let ws = &w[wo..wo + filter_in_c];
                            for (&xv, &wv) in xs.iter().zip(ws) {
                                acc = acc.wrapping_add(
                                    (wv as i32)
                                        .wrapping_mul((xv as i32).wrapping_add(p.input_offset)),
                                );
                            }
                        }
                    }
                    if let Some(bs) = bias {
                        acc = acc.wrapping_add(bs[oc]);
                    }
                    out[o] = p.finish(acc, oc);
                    o += 1;
                }
            }
        }
    }
}

/// Hybrid CONV_2D with per-channel weights (`reference_ops::HybridConvPerChannel`): `xq` is
/// the input quantized per batch (`AsymmetricQuantizeFloats`) with `scaling_factors[b]`
/// and `input_offsets[b]` (its zero point).
#[allow(clippy::too_many_arguments)]
pub fn f32_hybrid_conv_generic(
    g: &ConvGeometry,
    filter_in_c: usize,
    xq: &[i8],
    scaling_factors: &[f32],
    input_offsets: &[i32],
    w: &[i8],
    w_scale: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    act: (f32, f32),
) {
    let groups = g.in_c / filter_in_c;
    let per_group = g.out_c / groups;
    let mut o = 0;
    for b in 0..g.batches {
        let off = input_offsets[b];
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let (y0, x0) = g.origin(oy, ox);
                for oc in 0..g.out_c {
                    let c0 = (oc / per_group) * filter_in_c;
                    let mut acc = 0i32;
                    for fy in 0..g.filter_h {
                        let iy = y0 + (g.dilation_h * fy) as isize;
                        for fx in 0..g.filter_w {
                            let ix = x0 + (g.dilation_w * fx) as isize;
                            let Some(at) = g.input_at(b, iy, ix) else {
                                continue;
                            };
                            let xs = &xq[at + c0..at + c0 + filter_in_c];
                            let wo = ((oc * g.filter_h + fy) * g.filter_w + fx) * filter_in_c;
                            let ws = &w[wo..wo + filter_in_c];
                            for (&xv, &wv) in xs.iter().zip(ws) {
                                acc = acc.wrapping_add(
                                    (wv as i32).wrapping_mul((xv as i32).wrapping_sub(off)),
                                );
                            }
                        }
                    }
                    let mut v = acc as f32 * w_scale[oc] * scaling_factors[b];
                    if let Some(bs) = bias {
                        v += bs[oc];
                    }
                    out[o] = f32_clamp_activation(v, act.0, act.1);
                    o += 1;
                }
            }
        }
    }
}

/// Float DEPTHWISE_CONV_2D: output channel `oc = ic * depth_multiplier + m` reads input
/// channel `ic`; `w` `[1, fh, fw, out_c]`.
///
/// **The summation order is TF's calibrator's** (TFLite's optimized
/// `optimized_ops::DepthwiseConv`, which TF 2.21's calibrator ran): the accumulator
/// starts at the bias (`DepthwiseConvInitAccBuffer`), then adds `x · w` over the window in
/// (filter_y, filter_x) order, skipping points outside the image, then the clamp.
/// `reference_ops::DepthwiseConv` adds the bias last instead; the two differ by float
/// rounding only. Checked against LiteRT 2.3.0's builtin kernel on the calibration rows
/// of `cnn_fixed` (61,661 unclamped outputs) and `resnet_tiny` (120,000): all equal
/// with the bias first, 42 % and 32 % differ with the bias last — and the calibrated
/// ranges of both models equal TF's only this way (`tests/convert_cnn.rs`).
pub fn f32_depthwise_conv_generic(
    g: &ConvGeometry,
    depth_multiplier: usize,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    act: (f32, f32),
) {
    let mut o = 0;
    for b in 0..g.batches {
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let (y0, x0) = g.origin(oy, ox);
                for ic in 0..g.in_c {
                    for m in 0..depth_multiplier {
                        let oc = ic * depth_multiplier + m;
                        let mut total = bias.map_or(0.0, |bs| bs[oc]);
                        for fy in 0..g.filter_h {
                            let iy = y0 + (g.dilation_h * fy) as isize;
                            for fx in 0..g.filter_w {
                                let ix = x0 + (g.dilation_w * fx) as isize;
                                if let Some(at) = g.input_at(b, iy, ix) {
                                    total += x[at + ic] * w[(fy * g.filter_w + fx) * g.out_c + oc];
                                }
                            }
                        }
                        out[o] = f32_clamp_activation(total, act.0, act.1);
                        o += 1;
                    }
                }
            }
        }
    }
}

/// int8 DEPTHWISE_CONV_2D with per-channel weights
/// (`reference_integer_ops::DepthwiseConvPerChannel`).
pub fn qs8_depthwise_conv_generic(
    g: &ConvGeometry,
    depth_multiplier: usize,
    p: &Qs8ConvParams,
    x: &[i8],
    w: &[i8],
    bias: Option<&[i32]>,
    out: &mut [i8],
) {
    let mut o = 0;
    for b in 0..g.batches {
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let (y0, x0) = g.origin(oy, ox);
                for ic in 0..g.in_c {
                    for m in 0..depth_multiplier {
                        let oc = ic * depth_multiplier + m;
                        let mut acc = 0i32;
                        for fy in 0..g.filter_h {
                            let iy = y0 + (g.dilation_h * fy) as isize;
                            for fx in 0..g.filter_w {
                                let ix = x0 + (g.dilation_w * fx) as isize;
                                if let Some(at) = g.input_at(b, iy, ix) {
                                    let wv = w[(fy * g.filter_w + fx) * g.out_c + oc] as i32;
                                    let xv = (x[at + ic] as i32).wrapping_add(p.input_offset);
                                    acc = acc.wrapping_add(wv.wrapping_mul(xv));
                                }
                            }
                        }
                        if let Some(bs) = bias {
                            acc = acc.wrapping_add(bs[oc]);
                        }
                        out[o] = p.finish(acc, oc);
                        o += 1;
                    }
                }
            }
        }
    }
}

/// Hybrid DEPTHWISE_CONV_2D with per-channel weights
/// (`reference_integer_ops::DepthwiseConvHybridPerChannel`): as
/// [`f32_hybrid_conv_generic`] per depthwise channel, except that the float result is
/// `(float)acc * (w_scale[c] * scaling_factor[b])`.
#[allow(clippy::too_many_arguments)]
pub fn f32_hybrid_depthwise_conv_generic(
    g: &ConvGeometry,
    depth_multiplier: usize,
    xq: &[i8],
    scaling_factors: &[f32],
    input_offsets: &[i32],
    w: &[i8],
    w_scale: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    act: (f32, f32),
) {
    let mut o = 0;
    for b in 0..g.batches {
        let off = input_offsets[b];
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let (y0, x0) = g.origin(oy, ox);
                for ic in 0..g.in_c {
                    for m in 0..depth_multiplier {
                        let oc = ic * depth_multiplier + m;
                        let mut acc = 0i32;
                        for fy in 0..g.filter_h {
                            let iy = y0 + (g.dilation_h * fy) as isize;
                            for fx in 0..g.filter_w {
                                let ix = x0 + (g.dilation_w * fx) as isize;
                                if let Some(at) = g.input_at(b, iy, ix) {
                                    let wv = w[(fy * g.filter_w + fx) * g.out_c + oc] as i32;
                                    let xv = (xq[at + ic] as i32).wrapping_sub(off);
                                    acc = acc.wrapping_add(wv.wrapping_mul(xv));
                                }
                            }
                        }
                        // acc_float *= per_channel_scale * scaling_factor (the product of
                        // the two scales first, unlike CONV_2D).
                        let mut v = acc as f32 * (w_scale[oc] * scaling_factors[b]);
                        if let Some(bs) = bias {
                            v += bs[oc];
                        }
                        out[o] = f32_clamp_activation(v, act.0, act.1);
                        o += 1;
                    }
                }
            }
        }
    }
}

/// Float TRANSPOSE_CONV (`reference_ops::TransposeConv`): `g.in_*` is the input
/// `[N, H, W, I]`, `g.out_*` the output `[N, OH, OW, O]`, `w` `[O, KH, KW, I]`; every
/// input element scatters `x · w` into the outputs its window covers (in (in_y, in_x,
/// in_channel, filter_y, filter_x, out_channel) order, from 0), then `+ bias` and the clamp.
pub fn f32_transpose_conv_generic(
    g: &ConvGeometry,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    act: (f32, f32),
) {
    out.iter_mut().for_each(|v| *v = 0.0);
    transpose_scatter(g, |xi, wi, oi| out[oi] += x[xi] * w[wi]);
    for (k, v) in out.iter_mut().enumerate() {
        let b = bias.map_or(0.0, |bs| bs[k % g.out_c]);
        *v = f32_clamp_activation(*v + b, act.0, act.1);
    }
}

/// Calls `f(input index, filter index, output index)` in the reference scatter order.
#[inline]
fn transpose_scatter(g: &ConvGeometry, mut f: impl FnMut(usize, usize, usize)) {
    for b in 0..g.batches {
        for iy in 0..g.in_h {
            for ix in 0..g.in_w {
                for ic in 0..g.in_c {
                    let xi = ((b * g.in_h + iy) * g.in_w + ix) * g.in_c + ic;
                    let oy0 = (iy * g.stride_h) as isize - g.pad_h as isize;
                    let ox0 = (ix * g.stride_w) as isize - g.pad_w as isize;
                    for fy in 0..g.filter_h {
                        let oy = oy0 + fy as isize;
                        if oy < 0 || oy >= g.out_h as isize {
                            continue;
                        }
                        for fx in 0..g.filter_w {
                            let ox = ox0 + fx as isize;
                            if ox < 0 || ox >= g.out_w as isize {
                                continue;
                            }
                            let ob =
                                ((b * g.out_h + oy as usize) * g.out_w + ox as usize) * g.out_c;
                            for oc in 0..g.out_c {
                                let wi = ((oc * g.filter_h + fy) * g.filter_w + fx) * g.in_c + ic;
                                f(xi, wi, ob + oc);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// int8 TRANSPOSE_CONV with per-channel weights (`reference_integer_ops::TransposeConv`):
/// int32 scatter of `(x + input_offset) · w` into `scratch` (output-sized), then per
/// output `+ bias`, `MultiplyByQuantizedMultiplier`, `+ output_offset`, clamp.
pub fn qs8_transpose_conv_generic(
    g: &ConvGeometry,
    p: &Qs8ConvParams,
    x: &[i8],
    w: &[i8],
    bias: Option<&[i32]>,
    out: &mut [i8],
    scratch: &mut [i32],
) {
    scratch.iter_mut().for_each(|v| *v = 0);
    transpose_scatter(g, |xi, wi, oi| {
        let v = (x[xi] as i32)
            .wrapping_add(p.input_offset)
            .wrapping_mul(w[wi] as i32);
        scratch[oi] = scratch[oi].wrapping_add(v);
    });
    for (k, (o, &acc)) in out.iter_mut().zip(scratch.iter()).enumerate() {
        let c = k % g.out_c;
        let acc = acc.wrapping_add(bias.map_or(0, |bs| bs[c]));
        *o = p.finish(acc, c);
    }
}

/// Hybrid TRANSPOSE_CONV with per-channel weights (`reference_ops::HybridTransposeConv`):
/// each product adds `(float)((q − input_offset[b]) · w) · w_scale[c] · scaling_factor[b]`
/// (left to right) to the float output, then `+ bias` and the clamp.
#[allow(clippy::too_many_arguments)]
pub fn f32_hybrid_transpose_conv_generic(
    g: &ConvGeometry,
    xq: &[i8],
    scaling_factors: &[f32],
    input_offsets: &[i32],
    w: &[i8],
    w_scale: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    act: (f32, f32),
) {
    out.iter_mut().for_each(|v| *v = 0.0);
    let per_batch = g.in_h * g.in_w * g.in_c;
    transpose_scatter(g, |xi, wi, oi| {
        let b = xi / per_batch;
        let acc = (xq[xi] as i32)
            .wrapping_sub(input_offsets[b])
            .wrapping_mul(w[wi] as i32);
        out[oi] += acc as f32 * w_scale[oi % g.out_c] * scaling_factors[b];
    });
    for (k, v) in out.iter_mut().enumerate() {
        let b = bias.map_or(0.0, |bs| bs[k % g.out_c]);
        *v = f32_clamp_activation(*v + b, act.0, act.1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_size_and_padding_follow_tflite() {
        // SAME: ceil(in / stride), padding total/2 before.
        assert_eq!(conv_out_size(true, 12, 3, 1, 1), Some((12, 1)));
        assert_eq!(conv_out_size(true, 12, 3, 2, 1), Some((6, 0)));
        assert_eq!(conv_out_size(true, 5, 2, 2, 1), Some((3, 0)));
        assert_eq!(conv_out_size(true, 12, 3, 1, 2), Some((12, 2)));
        // VALID: no padding.
        assert_eq!(conv_out_size(false, 12, 3, 1, 1), Some((10, 0)));
        assert_eq!(conv_out_size(false, 10, 2, 2, 1), Some((5, 0)));
        assert_eq!(conv_out_size(false, 12, 3, 1, 2), Some((8, 0)));
        // Kernel larger than the input, zero stride.
        assert_eq!(conv_out_size(false, 2, 3, 1, 1), None);
        assert_eq!(conv_out_size(true, 2, 3, 0, 1), None);
    }

    #[test]
    fn gebp_orders() {
        // O = 28 rows: 24 in a 3-packet block, then 4 in a half-packet one; N = 6 columns:
        // the last 2 are remainder columns.
        assert_eq!(GebpOrder::of(28, 23, 6, 0), GebpOrder::Sequential);
        assert_eq!(GebpOrder::of(28, 24, 6, 3), GebpOrder::EvenOdd);
        assert_eq!(GebpOrder::of(28, 24, 6, 4), GebpOrder::Sequential);
        assert_eq!(GebpOrder::of(19, 16, 8, 0), GebpOrder::Swapped);
        assert_eq!(GebpOrder::of(8, 7, 8, 7), GebpOrder::EvenOdd);
        // The sums, written out for 13 products.
        let p: Vec<f32> = (0..13).map(|i| 1.0 / (i as f32 + 3.0)).collect();
        let run = |o| {
            let mut s = GebpSum::new(o, p.len());
            for (k, &v) in p.iter().enumerate() {
                s.add(k, v);
            }
            s.total()
        };
        let seq = p.iter().fold(0.0f32, |a, &v| a + v);
        assert_eq!(run(GebpOrder::Sequential).to_bits(), seq.to_bits());
        let (mut c, mut d) = (0.0f32, 0.0f32);
        for (k, &v) in p[..8].iter().enumerate() {
            if k % 2 == 0 {
                c += v;
            } else {
                d += v;
            }
        }
        let eo = p[8..].iter().fold(c + d, |a, &v| a + v);
        assert_eq!(run(GebpOrder::EvenOdd).to_bits(), eo.to_bits());
        let l = &p[..8];
        let mut s0 = (l[0] + l[2]) + (l[4] + l[6]);
        let mut s1 = (l[1] + l[3]) + (l[5] + l[7]);
        s0 += p[8];
        s1 += p[9];
        s0 += p[10];
        s1 += p[11];
        let sw = (s0 + s1) + p[12];
        assert_eq!(run(GebpOrder::Swapped).to_bits(), sw.to_bits());
    }

    #[test]
    fn float_conv_by_hand() {
        // 1x3x3x1 input, one 2x2 filter, VALID, stride 1.
        let g = ConvGeometry {
            batches: 1,
            in_h: 3,
            in_w: 3,
            in_c: 1,
            out_h: 2,
            out_w: 2,
            out_c: 1,
            filter_h: 2,
            filter_w: 2,
            stride_h: 1,
            stride_w: 1,
            dilation_h: 1,
            dilation_w: 1,
            pad_h: 0,
            pad_w: 0,
        };
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let w = [1.0, 0.0, 0.0, -1.0];
        let mut out = [0.0; 4];
        f32_conv_generic(&g, 1, &x, &w, Some(&[0.5]), &mut out, (f32::MIN, f32::MAX));
        assert_eq!(out, [-3.5, -3.5, -3.5, -3.5]);
        f32_depthwise_conv_generic(&g, 1, &x, &w, None, &mut out, (0.0, f32::MAX));
        assert_eq!(out, [0.0; 4]);
    }
}
