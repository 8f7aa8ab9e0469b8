//! The reference interpreter: runs any [`Graph`] (float32, full-integer int8 with int8 /
//! uint8 / float io, float16-with-DEQUANTIZE, dynamic-range hybrid) with kernels that match
//! LiteRT's `BUILTIN_REF` resolver.
//!
//! **Prepare / run split** (as tflite-micro's Prepare/Eval): [`Interpreter::new`] validates
//! every operator (input counts, dtypes, shapes, quantization), propagates shapes, turns
//! quantization parameters into integer multipliers/shifts once, decodes constants once
//! (float16 constants behind DEQUANTIZE become float32 here) and preallocates one buffer
//! per tensor. [`Interpreter::invoke`] only dispatches to [`crate::kernels`]; it does not
//! allocate. [`Interpreter::resize_input`] (dynamic batch) re-runs the prepare step.
//!
//! **Generic.** Nothing here knows an op: each op's prepare and kernel come from its
//! family in the op registry ([`crate::ops`]), which sees the interpreter through
//! [`PrepareCtx`] and [`EvalCtx`] (module `context`). [`Interpreter::new`] first checks that
//! the registry has a definition for every op of the file (all unsupported ops are listed
//! at once), then prepares the ops in order; `invoke` runs each op's [`Kernel`]. The graph
//! must be a DAG in execution order ([`Graph::validate`]); several subgraphs are read and
//! written but the interpreter runs single-subgraph models only (for now).

mod compare;
pub mod context;
mod evaluate;
mod prepare;

pub use compare::{
    compare_interpreters, compare_tflite, output_metrics, run_outputs, OutputKind, OutputMetrics,
};
pub use context::{EvalCtx, Kernel, PrepareCtx, Prepared, Tensors};
pub use evaluate::{
    evaluate, evaluate_tflite, evaluate_with, interpreter_for_file, interpreter_for_file_with,
    interpreter_from_tflite, interpreter_from_tflite_with, output_as_f32, set_input_from_f32,
    EvalReport,
};

use crate::error::{Error, Result};
use crate::graph::{DType, Graph};
use crate::kernels::{self, Kernels, RequantMode};
use half::f16;

/// Public description of a model input or output (like TFLite's `get_input_details`).
#[derive(Clone, Debug, PartialEq)]
pub struct TensorDetails {
    /// Tensor index in the graph.
    pub index: usize,
    pub name: String,
    /// Current shape (after any [`Interpreter::resize_input`]).
    pub shape: Vec<i32>,
    /// Shape with `-1` for dynamic dimensions (the shape itself when the graph has none).
    pub shape_signature: Vec<i32>,
    pub dtype: DType,
    /// Quantization scales (empty for float tensors).
    pub scale: Vec<f32>,
    /// Quantization zero points (empty for float tensors).
    pub zero_point: Vec<i64>,
}

/// A calibration observer: `(tensor index, float32 values)`.
pub type Observer<'a> = dyn FnMut(usize, &[f32]) + 'a;

/// Options that select between arithmetic variants of the reference kernels, and the
/// memory budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterpreterOptions {
    /// int8 FULLY_CONNECTED requantization (see [`kernels::Requantization`]).
    pub fc_requant: RequantMode,
    /// Most bytes one tensor may take (JS `maxTensorBytes`): a file or a `resize_input` that
    /// asks for more is an error naming the tensor, before anything is allocated.
    pub max_tensor_bytes: usize,
}

impl Default for InterpreterOptions {
    fn default() -> Self {
        InterpreterOptions {
            fc_requant: DEFAULT_FC_REQUANT,
            max_tensor_bytes: DEFAULT_MAX_TENSOR_BYTES,
        }
    }
}

/// The int8 FULLY_CONNECTED requantization that reproduces the `*__litert_ref.npy` oracle
/// outputs (ai-edge-litert 2.3.0, `BUILTIN_REF`); see `tests/interp_reference.rs`.
pub const DEFAULT_FC_REQUANT: RequantMode = RequantMode::Double;

