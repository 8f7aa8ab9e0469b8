//! `.tflite` bytes → Graph.
//!
//! The file is untrusted: planus checks every offset and length as it reads, and every
//! planus error becomes an [`Error::Format`] naming the field (with the byte offset when
//! known). On top of that we validate what the Graph IR relies on — buffer, tensor and
//! opcode indices, non-negative dims whose byte size fits in `usize`, constant buffers
//! whose length matches their shape — so later stages can index without checks. Anything
//! valid but outside the Graph IR (other ops, sparse or variable tensors, external
//! buffers, several subgraphs) is an [`Error::Unsupported`].
//!
//! Allocation stays proportional to the file: counts come from vectors planus has
//! already bounds-checked against the buffer, and a byte budget catches files whose
//! tables share one large buffer or string many times over.

use super::schema_generated::tflite as fb;
use super::{builtin_operator_name, dtype_of, effective_builtin_code, tensor_type_name};
use super::{FILE_IDENTIFIER, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::graph::{self, Activation, DType, Graph, Op, OpKind, Quant, Signature, SignatureTensor};
use planus::ReadAsRoot;

/// Parses a `.tflite` file into a [`Graph`].
pub fn read(bytes: &[u8]) -> Result<Graph> {
    if bytes.len() < 8 {
        return Err(Error::format(format!(
            "file is {} bytes, too short for a flatbuffer",
            bytes.len()
        )));
    }
    if bytes[4..8] != FILE_IDENTIFIER {
        return Err(Error::Format {
            what: format!(
                "file identifier is '{}', expected 'TFL3'",
                bytes[4..8].escape_ascii()
            ),
            offset: Some(4),
        });
    }
    let model = fb::ModelRef::read_as_root(bytes).ctx(|| "model root".into())?;
    Reader {
        budget: Budget::new(bytes.len()),
    }
    .model(model)
}

/// Converts planus errors into our `Error::Format` with a description of the field.
trait Ctx<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Ctx<T> for std::result::Result<T, planus::Error> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| {
            let at = e.source_location.byte_offset;
            Error::Format {
                what: format!("{}: {}", what(), e.error_kind),
                offset: (at != usize::MAX).then_some(at),
            }
        })
    }
}

/// Bytes we may copy out of the file. Shared tables/strings/buffers let a small file
/// describe a huge graph (a million tensors pointing at one 1 MB buffer); a legitimate
/// file needs only a small multiple of its size in memory.
struct Budget {
    left: usize,
}

impl Budget {
    const FACTOR: usize = 32;
    const SLACK: usize = 1 << 20;

    fn new(file_len: usize) -> Self {
        Budget {
            left: file_len
                .saturating_mul(Self::FACTOR)
                .saturating_add(Self::SLACK),
        }
    }

    fn charge(&mut self, n: usize, what: impl FnOnce() -> String) -> Result<()> {
        match self.left.checked_sub(n) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(Error::format(format!(
                "{}: the file's tables expand to far more data than the file holds \
                 (shared buffers or strings referenced many times)",
                what()
            ))),
        }
    }
}

/// The model's buffer table.
struct Buffers<'a>(Option<planus::Vector<'a, planus::Result<fb::BufferRef<'a>>>>);

impl<'a> Buffers<'a> {
    /// The bytes of buffer `idx`; `None` when it holds nothing (activations, sentinel).
    fn data(&self, idx: u32, what: &dyn Fn() -> String) -> Result<Option<&'a [u8]>> {
        let n = self.0.as_ref().map_or(0, |b| b.len());
        let Some(buf) = self.0.as_ref().and_then(|b| b.get(idx as usize)) else {
            return Err(Error::format(format!(
                "{}: buffer index {idx} out of range ({n} buffers)",
                what()
            )));
        };
        let buf = buf.ctx(|| format!("{}: buffer {idx}", what()))?;
        let offset = buf.offset().ctx(|| format!("buffer {idx} offset"))?;
        let size = buf.size().ctx(|| format!("buffer {idx} size"))?;
        // offset > 1 / size > 0 place the data after the flatbuffer (models over 2 GB).
        if offset > 1 || size > 0 {
            return Err(Error::unsupported(format!(
                "{}: buffer {idx} stores its data outside the flatbuffer (offset {offset}, size {size})",
                what()
            )));
        }
        let data = buf.data().ctx(|| format!("buffer {idx} data"))?;
        Ok(data.filter(|d| !d.is_empty()))
    }
}

