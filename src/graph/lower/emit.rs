//! Step 3: the Graph. Tensors as TF's files order them — the input, then the constants,
//! then each op's output in op order — with TF-style names (`serving_default_<input>:0`,
//! `<model>_1/<layer>_1/<op>`, the output `StatefulPartitionedCall_1:0`), and the
//! `serving_default` signature. Identical constants (same type, shape and bytes) are one
//! tensor, as MLIR's constant uniquing leaves them (the Flatten pattern's `[1]` end and
//! stride, a dilated conv's block shape read by both space/batch ops).

use std::collections::{HashMap, HashSet};

use super::{Arg, LGraph};
use crate::error::Result;
use crate::graph::{DType, Graph, Op, Signature, SignatureTensor, Tensor};

/// Names made unique as TF does: a repeated name gets the smallest numeric suffix free.
#[derive(Default)]
struct Names(HashSet<String>);

impl Names {
    fn unique(&mut self, name: &str) -> String {
        let mut candidate = name.to_string();
        let mut k = 0;
        while self.0.contains(&candidate) {
            k += 1;
            candidate = format!("{name}{k}");
        }
        self.0.insert(candidate.clone());
        candidate
    }
}

pub(super) fn emit(g: &LGraph) -> Result<Graph> {
    let mut out = Graph::new();
    let mut names = Names::default();
    let live: Vec<_> = g.ops.iter().filter(|o| !o.dead).collect();

    let value_tensor = |names: &mut Names, v: usize, name: &str| {
        let val = &g.values[v];
        let mut t = Tensor::activation(names.unique(name), val.dtype, val.shape.clone());
        t.shape_signature = val.signature.clone();
        t
    };
    let input = out.add_tensor(value_tensor(&mut names, g.input, &g.values[g.input].name));
    out.inputs.push(input);

    // Constants, each distinct one once, in the order the ops read them.
    let mut const_tensor: HashMap<usize, usize> = HashMap::new();
    let mut by_content: HashMap<(DType, Vec<i32>, Vec<u8>), usize> = HashMap::new();
    for op in &live {
        for a in &op.args {
            let Arg::Const(c) = *a else { continue };
            if const_tensor.contains_key(&c) {
                continue;
            }
            let k = &g.consts[c];
            let bytes = k.data.bytes();
            let key = (k.data.dtype(), k.shape.clone(), bytes.clone());
            let t = match by_content.get(&key) {
                Some(&t) => t,
                None => {
                    let t = out.add_tensor(Tensor::constant(
                        names.unique(&k.name),
                        k.data.dtype(),
                        k.shape.clone(),
                        bytes,
                    ));
                    by_content.insert(key, t);
                    t
                }
            };
            const_tensor.insert(c, t);
        }
    }

    // Op outputs, in op order; the model output takes TF's name for it.
    let output_name = if g.stateful {
        "StatefulPartitionedCall_1:0"
    } else {
        "PartitionedCall_1:0"
    };
    let mut value_of: HashMap<usize, usize> = HashMap::from([(g.input, input)]);
    for op in &live {
        let name = if op.out == g.output {
            output_name
        } else {
            &g.values[op.out].name
        };
        let t = out.add_tensor(value_tensor(&mut names, op.out, name));
        value_of.insert(op.out, t);
    }
    for op in &live {
        let inputs = op
            .args
            .iter()
            .map(|a| match *a {
                Arg::Val(v) => value_of[&v] as i32,
                Arg::Const(c) => const_tensor[&c] as i32,
                Arg::None => -1,
            })
            .collect();
        out.ops.push(Op::new(
            op.code,
            op.options.clone(),
            inputs,
            vec![value_of[&op.out] as i32],
        ));
    }
    let output = value_of[&g.output];
    out.outputs.push(output);
    out.signature = Some(Signature {
        key: "serving_default".into(),
        inputs: vec![SignatureTensor {
            name: g.input_name.clone(),
            tensor: input,
        }],
        outputs: vec![SignatureTensor {
            name: "output_0".into(),
            tensor: output,
        }],
    });
    out.validate()?;
    Ok(out)
}
