#!/usr/bin/env python3
"""Run every .tflite file the Rust tests wrote in the official LiteRT interpreter and
compare with the outputs our own interpreter produced.

    .venv/bin/python tests/oracle/check_oracle.py target/oracle/manifest.json

The manifest is a JSON list of entries (paths relative to the repo root):
    {"name": str, "model": path, "input_npy": path, "expected_npy": path | null,
     "reference_model": path | null, "ours_npy": path | null, "exact": bool, "atol": float}
Entries of every `manifest.*.json` beside the manifest are checked too (each Rust test
binary writes its own file: convert_reference -> manifest.json, import_reference ->
manifest.import.json).
Each input row is fed as a batch of one (as the reference check does) through the model's
first input. Float inputs fed to an int8/uint8 input are quantized first with the model's
input parameters, as TFLite's QUANTIZE kernel does: clamp(round_half_away(f32(x) / f32(scale))
+ zp). The first output rows are stacked and compared with expected_npy (outputs saved from
TensorFlow's own file), with the outputs of reference_model (TensorFlow's file, run here
the same way) and with ours_npy (our interpreter's outputs for the same rows, written by
the Rust test): exact -> same dtype, shape and values; otherwise same shape and
max |diff| <= atol. At least one of expected_npy / reference_model must be given.
The op resolver is BUILTIN_REF: TFLite's reference kernels, which our int8 kernels match
bit for bit. Prints one line per entry, then "N passed, M failed"; exits 1 on any failure
and when the manifest is missing or empty.
"""
import argparse
import glob
import json
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def round_half_away(v):
    v = np.asarray(v, dtype=np.float64)
    return np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5))


def feed(inp, x):
    """x as the model's input dtype: as is when it already is, quantized when it is float."""
    dtype = np.dtype(inp["dtype"])
    if x.dtype == dtype:
        return x
    if x.dtype == np.float32 and dtype in (np.int8, np.uint8):
        scale, zp = inp["quantization"]
        info = np.iinfo(dtype)
        q = round_half_away(x / np.float32(scale)) + zp
        return np.clip(q, info.min, info.max).astype(dtype)
    raise ValueError(f"model input is {dtype.name}, input_npy is {x.dtype.name}")


def run_model(model_bytes, x):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(model_content=model_bytes,
                     experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    inp = it.get_input_details()[0]
    want_shape = [1, *x.shape[1:]]
    if list(inp["shape"]) != want_shape:
        it.resize_tensor_input(inp["index"], want_shape)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    x = feed(inp, x)
    rows = []
    for row in x:
        it.set_tensor(inp["index"], row[None])
        it.invoke()
        rows.append(it.get_tensor(out["index"])[0].copy())
    return np.stack(rows)


def compare(got, want, entry):
    if got.shape != want.shape:
        return False, f"shape {got.shape} vs {want.shape}"
    diff = float(np.abs(got.astype(np.float64) - want.astype(np.float64)).max()) if got.size else 0.0
    if entry.get("exact", False):
        if got.dtype != want.dtype:
            return False, f"dtype {got.dtype} vs {want.dtype}"
        mismatched = int(np.count_nonzero(got != want))
        return mismatched == 0, f"exact, {mismatched}/{got.size} differ"
    atol = float(entry["atol"])
    return bool(np.isfinite(diff) and diff <= atol), f"max|diff|={diff:.3g} (atol {atol:.3g})"


def check(entry):
    """Returns (ok, detail)."""
    x = np.load(os.path.join(ROOT, entry["input_npy"]))
    with open(os.path.join(ROOT, entry["model"]), "rb") as f:
        got = run_model(f.read(), x)
    results = []
    if entry.get("expected_npy"):
        want = np.load(os.path.join(ROOT, entry["expected_npy"]))
        ok, detail = compare(got, want, entry)
        results.append((ok, f"vs saved: {detail}"))
    if entry.get("reference_model"):
        with open(os.path.join(ROOT, entry["reference_model"]), "rb") as f:
            want = run_model(f.read(), x)
        ok, detail = compare(got, want, entry)
        results.append((ok, f"vs TF file: {detail}"))
    if not results:
        return False, "entry has neither expected_npy nor reference_model"
    if entry.get("ours_npy"):
        ours = np.load(os.path.join(ROOT, entry["ours_npy"]))
        ok, detail = compare(got, ours, entry)
        results.append((ok, f"vs ours: {detail}"))
    return all(ok for ok, _ in results), f"{len(x)} rows; " + "; ".join(d for _, d in results)


def main():
    ap = argparse.ArgumentParser(description="Check .tflite files against ai-edge-litert (BUILTIN_REF).")
    ap.add_argument("manifest", nargs="?", default=os.path.join(ROOT, "target", "oracle", "manifest.json"))
    args = ap.parse_args()
    try:
        with open(args.manifest) as f:
            entries = json.load(f)
    except FileNotFoundError:
        print(f"error: manifest {args.manifest} not found (the Rust tests write it; run `cargo test` first)")
        print("0 passed, 1 failed")
        return 1
    if isinstance(entries, dict):
        entries = entries.get("entries", [])
    base = os.path.basename(args.manifest)
    stem = base[:-len(".json")] if base.endswith(".json") else base
    for extra in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(args.manifest)),
                                               f"{glob.escape(stem)}.*.json"))):
        with open(extra) as f:
            more = json.load(f)
        entries = list(entries) + list(more.get("entries", []) if isinstance(more, dict) else more)
    if not entries:
        print(f"error: manifest {args.manifest} lists no models")
        print("0 passed, 1 failed")
        return 1

    passed = failed = 0
    width = max(len(e.get("name", "?")) for e in entries)
    for entry in entries:
        name = entry.get("name", entry.get("model", "?"))
        try:
            ok, detail = check(entry)
        except Exception as ex:  # a file LiteRT rejects, a missing path, a bad entry
            ok, detail = False, f"{type(ex).__name__}: {str(ex).strip().splitlines()[0][:200] if str(ex).strip() else ''}"
        print(f"{'ok  ' if ok else 'FAIL'} {name:<{width}}  {detail}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
