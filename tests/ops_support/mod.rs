//! The interpreter against LiteRT 2.3.0 on TensorFlow 2.21's per-op and per-layer models
//! (`tests/fixtures/ops/`, `manifest_ops.json`, made by `scripts/gen_ops.py`;
//! `tests/fixtures/layers/`, `manifest_layers.json`, made by `scripts/gen_layers.py`; see
//! the fixtures README "Ops of the real-models issue" and "Keras layers").
//!
//! Every manifest entry whose ops the registry implements is run as the fixtures were
//! made: each test row alone (batch 1, the input resized to the row's shape when the file's
//! shape differs) and in order on one interpreter, every model output compared with
//! LiteRT's `BUILTIN_REF` output (or the builtin kernels' where the manifest says the
//! reference kernel is broken): 8-bit outputs bit for bit, float outputs within 1e-5 of
//! each output's range. Entries with intermediates (int8 files) also compare every
//! non-constant tensor, row by row, bit for bit. Each check runs on TF's file as read and
//! after a write → read round trip.
//!
//! Fixtures are read from `tests/fixtures/` on disk (native tests only).
#![allow(dead_code)]

use litequant::graph::{DType, Graph};
use litequant::interp::Interpreter;
use litequant::tflite;
use serde_json::Value;
use std::path::PathBuf;

/// Float outputs: max |ours − LiteRT| ≤ this × the output's range (max − min).
pub const FLOAT_REL_TOL: f32 = 1e-5;

