#!/usr/bin/env node
// Calibration methods on data with an outlier: the accuracy of TF's digits MLP
// (tests/fixtures/digits_mlp weights, 64 → 32 relu → 10 softmax) converted to full-integer
// int8 with each calibration method, when 1 % of the representative rows (1 of the 100
// rows of digits_data/calib.npy: the first whose feature 44, the most variable pixel, is
// ≥ 0.5) carries that feature ×50, as a faulty sensor reading would. Accuracy on the 360
// test rows (digits_data/test_x.npy / test_y.npy), run by our interpreter.
//
//   node bench/calib_methods.mjs      (needs pkg/ from `npm run build`)
// writes bench/results/calibration_methods.json; tests/js/calib_methods.test.mjs runs the
// same measurement and checks its claims.
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const FEATURE = 44;
export const FACTOR = 50;

export const METHODS = [
  { label: "float32", method: null },
  { label: "minmax", method: "minmax" },
  { label: "percentile 99.99", method: "percentile", options: { percentile: 99.99 } },
  { label: "percentile 99.9", method: "percentile", options: { percentile: 99.9 } },
  { label: "entropy", method: "entropy" },
  { label: "mse", method: "mse" },
];

/** The measurement; `lq` the loaded library, `readNpy(rel)` the fixture reader. */
export function measure(lq, readNpy) {
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
  const calib = readNpy("tests/fixtures/digits_data/calib.npy");
  const [n, f] = calib.shape;
  const data = Float32Array.from(calib.data);
  const rows = [];
  for (let r = 0; r < n && rows.length < Math.max(1, Math.round(n / 100)); r++) {
    if (data[r * f + FEATURE] >= 0.5) rows.push(r);
  }
  for (const r of rows) data[r * f + FEATURE] *= FACTOR;
  const x = readNpy("tests/fixtures/digits_data/test_x.npy").data;
  const y = readNpy("tests/fixtures/digits_data/test_y.npy").data;
  const results = [];
  for (const m of METHODS) {
    const conv = lq.TFLiteConverter.fromModel(model);
    if (m.method) {
      conv.optimizations = ["DEFAULT"];
      conv.representativeDataset = { data, shape: [n, f] };
      conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
      conv.calibrationMethod = m.method;
      if (m.options) conv.calibrationOptions = m.options;
    }
    const bytes = conv.convert();
    const e = lq.evaluate(bytes, x, y);
    // The int8 input's range (the tensor the outlier widens) and the hidden layer's.
    const ranges = m.method ? conv.calibrationReport().tensors.slice(0, 2).map((t) => [t.min, t.max]) : null;
    results.push({ label: m.label, method: m.method, accuracy: e.accuracy, correct: e.correct, n: e.n, inputRange: ranges?.[0] ?? null, hiddenRange: ranges?.[1] ?? null });
  }
  return {
    date: new Date().toISOString().slice(0, 10),
    model: "digits_mlp (TF-trained weights): Dense(32, relu) → Dense(10, softmax)",
    calibration: `digits_data/calib.npy, ${n} rows; rows ${rows.join(", ")} with feature ${FEATURE} ×${FACTOR}`,
    evaluation: `digits_data/test_x.npy, ${y.length} rows`,
    results,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { loadLibrary, readNpy, ROOT } = await import("../tests/js/support.mjs");
  const lq = await loadLibrary();
  const r = measure(lq, readNpy);
  const out = path.join(ROOT, "bench", "results");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "calibration_methods.json"), JSON.stringify(r, null, 1) + "\n");
  for (const m of r.results) console.log(`${m.label.padEnd(18)} ${(100 * m.accuracy).toFixed(2)} %  input range ${JSON.stringify(m.inputRange)}`);
}
