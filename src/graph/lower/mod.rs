//! Lowering a Keras-style model ([`Model`], Sequential or functional) to the float32 Graph
//! that TensorFlow 2.21's `TFLiteConverter.from_keras_model` writes for the same Keras model:
//! the same ops in the same order, options, tensor shapes and dynamic-batch signatures,
//! and constants equal bit for bit (BatchNormalization's `rsqrt` aside, see below).
//!
//! It works in three steps, as TF's converter does:
//!
//! 1. [`build`]: every layer becomes the TFLite ops TF's legalization gives its TF graph,
//!    before any optimization (Dense → FULLY_CONNECTED without bias, then an ADD of the bias
//!    and the activation op; Conv2D → CONV_2D with a zero bias, ADD, activation; …).
//! 2. [`rewrite`]: the fusions and folds of TF's `optimize` pass, applied the way its
//!    greedy rewriter applies them (from the output back): biases and BatchNormalization
//!    into convolutions and Dense layers, relu / relu6 into the op before, a linear
//!    Dense's bias into the next Dense.
//! 3. [`emit`]: the Graph: tensors (the input, the constants, then every op's output in op
//!    order), TF-style names, the `serving_default` signature.
//!
//! What each layer becomes (observed on TF 2.21's files, `tests/fixtures/layers`,
//! `lowering`, `bias_fold`, `cnn_fixed`, `resnet_tiny`):
//!
//! | Keras | TFLite |
//! |---|---|
//! | `Dense` | FULLY_CONNECTED, kernel `[in, out]` → weights `[out, in]`; an all-zero bias is dropped (input −1) |
//! | `Conv2D` | CONV_2D, kernel `[kh, kw, in, out]` → `[out, kh, kw, in]`; always a bias (zeros without one) |
//! | `DepthwiseConv2D` | DEPTHWISE_CONV_2D, kernel `[kh, kw, in, m]` → `[1, kh, kw, in·m]` |
//! | dilated conv | SPACE_TO_BATCH_ND → conv (VALID, zero bias) → BATCH_TO_SPACE_ND → ADD (bias) |
//! | `activation=`, `Activation`, `ReLU` | relu / relu6 fused into the op before when it has a fused-activation slot (conv, Dense, ADD / SUB / MUL, pooling) and no other reader; else RELU / RELU6; sigmoid → LOGISTIC, tanh → TANH, softmax → SOFTMAX (β 1), hard_silu → HARD_SWISH |
//! | `BatchNormalization` | MUL by `mul`, ADD of `sub`; folded into a linear conv / Dense before it, or forward into the Dense after it |
//! | `MaxPooling2D` / `AveragePooling2D` | MAX_POOL_2D / AVERAGE_POOL_2D |
//! | `GlobalAveragePooling2D` / `GlobalMaxPooling2D` | MEAN / REDUCE_MAX over axes `[1, 2]` (INT32 constant) |
//! | `Flatten`, `Reshape` | SHAPE → STRIDED_SLICE → PACK → RESHAPE (dynamic batch); nothing when the shape does not change |
//! | `ZeroPadding2D` | PAD with an INT32 `[4, 2]` paddings constant |
//! | `Dropout` | nothing |
//! | `Add` / `Subtract` / `Multiply` / `Concatenate` | ADD / SUB / MUL (chained for more than two inputs) / CONCATENATION (axis as given) |
//! | `LeakyReLU` / `PReLU` | LEAKY_RELU (alpha) / PRELU (alpha constant in Keras's shape) |
//!
//! **BatchNormalization constants** are `mul = f32(rsqrt(f32(var + ε)) · γ)` and
//! `sub = f32(β − f32(mean · mul))`, as TF computes them. TF's CPU `rsqrt` is not correctly
//! rounded: it uses the processor's approximate reciprocal square root (AVX `rsqrtps`) plus
//! one Newton step for channels in whole packets of 8, and `1 / sqrtf` for the rest — a
//! hardware approximation whose low bits depend on the CPU. litequant uses the correctly
//! rounded value, so a few BatchNormalization constants (and what is folded from them) may
//! differ from a TF file in the last bit; [`LowerOptions::bn_rsqrt`] takes other values
//! (TF's, for a test that reproduces a TF file bit for bit).

