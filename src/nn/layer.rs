//! The layer catalogue: [`LayerConfig`] (what to build, Keras arguments and defaults),
//! [`Layer`] (a built layer with its weights) and the one dispatch point between the model
//! and each layer family's forward/backward (`dense.rs`, `conv.rs`, `pool.rs`, `norm.rs`,
//! `relu.rs`, `dropout.rs`, `merge.rs`, `reshape.rs`, `activation.rs`).
//!
//! Building is two steps, so that a model's size is known before anything is allocated:
//! [`plan`] infers the output shape and the weight shapes from the input shapes (checked
//! arithmetic, no allocation), then [`instantiate`] allocates and initializes the weights
//! (Keras defaults: Glorot-uniform kernels, zero biases, BatchNormalization γ = 1, β = 0,
//! moving mean 0, moving variance 1, PReLU α = 0).

use rand_chacha::ChaCha8Rng;

use super::activation::Activation;
use super::conv::{Conv2D, DepthwiseConv2D, Geom, Padding};
use super::dense::Dense;
use super::dropout::Dropout;
use super::init::glorot_uniform;
use super::merge::{Concatenate, MergeOp};
use super::norm::BatchNormalization;
use super::pool::{GlobalPool2D, Pool2D, PoolKind};
use super::relu::{LeakyRelu, Prelu, Relu};
use super::reshape::{resolve_target, ZeroPadding2D};
use crate::error::{Error, Result};

/// What to build, with Keras's argument names and defaults. The input shape comes from the
/// model. Per-sample shapes leave out the batch axis.
#[derive(Clone, Debug, PartialEq)]
pub enum LayerConfig {
    /// `keras.Input(shape)` (a model input, not listed among the layers).
    Input {
        shape: Vec<usize>,
    },
    Dense {
        units: usize,
        activation: Activation,
        use_bias: bool,
    },
    Conv2D {
        filters: usize,
        kernel_size: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
        dilation_rate: (usize, usize),
        activation: Activation,
        use_bias: bool,
    },
    DepthwiseConv2D {
        kernel_size: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
        depth_multiplier: usize,
        dilation_rate: (usize, usize),
        activation: Activation,
        use_bias: bool,
    },
    /// `strides: None` means `pool_size` (Keras).
    MaxPooling2D {
        pool_size: (usize, usize),
        strides: Option<(usize, usize)>,
        padding: Padding,
    },
    AveragePooling2D {
        pool_size: (usize, usize),
        strides: Option<(usize, usize)>,
        padding: Padding,
    },
    GlobalAveragePooling2D {
        keepdims: bool,
    },
    GlobalMaxPooling2D {
        keepdims: bool,
    },
    Flatten,
    /// Per-sample target; one `-1` may be inferred.
    Reshape {
        target_shape: Vec<i64>,
    },
    Dropout {
        rate: f32,
    },
    BatchNormalization {
        momentum: f64,
        epsilon: f64,
        center: bool,
        scale: bool,
    },
    /// `((top, bottom), (left, right))`
    ZeroPadding2D {
        padding: ((usize, usize), (usize, usize)),
    },
    Activation {
        activation: Activation,
    },
    ReLU {
        max_value: Option<f32>,
        negative_slope: f32,
        threshold: f32,
    },
    LeakyReLU {
        negative_slope: f32,
    },
    /// `shared_axes` as Keras counts them: 1 is the first axis after the batch.
    PReLU {
        shared_axes: Vec<usize>,
    },
    Add,
    Subtract,
    Multiply,
    /// Keras axis: negative counts from the end, 0 (the batch) is refused.
    Concatenate {
        axis: i64,
    },
}

impl LayerConfig {
    /// `Dense(units, activation)` with a bias.
    pub fn dense(units: usize, activation: Activation) -> Self {
        LayerConfig::Dense {
            units,
            activation,
            use_bias: true,
        }
    }

    /// `Conv2D(filters, kernel_size, activation)` with Keras's other defaults (strides 1,
    /// `"valid"`, no dilation, bias).
    pub fn conv2d(filters: usize, kernel: usize, activation: Activation) -> Self {
        LayerConfig::Conv2D {
            filters,
            kernel_size: (kernel, kernel),
            strides: (1, 1),
            padding: Padding::Valid,
            dilation_rate: (1, 1),
            activation,
            use_bias: true,
        }
    }