/// A typed tensor buffer (the interpreter's storage of one tensor).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Buf {
    #[default]
    Empty,
    F32(Vec<f32>),
    F16(Vec<f16>),
    I8(Vec<i8>),
    U8(Vec<u8>),
    I32(Vec<i32>),
}

/// Default of [`InterpreterOptions::max_tensor_bytes`]: 512 MiB, what a browser tab can
/// give one tensor beside the page (wasm32 has 4 GiB of memory at most, and browsers
/// often stop a tab well before that).
pub const DEFAULT_MAX_TENSOR_BYTES: usize = 1 << 29;

/// The error for a tensor over the budget: how large, the limit, and how to raise it.
pub fn too_large(what: &str, dtype: DType, n: u64, limit: usize) -> Error {
    let bytes = n.checked_mul(dtype.size() as u64).map_or_else(
        || "more than fit in memory".to_string(),
        |b| format!("{b} bytes"),
    );
    Error::invalid(format!(
        "{what}: {n} {} elements ({bytes}) are over the maxTensorBytes limit of {limit} \
         bytes (raise it with `new Interpreter(bytes, {{maxTensorBytes: …}})`, or \
         InterpreterOptions::max_tensor_bytes)",
        dtype.name()
    ))
}

macro_rules! buf_access {
    ($get:ident, $get_mut:ident, $variant:ident, $t:ty, $name:literal) => {
        /// The values, when this buffer holds this type.
        pub fn $get(&self) -> Result<&[$t]> {
            match self {
                Buf::$variant(v) => Ok(v),
                b => Err(Error::invalid(format!(
                    "holds {}, expected {}",
                    b.kind(),
                    $name
                ))),
            }
        }
        /// The values, mutably, when this buffer holds this type.
        pub fn $get_mut(&mut self) -> Result<&mut [$t]> {
            match self {
                Buf::$variant(v) => Ok(v),
                b => Err(Error::invalid(format!(
                    "output buffer holds {}, expected {}",
                    b.kind(),
                    $name
                ))),
            }
        }
    };
}

impl Buf {
    buf_access!(f32, f32_mut, F32, f32, "float32");
    buf_access!(f16, f16_mut, F16, f16, "float16");
    buf_access!(i8, i8_mut, I8, i8, "int8");
    buf_access!(u8, u8_mut, U8, u8, "uint8");
    buf_access!(i32, i32_mut, I32, i32, "int32");

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Buf::Empty => 0,
            Buf::F32(v) => v.len(),
            Buf::F16(v) => v.len(),
            Buf::I8(v) => v.len(),
            Buf::U8(v) => v.len(),
            Buf::I32(v) => v.len(),
        }
    }

    /// True when the buffer holds no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type's name (`"float32"`, …; `"no data"` for an empty buffer).
    pub fn kind(&self) -> &'static str {
        match self {
            Buf::Empty => "no data",
            Buf::F32(_) => "float32",
            Buf::F16(_) => "float16",
            Buf::I8(_) => "int8",
            Buf::U8(_) => "uint8",
            Buf::I32(_) => "int32",
        }
    }
    /// Resizes (reusing the allocation) to `n` elements of `dtype`'s buffer type. A size
    /// past `limit` bytes, or memory the allocator cannot give, is an error naming `what`
    /// (never an abort), whatever a file or a `resize_input` call asks for.
    fn reset(&mut self, what: &str, dtype: DType, n: usize, limit: usize) -> Result<()> {
        let too_large = || too_large(what, dtype, n as u64, limit);
        if n.checked_mul(dtype.size()).is_none_or(|b| b > limit) {
            return Err(too_large());
        }
        fn fit<T: Clone>(v: &mut Vec<T>, n: usize, zero: T) -> std::result::Result<(), ()> {
            if n > v.len() {
                v.try_reserve_exact(n - v.len()).map_err(|_| ())?;
            }
            v.resize(n, zero);
            Ok(())
        }
        if !matches!(
            (dtype, &*self),
            (DType::F32, Buf::F32(_))
                | (DType::F16, Buf::F16(_))
                | (DType::I8, Buf::I8(_))
                | (DType::U8, Buf::U8(_))
                | (DType::I32, Buf::I32(_))
        ) {
            *self = match dtype {
                DType::F32 => Buf::F32(Vec::new()),
                DType::F16 => Buf::F16(Vec::new()),
                DType::I8 => Buf::I8(Vec::new()),
                DType::U8 => Buf::U8(Vec::new()),
                DType::I32 => Buf::I32(Vec::new()),
                _ => Buf::Empty,
            };
        }
        let r = match self {
            Buf::F32(v) => fit(v, n, 0.0),
            Buf::F16(v) => fit(v, n, f16::ZERO),
            Buf::I8(v) => fit(v, n, 0),
            Buf::U8(v) => fit(v, n, 0),
            Buf::I32(v) => fit(v, n, 0),
            Buf::Empty => Ok(()),
        };
        r.map_err(|_| too_large())
    }
}

