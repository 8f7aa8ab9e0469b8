//! The Graph IR: a model's tensors and operators with quantization parameters.
//!
//! Everything meets here: an `nn::Model` lowers to it ([`lower`]), the `.tflite` reader produces it,
//! the quantization passes rewrite it, the writer serializes it and the interpreter runs it.
//! It mirrors the TFLite data model closely (tensor indices, optional inputs as `-1`, one
//! buffer per tensor, operator codes and options in the schema's own types) so that
//! reading and writing are plain mappings.
//!
//! **Subgraphs.** A [`Graph`] is the model: its own `tensors` / `ops` / `inputs` /
//! `outputs` are the main subgraph (file subgraph 0, the one signatures and the
//! interpreter run), and [`Graph::subgraphs`] holds the others in file order (file subgraph
//! `k` is `subgraphs[k - 1]`: e.g. the init subgraph of CALL_ONCE). [`Graph::subgraph`]
//! views any of them uniformly.
//!
//! **Order.** Ops are stored in TFLite execution order; [`Graph::validate`] checks that every
//! op input is a subgraph input, a constant, a variable or the output of an earlier op.

pub mod lower;

use crate::error::{Error, Result};
pub use crate::tflite::schema_generated::tflite as schema;
pub use schema::{BuiltinOperator, BuiltinOptions};

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
    /// A resource handle (VAR_HANDLE's output): TFLite stores it as an int32 id.
    Resource,
}

impl DType {
    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 | DType::Resource => 4,
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
            DType::Resource => "resource",
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

/// Fused activation function (TFLite `ActivationFunctionType`, without SIGN_BIT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    None,
    Relu,
    ReluN1To1,
    Relu6,
    Tanh,
}

impl Activation {
    /// The schema value.
    pub fn to_schema(self) -> schema::ActivationFunctionType {
        use schema::ActivationFunctionType as A;
        match self {
            Activation::None => A::None,
            Activation::Relu => A::Relu,
            Activation::ReluN1To1 => A::ReluN1To1,
            Activation::Relu6 => A::Relu6,
            Activation::Tanh => A::Tanh,
        }
    }

    /// From the schema value; `None` for SIGN_BIT, which no builtin op accepts.
    pub fn from_schema(a: schema::ActivationFunctionType) -> Option<Self> {
        use schema::ActivationFunctionType as A;
        Some(match a {
            A::None => Activation::None,
            A::Relu => Activation::Relu,
            A::ReluN1To1 => Activation::ReluN1To1,
            A::Relu6 => Activation::Relu6,
            A::Tanh => Activation::Tanh,
            A::SignBit => return None,
        })
    }

    /// Keras-style lower-case name (`"relu"`, `"relu6"`, …), `"none"` for no activation.
    pub fn name(self) -> &'static str {
        match self {
            Activation::None => "none",
            Activation::Relu => "relu",
            Activation::ReluN1To1 => "relu_n1_to_1",
            Activation::Relu6 => "relu6",
            Activation::Tanh => "tanh",
        }
    }
}

/// One operator, as a `.tflite` file holds it: the operator code, the op version and the
/// options table, stored in the schema's own types so that the reader and the writer map
/// them without per-op code. What an op *means* (shapes, kernels, quantization) is defined
/// by its family in [`crate::ops`], which reads `options` with one `match`.
///
/// Optional inputs are `-1`, as in TFLite.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// The builtin operator (`BuiltinOperator::Custom` for a custom op).
    pub code: BuiltinOperator,
    /// The custom op's name (`OperatorCode.custom_code`); `None` for builtin ops.
    pub custom_code: Option<String>,
    /// Operator version, as TFLite's op-version rules give it (`OpDef::version`).
    pub version: i32,
    /// `Operator.builtin_options`; `None` when the file has none (every field then takes
    /// its schema default).
    pub options: Option<BuiltinOptions>,
    /// `Operator.custom_options` of a custom op (opaque bytes, kept for round trips).
    pub custom_options: Option<Vec<u8>>,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
}

impl Op {
    /// A builtin op, version 1 (the converter's finalize step sets the real version).
    pub fn new(
        code: BuiltinOperator,
        options: Option<BuiltinOptions>,
        inputs: Vec<i32>,
        outputs: Vec<i32>,
    ) -> Self {
        Op {
            code,
            custom_code: None,
            version: 1,
            options,
            custom_options: None,
            inputs,
            outputs,
        }
    }

    /// The schema name of the operator (`"FULLY_CONNECTED"`, `"CONV_2D"`, `"CUSTOM"`).
    pub fn name(&self) -> &'static str {
        crate::tflite::builtin_operator_name(self.code)
    }

    /// The name for messages: the schema name, or `CUSTOM 'name'` for a custom op.
    pub fn display_name(&self) -> String {
        match &self.custom_code {
            Some(c) if self.code == BuiltinOperator::Custom => {
                format!("CUSTOM '{}'", c.escape_debug())
            }
            _ => self.name().to_string(),
        }
    }

    /// The TFLite builtin code (`FULLY_CONNECTED` = 9, `QUANTIZE` = 114, …).
    pub fn builtin_code(&self) -> i32 {
        self.code as i32
    }
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
    /// A variable tensor (`Tensor.is_variable`): state that persists between invocations.
    pub is_variable: bool,
    /// Sparse storage of a constant (`Tensor.sparsity`, read by DENSIFY): `data` then holds
    /// the compressed values, not `shape`'s elements.
    pub sparsity: Option<schema::SparsityParameters>,
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
            is_variable: false,
            sparsity: None,
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
            is_variable: false,
            sparsity: None,
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