    /// `DepthwiseConv2D(kernel_size)` with Keras's defaults.
    pub fn depthwise_conv2d(kernel: usize) -> Self {
        LayerConfig::DepthwiseConv2D {
            kernel_size: (kernel, kernel),
            strides: (1, 1),
            padding: Padding::Valid,
            depth_multiplier: 1,
            dilation_rate: (1, 1),
            activation: Activation::Linear,
            use_bias: true,
        }
    }

    /// `MaxPooling2D(pool_size)` (strides = pool size, `"valid"`).
    pub fn max_pooling2d(pool: usize) -> Self {
        LayerConfig::MaxPooling2D {
            pool_size: (pool, pool),
            strides: None,
            padding: Padding::Valid,
        }
    }

    /// `BatchNormalization()` with Keras's defaults (momentum 0.99, epsilon 1e-3).
    pub fn batch_normalization() -> Self {
        LayerConfig::BatchNormalization {
            momentum: 0.99,
            epsilon: 1e-3,
            center: true,
            scale: true,
        }
    }

    /// The Keras class name (`model.summary()`'s "Layer (type)").
    pub fn class_name(&self) -> &'static str {
        match self {
            LayerConfig::Input { .. } => "InputLayer",
            LayerConfig::Dense { .. } => "Dense",
            LayerConfig::Conv2D { .. } => "Conv2D",
            LayerConfig::DepthwiseConv2D { .. } => "DepthwiseConv2D",
            LayerConfig::MaxPooling2D { .. } => "MaxPooling2D",
            LayerConfig::AveragePooling2D { .. } => "AveragePooling2D",
            LayerConfig::GlobalAveragePooling2D { .. } => "GlobalAveragePooling2D",
            LayerConfig::GlobalMaxPooling2D { .. } => "GlobalMaxPooling2D",
            LayerConfig::Flatten => "Flatten",
            LayerConfig::Reshape { .. } => "Reshape",
            LayerConfig::Dropout { .. } => "Dropout",
            LayerConfig::BatchNormalization { .. } => "BatchNormalization",
            LayerConfig::ZeroPadding2D { .. } => "ZeroPadding2D",
            LayerConfig::Activation { .. } => "Activation",
            LayerConfig::ReLU { .. } => "ReLU",
            LayerConfig::LeakyReLU { .. } => "LeakyReLU",
            LayerConfig::PReLU { .. } => "PReLU",
            LayerConfig::Add => "Add",
            LayerConfig::Subtract => "Subtract",
            LayerConfig::Multiply => "Multiply",
            LayerConfig::Concatenate { .. } => "Concatenate",
        }
    }

    /// Keras's default layer name stem (`conv2d`, `max_pooling2d`, `re_lu`, …).
    pub fn default_name(&self) -> &'static str {
        match self {
            LayerConfig::Input { .. } => "input_layer",
            LayerConfig::Dense { .. } => "dense",
            LayerConfig::Conv2D { .. } => "conv2d",
            LayerConfig::DepthwiseConv2D { .. } => "depthwise_conv2d",
            LayerConfig::MaxPooling2D { .. } => "max_pooling2d",
            LayerConfig::AveragePooling2D { .. } => "average_pooling2d",
            LayerConfig::GlobalAveragePooling2D { .. } => "global_average_pooling2d",
            LayerConfig::GlobalMaxPooling2D { .. } => "global_max_pooling2d",
            LayerConfig::Flatten => "flatten",
            LayerConfig::Reshape { .. } => "reshape",
            LayerConfig::Dropout { .. } => "dropout",
            LayerConfig::BatchNormalization { .. } => "batch_normalization",
            LayerConfig::ZeroPadding2D { .. } => "zero_padding2d",
            LayerConfig::Activation { .. } => "activation",
            LayerConfig::ReLU { .. } => "re_lu",
            LayerConfig::LeakyReLU { .. } => "leaky_re_lu",
            LayerConfig::PReLU { .. } => "p_re_lu",
            LayerConfig::Add => "add",
            LayerConfig::Subtract => "subtract",
            LayerConfig::Multiply => "multiply",
            LayerConfig::Concatenate { .. } => "concatenate",
        }
    }

    /// How many inputs the layer takes: `(min, max)`.
    pub(crate) fn arity(&self) -> (usize, usize) {
        match self {
            LayerConfig::Input { .. } => (0, 0),
            LayerConfig::Add | LayerConfig::Multiply | LayerConfig::Concatenate { .. } => {
                (2, usize::MAX)
            }
            LayerConfig::Subtract => (2, 2),
            _ => (1, 1),
        }
    }

    /// The activation applied at the layer's output, for layers that have one.
    pub fn activation(&self) -> Option<Activation> {
        match self {
            LayerConfig::Dense { activation, .. }
            | LayerConfig::Conv2D { activation, .. }
            | LayerConfig::DepthwiseConv2D { activation, .. }
            | LayerConfig::Activation { activation } => Some(*activation),
            _ => None,
        }
    }
}

