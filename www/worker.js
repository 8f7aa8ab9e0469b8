// The page's worker: all heavy work (loading data, training, calibration, conversion,
// evaluation) runs here, so the page keeps answering. One request at a time from app.js
// (see rpc.js); training yields to the event loop between epochs so that "cancel" and
// other messages are handled while it runs.
import init, * as lq from "../pkg/litequant.js";

const ready = init();

const state = {
  data: null, // {name, train, test, features, classes, classNames, featureNames}
  model: null, // lq.Sequential (trained)
  modelInfo: null, // {layers, features, classes}
  imported: null, // {name, bytes, features, classes, inputs, outputs}
  files: [], // [{key, label, filename, bytes}]
  report: null,
  cancelRequested: false,
};

const yieldToEventLoop = () => new Promise((resolve) => setTimeout(resolve, 0));
const clean = (msg) => String(msg).replace(/^(invalid argument|unsupported|converter): /, "");

function summary(d = state.data) {
  if (!d) return null;
  return {
    name: d.name,
    trainRows: d.train.rows,
    testRows: d.test.rows,
    features: d.features,
    classes: d.classes,
    classNames: d.classNames,
    featureNames: d.featureNames,
  };
}

async function loadDataset(args) {
  switch (args.source) {
    case "random":
      return {
        name: `random (seed ${args.seed})`,
        ...lq.randomDataset(args.rows, args.features, args.classes, args.seed),
      };
    case "digits": {
      const res = await fetch(new URL("../data/digits.bin", import.meta.url));
      if (!res.ok) throw new Error(`cannot load data/digits.bin: HTTP ${res.status}`);
      return { name: "handwritten digits", ...lq.digitsDataset(new Uint8Array(await res.arrayBuffer())) };
    }
    case "npy":
      return { name: `${args.xName} + ${args.yName}`, ...lq.loadNpy(new Uint8Array(args.x), new Uint8Array(args.y)) };
    case "csv":
      return {
        name: args.name,
        ...lq.loadCsv(new Uint8Array(args.bytes), { name: args.name, label: args.label, header: args.header }),
      };
    default:
      throw new Error(`unknown data source '${args.source}'`);
  }
}