struct Reader {
    budget: Budget,
}

impl Reader {
    fn model(&mut self, model: fb::ModelRef<'_>) -> Result<Graph> {
        let version = model.version().ctx(|| "model version".into())?;
        if version != SCHEMA_VERSION {
            return Err(Error::unsupported(format!(
                "schema version {version} (only version {SCHEMA_VERSION} is supported)"
            )));
        }

        let buffers = model.buffers().ctx(|| "model buffers".into())?;
        let buffers = Buffers(buffers);

        let subgraphs = model.subgraphs().ctx(|| "model subgraphs".into())?;
        let n_subgraphs = subgraphs.as_ref().map_or(0, |s| s.len());
        if n_subgraphs != 1 {
            return Err(Error::unsupported(format!(
                "model has {n_subgraphs} subgraphs, only single-subgraph models are supported"
            )));
        }
        let Some(sg) = subgraphs.and_then(|s| s.get(0)) else {
            return Err(Error::format("model has no subgraph"));
        };
        let sg = sg.ctx(|| "subgraph 0".into())?;

        let mut g = Graph::new();
        g.name = self.string(sg.name().ctx(|| "subgraph name".into())?, || {
            "subgraph name".into()
        })?;
        g.description = self.string(
            model.description().ctx(|| "model description".into())?,
            || "model description".into(),
        )?;

        // Tensors.
        if let Some(tensors) = sg.tensors().ctx(|| "subgraph tensors".into())? {
            for (i, t) in tensors.iter().enumerate() {
                let t = t.ctx(|| format!("tensor {i}"))?;
                let tensor = self.tensor(i, t, &buffers)?;
                g.tensors.push(tensor);
            }
        }
        let n_tensors = g.tensors.len();

        let io = |v: Option<planus::Vector<'_, i32>>, what: &str| -> Result<Vec<usize>> {
            v.into_iter()
                .flatten()
                .map(|i| tensor_index(i, n_tensors, || format!("subgraph {what}")))
                .collect()
        };
        g.inputs = io(sg.inputs().ctx(|| "subgraph inputs".into())?, "inputs")?;
        g.outputs = io(sg.outputs().ctx(|| "subgraph outputs".into())?, "outputs")?;

        // Operator codes, then operators.
        let mut codes = Vec::new();
        if let Some(opcodes) = model
            .operator_codes()
            .ctx(|| "model operator_codes".into())?
        {
            for (i, c) in opcodes.iter().enumerate() {
                let c = c.ctx(|| format!("operator code {i}"))?;
                codes.push(self.opcode(i, c)?);
            }
        }
        if let Some(ops) = sg.operators().ctx(|| "subgraph operators".into())? {
            for (k, op) in ops.iter().enumerate() {
                let op = op.ctx(|| format!("operator {k}"))?;
                g.ops.push(self.op(k, op, &codes, n_tensors)?);
            }
        }

        // Metadata entries (name + the bytes of their buffer).
        if let Some(entries) = model.metadata().ctx(|| "model metadata".into())? {
            for (i, m) in entries.iter().enumerate() {
                let m = m.ctx(|| format!("metadata {i}"))?;
                let name = self.string(m.name().ctx(|| format!("metadata {i} name"))?, || {
                    format!("metadata {i} name")
                })?;
                let idx = m.buffer().ctx(|| format!("metadata {i} buffer"))?;
                let data = buffers
                    .data(idx, &|| format!("metadata {i} '{name}'"))?
                    .unwrap_or(&[]);
                self.budget
                    .charge(data.len(), || format!("metadata '{name}'"))?;
                g.metadata.push(graph::Metadata {
                    name,
                    data: data.to_vec(),
                });
            }
        }