/// How a weight starts (Keras's default initializers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// `GlorotUniform` with these fans.
    Glorot {
        fan_in: usize,
        fan_out: usize,
    },
    Zeros,
    Ones,
}

/// One weight array of a layer: Keras name, shape, whether the optimizer updates it.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightSpec {
    pub name: &'static str,
    pub shape: Vec<usize>,
    pub trainable: bool,
    pub init: Init,
}

impl WeightSpec {
    fn new(name: &'static str, shape: Vec<usize>, init: Init) -> Self {
        WeightSpec {
            name,
            shape,
            trainable: true,
            init,
        }
    }

    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A layer's shapes, known before anything is allocated.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub output_shape: Vec<usize>,
    pub weights: Vec<WeightSpec>,
    /// Values of scratch per sample the layer keeps between forward and backward (im2col).
    pub scratch_per_sample: u64,
}

/// Values in a per-sample shape, or `None` on overflow.
pub(crate) fn numel(shape: &[usize]) -> Option<u64> {
    shape.iter().try_fold(1u64, |p, &d| p.checked_mul(d as u64))
}

fn rank3<'a>(what: &str, class: &str, shape: &'a [usize]) -> Result<&'a [usize]> {
    if shape.len() == 3 {
        Ok(shape)
    } else {
        Err(Error::invalid(format!(
            "{what}: {class} needs an input of shape (height, width, channels), got {shape:?}"
        )))
    }
}

fn positive(what: &str, name: &str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(Error::invalid(format!(
            "{what}: {name} must be at least 1, got 0"
        )));
    }
    Ok(())
}

