//! Activation parameters of a full-integer conversion, chosen as TF 2.21's MLIR quantizer
//! chooses them: from the calibrated ranges, the ops' quantization properties
//! ([`QuantSpec`]: own range, fixed, same scale as operands and result) and the order in
//! which the quantizer propagates parameters through same-scale ops, including the
//! requantizations (QUANTIZE int8 → int8) it inserts where two constraints disagree.
//!
//! The arithmetic of TF's passes, matched step by step:
//!
//! 1. **Redundant statistics** (`RemoveRedundantStatsOps`, `quantization_utils.cc`). Every
//!    float activation (model inputs and op outputs) starts with its calibrated range.
//!    A forward pass drops the range of fixed-output ops' results (SOFTMAX, LOGISTIC, …)
//!    and of the results of same-scale ops with one float operand (pooling, RESHAPE, PAD:
//!    they take their input's); a backward pass, from every range still there whose
//!    producer is a same-scale op (CONCATENATION, MAXIMUM, PADV2: more than one float
//!    operand), drops the ranges of that op's operands and, through them, further up.
//!    Both passes take their work list from the back.
//! 2. **Propagation** (`QuantizationDriver`, `quantization_driver.cc`). Tensors that kept
//!    a range are immutable with its parameters; the others start empty. The ops are
//!    visited from a work list taken from the back (initially every op in graph order).
//!    A same-scale op takes, in this order of preference: its single operand's parameters
//!    if immutable, its single result's if immutable, the first immutable ones (operands
//!    first), its single operand's, its single result's, the first set ones — or is put
//!    aside until a neighbour is set. It then imposes them on every float operand and
//!    result: an empty tensor takes them (and its producer, or its users, join the work
//!    list); a tensor that has other parameters gets a requantization instead — for an
//!    operand, a QUANTIZE into the op's parameters read by that op only; for a result, the
//!    op writes the imposed parameters and a QUANTIZE converts to the tensor's. A
//!    fixed-output op sets its result the same way.
//! 3. **Materialisation** (`QuantizationDriver::Finalize`): each tensor takes its state's
//!    parameters; the requantizing QUANTIZE ops follow their tensor's producer (model
//!    inputs: the start of the graph) in the order the conflicts were found.

use super::calibrate::Ranges;
use super::params::activation_params;
use crate::error::{Error, Result};
use crate::graph::{BuiltinOperator, DType, Graph, Op, Quant};
use crate::ops::{OutputRule, QuantSpec};

/// Per-tensor int8 parameters: scale and zero point.
pub type Params = (f32, i64);

fn same(a: Params, b: Params) -> bool {
    a.0.to_bits() == b.0.to_bits() && a.1 == b.1
}

/// A requantization of tensor `tensor` into `params`.
#[derive(Clone, Debug, PartialEq)]
pub struct Requant {
    pub params: Params,
    /// `Some(users)`: the listed `(op, input)` operands read the requantized tensor (the
    /// others keep the original). `None`: the producer writes `params` and every reader
    /// (and the model output) reads the requantized tensor, which has the state's
    /// parameters.
    pub users: Option<Vec<(usize, usize)>>,
}

/// The result of the propagation.
#[derive(Clone, Debug, Default)]
pub struct Propagation {
    /// Parameters of every float tensor that has some: activations, and the float
    /// constants of same-scale ops (PADV2's pad value, `MAXIMUM(x, c)`'s `c`).
    pub params: Vec<Option<Params>>,
    /// Per tensor, its requantizations in TF's order.
    pub requant: Vec<Vec<Requant>>,
}

/// How one op takes part in the propagation (from its [`QuantSpec`]).
struct OpRole {
    same_scale: bool,
    fixed: Option<Params>,
    /// Float operands (activations and constants) the same-scale rule applies to.
    float_inputs: Vec<usize>,
}

