//! Layout ops (values moved, never changed): TRANSPOSE, DEPTH_TO_SPACE, SPACE_TO_DEPTH,
//! SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND.
//!
//! Each kernel is the index mapping of the TFLite reference kernel
//! ([`crate::kernels::movement`]), on any element type; 8-bit tensors keep their input's
//! scale and zero point (TF gives operand and result the same ones; the reference kernels
//! of SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND check it). SPACE_TO_BATCH_ND pads with 0, or
//! with the output zero point for 8-bit values, as `space_to_batch_nd.cc` does. An op
//! whose input is known at prepare time is computed then (folded).
//!
//! [`same_buf!`] runs a generic kernel on an input and an output buffer of the same
//! element type; the slicing and padding families use it too.

use super::{input_dtype, EvalCtx, Kernel, OpDef, PrepareCtx, Prepared, QuantSpec};
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Op, Tensor};
use crate::interp::Buf;
use crate::kernels::movement;
use crate::options;

/// `same_buf!(input, output, |x, o| body)`: evaluates `body` (a `Result<()>`) with
/// `x: &Vec<T>` and `o: &mut Vec<T>` for the element type both buffers hold; an error when
/// they hold different types.
macro_rules! same_buf {
    ($x:expr, $o:expr, |$a:ident, $b:ident| $body:expr) => {{
        use $crate::interp::Buf as B;
        match ($x, $o) {
            (B::F32($a), B::F32($b)) => $body,
            (B::F16($a), B::F16($b)) => $body,
            (B::I8($a), B::I8($b)) => $body,
            (B::U8($a), B::U8($b)) => $body,
            (B::I32($a), B::I32($b)) => $body,
            (a, b) => Err($crate::error::Error::invalid(format!(
                "{} input, {} output",
                a.kind(),
                b.kind()
            ))),
        }
    }};
}
pub(crate) use same_buf;

/// The dtypes the data-movement ops accept.
pub(crate) const ANY_DTYPE: &[DType] = &[DType::F32, DType::F16, DType::I8, DType::U8, DType::I32];

/// Checks that an 8-bit output has its input's scale and zero point (the same-scale ops'
/// contract; their reference kernels copy raw values).
pub(crate) fn same_quant(cx: &PrepareCtx<'_>, x: usize, out: usize) -> Result<()> {
    if !matches!(cx.dtype(x), DType::I8 | DType::U8) {
        return Ok(());
    }
    let a = cx.per_tensor(x, "input")?;
    let b = cx.per_tensor(out, "output")?;
    if a != b {
        return Err(Error::unsupported(format!(
            "{} copies 8-bit values, so its output {} needs its input's scale and zero point \
             ({} / {}), got {} / {}",
            cx.op().name(),
            cx.describe(out),
            a.0,
            a.1,
            b.0,
            b.1
        )));
    }
    Ok(())
}

/// A one-input, one-output movement kernel: `run(x, out)` (used by eval and to fold).
pub(crate) trait Move: Send + 'static {
    fn run(&self, x: &Buf, out: &mut Buf) -> Result<()>;
}

struct MoveKernel<M: Move> {
    x: usize,
    m: M,
}

impl<M: Move> Kernel for MoveKernel<M> {
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()> {
        self.m.run(cx.tensors.buf(self.x), &mut cx.outputs[0])
    }
}

/// Sets output `out` to `shape` and either folds `m` applied to a known input `x` or
/// returns it as the op's kernel.
pub(crate) fn move_or_fold<M: Move>(
    cx: &mut PrepareCtx<'_>,
    x: usize,
    out: usize,
    shape: Vec<i32>,
    m: M,
) -> Result<Prepared> {
    cx.set_output(out, shape.clone())?;
    if cx.is_const(x) {
        let mut value = cx.buf(out).clone();
        m.run(cx.buf(x), &mut value)?;
        cx.fold_output(out, shape, value)?;
        return Ok(Prepared::Folded);
    }
    Ok(Prepared::run(MoveKernel { x, m }))
}

fn dims(shape: &[i32]) -> Vec<usize> {
    shape.iter().map(|&d| d.max(0) as usize).collect()
}

/// An int32 vector input known at prepare time, with its role for errors.
pub(crate) fn known_vec(cx: &PrepareCtx<'_>, k: usize, role: &str) -> Result<Vec<i32>> {
    let t = cx.input(k, role)?;
    cx.expect_dtype(t, role, &[DType::I32])?;
    Ok(cx.known_i32(t, role)?.to_vec())
}