/// Output shape and weights of `cfg` applied to inputs of per-sample shapes `inputs`.
/// `what` names the layer in errors (`layer 'conv2d' (Conv2D)`).
pub fn plan(cfg: &LayerConfig, what: &str, inputs: &[&[usize]]) -> Result<Plan> {
    let x = inputs.first().copied().unwrap_or(&[]);
    let mut weights = Vec::new();
    let mut scratch = 0u64;
    let output_shape: Vec<usize> = match cfg {
        LayerConfig::Input { shape } => shape.clone(),
        LayerConfig::Dense {
            units, use_bias, ..
        } => {
            positive(what, "units", *units)?;
            let Some((&input_dim, lead)) = x.split_last() else {
                return Err(Error::invalid(format!(
                    "{what}: Dense needs an input with at least one axis"
                )));
            };
            weights.push(WeightSpec::new(
                "kernel",
                vec![input_dim, *units],
                Init::Glorot {
                    fan_in: input_dim,
                    fan_out: *units,
                },
            ));
            if *use_bias {
                weights.push(WeightSpec::new("bias", vec![*units], Init::Zeros));
            }
            lead.iter().copied().chain([*units]).collect()
        }
        LayerConfig::Conv2D {
            filters,
            kernel_size,
            strides,
            padding,
            dilation_rate,
            use_bias,
            ..
        } => {
            positive(what, "filters", *filters)?;
            rank3(what, "Conv2D", x)?;
            check_dilation(what, *strides, *dilation_rate)?;
            let g = Geom::new(what, x, *kernel_size, *strides, *dilation_rate, *padding)?;
            let rf = g.kh * g.kw;
            weights.push(WeightSpec::new(
                "kernel",
                vec![g.kh, g.kw, g.c, *filters],
                Init::Glorot {
                    fan_in: rf.saturating_mul(g.c),
                    fan_out: rf.saturating_mul(*filters),
                },
            ));
            if *use_bias {
                weights.push(WeightSpec::new("bias", vec![*filters], Init::Zeros));
            }
            let pointwise =
                g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0;
            if !pointwise {
                scratch = numel(&[g.oh, g.ow, g.kh, g.kw, g.c]).unwrap_or(u64::MAX);
            }
            vec![g.oh, g.ow, *filters]
        }
        LayerConfig::DepthwiseConv2D {
            kernel_size,
            strides,
            padding,
            depth_multiplier,
            dilation_rate,
            use_bias,
            ..
        } => {
            positive(what, "depth_multiplier", *depth_multiplier)?;
            rank3(what, "DepthwiseConv2D", x)?;
            check_dilation(what, *strides, *dilation_rate)?;
            let g = Geom::new(what, x, *kernel_size, *strides, *dilation_rate, *padding)?;
            let rf = g.kh * g.kw;
            let oc = g.c.checked_mul(*depth_multiplier).ok_or_else(|| {
                Error::invalid(format!("{what}: channels × depth_multiplier overflows"))
            })?;
            weights.push(WeightSpec::new(
                "kernel",
                vec![g.kh, g.kw, g.c, *depth_multiplier],
                Init::Glorot {
                    fan_in: rf.saturating_mul(g.c),
                    fan_out: rf.saturating_mul(*depth_multiplier),
                },
            ));
            if *use_bias {
                weights.push(WeightSpec::new("bias", vec![oc], Init::Zeros));
            }
            vec![g.oh, g.ow, oc]
        }
        LayerConfig::MaxPooling2D {
            pool_size,
            strides,
            padding,
        }
        | LayerConfig::AveragePooling2D {
            pool_size,
            strides,
            padding,
        } => {
            let class = cfg.class_name();
            rank3(what, class, x)?;
            let g = Geom::new(
                what,
                x,
                *pool_size,
                strides.unwrap_or(*pool_size),
                (1, 1),
                *padding,
            )?;
            vec![g.oh, g.ow, g.c]
        }
        LayerConfig::GlobalAveragePooling2D { keepdims }
        | LayerConfig::GlobalMaxPooling2D { keepdims } => {
            let s = rank3(what, cfg.class_name(), x)?;
            if *keepdims {
                vec![1, 1, s[2]]
            } else {
                vec![s[2]]
            }
        }
        LayerConfig::Flatten => {
            if x.is_empty() {
                return Err(Error::invalid(format!(
                    "{what}: Flatten needs an input with at least one axis"
                )));
            }
            let n = numel(x).ok_or_else(|| Error::invalid(format!("{what}: input too large")))?;
            vec![n as usize]
        }
        LayerConfig::Reshape { target_shape } => {
            let n = numel(x).ok_or_else(|| Error::invalid(format!("{what}: input too large")))?;
            resolve_target(what, target_shape, n as usize)?
        }
        LayerConfig::Dropout { rate } => {
            if !(0.0..=1.0).contains(rate) {
                return Err(Error::invalid(format!(
                    "{what}: rate must be between 0 and 1, got {rate}"
                )));
            }
            x.to_vec()
        }
        LayerConfig::BatchNormalization {
            momentum,
            epsilon,
            center,
            scale,
        } => {
            let Some(&c) = x.last() else {
                return Err(Error::invalid(format!(
                    "{what}: BatchNormalization needs an input with at least one axis"
                )));
            };
            if !(momentum.is_finite() && (0.0..=1.0).contains(momentum)) {
                return Err(Error::invalid(format!(
                    "{what}: momentum must be in [0, 1], got {momentum}"
                )));
            }
            if !(epsilon.is_finite() && *epsilon > 0.0) {
                return Err(Error::invalid(format!(
                    "{what}: epsilon must be a finite number > 0, got {epsilon}"
                )));
            }
            if *scale {
                weights.push(WeightSpec::new("gamma", vec![c], Init::Ones));
            }
            if *center {
                weights.push(WeightSpec::new("beta", vec![c], Init::Zeros));
            }
            for (name, init) in [
                ("moving_mean", Init::Zeros),
                ("moving_variance", Init::Ones),
            ] {
                weights.push(WeightSpec {
                    name,
                    shape: vec![c],
                    trainable: false,
                    init,
                });
            }
            x.to_vec()
        }
        LayerConfig::ZeroPadding2D { padding } => {
            let s = rank3(what, "ZeroPadding2D", x)?;
            let ((t, b), (l, r)) = *padding;
            let grow =
                |a: usize, p: usize, q: usize| a.checked_add(p).and_then(|v| v.checked_add(q));
            match (grow(s[0], t, b), grow(s[1], l, r)) {
                (Some(h), Some(w)) => vec![h, w, s[2]],
                _ => {
                    return Err(Error::invalid(format!(
                        "{what}: padding {padding:?} is too large"
                    )))
                }
            }
        }
        LayerConfig::Activation { .. } | LayerConfig::LeakyReLU { .. } => x.to_vec(),
        LayerConfig::ReLU {
            max_value,
            negative_slope,
            threshold,
        } => {
            for (name, v) in [
                ("max_value", max_value.unwrap_or(0.0)),
                ("negative_slope", *negative_slope),
                ("threshold", *threshold),
            ] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(Error::invalid(format!(
                        "{what}: {name} must be a finite number >= 0, got {v}"
                    )));
                }
            }
            x.to_vec()
        }
        LayerConfig::PReLU { shared_axes } => {
            let mut alpha = x.to_vec();
            for &a in shared_axes {
                if a == 0 || a > x.len() {
                    return Err(Error::invalid(format!(
                        "{what}: shared axis {a} is outside 1..={} (the input has shape {x:?})",
                        x.len()
                    )));
                }
                alpha[a - 1] = 1;
            }
            weights.push(WeightSpec::new("alpha", alpha, Init::Zeros));
            x.to_vec()
        }
        LayerConfig::Add | LayerConfig::Subtract | LayerConfig::Multiply => {
            for (i, s) in inputs.iter().enumerate().skip(1) {
                if *s != x {
                    return Err(Error::invalid(format!(
                        "{what}: input {i} has shape {s:?} but input 0 has {x:?} (operands of \
                         {} must have the same shape)",
                        cfg.class_name()
                    )));
                }
            }
            x.to_vec()
        }
        LayerConfig::Concatenate { axis } => {
            let ax = concat_axis(what, *axis, x.len())?;
            let mut out = x.to_vec();
            for (i, s) in inputs.iter().enumerate().skip(1) {
                let same_rank = s.len() == x.len();
                let others_match = same_rank && (0..x.len()).all(|d| d == ax || s[d] == x[d]);
                if !others_match {
                    return Err(Error::invalid(format!(
                        "{what}: input {i} has shape {s:?}, which does not match input 0 {x:?} \
                         except along axis {axis}"
                    )));
                }
                out[ax] = out[ax]
                    .checked_add(s[ax])
                    .ok_or_else(|| Error::invalid(format!("{what}: too large")))?;
            }
            out
        }
    };
    Ok(Plan {
        output_shape,
        weights,
        scratch_per_sample: scratch,
    })
}

