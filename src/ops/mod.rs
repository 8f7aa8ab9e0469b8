//! The op registry: everything specific to an operator lives with its family, in one file,
//! registered in one table ([`REGISTRY`]). The reader and writer, the interpreter, the
//! quantization passes, finalize (versions) and the calibration report are generic: they
//! ask the registry.
//!
//! ```text
//! src/ops/mod.rs              this file: OpDef, QuantSpec, REGISTRY, helpers
//! src/ops/util.rs             shared arithmetic for prepare (activation ranges, multipliers)
//! src/ops/fully_connected.rs  FULLY_CONNECTED
//! src/ops/conv.rs             CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV
//! src/ops/pool.rs             MAX_POOL_2D, AVERAGE_POOL_2D
//! src/ops/activation.rs       SOFTMAX, LOG_SOFTMAX, RELU, RELU6, RELU_N1_TO_1, PRELU
//! src/ops/unary.rs            LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, EXP, SQRT, RSQRT
//! src/ops/binary.rs           ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE
//!                             (+ broadcasting)
//! src/ops/quantize.rs         QUANTIZE, DEQUANTIZE
//! src/ops/shape.rs            RESHAPE, SQUEEZE, EXPAND_DIMS, SHAPE
//! src/ops/slice.rs            SLICE, STRIDED_SLICE, SPLIT, SPLIT_V, UNPACK, PACK,
//!                             CONCATENATION, GATHER
//! src/ops/pad.rs              PAD, PADV2
//! src/ops/reduce.rs           MEAN, REDUCE_MAX, SUM
//! src/ops/resize.rs           RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR
//! src/ops/layout.rs           TRANSPOSE, DEPTH_TO_SPACE, SPACE_TO_DEPTH, SPACE_TO_BATCH_ND,
//!                             BATCH_TO_SPACE_ND
//! ```
//!
//! # Adding an op
//!
//! 1. Its options table must be in `schema/tflite.fbs` (every table TFLite has with fields
//!    an op we may run uses is already there; read them with [`options!`]).
//! 2. In the family's file (or a new `src/ops/<family>.rs`, plus a `mod` line here), a unit
//!    struct implementing [`OpDef`]: `prepare` returns a [`Kernel`] (a struct holding the
//!    tensor indices and everything precomputed, whose `eval` calls [`crate::kernels`]) or
//!    [`Prepared::Folded`]; `version` / `runtime_version` give TFLite's op-version rule and
//!    the runtime-version table; `quant` the quantization properties.
//! 3. One line in [`REGISTRY`]: `(BuiltinOperator::X, &family::X)`.
//! 4. Numeric kernels go to `src/kernels` (scalar `generic` reference + SIMD128), with a
//!    test battery; nothing in `src/kernels` knows graphs or ops.
//!
//! Nothing else changes: the reader/writer already map the op's code and options, the
//! interpreter prepares and runs it, the converter quantizes it from its [`QuantSpec`],
//! finalize versions it. An op the registry lacks is an error listing every such op of the
//! file ([`check_supported`]).
//!
//! # What each `OpDef` method means
//!
//! - [`OpDef::max_version`]: the highest version whose semantics `prepare` implements
//!   (files with a newer version are refused, naming the op).
//! - [`OpDef::prepare`]: TFLite's `Prepare`. Validate input/output counts, dtypes, shapes
//!   and options; infer and set every output's shape ([`PrepareCtx::set_output`]); turn
//!   quantization parameters into integer multipliers once; pack constant weights; pick
//!   the kernel. Every error names the tensor ([`PrepareCtx::describe`]); the interpreter
//!   adds the op. Values known now (shape arithmetic on constants) can be folded
//!   ([`PrepareCtx::fold_output`] + [`Prepared::Folded`]). Re-run on every input resize.
//! - [`Kernel::eval`]: runs the kernel; no allocation, no checks that prepare could do.
//! - [`OpDef::version`]: the version TFLite's `op_version.cc` rules give the op in a
//!   converted graph (by tensor dtypes and options).
//! - [`OpDef::runtime_version`]: the `min_runtime_version` TFLite's table gives
//!   (op, version); `None` for a pair the table lacks (finalize refuses to guess).
//! - [`OpDef::quant`]: how full-integer / 16x8 / dynamic-range quantization treats the op
//!   ([`QuantSpec`]: output parameters, weights and their per-channel axis, per-tensor
//!   weights, bias, shared scales, unquantized operands, which modes have a kernel). The
//!   full-integer pass propagates parameters through same-scale ops as TF's MLIR quantizer
//!   does (`crate::quant::propagate`).
//! - [`OpDef::quantized_options`]: option changes quantization implies (FULLY_CONNECTED
//!   hybrid: `asymmetric_quantize_inputs = true`).
//! - [`OpDef::inplace`]: TFLite's `inplace_operator` flags of the op's kernel (ADD, SUB,
//!   MUL, DIV overwrite an input; RESHAPE aliases it): calibration needs them to record
//!   ranges as TF's calibrator does ([`Inplace`]).
//! - [`OpDef::label`]: how reports name the op (default: name + fused activation).

