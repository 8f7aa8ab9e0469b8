// The bad-input table (tests/fixtures/bad_inputs/table.json) through the JS API of the
// release build: every row throws an Error with exactly the row's message (the native and
// browser runs are tests/bad_inputs.rs and tests/web.rs); nothing traps the wasm module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, loadLibrary } from "./support.mjs";

const lq = await loadLibrary();
const DIR = path.join(ROOT, "tests/fixtures/bad_inputs");
const file = (name) => new Uint8Array(readFileSync(path.join(DIR, name)));
const num = (v) => (typeof v === "string" ? Number(v) : v);
const f32 = (a) => Float32Array.from(a, num);

async function run({ entry, args: a }) {
  switch (entry) {
    case "Interpreter": {
      const it = new lq.Interpreter(file(a.file), a.maxTensorBytes ? { maxTensorBytes: a.maxTensorBytes } : undefined);
      if (a.resize) it.resizeInput(it.getInputDetails()[0].index, a.resize);
      return it;
    }
    case "TFLiteConverter.fromTflite":
      return lq.TFLiteConverter.fromTflite(file(a.file));
    case "loadNpy":
      return lq.loadNpy(file(a.x), a.y ? file(a.y) : null);
    case "loadCsv":
      return lq.loadCsv(file(a.file), a.labelled === false ? { labelled: false } : {});
    case "Sequential.fromTfjs": {
      const shards = Object.fromEntries(Object.entries(a.shards).map(([p, f]) => [p, file(f)]));
      return lq.Sequential.fromTfjs(file(a.model), shards);
    }
    case "Sequential.fromConfig":
      return lq.Sequential.fromConfig(a.config);
    case "randomDataset":
      return lq.randomDataset(a.call[0], a.call[1], a.call[2], 0);
    case "fit": {
      const m = lq.Sequential.fromConfig(a.config);
      m.compile({});
      return await m.fit(f32(a.x), Int32Array.from(a.y), {});
    }
    case "convert": {
      const m = lq.Sequential.fromConfig(a.config);
      if (a.weights) m.setWeights(a.weights.map(f32));
      const c = lq.TFLiteConverter.fromModel(m);
      const o = a.options;
      if (o.optimizations) c.optimizations = o.optimizations;
      if (o.supportedOps) c.supportedOps = o.supportedOps;
      if (o.supportedTypes) c.supportedTypes = o.supportedTypes;
      if (o.inferenceInputType) c.inferenceInputType = o.inferenceInputType;
      if (o.inferenceOutputType) c.inferenceOutputType = o.inferenceOutputType;
      if (o.representativeDataset) c.representativeDataset = { data: f32(o.representativeDataset.data), shape: o.representativeDataset.shape };
      return c.convert();
    }
    default:
      throw new Error(`unknown entry ${entry}`);
  }
}

test("every row of the bad-input table throws its exact message", async () => {
  const { rows } = JSON.parse(readFileSync(path.join(DIR, "table.json"), "utf8"));
  assert.ok(rows.length >= 40, `${rows.length} rows`);
  const failed = [];
  for (const row of rows) {
    let err;
    try {
      await run(row);
    } catch (e) {
      err = e;
    }
    if (!(err instanceof Error)) failed.push(`row ${row.id}: accepted`);
    else if (err.message !== row.message) failed.push(`row ${row.id}: got\n    ${err.message}\n  want\n    ${row.message}`);
  }
  assert.deepEqual(failed, [], failed.join("\n"));
});
