#!/usr/bin/env python3
"""Load a full-integer .tflite file (int8 in, int8 out) in ai-edge-litert and run it.

    .venv/bin/python tests/oracle/run_tflite.py test-results/model_quant_int8.tflite

Checks: the file loads with both the default (AUTO) and the reference (BUILTIN_REF) op
resolver; input and output tensors are int8; a few random int8 inputs give int8 outputs of
batch 1 that both resolvers agree on; if the output looks like a softmax (scale 1/256, zero
point -128, as TFLite fixes it) each dequantized row sums to about 1. Exit 0 or 1.
"""
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def fail(msg):
    print(f"FAIL {msg}")
    sys.exit(1)


def run(model_bytes, resolver, inputs):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(model_content=model_bytes, experimental_op_resolver_type=OpResolverType[resolver])
    it.allocate_tensors()
    inp, out = it.get_input_details(), it.get_output_details()
    if len(inp) != 1 or len(out) != 1:
        fail(f"expected 1 input and 1 output, got {len(inp)} and {len(out)}")
    inp, out = inp[0], out[0]
    for what, d in (("input", inp), ("output", out)):
        if d["dtype"] != np.int8:
            fail(f"{what} {d['name']!r} is {np.dtype(d['dtype']).name}, expected int8")
    outs = []
    for x in inputs:
        it.set_tensor(inp["index"], x.reshape(inp["shape"]))
        it.invoke()
        outs.append(it.get_tensor(out["index"]).copy())
    return inp, out, np.stack(outs)


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    with open(argv[0], "rb") as f:
        model = f.read()
    if model[4:8] != b"TFL3":
        fail(f"{argv[0]}: no TFL3 file identifier")
    from ai_edge_litert.interpreter import Interpreter

    shape = Interpreter(model_content=model).get_input_details()[0]["shape"]
    rng = np.random.default_rng(0)
    inputs = rng.integers(-128, 128, size=(5, *shape), dtype=np.int8)

    inp, out, auto = run(model, "AUTO", inputs)
    _, _, ref = run(model, "BUILTIN_REF", inputs)
    if auto.dtype != np.int8 or auto.shape[1] != 1:
        fail(f"output {auto.dtype} of shape {auto.shape[1:]}, expected int8 of batch 1")
    if not np.array_equal(auto, ref):
        fail(f"AUTO and BUILTIN_REF disagree (max |diff| {np.abs(auto.astype(int) - ref).max()})")
    scale, zero_point = out["quantization"]
    if abs(scale - 1 / 256) < 1e-9 and zero_point == -128:
        sums = ((ref.astype(np.float64) - zero_point) * scale).reshape(len(inputs), -1).sum(axis=1)
        if np.abs(sums - 1).max() > 0.05:
            fail(f"softmax rows do not sum to 1: {sums}")
    print(f"ok   {argv[0]}: {len(model)} bytes, input {inp['name']!r} int8 {inp['shape'].tolist()} "
          f"(scale {inp['quantization'][0]:.6g}, zp {inp['quantization'][1]}), output int8 "
          f"{out['shape'].tolist()} (scale {scale:.6g}, zp {zero_point}); {len(inputs)} runs, AUTO == BUILTIN_REF")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