/// Runs TF's statistics pruning and parameter propagation on `g` (a float32 graph) with
/// the calibrated `ranges`. `specs[i]` is op `i`'s quantization properties.
pub fn propagate(g: &Graph, ranges: &Ranges, specs: &[QuantSpec]) -> Result<Propagation> {
    let n = g.tensors.len();
    let is_float = |t: usize| g.tensors[t].dtype == DType::F32;
    let is_act = |t: usize| is_float(t) && g.tensors[t].data.is_none();
    let idx = |t: i32| usize::try_from(t).ok().filter(|&t| t < n);

    let mut producer: Vec<Option<usize>> = vec![None; n];
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (oi, op) in g.ops.iter().enumerate() {
        for &o in &op.outputs {
            if let Some(o) = idx(o) {
                producer[o] = Some(oi);
            }
        }
        for &i in &op.inputs {
            if let Some(i) = idx(i) {
                users[i].push(oi);
            }
        }
    }
    let roles: Vec<OpRole> = g
        .ops
        .iter()
        .zip(specs)
        .enumerate()
        .map(|(oi, (op, spec))| {
            if spec.output == OutputRule::Unquantized {
                if let Some(&o) = op.outputs.iter().find(|&&o| idx(o).is_some_and(is_act)) {
                    return Err(Error::converter(format!(
                        "op {oi} ({}): float32 output '{}' cannot be quantized",
                        op.display_name(),
                        g.tensors[o as usize].name
                    )));
                }
            }
            Ok(OpRole {
                same_scale: spec.shared_scale || matches!(spec.output, OutputRule::SameAsInput(_)),
                fixed: match spec.output {
                    OutputRule::Fixed { int8, .. } => Some(int8),
                    _ => None,
                },
                float_inputs: op
                    .inputs
                    .iter()
                    .enumerate()
                    .filter(|(k, &i)| {
                        !spec.unquantized_inputs.contains(k) && idx(i).is_some_and(is_float)
                    })
                    .map(|(k, _)| k)
                    .collect(),
            })
        })
        .collect::<Result<_>>()?;

    // 1. Statistics: model inputs, then op outputs in graph order (the walk order).
    let mut has_stats = vec![false; n];
    let mut walk = Vec::new();
    for &t in &g.inputs {
        if is_act(t) && !has_stats[t] {
            has_stats[t] = true;
            walk.push(t);
        }
    }
    for op in &g.ops {
        for &o in &op.outputs {
            if let Some(o) = idx(o).filter(|&o| is_act(o) && !has_stats[o]) {
                has_stats[o] = true;
                walk.push(o);
            }
        }
    }
    let mut redundant = vec![false; n];
    // Forward: fixed-output results; results of same-scale ops with one float operand.
    let mut work = walk.clone();
    while let Some(t) = work.pop() {
        if producer[t].is_some_and(|p| roles[p].fixed.is_some()) {
            redundant[t] = true;
        }
        for &u in &users[t] {
            if !roles[u].same_scale || roles[u].float_inputs.len() > 1 {
                continue;
            }
            for &r in &g.ops[u].outputs {
                if let Some(r) = idx(r).filter(|&r| has_stats[r]) {
                    redundant[r] = true;
                    work.push(r);
                }
            }
        }
    }
    // Backward: from the ranges still there, through same-scale producers.
    let mut work: Vec<usize> = walk.iter().copied().filter(|&t| !redundant[t]).collect();
    while let Some(t) = work.pop() {
        let Some(p) = producer[t].filter(|&p| roles[p].same_scale) else {
            continue;
        };
        for &i in &g.ops[p].inputs {
            if let Some(i) = idx(i).filter(|&i| has_stats[i]) {
                redundant[i] = true;
                work.push(i);
            }
        }
    }

    // 2. Propagation.
    let mut state: Vec<Option<Params>> = vec![None; n];
    let mut immutable = vec![false; n];
    for &t in &walk {
        if redundant[t] {
            continue;
        }
        if let Some((lo, hi)) = ranges.get(t) {
            let (s, zp) = activation_params(lo, hi);
            if !(s.is_finite() && lo.is_finite() && hi.is_finite()) {
                return Err(Error::converter(format!(
                    "tensor '{}': its calibrated range [{lo}, {hi}] gives the int8 scale \
                     {s}, which is not finite (the values overflow float32; non-finite \
                     weights?): it cannot be quantized",
                    g.tensors[t].name
                )));
            }
            state[t] = Some((s, zp));
            immutable[t] = true;
        }
    }
    let mut requant: Vec<Vec<Requant>> = vec![Vec::new(); n];
    let mut work: Vec<usize> = (0..g.ops.len()).collect();
    let mut done = vec![false; g.ops.len()];
    while let Some(oi) = work.pop() {
        if done[oi] {
            continue;
        }
        done[oi] = true;
        let op = &g.ops[oi];
        let role = &roles[oi];
        if role.same_scale {
            let Some(p) = same_scale_params(op, &state, &immutable, n) else {
                done[oi] = false; // not reachable yet: revisited when a neighbour is set
                continue;
            };
            for &k in &role.float_inputs {
                let t = op.inputs[k] as usize;
                match state[t] {
                    Some(s) if same(s, p) => {}
                    Some(_) => {
                        // Requantize on the way into this op (one QUANTIZE per params).
                        let list = &mut requant[t];
                        match list
                            .iter_mut()
                            .find(|r| r.users.is_some() && same(r.params, p))
                        {
                            Some(r) => r.users.get_or_insert_with(Vec::new).push((oi, k)),
                            None => list.push(Requant {
                                params: p,
                                users: Some(vec![(oi, k)]),
                            }),
                        }
                    }
                    None => {
                        state[t] = Some(p);
                        if let Some(q) = producer[t] {
                            work.push(q);
                        }
                    }
                }
            }
            for &o in &op.outputs {
                if let Some(o) = idx(o).filter(|&o| is_float(o)) {
                    set_result(o, p, &mut state, &mut requant, &users, &mut work);
                }
            }
        }
        if let Some(p) = role.fixed {
            for &o in &op.outputs {
                if let Some(o) = idx(o).filter(|&o| is_float(o)) {
                    set_result(o, p, &mut state, &mut requant, &users, &mut work);
                }
            }
        }
    }
    // Requantizations on a result (`users: None`) and on operands cannot mix: TF's
    // `RequantizeOpResult` then inserts none (and the file would not be consistent).
    for (t, list) in requant.iter().enumerate() {
        let on_result = list.iter().filter(|r| r.users.is_none()).count();
        if on_result > 0 && on_result != list.len() {
            return Err(Error::unsupported(format!(
                "tensor '{}' needs requantizing both for its producer and for its readers",
                g.tensors[t].name
            )));
        }
    }
    Ok(Propagation {
        params: state,
        requant,
    })
}

