#!/usr/bin/env python3
"""Errors of a quantized file against its float32 reference, measured by LiteRT.

    .venv/bin/python tests/e2e/litert_metrics.py FLOAT32.tflite OTHER.tflite X.npy

Runs both files row by row with LiteRT's reference kernels (BUILTIN_REF), quantizing float
inputs for int8/uint8 inputs as TFLite's QUANTIZE does (x / scale in float32, round half
away from zero, + zero point, clamp) and dequantizing int8/uint8 outputs. Prints one JSON
line: rows, MAE, RMSE, max |error| and SQNR (dB) of OTHER's first output against FLOAT32's —
the figures the app's Compare table shows for a regression output.
"""
import json
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def outputs(path, x):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    res = []
    for row in x:
        v = row.reshape(inp["shape"]).astype(np.float32)
        if inp["dtype"] != np.float32:
            scale, zp = inp["quantization"]
            info = np.iinfo(inp["dtype"])
            q = v / np.float32(scale)
            v = np.clip(np.sign(q) * np.floor(np.abs(q) + 0.5) + zp, info.min, info.max).astype(inp["dtype"])
        it.set_tensor(inp["index"], v)
        it.invoke()
        y = it.get_tensor(out["index"])
        if out["dtype"] != np.float32:
            scale, zp = out["quantization"]
            y = (y.astype(np.float32) - zp) * np.float32(scale)
        res.append(y.astype(np.float64).ravel())
    return np.concatenate(res)


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    x = np.load(argv[2])
    a, b = outputs(argv[0], x), outputs(argv[1], x)
    e = b - a
    print(json.dumps({
        "rows": int(len(x)),
        "mae": float(np.mean(np.abs(e))),
        "rmse": float(np.sqrt(np.mean(e * e))),
        "max": float(np.max(np.abs(e))),
        "sqnr": float(10 * np.log10(np.sum(a * a) / np.sum(e * e))),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
