#!/usr/bin/env python3
"""Held-out accuracy of the app's downloaded files in LiteRT (ai-edge-litert).

    .venv/bin/python tests/e2e/check_litert.py FLOAT32.tflite INT8.tflite TEST_X.npy TEST_Y.npy [PAGE_INT8_ACC]

Runs both files on the test set with LiteRT's reference kernels (BUILTIN_REF), one sample at
a time, quantizing float inputs with the int8 input's scale / zero point as TFLite's QUANTIZE
does. Fails unless the int8 accuracy is within 1 point of float32, and (when given) equal to
the accuracy the page measured with litequant's interpreter. Exit 0 or 1.
"""
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def accuracy(path, x, y):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    with open(path, "rb") as f:
        model = f.read()
    it = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    scale, zp = inp["quantization"]
    correct = 0
    for row, label in zip(x, y):
        v = row.reshape(inp["shape"])
        if inp["dtype"] != np.float32:
            info = np.iinfo(inp["dtype"])
            q = np.sign(v / scale) * np.floor(np.abs(v / scale) + 0.5) + zp
            v = np.clip(q, info.min, info.max).astype(inp["dtype"])
        it.set_tensor(inp["index"], v)
        it.invoke()
        correct += int(np.argmax(it.get_tensor(out["index"])[0]) == label)
    return correct / len(y), inp["dtype"].__name__


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__)
        return 2
    f32_path, int8_path, x_path, y_path = argv[:4]
    x, y = np.load(x_path), np.load(y_path)
    acc_f, _ = accuracy(f32_path, x, y)
    acc_q, dtype = accuracy(int8_path, x, y)
    print(f"LiteRT BUILTIN_REF on {len(y)} held-out rows: float32 {acc_f:.4f}, int8 ({dtype} input) {acc_q:.4f}")
    if abs(acc_q - acc_f) > 0.01:
        print(f"FAIL int8 accuracy {acc_q:.4f} is more than 1 point from float32 {acc_f:.4f}")
        return 1
    if len(argv) == 5 and abs(float(argv[4]) - acc_q) > 1e-9:
        print(f"FAIL the page measured int8 accuracy {float(argv[4]):.4f}, LiteRT {acc_q:.4f}")
        return 1
    print("ok   int8 within 1 point of float32 in LiteRT" + (", equal to the page's figure" if len(argv) == 5 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