pub mod activation;
pub mod binary;
pub mod conv;
pub mod fully_connected;
pub mod layout;
pub mod pad;
pub mod pool;
pub mod quantize;
pub mod reduce;
pub mod resize;
pub mod shape;
pub mod slice;
pub mod unary;
pub mod util;

pub use crate::interp::context::{EvalCtx, Kernel, PrepareCtx, Prepared, Tensors};

use crate::error::{Error, Result};
use crate::graph::{Activation, BuiltinOperator, BuiltinOptions, Graph, Op, Tensor};

/// One op family's definition; see the module docs for what each method means.
pub trait OpDef: Sync {
    /// Highest version of `code` the interpreter implements.
    fn max_version(&self, code: BuiltinOperator) -> i32;

    /// Validates the op, sets its outputs' shapes, precomputes; returns its kernel.
    fn prepare(&self, cx: &mut PrepareCtx<'_>) -> Result<Prepared>;

    /// The op version TFLite's rules give `op` whose tensors are `tensors`.
    fn version(&self, op: &Op, tensors: &[Tensor]) -> i32;

    /// TFLite's minimum runtime version for (`code`, `version`), when the table has it.
    fn runtime_version(&self, code: BuiltinOperator, version: i32) -> Option<&'static str>;

    /// The op's quantization properties.
    fn quant(&self, op: &Op) -> QuantSpec;

    /// Option changes quantizing to `mode` implies (default: none).
    fn quantized_options(&self, _op: &mut Op, _mode: QuantMode) -> Result<()> {
        Ok(())
    }

    /// Whether TFLite's kernel registration lets the output share an input's memory
    /// (`TfLiteRegistration::inplace_operator`; default: no).
    fn inplace(&self, _code: BuiltinOperator) -> Inplace {
        Inplace::None
    }

    /// The op's name in reports: the schema name plus its fused activation, if any
    /// (`"CONV_2D (relu6)"`).
    fn label(&self, op: &Op) -> String {
        match fused_activation(op) {
            Ok(Some(a)) if a != Activation::None => format!("{} ({})", op.name(), a.name()),
            _ => op.name().to_string(),
        }
    }
}

/// The registry: every builtin operator litequant implements, with its family's
/// definition. Adding an op adds one line here (keep the families grouped).
pub static REGISTRY: &[(BuiltinOperator, &dyn OpDef)] = &[
    // fully_connected.rs
    (
        BuiltinOperator::FullyConnected,
        &fully_connected::FullyConnected,
    ),
    // conv.rs
    (BuiltinOperator::Conv2d, &conv::Conv2d),
    (BuiltinOperator::DepthwiseConv2d, &conv::DepthwiseConv2d),
    (BuiltinOperator::TransposeConv, &conv::TransposeConv),
    // pool.rs
    (BuiltinOperator::MaxPool2d, &pool::MaxPool2d),
    (BuiltinOperator::AveragePool2d, &pool::AveragePool2d),
    // activation.rs
    (BuiltinOperator::Softmax, &activation::Softmax),
    (BuiltinOperator::Relu, &activation::Relu),
    (BuiltinOperator::Relu6, &activation::Relu),
    (BuiltinOperator::ReluN1To1, &activation::Relu),
    (BuiltinOperator::LogSoftmax, &activation::LogSoftmax),
    (BuiltinOperator::Prelu, &activation::Prelu),
    // unary.rs
    (BuiltinOperator::Logistic, &unary::Logistic),
    (BuiltinOperator::Tanh, &unary::Tanh),
    (BuiltinOperator::HardSwish, &unary::HardSwish),
    (BuiltinOperator::LeakyRelu, &unary::LeakyRelu),
    (BuiltinOperator::Exp, &unary::Exp),
    (BuiltinOperator::Sqrt, &unary::Sqrt),
    (BuiltinOperator::Rsqrt, &unary::Rsqrt),
    // binary.rs
    (BuiltinOperator::Add, &binary::Add),
    (BuiltinOperator::Sub, &binary::Sub),
    (BuiltinOperator::Mul, &binary::Mul),
    (BuiltinOperator::Div, &binary::Div),
    (BuiltinOperator::Maximum, &binary::MaximumMinimum),
    (BuiltinOperator::Minimum, &binary::MaximumMinimum),
    (
        BuiltinOperator::SquaredDifference,
        &binary::SquaredDifference,
    ),
    // quantize.rs
    (BuiltinOperator::Quantize, &quantize::Quantize),
    (BuiltinOperator::Dequantize, &quantize::Dequantize),
    // shape.rs
    (BuiltinOperator::Reshape, &shape::Reshape),
    (BuiltinOperator::Shape, &shape::Shape),
    (BuiltinOperator::Squeeze, &shape::Squeeze),
    (BuiltinOperator::ExpandDims, &shape::ExpandDims),
    // slice.rs
    (BuiltinOperator::Slice, &slice::Slice),
    (BuiltinOperator::StridedSlice, &slice::StridedSlice),
    (BuiltinOperator::Split, &slice::Split),
    (BuiltinOperator::SplitV, &slice::Split),
    (BuiltinOperator::Unpack, &slice::Unpack),
    (BuiltinOperator::Pack, &slice::Pack),
    (BuiltinOperator::Concatenation, &slice::Concatenation),
    (BuiltinOperator::Gather, &slice::Gather),
    // layout.rs
    (BuiltinOperator::Transpose, &layout::Transpose),
    (BuiltinOperator::DepthToSpace, &layout::DepthSpace),
    (BuiltinOperator::SpaceToDepth, &layout::DepthSpace),
    (BuiltinOperator::SpaceToBatchNd, &layout::SpaceBatch),
    (BuiltinOperator::BatchToSpaceNd, &layout::SpaceBatch),
    // pad.rs
    (BuiltinOperator::Pad, &pad::Padding),
    (BuiltinOperator::Padv2, &pad::Padding),
    // reduce.rs
    (BuiltinOperator::Mean, &reduce::Mean),
    (BuiltinOperator::ReduceMax, &reduce::ReduceMax),
    (BuiltinOperator::Sum, &reduce::Sum),
    // resize.rs
    (BuiltinOperator::ResizeBilinear, &resize::ResizeBilinear),
    (
        BuiltinOperator::ResizeNearestNeighbor,
        &resize::ResizeNearest,
    ),
];

/// The definition of builtin operator `code`, if litequant implements it.
pub fn lookup(code: BuiltinOperator) -> Option<&'static dyn OpDef> {
    REGISTRY
        .iter()
        .find(|(c, _)| *c == code)
        .map(|&(_, def)| def)
}

