//! Graph → `.tflite` bytes, through planus' builder (the object API of the generated code).
//!
//! Layout conventions follow TensorFlow 2.21's converter: `buffers[0]` is the empty
//! sentinel, then one buffer per tensor in tensor order (empty for activations), then one
//! buffer per metadata entry; operator codes are deduplicated by (code, version) in
//! first-use order and carry both `builtin_code` and `deprecated_builtin_code`. The output
//! is a pure function of the Graph, so the same Graph always gives the same bytes.

use super::schema_generated::tflite as fb;
use super::{builtin_code, builtin_operator, deprecated_builtin_code, tensor_type};
use super::{FILE_IDENTIFIER, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::graph::{Activation, Graph, Op, OpKind, Quant, Tensor};

/// Serializes `graph` as a `.tflite` file (schema version 3, identifier `TFL3`).
///
/// Fails with [`Error::InvalidArgument`] when the graph refers to tensors that do not
/// exist or has more tensors/buffers than a `.tflite` index can address.
pub fn write(graph: &Graph) -> Result<Vec<u8>> {
    let n_tensors = graph.tensors.len();
    check_graph(graph)?;

    // Buffers: sentinel, one per tensor, one per metadata entry.
    let mut buffers = Vec::with_capacity(1 + n_tensors + graph.metadata.len());
    buffers.push(fb::Buffer::default());
    buffers.extend(graph.tensors.iter().map(|t| fb::Buffer {
        data: t.data.clone(),
        ..Default::default()
    }));
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

    let tensors: Vec<fb::Tensor> = graph
        .tensors
        .iter()
        .enumerate()
        .map(|(i, t)| write_tensor(t, to_u32(i + 1, "tensor buffer index")?))
        .collect::<Result<_>>()?;

    // Operator codes, deduplicated by (code, version) in first-use order.
    let mut codes: Vec<(i32, i32)> = Vec::new();
    let mut operator_codes = Vec::new();
    let mut operators = Vec::with_capacity(graph.ops.len());
    for op in &graph.ops {
        let key = (builtin_code(&op.kind), op.version);
        let opcode_index = match codes.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                codes.push(key);
                operator_codes.push(fb::OperatorCode {
                    deprecated_builtin_code: deprecated_builtin_code(key.0),
                    custom_code: None,
                    version: op.version,
                    builtin_code: builtin_operator(&op.kind),
                });
                codes.len() - 1
            }
        };
        operators.push(write_op(op, to_u32(opcode_index, "opcode index")?));
    }

    let subgraph = fb::SubGraph {
        tensors: Some(tensors),
        inputs: Some(indices(&graph.inputs)?),
        outputs: Some(indices(&graph.outputs)?),
        operators: Some(operators),
        name: non_empty(&graph.name),
    };

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
        subgraphs: Some(vec![subgraph]),
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
        is_variable: false,
        sparsity: None,
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
        builtin_options: builtin_options(&op.kind),
        custom_options: None,
        builtin_options_2_type: 0,
    }
}

/// The options table TF writes for each op kind (QUANTIZE/DEQUANTIZE/RELU: none).
fn builtin_options(kind: &OpKind) -> Option<fb::BuiltinOptions> {
    use fb::BuiltinOptions as O;
    Some(match kind {
        OpKind::FullyConnected {
            activation,
            keep_num_dims,
            asymmetric_quantize_inputs,
        } => O::FullyConnectedOptions(Box::new(fb::FullyConnectedOptions {
            fused_activation_function: activation_type(*activation),
            weights_format: fb::FullyConnectedOptionsWeightsFormat::Default,
            keep_num_dims: *keep_num_dims,
            asymmetric_quantize_inputs: *asymmetric_quantize_inputs,
            quantized_bias_type: fb::TensorType::Float32,
        })),
        OpKind::Softmax { beta } => O::SoftmaxOptions(Box::new(fb::SoftmaxOptions { beta: *beta })),
        OpKind::Quantize | OpKind::Dequantize | OpKind::Relu => return None,
        OpKind::Reshape { new_shape } => {
            let new_shape = new_shape.clone()?;
            O::ReshapeOptions(Box::new(fb::ReshapeOptions {
                new_shape: Some(new_shape),
            }))
        }
        OpKind::Shape { out_type } => O::ShapeOptions(Box::new(fb::ShapeOptions {
            out_type: tensor_type(*out_type),
        })),
        OpKind::StridedSlice {
            begin_mask,
            end_mask,
            ellipsis_mask,
            new_axis_mask,
            shrink_axis_mask,
            offset,
        } => O::StridedSliceOptions(Box::new(fb::StridedSliceOptions {
            begin_mask: *begin_mask,
            end_mask: *end_mask,
            ellipsis_mask: *ellipsis_mask,
            new_axis_mask: *new_axis_mask,
            shrink_axis_mask: *shrink_axis_mask,
            offset: *offset,
        })),
        OpKind::Pack { values_count, axis } => O::PackOptions(Box::new(fb::PackOptions {
            values_count: *values_count,
            axis: *axis,
        })),
    })
}

pub(super) fn activation_type(a: Activation) -> fb::ActivationFunctionType {
    use fb::ActivationFunctionType as A;
    match a {
        Activation::None => A::None,
        Activation::Relu => A::Relu,
        Activation::ReluN1To1 => A::ReluN1To1,
        Activation::Relu6 => A::Relu6,
        Activation::Tanh => A::Tanh,
    }
}

/// Index checks the writer needs so that it never emits a file that points nowhere.
fn check_graph(graph: &Graph) -> Result<()> {
    let n = graph.tensors.len();
    let in_range = |i: i64| i >= 0 && (i as u64) < n as u64;
    for (k, op) in graph.ops.iter().enumerate() {
        if let Some(&bad) = op.inputs.iter().find(|&&i| i != -1 && !in_range(i as i64)) {
            return Err(Error::invalid(format!(
                "op {k} ({}): input tensor index {bad} out of range ({n} tensors)",
                op.kind.name()
            )));
        }
        if let Some(&bad) = op.outputs.iter().find(|&&i| !in_range(i as i64)) {
            return Err(Error::invalid(format!(
                "op {k} ({}): output tensor index {bad} out of range ({n} tensors)",
                op.kind.name()
            )));
        }
    }
    let io = graph.inputs.iter().chain(&graph.outputs);
    let sig = graph
        .signature
        .iter()
        .flat_map(|s| s.inputs.iter().chain(&s.outputs).map(|t| &t.tensor));
    if let Some(&bad) = io.chain(sig).find(|&&i| i >= n) {
        return Err(Error::invalid(format!(
            "graph input/output/signature tensor index {bad} out of range ({n} tensors)"
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
