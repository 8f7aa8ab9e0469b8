//! What an op family sees of the interpreter: [`PrepareCtx`] while it prepares one op
//! (tensor metadata, current shapes, values known before running, output allocation) and
//! [`EvalCtx`] while its [`Kernel`] runs (input slices, output buffers, the kernel table).
//!
//! Every accessor checks what it is asked for and fails with an error naming the tensor
//! (`tensor 5 ('dense/MatMul')`), so an op's `prepare` can be written as a list of checks
//! with `?`; the interpreter prefixes each error with the op (`op 3 (CONV_2D v3): …`).

use super::{Buf, InterpreterOptions, Slot};
use crate::error::{Error, Result};
use crate::graph::{num_elements, DType, Op, Tensor};
use crate::kernels::Kernels;

/// A prepared operator's run-time part: everything precomputed at prepare time plus the
/// tensor indices it reads. `eval` only dispatches to [`crate::kernels`]; it must not
/// allocate (the interpreter's `invoke` is allocation-free).
pub trait Kernel: Send {
    /// Computes the op's outputs (`cx.outputs`, in `op.outputs` order) from its inputs.
    fn eval(&mut self, cx: &mut EvalCtx<'_>) -> Result<()>;
}

/// What an op's `prepare` returns.
pub enum Prepared {
    /// Every output was computed at prepare time ([`PrepareCtx::fold_output`]): constant
    /// folding, shape arithmetic, float16 weights decoded once. Nothing runs at invoke.
    Folded,
    /// The kernel to run at every invoke.
    Run(Box<dyn Kernel>),
}

impl Prepared {
    /// Boxes `kernel` as [`Prepared::Run`].
    pub fn run(kernel: impl Kernel + 'static) -> Self {
        Prepared::Run(Box::new(kernel))
    }
}

/// One op's view of the interpreter during prepare. Tensor arguments are graph tensor
/// indices (as `cx.input(k, …)` / `cx.output(k)` return them).
pub struct PrepareCtx<'a> {
    pub(super) tensors: &'a [Tensor],
    pub(super) slots: &'a mut [Slot],
    pub(super) kernels: &'static Kernels,
    pub(super) options: &'a InterpreterOptions,
    pub(super) op: &'a Op,
    pub(super) inputs: Vec<Option<usize>>,
    pub(super) outputs: Vec<usize>,
    /// Which outputs `set_output` / `fold_output` have given a shape.
    pub(super) set: Vec<bool>,
    /// Which outputs `fold_output` has given a value.
    pub(super) folded: Vec<bool>,
}