/// The definition of `op` (`None` for custom ops and unimplemented builtins).
pub fn def_of(op: &Op) -> Option<&'static dyn OpDef> {
    if op.code == BuiltinOperator::Custom {
        return None;
    }
    lookup(op.code)
}

/// The error for an op the registry lacks.
pub fn unsupported_op(op: &Op, op_index: usize) -> Error {
    Error::unsupported(unsupported_line(op, op_index, ""))
}

fn unsupported_line(op: &Op, op_index: usize, subgraph: &str) -> String {
    match &op.custom_code {
        Some(name) if op.code == BuiltinOperator::Custom => format!(
            "custom operator '{}' (version {}) at {subgraph}op index {op_index} is not supported",
            name.escape_debug(),
            op.version
        ),
        _ => format!(
            "operator {} (builtin code {}, version {}) at {subgraph}op index {op_index} is not \
             supported",
            op.name(),
            op.builtin_code(),
            op.version
        ),
    }
}

/// Fails when any op of any subgraph has no definition or a version beyond what its
/// definition implements, listing every such op at once.
pub fn check_supported(g: &Graph) -> Result<()> {
    let mut bad = Vec::new();
    for sg in g.all_subgraphs() {
        let prefix = if sg.index == 0 {
            String::new()
        } else {
            format!("subgraph {} ", sg.index)
        };
        for (k, op) in sg.ops.iter().enumerate() {
            match def_of(op) {
                None => bad.push(unsupported_line(op, k, &prefix)),
                Some(def) => {
                    let max = def.max_version(op.code);
                    if op.version > max {
                        bad.push(format!(
                            "{} (versions 1 to {max} are)",
                            unsupported_line(op, k, &prefix)
                        ));
                    }
                }
            }
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Error::unsupported(bad.join("; ")))
    }
}

