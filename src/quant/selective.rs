//! Selective quantization: ops kept float inside a full-integer model, and the
//! calibrate-only model.
//!
//! TF 2.21 keeps an op float when the QuantizationDebugger's `denylisted_ops` (builtin op
//! names) or `denylisted_nodes` (the op's output tensor name in the calibrated model) name
//! it, and — with the default `supported_ops` — when it has no int8 kernel (float
//! fallback). Such an op keeps its float32 constants and options; an int8 operand reaches
//! it through a DEQUANTIZE placed just before it, and its float result goes through a
//! QUANTIZE (to the output's calibrated int8 parameters) placed just after it. A float
//! model input feeds a float first op directly, and a float last op writes a float model
//! output directly (no QUANTIZE → DEQUANTIZE pair). Checked against TF's
//! `get_nondebug_quantized_model()` files in `tests/fixtures/modes/` and
//! `tests/fixtures/modes/matrix/` (`tests/convert_modes.rs`).

use super::calibrate::Ranges;
use super::convert::ConverterOptions;
use crate::error::Result;
use crate::graph::{BuiltinOperator, DType, Graph, Op, Quant};
use crate::ops::QuantSpec;

/// Which ops of the float graph `g` stay float: denylisted by op name or output tensor
/// name, or without an int8 kernel when float fallback is allowed (`supported_ops` is not
/// `[TFLITE_BUILTINS_INT8]` alone). Names that match nothing are ignored, as TF ignores them.
pub fn float_ops(g: &Graph, specs: &[QuantSpec], opts: &ConverterOptions) -> Vec<bool> {
    g.ops
        .iter()
        .zip(specs)
        .map(|(op, spec)| {
            let by_op = opts
                .denylisted_ops
                .iter()
                .any(|n| n.eq_ignore_ascii_case(op.name()));
            let by_node = op.outputs.iter().any(|&o| {
                usize::try_from(o)
                    .ok()
                    .and_then(|o| g.tensors.get(o))
                    .is_some_and(|t| opts.denylisted_nodes.contains(&t.name))
            });
            let fallback = !spec.int8 && !opts.int8_ops_only;
            by_op || by_node || fallback
        })
        .collect()
}

fn is_activation(g: &Graph, t: usize) -> bool {
    g.tensors[t].data.is_none()
}

/// Rewires the full-integer graph `g` so that the ops `kept` (indices into `g.ops`, whose
/// activations the int8 pass already typed int8) compute in float: DEQUANTIZE before each
/// int8 activation operand (one per tensor), a float result followed by QUANTIZE into the
/// int8 tensor. Then removes the QUANTIZE / DEQUANTIZE pairs that cancel (a float model
/// input feeding a float op, a float op feeding a float model output) and the tensors no
/// op uses any more.
pub fn keep_float(g: &mut Graph, kept: &[usize]) -> Result<()> {
    // int8 tensor -> a float tensor with the same values (before quantization).
    let mut float_of: Vec<Option<usize>> = vec![None; g.tensors.len()];
    for op in &g.ops {
        if op.code == BuiltinOperator::Quantize {
            let (i, o) = (op.inputs[0] as usize, op.outputs[0] as usize);
            if g.inputs.contains(&i) && g.tensors[i].dtype == DType::F32 {
                float_of[o] = Some(i);
            }
        }
    }
    let old = std::mem::take(&mut g.ops);
    let mut ops = Vec::with_capacity(old.len() + 2 * kept.len());
    for (oi, mut op) in old.into_iter().enumerate() {
        if !kept.contains(&oi) {
            ops.push(op);
            continue;
        }
        for inp in op.inputs.iter_mut() {
            let Ok(t) = usize::try_from(*inp) else {
                continue;
            };
            if !is_activation(g, t) || g.tensors[t].dtype == DType::F32 {
                continue;
            }
            let f = match float_of[t] {
                Some(f) => f,
                None => {
                    let mut ft = g.tensors[t].clone();
                    ft.name = "tfl.dequantize".into();
                    ft.dtype = DType::F32;
                    ft.quant = None;
                    let f = g.add_tensor(ft);
                    float_of.push(None);
                    float_of[t] = Some(f);
                    ops.push(Op::new(
                        BuiltinOperator::Dequantize,
                        None,
                        vec![t as i32],
                        vec![f as i32],
                    ));
                    f
                }
            };
            *inp = f as i32;
        }
        let mut after = Vec::new();
        for out in op.outputs.iter_mut() {
            let Ok(t) = usize::try_from(*out) else {
                continue;
            };
            if !is_activation(g, t) || g.tensors[t].dtype == DType::F32 {
                continue;
            }
            // The float result keeps the tensor's name; the int8 copy is TF's
            // "tfl.quantize".
            let mut ft = g.tensors[t].clone();
            ft.dtype = DType::F32;
            ft.quant = None;
            g.tensors[t].name = "tfl.quantize".into();
            let f = g.add_tensor(ft);
            float_of.push(None);
            float_of[t] = Some(f);
            *out = f as i32;
            after.push(Op::new(
                BuiltinOperator::Quantize,
                None,
                vec![f as i32],
                vec![t as i32],
            ));
        }
        ops.push(op);
        ops.append(&mut after);
    }
    g.ops = ops;
    // A DEQUANTIZE of an int8 tensor that has a float twin is the twin: its readers and
    // the model outputs take the twin.
    let mut replace: Vec<(usize, usize)> = Vec::new();
    g.ops.retain(|op| {
        if op.code != BuiltinOperator::Dequantize {
            return true;
        }
        let (i, o) = (op.inputs[0] as usize, op.outputs[0] as usize);
        match float_of.get(i).copied().flatten() {
            Some(f) if f != o => {
                replace.push((o, f));
                false
            }
            _ => true,
        }
    });
    for (from, to) in replace {
        for op in g.ops.iter_mut() {
            for inp in op.inputs.iter_mut() {
                if *inp == from as i32 {
                    *inp = to as i32;
                }
            }
        }
        retarget_output(g, from, to);
    }
    remove_dead_converts(g);
    compact_tensors(g);
    Ok(())
}

