//! The Graph IR: one subgraph of tensors and operators with quantization parameters.
//!
//! Everything meets here: `nn::Sequential` lowers to it, the `.tflite` reader produces it,
//! the quantization passes rewrite it, the writer serializes it and the interpreter runs it.
//! It mirrors the TFLite data model closely (tensor indices, optional inputs as `-1`, one
//! buffer per tensor) so that reading and writing are plain mappings.

pub mod lower;

use crate::error::{Error, Result};

/// Element type of a tensor (the subset of TFLite's `TensorType` we model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum DType {
    F32,
    F16,
    I32,
    U8,
    I64,
    I16,
    I8,
    Bool,
}

impl DType {
    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::F16 | DType::I16 => 2,
            DType::U8 | DType::I8 | DType::Bool => 1,
            DType::I64 => 8,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F16 => "float16",
            DType::I32 => "int32",
            DType::U8 => "uint8",
            DType::I64 => "int64",
            DType::I16 => "int16",
            DType::I8 => "int8",
            DType::Bool => "bool",
        }
    }
}

/// Affine quantization parameters: `real = scale * (q - zero_point)`.
/// Per-tensor when `scale.len() == 1`, per-channel along `quantized_dimension` otherwise.
/// `min`/`max` carry calibration ranges (only in calibrated float models).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Quant {
    pub scale: Vec<f32>,
    pub zero_point: Vec<i64>,
    pub quantized_dimension: i32,
    pub min: Vec<f32>,
    pub max: Vec<f32>,
}

impl Quant {
    /// Per-tensor parameters.
    pub fn per_tensor(scale: f32, zero_point: i64) -> Self {
        Quant {
            scale: vec![scale],
            zero_point: vec![zero_point],
            ..Default::default()
        }
    }
    /// Per-channel symmetric parameters (all zero points 0).
    pub fn per_channel(scale: Vec<f32>, quantized_dimension: i32) -> Self {
        let zero_point = vec![0; scale.len()];
        Quant {
            scale,
            zero_point,
            quantized_dimension,
            ..Default::default()
        }
    }
    /// True when scales/zero points are present (not just min/max).
    pub fn is_quantized(&self) -> bool {
        !self.scale.is_empty()
    }
}

/// Fused activation function (TFLite `ActivationFunctionType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    None,
    Relu,
    ReluN1To1,
    Relu6,
    Tanh,
}

/// Operator kinds and their options.
#[derive(Clone, Debug, PartialEq)]
pub enum OpKind {
    /// inputs: [input, weights [out,in], bias (or -1)]; outputs: [out]
    FullyConnected {
        activation: Activation,
        keep_num_dims: bool,
        asymmetric_quantize_inputs: bool,
    },
    Softmax {
        beta: f32,
    },
    Quantize,
    Dequantize,
    Relu,
    /// inputs: [input, shape (optional)]
    Reshape {
        new_shape: Option<Vec<i32>>,
    },
    Shape {
        out_type: DType,
    },
    StridedSlice {
        begin_mask: i32,
        end_mask: i32,
        ellipsis_mask: i32,
        new_axis_mask: i32,
        shrink_axis_mask: i32,
        offset: bool,
    },
    Pack {
        values_count: i32,
        axis: i32,
    },
}

impl OpKind {
    /// The TFLite operator name, as in the schema's `BuiltinOperator`.
    pub fn name(&self) -> &'static str {
        match self {
            OpKind::FullyConnected { .. } => "FULLY_CONNECTED",
            OpKind::Softmax { .. } => "SOFTMAX",
            OpKind::Quantize => "QUANTIZE",
            OpKind::Dequantize => "DEQUANTIZE",
            OpKind::Relu => "RELU",
            OpKind::Reshape { .. } => "RESHAPE",
            OpKind::Shape { .. } => "SHAPE",
            OpKind::StridedSlice { .. } => "STRIDED_SLICE",
            OpKind::Pack { .. } => "PACK",
        }
    }
}

/// One operator. Optional inputs are `-1`, as in TFLite.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    pub kind: OpKind,
    /// Operator version as TFLite's op-version rules give it (see `quant::finalize::op_version`).
    pub version: i32,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
}

/// One tensor. Constants carry `data` (little-endian bytes, TFLite layout); activations
/// have `data == None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<i32>,
    /// `[-1, n]` for a dynamic batch; `None` for constants.
    pub shape_signature: Option<Vec<i32>>,
    pub quant: Option<Quant>,
    pub data: Option<Vec<u8>>,
}