/// TFLite's in-place flags of an op's kernel (`TfLiteInPlaceOp`): which of the first
/// three inputs the output may share memory with, and whether the op leaves the data as
/// it is (RESHAPE) or writes new values over it (ADD).
///
/// This matters for calibration: TF's calibrator (`calibrator.cc`, `LoggingEval`) logs
/// an op's float inputs before *and after* the kernel runs, so when the arena planner
/// (`ArenaPlanner::IdentifyInPlaceTensors`) gave the output an input's buffer, that
/// input's recorded range also takes in the output's values. See
/// [`crate::quant::calibrate::calibrate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inplace {
    /// `kTfLiteInplaceOpNone`.
    None,
    /// `kTfLiteInplaceOpInput<k>Shared` for the inputs in the mask (bit k), values changed.
    Changed(u8),
    /// The same with `kTfLiteInplaceOpDataUnmodified` (the output aliases the input).
    Unmodified(u8),
}

/// The quantization modes of the converter, as [`OpDef::quantized_options`] sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantMode {
    /// Full integer, int8 activations.
    Int8,
    /// 16x8: int16 activations, int8 weights.
    Int16,
    /// Dynamic range: float activations, int8 weights (hybrid kernels).
    Hybrid,
}

/// How an op's output quantization parameters are chosen (every output alike).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutputRule {
    /// From the output's own calibrated range (the activation formula).
    Calibrated,
    /// The same scale and zero point as input `k` (pooling, RESHAPE, PAD, …).
    SameAsInput(usize),
    /// Fixed by TFLite's kernel: `(scale, zero_point)` in int8 and in int16 (SOFTMAX:
    /// 1/256, −128 and 1/32768, 0; LOGISTIC 1/256, −128; TANH 1/128, 0).
    Fixed { int8: (f32, i64), int16: (f32, i64) },
    /// Not quantized (int32 shape arithmetic: SHAPE's output).
    Unquantized,
}

/// A constant weight input, quantized symmetric int8 (narrow range, zero point 0) per
/// output channel along `axis` (FULLY_CONNECTED and CONV_2D: 0; DEPTHWISE_CONV_2D: 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightInput {
    pub input: usize,
    pub axis: i32,
}