        g.signature = self.signature(&model, n_tensors)?;
        Ok(g)
    }

    fn string(&mut self, s: Option<&str>, what: impl Fn() -> String) -> Result<String> {
        let s = s.unwrap_or("");
        self.budget.charge(s.len(), &what)?;
        Ok(s.to_string())
    }

    fn ints(
        &mut self,
        v: Option<planus::Vector<'_, i32>>,
        what: impl Fn() -> String,
    ) -> Result<Option<Vec<i32>>> {
        let Some(v) = v else { return Ok(None) };
        self.budget.charge(v.len() * 4, &what)?;
        Ok(Some(v.iter().collect()))
    }

    fn tensor(
        &mut self,
        i: usize,
        t: fb::TensorRef<'_>,
        buffers: &Buffers<'_>,
    ) -> Result<graph::Tensor> {
        self.budget
            .charge(std::mem::size_of::<graph::Tensor>(), || {
                format!("tensor {i}")
            })?;
        let name = self.string(t.name().ctx(|| format!("tensor {i} name"))?, || {
            format!("tensor {i} name")
        })?;
        let what = || format!("tensor {i} '{name}'");

        let ty = t.type_().ctx(|| format!("{}: type", what()))?;
        let dtype = dtype_of(ty).map_err(|e| match e {
            Error::Unsupported(m) => Error::unsupported(format!("{}: {m}", what())),
            other => other,
        })?;
        if t.is_variable().ctx(|| format!("{}: is_variable", what()))? {
            return Err(Error::unsupported(format!("{}: variable tensors", what())));
        }
        if t.sparsity()
            .ctx(|| format!("{}: sparsity", what()))?
            .is_some()
        {
            return Err(Error::unsupported(format!("{}: sparse tensors", what())));
        }
        let external = t
            .external_buffer()
            .ctx(|| format!("{}: external_buffer", what()))?;
        if external != 0 {
            return Err(Error::unsupported(format!(
                "{}: external buffer {external} (data outside the file)",
                what()
            )));
        }

        let shape = self
            .ints(t.shape().ctx(|| format!("{}: shape", what()))?, what)?
            .unwrap_or_default();
        if let Some(d) = shape.iter().find(|&&d| d < 0) {
            return Err(Error::format(format!(
                "{}: shape {shape:?} has negative dim {d}",
                what()
            )));
        }
        let n_bytes = graph::num_elements(&shape).and_then(|n| n.checked_mul(dtype.size()));
        let Some(n_bytes) = n_bytes else {
            return Err(Error::format(format!(
                "{}: shape {shape:?} of {} has more bytes than fit in memory",
                what(),
                dtype.name()
            )));
        };
        let shape_signature = self.ints(
            t.shape_signature()
                .ctx(|| format!("{}: shape_signature", what()))?,
            what,
        )?;
        if let Some(sig) = &shape_signature {
            if sig.len() != shape.len() || sig.iter().any(|&d| d < -1) {
                return Err(Error::format(format!(
                    "{}: shape_signature {sig:?} does not fit shape {shape:?}",
                    what()
                )));
            }
        }

        let quant = match t
            .quantization()
            .ctx(|| format!("{}: quantization", what()))?
        {
            None => None,
            Some(q) => self.quant(q, &shape, &what)?,
        };

        let buffer = t.buffer().ctx(|| format!("{}: buffer", what()))?;
        let data = match buffers.data(buffer, &what)? {
            None => None,
            Some(d) => {
                if d.len() != n_bytes {
                    return Err(Error::format(format!(
                        "{}: buffer {buffer} holds {} bytes, shape {shape:?} of {} needs {n_bytes}",
                        what(),
                        d.len(),
                        dtype.name()
                    )));
                }
                self.budget.charge(d.len(), what)?;
                Some(d.to_vec())
            }
        };

        Ok(graph::Tensor {
            name,
            dtype,
            shape,
            shape_signature,
            quant,
            data,
        })
    }

    fn quant(
        &mut self,
        q: fb::QuantizationParametersRef<'_>,
        shape: &[i32],
        what: &dyn Fn() -> String,
    ) -> Result<Option<Quant>> {
        let details = q
            .details_type()
            .ctx(|| format!("{}: quantization details", what()))?;
        if details != 0 {
            return Err(Error::unsupported(format!(
                "{}: quantization details (union tag {details}) instead of scale/zero_point",
                what()
            )));
        }
        let floats = |v: Option<planus::Vector<'_, f32>>,
                      budget: &mut Budget,
                      field: &str|
         -> Result<Vec<f32>> {
            let Some(v) = v else { return Ok(Vec::new()) };
            budget.charge(v.len() * 4, || format!("{}: quantization {field}", what()))?;
            Ok(v.iter().collect())
        };
        let min = floats(
            q.min().ctx(|| format!("{}: quantization min", what()))?,
            &mut self.budget,
            "min",
        )?;
        let max = floats(
            q.max().ctx(|| format!("{}: quantization max", what()))?,
            &mut self.budget,
            "max",
        )?;
        let scale = floats(
            q.scale()
                .ctx(|| format!("{}: quantization scale", what()))?,
            &mut self.budget,
            "scale",
        )?;
        let zero_point = match q
            .zero_point()
            .ctx(|| format!("{}: quantization zero_point", what()))?
        {
            None => Vec::new(),
            Some(v) => {
                self.budget
                    .charge(v.len() * 8, || format!("{}: zero_point", what()))?;
                v.iter().collect()
            }
        };
        let quantized_dimension = q
            .quantized_dimension()
            .ctx(|| format!("{}: quantized_dimension", what()))?;

        if !scale.is_empty() && !zero_point.is_empty() && scale.len() != zero_point.len() {
            return Err(Error::format(format!(
                "{}: {} scales but {} zero points",
                what(),
                scale.len(),
                zero_point.len()
            )));
        }
        if scale.len() > 1 {
            let dim = usize::try_from(quantized_dimension)
                .ok()
                .and_then(|d| shape.get(d));
            if dim.map(|&d| d as usize) != Some(scale.len()) {
                return Err(Error::format(format!(
                    "{}: {} per-channel scales along quantized_dimension {quantized_dimension} \
                     do not fit shape {shape:?}",
                    what(),
                    scale.len()
                )));
            }
        }
        if min.is_empty() && max.is_empty() && scale.is_empty() && zero_point.is_empty() {
            // TF writes an empty table on every unquantized tensor.
            return Ok(None);
        }
        Ok(Some(Quant {
            scale,
            zero_point,
            quantized_dimension,
            min,
            max,
        }))
    }

    /// An operator code as (effective builtin code, version).
    fn opcode(&mut self, i: usize, c: fb::OperatorCodeRef<'_>) -> Result<(i32, i32)> {
        let deprecated = c
            .deprecated_builtin_code()
            .ctx(|| format!("operator code {i}"))?;
        let builtin = match c.builtin_code() {
            Ok(b) => b as i32,
            Err(planus::Error {
                error_kind: planus::errors::ErrorKind::UnknownEnumTag { source },
                ..
            }) => i32::try_from(source.tag).unwrap_or(i32::MAX),
            Err(e) => return Err(e).ctx(|| format!("operator code {i}: builtin_code")),
        };
        let code = effective_builtin_code(builtin, deprecated);
        let version = c.version().ctx(|| format!("operator code {i}: version"))?;
        if version < 1 {
            return Err(Error::format(format!(
                "operator code {i}: version {version} (must be >= 1)"
            )));
        }
        if code == fb::BuiltinOperator::Custom as i32 {
            let name = c
                .custom_code()
                .ctx(|| format!("operator code {i}: custom_code"))?;
            return Err(Error::unsupported(format!(
                "custom operator '{}' (version {version})",
                name.unwrap_or("").escape_debug()
            )));
        }
        Ok((code, version))
    }

    fn op(
        &mut self,
        k: usize,
        op: fb::OperatorRef<'_>,
        codes: &[(i32, i32)],
        n_tensors: usize,
    ) -> Result<Op> {
        self.budget
            .charge(std::mem::size_of::<Op>(), || format!("operator {k}"))?;
        let idx = op
            .opcode_index()
            .ctx(|| format!("operator {k}: opcode_index"))?;
        let Some(&(code, version)) = codes.get(idx as usize) else {
            return Err(Error::format(format!(
                "operator {k}: opcode_index {idx} out of range ({} operator codes)",
                codes.len()
            )));
        };
        let name = op_name(code);
        let what = || format!("operator {k} ({name})");
        if op
            .builtin_options_2_type()
            .ctx(|| format!("{}: builtin_options_2", what()))?
            != 0
        {
            return Err(Error::unsupported(format!("{}: builtin_options_2", what())));
        }

        let inputs = self
            .ints(op.inputs().ctx(|| format!("{}: inputs", what()))?, what)?
            .unwrap_or_default();
        let outputs = self
            .ints(op.outputs().ctx(|| format!("{}: outputs", what()))?, what)?
            .unwrap_or_default();
        for &i in &inputs {
            if i != -1 {
                tensor_index(i, n_tensors, || format!("{}: input", what()))?;
            }
        }
        for &o in &outputs {
            tensor_index(o, n_tensors, || format!("{}: output", what()))?;
        }

        let options = match op.builtin_options() {
            Ok(o) => o,
            Err(planus::Error {
                error_kind: planus::errors::ErrorKind::UnknownUnionTag { tag },
                ..
            }) => {
                return Err(Error::format(format!(
                    "{}: builtin options of type {tag} do not belong to this operator",
                    what()
                )))
            }
            Err(e) => return Err(e).ctx(|| format!("{}: builtin_options", what())),
        };
        let kind = op_kind(code, version, options, &what)?;
        Ok(Op {
            kind,
            version,
            inputs,
            outputs,
        })
    }

    fn signature(
        &mut self,
        model: &fb::ModelRef<'_>,
        n_tensors: usize,
    ) -> Result<Option<Signature>> {
        let Some(defs) = model
            .signature_defs()
            .ctx(|| "model signature_defs".into())?
        else {
            return Ok(None);
        };
        if defs.len() > 1 {
            return Err(Error::unsupported(format!(
                "{} signatures (only one is supported)",
                defs.len()
            )));
        }
        let Some(def) = defs.get(0) else {
            return Ok(None);
        };
        let def = def.ctx(|| "signature 0".into())?;
        let key = self.string(def.signature_key().ctx(|| "signature key".into())?, || {
            "signature key".into()
        })?;
        let sg = def
            .subgraph_index()
            .ctx(|| format!("signature '{key}': subgraph_index"))?;
        if sg != 0 {
            return Err(Error::format(format!(
                "signature '{key}': subgraph_index {sg} out of range (1 subgraph)"
            )));
        }
        let mut maps = |v: Option<planus::Vector<'_, planus::Result<fb::TensorMapRef<'_>>>>,
                        side: &str| {
            let mut out = Vec::new();
            for (j, m) in v.into_iter().flatten().enumerate() {
                let what = || format!("signature '{key}' {side} {j}");
                let m = m.ctx(what)?;
                let name = self.string(m.name().ctx(what)?, what)?;
                let t = m.tensor_index().ctx(what)?;
                if t as usize >= n_tensors {
                    return Err(Error::format(format!(
                        "{}: tensor index {t} out of range ({n_tensors} tensors)",
                        what()
                    )));
                }
                out.push(SignatureTensor {
                    name,
                    tensor: t as usize,
                });
            }
            Ok(out)
        };
        let inputs = maps(
            def.inputs().ctx(|| format!("signature '{key}' inputs"))?,
            "input",
        )?;
        let outputs = maps(
            def.outputs().ctx(|| format!("signature '{key}' outputs"))?,
            "output",
        )?;
        Ok(Some(Signature {
            key,
            inputs,
            outputs,
        }))
    }
}

