// Issue 10 in the JS API of the release library (pkg/litequant.js), run in Node: the C
// array export beside the .tflite download; the converter modes and their refusals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, loadLibrary, readNpy } from "./support.mjs";

const lq = await loadLibrary();

test("cArray lays the file out as xxd -i does, const and 16-byte aligned", () => {
  const bytes = readFileSync(path.join(ROOT, "tests/fixtures/fixed_mlp/model_int8.tflite"));
  const c = lq.cArray(bytes, "model_int8");
  assert.equal(c.name, "model_int8_tflite");
  const xxd = readFileSync(path.join(ROOT, "tests/fixtures/c_array/model_int8.xxd"), "utf8");
  const ours = c.source
    .replace('#include "model_int8.h"\n\n', "")
    .replace("alignas(16) const unsigned char", "unsigned char")
    .replace("const unsigned int", "unsigned int");
  assert.equal(ours, xxd);
  assert.match(c.header, /extern const unsigned char model_int8_tflite\[\];/);
  assert.match(c.header, /extern const unsigned int model_int8_tflite_len;/);
  assert.equal(lq.cArray(bytes).name, "model_tflite");
  assert.throws(() => lq.cArray(new Uint8Array(0)), /cArray: the file is empty/);
});

// Converter options of issue 10 through the JS API: the wasm build writes the same bytes
// as the native build (tests/convert_modes.rs wrote them to target/oracle/ after holding
// them to TF 2.21's files), and refuses what TF refuses with a message naming the options.
function fixedMlp() {
  const ws = [0, 1].flatMap((l) => ["kernel", "bias"].map((k) => readNpy(`tests/fixtures/fixed_mlp/weights_l${l}_dense_${k}.npy`)));
  const model = lq.Sequential.fromConfig({
    inputShape: [32],
    layers: [
      { type: "dense", units: 64, activation: "relu" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
  });
  model.setWeights(ws.map((w) => w.data));
  return model;
}

function fullInteger(conv, io = "float32") {
  conv.optimizations = ["DEFAULT"];
  conv.representativeDataset = readNpy("tests/fixtures/fixed_mlp/calib.npy");
  conv.inferenceInputType = io;
  conv.inferenceOutputType = io;
}

test("disablePerChannel, disablePerChannelForDenseLayers, float fallback, denylists and calibrateOnly write the native files", () => {
  const dir = path.join(ROOT, "target/oracle");
  if (!existsSync(path.join(dir, "manifest.modes.json"))) {
    assert.fail("target/oracle/manifest.modes.json is missing: run `cargo test --test convert_modes` first");
  }
  const model = fixedMlp();
  const cases = {
    per_tensor: (c) => { fullInteger(c, "int8"); c.supportedOps = ["TFLITE_BUILTINS_INT8"]; c.disablePerChannel = true; },
    dense_per_tensor: (c) => { fullInteger(c, "int8"); c.supportedOps = ["TFLITE_BUILTINS_INT8"]; c.disablePerChannelForDenseLayers = true; },
    float_fallback: (c) => fullInteger(c),
    denylist_node: (c) => {
      fullInteger(c);
      const first = c.nodeNames().find((n) => n.op === "FULLY_CONNECTED");
      c.denylistedNodes = [first.name];
      assert.deepEqual(c.denylistedNodes, [first.name]);
    },
    calibrated: (c) => { fullInteger(c); c.calibrateOnly = true; },
  };
  for (const [mode, set] of Object.entries(cases)) {
    const conv = lq.TFLiteConverter.fromModel(model);
    set(conv);
    const native = readFileSync(path.join(dir, `modes_fixed_mlp_${mode}.tflite`));
    assert.ok(Buffer.from(conv.convert()).equals(native), `${mode}: wasm and native bytes differ`);
  }
  const conv = lq.TFLiteConverter.fromModel(model);
  conv.disablePerChannel = true;
  conv.fullIntegerQuantizationBiasType = "int32";
  assert.equal(conv.disablePerChannel, true);
  assert.equal(conv.fullIntegerQuantizationBiasType, "int32");
  conv.fullIntegerQuantizationBiasType = null;
  assert.equal(conv.fullIntegerQuantizationBiasType, undefined);
});

test("option conflicts TF refuses throw an Error naming the options and the way out", () => {
  const model = fixedMlp();
  const refused = [
    [(c) => { c.fullIntegerQuantizationBiasType = "int32"; }, /fullIntegerQuantizationBiasType is only supported for full-integer quantization.*representativeDataset/],
    [(c) => { fullInteger(c, "int8"); c.fullIntegerQuantizationBiasType = "int64"; }, /"int64" conflicts with int8 quantization.*use "int32"/],
    [(c) => { fullInteger(c, "int16"); c.supportedOps = ["TFLITE_BUILTINS_INT8"]; }, /int16 needs 16x8 quantization: add EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8/],
    [(c) => { fullInteger(c, "uint8"); c.supportedOps = ["EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8"]; }, /uint8 conflicts with supported_ops EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8/],
    [(c) => { c.optimizations = ["DEFAULT"]; c.denylistedOps = ["FULLY_CONNECTED"]; }, /denylistedOps \/ denylistedNodes conflict with no representative dataset.*set optimizations=\["DEFAULT"\] and a representativeDataset/],
    [(c) => { fullInteger(c); c.supportedTypes = ["float16"]; c.denylistedOps = ["SOFTMAX"]; }, /conflict with supported_types=\[float16\]/],
  ];
  for (const [set, message] of refused) {
    const conv = lq.TFLiteConverter.fromModel(model);
    set(conv);
    assert.throws(() => conv.convert(), message);
  }
  assert.throws(() => { lq.TFLiteConverter.fromModel(model).fullIntegerQuantizationBiasType = "int16"; }, /'int16' is not supported: use "int32" or "int64"/);
});