/// `SetResultParams`: an empty result takes `p` (its users join the work list); a result
/// with other parameters is requantized after its producer (the first such request wins).
fn set_result(
    o: usize,
    p: Params,
    state: &mut [Option<Params>],
    requant: &mut [Vec<Requant>],
    users: &[Vec<usize>],
    work: &mut Vec<usize>,
) {
    match state[o] {
        Some(s) if same(s, p) => {}
        Some(_) => requant[o].push(Requant {
            params: p,
            users: None,
        }),
        None => {
            state[o] = Some(p);
            work.extend(&users[o]);
        }
    }
}

/// `GetQuantParamsForSameScaleConstraint`: the parameters a same-scale op imposes on its
/// operands and results, if any of them has some (see the module docs for the order).
fn same_scale_params(
    op: &crate::graph::Op,
    state: &[Option<Params>],
    immutable: &[bool],
    n: usize,
) -> Option<Params> {
    let (mut imm, mut muts): (Vec<Params>, Vec<Params>) = (Vec::new(), Vec::new());
    let classify = |t: i32, imm: &mut Vec<Params>, muts: &mut Vec<Params>| {
        let Some(t) = usize::try_from(t).ok().filter(|&t| t < n) else {
            return;
        };
        match (immutable[t], state[t]) {
            (true, Some(p)) => imm.push(p),
            (false, Some(p)) => muts.push(p),
            _ => {}
        }
    };
    for &i in &op.inputs {
        classify(i, &mut imm, &mut muts);
    }
    let (imm_in, mut_in) = (imm.len(), muts.len());
    let n_in = op.inputs.len();
    if n_in == 1 && imm_in == 1 {
        return imm.first().copied();
    }
    for &o in &op.outputs {
        classify(o, &mut imm, &mut muts);
    }
    let n_out = op.outputs.len();
    if n_out == 1 && imm.len() - imm_in == 1 {
        return imm.last().copied();
    }
    if let Some(&p) = imm.first() {
        return Some(p);
    }
    if n_in == 1 && mut_in == 1 {
        return muts.first().copied();
    }
    if n_out == 1 && muts.len() - mut_in == 1 {
        return muts.last().copied();
    }
    muts.first().copied()
}

