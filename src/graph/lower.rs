//! Lowering a Keras-style `Sequential` of Dense layers to a float32 Graph, the way
//! TensorFlow's converter lowers a Keras model:
//! - Dense kernel `[in, out]` becomes FULLY_CONNECTED weights `[out, in]` (transposed);
//! - ReLU is fused into the FULLY_CONNECTED op; softmax becomes a separate SOFTMAX (beta 1);
//! - an all-zero bias (or `use_bias = false`) is dropped: the op's bias input is `-1`;
//! - activations have shape `[1, n]` with `shape_signature [-1, n]` (dynamic batch);
//! - one signature, `serving_default`.

use super::schema::{FullyConnectedOptions, SoftmaxOptions};
use super::{
    f32_bytes, Activation, BuiltinOperator, BuiltinOptions, DType, Graph, Op, Signature,
    SignatureTensor, Tensor,
};
use crate::error::{Error, Result};
use crate::nn::{self, Sequential};

/// Builds the float32 inference graph of `model`.
pub fn lower_sequential(model: &Sequential) -> Result<Graph> {
    let mut g = Graph::new();
    let input_dim = model.input_dim() as i32;
    let mut x = g.add_tensor(dynamic_batch("serving_default_input_0:0", input_dim));
    g.inputs.push(x);
    let n_layers = model.layers().len();
    if n_layers == 0 {
        return Err(Error::invalid("the model has no layers"));
    }
    for (li, layer) in model.layers().iter().enumerate() {
        let (inp, out) = (layer.input_dim, layer.units);
        if layer.kernel.len() != inp * out {
            return Err(Error::shape(
                format!("layer {li} (dense) kernel"),
                [inp, out],
                layer.kernel.len(),
            ));
        }
        // [in, out] -> [out, in]
        let mut wt = vec![0f32; inp * out];
        for i in 0..inp {
            for o in 0..out {
                wt[o * inp + i] = layer.kernel[i * out + o];
            }
        }
        let w = g.add_tensor(Tensor::constant(
            format!("sequential/dense_{li}/MatMul"),
            DType::F32,
            vec![out as i32, inp as i32],
            f32_bytes(&wt),
        ));
        let has_bias = layer.use_bias && layer.bias.iter().any(|&b| b != 0.0);
        let b = if has_bias {
            if layer.bias.len() != out {
                return Err(Error::shape(
                    format!("layer {li} (dense) bias"),
                    [out],
                    layer.bias.len(),
                ));
            }
            g.add_tensor(Tensor::constant(
                format!("sequential/dense_{li}/BiasAdd"),
                DType::F32,
                vec![out as i32],
                f32_bytes(&layer.bias),
            )) as i32
        } else {
            -1
        };
        let fused = match layer.activation {
            nn::Activation::Relu => Activation::Relu,
            nn::Activation::Linear | nn::Activation::Softmax => Activation::None,
        };
        let y = g.add_tensor(dynamic_batch(
            &format!("sequential/dense_{li}/output"),
            out as i32,
        ));
        g.ops.push(Op::new(
            BuiltinOperator::FullyConnected,
            Some(BuiltinOptions::FullyConnectedOptions(Box::new(
                FullyConnectedOptions {
                    fused_activation_function: fused.to_schema(),
                    ..Default::default()
                },
            ))),
            vec![x as i32, w as i32, b],
            vec![y as i32],
        ));
        x = y;
        if layer.activation == nn::Activation::Softmax {
            let s = g.add_tensor(dynamic_batch(
                &format!("sequential/dense_{li}/softmax"),
                out as i32,
            ));
            g.ops.push(Op::new(
                BuiltinOperator::Softmax,
                Some(BuiltinOptions::SoftmaxOptions(Box::new(SoftmaxOptions {
                    beta: 1.0,
                }))),
                vec![x as i32],
                vec![s as i32],
            ));
            x = s;
        }
    }
    g.outputs.push(x);
    g.signature = Some(Signature {
        key: "serving_default".into(),
        inputs: vec![SignatureTensor {
            name: "input_0".into(),
            tensor: g.inputs[0],
        }],
        outputs: vec![SignatureTensor {
            name: "output_0".into(),
            tensor: x,
        }],
    });
    Ok(g)
}

fn dynamic_batch(name: &str, n: i32) -> Tensor {
    let mut t = Tensor::activation(name, DType::F32, vec![1, n]);
    t.shape_signature = Some(vec![-1, n]);
    t
}