impl<'a> PrepareCtx<'a> {
    /// The operator being prepared (code, version, options, tensor indices).
    pub fn op(&self) -> &'a Op {
        self.op
    }

    /// The kernel table the interpreter runs with (for packing weights at prepare time).
    pub fn kernels(&self) -> &'static Kernels {
        self.kernels
    }

    /// The interpreter's arithmetic options.
    pub fn options(&self) -> &InterpreterOptions {
        self.options
    }

    /// Number of inputs (optional ones included).
    pub fn num_inputs(&self) -> usize {
        self.inputs.len()
    }

    /// Fails unless the op has a number of inputs in `range` (optional ones included).
    pub fn expect_inputs(&self, range: std::ops::RangeInclusive<usize>) -> Result<()> {
        count_in("inputs", self.inputs.len(), range)
    }

    /// Fails unless the op has a number of outputs in `range`.
    pub fn expect_outputs(&self, range: std::ops::RangeInclusive<usize>) -> Result<()> {
        count_in("outputs", self.outputs.len(), range)
    }

    /// Tensor index of required input `k` (`role` names it in the error: "weights").
    pub fn input(&self, k: usize, role: &str) -> Result<usize> {
        self.inputs
            .get(k)
            .copied()
            .flatten()
            .ok_or_else(|| Error::invalid(format!("input {k} ({role}) is missing")))
    }

    /// Tensor index of optional input `k` (`None` when absent or `-1`).
    pub fn opt_input(&self, k: usize) -> Option<usize> {
        self.inputs.get(k).copied().flatten()
    }

    /// Number of outputs.
    pub fn num_outputs(&self) -> usize {
        self.outputs.len()
    }

    /// Tensor index of output `k`.
    pub fn output(&self, k: usize) -> Result<usize> {
        self.outputs.get(k).copied().ok_or_else(|| {
            Error::invalid(format!(
                "output {k} is missing ({} outputs)",
                self.outputs.len()
            ))
        })
    }

    /// The graph's description of tensor `i` (name, dtype, quantization, constant data).
    pub fn tensor(&self, i: usize) -> &'a Tensor {
        &self.tensors[i]
    }

    /// Tensor `i`'s dtype.
    pub fn dtype(&self, i: usize) -> DType {
        self.tensors[i].dtype
    }

    /// Tensor `i`'s current shape (inputs resized, earlier outputs propagated).
    pub fn shape(&self, i: usize) -> &[i32] {
        &self.slots[i].shape
    }

    /// `tensor 5 ('name')`, for messages.
    pub fn describe(&self, i: usize) -> String {
        format!("tensor {i} ('{}')", self.tensors[i].name)
    }

    /// Element count of tensor `i`'s current shape.
    pub fn elements(&self, i: usize) -> Result<usize> {
        num_elements(&self.slots[i].shape).ok_or_else(|| {
            Error::shape(
                self.describe(i),
                "non-negative dims whose product fits",
                &self.slots[i].shape,
            )
        })
    }

    /// Tensor `i`'s dtype when it is one of `want`, else an error naming `role`.
    pub fn expect_dtype(&self, i: usize, role: &str, want: &[DType]) -> Result<DType> {
        let d = self.tensors[i].dtype;
        if want.contains(&d) {
            Ok(d)
        } else {
            let names: Vec<&str> = want.iter().map(|d| d.name()).collect();
            Err(Error::unsupported(format!(
                "{role} {} is {}, expected {}",
                self.describe(i),
                d.name(),
                names.join(" or ")
            )))
        }
    }

    /// Whether tensor `i`'s value is known now: a graph constant or a folded output.
    pub fn is_const(&self, i: usize) -> bool {
        self.slots[i].is_const
    }

    /// Tensor `i`'s buffer (meaningful at prepare time only when [`Self::is_const`]).
    pub fn buf(&self, i: usize) -> &Buf {
        &self.slots[i].data
    }

    /// Int32 values known at prepare time (a constant or a folded shape computation).
    pub fn known_i32(&self, i: usize, role: &str) -> Result<&[i32]> {
        match (&self.slots[i].data, self.slots[i].is_const) {
            (Buf::I32(v), true) => Ok(v),
            _ => Err(Error::unsupported(format!(
                "{role} {} must be an int32 value known before running (a constant or a \
                 shape computation)",
                self.describe(i)
            ))),
        }
    }

    /// Per-tensor `(scale, zero_point)` of tensor `i`, checked: quantized, one positive
    /// finite scale, a zero point that fits i32.
    pub fn per_tensor(&self, i: usize, role: &str) -> Result<(f32, i32)> {
        let q = self.tensors[i]
            .quant
            .as_ref()
            .filter(|q| q.is_quantized())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "{role} {} has no quantization parameters",
                    self.describe(i)
                ))
            })?;
        if q.scale.len() != 1 || q.zero_point.len() > 1 {
            return Err(Error::unsupported(format!(
                "{role} {} is quantized per channel ({} scales); expected per-tensor",
                self.describe(i),
                q.scale.len()
            )));
        }
        let zp = q.zero_point.first().copied().unwrap_or(0);
        let zp = i32::try_from(zp).map_err(|_| {
            Error::invalid(format!(
                "{role} {} zero point {zp} out of range",
                self.describe(i)
            ))
        })?;
        if !(q.scale[0].is_finite() && q.scale[0] > 0.0) {
            return Err(Error::invalid(format!(
                "{role} {} has scale {}, expected a positive finite number",
                self.describe(i),
                q.scale[0]
            )));
        }
        Ok((q.scale[0], zp))
    }

    /// Scales of weights `w` broadcast to `channels` output channels along `axis`, the
    /// per-tensor zero point (0 for per-channel weights, whose zero points TFLite ignores)
    /// and whether they are per-channel.
    pub fn weight_scales(
        &self,
        w: usize,
        channels: usize,
        axis: i32,
    ) -> Result<(Vec<f32>, i32, bool)> {
        let q = self.tensors[w]
            .quant
            .as_ref()
            .filter(|q| q.is_quantized())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "weights {} have no quantization parameters",
                    self.describe(w)
                ))
            })?;
        let bad_scale = |s: f32| !(s.is_finite() && s >= 0.0);
        if q.scale.iter().any(|&s| bad_scale(s)) {
            return Err(Error::invalid(format!(
                "weights {} have a negative or non-finite scale",
                self.describe(w)
            )));
        }
        if q.scale.len() == 1 {
            let zp = q.zero_point.first().copied().unwrap_or(0);
            let zp = i32::try_from(zp).map_err(|_| {
                Error::invalid(format!(
                    "weights {} zero point {zp} out of range",
                    self.describe(w)
                ))
            })?;
            return Ok((vec![q.scale[0]; channels], zp, false));
        }
        if q.scale.len() != channels || q.quantized_dimension != axis {
            return Err(Error::shape(
                format!("per-channel scales of weights {}", self.describe(w)),
                format!("{channels} scales along dimension {axis}"),
                format!(
                    "{} scales along dimension {}",
                    q.scale.len(),
                    q.quantized_dimension
                ),
            ));
        }
        Ok((q.scale.clone(), 0, true))
    }

    fn output_position(&self, out: usize) -> Result<usize> {
        self.outputs.iter().position(|&o| o == out).ok_or_else(|| {
            Error::invalid(format!(
                "{} is not an output of this op (internal error)",
                self.describe(out)
            ))
        })
    }

    /// Sets output tensor `out`'s shape and (re)allocates its buffer for the tensor's dtype.
    pub fn set_output(&mut self, out: usize, shape: Vec<i32>) -> Result<()> {
        let k = self.output_position(out)?;
        let n = num_elements(&shape).ok_or_else(|| {
            Error::shape(
                format!("output {}", self.describe(out)),
                "valid dims",
                &shape,
            )
        })?;
        let dtype = self.tensors[out].dtype;
        let what = format!("output {}", self.describe(out));
        let limit = self.options.max_tensor_bytes;
        let slot = &mut self.slots[out];
        slot.shape = shape;
        slot.data.reset(&what, dtype, n, limit)?;
        if matches!(slot.data, Buf::Empty) && n > 0 {
            return Err(Error::unsupported(format!(
                "output {} has dtype {}, which this interpreter cannot store",
                self.describe(out),
                dtype.name()
            )));
        }
        self.set[k] = true;
        Ok(())
    }

    /// Sets output `out` to a value computed now (its shape and data); the interpreter
    /// treats it as a constant from here on and observers never see it.
    pub fn fold_output(&mut self, out: usize, shape: Vec<i32>, data: Buf) -> Result<()> {
        self.set_output(out, shape)?;
        let k = self.output_position(out)?;
        let have = &self.slots[out].data;
        if std::mem::discriminant(have) != std::mem::discriminant(&data) || have.len() != data.len()
        {
            return Err(Error::invalid(format!(
                "folded value of {} is {} {}, the output needs {} {} (internal error)",
                self.describe(out),
                data.len(),
                data.kind(),
                have.len(),
                have.kind()
            )));
        }
        let slot = &mut self.slots[out];
        slot.data = data;
        slot.is_const = true;
        self.folded[k] = true;
        Ok(())
    }
}

