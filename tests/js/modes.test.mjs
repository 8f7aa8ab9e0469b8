// Issue 10 in the JS API of the release library (pkg/litequant.js), run in Node: the C
// array export beside the .tflite download.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, loadLibrary } from "./support.mjs";

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
