//! Graph → `.tflite` bytes, through planus' builder (the object API of the generated code).
//!
//! Layout conventions follow TensorFlow 2.21's converter: `buffers[0]` is the empty
//! sentinel, then one buffer per tensor in tensor order (empty for activations; main
//! subgraph first, then the others in order), then one buffer per metadata entry; operator
//! codes are deduplicated by (code, custom code, version) in first-use order and carry both
//! `builtin_code` and `deprecated_builtin_code`. Options are written as the Graph holds
//! them (the schema's own types): no per-op code. The output is a pure function of the
//! Graph, so the same Graph always gives the same bytes.

use super::schema_generated::tflite as fb;
use super::{deprecated_builtin_code, tensor_type};
use super::{FILE_IDENTIFIER, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::graph::{Graph, Op, Quant, SubgraphRef, Tensor};

/// Serializes `graph` as a `.tflite` file (schema version 3, identifier `TFL3`).
///
/// Fails with [`Error::InvalidArgument`] when the graph refers to tensors that do not
/// exist or has more tensors/buffers than a `.tflite` index can address.
pub fn write(graph: &Graph) -> Result<Vec<u8>> {
    for sg in graph.all_subgraphs() {
        check_subgraph(&sg)?;
    }
    let n_tensors: usize = graph.all_subgraphs().map(|sg| sg.tensors.len()).sum();

    // Buffers: sentinel, one per tensor (subgraph by subgraph), one per metadata entry.
    let mut buffers = Vec::with_capacity(1 + n_tensors + graph.metadata.len());
    buffers.push(fb::Buffer::default());
    let mut codes: Vec<(fb::BuiltinOperator, Option<&str>, i32)> = Vec::new();
    let mut operator_codes = Vec::new();
    let mut subgraphs = Vec::with_capacity(graph.subgraph_count());
    for sg in graph.all_subgraphs() {
        let first_buffer = buffers.len();
        buffers.extend(sg.tensors.iter().map(|t| fb::Buffer {
            data: t.data.clone(),
            ..Default::default()
        }));
        let tensors: Vec<fb::Tensor> = sg
            .tensors
            .iter()
            .enumerate()
            .map(|(i, t)| write_tensor(t, to_u32(first_buffer + i, "tensor buffer index")?))
            .collect::<Result<_>>()?;

        // Operator codes, deduplicated by (code, custom code, version) in first-use order.
        let mut operators = Vec::with_capacity(sg.ops.len());
        for op in sg.ops {
            let key = (op.code, op.custom_code.as_deref(), op.version);
            let opcode_index = match codes.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    codes.push(key);
                    operator_codes.push(fb::OperatorCode {
                        deprecated_builtin_code: deprecated_builtin_code(op.code as i32),
                        custom_code: op.custom_code.clone(),
                        version: op.version,
                        builtin_code: op.code,
                    });
                    codes.len() - 1
                }
            };
            operators.push(write_op(op, to_u32(opcode_index, "opcode index")?));
        }
        subgraphs.push(fb::SubGraph {
            tensors: Some(tensors),
            inputs: Some(indices(sg.inputs)?),
            outputs: Some(indices(sg.outputs)?),
            operators: Some(operators),
            name: non_empty(sg.name),
        });
    }
    let first_metadata_buffer = buffers.len();
    buffers.extend(graph.metadata.iter().map(|m| fb::Buffer {
        data: Some(m.data.clone()),
        ..Default::default()
    }));
    let metadata: Vec<fb::Metadata> = graph
        .metadata
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Ok(fb::Metadata {
                name: Some(m.name.clone()),
                buffer: to_u32(first_metadata_buffer + i, "metadata buffer index")?,
            })
        })
        .collect::<Result<_>>()?;
    if let Some(&bad) = graph
        .signature
        .iter()
        .flat_map(|s| s.inputs.iter().chain(&s.outputs).map(|t| &t.tensor))
        .find(|&&i| i >= graph.tensors.len())
    {
        return Err(Error::invalid(format!(
            "signature tensor index {bad} out of range ({} tensors)",
            graph.tensors.len()
        )));
    }

    let signature_defs = match &graph.signature {
        None => None,
        Some(sig) => {
            let map = |ts: &[crate::graph::SignatureTensor]| -> Result<Vec<fb::TensorMap>> {
                ts.iter()
                    .map(|s| {
                        Ok(fb::TensorMap {
                            name: Some(s.name.clone()),
                            tensor_index: to_u32(s.tensor, "signature tensor index")?,
                        })
                    })
                    .collect()
            };
            Some(vec![fb::SignatureDef {
                inputs: Some(map(&sig.inputs)?),
                outputs: Some(map(&sig.outputs)?),
                signature_key: Some(sig.key.clone()),
                subgraph_index: 0,
            }])
        }
    };

    let model = fb::Model {
        version: SCHEMA_VERSION,
        operator_codes: Some(operator_codes),
        subgraphs: Some(subgraphs),
        description: non_empty(&graph.description),
        buffers: Some(buffers),
        metadata_buffer: None,
        metadata: (!metadata.is_empty()).then_some(metadata),
        signature_defs,
    };
    Ok(serialize_model(&model))
}