fn check_dilation(what: &str, strides: (usize, usize), dilation: (usize, usize)) -> Result<()> {
    if (strides.0 > 1 || strides.1 > 1) && (dilation.0 > 1 || dilation.1 > 1) {
        return Err(Error::invalid(format!(
            "{what}: strides > 1 are not supported together with dilation_rate > 1 (as in \
             Keras); got strides {strides:?}, dilation_rate {dilation:?}"
        )));
    }
    Ok(())
}

/// The per-sample axis (0-based) of a Keras concatenation axis on inputs of rank `rank`.
fn concat_axis(what: &str, axis: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    let ax = if axis < 0 { axis + r + 1 } else { axis };
    if ax < 1 || ax > r {
        return Err(Error::invalid(format!(
            "{what}: axis {axis} is outside the inputs' axes (rank {} with the batch axis; the \
             batch axis 0 cannot be concatenated)",
            r + 1
        )));
    }
    Ok((ax - 1) as usize)
}

/// Allocates and initializes the layer planned by [`plan`]; `rng` is the layer's own stream.
pub fn instantiate(
    cfg: &LayerConfig,
    inputs: &[&[usize]],
    plan: &Plan,
    rng: &mut ChaCha8Rng,
) -> Layer {
    let mut values = plan.weights.iter().map(|w| match w.init {
        Init::Glorot { fan_in, fan_out } => glorot_uniform(fan_in, fan_out, w.len(), rng),
        Init::Zeros => vec![0.0; w.len()],
        Init::Ones => vec![1.0; w.len()],
    });
    let mut next = || values.next().unwrap_or_default();
    let x = inputs.first().copied().unwrap_or(&[]);
    let geom = |k, s, d, p| Geom::new("", x, k, s, d, p).expect("planned");
    match cfg {
        LayerConfig::Input { .. } => Layer::Input,
        LayerConfig::Dense {
            units,
            activation,
            use_bias,
        } => Layer::Dense(Dense {
            units: *units,
            input_dim: *x.last().expect("planned"),
            activation: *activation,
            use_bias: *use_bias,
            kernel: next(),
            bias: if *use_bias { next() } else { Vec::new() },
        }),
        LayerConfig::Conv2D {
            filters,
            kernel_size,
            strides,
            padding,
            dilation_rate,
            activation,
            use_bias,
        } => Layer::Conv2D(Conv2D {
            filters: *filters,
            activation: *activation,
            use_bias: *use_bias,
            padding: *padding,
            geom: geom(*kernel_size, *strides, *dilation_rate, *padding),
            kernel: next(),
            bias: if *use_bias { next() } else { Vec::new() },
        }),
        LayerConfig::DepthwiseConv2D {
            kernel_size,
            strides,
            padding,
            depth_multiplier,
            dilation_rate,
            activation,
            use_bias,
        } => Layer::DepthwiseConv2D(DepthwiseConv2D {
            depth_multiplier: *depth_multiplier,
            activation: *activation,
            use_bias: *use_bias,
            padding: *padding,
            geom: geom(*kernel_size, *strides, *dilation_rate, *padding),
            kernel: next(),
            bias: if *use_bias { next() } else { Vec::new() },
        }),
        LayerConfig::MaxPooling2D {
            pool_size,
            strides,
            padding,
        }
        | LayerConfig::AveragePooling2D {
            pool_size,
            strides,
            padding,
        } => Layer::Pool2D(Pool2D {
            kind: if matches!(cfg, LayerConfig::MaxPooling2D { .. }) {
                PoolKind::Max
            } else {
                PoolKind::Average
            },
            padding: *padding,
            geom: geom(*pool_size, strides.unwrap_or(*pool_size), (1, 1), *padding),
        }),
        LayerConfig::GlobalAveragePooling2D { keepdims }
        | LayerConfig::GlobalMaxPooling2D { keepdims } => Layer::GlobalPool2D(GlobalPool2D {
            kind: if matches!(cfg, LayerConfig::GlobalMaxPooling2D { .. }) {
                PoolKind::Max
            } else {
                PoolKind::Average
            },
            keepdims: *keepdims,
            hw: x[0] * x[1],
            c: x[2],
        }),
        LayerConfig::Flatten | LayerConfig::Reshape { .. } => Layer::Copy,
        LayerConfig::Dropout { rate } => Layer::Dropout(Dropout { rate: *rate }),
        LayerConfig::BatchNormalization {
            momentum,
            epsilon,
            center,
            scale,
        } => Layer::BatchNormalization(BatchNormalization {
            momentum: *momentum,
            epsilon: *epsilon,
            center: *center,
            scale: *scale,
            channels: *x.last().expect("planned"),
            gamma: if *scale { next() } else { Vec::new() },
            beta: if *center { next() } else { Vec::new() },
            moving_mean: next(),
            moving_variance: next(),
        }),
        LayerConfig::ZeroPadding2D { padding } => Layer::ZeroPadding2D(ZeroPadding2D {
            padding: *padding,
            input: [x[0], x[1], x[2]],
        }),
        LayerConfig::Activation { activation } => {
            Layer::Activation(*activation, x.last().copied().unwrap_or(1))
        }
        LayerConfig::ReLU {
            max_value,
            negative_slope,
            threshold,
        } => Layer::Relu(Relu {
            max_value: *max_value,
            negative_slope: *negative_slope,
            threshold: *threshold,
        }),
        LayerConfig::LeakyReLU { negative_slope } => Layer::LeakyRelu(LeakyRelu {
            negative_slope: *negative_slope,
        }),
        LayerConfig::PReLU { shared_axes } => Layer::Prelu(Prelu {
            input: x.to_vec(),
            shared_axes: shared_axes.iter().map(|a| a - 1).collect(),
            alpha_shape: plan.weights[0].shape.clone(),
            alpha: next(),
        }),
        LayerConfig::Add => Layer::Merge(MergeOp::Add),
        LayerConfig::Subtract => Layer::Merge(MergeOp::Subtract),
        LayerConfig::Multiply => Layer::Merge(MergeOp::Multiply),
        LayerConfig::Concatenate { axis } => {
            let ax = concat_axis("", *axis, x.len()).expect("planned");
            Layer::Concatenate(Concatenate {
                axis: *axis,
                outer: x[..ax].iter().product(),
                widths: inputs.iter().map(|s| s[ax..].iter().product()).collect(),
            })
        }
    }
}