fn tensor_index(i: i32, n: usize, what: impl Fn() -> String) -> Result<usize> {
    match usize::try_from(i) {
        Ok(u) if u < n => Ok(u),
        _ => Err(Error::format(format!(
            "{}: tensor index {i} out of range ({n} tensors)",
            what()
        ))),
    }
}

/// The schema name of a builtin code, or the number when it is beyond our enum.
fn op_name(code: i32) -> String {
    match fb::BuiltinOperator::try_from(code) {
        Ok(op) => builtin_operator_name(op),
        Err(_) => format!("builtin code {code}"),
    }
}

fn activation(a: fb::ActivationFunctionType, what: &dyn Fn() -> String) -> Result<Activation> {
    use fb::ActivationFunctionType as A;
    Ok(match a {
        A::None => Activation::None,
        A::Relu => Activation::Relu,
        A::ReluN1To1 => Activation::ReluN1To1,
        A::Relu6 => Activation::Relu6,
        A::Tanh => Activation::Tanh,
        A::SignBit => {
            return Err(Error::unsupported(format!(
                "{}: fused activation SIGN_BIT",
                what()
            )))
        }
    })
}

/// Maps a builtin code + options to an [`OpKind`]; absent options mean the schema defaults.
fn op_kind(
    code: i32,
    version: i32,
    options: Option<fb::BuiltinOptionsRef<'_>>,
    what: &dyn Fn() -> String,
) -> Result<OpKind> {
    use fb::BuiltinOperator as B;
    use fb::BuiltinOptionsRef as O;
    let wrong = |o: &O<'_>| {
        Error::format(format!(
            "{}: has builtin options {}, which belong to another operator",
            what(),
            options_name(o)
        ))
    };
    let Ok(op) = B::try_from(code) else {
        return Err(Error::unsupported(format!(
            "operator with builtin code {code} (version {version})"
        )));
    };
    Ok(match op {
        B::FullyConnected => match options {
            None => OpKind::FullyConnected {
                activation: Activation::None,
                keep_num_dims: false,
                asymmetric_quantize_inputs: false,
            },
            Some(O::FullyConnectedOptions(o)) => {
                let format = opt(o.weights_format(), what, "weights_format")?;
                if format != fb::FullyConnectedOptionsWeightsFormat::Default {
                    return Err(Error::unsupported(format!(
                        "{}: weights_format {format:?}",
                        what()
                    )));
                }
                let bias_type = opt(o.quantized_bias_type(), what, "quantized_bias_type")?;
                if bias_type != fb::TensorType::Float32 {
                    // FLOAT32 (0) is the schema's "unset"; other values pick a bias type
                    // the Graph IR does not carry.
                    return Err(Error::unsupported(format!(
                        "{}: quantized_bias_type {}",
                        what(),
                        tensor_type_name(bias_type)
                    )));
                }
                OpKind::FullyConnected {
                    activation: activation(
                        opt(
                            o.fused_activation_function(),
                            what,
                            "fused_activation_function",
                        )?,
                        what,
                    )?,
                    keep_num_dims: opt(o.keep_num_dims(), what, "keep_num_dims")?,
                    asymmetric_quantize_inputs: opt(
                        o.asymmetric_quantize_inputs(),
                        what,
                        "asymmetric_quantize_inputs",
                    )?,
                }
            }
            Some(o) => return Err(wrong(&o)),
        },
        B::Softmax => match options {
            None => OpKind::Softmax { beta: 0.0 },
            Some(O::SoftmaxOptions(o)) => OpKind::Softmax {
                beta: opt(o.beta(), what, "beta")?,
            },
            Some(o) => return Err(wrong(&o)),
        },
        B::Quantize => match options {
            None | Some(O::QuantizeOptions(_)) => OpKind::Quantize,
            Some(o) => return Err(wrong(&o)),
        },
        B::Dequantize => match options {
            None | Some(O::DequantizeOptions(_)) => OpKind::Dequantize,
            Some(o) => return Err(wrong(&o)),
        },
        B::Relu => match options {
            None => OpKind::Relu,
            Some(o) => return Err(wrong(&o)),
        },
        B::Reshape => match options {
            None => OpKind::Reshape { new_shape: None },
            Some(O::ReshapeOptions(o)) => {
                let v = opt(o.new_shape(), what, "new_shape")?;
                OpKind::Reshape {
                    new_shape: Some(v.map(|v| v.iter().collect()).unwrap_or_default()),
                }
            }
            Some(o) => return Err(wrong(&o)),
        },
        B::Shape => match options {
            None => OpKind::Shape {
                out_type: DType::I32,
            },
            Some(O::ShapeOptions(o)) => {
                let t = opt(o.out_type(), what, "out_type")?;
                let out_type = match dtype_of(t)? {
                    d @ (DType::I32 | DType::I64) => d,
                    _ => {
                        return Err(Error::format(format!(
                            "{}: out_type {} (SHAPE produces INT32 or INT64)",
                            what(),
                            tensor_type_name(t)
                        )))
                    }
                };
                OpKind::Shape { out_type }
            }
            Some(o) => return Err(wrong(&o)),
        },
        B::StridedSlice => match options {
            None => OpKind::StridedSlice {
                begin_mask: 0,
                end_mask: 0,
                ellipsis_mask: 0,
                new_axis_mask: 0,
                shrink_axis_mask: 0,
                offset: false,
            },
            Some(O::StridedSliceOptions(o)) => OpKind::StridedSlice {
                begin_mask: opt(o.begin_mask(), what, "begin_mask")?,
                end_mask: opt(o.end_mask(), what, "end_mask")?,
                ellipsis_mask: opt(o.ellipsis_mask(), what, "ellipsis_mask")?,
                new_axis_mask: opt(o.new_axis_mask(), what, "new_axis_mask")?,
                shrink_axis_mask: opt(o.shrink_axis_mask(), what, "shrink_axis_mask")?,
                offset: opt(o.offset(), what, "offset")?,
            },
            Some(o) => return Err(wrong(&o)),
        },
        B::Pack => match options {
            None => OpKind::Pack {
                values_count: 0,
                axis: 0,
            },
            Some(O::PackOptions(o)) => OpKind::Pack {
                values_count: opt(o.values_count(), what, "values_count")?,
                axis: opt(o.axis(), what, "axis")?,
            },
            Some(o) => return Err(wrong(&o)),
        },
        other => {
            return Err(Error::unsupported(format!(
                "operator {} (builtin code {code}, version {version})",
                builtin_operator_name(other)
            )))
        }
    })
}

fn opt<T>(r: planus::Result<T>, what: &dyn Fn() -> String, field: &str) -> Result<T> {
    r.ctx(|| format!("{}: option {field}", what()))
}

fn options_name(o: &fb::BuiltinOptionsRef<'_>) -> String {
    // Debug prints `VariantName(TableRef { .. })`; the variant name is TFLite's table name.
    let s = format!("{o:?}");
    s.split('(').next().unwrap_or("").to_string()
}