/// Serializes a flatbuffers `Model` (object API) with the `TFL3` identifier. [`write`]
/// uses it; tests use it to build deliberately malformed files.
pub fn serialize_model(model: &fb::Model) -> Vec<u8> {
    let mut builder = planus::Builder::new();
    standard_header(builder.finish(model, Some(FILE_IDENTIFIER)).to_vec())
}

/// Puts the 8-byte header in flatbuffers' standard order: root offset at 0, identifier at 4.
///
/// planus 1.3.0's `Builder::finish` writes the two words swapped (identifier first, then
/// an offset relative to byte 4), which TFLite rejects; planus-org/planus PR #377 fixes
/// it upstream. If the buffer already has the identifier at 4 (a fixed planus), this is a
/// no-op.
fn standard_header(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes[0..4] == FILE_IDENTIFIER && bytes[4..8] != FILE_IDENTIFIER {
        let rel_to_4 = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        bytes[0..4].copy_from_slice(&(rel_to_4 + 4).to_le_bytes());
        bytes[4..8].copy_from_slice(&FILE_IDENTIFIER);
    }
    bytes
}

fn write_tensor(t: &Tensor, buffer: u32) -> Result<fb::Tensor> {
    Ok(fb::Tensor {
        shape: Some(t.shape.clone()),
        type_: tensor_type(t.dtype),
        buffer,
        name: Some(t.name.clone()),
        quantization: t.quant.as_ref().map(|q| Box::new(write_quant(q))),
        is_variable: t.is_variable,
        sparsity: t.sparsity.clone().map(Box::new),
        shape_signature: t.shape_signature.clone(),
        // TF 2.21 marks every tensor it writes as ranked.
        has_rank: true,
        external_buffer: 0,
    })
}

fn write_quant(q: &Quant) -> fb::QuantizationParameters {
    fn opt<T: Clone>(v: &[T]) -> Option<Vec<T>> {
        (!v.is_empty()).then(|| v.to_vec())
    }
    fb::QuantizationParameters {
        min: opt(&q.min),
        max: opt(&q.max),
        scale: opt(&q.scale),
        zero_point: opt(&q.zero_point),
        details_type: 0,
        quantized_dimension: q.quantized_dimension,
    }
}

fn write_op(op: &Op, opcode_index: u32) -> fb::Operator {
    fb::Operator {
        opcode_index,
        inputs: Some(op.inputs.clone()),
        outputs: Some(op.outputs.clone()),
        builtin_options: op.options.clone(),
        custom_options: op.custom_options.clone(),
        builtin_options_2_type: 0,
    }
}

/// Index checks the writer needs so that it never emits a file that points nowhere.
fn check_subgraph(sg: &SubgraphRef<'_>) -> Result<()> {
    let n = sg.tensors.len();
    let prefix = if sg.index == 0 {
        String::new()
    } else {
        format!("subgraph {} ", sg.index)
    };
    let in_range = |i: i64| i >= 0 && (i as u64) < n as u64;
    for (k, op) in sg.ops.iter().enumerate() {
        if let Some(&bad) = op.inputs.iter().find(|&&i| i != -1 && !in_range(i as i64)) {
            return Err(Error::invalid(format!(
                "{prefix}op {k} ({}): input tensor index {bad} out of range ({n} tensors)",
                op.display_name()
            )));
        }
        if let Some(&bad) = op.outputs.iter().find(|&&i| !in_range(i as i64)) {
            return Err(Error::invalid(format!(
                "{prefix}op {k} ({}): output tensor index {bad} out of range ({n} tensors)",
                op.display_name()
            )));
        }
    }
    if let Some(&bad) = sg.inputs.iter().chain(sg.outputs).find(|&&i| i >= n) {
        return Err(Error::invalid(format!(
            "{prefix}input/output tensor index {bad} out of range ({n} tensors)"
        )));
    }
    Ok(())
}

fn indices(v: &[usize]) -> Result<Vec<i32>> {
    v.iter()
        .map(|&i| {
            i32::try_from(i).map_err(|_| Error::invalid(format!("tensor index {i} exceeds i32")))
        })
        .collect()
}

fn to_u32(i: usize, what: &str) -> Result<u32> {
    u32::try_from(i).map_err(|_| Error::invalid(format!("{what} {i} exceeds u32")))
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}