/// A subgraph other than the main one (file subgraph index ≥ 1).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Subgraph {
    pub name: String,
    pub tensors: Vec<Tensor>,
    pub ops: Vec<Op>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
}

/// A borrowed view of any subgraph, the main one included.
#[derive(Clone, Copy, Debug)]
pub struct SubgraphRef<'a> {
    /// File subgraph index (0 = main).
    pub index: usize,
    pub name: &'a str,
    pub tensors: &'a [Tensor],
    pub ops: &'a [Op],
    pub inputs: &'a [usize],
    pub outputs: &'a [usize],
}

/// A model: the main subgraph, any further subgraphs, and the model-level fields of a
/// `.tflite` file.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    pub tensors: Vec<Tensor>,
    pub ops: Vec<Op>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    /// Main subgraph name (TF writes "main").
    pub name: String,
    /// File subgraphs 1, 2, … (`subgraphs[k - 1]` is file subgraph `k`).
    pub subgraphs: Vec<Subgraph>,
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
            subgraphs: Vec::new(),
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

    /// Number of subgraphs (1 + `subgraphs.len()`).
    pub fn subgraph_count(&self) -> usize {
        1 + self.subgraphs.len()
    }

    /// File subgraph `k` (0 = main).
    pub fn subgraph(&self, k: usize) -> Option<SubgraphRef<'_>> {
        if k == 0 {
            return Some(SubgraphRef {
                index: 0,
                name: &self.name,
                tensors: &self.tensors,
                ops: &self.ops,
                inputs: &self.inputs,
                outputs: &self.outputs,
            });
        }
        self.subgraphs.get(k - 1).map(|s| SubgraphRef {
            index: k,
            name: &s.name,
            tensors: &s.tensors,
            ops: &s.ops,
            inputs: &s.inputs,
            outputs: &s.outputs,
        })
    }

    /// Every subgraph, main first.
    pub fn all_subgraphs(&self) -> impl Iterator<Item = SubgraphRef<'_>> {
        (0..self.subgraph_count()).filter_map(|k| self.subgraph(k))
    }

    /// Checks the structure every stage relies on, in every subgraph: tensor indices in
    /// range; ops in execution order, i.e. every op input (other than `-1`) is a subgraph
    /// input, a constant, a variable or the output of an earlier op; no tensor produced
    /// twice; no op writing a constant or a subgraph input; every subgraph output
    /// available. The error names the subgraph, op and tensor.
    pub fn validate(&self) -> Result<()> {
        for sg in self.all_subgraphs() {
            sg.validate()?;
        }
        Ok(())
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

impl SubgraphRef<'_> {
    /// "subgraph k " prefix for messages about subgraphs other than the main one.
    fn prefix(&self) -> String {
        if self.index == 0 {
            String::new()
        } else {
            format!("subgraph {} ", self.index)
        }
    }

    /// See [`Graph::validate`].
    pub fn validate(&self) -> Result<()> {
        let n = self.tensors.len();
        let sg = self.prefix();
        let name = |t: usize| self.tensors[t].name.escape_debug().to_string();
        let mut available = vec![false; n];
        for (k, t) in self.tensors.iter().enumerate() {
            available[k] = t.data.is_some() || t.is_variable;
        }
        for &i in self.inputs {
            if i >= n {
                return Err(Error::format(format!(
                    "{sg}input tensor index {i} out of range ({n} tensors)"
                )));
            }
            available[i] = true;
        }
        let mut produced = vec![false; n];
        for (k, op) in self.ops.iter().enumerate() {
            let what = || format!("{sg}op {k} ({})", op.display_name());
            for (j, &i) in op.inputs.iter().enumerate() {
                if i == -1 {
                    continue;
                }
                let t = usize::try_from(i).ok().filter(|&t| t < n).ok_or_else(|| {
                    Error::format(format!(
                        "{}: input {j}: tensor index {i} out of range ({n} tensors)",
                        what()
                    ))
                })?;
                if !available[t] {
                    return Err(Error::format(format!(
                        "{}: input {j} reads tensor {t} '{}', which is neither an input, a \
                         constant nor a variable, and no earlier op produces it",
                        what(),
                        name(t)
                    )));
                }
            }
            for (j, &o) in op.outputs.iter().enumerate() {
                let t = usize::try_from(o).ok().filter(|&t| t < n).ok_or_else(|| {
                    Error::format(format!(
                        "{}: output {j}: tensor index {o} out of range ({n} tensors)",
                        what()
                    ))
                })?;
                let tensor = &self.tensors[t];
                if tensor.data.is_some() || self.inputs.contains(&t) || produced[t] {
                    let role = if tensor.data.is_some() {
                        "a constant"
                    } else if produced[t] {
                        "already written by an earlier op"
                    } else {
                        "a subgraph input"
                    };
                    return Err(Error::format(format!(
                        "{}: output {j} writes tensor {t} '{}', which is {role}",
                        what(),
                        name(t)
                    )));
                }
                produced[t] = true;
                available[t] = true;
            }
        }
        for &o in self.outputs {
            if o >= n {
                return Err(Error::format(format!(
                    "{sg}output tensor index {o} out of range ({n} tensors)"
                )));
            }
            if !available[o] {
                return Err(Error::format(format!(
                    "{sg}output tensor {o} '{}' is never computed",
                    name(o)
                )));
            }
        }
        Ok(())
    }
}

impl Default for Graph {
    fn default() -> Self {
        Self::new()
    }
}