/// Run-time state of one tensor.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub(crate) shape: Vec<i32>,
    pub(crate) data: Buf,
    /// A graph constant (decoded once in `new`).
    pub(crate) graph_const: bool,
    /// Value fixed at prepare time: a graph constant or a folded op output.
    pub(crate) is_const: bool,
}

/// Runs a [`Graph`]; see the module docs.
pub struct Interpreter {
    graph: Graph,
    kernels: &'static Kernels,
    options: InterpreterOptions,
    slots: Vec<Slot>,
    /// One entry per op: its kernel, or `None` when its outputs were folded at prepare.
    plans: Vec<Option<Box<dyn Kernel>>>,
    /// Output buffers of the running op (moved out of their slots; reused, no allocation).
    outs: Vec<Buf>,
    /// Current shape of each graph input.
    input_shapes: Vec<Vec<i32>>,
}

impl std::fmt::Debug for Interpreter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interpreter")
            .field("kernels", &self.kernels.name)
            .field("tensors", &self.slots.len())
            .field("ops", &self.plans.len())
            .finish()
    }
}

impl Interpreter {
    /// Validates and prepares `graph` (see the module docs) with default options.
    pub fn new(graph: Graph) -> Result<Self> {
        Self::with_options(graph, InterpreterOptions::default())
    }

    /// As [`Interpreter::new`], choosing arithmetic variants.
    pub fn with_options(graph: Graph, options: InterpreterOptions) -> Result<Self> {
        graph.validate()?;
        crate::ops::check_supported(&graph)?;
        if !graph.subgraphs.is_empty() {
            return Err(Error::unsupported(format!(
                "models with {} subgraphs (the interpreter runs single-subgraph models)",
                graph.subgraph_count()
            )));
        }
        let mut slots = Vec::with_capacity(graph.tensors.len());
        for (i, t) in graph.tensors.iter().enumerate() {
            let (data, graph_const) = if t.data.is_some() {
                let data = match t.dtype {
                    // Sparse constants stay compressed: DENSIFY reads `Tensor::sparsity`.
                    _ if t.sparsity.is_some() => Buf::Empty,
                    DType::F32 => Buf::F32(t.f32_data()?),
                    DType::F16 => Buf::F16(t.f16_data()?),
                    DType::I8 => Buf::I8(t.i8_data()?),
                    DType::I32 => Buf::I32(t.i32_data()?),
                    DType::U8 => {
                        let n = t.num_elements()?;
                        let bytes = t.data.as_deref().unwrap_or_default();
                        if bytes.len() != n {
                            return Err(Error::format(format!(
                                "tensor {i} '{}' buffer holds {} bytes, its shape {:?} needs {n}",
                                t.name,
                                bytes.len(),
                                t.shape
                            )));
                        }
                        Buf::U8(bytes.to_vec())
                    }
                    // Decoded lazily: no supported op reads these.
                    _ => Buf::Empty,
                };
                (data, true)
            } else {
                (Buf::Empty, false)
            };
            slots.push(Slot {
                shape: t.shape.clone(),
                data,
                graph_const,
                is_const: graph_const,
            });
        }
        let mut input_shapes = Vec::with_capacity(graph.inputs.len());
        for &i in &graph.inputs {
            let t = graph.tensors.get(i).ok_or_else(|| {
                Error::format(format!(
                    "graph input {i} out of range ({} tensors)",
                    graph.tensors.len()
                ))
            })?;
            if t.data.is_some() {
                return Err(Error::invalid(format!(
                    "graph input {i} '{}' is a constant",
                    t.name
                )));
            }
            input_shapes.push(t.shape.clone());
        }
        for &o in &graph.outputs {
            if o >= graph.tensors.len() {
                return Err(Error::format(format!(
                    "graph output {o} out of range ({} tensors)",
                    graph.tensors.len()
                )));
            }
        }
        let mut it = Interpreter {
            graph,
            kernels: kernels::ops(),
            options,
            slots,
            plans: Vec::new(),
            outs: Vec::new(),
            input_shapes,
        };
        it.prepare()?;
        Ok(it)
    }

