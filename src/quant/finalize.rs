//! The last step of every conversion: operator versions, `min_runtime_version`,
//! `CONVERSION_METADATA`, description — as TF's converter fills them, except that our files
//! name litequant (never TensorFlow) as their producer.

use super::convert::Mode;
use crate::error::Result;
use crate::graph::{DType, Graph, Op, OpKind};
use crate::tflite::metadata::{self, ConversionMetadata};

/// What the float model came from (`CONVERSION_METADATA.environment.model_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelSource {
    /// A Keras-style model built and trained here.
    Keras,
    /// An imported `.tflite` file.
    Tflite,
}

/// Producer string written into `description` and `CONVERSION_METADATA`.
pub const PRODUCER: &str = concat!("litequant ", env!("CARGO_PKG_VERSION"));

fn dtype_of(g: &Graph, idx: i32) -> Option<DType> {
    if idx < 0 {
        None
    } else {
        g.tensors.get(idx as usize).map(|t| t.dtype)
    }
}

/// The version TFLite's op-version rules give `op` (the subset of rules for our ops).
pub fn op_version(g: &Graph, op: &Op) -> i32 {
    let input = op.inputs.first().and_then(|&i| dtype_of(g, i));
    match &op.kind {
        OpKind::FullyConnected { keep_num_dims, .. } => {
            let weights = op.inputs.get(1).and_then(|&i| dtype_of(g, i));
            match (input, weights) {
                // hybrid: float activations, int8 per-channel weights
                (Some(DType::F32), Some(DType::I8)) => 12,
                (Some(DType::I8), Some(DType::I8)) => 4,
                (Some(DType::U8), Some(DType::U8)) => 1,
                _ if *keep_num_dims => 5,
                _ => 1,
            }
        }
        OpKind::Softmax { .. } => match input {
            Some(DType::I8) | Some(DType::U8) => 2,
            _ => 1,
        },
        OpKind::Dequantize => match input {
            Some(DType::F16) => 3,
            Some(DType::I8) => 2,
            _ => 1,
        },
        OpKind::Quantize => 1,
        OpKind::Relu => match input {
            Some(DType::I8) => 2,
            _ => 1,
        },
        OpKind::StridedSlice { .. } => match input {
            Some(DType::I8) => 2,
            _ => 1,
        },
        OpKind::Pack { .. } => match input {
            Some(DType::I8) => 2,
            _ => 1,
        },
        OpKind::Reshape { .. } | OpKind::Shape { .. } => 1,
    }
}

/// TFLite's minimum runtime version for an (op, version), from the format's version table.
fn runtime_version(op: &OpKind, version: i32) -> &'static str {
    match (op, version) {
        (OpKind::FullyConnected { .. }, 1) => "1.5.0",
        (OpKind::FullyConnected { .. }, 2) => "1.10.0",
        (OpKind::FullyConnected { .. }, 3 | 4) => "1.14.0",
        (OpKind::FullyConnected { .. }, 5) => "2.0.0",
        (OpKind::FullyConnected { .. }, 12) => "2.17.0",
        (OpKind::Softmax { .. }, 1) => "1.5.0",
        (OpKind::Softmax { .. }, 2) => "1.14.0",
        (OpKind::Dequantize, 1) => "1.13.1",
        (OpKind::Dequantize, 2) => "1.14.0",
        (OpKind::Dequantize, 3) => "1.15.0",
        (OpKind::Quantize, 1) => "1.14.0",
        (OpKind::Relu, 1) => "1.5.0",
        (OpKind::Relu, 2) => "2.1.0",
        (OpKind::Reshape { .. }, 1) => "1.5.0",
        (OpKind::Shape { .. }, 1) => "1.10.0",
        (OpKind::StridedSlice { .. }, 1) => "1.6.0",
        (OpKind::StridedSlice { .. }, 2) => "1.14.0",
        (OpKind::Pack { .. }, 1) => "1.11.0",
        (OpKind::Pack { .. }, 2) => "1.14.0",
        _ => "1.5.0",
    }
}

fn version_less(a: &str, b: &str) -> bool {
    let p = |s: &str| {
        s.split('.')
            .map(|x| x.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    p(a) < p(b)
}

/// Sets op versions (one version per builtin op: the highest any of its uses needs, as the
/// converter's op-code table does) and the model-level metadata.
pub fn finalize(g: &mut Graph, float_graph: &Graph, mode: Mode, source: ModelSource) -> Result<()> {
    let versions: Vec<i32> = g.ops.iter().map(|op| op_version(g, op)).collect();
    for i in 0..g.ops.len() {
        let name = g.ops[i].kind.name();
        let v = g
            .ops
            .iter()
            .zip(&versions)
            .filter(|(o, _)| o.kind.name() == name)
            .map(|(_, &v)| v)
            .max()
            .unwrap_or(1);
        g.ops[i].version = v;
    }
    let mut min_rt = "1.5.0";
    for op in &g.ops {
        let v = runtime_version(&op.kind, op.version);
        if version_less(min_rt, v) {
            min_rt = v;
        }
    }
    let mut rt = min_rt.as_bytes().to_vec();
    rt.resize(16, 0);
    g.description = PRODUCER.to_string();
    g.metadata.clear();
    g.set_metadata("min_runtime_version", rt);
    let modes = match mode {
        Mode::Float32 => vec![],
        Mode::Float16 => {
            g.set_metadata("reduced_precision_support", b"fp16accfp32".to_vec());
            vec![metadata::optimization_mode::PTQ_FLOAT16]
        }
        Mode::DynamicRange => vec![metadata::optimization_mode::PTQ_DYNAMIC_RANGE],
        Mode::FullInteger { .. } => vec![metadata::optimization_mode::PTQ_FULL_INTEGER],
    };
    let cm = ConversionMetadata {
        version_string: PRODUCER.to_string(),
        api_version: 2,
        model_type: match source {
            ModelSource::Keras => metadata::model_type::KERAS_MODEL,
            ModelSource::Tflite => metadata::model_type::NONE,
        },
        model_hash: model_hash(float_graph),
        optimization_modes: modes,
        allow_custom_ops: false,
        enable_select_tf_ops: false,
        force_select_tf_ops: false,
    };
    g.set_metadata("CONVERSION_METADATA", cm.encode());
    Ok(())
}

/// FNV-1a over the float model's op kinds and constant bytes: identifies the source model.
fn model_hash(g: &Graph) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for op in &g.ops {
        eat(op.kind.name().as_bytes());
    }
    for t in &g.tensors {
        if let Some(d) = &t.data {
            eat(d);
        }
    }
    h
}
