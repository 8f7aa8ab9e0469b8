//! The generic prepare loop (TFLite's `Prepare` pass): for every op in order, checks what
//! holds for any op — its definition exists, its version is implemented, its outputs are
//! fresh tensors, its inputs are computed earlier — then hands it to its family's
//! [`OpDef::prepare`](crate::ops::OpDef::prepare), and checks that every output got a
//! shape (and, for a folded op, a value). Every check that could fail at run time is made
//! here, so `invoke` cannot meet a malformed op.

use super::context::{Kernel, PrepareCtx, Prepared};
use super::{annotate, InterpreterOptions, Slot};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::kernels::Kernels;

/// Prepares every op of `g`'s main subgraph; returns one kernel per op (`None`: folded).
pub(super) fn prepare_all(
    g: &Graph,
    slots: &mut [Slot],
    kernels: &'static Kernels,
    options: &InterpreterOptions,
) -> Result<Vec<Option<Box<dyn Kernel>>>> {
    let mut available: Vec<bool> = slots.iter().map(|s| s.graph_const).collect();
    for &i in &g.inputs {
        available[i] = true;
    }
    let mut plans = Vec::with_capacity(g.ops.len());
    for (op_index, op) in g.ops.iter().enumerate() {
        let plan = prepare_one(g, op_index, slots, kernels, options, &mut available)
            .map_err(|e| annotate(e, op_index, &op.display_name(), op.version))?;
        plans.push(plan);
    }
    for &o in &g.outputs {
        if !available[o] {
            return Err(Error::invalid(format!(
                "graph output {o} ('{}') is never computed",
                g.tensors[o].name
            )));
        }
    }
    Ok(plans)
}

fn prepare_one(
    g: &Graph,
    op_index: usize,
    slots: &mut [Slot],
    kernels: &'static Kernels,
    options: &InterpreterOptions,
    available: &mut [bool],
) -> Result<Option<Box<dyn Kernel>>> {
    let op = &g.ops[op_index];
    let def = crate::ops::def_of(op).ok_or_else(|| crate::ops::unsupported_op(op, op_index))?;
    let max = def.max_version(op.code);
    if op.version < 1 || op.version > max {
        return Err(Error::unsupported(format!(
            "{} version {} (this interpreter implements versions 1 to {max})",
            op.display_name(),
            op.version
        )));
    }
    let n = g.tensors.len();
    let index = |i: i32| -> Result<usize> {
        usize::try_from(i)
            .ok()
            .filter(|&t| t < n)
            .ok_or_else(|| Error::format(format!("tensor index {i} out of range ({n} tensors)")))
    };
    let mut outputs = Vec::with_capacity(op.outputs.len());
    for &o in &op.outputs {
        let o = index(o)?;
        if available[o] {
            return Err(Error::invalid(format!(
                "output tensor {o} ('{}') is a constant, a graph input or already computed",
                g.tensors[o].name
            )));
        }
        outputs.push(o);
    }
    let mut inputs = Vec::with_capacity(op.inputs.len());
    for &i in &op.inputs {
        if i == -1 {
            inputs.push(None);
            continue;
        }
        let t = index(i)?;
        if !available[t] {
            return Err(Error::invalid(format!(
                "input tensor {t} ('{}') is not computed before this op",
                g.tensors[t].name
            )));
        }
        inputs.push(Some(t));
    }
    let n_out = outputs.len();
    let mut cx = PrepareCtx {
        tensors: &g.tensors,
        slots,
        kernels,
        options,
        op,
        inputs,
        outputs,
        set: vec![false; n_out],
        folded: vec![false; n_out],
    };
    let prepared = def.prepare(&mut cx)?;
    if let Some(k) = cx.set.iter().position(|s| !s) {
        return Err(Error::invalid(format!(
            "prepare did not set output {k}'s shape (internal error in the op's definition)"
        )));
    }
    let plan = match prepared {
        Prepared::Folded => {
            if let Some(k) = cx.folded.iter().position(|f| !f) {
                return Err(Error::invalid(format!(
                    "prepare folded the op but gave output {k} no value (internal error in \
                     the op's definition)"
                )));
            }
            None
        }
        Prepared::Run(kernel) => {
            if cx.folded.iter().any(|&f| f) {
                return Err(Error::invalid(
                    "prepare folded an output but returned a kernel (internal error in the \
                     op's definition)",
                ));
            }
            Some(kernel)
        }
    };
    for &o in &cx.outputs {
        available[o] = true;
    }
    Ok(plan)
}