/// Model output `from` becomes `to`, which takes `from`'s name (TF names the float output
/// after the model's output).
fn retarget_output(g: &mut Graph, from: usize, to: usize) {
    if let Some(k) = g.outputs.iter().position(|&o| o == from) {
        g.outputs[k] = to;
        g.tensors[to].name = g.tensors[from].name.clone();
        if let Some(sig) = &mut g.signature {
            for s in sig.outputs.iter_mut().filter(|s| s.tensor == from) {
                s.tensor = to;
            }
        }
    }
}

/// Removes QUANTIZE / DEQUANTIZE ops whose result nothing reads (repeatedly).
fn remove_dead_converts(g: &mut Graph) {
    loop {
        let used = |g: &Graph, t: i32| {
            g.outputs.contains(&(t as usize)) || g.ops.iter().any(|op| op.inputs.contains(&t))
        };
        let dead = g.ops.iter().position(|op| {
            matches!(
                op.code,
                BuiltinOperator::Quantize | BuiltinOperator::Dequantize
            ) && !op.outputs.iter().any(|&o| used(g, o))
        });
        match dead {
            Some(i) => {
                g.ops.remove(i);
            }
            None => break,
        }
    }
}

/// Drops tensors that no op, model input or output refers to, renumbering the rest.
fn compact_tensors(g: &mut Graph) {
    let n = g.tensors.len();
    let mut used = vec![false; n];
    for op in &g.ops {
        for &t in op.inputs.iter().chain(&op.outputs) {
            if let Ok(t) = usize::try_from(t) {
                used[t] = true;
            }
        }
    }
    for &t in g.inputs.iter().chain(&g.outputs) {
        used[t] = true;
    }
    let mut new_index = vec![usize::MAX; n];
    let mut k = 0;
    for t in 0..n {
        if used[t] {
            new_index[t] = k;
            k += 1;
        }
    }
    if k == n {
        return;
    }
    let mut t = 0;
    g.tensors.retain(|_| {
        t += 1;
        used[t - 1]
    });
    let map = |i: &mut i32| {
        if *i >= 0 {
            *i = new_index[*i as usize] as i32;
        }
    };
    for op in g.ops.iter_mut() {
        op.inputs.iter_mut().for_each(map);
        op.outputs.iter_mut().for_each(map);
    }
    for i in g.inputs.iter_mut().chain(g.outputs.iter_mut()) {
        *i = new_index[*i];
    }
    if let Some(sig) = &mut g.signature {
        for s in sig.inputs.iter_mut().chain(sig.outputs.iter_mut()) {
            s.tensor = new_index[s.tensor];
        }
    }
}

/// The calibrate-only model: the float graph with each calibrated activation's `min` /
/// `max` in its quantization table (no scales), as TF's `_experimental_calibrate_only`
/// writes `model_calibrated.tflite`.
pub fn with_ranges(float_graph: &Graph, ranges: &Ranges) -> Graph {
    let mut g = float_graph.clone();
    for (t, tensor) in g.tensors.iter_mut().enumerate() {
        if tensor.data.is_some() || tensor.dtype != DType::F32 {
            continue;
        }
        if let Some((lo, hi)) = ranges.get(t) {
            tensor.quant = Some(Quant {
                min: vec![lo],
                max: vec![hi],
                ..Default::default()
            });
        }
    }
    g
}