    /// The graph being run.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Details of every graph input, in order.
    pub fn input_details(&self) -> Vec<TensorDetails> {
        self.graph.inputs.iter().map(|&i| self.details(i)).collect()
    }

    /// Details of every graph output, in order.
    pub fn output_details(&self) -> Vec<TensorDetails> {
        self.graph
            .outputs
            .iter()
            .map(|&i| self.details(i))
            .collect()
    }

    fn details(&self, index: usize) -> TensorDetails {
        let t = &self.graph.tensors[index];
        let shape = self.slots[index].shape.clone();
        let (scale, zero_point) = match &t.quant {
            Some(q) if q.is_quantized() => (q.scale.clone(), q.zero_point.clone()),
            _ => (Vec::new(), Vec::new()),
        };
        TensorDetails {
            index,
            name: t.name.clone(),
            shape_signature: t.shape_signature.clone().unwrap_or_else(|| t.shape.clone()),
            shape,
            dtype: t.dtype,
            scale,
            zero_point,
        }
    }

    /// Current shape of tensor `idx`.
    pub fn tensor_shape(&self, idx: usize) -> Result<&[i32]> {
        self.slots
            .get(idx)
            .map(|s| s.shape.as_slice())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "tensor index {idx} out of range ({} tensors)",
                    self.slots.len()
                ))
            })
    }

    /// Resizes graph input `i` (e.g. a new batch size for `shape_signature [-1, n]`) and
    /// re-runs shape propagation and preparation. Only dimensions that the signature marks
    /// `-1` may change when the graph has a signature.
    pub fn resize_input(&mut self, i: usize, dims: &[i32]) -> Result<()> {
        let idx = self.input_index(i)?;
        let t = &self.graph.tensors[idx];
        let what = format!("resize of input {i} ('{}')", t.name);
        if dims.len() != t.shape.len() {
            return Err(Error::shape(what, &t.shape, dims));
        }
        if dims.iter().any(|&d| d < 0) {
            return Err(Error::shape(what, "non-negative dimensions", dims));
        }
        if let Some(sig) = &t.shape_signature {
            let ok =
                sig.len() == dims.len() && sig.iter().zip(dims).all(|(&s, &d)| s == -1 || s == d);
            if !ok {
                return Err(Error::shape(
                    what,
                    format!("shape matching signature {sig:?}"),
                    dims,
                ));
            }
        }
        let old = std::mem::replace(&mut self.input_shapes[i], dims.to_vec());
        if let Err(e) = self.prepare() {
            self.input_shapes[i] = old;
            self.prepare()?;
            return Err(e);
        }
        Ok(())
    }

    fn input_index(&self, i: usize) -> Result<usize> {
        self.graph.inputs.get(i).copied().ok_or_else(|| {
            Error::invalid(format!(
                "input {i} out of range (model has {} inputs)",
                self.graph.inputs.len()
            ))
        })
    }

    fn output_index(&self, i: usize) -> Result<usize> {
        self.graph.outputs.get(i).copied().ok_or_else(|| {
            Error::invalid(format!(
                "output {i} out of range (model has {} outputs)",
                self.graph.outputs.len()
            ))
        })
    }

    /// Graph input `i`'s buffer, checked to be of the picked dtype and to hold `len`
    /// values, for writing in place (no allocation on this path).
    fn input_mut<T>(
        &mut self,
        i: usize,
        len: usize,
        got: &str,
        pick: impl Fn(&mut Buf) -> Option<&mut Vec<T>>,
    ) -> Result<&mut [T]> {
        let idx = self.input_index(i)?;
        let t = &self.graph.tensors[idx];
        let slot = &mut self.slots[idx];
        let Some(buf) = pick(&mut slot.data) else {
            return Err(Error::invalid(format!(
                "input {i} ('{}') is {}, got {got} data",
                t.name,
                t.dtype.name()
            )));
        };
        if buf.len() != len {
            return Err(Error::invalid(format!(
                "input {i} ('{}') expects {} values (shape {:?}), got {len}",
                t.name,
                buf.len(),
                slot.shape
            )));
        }
        Ok(buf)
    }

    /// Float32 graph input `i` to fill in place with `len` values (an error, as from
    /// [`Interpreter::set_input_f32`], when the dtype differs or `len` does not match the
    /// current shape). Lets a caller copy straight from its own memory (a JS typed array).
    pub fn input_f32_mut(&mut self, i: usize, len: usize) -> Result<&mut [f32]> {
        self.input_mut(i, len, "float32", |b| match b {
            Buf::F32(v) => Some(v),
            _ => None,
        })
    }

    /// As [`Interpreter::input_f32_mut`] for an int8 input.
    pub fn input_i8_mut(&mut self, i: usize, len: usize) -> Result<&mut [i8]> {
        self.input_mut(i, len, "int8", |b| match b {
            Buf::I8(v) => Some(v),
            _ => None,
        })
    }

    /// As [`Interpreter::input_f32_mut`] for a uint8 input.
    pub fn input_u8_mut(&mut self, i: usize, len: usize) -> Result<&mut [u8]> {
        self.input_mut(i, len, "uint8", |b| match b {
            Buf::U8(v) => Some(v),
            _ => None,
        })
    }

    /// Copies float32 data into graph input `i` (length must match its current shape).
    pub fn set_input_f32(&mut self, i: usize, data: &[f32]) -> Result<()> {
        self.input_f32_mut(i, data.len())?.copy_from_slice(data);
        Ok(())
    }

    /// Copies int8 data into graph input `i`.
    pub fn set_input_i8(&mut self, i: usize, data: &[i8]) -> Result<()> {
        self.input_i8_mut(i, data.len())?.copy_from_slice(data);
        Ok(())
    }

    /// Copies uint8 data into graph input `i`.
    pub fn set_input_u8(&mut self, i: usize, data: &[u8]) -> Result<()> {
        self.input_u8_mut(i, data.len())?.copy_from_slice(data);
        Ok(())
    }

    /// Float32 graph output `i`.
    pub fn output_f32(&self, i: usize) -> Result<Vec<f32>> {
        self.tensor_f32(self.output_index(i)?)
    }

    /// Int8 graph output `i`.
    pub fn output_i8(&self, i: usize) -> Result<Vec<i8>> {
        self.tensor_i8(self.output_index(i)?)
    }

    /// Uint8 graph output `i`.
    pub fn output_u8(&self, i: usize) -> Result<Vec<u8>> {
        self.tensor_u8(self.output_index(i)?)
    }

    fn slot(&self, idx: usize) -> Result<&Slot> {
        self.slots.get(idx).ok_or_else(|| {
            Error::invalid(format!(
                "tensor index {idx} out of range ({} tensors)",
                self.slots.len()
            ))
        })
    }

    fn wrong_type(&self, idx: usize, want: &str) -> Error {
        let t = &self.graph.tensors[idx];
        Error::invalid(format!(
            "tensor {idx} ('{}') is {} ({}), not {want}",
            t.name,
            t.dtype.name(),
            self.slots[idx].data.kind()
        ))
    }

    /// Float32 contents of any tensor (an intermediate after [`Interpreter::invoke`]).
    pub fn tensor_f32(&self, idx: usize) -> Result<Vec<f32>> {
        self.tensor_f32_ref(idx).map(<[f32]>::to_vec)
    }

    /// Int8 contents of any tensor.
    pub fn tensor_i8(&self, idx: usize) -> Result<Vec<i8>> {
        self.tensor_i8_ref(idx).map(<[i8]>::to_vec)
    }

    /// Uint8 contents of any tensor.
    pub fn tensor_u8(&self, idx: usize) -> Result<Vec<u8>> {
        self.tensor_u8_ref(idx).map(<[u8]>::to_vec)
    }

    /// Int32 contents of any tensor.
    pub fn tensor_i32(&self, idx: usize) -> Result<Vec<i32>> {
        self.tensor_i32_ref(idx).map(<[i32]>::to_vec)
    }

    /// As [`Interpreter::tensor_f32`], borrowed (valid until the next mutation).
    pub fn tensor_f32_ref(&self, idx: usize) -> Result<&[f32]> {
        match &self.slot(idx)?.data {
            Buf::F32(v) => Ok(v),
            _ => Err(self.wrong_type(idx, "float32")),
        }
    }

    /// As [`Interpreter::tensor_i8`], borrowed.
    pub fn tensor_i8_ref(&self, idx: usize) -> Result<&[i8]> {
        match &self.slot(idx)?.data {
            Buf::I8(v) => Ok(v),
            _ => Err(self.wrong_type(idx, "int8")),
        }
    }

    /// As [`Interpreter::tensor_u8`], borrowed.
    pub fn tensor_u8_ref(&self, idx: usize) -> Result<&[u8]> {
        match &self.slot(idx)?.data {
            Buf::U8(v) => Ok(v),
            _ => Err(self.wrong_type(idx, "uint8")),
        }
    }

    /// As [`Interpreter::tensor_i32`], borrowed.
    pub fn tensor_i32_ref(&self, idx: usize) -> Result<&[i32]> {
        match &self.slot(idx)?.data {
            Buf::I32(v) => Ok(v),
            _ => Err(self.wrong_type(idx, "int32")),
        }
    }

    /// Runs the graph on the current inputs.
    pub fn invoke(&mut self) -> Result<()> {
        self.run(None)
    }

    /// Runs the graph and calls `obs(tensor_index, values)` with every float32 activation:
    /// the float32 graph inputs first, then each operator's float32 outputs in execution
    /// order (constants and values folded at prepare time are not activations and are
    /// skipped). This is what calibration observes.
    pub fn invoke_observed(&mut self, obs: &mut dyn FnMut(usize, &[f32])) -> Result<()> {
        self.run(Some(obs))
    }

    fn run(&mut self, mut obs: Option<&mut Observer>) -> Result<()> {
        if let Some(o) = obs.as_deref_mut() {
            for &i in &self.graph.inputs {
                if let Buf::F32(v) = &self.slots[i].data {
                    o(i, v);
                }
            }
        }
        for op_index in 0..self.plans.len() {
            let Some(kernel) = self.plans[op_index].as_mut() else {
                continue; // folded at prepare time
            };
            let op = &self.graph.ops[op_index];
            // Move the outputs out of their slots while the kernel runs (no allocation:
            // `outs` keeps its capacity), so the inputs can be borrowed from the others.
            self.outs.clear();
            for &t in &op.outputs {
                self.outs
                    .push(std::mem::take(&mut self.slots[t as usize].data));
            }
            let mut cx = EvalCtx {
                tensors: Tensors(&self.slots),
                outputs: &mut self.outs,
                kernels: self.kernels,
            };
            let r = kernel.eval(&mut cx);
            for (&t, buf) in op.outputs.iter().zip(self.outs.drain(..)) {
                self.slots[t as usize].data = buf;
            }
            if let Err(e) = r {
                return Err(Error::invalid(format!(
                    "op {op_index} ({}): {e}",
                    op.display_name()
                )));
            }
            if let Some(o) = obs.as_deref_mut() {
                for &t in &op.outputs {
                    if let Buf::F32(v) = &self.slots[t as usize].data {
                        o(t as usize, v);
                    }
                }
            }
        }
        Ok(())
    }

    /// (Re)runs shape propagation and per-op preparation for the current input shapes.
    fn prepare(&mut self) -> Result<()> {
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if !slot.graph_const {
                slot.is_const = false;
                slot.shape = self.graph.tensors[i].shape.clone();
            }
        }
        for (k, &i) in self.graph.inputs.iter().enumerate() {
            self.slots[i].shape = self.input_shapes[k].clone();
            let what = format!("input {k} (tensor {i} '{}')", self.graph.tensors[i].name);
            // Counted in 64 bits: on wasm32 a count past usize is over the budget too.
            let n = self.slots[i]
                .shape
                .iter()
                .try_fold(1u64, |a, &d| u64::try_from(d).ok().and_then(|d| a.checked_mul(d)))
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "{what}: shape {:?} has a negative dim or more elements than fit in 64 bits",
                        self.slots[i].shape
                    ))
                })?;
            let dtype = self.graph.tensors[i].dtype;
            let limit = self.options.max_tensor_bytes;
            let n = usize::try_from(n).map_err(|_| too_large(&what, dtype, n, limit))?;
            self.slots[i].data.reset(&what, dtype, n, limit)?;
        }
        self.plans =
            prepare::prepare_all(&self.graph, &mut self.slots, self.kernels, &self.options)?;
        Ok(())
    }
}

