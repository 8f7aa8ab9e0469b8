//! Step 2: the fusions and folds of TF's optimize pass
//! (`tensorflow/compiler/mlir/lite/transforms/optimize*.{cc,td}`), applied as its greedy
//! pattern rewriter applies them: ops are visited from the output back, and an op that a
//! rewrite changed is visited again at once, followed by its readers. Which rewrite fires
//! first decides the file (a linear Dense's bias either stays or moves into the next
//! Dense), so the order is part of the rule.
//!
//! | pattern (root last) | result | conditions |
//! |---|---|---|
//! | conv / Dense / ADD / SUB / MUL / pool → RELU, RELU6, RELU_N1_TO_1 | fused activation | the producer has none and no other reader |
//! | conv → ADD(c) | `bias + c` | conv output read once, no fused activation; the ADD's activation moves over |
//! | conv → MUL(c) | `w[o] · c[o]`, `bias · c` | as above |
//! | Dense → ADD(c) | `bias + c` (`c` without a bias) | as above |
//! | Dense → MUL(c) | `w[o][i] · c[o]`, `bias · c` | as above |
//! | ADD(x, c) → Dense | Dense(x) with bias `fold(c, w, bias)` | the Dense has a bias, the ADD no fused activation; not when the Dense has a fused activation and `x` comes from a conv / Dense that can take the ADD itself |
//! | MUL(x, c) → Dense | Dense(x) with `w[o][j] · c[j]` | the MUL has no fused activation |
//! | RESHAPE(RESHAPE(x)) | RESHAPE(x) | the inner one stays while read elsewhere |
//!
//! `fold(c, w, b)` is TF's constant folding of a FULLY_CONNECTED (`FullyConnectedOp::fold`):
//! per output `o`, `b[o]` plus the products `f32(c[j] · w[o][j])` in `j` order, summed in
//! float32 with Neumaier's compensation. Every other product and sum is one float32
//! operation, as TF's constant folder computes it.

use super::{Arg, Data, LGraph};
use crate::graph::schema::ActivationFunctionType as Act;
use crate::graph::{BuiltinOperator as B, BuiltinOptions as O};

/// Applies the patterns until none matches.
pub(super) fn optimize(g: &mut LGraph) {
    let mut stack: Vec<usize> = (0..g.ops.len()).collect();
    while let Some(r) = stack.pop() {
        if g.ops[r].dead {
            continue;
        }
        if let Some(p) = apply(g, r) {
            let users = g.users(g.ops[p].out);
            stack.extend(users.into_iter().rev());
            stack.push(p);
        }
    }
}

/// Tries every pattern rooted at op `r`; returns the op that now carries the result.
fn apply(g: &mut LGraph, r: usize) -> Option<usize> {
    match g.ops[r].code {
        B::Relu | B::Relu6 | B::ReluN1To1 => fuse_activation(g, r),
        B::Add => fold_into_producer(g, r, false),
        B::Mul => fold_into_producer(g, r, true),
        B::FullyConnected => fold_into_dense(g, r),
        B::Reshape => reshape_of_reshape(g, r),
        _ => None,
    }
}

/// The fused activation of ops that have the slot.
fn activation(o: &Option<O>) -> Option<Act> {
    Some(match o.as_ref()? {
        O::Conv2DOptions(x) => x.fused_activation_function,
        O::DepthwiseConv2DOptions(x) => x.fused_activation_function,
        O::FullyConnectedOptions(x) => x.fused_activation_function,
        O::Pool2DOptions(x) => x.fused_activation_function,
        O::AddOptions(x) => x.fused_activation_function,
        O::SubOptions(x) => x.fused_activation_function,
        O::MulOptions(x) => x.fused_activation_function,
        _ => return None,
    })
}

fn set_activation(o: &mut Option<O>, a: Act) {
    match o.as_mut() {
        Some(O::Conv2DOptions(x)) => x.fused_activation_function = a,
        Some(O::DepthwiseConv2DOptions(x)) => x.fused_activation_function = a,
        Some(O::FullyConnectedOptions(x)) => x.fused_activation_function = a,
        Some(O::Pool2DOptions(x)) => x.fused_activation_function = a,
        Some(O::AddOptions(x)) => x.fused_activation_function = a,
        Some(O::SubOptions(x)) => x.fused_activation_function = a,
        Some(O::MulOptions(x)) => x.fused_activation_function = a,
        _ => unreachable!("only ops with a fused-activation slot"),
    }
}