mod build;
mod emit;
mod rewrite;

use std::collections::BTreeMap;

pub use build::bn_rsqrt;

use super::{BuiltinOperator, BuiltinOptions, DType, Graph};
use crate::error::Result;
use crate::nn::Model;

/// Choices the lowering leaves open.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LowerOptions {
    /// Per BatchNormalization layer (by layer name): the value of `rsqrt(var + ε)` to use
    /// for each channel instead of the correctly rounded one — e.g. the values TensorFlow's
    /// CPU kernel computed on the machine that made a reference file.
    pub bn_rsqrt: BTreeMap<String, Vec<f32>>,
    /// The Keras model's name (default `sequential` / `functional`, Keras's defaults). TF
    /// names tensors `<model>_1/<layer>_1/…`, and the name also decides the op order where
    /// branches meet (see `LGraph::sort_as_tensorflow`).
    pub model_name: Option<String>,
}

/// The float32 graph of `model` with its current weights, as TF 2.21 writes it.
///
/// Errors name the layer when a layer or an option has no lowering here (e.g. `ReLU` with
/// `negative_slope`, or a `Dense` on an input of rank other than 1 or 3).
pub fn lower(model: &Model) -> Result<Graph> {
    lower_with(model, &LowerOptions::default())
}

/// [`lower`] with options.
pub fn lower_with(model: &Model, opts: &LowerOptions) -> Result<Graph> {
    let mut g = build::build(model, opts)?;
    g.sort_as_tensorflow();
    rewrite::optimize(&mut g);
    emit::emit(&g)
}

/// A constant's values.
#[derive(Clone, Debug, PartialEq)]
enum Data {
    F32(Vec<f32>),
    I32(Vec<i32>),
}

impl Data {
    fn dtype(&self) -> DType {
        match self {
            Data::F32(_) => DType::F32,
            Data::I32(_) => DType::I32,
        }
    }

    fn f32(&self) -> Option<&[f32]> {
        match self {
            Data::F32(v) => Some(v),
            Data::I32(_) => None,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            // TF 2.21 writes ±inf weights as ±FLT_MAX in its float32 files (NaN stays):
            // public report case 5 (`tests/fixtures/public_reports/case5*`).
            Data::F32(v) => super::f32_bytes(
                &v.iter()
                    .map(|&x| x.clamp(f32::MIN, f32::MAX))
                    .collect::<Vec<f32>>(),
            ),
            Data::I32(v) => super::i32_bytes(v),
        }
    }
}

/// A constant tensor (immutable: a fold makes a new one).
#[derive(Clone, Debug, PartialEq)]
struct Const {
    shape: Vec<i32>,
    data: Data,
    name: String,
}

/// A computed tensor: its TFLite shape (batch 1), signature (`-1` batch) and name.
#[derive(Clone, Debug, PartialEq)]
struct Value {
    dtype: DType,
    shape: Vec<i32>,
    signature: Option<Vec<i32>>,
    name: String,
}

/// An operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arg {
    Val(usize),
    Const(usize),
    /// An absent optional input (`-1`).
    None,
}

/// One op of the lowered graph: one output value.
#[derive(Clone, Debug, PartialEq)]
struct LOp {
    code: BuiltinOperator,
    options: Option<BuiltinOptions>,
    args: Vec<Arg>,
    out: usize,
    dead: bool,
}

/// The graph being lowered: ops in execution order over values and constants.
#[derive(Clone, Debug, Default, PartialEq)]
struct LGraph {
    consts: Vec<Const>,
    values: Vec<Value>,
    ops: Vec<LOp>,
    input: usize,
    output: usize,
    /// The signature's input name (the Keras input's).
    input_name: String,
    /// Whether the model has weights (TF then names the output `StatefulPartitionedCall`).
    stateful: bool,
}

impl LGraph {
    fn add_value(&mut self, dtype: DType, shape: Vec<i32>, dynamic: bool, name: String) -> usize {
        let signature = dynamic.then(|| {
            let mut s = shape.clone();
            s[0] = -1;
            s
        });
        self.values.push(Value {
            dtype,
            shape,
            signature,
            name,
        });
        self.values.len() - 1
    }