/// The bias input: int32 (int64 in 16x8) per channel with scale
/// `f32(input_scale · weight_scale[c])`, from activation input `activation` and weight
/// input `weights` (the overflow guard may enlarge weight scales).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BiasInput {
    pub input: usize,
    pub activation: usize,
    pub weights: usize,
}

/// An op's quantization properties (TFLite's `operator_property.cc` / the MLIR
/// quantizer's op specs, as observed on TF 2.21's files).
///
/// Operands not named here are activations (quantized per tensor with their producer's
/// parameters) or, when they are float constants, per-tensor asymmetric int8 constants
/// whose parameters come from the activation formula on `[min(c, 0), max(c, 0)]` (the
/// BatchNormalization MUL/ADD operands).
#[derive(Clone, Debug, PartialEq)]
pub struct QuantSpec {
    /// TFLite has an int8 kernel (full-integer quantization can take the op).
    pub int8: bool,
    /// TFLite has a 16x8 kernel (int16 activations, int8 weights).
    pub int16: bool,
    /// TFLite has a hybrid kernel (dynamic range: int8 weights, float activations).
    pub hybrid: bool,
    pub output: OutputRule,
    pub weights: Vec<WeightInput>,
    pub bias: Option<BiasInput>,
    /// Every activation operand takes the output's parameters: the producers write
    /// directly in the output's scale (CONCATENATION).
    pub shared_scale: bool,
    /// Inputs left as they are (int32 shapes, axes, paddings).
    pub unquantized_inputs: Vec<usize>,
    /// Constant inputs quantized as per-tensor weights: int8 symmetric, narrow range
    /// [-127, 127], zero point 0, scale `max|c| / 127` (PRELU's alpha: the MLIR
    /// quantizer treats a constant operand of an op without per-channel support and
    /// without a same-scale requirement as a weight).
    pub per_tensor_weights: Vec<usize>,
}

impl Default for QuantSpec {
    /// No quantized kernel; output from its calibrated range.
    fn default() -> Self {
        QuantSpec {
            int8: false,
            int16: false,
            hybrid: false,
            output: OutputRule::Calibrated,
            weights: Vec::new(),
            bias: None,
            shared_scale: false,
            unquantized_inputs: Vec::new(),
            per_tensor_weights: Vec::new(),
        }
    }
}

impl QuantSpec {
    /// An op whose int8 and int16 kernels keep their own calibrated output range.
    pub fn calibrated() -> Self {
        QuantSpec {
            int8: true,
            int16: true,
            ..Default::default()
        }
    }

    /// An op whose output keeps input `k`'s parameters (int8 and int16 kernels).
    pub fn same_as_input(k: usize) -> Self {
        QuantSpec {
            output: OutputRule::SameAsInput(k),
            ..Self::calibrated()
        }
    }
}

/// `op`'s options when they are of the variant `pick` accepts, the schema defaults when the
/// op has none, and an error naming the op and the table otherwise. Use [`options!`].
pub fn options_of<T: Clone + Default>(
    op: &Op,
    table: &str,
    pick: impl Fn(&BuiltinOptions) -> Option<&T>,
) -> Result<T> {
    // (The error does not name the table found: naming it would pull every table's
    // `Debug` into the wasm module.)
    match &op.options {
        None => Ok(T::default()),
        Some(o) => pick(o).cloned().ok_or_else(|| {
            Error::format(format!(
                "{} has the builtin options table of another operator (expected {table})",
                op.display_name()
            ))
        }),
    }
}

/// `options!(op, Conv2DOptions)`: `op`'s `Conv2DOptions` (owned), the schema defaults when
/// it has none, an error naming the op when it has another table.
#[macro_export]
macro_rules! options {
    ($op:expr, $variant:ident) => {
        $crate::ops::options_of($op, stringify!($variant), |o| match o {
            $crate::graph::BuiltinOptions::$variant(x) => Some(&**x),
            _ => None,
        })
    };
}
pub use options;

