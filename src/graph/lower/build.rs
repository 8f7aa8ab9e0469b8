//! Step 1: every Keras layer becomes the TFLite ops TF's legalization gives its TF graph,
//! before the optimize pass ([`super::rewrite`]) fuses anything. Biases are separate ADDs
//! (TF's `BiasAdd`), activations separate ops, BatchNormalization a MUL and an ADD;
//! convolutions carry the zero bias TF's legalization gives them.

use super::{Arg, Data, LGraph, LowerOptions};
use crate::error::{Error, Result};
use crate::graph::schema::{
    self, ConcatenationOptions, Conv2DOptions, DepthwiseConv2DOptions, LeakyReluOptions,
    PackOptions, PadOptions, Pool2DOptions, ReducerOptions, ShapeOptions, SoftmaxOptions,
    StridedSliceOptions,
};
use crate::graph::{BuiltinOperator as B, BuiltinOptions as O, DType};
use crate::nn::activation::Activation;
use crate::nn::conv::{Geom, Padding};
use crate::nn::layer::{Layer, LayerConfig};
use crate::nn::merge::MergeOp;
use crate::nn::model::Node;
use crate::nn::norm::rsqrt;
use crate::nn::pool::PoolKind;
use crate::nn::Model;

/// The ops of `model`'s layers in execution order, unoptimized.
pub(super) fn build(model: &Model, opts: &LowerOptions) -> Result<LGraph> {
    let nodes = model.nodes();
    let scope_model = match &opts.model_name {
        Some(n) => n.as_str(),
        None if model.is_sequential() => "sequential",
        None => "functional",
    };
    let mut g = LGraph {
        stateful: model.param_count() > 0,
        ..Default::default()
    };
    let mut vals: Vec<Option<usize>> = vec![None; nodes.len()];
    for &i in &model.order {
        let node = &nodes[i];
        if i == model.input {
            g.input_name = node.name.clone();
            g.input = g.add_value(
                DType::F32,
                batch1(&node.shape),
                true,
                format!("serving_default_{}:0", node.name),
            );
            vals[i] = Some(g.input);
            continue;
        }
        let xs: Vec<usize> = node
            .inputs
            .iter()
            .map(|&j| vals[j].expect("inputs come first in the model's order"))
            .collect();
        let in_shapes: Vec<&[usize]> = node
            .inputs
            .iter()
            .map(|&j| nodes[j].shape.as_slice())
            .collect();
        let mut cx = LayerCx {
            g: &mut g,
            node,
            scope: format!("{scope_model}_1/{}_1", node.name),
            opts,
        };
        vals[i] = Some(cx.lower(&xs, &in_shapes)?);
    }
    g.output = vals[model.output].expect("the output is built");
    if g.output == g.input {
        return Err(Error::unsupported(format!(
            "{}: the model computes nothing (every layer is an identity at inference, e.g. \
             Dropout): there is no op to convert",
            nodes[model.output].describe()
        )));
    }
    Ok(g)
}

/// `rsqrt(x)` for channel `ch` of `c` as litequant computes BatchNormalization's constants:
/// TF's CPU kernel (Eigen) computes the channels of whole packets of 8 with the processor's
/// approximate `rsqrtps` plus a Newton step (not reproducible portably: we take the
/// correctly rounded value) and the last `c mod 8` channels as `1.0f / sqrtf(x)` — two
/// IEEE float32 operations, which we reproduce exactly.
pub fn bn_rsqrt(x: f32, ch: usize, c: usize) -> f32 {
    if ch < c / 8 * 8 {
        rsqrt(x)
    } else {
        1.0 / x.sqrt()
    }
}

/// `[1, dims…]`: a per-sample shape with TF's stored batch of 1.
fn batch1(shape: &[usize]) -> Vec<i32> {
    // Per-sample sizes are bounded by `nn::MAX_SAMPLE_VALUES` (2^26): they fit in i32.
    std::iter::once(1)
        .chain(shape.iter().map(|&d| d as i32))
        .collect()
}

