// The public JS API of the release library (pkg/litequant.js), run in Node:
// - the wasm build writes byte-identical files to the native build for every reference
//   case and variant (the native test `convert_reference` wrote them to target/oracle/);
// - training is deterministic for a seed; fit reports Keras-style history;
// - bad input throws a JS Error that names the problem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, loadLibrary, readNpy } from "./support.mjs";

const lq = await loadLibrary();

const CASES = {
  seed: { w: ["seed/seed_w0.npy", "seed/seed_w1.npy", "seed/seed_w2.npy", "seed/seed_w3.npy"], calib: "seed/seed_x_train.npy",
    variants: ["float32", "dynamic", "fp16", "int8", "int8_floatio", "uint8io"] },
  fixed_mlp: { w: dense("fixed_mlp"), calib: "fixed_mlp/calib.npy", variants: ["float32", "dynamic", "fp16", "int8", "int8_floatio", "uint8io"] },
  fixed_edge: { w: dense("fixed_edge"), calib: "fixed_edge/calib.npy", variants: ["float32", "fp16", "int8"] },
  digits_mlp: { w: dense("digits_mlp"), calib: "digits_data/calib.npy", variants: ["float32", "dynamic", "fp16", "int8"] },
};

function dense(c) {
  return [0, 1].flatMap((l) => [`${c}/weights_l${l}_dense_kernel.npy`, `${c}/weights_l${l}_dense_bias.npy`]);
}

function caseModel(name) {
  const ws = CASES[name].w.map((p) => readNpy(`tests/fixtures/${p}`));
  const model = lq.Sequential.fromConfig({
    inputShape: [ws[0].shape[0]],
    layers: [
      { type: "dense", units: ws[0].shape[1], activation: "relu" },
      { type: "dense", units: ws[2].shape[1], activation: "softmax" },
    ],
  });
  model.setWeights(ws.map((w) => w.data));
  return model;
}

function configure(conv, name, variant) {
  const calib = readNpy(`tests/fixtures/${CASES[name].calib}`);
  if (variant === "float32") return;
  conv.optimizations = ["DEFAULT"];
  if (variant === "fp16") conv.supportedTypes = ["float16"];
  if (variant.startsWith("int8") || variant === "uint8io") {
    conv.representativeDataset = calib;
    conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
    const io = { int8: "int8", int8_floatio: "float32", uint8io: "uint8" }[variant];
    conv.inferenceInputType = io;
    conv.inferenceOutputType = io;
  }
}

test("wasm writes the same bytes as the native build, for every reference case and variant", (t) => {
  const dir = path.join(ROOT, "target/oracle");
  if (!existsSync(path.join(dir, "manifest.json"))) {
    assert.fail("target/oracle/manifest.json is missing: run the native tests (cargo test) first");
  }
  let n = 0;
  for (const [name, c] of Object.entries(CASES)) {
    const model = caseModel(name);
    for (const variant of c.variants) {
      const conv = lq.TFLiteConverter.fromModel(model);
      configure(conv, name, variant);
      const ours = conv.convert();
      assert.ok(ours instanceof Uint8Array);
      const native = readFileSync(path.join(dir, `${name}_${variant}.tflite`));
      assert.ok(Buffer.from(ours).equals(native), `${name}/${variant}: wasm and native bytes differ`);
      n++;
    }
  }
  assert.equal(n, 19);
});

function seedData(n = 100, d = 32, seed = 7) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = Float32Array.from({ length: n * d }, rand);
  const y = Int32Array.from({ length: n }, () => Math.floor(rand() * 10));
  return { x, y };
}

function seedModel(seed = 0) {
  const m = lq.Sequential.fromConfig({ inputShape: [32], seed, layers: [
    { type: "dense", units: 64, activation: "relu" }, { type: "dense", units: 10, activation: "softmax" }] });
  m.compile({ optimizer: { type: "adam", learningRate: 1e-3 }, loss: "sparse_categorical_crossentropy", metrics: ["accuracy"] });
  return m;
}

test("fit reports history per epoch and the same seed gives the same result", async () => {
  const { x, y } = seedData();
  const runs = [];
  for (let r = 0; r < 2; r++) {
    const m = seedModel(3);
    const seen = [];
    const h = await m.fit(x, y, { epochs: 3, batchSize: 32, shuffle: true, seed: 5, onEpochEnd: (e, logs) => { seen.push([e, logs.loss]); } });
    assert.equal(h.history.loss.length, 3);
    assert.equal(h.history.accuracy.length, 3);
    assert.deepEqual(seen.map((s) => s[0]), [0, 1, 2]);
    assert.deepEqual(seen.map((s) => s[1]), h.history.loss);
    runs.push({ h, w: m.getWeights() });
  }
  assert.deepEqual(runs[0].h, runs[1].h);
  runs[0].w.forEach((w, i) => assert.ok(Buffer.from(w.buffer).equals(Buffer.from(runs[1].w[i].buffer)), `weights ${i}`));
  const other = seedModel(4).getWeights();
  assert.ok(!Buffer.from(other[0].buffer).equals(Buffer.from(seedModel(3).getWeights()[0].buffer)), "another seed, another init");
});

