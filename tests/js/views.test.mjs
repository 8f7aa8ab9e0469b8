// Zero-copy tensor views (Interpreter.inputView / outputView) of the release library, in
// Node: a view aliases the interpreter's buffer, so writing the input view and reading
// the output view equals setTensor/getTensor, for float and int8 io, across invokes and
// after a resize (which needs a new view).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, loadLibrary, readNpy } from "./support.mjs";

const lq = await loadLibrary();
const file = (v) => readFileSync(path.join(ROOT, `tests/fixtures/digits_mlp/model_${v}.tflite`));

test("views alias the interpreter's input and output buffers", () => {
  const x = readNpy("tests/fixtures/digits_data/test_x.npy");
  const width = x.shape[1];
  for (const [variant, Arr] of [["float32", Float32Array], ["fp16", Float32Array], ["int8", Int8Array], ["dynamic", Float32Array]]) {
    const a = new lq.Interpreter(file(variant));
    const b = new lq.Interpreter(file(variant));
    const [inp] = a.getInputDetails();
    const [out] = a.getOutputDetails();
    let inV = a.inputView(0);
    let outV = a.outputView(0);
    assert.ok(inV instanceof Arr && inV.length === width, variant);
    const rowAt = (r) =>
      Arr === Float32Array ? x.data.subarray(r * width, (r + 1) * width) : Int8Array.from(x.data.subarray(r * width, (r + 1) * width), (v) => Math.round(v / 0.1) - 60);
    for (const r of [0, 1, 2]) {
      inV.set(rowAt(r));
      a.invoke();
      b.setTensor(inp.index, rowAt(r));
      b.invoke();
      assert.deepEqual(Array.from(outV), Array.from(b.getTensor(out.index)), `${variant} row ${r}`);
      assert.deepEqual(Array.from(a.getTensor(inp.index)), Array.from(rowAt(r)), `${variant} input ${r}`);
    }
    if (inp.shapeSignature[0] === -1) {
      a.resizeInput(inp.index, [3, width]);
      b.resizeInput(inp.index, [3, width]);
      inV = a.inputView(0); // the resize may reallocate: take new views
      outV = a.outputView(0);
      assert.equal(inV.length, 3 * width);
      const rows = new Arr(3 * width);
      for (const r of [0, 1, 2]) rows.set(rowAt(r), r * width);
      inV.set(rows);
      a.invoke();
      b.setTensor(inp.index, rows);
      b.invoke();
      assert.deepEqual(Array.from(outV), Array.from(b.getTensor(out.index)), `${variant} batch 3`);
    }
    assert.throws(() => a.inputView(1), /inputView: input 1 out of range/);
    assert.throws(() => a.outputView(5), /outputView: output 5 out of range/);
    a.free();
    b.free();
  }
});