/// A built layer with its weights.
#[derive(Clone, Debug, PartialEq)]
pub enum Layer {
    Input,
    Dense(Dense),
    Conv2D(Conv2D),
    DepthwiseConv2D(DepthwiseConv2D),
    Pool2D(Pool2D),
    GlobalPool2D(GlobalPool2D),
    /// `Flatten` and `Reshape`: the values unchanged.
    Copy,
    Dropout(Dropout),
    BatchNormalization(BatchNormalization),
    ZeroPadding2D(ZeroPadding2D),
    /// The activation and the size of the last axis (softmax's axis).
    Activation(Activation, usize),
    Relu(Relu),
    LeakyRelu(LeakyRelu),
    Prelu(Prelu),
    Merge(MergeOp),
    Concatenate(Concatenate),
}

/// Per-layer buffers kept from the forward to the backward pass (sized on first use,
/// reused afterwards).
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    /// Layer-specific floats: im2col matrix, dropout mask, batch statistics.
    pub f: Vec<f32>,
    /// Max-pooling winners (flat input index per output).
    pub idx: Vec<u32>,
    /// Pre-activation values, for activations whose gradient needs them.
    pub pre: Vec<f32>,
}

impl Scratch {
    /// The first `n` values of `f`, growing it if needed.
    pub fn f_mut(&mut self, n: usize) -> &mut [f32] {
        if self.f.len() < n {
            self.f.resize(n, 0.0);
        }
        &mut self.f[..n]
    }
}

