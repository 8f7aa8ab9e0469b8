// The worker pool of the release library (pkg/pool.js), run in Node (worker_threads):
// calibration and evaluation split over workers give exactly what one thread gives —
// the same .tflite bytes, the same accuracy and loss — for 1, 2 and 3 workers.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, loadLibrary, readNpy } from "./support.mjs";

const lq = await loadLibrary();
const pool = await lq.workerPool();
after(() => pool.terminatePools());

function digitsModel() {
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

function int8Converter(model, calib) {
  const conv = lq.TFLiteConverter.fromModel(model);
  conv.optimizations = ["DEFAULT"];
  conv.representativeDataset = calib;
  conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
  return conv;
}

test("calibrate over workers writes the file a single-threaded convert writes", async () => {
  const model = digitsModel();
  const calib = readNpy("tests/fixtures/digits_data/calib.npy");
  const want = int8Converter(model, calib).convert();
  for (const workers of [1, 2, 3]) {
    const conv = int8Converter(model, calib);
    const r = await lq.calibrate(conv, { workers });
    assert.deepEqual(r, { samples: calib.shape[0], workers });
    assert.deepEqual(conv.convert(), want, `${workers} workers`);
  }
  // A new dataset drops the pool's ranges; ranges of another size are refused.
  const conv = int8Converter(model, calib);
  await lq.calibrate(conv, { workers: 2 });
  const half = { data: calib.data.subarray(0, 50 * calib.shape[1]), shape: [50, calib.shape[1]] };
  conv.representativeDataset = half;
  assert.deepEqual(conv.convert(), int8Converter(model, half).convert());
  const parts = [lq.calibrateRanges(conv.floatModel(), half.data, half.shape)];
  conv.representativeDataset = calib;
  conv.setCalibration(parts);
  assert.throws(() => conv.convert(), /covers .* 50 samples/);
});

test("evaluate over workers equals evaluate on one thread", async () => {
  const model = digitsModel();
  const x = readNpy("tests/fixtures/digits_data/test_x.npy");
  const y = readNpy("tests/fixtures/digits_data/test_y.npy");
  const calib = readNpy("tests/fixtures/digits_data/calib.npy");
  const files = {
    float32: lq.TFLiteConverter.fromModel(model).convert(),
    int8: int8Converter(model, calib).convert(),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const want = lq.evaluate(bytes, x.data, y.data);
    assert.ok(want.loss > 0 && want.accuracy > 0.9, name);
    for (const workers of [1, 2, 3]) {
      const got = await lq.evaluate(bytes, x.data, y.data, { workers });
      assert.deepEqual(got, want, `${name}, ${workers} workers`);
    }
  }
  await assert.rejects(lq.evaluate(files.int8, x.data, y.data.subarray(1), { workers: 2 }), /evaluate/);
  const badY = Int32Array.from(y.data);
  badY[badY.length - 1] = 99;
  await assert.rejects(lq.evaluate(files.int8, x.data, badY, { workers: 2 }), /label 99/);
});