/// The float values of a 1-D float constant argument.
fn const_vec(g: &LGraph, a: Arg) -> Option<Vec<f32>> {
    let Arg::Const(c) = a else { return None };
    let c = &g.consts[c];
    (c.shape.len() == 1).then(|| c.data.f32().map(<[f32]>::to_vec))?
}

fn const_f32(g: &LGraph, a: Arg) -> Option<Vec<f32>> {
    let Arg::Const(c) = a else { return None };
    g.consts[c].data.f32().map(<[f32]>::to_vec)
}

/// A new constant like `like` (same shape) holding `data`, named after value `v`.
fn replace_const(g: &mut LGraph, like: Arg, data: Vec<f32>, v: usize) -> Arg {
    let shape = match like {
        Arg::Const(c) => g.consts[c].shape.clone(),
        _ => vec![data.len() as i32],
    };
    let name = g.values[v].name.clone();
    Arg::Const(g.add_const(shape, Data::F32(data), name))
}

/// `x → RELU` becomes `x` with a fused activation.
fn fuse_activation(g: &mut LGraph, r: usize) -> Option<usize> {
    let Arg::Val(x) = g.ops[r].args[0] else {
        return None;
    };
    let p = g.producer(x)?;
    if activation(&g.ops[p].options) != Some(Act::None) || g.uses(x) != 1 {
        return None;
    }
    let a = match g.ops[r].code {
        B::Relu => Act::Relu,
        B::Relu6 => Act::Relu6,
        _ => Act::ReluN1To1,
    };
    set_activation(&mut g.ops[p].options, a);
    g.ops[p].out = g.ops[r].out;
    g.ops[r].dead = true;
    Some(p)
}

/// `conv / Dense → ADD(c)` or `→ MUL(c)` (`mul`) folded into the conv's or Dense's
/// constants; the ADD's / MUL's fused activation moves over.
fn fold_into_producer(g: &mut LGraph, r: usize, mul: bool) -> Option<usize> {
    let (Arg::Val(x), c_arg) = (g.ops[r].args[0], g.ops[r].args[1]) else {
        return None;
    };
    let c = const_vec(g, c_arg)?;
    let p = g.producer(x)?;
    let code = g.ops[p].code;
    if !matches!(code, B::Conv2d | B::DepthwiseConv2d | B::FullyConnected)
        || activation(&g.ops[p].options) != Some(Act::None)
        || g.uses(x) != 1
    {
        return None;
    }
    let channels = *g.values[x].shape.last()? as usize;
    if c.len() != channels {
        return None;
    }
    let out = g.ops[r].out;
    let (w_arg, b_arg) = (g.ops[p].args[1], g.ops[p].args[2]);
    let bias = const_f32(g, b_arg);
    if mul {
        let mut w = const_f32(g, w_arg)?;
        match code {
            // [1, kh, kw, C]: channel fastest.
            B::DepthwiseConv2d => w
                .chunks_exact_mut(channels)
                .for_each(|row| row.iter_mut().zip(&c).for_each(|(v, &s)| *v *= s)),
            // [O, …]: one block per output channel.
            _ => {
                let per = w.len() / channels;
                w.chunks_exact_mut(per)
                    .zip(&c)
                    .for_each(|(blk, &s)| blk.iter_mut().for_each(|v| *v *= s));
            }
        }
        g.ops[p].args[1] = replace_const(g, w_arg, w, out);
        if let Some(mut b) = bias {
            b.iter_mut().zip(&c).for_each(|(v, &s)| *v *= s);
            g.ops[p].args[2] = replace_const(g, b_arg, b, out);
        }
    } else {
        let b = match bias {
            Some(mut b) => {
                b.iter_mut().zip(&c).for_each(|(v, &s)| *v += s);
                b
            }
            None => c,
        };
        g.ops[p].args[2] = replace_const(g, b_arg, b, out);
    }
    let a = activation(&g.ops[r].options).unwrap_or(Act::None);
    set_activation(&mut g.ops[p].options, a);
    g.ops[p].out = out;
    g.ops[r].dead = true;
    Some(p)
}