pub fn fixture_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture_path(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

pub fn json(rel: &str) -> Value {
    serde_json::from_slice(&fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Typed array data.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    I8(Vec<i8>),
    U8(Vec<u8>),
    I32(Vec<i32>),
}

impl Data {
    pub fn load(rel: &str) -> (Vec<usize>, Data) {
        let bytes = fixture(rel);
        let f = npyz::NpyFile::new(&bytes[..]).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let shape: Vec<usize> = f.shape().iter().map(|&d| d as usize).collect();
        let descr = match f.dtype() {
            npyz::DType::Plain(t) => t.to_string(),
            other => panic!("{rel}: dtype {other:?}"),
        };
        let d = match descr.as_str() {
            "<f4" => Data::F32(f.into_vec().unwrap()),
            "|i1" => Data::I8(f.into_vec().unwrap()),
            "|u1" => Data::U8(f.into_vec().unwrap()),
            "<i4" => Data::I32(f.into_vec().unwrap()),
            d => panic!("{rel}: unexpected dtype {d}"),
        };
        (shape, d)
    }

    pub fn len(&self) -> usize {
        match self {
            Data::F32(v) => v.len(),
            Data::I8(v) => v.len(),
            Data::U8(v) => v.len(),
            Data::I32(v) => v.len(),
        }
    }

    fn slice(&self, r: std::ops::Range<usize>) -> Data {
        match self {
            Data::F32(v) => Data::F32(v[r].to_vec()),
            Data::I8(v) => Data::I8(v[r].to_vec()),
            Data::U8(v) => Data::U8(v[r].to_vec()),
            Data::I32(v) => Data::I32(v[r].to_vec()),
        }
    }

    fn extend(&mut self, other: Data) {
        match (self, other) {
            (Data::F32(a), Data::F32(b)) => a.extend(b),
            (Data::I8(a), Data::I8(b)) => a.extend(b),
            (Data::U8(a), Data::U8(b)) => a.extend(b),
            (Data::I32(a), Data::I32(b)) => a.extend(b),
            _ => panic!("mixed dtypes"),
        }
    }

    /// Tensor `idx` of `it` in its own dtype.
    pub fn tensor(it: &Interpreter, idx: usize, dt: DType) -> Data {
        match dt {
            DType::F32 => Data::F32(it.tensor_f32(idx).unwrap()),
            DType::I8 => Data::I8(it.tensor_i8(idx).unwrap()),
            DType::U8 => Data::U8(it.tensor_u8(idx).unwrap()),
            DType::I32 => Data::I32(it.tensor_i32(idx).unwrap()),
            d => panic!("tensor {idx}: dtype {d:?}"),
        }
    }

    /// `None` when `self` (ours) matches `want`: integers exactly, floats within
    /// [`FLOAT_REL_TOL`] of `want`'s range; else what differs.
    pub fn compare(&self, want: &Data) -> Option<String> {
        if self.len() != want.len() {
            return Some(format!(
                "{} values, the reference has {}",
                self.len(),
                want.len()
            ));
        }
        match (self, want) {
            (Data::F32(g), Data::F32(w)) => {
                let lo = w.iter().copied().fold(f32::INFINITY, f32::min);
                let hi = w.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let range = (hi - lo).max(f32::MIN_POSITIVE);
                let mut worst = 0.0f32;
                for (a, b) in g.iter().zip(w) {
                    if a.is_nan() != b.is_nan() {
                        return Some(format!("NaN mismatch: {a} vs {b}"));
                    }
                    if !a.is_nan() {
                        worst = worst.max((a - b).abs());
                    }
                }
                (worst > FLOAT_REL_TOL * range)
                    .then(|| format!("max |diff| {worst:e} > 1e-5 of the range {range:e}"))
            }
            (Data::I8(g), Data::I8(w)) => count_diff(g, w),
            (Data::U8(g), Data::U8(w)) => count_diff(g, w),
            (Data::I32(g), Data::I32(w)) => count_diff(g, w),
            _ => Some("dtype differs from the reference".into()),
        }
    }

    /// Worst |diff| relative to `want`'s range (floats), or the count of differing values.
    pub fn float_rel_diff(&self, want: &Data) -> Option<f32> {
        match (self, want) {
            (Data::F32(g), Data::F32(w)) => {
                let lo = w.iter().copied().fold(f32::INFINITY, f32::min);
                let hi = w.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let range = (hi - lo).max(f32::MIN_POSITIVE);
                Some(
                    g.iter()
                        .zip(w)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f32::max)
                        / range,
                )
            }
            _ => None,
        }
    }
}

fn count_diff<T: PartialEq + std::fmt::Debug>(g: &[T], w: &[T]) -> Option<String> {
    let bad: Vec<usize> = (0..g.len()).filter(|&i| g[i] != w[i]).collect();
    (!bad.is_empty()).then(|| {
        let i = bad[0];
        format!(
            "{} of {} values differ (first at {i}: {:?} vs {:?})",
            bad.len(),
            g.len(),
            g[i],
            w[i]
        )
    })
}

/// A model from the fixtures.
pub fn graph(rel: &str) -> Graph {
    tflite::read(&fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The outcome of one manifest entry.
#[derive(Debug)]
pub enum Outcome {
    /// Ran; the failures (empty: all matched) and the worst float difference seen
    /// (relative to the output range).
    Ran {
        failures: Vec<String>,
        worst_float: f32,
    },
    /// The registry lacks an op of the file.
    Unsupported(String),
}

/// The reference output file of output `k` of `entry`: LiteRT `BUILTIN_REF`'s, or the
/// builtin kernels' where the manifest says the reference kernel is broken. Entries without
/// an `outputs` list (the layers manifest) have one output, named at the top level.
fn reference_of(entry: &Value, k: usize) -> String {
    let key = if entry.get("reference").is_some() {
        "out_litert_builtin"
    } else {
        "out_litert_ref"
    };
    let o = match entry.get("outputs") {
        Some(outs) => &outs[k],
        None => entry,
    };
    o[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: output {k} has no {key}", name(entry)))
        .to_string()
}

/// Number of model outputs the manifest entry has references for.
fn output_count(entry: &Value) -> usize {
    entry
        .get("outputs")
        .and_then(Value::as_array)
        .map_or(1, Vec::len)
}

/// The intermediates index of `entry`: the manifest's `intermediates` key, else
/// `<case>/intermediates/<variant>/index.json` when it exists (the layers manifest).
fn intermediates_index(entry: &Value) -> Option<String> {
    if let Some(Value::String(index)) = entry.get("intermediates") {
        return Some(index.clone());
    }
    let rel = format!(
        "{}/intermediates/{}/index.json",
        entry["case"].as_str()?,
        entry["variant"].as_str()?
    );
    fixture_path(&rel).exists().then_some(rel)
}

pub fn name(entry: &Value) -> String {
    format!(
        "{}/{}",
        entry["case"].as_str().unwrap(),
        entry["variant"].as_str().unwrap()
    )
}

/// The intermediates of `entry` (tensor index, file, dtype, shape), if it has any.
fn intermediates(entry: &Value) -> Vec<(usize, String, DType, Vec<usize>)> {
    let Some(index) = intermediates_index(entry) else {
        return Vec::new();
    };
    let dir = index.rsplit_once('/').unwrap().0.to_string();
    let case_dir = entry["case"].as_str().unwrap();
    json(&index)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let dt = match e["type"].as_str().unwrap() {
                "INT8" => DType::I8,
                "UINT8" => DType::U8,
                "FLOAT32" => DType::F32,
                "INT32" => DType::I32,
                t => panic!("{dir}: type {t}"),
            };
            let shape = e["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap() as usize)
                .collect();
            (
                e["tensor_index"].as_u64().unwrap() as usize,
                format!("{case_dir}/{}", e["file"].as_str().unwrap()),
                dt,
                shape,
            )
        })
        .collect()
}

/// `g` without the ops the registry lacks, when the reference intermediates hold every
/// tensor those ops produce that a kept op reads: each such tensor becomes a model input fed
/// with LiteRT's values, so every kept op runs on the reference's inputs. The model outputs
/// are those the kept ops produce. Returns the graph, the names of the removed ops, and
/// per model input the intermediate file feeding it (`None`: the original input). `None`
/// when nothing can be kept or a needed tensor is not in the intermediates.
pub fn cut_unsupported(
    entry: &Value,
    g: &Graph,
) -> Option<(Graph, Vec<String>, Vec<Option<String>>)> {
    if !g.subgraphs.is_empty() {
        return None;
    }
    let inter = intermediates(entry);
    if inter.is_empty() {
        return None;
    }
    // Where the oracle is LiteRT's builtin (optimized) kernels, the convolutions and
    // FULLY_CONNECTED requantize differently from the reference ones we implement: they are
    // cut too and the ops after them fed the builtin's values.
    let builtin_oracle = entry.get("reference").is_some();
    let supported = |op: &litequant::graph::Op| {
        use litequant::graph::BuiltinOperator as B;
        let optimized_differs = matches!(
            op.code,
            B::Conv2d | B::DepthwiseConv2d | B::FullyConnected | B::TransposeConv
        );
        litequant::ops::def_of(op).is_some_and(|d| op.version <= d.max_version(op.code))
            && !(builtin_oracle && optimized_differs)
    };
    let (kept, removed): (Vec<_>, Vec<_>) = g.ops.iter().cloned().partition(|op| supported(op));
    if kept.is_empty() || removed.is_empty() {
        return None;
    }
    let produced_by_removed: Vec<usize> = removed
        .iter()
        .flat_map(|op| op.outputs.iter().map(|&t| t as usize))
        .collect();
    let produced_by_kept: Vec<usize> = kept
        .iter()
        .flat_map(|op| op.outputs.iter().map(|&t| t as usize))
        .collect();
    let mut inputs: Vec<usize> = Vec::new();
    let mut feeds: Vec<Option<String>> = Vec::new();
    for op in &kept {
        for &t in op.inputs.iter().filter(|&&t| t >= 0) {
            let t = t as usize;
            if inputs.contains(&t) {
                continue;
            }
            if produced_by_removed.contains(&t) {
                let (_, file, _, _) = inter.iter().find(|(i, ..)| *i == t)?;
                inputs.push(t);
                feeds.push(Some(file.clone()));
            } else if g.inputs.contains(&t) {
                inputs.push(t);
                feeds.push(None);
            }
        }
    }
    let mut cut = g.clone();
    cut.ops = kept;
    cut.inputs = inputs;
    cut.outputs = g
        .outputs
        .iter()
        .copied()
        .filter(|t| produced_by_kept.contains(t))
        .collect();
    if cut.outputs.is_empty() {
        // Every kept op feeds a removed one: the intermediates check them.
        cut.outputs = produced_by_kept
            .iter()
            .copied()
            .filter(|&t| !cut.ops.iter().any(|op| op.inputs.contains(&(t as i32))))
            .collect();
    }
    // The fed tensors take their per-row shape from the intermediates (TF's file may hold
    // a static shape that only the runtime corrects, e.g. SPACE_TO_BATCH_ND's batch).
    let rows = Data::load(entry["input_npy"].as_str()?).0[0];
    for &t in &cut.inputs {
        if let Some((_, _, _, shape)) = inter.iter().find(|(i, ..)| *i == t) {
            let rank = cut.tensors[t].shape.len();
            let s: Vec<i32> = shape.iter().map(|&d| d as i32).collect();
            if shape.len() == rank + 1 && shape[0] == rows {
                // Rows stacked on a new axis.
                cut.tensors[t].shape = s[1..].to_vec();
            } else if shape.len() == rank && rank > 0 && shape[0] % rows == 0 {
                // Rows concatenated on axis 0.
                let mut s = s;
                s[0] /= rows as i32;
                cut.tensors[t].shape = s;
            }
        }
    }
    cut.signature = None;
    let names = removed.iter().map(|op| op.display_name()).collect();
    Some((cut, names, feeds))
}

/// Runs one entry on `g` (see the module docs). `label` names the graph in failures.
/// `feeds` gives, per model input, the intermediate file feeding it (`None`: the entry's
/// input rows); empty for the whole model.
pub fn run_entry_on(entry: &Value, g: Graph, label: &str, feeds: &[Option<String>]) -> Outcome {
    let what = format!("{} ({label})", name(entry));
    if let Err(e) = litequant::ops::check_supported(&g) {
        return Outcome::Unsupported(e.to_string());
    }
    let whole = feeds.is_empty();
    let model_outputs = g.outputs.clone();
    // Tensors this graph computes (or is fed): the intermediates compared.
    let mut computed: Vec<usize> = g.inputs.clone();
    computed.extend(
        g.ops
            .iter()
            .flat_map(|op| op.outputs.iter().map(|&t| t as usize)),
    );
    let original_outputs: Vec<usize> = graph(entry["model"].as_str().unwrap()).outputs;
    let mut it = match Interpreter::new(g) {
        Ok(it) => it,
        Err(e) => {
            return Outcome::Ran {
                failures: vec![format!("{what}: interpreter: {e}")],
                worst_float: 0.0,
            }
        }
    };
    let fail = |f: String| Outcome::Ran {
        failures: vec![f],
        worst_float: 0.0,
    };
    // Per model input: its rows.
    // The entry's input rows are fed one at a time (batch 1, the input resized to the row's
    // shape when the file's differs); an intermediate feeding a cut graph holds, per row,
    // one value of its tensor's shape in the file (rows stacked on axis 0).
    let (in_shape, input) = Data::load(entry["input_npy"].as_str().unwrap());
    let rows = in_shape[0];
    let n_in = it.input_details().len();
    let mut sources = Vec::with_capacity(n_in);
    for k in 0..n_in {
        match feeds.get(k).cloned().flatten() {
            Some(file) => {
                let (_, data) = Data::load(&file);
                // `cut_unsupported` gave the tensor its per-row shape.
                let row_shape = it.input_details()[k].shape.clone();
                let row_len: usize = row_shape.iter().map(|&d| d.max(0) as usize).product();
                if data.len() != rows * row_len {
                    return fail(format!(
                        "{what}: {file} has {} values, not {rows} rows of {row_shape:?}",
                        data.len()
                    ));
                }
                sources.push((row_len, data));
            }
            None => {
                let mut row_shape: Vec<i32> = vec![1];
                row_shape.extend(in_shape[1..].iter().map(|&d| d as i32));
                if it.input_details()[k].shape != row_shape {
                    if let Err(e) = it.resize_input(k, &row_shape) {
                        return fail(format!("{what}: resize input {k} to {row_shape:?}: {e}"));
                    }
                }
                sources.push((in_shape[1..].iter().product(), input.clone()));
            }
        }
    }
    let outs = it.output_details();
    // Which manifest output each model output is (by tensor index in TF's file).
    let out_ref: Vec<Option<usize>> = model_outputs
        .iter()
        .map(|t| original_outputs.iter().position(|o| o == t))
        .collect();
    if whole && outs.len() != output_count(entry) {
        return fail(format!(
            "{what}: {} outputs, manifest has {}",
            outs.len(),
            output_count(entry)
        ));
    }
    let inter = intermediates(entry);
    let mut failures = Vec::new();
    let mut got_out: Vec<Option<Data>> = vec![None; outs.len()];
    let mut got_inter: Vec<Option<Data>> = vec![None; inter.len()];
    for r in 0..rows {
        for (k, (row_len, data)) in sources.iter().enumerate() {
            let row = data.slice(r * row_len..(r + 1) * row_len);
            let set = match &row {
                Data::F32(v) => litequant::interp::set_input_from_f32(&mut it, k, v),
                Data::I8(v) => it.set_input_i8(k, v),
                Data::U8(v) => it.set_input_u8(k, v),
                Data::I32(_) => panic!("{what}: int32 input"),
            };
            if let Err(e) = set {
                return fail(format!("{what}: row {r} input {k}: {e}"));
            }
        }
        if let Err(e) = it.invoke() {
            failures.push(format!("{what}: row {r}: {e}"));
            return Outcome::Ran {
                failures,
                worst_float: 0.0,
            };
        }
        for (k, d) in outs.iter().enumerate() {
            let v = Data::tensor(&it, d.index, d.dtype);
            match &mut got_out[k] {
                Some(acc) => acc.extend(v),
                slot => *slot = Some(v),
            }
        }
        for (j, (idx, _, dt, _)) in inter.iter().enumerate() {
            if !computed.contains(idx) {
                continue;
            }
            let v = Data::tensor(&it, *idx, *dt);
            match &mut got_inter[j] {
                Some(acc) => acc.extend(v),
                slot => *slot = Some(v),
            }
        }
    }
    let mut worst_float = 0.0f32;
    for (k, got) in got_out.into_iter().enumerate() {
        let Some(m) = out_ref[k] else { continue };
        let (_, want) = Data::load(&reference_of(entry, m));
        let got = got.unwrap();
        if let Some(rel) = got.float_rel_diff(&want) {
            worst_float = worst_float.max(rel);
        }
        if let Some(f) = got.compare(&want) {
            failures.push(format!("{what}: output {m}: {f}"));
        }
    }
    for ((idx, file, _, _), got) in inter.iter().zip(got_inter) {
        let Some(got) = got else { continue };
        let (_, want) = Data::load(file);
        if let Some(f) = got.compare(&want) {
            failures.push(format!("{what}: intermediate t{idx}: {f}"));
        }
    }
    Outcome::Ran {
        failures,
        worst_float,
    }
}

/// `g` written and read back.
pub fn round_trip(g: &Graph) -> Graph {
    let back = tflite::read(&tflite::write(g).expect("write")).expect("read back");
    assert_eq!(&back, g, "write → read changed the graph");
    back
}

/// Every entry of `manifest` (a fixture path) on TF's file and after a round trip.
/// Returns `(entry name, outcome, removed ops)` per entry (the round trip's failures
/// appended). An entry with ops the registry lacks runs without them when its reference
/// intermediates allow ([`cut_unsupported`]); `removed` names them.
pub fn run_manifest(manifest: &str) -> Vec<(String, Outcome, Vec<String>)> {
    let entries = json(manifest);
    let mut res = Vec::new();
    for entry in entries.as_array().unwrap() {
        let g = graph(entry["model"].as_str().unwrap());
        let rt = round_trip(&g);
        let (a, b, removed) = match cut_unsupported(entry, &g) {
            Some((cut, removed, feeds))
                if litequant::ops::check_supported(&g).is_err()
                    || entry.get("reference").is_some() =>
            {
                (
                    run_entry_on(entry, cut.clone(), "without the ops it lacks", &feeds),
                    Outcome::Ran {
                        failures: Vec::new(),
                        worst_float: 0.0,
                    },
                    removed,
                )
            }
            _ => (
                run_entry_on(entry, g, "as read", &[]),
                run_entry_on(entry, rt, "round trip", &[]),
                Vec::new(),
            ),
        };
        let outcome = match (a, b) {
            (
                Outcome::Ran {
                    mut failures,
                    worst_float,
                },
                Outcome::Ran {
                    failures: f2,
                    worst_float: w2,
                },
            ) => {
                failures.extend(f2);
                Outcome::Ran {
                    failures,
                    worst_float: worst_float.max(w2),
                }
            }
            (u @ Outcome::Unsupported(_), _) => u,
            (_, u) => u,
        };
        res.push((name(entry), outcome, removed));
    }
    res
}
