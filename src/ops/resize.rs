//! RESIZE_BILINEAR (`align_corners`, `half_pixel_centers`) and RESIZE_NEAREST_NEIGHBOR on
//! NHWC inputs; the output size `[height, width]` is an int32 input known at prepare time.
//!
//! Kernels ([`crate::kernels::resize`]): float and uint8 bilinear as
//! `reference_ops::ResizeBilinear` (float weights), int8 bilinear as
//! `reference_ops::ResizeBilinearInteger` (Q10 weights, the `BUILTIN_REF` choice for int8),
//! nearest as `reference_ops::ResizeNearestNeighbor` (an index copy for every type).
//! 8-bit outputs keep the input's scale and zero point.

use super::layout::{known_vec, same_buf, same_quant, ANY_DTYPE};
use super::{input_dtype, EvalCtx, Kernel, OpDef, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, BuiltinOptions, DType, Op, Tensor};
use crate::interp::Buf;
use crate::kernels::resize::{self as kr, Bilinear};
use crate::options;

/// `(input, output, dtype, input NHWC, output height, width)`.
fn prepare_resize(
    cx: &mut PrepareCtx<'_>,
    allowed: &[DType],
) -> Result<(usize, usize, DType, [usize; 4], usize, usize)> {
    let name = cx.op().name();
    cx.expect_inputs(2..=2)?;
    cx.expect_outputs(1..=1)?;
    let x = cx.input(0, "input")?;
    let out = cx.output(0)?;
    let dt = cx.expect_dtype(x, "input", allowed)?;
    cx.expect_dtype(out, "output", &[dt])?;
    same_quant(cx, x, out)?;
    let s = cx.shape(x).to_vec();
    if s.len() != 4 {
        return Err(Error::shape(
            format!("{name} input {}", cx.describe(x)),
            "rank 4 (NHWC)",
            &s,
        ));
    }
    let size = known_vec(cx, 1, "size")?;
    if size.len() != 2 || size[0] <= 0 || size[1] <= 0 {
        return Err(Error::shape(
            format!("{name} size"),
            "two positive values [height, width]",
            &size,
        ));
    }
    cx.set_output(out, vec![s[0], size[0], size[1], s[3]])?;
    let d: Vec<usize> = s.iter().map(|&v| v.max(0) as usize).collect();
    Ok((
        x,
        out,
        dt,
        [d[0], d[1], d[2], d[3]],
        size[0] as usize,
        size[1] as usize,
    ))
}

fn flags(align_corners: bool, half_pixel_centers: bool, name: &str) -> Result<()> {
    if align_corners && half_pixel_centers {
        return Err(Error::invalid(format!(
            "{name}: if half_pixel_centers is true, align_corners must be false"
        )));
    }
    Ok(())
}

/// RESIZE_BILINEAR.
pub struct ResizeBilinear;

struct BilinearKernel {
    x: usize,
    g: Bilinear,
}

impl Kernel for BilinearKernel {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        match (cx.tensors.buf(self.x), &mut cx.outputs[0]) {
            (Buf::F32(x), Buf::F32(o)) => kr::f32_resize_bilinear(&self.g, x, o),
            (Buf::I8(x), Buf::I8(o)) => kr::qs8_resize_bilinear_generic(&self.g, x, o),
            (Buf::U8(x), Buf::U8(o)) => kr::u8_resize_bilinear_generic(&self.g, x, o),
            (x, o) => {
                return Err(Error::invalid(format!(
                    "RESIZE_BILINEAR on {} -> {}",
                    x.kind(),
                    o.kind()
                )))
            }
        }
        Ok(())
    }
}

impl OpDef for ResizeBilinear {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        3
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), ResizeBilinearOptions)?;
        flags(o.align_corners, o.half_pixel_centers, "RESIZE_BILINEAR")?;
        let (x, _, _, s, oh, ow) = prepare_resize(cx, &[DType::F32, DType::I8, DType::U8])?;
        let g = Bilinear::new(s, oh, ow, o.align_corners, o.half_pixel_centers);
        Ok(Prepared::run(BilinearKernel { x, g }))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        let half = matches!(&op.options, Some(BuiltinOptions::ResizeBilinearOptions(o)) if o.half_pixel_centers);
        if half {
            3
        } else if input_dtype(op, tensors, 0) == Some(DType::I8) {
            2
        } else {
            1
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.7.0",
            2 => "1.14.0",
            3 => "2.2.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1],
            ..QuantSpec::same_as_input(0)
        }
    }
}

/// RESIZE_NEAREST_NEIGHBOR.
pub struct ResizeNearest;

struct NearestKernel {
    x: usize,
    s: [usize; 4],
    ys: Vec<usize>,
    xs: Vec<usize>,
}

impl Kernel for NearestKernel {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        let [b, h, w, d] = self.s;
        same_buf!(cx.tensors.buf(self.x), &mut cx.outputs[0], |x, o| {
            kr::resize_nearest(x, b, h, w, d, &self.ys, &self.xs, o);
            Ok(())
        })
    }
}

impl OpDef for ResizeNearest {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        3
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let o = options!(cx.op(), ResizeNearestNeighborOptions)?;
        flags(
            o.align_corners,
            o.half_pixel_centers,
            "RESIZE_NEAREST_NEIGHBOR",
        )?;
        let (x, _, _, s, oh, ow) = prepare_resize(cx, ANY_DTYPE)?;
        Ok(Prepared::run(NearestKernel {
            x,
            s,
            ys: kr::nearest_axis(s[1], oh, o.align_corners, o.half_pixel_centers),
            xs: kr::nearest_axis(s[2], ow, o.align_corners, o.half_pixel_centers),
        }))
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        let flag = matches!(&op.options, Some(BuiltinOptions::ResizeNearestNeighborOptions(o)) if o.half_pixel_centers || o.align_corners);
        if flag {
            3
        } else if input_dtype(op, tensors, 0) == Some(DType::I8) {
            2
        } else {
            1
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.13.1",
            2 => "1.14.0",
            3 => "2.3.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1],
            ..QuantSpec::same_as_input(0)
        }
    }
}