    fn add_const(&mut self, shape: Vec<i32>, data: Data, name: String) -> usize {
        self.consts.push(Const { shape, data, name });
        self.consts.len() - 1
    }

    fn push(
        &mut self,
        code: BuiltinOperator,
        options: Option<BuiltinOptions>,
        args: Vec<Arg>,
        out: usize,
    ) {
        self.ops.push(LOp {
            code,
            options,
            args,
            out,
            dead: false,
        });
    }

    /// The live op computing value `v`.
    fn producer(&self, v: usize) -> Option<usize> {
        self.ops.iter().position(|o| !o.dead && o.out == v)
    }

    /// How many times value `v` is read (the model output counts as a reader).
    fn uses(&self, v: usize) -> usize {
        let reads: usize = self
            .ops
            .iter()
            .filter(|o| !o.dead)
            .map(|o| o.args.iter().filter(|&&a| a == Arg::Val(v)).count())
            .sum();
        reads + usize::from(v == self.output)
    }

    /// Puts the ops in the order TF's GraphDef importer gives them
    /// (`GetReversePostOrder` with nodes compared by name, `tensorflow/core/graph/
    /// algorithm.cc`): the reverse post-order of a depth-first walk from the graph's source,
    /// whose children are the nodes without inputs — the input placeholder and the
    /// (frozen) weight constants, named `<model>_1/<layer>_1/…` — and which pushes each
    /// node's readers on its stack in name order, so visits them in reverse name order.
    /// For a chain that is the layer order; where branches meet, the names decide
    /// (`Add([a, b, c])`: a, b, the first ADD, then c, when the input's name sorts after
    /// the model's).
    fn sort_as_tensorflow(&mut self) {
        let n = self.ops.len();
        let nc = self.consts.len();
        // Nodes: ops 0..n, the input n, constants n+1..=n+nc, the source n+nc+1.
        let (input, source) = (n, n + nc + 1);
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); source + 1];
        let mut value_readers: Vec<Vec<usize>> = vec![Vec::new(); self.values.len()];
        for (i, op) in self.ops.iter().enumerate() {
            for a in &op.args {
                let list = match *a {
                    Arg::Val(v) => &mut value_readers[v],
                    Arg::Const(c) => &mut children[n + 1 + c],
                    Arg::None => continue,
                };
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        for (i, op) in self.ops.iter().enumerate() {
            children[i] = value_readers[op.out].clone();
        }
        children[input] = value_readers[self.input].clone();
        children[source] = (n..=n + nc).collect();
        let name = |k: usize| -> &str {
            if k < n {
                &self.values[self.ops[k].out].name
            } else if k == n {
                &self.input_name
            } else {
                &self.consts[k - n - 1].name
            }
        };
        let mut visited = vec![false; source + 1];
        let mut post = Vec::with_capacity(source + 1);
        let mut stack = vec![(source, false)];
        while let Some((node, leave)) = stack.pop() {
            if leave {
                post.push(node);
                continue;
            }
            if visited[node] {
                continue;
            }
            visited[node] = true;
            stack.push((node, true));
            let mut next = children[node].clone();
            next.sort_by(|&a, &b| name(a).cmp(name(b)));
            stack.extend(
                next.into_iter()
                    .filter(|&c| !visited[c])
                    .map(|c| (c, false)),
            );
        }
        let order: Vec<usize> = post.into_iter().rev().filter(|&k| k < n).collect();
        debug_assert_eq!(order.len(), n, "every op is reached");
        let mut ops: Vec<Option<LOp>> = std::mem::take(&mut self.ops)
            .into_iter()
            .map(Some)
            .collect();
        self.ops = order
            .into_iter()
            .map(|k| ops[k].take().expect("each op once"))
            .collect();
    }

    /// The live ops reading value `v`, in op order.
    fn users(&self, v: usize) -> Vec<usize> {
        (0..self.ops.len())
            .filter(|&i| !self.ops[i].dead && self.ops[i].args.contains(&Arg::Val(v)))
            .collect()
    }
}