test("onEpochEnd returning false stops training", async () => {
  const { x, y } = seedData();
  const m = seedModel();
  const h = await m.fit(x, y, { epochs: 10, batchSize: 32, onEpochEnd: (e) => e < 1 });
  assert.equal(h.history.loss.length, 2);
});

test("bad input throws an Error that names the problem", async () => {
  const { x, y } = seedData();
  const m = seedModel();
  const throwsLike = async (fn, re, what) => {
    let err;
    try { await fn(); } catch (e) { err = e; }
    assert.ok(err instanceof Error, `${what}: expected an Error, got ${err}`);
    assert.match(err.message, re, `${what}: message was "${err.message}"`);
  };
  await throwsLike(() => m.fit(x.subarray(0, 100 * 32 - 1), y, { epochs: 1 }), /multiple|32/, "x length not a multiple of the input size");
  await throwsLike(() => m.fit(x, y.subarray(0, 99), { epochs: 1 }), /y|label/i, "y length differs");
  await throwsLike(() => m.fit(x, Int32Array.from(y, (v, i) => (i === 6 ? 10 : v)), { epochs: 1 }), /y\[6\].*10|outside|range/, "label out of range");
  await throwsLike(() => m.fit(Float32Array.from(x, (v, i) => (i === 40 ? NaN : v)), y, { epochs: 1 }), /NaN|non-finite|finite/i, "NaN in x");
  await throwsLike(() => m.fit(x, y, { epochs: 1, batchSize: 0 }), /batch/i, "batch size 0");
  await throwsLike(() => lq.Sequential.fromConfig({ inputShape: [32], layers: [{ type: "dense", units: 4, activation: "gelu" }] }), /gelu/, "unknown activation");
  await throwsLike(() => lq.Sequential.fromConfig({ inputShape: [32], layers: [{ type: "lstm", units: 4 }] }), /lstm/, "unknown layer");
  await throwsLike(() => m.compile({ loss: "mse" }), /mse/, "unknown loss");
  await throwsLike(() => m.setWeights([new Float32Array(3)]), /weight|expected/i, "wrong weights");

  const conv = () => lq.TFLiteConverter.fromModel(m);
  const c1 = conv();
  c1.optimizations = ["DEFAULT"];
  c1.supportedOps = ["TFLITE_BUILTINS_INT8"];
  await throwsLike(() => c1.convert(), /representative dataset/, "int8 without a dataset");
  const c2 = conv();
  c2.optimizations = ["DEFAULT"];
  c2.representativeDataset = { data: new Float32Array(0), shape: [0, 32] };
  c2.supportedOps = ["TFLITE_BUILTINS_INT8"];
  await throwsLike(() => c2.convert(), /empty/, "empty dataset");
  const c3 = conv();
  c3.optimizations = ["DEFAULT"];
  c3.representativeDataset = { data: new Float32Array(10 * 31), shape: [10, 31] };
  await throwsLike(() => c3.convert(), /width|31|32/, "sample of the wrong width");
  const c4 = conv();
  c4.optimizations = ["DEFAULT"];
  c4.representativeDataset = { data: Float32Array.from(x.subarray(0, 320), (v, i) => (i === 5 ? Infinity : v)), shape: [10, 32] };
  await throwsLike(() => c4.convert(), /non-finite|NaN|Inf/, "Inf in calibration data");
  const c5 = conv();
  c5.inferenceInputType = "int8";
  await throwsLike(() => c5.convert(), /float32/, "int8 io without quantization (TF rejects it)");
  const c6 = conv();
  c6.optimizations = ["DEFAULT"];
  c6.supportedTypes = ["float16"];
  c6.supportedOps = ["TFLITE_BUILTINS_INT8"];
  await throwsLike(() => c6.convert(), /float16/, "float16 with integer-only ops");
  await throwsLike(() => { conv().inferenceInputType = "int4"; }, /int4/, "unknown io type");
  await throwsLike(() => { conv().optimizations = ["FAST"]; }, /FAST/, "unknown optimization");
  await throwsLike(() => { conv().supportedTypes = ["bfloat16"]; }, /bfloat16/, "unknown supported type");
  await throwsLike(() => { conv().representativeDataset = { data: [1, 2] }; }, /representativeDataset/, "malformed dataset object");
});
