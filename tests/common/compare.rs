//! Structural comparison of two graphs: the same ops and versions, tensor types and
//! shapes, scales (bit for bit), zero points, int8 weights, int32 biases, fp16 values,
//! signature and metadata — everything but tensor names and buffer layout. Used to hold
//! our converter's files (from a Keras-style model or an imported `.tflite`) to TF's.

use litequant::graph::{BuiltinOperator, Graph, Tensor};
use litequant::tflite::metadata::{model_type, ConversionMetadata};

/// What must agree between a tensor of ours and TF's (everything but the name).
#[derive(Debug, PartialEq)]
struct Facts {
    dtype: litequant::graph::DType,
    shape: Vec<i32>,
    shape_signature: Option<Vec<i32>>,
    scale_bits: Vec<u32>,
    zero_point: Vec<i64>,
    quantized_dimension: i32,
    data: Option<Vec<u8>>,
    via_dequantize: bool,
}

fn dequantized_constant(g: &Graph, t: usize) -> Option<usize> {
    g.ops.iter().find_map(|op| {
        let src = *op.inputs.first()?;
        (op.code == BuiltinOperator::Dequantize
            && op.outputs.first() == Some(&(t as i32))
            && g.tensors[src as usize].data.is_some())
        .then_some(src as usize)
    })
}

fn facts(g: &Graph, idx: i32) -> Option<Facts> {
    if idx < 0 {
        return None;
    }
    let (idx, via) = match dequantized_constant(g, idx as usize) {
        Some(c) => (c, true),
        None => (idx as usize, false),
    };
    let t: &Tensor = &g.tensors[idx];
    let q = t.quant.clone().unwrap_or_default();
    Some(Facts {
        dtype: t.dtype,
        shape: t.shape.clone(),
        shape_signature: t.shape_signature.clone(),
        scale_bits: q.scale.iter().map(|s| s.to_bits()).collect(),
        zero_point: q.zero_point.clone(),
        quantized_dimension: if q.scale.len() > 1 {
            q.quantized_dimension
        } else {
            0
        },
        data: t.data.clone(),
        via_dequantize: via,
    })
}

fn is_const_dequantize(g: &Graph, op: &litequant::graph::Op) -> bool {
    op.code == BuiltinOperator::Dequantize && g.tensors[op.inputs[0] as usize].data.is_some()
}

/// Compares two graphs structurally; panics with the first difference.
pub fn assert_same_model(ours: &Graph, tf: &Graph, ctx: &str) {
    compare_models(ours, tf, ctx, None);
}

/// As [`assert_same_model`] for a file converted from an imported `.tflite`: TF made its
/// file from a Keras model, ours records `model_type` NONE (the source was a `.tflite`).
pub fn assert_same_imported_model(ours: &Graph, tf: &Graph, ctx: &str) {
    compare_models(ours, tf, ctx, Some(model_type::NONE));
}

/// The graph part of [`assert_same_model`] without op versions and metadata (which the
/// converter's finalize step sets from the op registry): the same ops with the same
/// options, operand and result tensors (types, shapes, signatures, constants bit for bit),
/// io and signature. For a lowered float graph whose ops are not all registered yet.
pub fn assert_same_graph(ours: &Graph, tf: &Graph, ctx: &str) {
    compare_graphs(ours, tf, ctx, false);
}

fn compare_models(ours: &Graph, tf: &Graph, ctx: &str, our_model_type: Option<i32>) {
    compare_graphs(ours, tf, ctx, true);
    compare_metadata(ours, tf, ctx, our_model_type);
}