fn count_in(what: &str, n: usize, range: std::ops::RangeInclusive<usize>) -> Result<()> {
    if range.contains(&n) {
        return Ok(());
    }
    let want = if range.start() == range.end() {
        format!("{}", range.start())
    } else {
        format!("{} to {}", range.start(), range.end())
    };
    Err(Error::invalid(format!("expected {want} {what}, got {n}")))
}

/// Read access to every tensor's buffer while a kernel runs (the op's outputs are moved
/// out into [`EvalCtx::outputs`] meanwhile).
#[derive(Clone, Copy)]
pub struct Tensors<'a>(pub(super) &'a [Slot]);

impl<'a> Tensors<'a> {
    /// Tensor `i`'s buffer.
    pub fn buf(&self, i: usize) -> &'a Buf {
        &self.0[i].data
    }
    /// Tensor `i` as float32.
    pub fn f32(&self, i: usize) -> Result<&'a [f32]> {
        self.buf(i).f32().map_err(|e| in_tensor(i, e))
    }
    /// Tensor `i` as int8.
    pub fn i8(&self, i: usize) -> Result<&'a [i8]> {
        self.buf(i).i8().map_err(|e| in_tensor(i, e))
    }
    /// Tensor `i` as uint8.
    pub fn u8(&self, i: usize) -> Result<&'a [u8]> {
        self.buf(i).u8().map_err(|e| in_tensor(i, e))
    }
    /// Tensor `i` as int32.
    pub fn i32(&self, i: usize) -> Result<&'a [i32]> {
        self.buf(i).i32().map_err(|e| in_tensor(i, e))
    }
    /// Tensor `i`'s current shape.
    pub fn shape(&self, i: usize) -> &'a [i32] {
        &self.0[i].shape
    }
}

fn in_tensor(i: usize, e: Error) -> Error {
    Error::invalid(format!("tensor {i}: {e}"))
}

/// What a [`Kernel`] sees while it runs: its inputs through `tensors`, its outputs (in
/// `op.outputs` order, typed by their dtype) in `outputs`. The two are separate fields so
/// that a kernel can borrow inputs and outputs at the same time.
pub struct EvalCtx<'a> {
    pub tensors: Tensors<'a>,
    pub outputs: &'a mut [Buf],
    pub kernels: &'static Kernels,
}
