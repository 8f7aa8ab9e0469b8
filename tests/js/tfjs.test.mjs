// TF.js layers-model import through the release library's JS API, in Node:
// Sequential.fromTfjs / Model.fromTfjs with every form of its arguments, the decoded weights
// equal to what TF.js decodes (bit for bit, as natively), the Dense export converted to the
// bytes its original Keras weights give, TF.js's own saves computing what TF.js computed,
// and bad inputs refused with Errors naming the layer, weight or file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, loadLibrary, readNpy } from "./support.mjs";

const lq = await loadLibrary();
const FX = path.join(ROOT, "tests/fixtures");
const readFx = (rel) => new Uint8Array(readFileSync(path.join(FX, rel)));

/** An export: model.json text and {path: Uint8Array} of its shards (manifest order). */
function exportOf(dir) {
  const text = readFileSync(path.join(FX, dir, "model.json"), "utf8");
  const json = JSON.parse(text);
  const files = {};
  for (const g of json.weightsManifest) for (const p of g.paths) files[p] = readFx(`${dir}/${p}`);
  return { text, json, files };
}

function concat(arrays) {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

const bits = (f32) => Array.from(new Uint32Array(f32.buffer, f32.byteOffset, f32.length));

async function throwsLike(fn, re, what) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, `${what}: expected an Error, got ${err}`);
  assert.match(err.message, re, `${what}: message was "${err.message}"`);
}

/** The model's weights by `layer/weight` name, from its summary and getWeights order. */
function namedWeights(model, json) {
  const ws = model.getWeights();
  // The manifest lists each layer's weights; getWeights follows the layers' order. Map
  // through the manifest names grouped by layer, in the model's layer order.
  const names = json.weightsManifest.flatMap((g) => g.weights.map((w) => w.name));
  const byLayer = new Map();
  for (const n of names) {
    const layer = n.split("/")[0];
    if (!byLayer.has(layer)) byLayer.set(layer, []);
    byLayer.get(layer).push(n);
  }
  const order = { kernel: 0, depthwise_kernel: 0, bias: 1, gamma: 0, beta: 1, moving_mean: 2, moving_variance: 3, alpha: 0 };
  const out = {};
  let k = 0;
  for (const l of model.summary().layers) {
    const own = (byLayer.get(l.name) ?? []).slice().sort((a, b) => order[a.split("/")[1]] - order[b.split("/")[1]]);
    for (const n of own) out[n] = ws[k++];
  }
  assert.equal(k, ws.length, "every weight named");
  return out;
}

test("fromTfjs takes model.json parsed, as text or as bytes, and shards as a map, a Map, one buffer or several", () => {
  const { text, json, files } = exportOf("tfjs/resnet_tiny/uint8");
  const ref = lq.Model.fromTfjs(json, files);
  assert.ok(ref instanceof lq.Model, "a functional topology gives a Model");
  const want = ref.getWeights().map(bits);
  const all = concat(Object.values(files));
  const forms = [
    lq.Sequential.fromTfjs(text, files),
    lq.Sequential.fromTfjs(new TextEncoder().encode(text), new Map(Object.entries(files))),
    lq.Model.fromTfjs(json, all.buffer),
    lq.Model.fromTfjs(json, all),
    lq.Model.fromTfjs(json, Object.values(files).map((f) => f.slice().buffer)),
  ];
  for (const [i, m] of forms.entries()) {
    assert.ok(m instanceof lq.Model, `form ${i}`);
    assert.deepEqual(m.getWeights().map(bits), want, `form ${i}`);
  }
  const seq = lq.Sequential.fromTfjs(exportOf("tfjs/cnn_fixed/float32").json, exportOf("tfjs/cnn_fixed/float32").files);
  assert.ok(seq instanceof lq.Sequential, "a Sequential topology gives a Sequential");
  assert.deepEqual(seq.inputShape, [12, 12, 3]);
});

test("every export decodes to the weights TF.js decodes, bit for bit", () => {
  for (const model of ["cnn_fixed", "fixed_mlp", "resnet_tiny"]) {
    for (const variant of ["float32", "uint8", "uint16", "float16"]) {
      const dir = `tfjs/${model}/${variant}`;
      const { json, files } = exportOf(dir);
      const m = lq.Sequential.fromTfjs(json, files);
      const ours = namedWeights(m, json);
      const index = JSON.parse(readFileSync(path.join(FX, dir, "weights/index.json"), "utf8"));
      for (const e of index) {
        const want = readNpy(`tests/fixtures/${dir}/${e.file}`).data;
        assert.ok(ours[e.name], `${dir}: ${e.name}`);
        assert.deepEqual(bits(ours[e.name]), bits(want), `${dir}: ${e.name}`);
      }
    }
  }
});