fn compare_graphs(ours: &Graph, tf: &Graph, ctx: &str, versions: bool) {
    let core = |g: &Graph| {
        g.ops
            .iter()
            .filter(|o| !is_const_dequantize(g, o))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (a, b) = (core(ours), core(tf));
    let names = |v: &[litequant::graph::Op]| {
        v.iter()
            .map(|o| (o.name(), if versions { o.version } else { 0 }))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&a), names(&b), "{ctx}: op sequence (name, version)");
    let ndeq = |g: &Graph| g.ops.iter().filter(|o| is_const_dequantize(g, o)).count();
    assert_eq!(
        ndeq(ours),
        ndeq(tf),
        "{ctx}: number of DEQUANTIZE ops of constants"
    );
    for g in [ours, tf] {
        for o in g.ops.iter().filter(|o| is_const_dequantize(g, o)) {
            assert_eq!(o.version, 3, "{ctx}: fp16 DEQUANTIZE version");
        }
    }
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(
            (x.code, &x.options),
            (y.code, &y.options),
            "{ctx}: op {i} code and options"
        );
        assert_eq!(x.inputs.len(), y.inputs.len(), "{ctx}: op {i} input count");
        for (k, (&ti, &tj)) in x.inputs.iter().zip(&y.inputs).enumerate() {
            assert_eq!(
                facts(ours, ti),
                facts(tf, tj),
                "{ctx}: op {i} ({}) input {k}",
                x.name()
            );
        }
        for (k, (&ti, &tj)) in x.outputs.iter().zip(&y.outputs).enumerate() {
            assert_eq!(
                facts(ours, ti),
                facts(tf, tj),
                "{ctx}: op {i} ({}) output {k}",
                x.name()
            );
        }
    }
    let io = |g: &Graph, v: &[usize]| v.iter().map(|&t| facts(g, t as i32)).collect::<Vec<_>>();
    assert_eq!(
        io(ours, &ours.inputs),
        io(tf, &tf.inputs),
        "{ctx}: model inputs"
    );
    assert_eq!(
        io(ours, &ours.outputs),
        io(tf, &tf.outputs),
        "{ctx}: model outputs"
    );
    // Signature: one `serving_default`, naming the model's io tensors in TF's order (which
    // for several outputs is not the subgraph's: each signature entry is compared by its
    // position among the model's io tensors).
    // TF writes no signature for models converted from concrete functions: then ours
    // must have none either.
    let (sa, sb) = match (&ours.signature, &tf.signature) {
        (Some(a), Some(b)) => (a, b),
        (None, None) => return,
        (a, b) => panic!(
            "{ctx}: signature: ours {}, TF's {}",
            if a.is_some() { "present" } else { "absent" },
            if b.is_some() { "present" } else { "absent" }
        ),
    };
    assert_eq!(sa.key, sb.key, "{ctx}: signature key");
    let positions = |sig: &[litequant::graph::SignatureTensor], io: &[usize]| {
        sig.iter()
            .map(|s| io.iter().position(|&t| t == s.tensor))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        positions(&sa.inputs, &ours.inputs),
        positions(&sb.inputs, &tf.inputs),
        "{ctx}: signature inputs (positions among the model inputs)"
    );
    assert_eq!(
        positions(&sa.outputs, &ours.outputs),
        positions(&sb.outputs, &tf.outputs),
        "{ctx}: signature outputs (positions among the model outputs)"
    );
    assert!(
        positions(&sa.outputs, &ours.outputs)
            .iter()
            .all(Option::is_some),
        "{ctx}: every signature output is a model output"
    );
}

fn compare_metadata(ours: &Graph, tf: &Graph, ctx: &str, our_model_type: Option<i32>) {
    // Metadata: same entries in the same order, same runtime version and fp16 marker;
    // CONVERSION_METADATA with the same optimization modes but our producer.
    let mnames = |g: &Graph| {
        g.metadata
            .iter()
            .map(|m| m.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(mnames(ours), mnames(tf), "{ctx}: metadata entries");
    for name in ["min_runtime_version", "reduced_precision_support"] {
        assert_eq!(
            ours.metadata(name),
            tf.metadata(name),
            "{ctx}: metadata {name}"
        );
    }
    let cm =
        |g: &Graph| ConversionMetadata::decode(g.metadata("CONVERSION_METADATA").unwrap()).unwrap();
    let (ca, cb) = (cm(ours), cm(tf));
    assert_eq!(
        ca.optimization_modes, cb.optimization_modes,
        "{ctx}: optimization modes"
    );
    assert_eq!(
        (ca.api_version, ca.model_type),
        (cb.api_version, our_model_type.unwrap_or(cb.model_type)),
        "{ctx}: api version, model type"
    );
    assert!(
        cb.version_string.starts_with("2.21"),
        "{ctx}: TF's producer is {}",
        cb.version_string
    );
    for s in [&ca.version_string, &ours.description] {
        assert!(
            s.starts_with("litequant "),
            "{ctx}: producer '{s}' must name litequant"
        );
        assert!(
            !s.to_lowercase().contains("tensorflow") && !s.contains("MLIR"),
            "{ctx}: '{s}'"
        );
    }
}