/// The float32 constant tensor of input `k` of `op`, if it is one.
fn float_constant(g: &Graph, op: &Op, k: usize) -> Option<usize> {
    let t = usize::try_from(*op.inputs.get(k)?).ok()?;
    let tensor = g.tensors.get(t)?;
    (tensor.data.is_some() && tensor.dtype == DType::F32).then_some(t)
}

/// A float constant that is a bias or an operand of a same-scale op, and is read more
/// than once, gets one copy per such use (TF's `PreprocessConstantOps`): each use is
/// given its own parameters (two convolutions sharing an all-zero bias get two int32
/// biases at their own scales).
pub fn duplicate_shared_constants(g: &mut Graph, specs: &[QuantSpec]) {
    let mut uses = vec![0usize; g.tensors.len()];
    for op in &g.ops {
        for &i in &op.inputs {
            if let Ok(i) = usize::try_from(i) {
                uses[i] += 1;
            }
        }
    }
    // The first such use keeps the tensor.
    let mut seen = vec![false; g.tensors.len()];
    for (oi, spec) in specs.iter().enumerate() {
        let same_scale = spec.shared_scale || matches!(spec.output, OutputRule::SameAsInput(_));
        for k in 0..g.ops[oi].inputs.len() {
            if !same_scale && spec.bias.is_none_or(|b| b.input != k) {
                continue;
            }
            let Some(t) = float_constant(g, &g.ops[oi], k) else {
                continue;
            };
            if uses[t] > 1 && std::mem::replace(&mut seen[t], true) {
                let copy = g.tensors[t].clone();
                let ni = g.add_tensor(copy);
                g.ops[oi].inputs[k] = ni as i32;
            }
        }
    }
}