test("the Dense export converts to the bytes of its original Keras weights (fromModel and TFLiteConverter.fromTfjs)", async () => {
  const { json, files } = exportOf("tfjs/fixed_mlp/float32");
  const imported = lq.Sequential.fromTfjs(json, files);
  const original = lq.Sequential.fromConfig({
    inputShape: [32],
    layers: [
      { type: "dense", name: "dense", units: 64, activation: "relu" },
      { type: "dense", name: "dense_1", units: 10, activation: "softmax" },
    ],
  });
  original.setWeights(["weights_l0_dense_kernel", "weights_l0_dense_bias", "weights_l1_dense_kernel", "weights_l1_dense_bias"].map((f) => readNpy(`tests/fixtures/fixed_mlp/${f}.npy`).data));
  const calib = readNpy("tests/fixtures/fixed_mlp/calib.npy");
  const variants = {
    float32: () => {},
    dynamic: (c) => (c.optimizations = ["DEFAULT"]),
    float16: (c) => {
      c.optimizations = ["DEFAULT"];
      c.supportedTypes = ["float16"];
    },
    int8: (c) => {
      c.optimizations = ["DEFAULT"];
      c.representativeDataset = calib;
      c.supportedOps = ["TFLITE_BUILTINS_INT8"];
      c.inferenceInputType = "int8";
      c.inferenceOutputType = "int8";
    },
  };
  for (const [name, configure] of Object.entries(variants)) {
    const bytes = (m) => {
      const c = lq.TFLiteConverter.fromModel(m);
      configure(c);
      return c.convert();
    };
    const a = bytes(imported);
    const b = bytes(original);
    assert.ok(a.length > 0 && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0, `${name}: the import's file differs`);
    // TFLiteConverter.fromTfjs: the same converter without keeping the model.
    const c = lq.TFLiteConverter.fromTfjs(json, files);
    configure(c);
    assert.ok(Buffer.compare(Buffer.from(c.convert()), Buffer.from(b)) === 0, `${name}: fromTfjs's file differs`);
  }
  await throwsLike(() => lq.TFLiteConverter.fromTfjs(json, {}), /weight file\(s\) 'group1-shard1of1.bin' missing/, "fromTfjs without shards");
});

test("TF.js's own saves compute what TF.js computed", () => {
  for (const c of ["digits_cnn", "residual"]) {
    const dir = `tfjs_native/${c}`;
    const json = JSON.parse(readFileSync(path.join(FX, dir, "model.json"), "utf8"));
    // A browser's file picker gives the name only; the manifest says ./model.weights.bin.
    const m = lq.Sequential.fromTfjs(json, { "model.weights.bin": readFx(`${dir}/model.weights.bin`) });
    const x = readNpy(`tests/fixtures/${dir}/x.npy`);
    const want = readNpy(`tests/fixtures/${dir}/out_tfjs.npy`).data;
    const got = m.predict(x);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of want) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const worst = got.reduce((w, v, i) => Math.max(w, Math.abs(v - want[i])), 0);
    assert.ok(worst <= 1e-5 * (hi - lo), `${dir}: max error ${worst} (range ${hi - lo})`);
  }
});

test("bad TF.js models are refused by layer, weight and file", async () => {
  const base = () => exportOf("tfjs/cnn_fixed/uint8");
  const layers = (j) => j.modelTopology.model_config.config.layers;
  const weights = (j) => j.weightsManifest[0].weights;
  const cases = [
    [
      "unknown layer",
      (j) => (layers(j)[3].class_name = "LSTM"),
      null,
      /layer 'maxpool' \(LSTM\): layer class "LSTM" is not supported/,
    ],
    ["unsupported option", (j) => (layers(j)[1].config.groups = 2), null, /layer 'conv1' \(Conv2D\): groups = 2 is not supported/],
    ["regularizer", (j) => (layers(j)[1].config.kernel_regularizer = { class_name: "L2", config: { l2: 0.01 } }), null, /layer 'conv1' \(Conv2D\): kernel_regularizer/],
    ["channels_first", (j) => (layers(j)[3].config.data_format = "channels_first"), null, /layer 'maxpool' \(MaxPooling2D\): data_format "channels_first"/],
    ["missing shard", () => {}, () => ({}), /weight file\(s\) 'group1-shard1of1.bin' missing .*'bn\/gamma'/],
    ["short shard", () => {}, (f) => ({ "group1-shard1of1.bin": f["group1-shard1of1.bin"].subarray(1) }), /need 2938 bytes, the file\(s\) 'group1-shard1of1.bin' hold 2937/],
    // The same number of values in another shape (so that the bytes still fit).
    ["shape mismatch", (j) => (weights(j)[4].shape = [3, 3, 8, 3]), null, /weight 'conv1\/kernel' of layer 'conv1' \(Conv2D\).*expected \[3, 3, 3, 8\], got \[3, 3, 8, 3\]/],
    ["shape and bytes", (j) => (weights(j)[4].shape = [3, 3, 3, 9]), null, /the weights need 2965 bytes, the file\(s\) 'group1-shard1of1.bin' hold 2938/],
    ["unsupported dtype", (j) => (weights(j)[0].dtype = "int32"), null, /weight 'bn\/gamma' has dtype "int32"/],
    ["unsupported quantization", (j) => (weights(j)[0].quantization.dtype = "int4"), null, /weight 'bn\/gamma' is quantized as "int4"/],
    ["weight for no layer", (j) => (weights(j)[0].name = "nope/gamma"), null, /'nope\/gamma' belong to no layer/],
    ["graph model", (j) => (j.format = "graph-model"), null, /format "graph-model" is not a layers model/],
  ];
  for (const [what, edit, shards, re] of cases) {
    const { json, files } = base();
    edit(json);
    await throwsLike(() => lq.Sequential.fromTfjs(json, shards ? shards(files) : files), re, what);
  }
  await throwsLike(() => lq.Sequential.fromTfjs("{not json", {}), /model\.json is not valid JSON/, "bad JSON");
  await throwsLike(() => lq.Sequential.fromTfjs(42, {}), /modelJson must be/, "not a model.json");
});