const handlers = {
  async loadData(args) {
    const d = await loadDataset(args);
    if (state.imported) {
      lq.checkDataset(d.y, d.features, state.imported.features, state.imported.classes);
    }
    const split = lq.trainTestSplit(d.x, d.y, d.features, args.testFraction, args.splitSeed);
    const classes = Math.max(d.classes, split.train.classes);
    state.data = {
      name: d.name,
      train: split.train,
      test: split.test,
      features: d.features,
      classes,
      classNames: d.classNames,
      featureNames: d.featureNames,
    };
    return summary();
  },

  async importModel({ bytes, name }) {
    const u8 = new Uint8Array(bytes);
    const conv = lq.TFLiteConverter.fromTflite(u8); // validates: float32, known ops
    conv.free();
    const it = new lq.Interpreter(u8);
    const inputs = it.getInputDetails();
    const outputs = it.getOutputDetails();
    it.free();
    const width = (d) => d.shape.slice(1).reduce((a, b) => a * b, 1);
    const info = { name, bytes: u8, features: width(inputs[0]), classes: width(outputs[0]), inputs, outputs };
    if (state.data) lq.checkDataset(state.data.train.y, state.data.features, info.features, info.classes);
    state.imported = info;
    state.model?.free();
    state.model = null;
    state.files = [];
    return { name, features: info.features, classes: info.classes, inputs, outputs, size: u8.length };
  },

  clearImport() {
    state.imported = null;
    state.files = [];
    return null;
  },

  async train({ layers, seed, optimizer, epochs, batchSize, shuffleSeed }, progress) {
    const d = state.data;
    if (!d) throw new Error("load a dataset first");
    const outUnits = layers[layers.length - 1]?.units;
    lq.checkDataset(d.train.y, d.features, d.features, outUnits);
    lq.checkDataset(d.test.y, d.features, d.features, outUnits);
    const model = lq.Sequential.fromConfig({ inputShape: [d.features], seed, layers });
    model.compile({ optimizer, loss: "sparse_categorical_crossentropy", metrics: ["accuracy"] });
    state.cancelRequested = false;
    const history = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
    const opts = { epochs, batchSize, shuffle: true, seed: shuffleSeed };
    const t0 = performance.now();
    let cancelled = false;
    for (let e = 0; e < epochs; e++) {
      const logs = model.fitEpoch(d.train.x, d.train.y, opts, e);
      const val = d.test.rows ? model.evaluate(d.test.x, d.test.y) : { loss: NaN, accuracy: NaN };
      history.loss.push(logs.loss);
      history.accuracy.push(logs.accuracy);
      history.valLoss.push(val.loss);
      history.valAccuracy.push(val.accuracy);
      progress({ epoch: e + 1, epochs, loss: logs.loss, accuracy: logs.accuracy, valLoss: val.loss, valAccuracy: val.accuracy });
      await yieldToEventLoop();
      if (state.cancelRequested) {
        cancelled = e + 1 < epochs;
        break;
      }
    }
    state.model?.free();
    state.model = model;
    state.modelInfo = { layers, features: d.features, classes: outUnits };
    state.imported = null;
    state.files = [];
    state.report = null;
    return { history, cancelled, epochsRun: history.loss.length, ms: performance.now() - t0 };
  },

  cancel() {
    state.cancelRequested = true;
    return null;
  },

  ping() {
    return Date.now();
  },

  async quantize({ modes, io, reprRows }, progress) {
    const d = state.data;
    if (!state.model && !state.imported) throw new Error("train a model or import a float .tflite first");
    if (!d) throw new Error("load a dataset first (the representative dataset comes from it)");
    const features = state.imported ? state.imported.features : state.modelInfo.features;
    if (d.features !== features) {
      throw new Error(`the data has ${d.features} features per row, the model takes ${features}`);
    }
    const rows = Math.max(1, Math.min(reprRows, d.train.rows));
    const repr = { data: d.train.x.slice(0, rows * features), shape: [rows, features] };
    const make = () =>
      state.imported ? lq.TFLiteConverter.fromTflite(state.imported.bytes) : lq.TFLiteConverter.fromModel(state.model);
    const convert = (configure) => {
      const conv = make();
      try {
        configure(conv);
        return conv.convert();
      } finally {
        conv.free();
      }
    };
    const files = [];
    const timings = {};
    let t = performance.now();
    files.push({ key: "float32", label: "float32", filename: "model_float32.tflite", bytes: convert(() => {}) });
    timings.float32 = performance.now() - t;
    let report = null;
    if (modes.int8) {
      t = performance.now();
      const conv = make();
      try {
        conv.optimizations = ["DEFAULT"];
        conv.representativeDataset = repr;
        conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
        conv.inferenceInputType = io;
        conv.inferenceOutputType = io;
        let last = 0;
        report = conv.calibrationReport({
          evaluationData: d.test.rows ? { data: d.test.x, shape: [d.test.rows, features] } : null,
          onProgress: (done, total) => {
            const now = performance.now();
            if (done === total || now - last > 50) {
              last = now;
              progress({ phase: "calibrating", done, total });
            }
          },
        });
        progress({ phase: "writing int8", done: 1, total: 1 });
        files.push({ key: "int8", label: `int8 (${io} io)`, filename: `model_quant_int8_${io}io.tflite`, bytes: conv.convert() });
      } finally {
        conv.free();
      }
      timings.int8 = performance.now() - t;
    }
    if (modes.dynamic) {
      t = performance.now();
      progress({ phase: "dynamic range", done: 1, total: 1 });
      files.push({
        key: "dynamic",
        label: "dynamic range",
        filename: "model_quant_dynamic.tflite",
        bytes: convert((c) => {
          c.optimizations = ["DEFAULT"];
        }),
      });
      timings.dynamic = performance.now() - t;
    }
    if (modes.float16) {
      t = performance.now();
      progress({ phase: "float16", done: 1, total: 1 });
      files.push({
        key: "float16",
        label: "float16",
        filename: "model_quant_float16.tflite",
        bytes: convert((c) => {
          c.optimizations = ["DEFAULT"];
          c.supportedTypes = ["float16"];
        }),
      });
      timings.float16 = performance.now() - t;
    }
    state.files = files;
    state.report = report;
    return {
      files: files.map(({ key, label, filename, bytes }) => ({ key, label, filename, bytes: bytes.slice() })),
      report,
      reprRows: rows,
      timings,
    };
  },

  async compare(_args, progress) {
    const d = state.data;
    if (!state.files.length) throw new Error("quantize first");
    if (!d?.test.rows) throw new Error("the test set is empty: set a test split above 0 %");
    const { x, y, rows } = d.test;
    const results = [];
    let floatPreds = null;
    for (const [k, f] of state.files.entries()) {
      progress({ done: k, total: state.files.length, label: f.label });
      await yieldToEventLoop();
      const ev = lq.evaluate(f.bytes, x, y);
      const { preds, usPerSample, batchMs } = predictions(f.bytes, x, rows);
      if (f.key === "float32") floatPreds = preds;
      results.push({ key: f.key, label: f.label, filename: f.filename, size: f.bytes.length, accuracy: ev.accuracy, correct: ev.correct, n: ev.n, loss: ev.loss, usPerSample, batchMs, preds });
    }
    for (const r of results) {
      let same = 0;
      for (let i = 0; i < rows; i++) same += r.preds[i] === floatPreds[i] ? 1 : 0;
      r.agreement = same / rows;
      delete r.preds;
    }
    return results;
  },
};