/// Prefixes an error with the op that raised it.
fn annotate(e: Error, op_index: usize, name: &str, version: i32) -> Error {
    let ctx = format!("op {op_index} ({name} v{version})");
    match e {
        Error::InvalidArgument(m) => Error::InvalidArgument(format!("{ctx}: {m}")),
        Error::Unsupported(m) => Error::Unsupported(format!("{ctx}: {m}")),
        Error::Shape {
            what,
            expected,
            got,
        } => Error::Shape {
            what: format!("{ctx}: {what}"),
            expected,
            got,
        },
        Error::Format { what, offset } => Error::Format {
            what: format!("{ctx}: {what}"),
            offset,
        },
        other => other,
    }
}

/// Copies same-typed, same-length data (RESHAPE).
pub(crate) fn copy_buf(src: &Buf, dst: &mut Buf) -> Result<()> {
    fn cp<T: Copy>(s: &[T], d: &mut [T]) -> Result<()> {
        if s.len() != d.len() {
            return Err(Error::invalid(format!(
                "copy of {} elements into {}",
                s.len(),
                d.len()
            )));
        }
        d.copy_from_slice(s);
        Ok(())
    }
    match (src, dst) {
        (Buf::F32(s), Buf::F32(d)) => cp(s, d),
        (Buf::F16(s), Buf::F16(d)) => cp(s, d),
        (Buf::I8(s), Buf::I8(d)) => cp(s, d),
        (Buf::U8(s), Buf::U8(d)) => cp(s, d),
        (Buf::I32(s), Buf::I32(d)) => cp(s, d),
        (s, d) => Err(Error::invalid(format!(
            "copy of {} into {}",
            s.kind(),
            d.kind()
        ))),
    }
}

#[cfg(test)]
mod tests;
