//! Convolution kernels (NHWC): CONV_2D (grouped included), DEPTHWISE_CONV_2D, in float32,
//! int8 with per-channel weights, and hybrid (float activations, int8 weights).
//!
//! Scalar kernels matching LiteRT's reference kernels (`reference_ops::Conv`,
//! `reference_ops::DepthwiseConv`, `reference_integer_ops::ConvPerChannel`,
//! `reference_integer_ops::DepthwiseConvPerChannel`, `reference_ops::HybridConvPerChannel`)
//! in their loop and summation order:
//!
//! - float: per output element, `total = 0.0f`, then `total += x * w` over the window in
//!   (filter_y, filter_x, in_channel) order skipping points outside the image, then
//!   `clamp(total + bias)` (no FMA);
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

/// Float CONV_2D (`reference_ops::Conv`, grouped when `in_c` is a multiple of the filter's
/// input depth `filter_in_c`). `w` `[out_c, filter_h, filter_w, filter_in_c]`.
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
    let mut o = 0;
    for b in 0..g.batches {
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let (y0, x0) = g.origin(oy, ox);
                for oc in 0..g.out_c {
                    let c0 = (oc / per_group) * filter_in_c;
                    let mut total = 0.0f32;
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
                                total += xv * wv;
                            }
                        }
                    }
                    let bv = bias.map_or(0.0, |bs| bs[oc]);
                    out[o] = f32_clamp_activation(total + bv, act.0, act.1);
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

/// Float DEPTHWISE_CONV_2D (`reference_ops::DepthwiseConv`): output channel
/// `oc = ic * depth_multiplier + m` reads input channel `ic`; `w` `[1, fh, fw, out_c]`.
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
                        let mut total = 0.0f32;
                        for fy in 0..g.filter_h {
                            let iy = y0 + (g.dilation_h * fy) as isize;
                            for fx in 0..g.filter_w {
                                let ix = x0 + (g.dilation_w * fx) as isize;
                                if let Some(at) = g.input_at(b, iy, ix) {
                                    total += x[at + ic] * w[(fy * g.filter_w + fx) * g.out_c + oc];
                                }
                            }
                        }
                        let bv = bias.map_or(0.0, |bs| bs[oc]);
                        out[o] = f32_clamp_activation(total + bv, act.0, act.1);
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