impl Tensor {
    pub fn activation(name: impl Into<String>, dtype: DType, shape: Vec<i32>) -> Self {
        Tensor {
            name: name.into(),
            dtype,
            shape,
            shape_signature: None,
            quant: None,
            data: None,
        }
    }
    pub fn constant(name: impl Into<String>, dtype: DType, shape: Vec<i32>, data: Vec<u8>) -> Self {
        Tensor {
            name: name.into(),
            dtype,
            shape,
            shape_signature: None,
            quant: None,
            data: Some(data),
        }
    }
    /// Number of elements (fails on negative dims or overflow).
    pub fn num_elements(&self) -> Result<usize> {
        num_elements(&self.shape).ok_or_else(|| {
            Error::shape(
                format!("tensor '{}'", self.name),
                "non-negative dims whose product fits",
                &self.shape,
            )
        })
    }
    /// Constant data decoded as f32 (F32 only).
    pub fn f32_data(&self) -> Result<Vec<f32>> {
        self.typed_data(DType::F32, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Constant data decoded as i32 (I32 only).
    pub fn i32_data(&self) -> Result<Vec<i32>> {
        self.typed_data(DType::I32, |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Constant data decoded as i8 (I8 only).
    pub fn i8_data(&self) -> Result<Vec<i8>> {
        self.typed_data(DType::I8, |b| b[0] as i8)
    }
    /// Constant data decoded as f16 (F16 only).
    pub fn f16_data(&self) -> Result<Vec<half::f16>> {
        self.typed_data(DType::F16, |b| half::f16::from_le_bytes([b[0], b[1]]))
    }

    fn typed_data<T>(&self, want: DType, f: impl Fn(&[u8]) -> T) -> Result<Vec<T>> {
        if self.dtype != want {
            return Err(Error::invalid(format!(
                "tensor '{}' is {}, expected {}",
                self.name,
                self.dtype.name(),
                want.name()
            )));
        }
        let data = self.data.as_ref().ok_or_else(|| {
            Error::invalid(format!("tensor '{}' has no constant data", self.name))
        })?;
        let n = self.num_elements()?;
        if data.len() != n * want.size() {
            return Err(Error::format(format!(
                "tensor '{}' buffer holds {} bytes, its shape {:?} needs {}",
                self.name,
                data.len(),
                self.shape,
                n * want.size()
            )));
        }
        Ok(data.chunks_exact(want.size()).map(f).collect())
    }
}

/// Product of dims; `None` on a negative dim or overflow.
pub fn num_elements(shape: &[i32]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| {
        if d < 0 {
            None
        } else {
            acc.checked_mul(d as usize)
        }
    })
}

/// Little-endian bytes of f32 values.
pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
/// Little-endian bytes of i32 values.
pub fn i32_bytes(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
/// Bytes of i8 values.
pub fn i8_bytes(v: &[i8]) -> Vec<u8> {
    v.iter().map(|&x| x as u8).collect()
}
/// Little-endian bytes of f16 values.
pub fn f16_bytes(v: &[half::f16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A named model input or output of the `serving_default` signature.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureTensor {
    pub name: String,
    pub tensor: usize,
}

/// The model's signature (TF writes one, `serving_default`).
#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    pub key: String,
    pub inputs: Vec<SignatureTensor>,
    pub outputs: Vec<SignatureTensor>,
}

/// A named metadata entry (its bytes live in a buffer of its own in the file).
#[derive(Clone, Debug, PartialEq)]
pub struct Metadata {
    pub name: String,
    pub data: Vec<u8>,
}

/// A model: one subgraph plus the model-level fields of a `.tflite` file.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    pub tensors: Vec<Tensor>,
    pub ops: Vec<Op>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    /// Subgraph name (TF writes "main").
    pub name: String,
    pub description: String,
    pub signature: Option<Signature>,
    pub metadata: Vec<Metadata>,
}

impl Graph {
    pub fn new() -> Self {
        Graph {
            tensors: Vec::new(),
            ops: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            name: "main".into(),
            description: String::new(),
            signature: None,
            metadata: Vec::new(),
        }
    }

    /// Appends a tensor and returns its index.
    pub fn add_tensor(&mut self, t: Tensor) -> usize {
        self.tensors.push(t);
        self.tensors.len() - 1
    }

    /// Looks up a tensor by an operator input index (`-1` means absent).
    pub fn opt_tensor(&self, idx: i32) -> Result<Option<&Tensor>> {
        if idx < 0 {
            return Ok(None);
        }
        self.tensors.get(idx as usize).map(Some).ok_or_else(|| {
            Error::format(format!(
                "tensor index {idx} out of range ({} tensors)",
                self.tensors.len()
            ))
        })
    }

    /// Metadata entry by name.
    pub fn metadata(&self, name: &str) -> Option<&[u8]> {
        self.metadata
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.data.as_slice())
    }

    /// Replaces or adds a metadata entry.
    pub fn set_metadata(&mut self, name: &str, data: Vec<u8>) {
        match self.metadata.iter_mut().find(|m| m.name == name) {
            Some(m) => m.data = data,
            None => self.metadata.push(Metadata {
                name: name.into(),
                data,
            }),
        }
    }
}

impl Default for Graph {
    fn default() -> Self {
        Self::new()
    }
}
