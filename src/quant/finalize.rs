//! The last step of every conversion: operator versions, `min_runtime_version`,
//! `CONVERSION_METADATA`, description — as TF's converter fills them, except that our files
//! name litequant (never TensorFlow) as their producer.

use super::convert::Mode;
use crate::error::{Error, Result};
use crate::graph::{Graph, Op};
use crate::ops;
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

/// The version TFLite's op-version rules give `op` (its family's rule, [`crate::ops`]).
pub fn op_version(g: &Graph, op: &Op) -> i32 {
    ops::op_version(op, &g.tensors)
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
        let key = (g.ops[i].code, g.ops[i].custom_code.clone());
        let v = g
            .ops
            .iter()
            .zip(&versions)
            .filter(|(o, _)| (o.code, o.custom_code.clone()) == key)
            .map(|(_, &v)| v)
            .max()
            .unwrap_or(1);
        g.ops[i].version = v;
    }
    let mut min_rt = "1.5.0";
    for (i, op) in g.ops.iter().enumerate() {
        let v = ops::def_of(op)
            .and_then(|d| d.runtime_version(op.code, op.version))
            .ok_or_else(|| {
                Error::converter(format!(
                    "op {i} ({} v{}): TFLite's table has no minimum runtime version for it",
                    op.display_name(),
                    op.version
                ))
            })?;
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
        // TF's calibrate-only model records the full-integer mode it was calibrated for.
        Mode::FullInteger { .. } | Mode::Calibrated => {
            vec![metadata::optimization_mode::PTQ_FULL_INTEGER]
        }
        Mode::Int16x8 { .. } => vec![metadata::optimization_mode::PTQ_INT16],
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

/// Moves `CONVERSION_METADATA` before the other metadata entries, as TF's
/// QuantizationDebugger (`get_nondebug_quantized_model`) stores it: it quantizes an already
/// converted, calibrated model and adds `min_runtime_version` afterwards.
pub fn conversion_metadata_first(g: &mut Graph) {
    if let Some(i) = g
        .metadata
        .iter()
        .position(|m| m.name == "CONVERSION_METADATA")
    {
        let m = g.metadata.remove(i);
        g.metadata.insert(0, m);
    }
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
        eat(op.name().as_bytes());
    }
    for t in &g.tensors {
        if let Some(d) = &t.data {
            eat(d);
        }
    }
    h
}
