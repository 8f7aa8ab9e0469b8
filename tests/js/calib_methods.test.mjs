// Calibration methods through the JS API (pkg/): `calibrationMethod`, `calibrationOptions`,
// `calibrationOverrides` on TFLiteConverter; errors name the option or tensor; min/max stays
// the default and writes the bytes it wrote before; the worker pool's merged histograms give
// the single-threaded file for any number of workers; the outlier measurement of
// bench/calib_methods.mjs keeps its claims (min/max keeps the outlier in the input range,
// percentile 99.9 drops it and entropy clips it, the best method is within 0.5 points of float).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { loadLibrary, readNpy } from "./support.mjs";
import { measure } from "../../bench/calib_methods.mjs";

const lq = await loadLibrary();
const pool = await lq.workerPool();
after(() => pool.terminatePools());

function digits() {
  const w = (l, k) => readNpy(`tests/fixtures/digits_mlp/weights_l${l}_dense_${k}.npy`);
  const ws = [w(0, "kernel"), w(0, "bias"), w(1, "kernel"), w(1, "bias")];
  const model = lq.Sequential.fromConfig({
    inputShape: [ws[0].shape[0]],
    layers: [
      { type: "dense", units: ws[0].shape[1], activation: "relu" },
      { type: "dense", units: ws[2].shape[1], activation: "softmax" },
    ],
  });
  model.setWeights(ws.map((x) => x.data));
  return model;
}

function int8(model, calib) {
  const conv = lq.TFLiteConverter.fromModel(model);
  conv.optimizations = ["DEFAULT"];
  conv.representativeDataset = calib;
  conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
  return conv;
}

test("options: defaults, round trip, errors naming the option or tensor", () => {
  const conv = int8(digits(), readNpy("tests/fixtures/digits_data/calib.npy"));
  assert.equal(conv.calibrationMethod, "minmax");
  assert.deepEqual(conv.calibrationOptions, { percentile: 99.99, bins: 2048, symmetric: false });
  assert.throws(() => (conv.calibrationMethod = "kl"), /calibrationMethod: unknown calibration method 'kl'/);
  assert.throws(() => (conv.calibrationOptions = { percentile: 50 }), /calibrationOptions.percentile: percentile 50 is outside \(50, 100\]/);
  assert.throws(() => (conv.calibrationOptions = { percentile: 100.5 }), /outside \(50, 100\]/);
  assert.throws(() => (conv.calibrationOptions = { bins: 100 }), /calibrationOptions.bins = 100/);
  assert.throws(() => (conv.calibrationOverrides = { nope: { min: 0, max: 1 } }), /calibrationOverrides: no tensor named 'nope'/);
  const report = conv.calibrationReport();
  const input = report.tensors[0].name;
  assert.throws(() => (conv.calibrationOverrides = { [input]: { method: "median" } }), new RegExp(`calibrationOverrides\\['${input}'\\]: unknown calibration method 'median'`));
  assert.throws(() => (conv.calibrationOverrides = { [input]: { min: 2, max: 1 } }), /min <= max/);
  assert.throws(() => (conv.calibrationOverrides = { [input]: { min: 0 } }), /either \{method\} or both \{min, max\}/);
  conv.calibrationMethod = "entropy";
  conv.calibrationOptions = { percentile: 99.9, bins: 1024 };
  conv.calibrationOverrides = { [input]: { min: -1, max: 1 } };
  assert.equal(conv.calibrationMethod, "entropy");
  assert.deepEqual(conv.calibrationOptions, { percentile: 99.9, bins: 1024, symmetric: false });
  assert.deepEqual(conv.calibrationOverrides, { [input]: { min: -1, max: 1 } });
  // The override reaches the file: the int8 input's scale is 2/255.
  const r = conv.calibrationReport();
  assert.equal(r.tensors[0].scale, Math.fround(2 / 255));
  assert.equal(r.tensors[0].min, -1);
  // Every tensor lists every method's range, clip share and expected error.
  for (const t of r.tensors) {
    assert.deepEqual(t.methods.map((m) => m.method), ["minmax", "percentile", "entropy", "mse"], t.name);
    for (const m of t.methods) assert.ok(m.min <= m.max && m.clippedFraction >= 0 && m.expectedMse >= 0, t.name);
  }
});

test("minmax stays the default's bytes; pool calibration equals one thread for every method", async () => {
  const model = digits();
  const calib = readNpy("tests/fixtures/digits_data/calib.npy");
  const plain = int8(model, calib).convert();
  const explicit = int8(model, calib);
  explicit.calibrationMethod = "minmax";
  assert.deepEqual(explicit.convert(), plain);
  for (const method of ["minmax", "percentile", "entropy", "mse"]) {
    const one = int8(model, calib);
    one.calibrationMethod = method;
    const want = one.convert();
    if (method !== "minmax") assert.notDeepEqual(want, plain, method);
    for (const workers of [1, 2, 3]) {
      const conv = int8(model, calib);
      conv.calibrationMethod = method;
      await lq.calibrate(conv, { workers });
      assert.deepEqual(conv.convert(), want, `${method}, ${workers} workers`);
    }
  }
});

test("outlier in 1 % of the representative rows: percentile and entropy clip it; the best method is within 0.5 points of float", () => {
  const r = measure(lq, readNpy);
  const by = Object.fromEntries(r.results.map((m) => [m.label, m]));
  // min/max keeps the outlier (feature ×50: the input range reaches ~50) ...
  assert.ok(by.minmax.inputRange[1] > 25, JSON.stringify(by.minmax));
  // ... percentile 99.9 drops it (the pixels are in [0, 1]), entropy clips most of it; mse
  // keeps it (one value in 6400: clipping it costs more squared error than the coarser grid).
  assert.ok(by["percentile 99.9"].inputRange[1] <= 1.0, JSON.stringify(by["percentile 99.9"]));
  assert.ok(by.entropy.inputRange[1] < by.minmax.inputRange[1] / 5, JSON.stringify(by.entropy));
  const best = Math.max(by["percentile 99.9"].accuracy, by.entropy.accuracy, by.mse.accuracy);
  assert.ok(best >= by.float32.accuracy - 0.005, JSON.stringify(r.results));
});