fn padding(p: Padding) -> schema::Padding {
    match p {
        Padding::Same => schema::Padding::Same,
        Padding::Valid => schema::Padding::Valid,
    }
}

/// Lowers one layer.
struct LayerCx<'a> {
    g: &'a mut LGraph,
    node: &'a Node,
    scope: String,
    opts: &'a LowerOptions,
}

impl LayerCx<'_> {
    fn name(&self, op: &str) -> String {
        format!("{}/{op}", self.scope)
    }

    /// A float activation value of per-sample shape `shape`.
    fn value(&mut self, shape: &[usize], op: &str) -> usize {
        let name = self.name(op);
        self.g.add_value(DType::F32, batch1(shape), true, name)
    }

    fn const_f32(&mut self, shape: Vec<i32>, data: Vec<f32>, op: &str) -> Arg {
        let name = self.name(op);
        Arg::Const(self.g.add_const(shape, Data::F32(data), name))
    }

    fn const_i32(&mut self, shape: Vec<i32>, data: Vec<i32>, op: &str) -> Arg {
        let name = self.name(op);
        Arg::Const(self.g.add_const(shape, Data::I32(data), name))
    }

    /// One op producing a new float value of per-sample shape `shape`.
    fn op(
        &mut self,
        code: crate::graph::BuiltinOperator,
        options: Option<O>,
        args: Vec<Arg>,
        shape: &[usize],
        name: &str,
    ) -> usize {
        let out = self.value(shape, name);
        self.g.push(code, options, args, out);
        out
    }

    fn unsupported(&self, what: impl std::fmt::Display) -> Error {
        Error::unsupported(format!(
            "{}: {what} cannot be converted to .tflite",
            self.node.describe()
        ))
    }

    fn lower(&mut self, xs: &[usize], in_shapes: &[&[usize]]) -> Result<usize> {
        let node = self.node;
        let x = xs[0];
        let out_shape = node.shape.clone();
        Ok(match (&node.config, &node.layer) {
            (LayerConfig::Dense { .. }, Layer::Dense(d)) => {
                if in_shapes[0].len() != 1 {
                    return Err(self.unsupported(format!(
                        "Dense on an input of shape {:?} (only a vector per sample, e.g. after \
                         Flatten)",
                        in_shapes[0]
                    )));
                }
                let (n_in, n_out) = (d.input_dim, d.units);
                // Keras kernel [in, out] → FULLY_CONNECTED weights [out, in].
                let mut w = vec![0f32; n_in * n_out];
                for i in 0..n_in {
                    for o in 0..n_out {
                        w[o * n_in + i] = d.kernel[i * n_out + o];
                    }
                }
                let w = self.const_f32(vec![n_out as i32, n_in as i32], w, "MatMul");
                let y = self.op(
                    B::FullyConnected,
                    Some(O::FullyConnectedOptions(Box::default())),
                    vec![Arg::Val(x), w, Arg::None],
                    &out_shape,
                    "MatMul",
                );
                let y = self.bias_add(y, d.use_bias.then_some(&d.bias[..]), &out_shape);
                self.activation(y, d.activation, &out_shape)?
            }
            (
                LayerConfig::Conv2D { .. } | LayerConfig::DepthwiseConv2D { .. },
                Layer::Conv2D(_) | Layer::DepthwiseConv2D(_),
            ) => self.conv(x, &out_shape)?,
            (
                LayerConfig::MaxPooling2D { .. } | LayerConfig::AveragePooling2D { .. },
                Layer::Pool2D(p),
            ) => {
                let gm = &p.geom;
                let (code, op) = match p.kind {
                    PoolKind::Max => (B::MaxPool2d, "MaxPool2d"),
                    PoolKind::Average => (B::AveragePool2d, "AvgPool"),
                };
                let options = Pool2DOptions {
                    padding: padding(p.padding),
                    stride_w: gm.sw as i32,
                    stride_h: gm.sh as i32,
                    filter_width: gm.kw as i32,
                    filter_height: gm.kh as i32,
                    ..Default::default()
                };
                self.op(
                    code,
                    Some(O::Pool2DOptions(Box::new(options))),
                    vec![Arg::Val(x)],
                    &out_shape,
                    op,
                )
            }
            (_, Layer::GlobalPool2D(p)) => {
                let (code, op) = match p.kind {
                    PoolKind::Average => (B::Mean, "Mean"),
                    PoolKind::Max => (B::ReduceMax, "Max"),
                };
                let axes = self.const_i32(vec![2], vec![1, 2], &format!("{op}/reduction_indices"));
                self.op(
                    code,
                    Some(O::ReducerOptions(Box::new(ReducerOptions {
                        keep_dims: p.keepdims,
                    }))),
                    vec![Arg::Val(x), axes],
                    &out_shape,
                    op,
                )
            }
            (LayerConfig::Flatten | LayerConfig::Reshape { .. }, _) => {
                if in_shapes[0] == out_shape.as_slice() {
                    x
                } else {
                    self.reshape(x, in_shapes[0].len(), &out_shape)
                }
            }
            (_, Layer::Dropout(_)) => x,
            (_, Layer::BatchNormalization(b)) => {
                let c = b.channels;
                let eps = b.epsilon as f32;
                let given = self.opts.bn_rsqrt.get(&node.name);
                if let Some(r) = given {
                    if r.len() != c {
                        return Err(Error::invalid(format!(
                            "{}: LowerOptions.bn_rsqrt has {} values for {c} channels",
                            node.describe(),
                            r.len()
                        )));
                    }
                }
                let (mut mul, mut sub) = (vec![0f32; c], vec![0f32; c]);
                for ch in 0..c {
                    // tf.nn.batch_normalization: inv = rsqrt(var + ε) [· γ];
                    // offset = β − mean · inv (−mean · inv without β).
                    let r = match given {
                        Some(r) => r[ch],
                        None => bn_rsqrt(b.moving_variance[ch] + eps, ch, c),
                    };
                    mul[ch] = if b.scale { r * b.gamma[ch] } else { r };
                    let m = b.moving_mean[ch] * mul[ch];
                    sub[ch] = if b.center { b.beta[ch] - m } else { -m };
                }
                let mul = self.const_f32(vec![c as i32], mul, "batchnorm/mul");
                let sub = self.const_f32(vec![c as i32], sub, "batchnorm/sub");
                let y = self.op(
                    B::Mul,
                    Some(O::MulOptions(Box::default())),
                    vec![Arg::Val(x), mul],
                    &out_shape,
                    "batchnorm/mul_1",
                );
                self.op(
                    B::Add,
                    Some(O::AddOptions(Box::default())),
                    vec![Arg::Val(y), sub],
                    &out_shape,
                    "batchnorm/add_1",
                )
            }
            (_, Layer::ZeroPadding2D(z)) => {
                let ((t, b), (l, r)) = z.padding;
                let pads = vec![0, 0, t as i32, b as i32, l as i32, r as i32, 0, 0];
                let pads = self.const_i32(vec![4, 2], pads, "Const");
                self.op(
                    B::Pad,
                    Some(O::PadOptions(Box::new(PadOptions {}))),
                    vec![Arg::Val(x), pads],
                    &out_shape,
                    "Pad",
                )
            }
            (_, Layer::Activation(a, _)) => self.activation(x, *a, &out_shape)?,
            (_, Layer::Relu(r)) => {
                if r.negative_slope != 0.0 || r.threshold != 0.0 {
                    return Err(self.unsupported(format!(
                        "ReLU with negative_slope {} and threshold {}",
                        r.negative_slope, r.threshold
                    )));
                }
                match r.max_value {
                    None => self.activation(x, Activation::Relu, &out_shape)?,
                    Some(6.0) => self.activation(x, Activation::Relu6, &out_shape)?,
                    Some(m) => {
                        return Err(self
                            .unsupported(format!("ReLU with max_value {m} (only none and 6 are)")))
                    }
                }
            }
            (_, Layer::LeakyRelu(l)) => self.op(
                B::LeakyRelu,
                Some(O::LeakyReluOptions(Box::new(LeakyReluOptions {
                    alpha: l.negative_slope,
                }))),
                vec![Arg::Val(x)],
                &out_shape,
                "LeakyRelu",
            ),
            (_, Layer::Prelu(p)) => {
                let shape = p.alpha_shape.iter().map(|&d| d as i32).collect();
                let alpha = self.const_f32(shape, p.alpha.clone(), "add;Relu;Neg_1;mul;Relu_1");
                self.op(B::Prelu, None, vec![Arg::Val(x), alpha], &out_shape, "add")
            }
            (_, Layer::Merge(m)) => {
                let (code, op) = match m {
                    MergeOp::Add => (B::Add, "Add"),
                    MergeOp::Subtract => (B::Sub, "sub"),
                    MergeOp::Multiply => (B::Mul, "Mul"),
                };
                let mut acc = x;
                for (k, &y) in xs.iter().enumerate().skip(1) {
                    let options = match m {
                        MergeOp::Add => O::AddOptions(Box::default()),
                        MergeOp::Subtract => O::SubOptions(Box::default()),
                        MergeOp::Multiply => O::MulOptions(Box::default()),
                    };
                    let name = if k == 1 {
                        op.to_string()
                    } else {
                        format!("{op}_{}", k - 1)
                    };
                    acc = self.op(
                        code,
                        Some(options),
                        vec![Arg::Val(acc), Arg::Val(y)],
                        &out_shape,
                        &name,
                    );
                }
                acc
            }
            (LayerConfig::Concatenate { axis }, _) => {
                let axis = i32::try_from(*axis).map_err(|_| {
                    Error::invalid(format!("{}: axis {axis} is out of range", node.describe()))
                })?;
                self.op(
                    B::Concatenation,
                    Some(O::ConcatenationOptions(Box::new(ConcatenationOptions {
                        axis,
                        ..Default::default()
                    }))),
                    xs.iter().map(|&v| Arg::Val(v)).collect(),
                    &out_shape,
                    "concat",
                )
            }
            (cfg, _) => return Err(self.unsupported(format!("layer {}", cfg.class_name()))),
        })
    }

    /// TF's `BiasAdd`: an ADD of the bias, unless there is none or it is all zero (TF's
    /// canonicalization removes `x + 0`).
    fn bias_add(&mut self, y: usize, bias: Option<&[f32]>, shape: &[usize]) -> usize {
        match bias {
            Some(b) if b.iter().any(|&v| v != 0.0) => {
                let c = self.const_f32(vec![b.len() as i32], b.to_vec(), "BiasAdd");
                self.op(
                    B::Add,
                    Some(O::AddOptions(Box::default())),
                    vec![Arg::Val(y), c],
                    shape,
                    "BiasAdd",
                )
            }
            _ => y,
        }
    }

    /// A Keras activation as its own op (the optimize pass fuses relu / relu6 later).
    fn activation(&mut self, x: usize, a: Activation, shape: &[usize]) -> Result<usize> {
        let (code, options, name) = match a {
            Activation::Linear => return Ok(x),
            Activation::Relu => (B::Relu, None, "Relu"),
            Activation::Relu6 => (B::Relu6, None, "Relu6"),
            Activation::Sigmoid => (B::Logistic, None, "Sigmoid"),
            Activation::Tanh => (B::Tanh, None, "Tanh"),
            Activation::Softmax => (
                B::Softmax,
                Some(O::SoftmaxOptions(Box::new(SoftmaxOptions { beta: 1.0 }))),
                "Softmax",
            ),
            Activation::HardSilu => (B::HardSwish, None, "hard_silu"),
        };
        Ok(self.op(code, options, vec![Arg::Val(x)], shape, name))
    }

    /// Conv2D / DepthwiseConv2D: the conv with a zero bias (inside SPACE_TO_BATCH_ND /
    /// BATCH_TO_SPACE_ND when dilated, as `tf.nn.convolution` writes it), then the bias
    /// ADD and the activation.
    fn conv(&mut self, x: usize, out_shape: &[usize]) -> Result<usize> {
        let (depthwise, geom, pad, act, kernel, bias, mult) = match &self.node.layer {
            Layer::Conv2D(c) => (
                false,
                c.geom,
                c.padding,
                c.activation,
                &c.kernel,
                c.use_bias.then_some(&c.bias[..]),
                1,
            ),
            Layer::DepthwiseConv2D(c) => (
                true,
                c.geom,
                c.padding,
                c.activation,
                &c.kernel,
                c.use_bias.then_some(&c.bias[..]),
                c.depth_multiplier,
            ),
            _ => unreachable!("called for conv layers"),
        };
        let Geom { kh, kw, c, .. } = geom;
        let oc = out_shape[2];
        let (wshape, w, op) = if depthwise {
            // [kh, kw, C, M] → [1, kh, kw, C·M]: the same values in the same order.
            (
                vec![1, kh as i32, kw as i32, oc as i32],
                kernel.clone(),
                "depthwise",
            )
        } else {
            // [kh, kw, I, O] → [O, kh, kw, I].
            let mut w = vec![0f32; kernel.len()];
            for y in 0..kh {
                for z in 0..kw {
                    for i in 0..c {
                        for o in 0..oc {
                            w[((o * kh + y) * kw + z) * c + i] =
                                kernel[((y * kw + z) * c + i) * oc + o];
                        }
                    }
                }
            }
            (
                vec![oc as i32, kh as i32, kw as i32, c as i32],
                w,
                "convolution",
            )
        };
        let w = self.const_f32(wshape, w, op);
        let zero_bias = self.const_f32(vec![oc as i32], vec![0.0; oc], op);
        let dilated = geom.dh > 1 || geom.dw > 1;
        let conv_options = |pad: Padding, sh: usize, sw: usize| {
            if depthwise {
                O::DepthwiseConv2DOptions(Box::new(DepthwiseConv2DOptions {
                    padding: padding(pad),
                    stride_w: sw as i32,
                    stride_h: sh as i32,
                    depth_multiplier: mult as i32,
                    dilation_w_factor: 1,
                    dilation_h_factor: 1,
                    ..Default::default()
                }))
            } else {
                O::Conv2DOptions(Box::new(Conv2DOptions {
                    padding: padding(pad),
                    stride_w: sw as i32,
                    stride_h: sh as i32,
                    dilation_w_factor: 1,
                    dilation_h_factor: 1,
                    ..Default::default()
                }))
            }
        };
        let code = if depthwise {
            B::DepthwiseConv2d
        } else {
            B::Conv2d
        };
        let y = if !dilated {
            self.op(
                code,
                Some(conv_options(pad, geom.sh, geom.sw)),
                vec![Arg::Val(x), w, zero_bias],
                out_shape,
                op,
            )
        } else {
            // tf.nn.convolution with dilation: `required_space_to_batch_paddings` — the
            // conv's own padding (SAME: (k_eff − 1) split, more at the end) plus what makes
            // each padded side a multiple of the rate, cropped again afterwards.
            let mut pads = [0i32; 4];
            let mut crops = [0i32; 4];
            let mut inner = [0usize; 2];
            for (a, (i, k, d)) in [(geom.ih, kh, geom.dh), (geom.iw, kw, geom.dw)]
                .into_iter()
                .enumerate()
            {
                let (start, end) = match pad {
                    Padding::Same => {
                        let total = (k - 1) * d;
                        (total / 2, total - total / 2)
                    }
                    Padding::Valid => (0, 0),
                };
                let full = i + start + end;
                let extra = (d - full % d) % d;
                pads[2 * a] = start as i32;
                pads[2 * a + 1] = (end + extra) as i32;
                crops[2 * a + 1] = extra as i32;
                inner[a] = (full + extra) / d;
            }
            let block =
                self.const_i32(vec![2], vec![geom.dh as i32, geom.dw as i32], "block_shape");
            let paddings = self.const_i32(
                vec![2, 2],
                pads.to_vec(),
                &format!("{op}/SpaceToBatchND/paddings"),
            );
            let crops_c = self.const_i32(
                vec![2, 2],
                crops.to_vec(),
                &format!("{op}/BatchToSpaceND/crops"),
            );
            // TF stores these shapes with batch 1 although SPACE_TO_BATCH_ND multiplies the
            // batch by dh·dw: the shapes below are what its files hold.
            let s = self.op(
                B::SpaceToBatchNd,
                None,
                vec![Arg::Val(x), block, paddings],
                &[inner[0], inner[1], c],
                &format!("{op}/SpaceToBatchND"),
            );
            let (ch, cw) = (inner[0] + 1 - kh, inner[1] + 1 - kw);
            let y = self.op(
                code,
                Some(conv_options(Padding::Valid, 1, 1)),
                vec![Arg::Val(s), w, zero_bias],
                &[ch, cw, oc],
                op,
            );
            self.op(
                B::BatchToSpaceNd,
                None,
                vec![Arg::Val(y), block, crops_c],
                out_shape,
                &format!("{op}/BatchToSpaceND"),
            )
        };
        let y = self.bias_add(y, bias, out_shape);
        self.activation(y, act, out_shape)
    }

    /// Keras Flatten / Reshape with a dynamic batch: SHAPE → STRIDED_SLICE (the batch) →
    /// PACK with the target dims → RESHAPE, all INT32 shape arithmetic.
    fn reshape(&mut self, x: usize, in_rank: usize, target: &[usize]) -> usize {
        let shape = {
            let name = self.name("Shape");
            self.g
                .add_value(DType::I32, vec![in_rank as i32 + 1], false, name)
        };
        self.g.push(
            B::Shape,
            Some(O::ShapeOptions(Box::new(ShapeOptions {
                out_type: schema::TensorType::Int32,
            }))),
            vec![Arg::Val(x)],
            shape,
        );
        let begin = self.const_i32(vec![1], vec![0], "strided_slice/stack");
        let end = self.const_i32(vec![1], vec![1], "strided_slice/stack_1");
        let strides = self.const_i32(vec![1], vec![1], "strided_slice/stack_2");
        let batch = {
            let name = self.name("strided_slice");
            self.g.add_value(DType::I32, vec![], false, name)
        };
        self.g.push(
            B::StridedSlice,
            Some(O::StridedSliceOptions(Box::new(StridedSliceOptions {
                shrink_axis_mask: 1,
                ..Default::default()
            }))),
            vec![Arg::Val(shape), begin, end, strides],
            batch,
        );
        let mut parts = vec![Arg::Val(batch)];
        for (k, &d) in target.iter().enumerate() {
            parts.push(self.const_i32(vec![], vec![d as i32], &format!("Reshape/shape/{}", k + 1)));
        }
        let packed = {
            let name = self.name("Reshape/shape");
            self.g
                .add_value(DType::I32, vec![parts.len() as i32], false, name)
        };
        self.g.push(
            B::Pack,
            Some(O::PackOptions(Box::new(PackOptions {
                values_count: parts.len() as i32,
                axis: 0,
            }))),
            parts,
            packed,
        );
        self.op(
            B::Reshape,
            None,
            vec![Arg::Val(x), Arg::Val(packed)],
            target,
            "Reshape",
        )
    }
}
