// Issue 12 (hardening) through the JS API of the release build: the public-report cases
// as a user reaches them (setWeights with non-finite weights, NaN in the representative
// dataset, float16 clamping) and the api-traps inputs that once trapped the wasm module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadLibrary } from "./support.mjs";

const lq = await loadLibrary();

async function throwsLike(fn, re, what) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, `${what}: expected an Error, got ${err}`);
  assert.doesNotMatch(err.message, /unreachable|RuntimeError/, `${what}: trapped: ${err.message}`);
  assert.match(err.message, re, `${what}: message was "${err.message}"`);
}

function dense1(inputs, kernel, bias) {
  const m = lq.Sequential.fromConfig({ inputShape: [inputs], layers: [{ type: "dense", units: 1 }] });
  m.setWeights([Float32Array.from(kernel), Float32Array.from(bias)]);
  return m;
}

test("api-traps 1 and 4: randomDataset sizes are checked before allocating", async () => {
  await throwsLike(() => lq.randomDataset(5, 3, -1, 2), /4294967295 classes/, "class count 2^32 - 1");
  await throwsLike(() => lq.randomDataset(65536, 65537, 2, 0), /65536 rows × 65537 features/, "rows × features wraps");
  const d = lq.randomDataset(5, 3, 2, 0);
  assert.equal(d.x.length, 15);
});

test("public report case 1: float16 constants beyond the half range are 65504, never inf", () => {
  const conv = lq.TFLiteConverter.fromModel(dense1(1, [100000], [70000]));
  conv.optimizations = ["DEFAULT"];
  conv.supportedTypes = ["float16"];
  const it = new lq.Interpreter(conv.convert());
  it.setTensor(it.getInputDetails()[0].index, Float32Array.of(1));
  it.invoke();
  assert.deepEqual(Array.from(it.getTensor(it.getOutputDetails()[0].index)), [131008]);
});

test("public report case 2: NaN in the representative dataset is skipped; inf and all-NaN columns are refused", async () => {
  const m = dense1(2, [1, 1], [0.5]);
  const conv = lq.TFLiteConverter.fromModel(m);
  conv.optimizations = ["DEFAULT"];
  conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
  conv.inferenceInputType = "int8";
  conv.inferenceOutputType = "int8";
  conv.representativeDataset = { data: Float32Array.of(0, 1, NaN, 4, -1, 0.5), shape: [3, 2] };
  const it = new lq.Interpreter(conv.convert());
  const [i] = it.getInputDetails();
  const [o] = it.getOutputDetails();
  assert.deepEqual([i.scale, i.zeroPoint], [Math.fround(0.019607844), -77]);
  assert.deepEqual([o.scale, o.zeroPoint], [Math.fround(0.005882353), -128]);
  conv.representativeDataset = { data: Float32Array.of(0, 1, Infinity, 4), shape: [2, 2] };
  await throwsLike(() => conv.convert(), /sample 2, column 1 is inf/, "inf in calibration data");
  conv.representativeDataset = { data: Float32Array.of(NaN, 1, NaN, 4), shape: [2, 2] };
  await throwsLike(() => conv.convert(), /column 1 is NaN in every one of the 2 samples/, "an all-NaN column");
});

test("public report case 5: non-finite weights are accepted as Keras does; int8 names the channel", async () => {
  const m = dense1(1, [Infinity], [1]);
  const conv = lq.TFLiteConverter.fromModel(m);
  const it = new lq.Interpreter(conv.convert());
  it.setTensor(it.getInputDetails()[0].index, Float32Array.of(-0.5));
  it.invoke();
  // TF writes +inf weights as FLT_MAX (LiteRT: −0.5 · FLT_MAX + 1 = −1.7014117e38).
  const out = Array.from(it.getTensor(it.getOutputDetails()[0].index));
  assert.deepEqual(out, [Math.fround(-3.4028234663852886e38 * 0.5)]);
  conv.optimizations = ["DEFAULT"];
  conv.representativeDataset = { data: Float32Array.of(0.5, -0.5, 1), shape: [3, 1] };
  await throwsLike(() => conv.convert(), /weights '.*MatMul': channel 0 .*scale inf/, "int8 of an inf weight");
});
