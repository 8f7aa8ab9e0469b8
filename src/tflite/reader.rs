//! `.tflite` bytes → Graph.
//!
//! The file is untrusted: planus checks every offset and length as it reads, and every
//! planus error becomes an [`Error::Format`] naming the field (with the byte offset when
//! known). On top of that we validate what the Graph IR relies on — buffer, tensor and
//! opcode indices, non-negative dims whose byte size fits in `usize`, constant buffers
//! whose length matches their shape, ops in execution order ([`Graph::validate`]) — so
//! later stages can index without checks. Every builtin and custom operator is read, with
//! its options in the schema's own types (no per-op code here): whether an op can be run
//! or converted is decided by the op registry ([`crate::ops`]). Anything valid but outside
//! the Graph IR (operator codes beyond the schema, StableHLO options, external buffers,
//! quantization `details`) is an [`Error::Unsupported`].
//!
//! Allocation stays proportional to the file: counts come from vectors planus has
//! already bounds-checked against the buffer, and a byte budget catches files whose
//! tables share one large buffer or string many times over.

use super::schema_generated::tflite as fb;
use super::{builtin_operator_name, dtype_of, effective_builtin_code};
use super::{FILE_IDENTIFIER, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::graph::{self, Graph, Op, Quant, Signature, SignatureTensor, Subgraph};
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

/// One entry of the model's operator-code table.
#[derive(Clone)]
enum Code {
    /// A code of the schema's `BuiltinOperator` (custom ops carry their name).
    Known {
        code: fb::BuiltinOperator,
        custom: Option<String>,
        version: i32,
    },
    /// A builtin code beyond the schema this build knows.
    Unknown { code: i32, version: i32 },
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

        // Operator codes first: every subgraph's operators index into them.
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

        let subgraphs = model.subgraphs().ctx(|| "model subgraphs".into())?;
        let Some(subgraphs) = subgraphs.filter(|s| !s.is_empty()) else {
            return Err(Error::format("model has no subgraph"));
        };
        let mut unknown = Vec::new();
        let mut read = Vec::with_capacity(subgraphs.len());
        for (k, sg) in subgraphs.iter().enumerate() {
            let sg = sg.ctx(|| format!("subgraph {k}"))?;
            read.push(self.subgraph(k, sg, &buffers, &codes, &mut unknown)?);
        }
        if !unknown.is_empty() {
            return Err(Error::unsupported(format!(
                "{} (this build knows builtin codes 0 to {})",
                unknown.join("; "),
                fb::BuiltinOperator::ENUM_VALUES.len() - 1
            )));
        }
        let mut read = read.into_iter();
        let main = read.next().unwrap_or_default();

        let mut g = Graph::new();
        g.name = main.name;
        g.tensors = main.tensors;
        g.ops = main.ops;
        g.inputs = main.inputs;
        g.outputs = main.outputs;
        g.subgraphs = read.collect();
        g.description = self.string(
            model.description().ctx(|| "model description".into())?,
            || "model description".into(),
        )?;

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

        g.signature = self.signature(&model, g.tensors.len())?;
        g.validate()?;
        Ok(g)
    }

    /// Subgraph `k`: tensors, inputs/outputs, operators. Operators whose code is beyond
    /// the schema are described in `unknown` (all of them are reported at once).
    fn subgraph(
        &mut self,
        k: usize,
        sg: fb::SubGraphRef<'_>,
        buffers: &Buffers<'_>,
        codes: &[Code],
        unknown: &mut Vec<String>,
    ) -> Result<Subgraph> {
        // Messages about subgraphs other than the main one name them.
        let sgp = if k == 0 {
            String::new()
        } else {
            format!("subgraph {k} ")
        };
        let mut out = Subgraph {
            name: self.string(sg.name().ctx(|| format!("subgraph {k} name"))?, || {
                format!("subgraph {k} name")
            })?,
            ..Default::default()
        };
        if let Some(tensors) = sg.tensors().ctx(|| format!("subgraph {k} tensors"))? {
            for (i, t) in tensors.iter().enumerate() {
                let t = t.ctx(|| format!("{sgp}tensor {i}"))?;
                let tensor = self.tensor(&sgp, i, t, buffers)?;
                out.tensors.push(tensor);
            }
        }
        let n_tensors = out.tensors.len();
        let io = |v: Option<planus::Vector<'_, i32>>, what: &str| -> Result<Vec<usize>> {
            v.into_iter()
                .flatten()
                .map(|i| tensor_index(i, n_tensors, || format!("subgraph {k} {what}")))
                .collect()
        };
        out.inputs = io(
            sg.inputs().ctx(|| format!("subgraph {k} inputs"))?,
            "inputs",
        )?;
        out.outputs = io(
            sg.outputs().ctx(|| format!("subgraph {k} outputs"))?,
            "outputs",
        )?;
        if let Some(ops) = sg.operators().ctx(|| format!("subgraph {k} operators"))? {
            for (i, op) in ops.iter().enumerate() {
                let op = op.ctx(|| format!("{sgp}operator {i}"))?;
                if let Some(op) = self.op(&sgp, i, op, codes, n_tensors, unknown)? {
                    out.ops.push(op);
                }
            }
        }
        Ok(out)
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
        sgp: &str,
        i: usize,
        t: fb::TensorRef<'_>,
        buffers: &Buffers<'_>,
    ) -> Result<graph::Tensor> {
        self.budget
            .charge(std::mem::size_of::<graph::Tensor>(), || {
                format!("{sgp}tensor {i}")
            })?;
        let name = self.string(t.name().ctx(|| format!("{sgp}tensor {i} name"))?, || {
            format!("{sgp}tensor {i} name")
        })?;
        let what = || format!("{sgp}tensor {i} '{name}'");

        let ty = t.type_().ctx(|| format!("{}: type", what()))?;
        let dtype = dtype_of(ty).map_err(|e| match e {
            Error::Unsupported(m) => Error::unsupported(format!("{}: {m}", what())),
            other => other,
        })?;
        let is_variable = t.is_variable().ctx(|| format!("{}: is_variable", what()))?;
        let sparsity = match t.sparsity().ctx(|| format!("{}: sparsity", what()))? {
            None => None,
            Some(sp) => Some(self.sparsity(sp, &what)?),
        };
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
                // A sparse constant holds its compressed values, not the dense shape.
                if d.len() != n_bytes && sparsity.is_none() {
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
            is_variable,
            sparsity,
        })
    }

    /// `Tensor.sparsity`, in the schema's owned form (its vectors charged to the budget).
    fn sparsity(
        &mut self,
        sp: fb::SparsityParametersRef<'_>,
        what: &dyn Fn() -> String,
    ) -> Result<fb::SparsityParameters> {
        let w = || format!("{}: sparsity", what());
        let mut bytes = 0usize;
        let len = |v: Option<planus::Vector<'_, i32>>| v.map_or(0, |v| v.len() * 4);
        bytes += len(sp.traversal_order().ctx(w)?) + len(sp.block_map().ctx(w)?);
        if let Some(dims) = sp.dim_metadata().ctx(w)? {
            for d in dims.iter() {
                let d = d.ctx(w)?;
                bytes += 64;
                for v in [d.array_segments().ctx(w)?, d.array_indices().ctx(w)?]
                    .into_iter()
                    .flatten()
                {
                    use fb::SparseIndexVectorRef as V;
                    bytes += match v {
                        V::Int32Vector(x) => x.values().ctx(w)?.map_or(0, |v| v.len() * 4),
                        V::Uint16Vector(x) => x.values().ctx(w)?.map_or(0, |v| v.len() * 2),
                        V::Uint8Vector(x) => x.values().ctx(w)?.map_or(0, |v| v.len()),
                    };
                }
            }
        }
        self.budget.charge(bytes, w)?;
        fb::SparsityParameters::try_from(sp).ctx(w)
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

    /// An operator code: its builtin operator (or the unknown code), custom name, version.
    fn opcode(&mut self, i: usize, c: fb::OperatorCodeRef<'_>) -> Result<Code> {
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
        let Ok(op) = fb::BuiltinOperator::try_from(code) else {
            return Ok(Code::Unknown { code, version });
        };
        let custom = if op == fb::BuiltinOperator::Custom {
            let name = c
                .custom_code()
                .ctx(|| format!("operator code {i}: custom_code"))?;
            Some(self.string(name, || format!("operator code {i}: custom_code"))?)
        } else {
            None
        };
        Ok(Code::Known {
            code: op,
            custom,
            version,
        })
    }

    /// Operator `k`; `None` (and a line in `unknown`) when its code is beyond the schema.
    fn op(
        &mut self,
        sgp: &str,
        k: usize,
        op: fb::OperatorRef<'_>,
        codes: &[Code],
        n_tensors: usize,
        unknown: &mut Vec<String>,
    ) -> Result<Option<Op>> {
        self.budget
            .charge(std::mem::size_of::<Op>(), || format!("{sgp}operator {k}"))?;
        let idx = op
            .opcode_index()
            .ctx(|| format!("{sgp}operator {k}: opcode_index"))?;
        let (code, custom_code, version) = match codes.get(idx as usize) {
            None => {
                return Err(Error::format(format!(
                    "{sgp}operator {k}: opcode_index {idx} out of range ({} operator codes)",
                    codes.len()
                )))
            }
            Some(Code::Unknown { code, version }) => {
                unknown.push(format!(
                    "operator with builtin code {code} (version {version}) at {sgp}op index \
                     {k} is not supported"
                ));
                return Ok(None);
            }
            Some(Code::Known {
                code,
                custom,
                version,
            }) => (*code, custom.clone(), *version),
        };
        let name = match &custom_code {
            Some(c) => format!("CUSTOM '{}'", c.escape_debug()),
            None => builtin_operator_name(code).to_string(),
        };
        let what = || format!("{sgp}operator {k} ({name})");
        if op
            .builtin_options_2_type()
            .ctx(|| format!("{}: builtin_options_2", what()))?
            != 0
        {
            return Err(Error::unsupported(format!(
                "{}: builtin_options_2 (StableHLO options)",
                what()
            )));
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
                    "{}: builtin options of unknown type {tag} (the schema has 126)",
                    what()
                )))
            }
            Err(e) => return Err(e).ctx(|| format!("{}: builtin_options", what())),
        };
        let options = match options {
            None => None,
            Some(o) => {
                self.budget.charge(options_bytes(&o).ctx(what)?, what)?;
                Some(
                    fb::BuiltinOptions::try_from(o)
                        .ctx(|| format!("{}: builtin_options", what()))?,
                )
            }
        };
        let custom_options = match op
            .custom_options()
            .ctx(|| format!("{}: custom_options", what()))?
        {
            None => None,
            Some(b) => {
                self.budget.charge(b.len(), what)?;
                Some(b.to_vec())
            }
        };
        Ok(Some(Op {
            code,
            custom_code,
            version,
            options,
            custom_options,
            inputs,
            outputs,
        }))
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
            return Err(Error::unsupported(format!(
                "signature '{key}' of subgraph {sg} (only signatures of the main subgraph, 0)"
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

/// What an options table costs in memory once owned: its fixed part plus its vectors and
/// strings (the only variable-size fields of the modelled tables).
fn options_bytes(o: &fb::BuiltinOptionsRef<'_>) -> planus::Result<usize> {
    use fb::BuiltinOptionsRef as O;
    let fixed = std::mem::size_of::<fb::BuiltinOptions>() + 64;
    Ok(fixed
        + match o {
            O::ReshapeOptions(r) => r.new_shape()?.map_or(0, |v| v.len() * 4),
            O::SqueezeOptions(r) => r.squeeze_dims()?.map_or(0, |v| v.len() * 4),
            O::VarHandleOptions(r) => {
                r.container()?.map_or(0, str::len) + r.shared_name()?.map_or(0, str::len)
            }
            _ => 0,
        })
}