/// How a forward pass runs.
pub(crate) struct Mode<'a> {
    /// Training mode: batch statistics, dropout masks.
    pub training: bool,
    /// Leave a softmax output activation to the loss (the model's output node in training).
    pub logits: bool,
    /// Dropout masks' generator (training only).
    pub rng: Option<&'a mut ChaCha8Rng>,
}

impl Layer {
    /// The weights in Keras order (`layer.get_weights()`).
    pub fn weights(&self) -> Vec<&Vec<f32>> {
        match self {
            Layer::Dense(d) => with_bias(&d.kernel, &d.bias, d.use_bias),
            Layer::Conv2D(c) => with_bias(&c.kernel, &c.bias, c.use_bias),
            Layer::DepthwiseConv2D(c) => with_bias(&c.kernel, &c.bias, c.use_bias),
            Layer::BatchNormalization(b) => {
                let mut v = Vec::with_capacity(4);
                if b.scale {
                    v.push(&b.gamma);
                }
                if b.center {
                    v.push(&b.beta);
                }
                v.push(&b.moving_mean);
                v.push(&b.moving_variance);
                v
            }
            Layer::Prelu(p) => vec![&p.alpha],
            _ => Vec::new(),
        }
    }

    /// Mutable weights, in the order of [`Layer::weights`].
    pub fn weights_mut(&mut self) -> Vec<&mut Vec<f32>> {
        match self {
            Layer::Dense(d) => with_bias_mut(&mut d.kernel, &mut d.bias, d.use_bias),
            Layer::Conv2D(c) => with_bias_mut(&mut c.kernel, &mut c.bias, c.use_bias),
            Layer::DepthwiseConv2D(c) => with_bias_mut(&mut c.kernel, &mut c.bias, c.use_bias),
            Layer::BatchNormalization(b) => {
                let mut v = Vec::with_capacity(4);
                if b.scale {
                    v.push(&mut b.gamma);
                }
                if b.center {
                    v.push(&mut b.beta);
                }
                v.push(&mut b.moving_mean);
                v.push(&mut b.moving_variance);
                v
            }
            Layer::Prelu(p) => vec![&mut p.alpha],
            _ => Vec::new(),
        }
    }

    /// Forward on `rows` samples: `xs` the inputs (`[rows · input size]` each), `y` the
    /// output `[rows · output size]`.
    pub(crate) fn forward(
        &self,
        xs: &[&[f32]],
        rows: usize,
        y: &mut [f32],
        s: &mut Scratch,
        mode: &mut Mode,
    ) {
        let x = xs.first().copied().unwrap_or(&[]);
        match self {
            Layer::Input => y.copy_from_slice(x),
            Layer::Dense(d) => d.forward(x, x.len() / d.input_dim, y, s, mode.logits),
            Layer::Conv2D(c) => c.forward(x, rows, y, s, mode.logits),
            Layer::DepthwiseConv2D(c) => c.forward(x, rows, y, s, mode.logits),
            Layer::Pool2D(p) => p.forward(x, rows, y, s),
            Layer::GlobalPool2D(p) => p.forward(x, rows, y),
            Layer::Copy => y.copy_from_slice(x),
            Layer::Dropout(d) => match (mode.training, mode.rng.as_deref_mut()) {
                (true, Some(rng)) if d.rate > 0.0 => d.forward_train(x, y, s, rng),
                _ => y.copy_from_slice(x),
            },
            Layer::BatchNormalization(b) => b.forward(x, x.len() / b.channels, y, s, mode.training),
            Layer::ZeroPadding2D(z) => z.forward(x, rows, y),
            Layer::Activation(a, ch) => {
                y.copy_from_slice(x);
                let act = super::dense::effective(*a, mode.logits);
                if act.needs_preactivation() {
                    s.pre.clear();
                    s.pre.extend_from_slice(x);
                }
                act.forward_in_place(y, *ch);
            }
            Layer::Relu(r) => r.forward(x, y),
            Layer::LeakyRelu(l) => l.forward(x, y),
            Layer::Prelu(p) => p.forward(x, rows, y),
            Layer::Merge(m) => m.forward(xs, y),
            Layer::Concatenate(c) => c.forward(xs, rows, y),
        }
    }

