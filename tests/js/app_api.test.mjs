// The library calls the app builds on, in Node through the release build: compareModels
// (metrics by output kind; the accuracy equals evaluate()'s), describeModel, and data
// without labels (loadNpy without a labels file, loadCsv with labelled: false).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, loadLibrary, readNpy } from "./support.mjs";

const lq = await loadLibrary();
const fixture = (rel) => new Uint8Array(readFileSync(path.join(ROOT, "tests/fixtures", rel)));

test("compareModels: classification metrics equal evaluate(); the reference against itself is exact", () => {
  const float = fixture("digits_mlp/model_float32.tflite");
  const int8 = fixture("digits_mlp/model_int8.tflite");
  const x = readNpy("tests/fixtures/digits_data/test_x.npy").data;
  const y = readNpy("tests/fixtures/digits_data/test_y.npy").data;
  const [m] = lq.compareModels(float, int8, x, y);
  assert.equal(m.kind, "classification");
  assert.deepEqual(m.rowShape, [10]);
  assert.equal(m.rows, 360);
  assert.equal(m.accuracy, lq.evaluate(int8, x, y).accuracy);
  assert.ok(m.agreement > 0.9 && m.agreement <= 1, `agreement ${m.agreement}`);
  assert.ok(m.sqnrDb > 10, `SQNR ${m.sqnrDb}`);
  const [same] = lq.compareModels(float, float, x, null);
  assert.equal(same.accuracy, null);
  assert.equal(same.sqnrDb, null);
  assert.equal(same.mae, 0);
  assert.throws(() => lq.compareModels(float, int8, x.subarray(1), null), /a multiple of 64 values/);
  assert.throws(() => lq.compareModels(float, int8, x, new Float32Array(360)), /labels must be an Int32Array or null/);
});

test("compareModels: a regression output gets errors, no accuracy", () => {
  const sine = fixture("real-models/sine_float/sine_float.tflite");
  const x = Float32Array.from({ length: 50 }, (_, i) => (i * 2 * Math.PI) / 49);
  const [m] = lq.compareModels(sine, sine, x, new Int32Array(50));
  assert.equal(m.kind, "regression");
  assert.equal(m.accuracy, null);
  assert.equal(m.agreement, null);
  assert.equal(m.maxAbsError, 0);
});

test("describeModel lists ops and tensors with quantization", () => {
  const g = lq.describeModel(fixture("digits_mlp/model_int8.tflite"));
  assert.deepEqual(
    g.ops.map((o) => o.name),
    ["FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"],
  );
  const out = g.tensors[g.outputs[0]];
  assert.equal(out.dtype, "int8");
  assert.deepEqual([out.scales[0], out.zeroPoints[0]], [1 / 256, -128]);
});

test("data without labels: .npy without a labels file, CSV without a label column", () => {
  const npy = (shape, values) => {
    let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
    while ((10 + h.length + 1) % 64) h += " ";
    h += "\n";
    const head = new Uint8Array(10);
    head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
    return new Uint8Array([...head, ...new TextEncoder().encode(h), ...new Uint8Array(Float32Array.from(values).buffer)]);
  };
  const d = lq.loadNpy(npy([3, 2, 2], Array.from({ length: 12 }, (_, i) => i / 2)), null);
  assert.equal(d.labelled, false);
  assert.deepEqual([d.rows, d.features, d.classes, d.y.length], [3, 4, 0, 0]);
  assert.deepEqual(d.sampleShape, [2, 2]);
  const c = lq.loadCsv(new TextEncoder().encode("a,b\n1,2\n3,4\n5,6\n"), { name: "x.csv", labelled: false });
  assert.deepEqual([c.labelled, c.rows, c.features], [false, 3, 2]);
  assert.deepEqual(Array.from(c.x), [1, 2, 3, 4, 5, 6]);
  const s = lq.trainTestSplit(c.x, new Int32Array(0), 2, 0.34, 0);
  assert.deepEqual([s.train.rows, s.test.rows, s.train.y.length], [2, 1, 0]);
});