/** Quantizes float rows for an int8/uint8 input as TFLite's QUANTIZE does (round half away from zero). */
function toInput(detail, x) {
  if (detail.dtype === "float32") return x;
  const [lo, hi, Arr] = detail.dtype === "int8" ? [-128, 127, Int8Array] : [0, 255, Uint8Array];
  const out = new Arr(x.length);
  const inv = 1 / detail.scale;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] * inv;
    const r = Math.sign(v) * Math.round(Math.abs(v)) + detail.zeroPoint;
    out[i] = Math.min(hi, Math.max(lo, r));
  }
  return out;
}

/** Top-1 predictions of the whole batch and latency per sample at batch 1 (≤ 200 samples). */
function predictions(bytes, x, rows) {
  const it = new lq.Interpreter(bytes);
  try {
    const inp = it.getInputDetails()[0];
    const out = it.getOutputDetails()[0];
    const width = x.length / rows;
    const q = toInput(inp, x);
    it.resizeInput(inp.index, [rows, width]);
    let t = performance.now();
    it.setTensor(inp.index, q);
    it.invoke();
    const batchMs = performance.now() - t;
    const o = it.getTensor(out.index);
    const classes = o.length / rows;
    const preds = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (o[r * classes + c] > o[r * classes + best]) best = c;
      preds[r] = best;
    }
    const n = Math.min(rows, 200);
    it.resizeInput(inp.index, [1, width]);
    t = performance.now();
    for (let r = 0; r < n; r++) {
      it.setTensor(inp.index, q.subarray(r * width, (r + 1) * width));
      it.invoke();
    }
    const usPerSample = ((performance.now() - t) * 1000) / n;
    return { preds, usPerSample, batchMs };
  } finally {
    it.free();
  }
}

let queue = Promise.resolve();
self.onmessage = (e) => {
  const { id, cmd, args } = e.data;
  const progress = (p) => self.postMessage({ id, progress: p });
  // "cancel" and "ping" answer at once, even while a long request runs.
  if (cmd === "cancel" || cmd === "ping") {
    self.postMessage({ id, ok: true, result: handlers[cmd]() });
    return;
  }
  queue = queue.then(async () => {
    try {
      await ready;
      const fn = handlers[cmd];
      if (!fn) throw new Error(`unknown command ${cmd}`);
      const result = await fn(args ?? {}, progress);
      const transfer = result?.files?.map((f) => f.bytes.buffer) ?? [];
      self.postMessage({ id, ok: true, result }, transfer);
    } catch (err) {
      self.postMessage({ id, ok: false, error: clean(err?.message ?? err) });
    }
  });
};
ready.then(
  () => self.postMessage({ ready: true, version: lq.version?.() ?? null }),
  (err) => self.postMessage({ ready: false, error: `could not load pkg/litequant.js — run \`npm run build\` (${err.message})` }),
);