/// The requantizing QUANTIZE ops (int8 → int8) the propagation asked for, each after
/// its tensor's producer (a model input's: at the start), in the propagation's order.
/// A requantization for readers gets a new tensor those readers read; one for the
/// producer (a fixed-output op feeding a same-scale op) makes the producer write the
/// requested parameters into a new tensor that the QUANTIZE converts to the original's.
pub fn insert_requantizations(g: &mut Graph, prop: &Propagation) {
    let n = g.tensors.len();
    let mut after: Vec<Vec<Op>> = vec![Vec::new(); g.ops.len()];
    let mut first: Vec<Op> = Vec::new();
    let producer =
        |g: &Graph, t: usize| g.ops.iter().position(|op| op.outputs.contains(&(t as i32)));
    for t in 0..n {
        if prop.requant[t].is_empty() {
            continue;
        }
        let at = producer(g, t);
        let mut k = 0;
        for r in &prop.requant[t] {
            k += 1;
            let mut nt = g.tensors[t].clone();
            nt.name = format!("{}{k}", g.tensors[t].name);
            nt.quant = Some(Quant::per_tensor(r.params.0, r.params.1));
            let ni = g.add_tensor(nt);
            let q = match &r.users {
                Some(readers) => {
                    for &(oi, kk) in readers {
                        g.ops[oi].inputs[kk] = ni as i32;
                    }
                    Op::new(
                        BuiltinOperator::Quantize,
                        None,
                        vec![t as i32],
                        vec![ni as i32],
                    )
                }
                None => {
                    // The producer writes `ni` (the requested parameters); the QUANTIZE
                    // gives `t` (the state's) to every reader.
                    if let Some(p) = at {
                        for o in g.ops[p].outputs.iter_mut() {
                            if *o == t as i32 {
                                *o = ni as i32;
                            }
                        }
                    }
                    Op::new(
                        BuiltinOperator::Quantize,
                        None,
                        vec![ni as i32],
                        vec![t as i32],
                    )
                }
            };
            match at {
                Some(p) => after[p].push(q),
                None => first.push(q),
            }
        }
    }
    let mut ops = first;
    for (op, mut tail) in std::mem::take(&mut g.ops).into_iter().zip(after) {
        ops.push(op);
        ops.append(&mut tail);
    }
    g.ops = ops;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;

    /// `concat([relu(x), tanh(x)])`, as TF's `concat` fixture has it: the concatenation's
    /// range reaches back to both operands; TANH's fixed output then disagrees and gets a
    /// requantization on its result (TANH writes 1/128, a QUANTIZE converts).
    #[test]
    fn concat_imposes_its_range_and_tanh_is_requantized() {
        let mut g = Graph::new();
        let t = |g: &mut Graph, name: &str| {
            g.add_tensor(crate::graph::Tensor::activation(
                name,
                DType::F32,
                vec![1, 4],
            ))
        };
        let (x, r, th, c) = (
            t(&mut g, "x"),
            t(&mut g, "r"),
            t(&mut g, "t"),
            t(&mut g, "c"),
        );
        g.inputs = vec![x];
        g.outputs = vec![c];
        g.ops.push(Op::new(
            BuiltinOperator::Relu,
            None,
            vec![x as i32],
            vec![r as i32],
        ));
        g.ops.push(Op::new(
            BuiltinOperator::Tanh,
            None,
            vec![x as i32],
            vec![th as i32],
        ));
        g.ops.push(Op::new(
            BuiltinOperator::Concatenation,
            None,
            vec![r as i32, th as i32],
            vec![c as i32],
        ));
        let specs: Vec<QuantSpec> = g
            .ops
            .iter()
            .map(|op| ops::def_of(op).unwrap().quant(op))
            .collect();
        let mut ranges = Ranges {
            ranges: vec![None; 4],
            samples: 1,
            histograms: Vec::new(),
        };
        ranges.ranges[x] = Some((-1.0, 2.0));
        ranges.ranges[r] = Some((0.0, 2.0));
        ranges.ranges[th] = Some((-0.76, 0.96));
        ranges.ranges[c] = Some((-0.76, 2.0));
        let p = propagate(&g, &ranges, &specs).unwrap();
        let pc = activation_params(-0.76, 2.0);
        assert_eq!(p.params[x], Some(activation_params(-1.0, 2.0)));
        for i in [r, th, c] {
            assert_eq!(p.params[i], Some(pc), "tensor {i}");
        }
        assert!(p.requant[r].is_empty() && p.requant[x].is_empty());
        assert_eq!(
            p.requant[th],
            vec![Requant {
                params: (1.0 / 128.0, 0),
                users: None
            }]
        );
        // Materialised: TANH writes a new 1/128 tensor, a QUANTIZE follows it.
        insert_requantizations(&mut g, &p);
        let names: Vec<&str> = g.ops.iter().map(|o| o.name()).collect();
        assert_eq!(names, ["RELU", "TANH", "QUANTIZE", "CONCATENATION"]);
        assert_eq!(g.ops[2].outputs, vec![th as i32]);
        assert_eq!(g.ops[1].outputs, g.ops[2].inputs);
    }
}