/// `ADD(x, c) → Dense` or `MUL(x, c) → Dense` folded into the Dense's constants
/// (`FuseAddAndFullyConnected`, `FuseMulAndFullyConnected`). The ADD / MUL stays while
/// others read it.
fn fold_into_dense(g: &mut LGraph, r: usize) -> Option<usize> {
    let Arg::Val(x) = g.ops[r].args[0] else {
        return None;
    };
    // The Dense's own fused activation stays (TF checks only the ADD's / MUL's).
    let p = g.producer(x)?;
    let code = g.ops[p].code;
    if !matches!(code, B::Add | B::Mul) || activation(&g.ops[p].options) != Some(Act::None) {
        return None;
    }
    let (Arg::Val(y), c_arg) = (g.ops[p].args[0], g.ops[p].args[1]) else {
        return None;
    };
    let c = const_vec(g, c_arg)?;
    // A bias ADD of a conv / Dense before it (`conv / Dense → ADD(c)` could take it too)
    // stays there when this Dense has a fused activation: in TF's greedy rewriter the
    // other pattern gets the ADD first then (`tests/fixtures/bias_fold`: `lin_relu`,
    // `lin_relu_lin_softmax` keep the first bias; a linear or softmax Dense takes it).
    if code == B::Add && activation(&g.ops[r].options) != Some(Act::None) {
        if let Some(q) = g.producer(y) {
            if matches!(
                g.ops[q].code,
                B::Conv2d | B::DepthwiseConv2d | B::FullyConnected
            ) && activation(&g.ops[q].options) == Some(Act::None)
                && g.uses(y) == 1
            {
                return None;
            }
        }
    }
    let (w_arg, b_arg) = (g.ops[r].args[1], g.ops[r].args[2]);
    let w = const_f32(g, w_arg)?;
    let n_in = c.len();
    if n_in == 0 || w.len() % n_in != 0 || g.values[x].shape.last() != Some(&(n_in as i32)) {
        return None;
    }
    let out = g.ops[r].out;
    if code == B::Add {
        let b = const_f32(g, b_arg)?;
        let folded = fully_connected_fold(&c, &w, &b);
        g.ops[r].args[2] = replace_const(g, b_arg, folded, out);
    } else {
        let mut w = w;
        w.chunks_exact_mut(n_in)
            .for_each(|row| row.iter_mut().zip(&c).for_each(|(v, &s)| *v *= s));
        g.ops[r].args[1] = replace_const(g, w_arg, w, out);
    }
    g.ops[r].args[0] = Arg::Val(y);
    if g.uses(x) == 0 {
        g.ops[p].dead = true;
    }
    Some(r)
}

/// `RESHAPE(RESHAPE(x, s1), s2)` reads `x` directly: `RESHAPE(x, s2)` (TF's
/// `ConvertReshapeReshape`-style fold, observed in `bias_fold/lin_reshape2d_flatten_lin`:
/// a Flatten after a Reshape reshapes the Dense output itself). The inner RESHAPE stays
/// while something else reads it (the Flatten's SHAPE op).
fn reshape_of_reshape(g: &mut LGraph, r: usize) -> Option<usize> {
    let Arg::Val(x) = g.ops[r].args[0] else {
        return None;
    };
    let p = g.producer(x)?;
    if g.ops[p].code != B::Reshape {
        return None;
    }
    let Arg::Val(y) = g.ops[p].args[0] else {
        return None;
    };
    g.ops[r].args[0] = Arg::Val(y);
    if g.uses(x) == 0 {
        g.ops[p].dead = true;
    }
    Some(r)
}

/// TF's `FullyConnectedOp::fold` on a constant input `c` `[in]`, weights `w` `[out, in]`
/// and bias `b` `[out]`: per output `o`, `b[o] + Σ_j f32(c[j] · w[o][j])` summed in float32
/// in `j` order with Neumaier's compensation (the compensation added once at the end).
pub(crate) fn fully_connected_fold(c: &[f32], w: &[f32], b: &[f32]) -> Vec<f32> {
    let n = c.len();
    b.iter()
        .zip(w.chunks_exact(n))
        .map(|(&b, row)| {
            let (mut sum, mut comp) = (b, 0f32);
            for (&cj, &wj) in c.iter().zip(row) {
                let x = cj * wj;
                let t = sum + x;
                comp += if sum.abs() >= x.abs() {
                    (sum - t) + x
                } else {
                    (x - t) + sum
                };
                sum = t;
            }
            sum + comp
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fully_connected_fold;

    #[test]
    fn neumaier_keeps_what_plain_summation_loses() {
        // 1 + 1e8 − 1e8 in float32: plain summation gives 0, the compensated sum 1.
        let v = fully_connected_fold(&[1e8, -1e8], &[1.0, 1.0], &[1.0]);
        assert_eq!(v, vec![1.0]);
        let v = fully_connected_fold(&[2.0, 3.0], &[0.5, -1.0, 1.0, 1.0], &[1.0, 0.0]);
        assert_eq!(v, vec![1.0 + 1.0 - 3.0, 5.0]);
    }
}