    /// Backward on `rows` samples: `dy` = `∂L/∂y` (may be modified), `dxs[i]` receives
    /// `∂L/∂x_i` when `Some` (overwritten), `grads` receives the weight gradients in
    /// [`Layer::weights`] order (non-trainable entries untouched). `tmp` is shared scratch.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward(
        &self,
        xs: &[&[f32]],
        y: &[f32],
        rows: usize,
        dy: &mut [f32],
        dxs: &mut [Option<&mut [f32]>],
        grads: &mut [Vec<f32>],
        s: &Scratch,
        tmp: &mut Vec<f32>,
        logits: bool,
    ) {
        let x = xs.first().copied().unwrap_or(&[]);
        let dx0 = dxs.first_mut().and_then(|d| d.as_deref_mut());
        match self {
            Layer::Input => {}
            Layer::Dense(d) => d.backward(x, y, x.len() / d.input_dim, dy, grads, dx0, s, logits),
            Layer::Conv2D(c) => c.backward(x, y, rows, dy, grads, dx0, s, tmp, logits),
            Layer::DepthwiseConv2D(c) => c.backward(x, y, rows, dy, grads, dx0, s, logits),
            Layer::Pool2D(p) => {
                if let Some(dx) = dx0 {
                    p.backward(rows, dy, dx, s)
                }
            }
            Layer::GlobalPool2D(p) => {
                if let Some(dx) = dx0 {
                    p.backward(x, y, rows, dy, dx)
                }
            }
            Layer::Copy => {
                if let Some(dx) = dx0 {
                    dx.copy_from_slice(dy)
                }
            }
            Layer::Dropout(d) => {
                if let Some(dx) = dx0 {
                    if d.rate > 0.0 {
                        d.backward(dy, dx, s)
                    } else {
                        dx.copy_from_slice(dy)
                    }
                }
            }
            Layer::BatchNormalization(b) => b.backward(x, x.len() / b.channels, dy, grads, dx0, s),
            Layer::ZeroPadding2D(z) => {
                if let Some(dx) = dx0 {
                    z.backward(rows, dy, dx)
                }
            }
            Layer::Activation(a, ch) => {
                let act = super::dense::effective(*a, logits);
                act.backward_in_place(y, &s.pre, dy, *ch);
                if let Some(dx) = dx0 {
                    dx.copy_from_slice(dy)
                }
            }
            Layer::Relu(r) => {
                if let Some(dx) = dx0 {
                    r.backward(x, dy, dx)
                }
            }
            Layer::LeakyRelu(l) => {
                if let Some(dx) = dx0 {
                    l.backward(x, dy, dx)
                }
            }
            Layer::Prelu(p) => p.backward(x, rows, dy, &mut grads[0], dx0),
            Layer::Merge(m) => {
                for (i, dx) in dxs.iter_mut().enumerate() {
                    if let Some(dx) = dx.as_deref_mut() {
                        m.backward(xs, i, dy, dx)
                    }
                }
            }
            Layer::Concatenate(c) => {
                for (i, dx) in dxs.iter_mut().enumerate() {
                    if let Some(dx) = dx.as_deref_mut() {
                        c.backward(i, rows, dy, dx)
                    }
                }
            }
        }
    }

    /// State updated after an optimizer step (BatchNormalization's moving statistics).
    pub(crate) fn after_step(&mut self, s: &Scratch) {
        if let Layer::BatchNormalization(b) = self {
            b.update_moving(s);
        }
    }
}

fn with_bias<'a>(k: &'a Vec<f32>, b: &'a Vec<f32>, use_bias: bool) -> Vec<&'a Vec<f32>> {
    if use_bias {
        vec![k, b]
    } else {
        vec![k]
    }
}

fn with_bias_mut<'a>(
    k: &'a mut Vec<f32>,
    b: &'a mut Vec<f32>,
    use_bias: bool,
) -> Vec<&'a mut Vec<f32>> {
    if use_bias {
        vec![k, b]
    } else {
        vec![k]
    }
}