// ---------------------------------------------------------------------------------------

struct TransposeMove {
    shape: Vec<usize>,
    perm: Vec<usize>,
}

impl Move for TransposeMove {
    fn run(&self, x: &Buf, out: &mut Buf) -> Result<()> {
        same_buf!(x, out, |a, b| {
            movement::transpose(a, &self.shape, &self.perm, b);
            Ok(())
        })
    }
}

/// TRANSPOSE: output dimension `d` is input dimension `perm[d]` (`perm` an int32 input).
pub struct Transpose;

impl OpDef for Transpose {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        6
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        cx.expect_inputs(2..=2)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let dt = cx.expect_dtype(x, "input", ANY_DTYPE)?;
        cx.expect_dtype(out, "output", &[dt])?;
        same_quant(cx, x, out)?;
        let perm = known_vec(cx, 1, "perm")?;
        let shape = cx.shape(x).to_vec();
        let rank = shape.len();
        if rank > 6 {
            return Err(Error::unsupported(format!(
                "TRANSPOSE of a rank-{rank} tensor (up to 6 dimensions)"
            )));
        }
        let mut seen = vec![false; rank];
        let mut p = Vec::with_capacity(rank);
        if perm.len() != rank {
            return Err(Error::shape(
                "TRANSPOSE perm",
                format!("{rank} values"),
                &perm,
            ));
        }
        for &v in &perm {
            let d = if v < 0 { v + rank as i32 } else { v };
            if d < 0 || d as usize >= rank || seen[d as usize] {
                return Err(Error::invalid(format!(
                    "TRANSPOSE perm {perm:?} is not a permutation of 0..{rank}"
                )));
            }
            seen[d as usize] = true;
            p.push(d as usize);
        }
        let out_shape: Vec<i32> = p.iter().map(|&d| shape[d]).collect();
        let m = TransposeMove {
            shape: dims(&shape),
            perm: p,
        };
        move_or_fold(cx, x, out, out_shape, m)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        let rank = op
            .inputs
            .first()
            .and_then(|&i| tensors.get(usize::try_from(i).ok()?))
            .map_or(0, |t| t.shape.len());
        if rank > 5 {
            6
        } else if rank > 4 {
            4
        } else if input_dtype(op, tensors, 0) == Some(DType::I8) {
            2
        } else {
            1
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.6.0",
            2 => "1.14.0",
            4 => "2.3.0",
            6 => "2.12.0",
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

/// NHWC dims of a rank-4 input, or an error naming the op.
fn nhwc(cx: &PrepareCtx<'_>, x: usize) -> Result<[usize; 4]> {
    let s = cx.shape(x);
    if s.len() != 4 {
        return Err(Error::shape(
            format!("{} input {}", cx.op().name(), cx.describe(x)),
            "rank 4 (NHWC)",
            s,
        ));
    }
    let d = dims(s);
    Ok([d[0], d[1], d[2], d[3]])
}

struct DepthSpaceMove {
    to_space: bool,
    in_shape: [usize; 4],
    block: usize,
}

impl Move for DepthSpaceMove {
    fn run(&self, x: &Buf, out: &mut Buf) -> Result<()> {
        same_buf!(x, out, |a, b| {
            if self.to_space {
                movement::depth_to_space(a, self.in_shape, self.block, b);
            } else {
                movement::space_to_depth(a, self.in_shape, self.block, b);
            }
            Ok(())
        })
    }
}

/// DEPTH_TO_SPACE and SPACE_TO_DEPTH (`block_size` from their options), NHWC.
pub struct DepthSpace;

impl OpDef for DepthSpace {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        2
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let to_space = cx.op().code == BuiltinOperator::DepthToSpace;
        let block = if to_space {
            options!(cx.op(), DepthToSpaceOptions)?.block_size
        } else {
            options!(cx.op(), SpaceToDepthOptions)?.block_size
        };
        cx.expect_inputs(1..=1)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let dt = cx.expect_dtype(x, "input", ANY_DTYPE)?;
        cx.expect_dtype(out, "output", &[dt])?;
        same_quant(cx, x, out)?;
        let s = nhwc(cx, x)?;
        if block < 1 {
            return Err(Error::invalid(format!(
                "{} block_size {block} must be positive",
                cx.op().name()
            )));
        }
        let bs = block as usize;
        let out_shape = if to_space {
            if s[3] % (bs * bs) != 0 {
                return Err(Error::shape(
                    format!(
                        "DEPTH_TO_SPACE input {} (depth divisible by {})",
                        cx.describe(x),
                        bs * bs
                    ),
                    "depth % block_size² == 0",
                    cx.shape(x),
                ));
            }
            [s[0], s[1] * bs, s[2] * bs, s[3] / (bs * bs)]
        } else {
            if s[1] % bs != 0 || s[2] % bs != 0 {
                return Err(Error::shape(
                    format!(
                        "SPACE_TO_DEPTH input {} (height and width divisible by {bs})",
                        cx.describe(x)
                    ),
                    "height % block_size == 0 and width % block_size == 0",
                    cx.shape(x),
                ));
            }
            [s[0], s[1] / bs, s[2] / bs, s[3] * bs * bs]
        };
        let shape = out_shape.iter().map(|&d| d as i32).collect();
        let m = DepthSpaceMove {
            to_space,
            in_shape: s,
            block: bs,
        };
        move_or_fold(cx, x, out, shape, m)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        match input_dtype(op, tensors, 0) {
            Some(DType::I8) => 2,
            _ => 1,
        }
    }

    fn runtime_version(&self, code: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match (code, version) {
            (BuiltinOperator::DepthToSpace, 1) => "2.1.0",
            (BuiltinOperator::DepthToSpace, 2) => "2.5.0",
            (_, 1) => "1.5.0",
            (_, 2) => "1.14.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec::same_as_input(0)
    }
}

struct SpaceBatchMove {
    to_batch: bool,
    in_shape: [usize; 4],
    out_shape: [usize; 4],
    block: [usize; 2],
    top_left: [usize; 2],
    /// The 8-bit pad value (the output zero point) for SPACE_TO_BATCH_ND.
    pad_q: i32,
}

impl Move for SpaceBatchMove {
    fn run(&self, x: &Buf, out: &mut Buf) -> Result<()> {
        if !self.to_batch {
            return same_buf!(x, out, |a, b| {
                movement::batch_to_space(
                    a,
                    self.in_shape,
                    self.block,
                    self.top_left,
                    self.out_shape,
                    b,
                );
                Ok(())
            });
        }
        let g = (self.in_shape, self.block, self.top_left, self.out_shape);
        match (x, out) {
            (Buf::F32(a), Buf::F32(b)) => movement::space_to_batch(a, g.0, g.1, g.2, g.3, 0.0, b),
            (Buf::F16(a), Buf::F16(b)) => {
                movement::space_to_batch(a, g.0, g.1, g.2, g.3, half::f16::ZERO, b)
            }
            (Buf::I32(a), Buf::I32(b)) => movement::space_to_batch(a, g.0, g.1, g.2, g.3, 0, b),
            // `memset(out, pad_value, …)` with the zero point: its low byte.
            (Buf::I8(a), Buf::I8(b)) => {
                movement::space_to_batch(a, g.0, g.1, g.2, g.3, self.pad_q as i8, b)
            }
            (Buf::U8(a), Buf::U8(b)) => {
                movement::space_to_batch(a, g.0, g.1, g.2, g.3, self.pad_q as u8, b)
            }
            (a, b) => {
                return Err(Error::invalid(format!(
                    "{} input, {} output",
                    a.kind(),
                    b.kind()
                )))
            }
        }
        Ok(())
    }
}

/// SPACE_TO_BATCH_ND (block_shape, paddings) and BATCH_TO_SPACE_ND (block_shape, crops) on
/// rank-3 (`[b, h, c]`, block width 1) or rank-4 NHWC inputs; both int32 inputs known at
/// prepare time.
pub struct SpaceBatch;

impl OpDef for SpaceBatch {
    fn max_version(&self, _: BuiltinOperator) -> i32 {
        3
    }

    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared> {
        let to_batch = cx.op().code == BuiltinOperator::SpaceToBatchNd;
        let name = cx.op().name();
        cx.expect_inputs(3..=3)?;
        cx.expect_outputs(1..=1)?;
        let x = cx.input(0, "input")?;
        let out = cx.output(0)?;
        let dt = cx.expect_dtype(x, "input", ANY_DTYPE)?;
        cx.expect_dtype(out, "output", &[dt])?;
        same_quant(cx, x, out)?;
        let block = known_vec(cx, 1, "block_shape")?;
        let pads_role = if to_batch { "paddings" } else { "crops" };
        let pads = known_vec(cx, 2, pads_role)?;
        let s = cx.shape(x).to_vec();
        let rank = s.len();
        if !(3..=4).contains(&rank) {
            return Err(Error::shape(
                format!("{name} input {}", cx.describe(x)),
                "rank 3 or 4",
                &s,
            ));
        }
        let spatial = rank - 2;
        if block.len() != spatial || pads.len() != 2 * spatial {
            return Err(Error::shape(
                format!("{name} block_shape and {pads_role}"),
                format!("{spatial} and {spatial}x2 values"),
                format!("{} and {} values", block.len(), pads.len()),
            ));
        }
        if block.iter().any(|&b| b < 1) || pads.iter().any(|&p| p < 0) {
            return Err(Error::invalid(format!(
                "{name} block_shape {block:?} must be positive and {pads_role} {pads:?} \
                 non-negative"
            )));
        }
        let mut out_shape = s.clone();
        if to_batch {
            let mut batch = s[0] as i64;
            for d in 0..spatial {
                let padded = s[d + 1] + pads[2 * d] + pads[2 * d + 1];
                if padded % block[d] != 0 {
                    return Err(Error::shape(
                        format!(
                            "{name} padded dimension {} of {} (block {})",
                            d + 1,
                            cx.describe(x),
                            block[d]
                        ),
                        "a multiple of the block",
                        padded,
                    ));
                }
                out_shape[d + 1] = padded / block[d];
                batch *= block[d] as i64;
            }
            out_shape[0] = i32::try_from(batch)
                .map_err(|_| Error::invalid(format!("{name} output batch {batch} overflows")))?;
        } else {
            let prod: i32 = block.iter().product();
            if s[0] % prod != 0 {
                return Err(Error::shape(
                    format!("{name} input batch of {} (block {block:?})", cx.describe(x)),
                    format!("a multiple of {prod}"),
                    s[0],
                ));
            }
            out_shape[0] = s[0] / prod;
            for d in 0..spatial {
                let full = s[d + 1] * block[d] - pads[2 * d] - pads[2 * d + 1];
                if full < 0 {
                    return Err(Error::invalid(format!(
                        "{name} crops {pads:?} exceed the dimension {} of size {}",
                        d + 1,
                        s[d + 1] * block[d]
                    )));
                }
                out_shape[d + 1] = full;
            }
        }
        // Extend rank 3 to NHWC with width 1 (ExtendShapeSpaceToBatch).
        let ext = |v: &[i32]| -> [usize; 4] {
            let d = dims(v);
            if d.len() == 4 {
                [d[0], d[1], d[2], d[3]]
            } else {
                [d[0], d[1], 1, d[2]]
            }
        };
        let (bw, left) = if rank == 4 {
            (block[1] as usize, pads[2] as usize)
        } else {
            (1, 0)
        };
        let pad_q = if matches!(dt, DType::I8 | DType::U8) {
            cx.per_tensor(out, "output")?.1
        } else {
            0
        };
        let m = SpaceBatchMove {
            to_batch,
            in_shape: ext(&s),
            out_shape: ext(&out_shape),
            block: [block[0] as usize, bw],
            top_left: [pads[0] as usize, left],
            pad_q,
        };
        move_or_fold(cx, x, out, out_shape, m)
    }

    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32 {
        let rank = op
            .inputs
            .first()
            .and_then(|&i| tensors.get(usize::try_from(i).ok()?))
            .map_or(4, |t| t.shape.len());
        if rank != 4 {
            3
        } else if input_dtype(op, tensors, 0) == Some(DType::I8) {
            2
        } else {
            1
        }
    }

    fn runtime_version(&self, _: BuiltinOperator, version: i32) -> Option<&'static str> {
        Some(match version {
            1 => "1.6.0",
            2 => "1.14.0",
            3 => "2.3.0",
            _ => return None,
        })
    }

    fn quant(&self, _: &Op) -> QuantSpec {
        QuantSpec {
            unquantized_inputs: vec![1, 2],
            ..QuantSpec::same_as_input(0)
        }
    }
}