/// An activation function from the schema, refusing SIGN_BIT (no builtin op accepts it).
pub fn activation(a: crate::graph::schema::ActivationFunctionType) -> Result<Activation> {
    Activation::from_schema(a)
        .ok_or_else(|| Error::unsupported("fused activation SIGN_BIT".to_string()))
}

/// The fused activation of `op`, for the option tables that have one (`None` otherwise).
pub fn fused_activation(op: &Op) -> Result<Option<Activation>> {
    use BuiltinOptions as O;
    let a = match &op.options {
        Some(O::Conv2DOptions(o)) => o.fused_activation_function,
        Some(O::DepthwiseConv2DOptions(o)) => o.fused_activation_function,
        Some(O::Pool2DOptions(o)) => o.fused_activation_function,
        Some(O::FullyConnectedOptions(o)) => o.fused_activation_function,
        Some(O::ConcatenationOptions(o)) => o.fused_activation_function,
        Some(O::AddOptions(o)) => o.fused_activation_function,
        Some(O::SubOptions(o)) => o.fused_activation_function,
        Some(O::MulOptions(o)) => o.fused_activation_function,
        Some(O::DivOptions(o)) => o.fused_activation_function,
        Some(O::TransposeConvOptions(o)) => o.fused_activation_function,
        _ => return Ok(None),
    };
    activation(a).map(Some)
}

/// The version of `op` in a converted graph by its definition's rule (1 for ops without
/// a definition, which conversion never produces).
pub fn op_version(op: &Op, tensors: &[Tensor]) -> i32 {
    def_of(op).map_or(1, |d| d.version(op, tensors))
}

/// The dtype of input `k` of `op` (`None` when absent).
pub fn input_dtype(op: &Op, tensors: &[Tensor], k: usize) -> Option<crate::graph::DType> {
    let i = usize::try_from(*op.inputs.get(k)?).ok()?;
    tensors.get(i).map(|t| t.dtype)
}

/// The dtype of output `k` of `op`.
pub fn output_dtype(op: &Op, tensors: &[Tensor], k: usize) -> Option<crate::graph::DType> {
    let i = usize::try_from(*op.outputs.get(k)?).ok()?;
    tensors.get(i).map(|t| t.dtype)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_has_one_entry_per_code() {
        for (i, (a, _)) in REGISTRY.iter().enumerate() {
            for (b, _) in &REGISTRY[i + 1..] {
                assert_ne!(a, b, "{a:?} registered twice");
            }
        }
        assert!(lookup(BuiltinOperator::FullyConnected).is_some());
        assert!(lookup(BuiltinOperator::Rfft2d).is_none());
    }

    #[test]
    fn unsupported_ops_are_listed_at_once() {
        let mut g = Graph::new();
        for code in [
            BuiltinOperator::Rfft2d,
            BuiltinOperator::Relu,
            BuiltinOperator::Custom,
        ] {
            let mut op = Op::new(code, None, vec![], vec![]);
            if code == BuiltinOperator::Custom {
                op.custom_code = Some("MyOp".into());
            }
            g.ops.push(op);
        }
        g.ops[1].version = 9;
        let e = check_supported(&g).unwrap_err().to_string();
        assert_eq!(
            e,
            "unsupported: operator RFFT2D (builtin code 131, version 1) at op index 0 is not \
             supported; operator RELU (builtin code 19, version 9) at op index 1 is not \
             supported (versions 1 to 3 are); custom operator 'MyOp' (version 1) at op \
             index 2 is not supported"
        );
    }

    #[test]
    fn options_are_checked_and_defaulted() {
        let mut op = Op::new(BuiltinOperator::Softmax, None, vec![], vec![]);
        assert_eq!(options!(&op, SoftmaxOptions).unwrap().beta, 0.0);
        op.options = Some(BuiltinOptions::PadOptions(Box::default()));
        let e = options!(&op, SoftmaxOptions).unwrap_err().to_string();
        assert!(
            e.contains(
                "SOFTMAX has the builtin options table of another operator (expected \
                 SoftmaxOptions)"
            ),
            "{e}"
        );
    }
}
