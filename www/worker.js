// The page's worker: all heavy work (loading data, training, calibration, conversion,
// comparison) runs here, so the page keeps answering. One request at a time from app.js
// (see rpc.js); training yields to the event loop between epochs so that "cancel" and
// other messages are handled while it runs.
//
// State: one dataset, one float model (trained here or imported), and every variant
// (.tflite file) written for that model in this session, by key.
import init, * as lq from "../pkg/litequant.js";
import { modelConfig } from "./layers.js";

const ready = init();

const state = {
  data: null, // {name, x, y, rows, features, sampleShape, classes, classNames, featureNames, labelled, train, test, range}
  model: null, // lq.Sequential (trained)
  modelInfo: null, // {layers, seed, features, classes}
  imported: null, // {name, bytes, features, inputs, outputs, outputKinds}
  variants: new Map(), // key -> {key, label, filename, bytes, mode, io, calibration}
  report: null,
  cancelRequested: false,
};

const yieldToEventLoop = () => new Promise((resolve) => setTimeout(resolve, 0));
const rowWidth = (shape) => shape.slice(1).reduce((a, b) => a * Math.max(b, 1), 1);

/** Smallest and largest value of `x` (the range the page compares with the model's). */
function range(x) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function summary(d = state.data) {
  if (!d) return null;
  return {
    name: d.name,
    rows: d.rows,
    trainRows: d.train.rows,
    testRows: d.test.rows,
    features: d.features,
    sampleShape: d.sampleShape,
    classes: d.classes,
    classNames: d.classNames,
    featureNames: d.featureNames,
    labelled: d.labelled,
    range: d.range,
  };
}

async function loadDataset(args) {
  switch (args.source) {
    case "random":
      return { name: `random (seed ${args.seed})`, ...lq.randomDataset(args.rows, args.features, args.classes, args.seed) };
    case "digits": {
      const res = await fetch(new URL("../data/digits.bin", import.meta.url));
      if (!res.ok) throw new Error(`cannot load data/digits.bin: HTTP ${res.status}`);
      return { name: "handwritten digits", ...lq.digitsDataset(new Uint8Array(await res.arrayBuffer())) };
    }
    case "npy":
      return {
        name: args.y ? `${args.xName} + ${args.yName}` : args.xName,
        ...lq.loadNpy(new Uint8Array(args.x), args.y ? new Uint8Array(args.y) : null),
      };
    case "csv":
      return {
        name: args.name,
        ...lq.loadCsv(new Uint8Array(args.bytes), { name: args.name, label: args.label, header: args.header, labelled: args.labelled }),
      };
    // "images": an image folder (decoded to rows) plugs in here, as one more case that
    // returns the same {x, y, rows, features, sampleShape, labelled, …}.
    default:
      throw new Error(`unknown data source '${args.source}'`);
  }
}

/**
 * A model from the page's layer rows (see layers.js) on inputs of `inputShape` per sample
 * (default: the flat rows): a `Sequential`, or a functional `Model` when a row is a
 * residual `add`. Rows without a type (sessions kept before conv layers) are Dense.
 */
function buildModel(layers, inputShape, features, seed) {
  const rows = layers.map((l) => ({ type: "dense", ...l }));
  const shape = inputShape ?? [features];
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== features) throw new Error(`input shape [${shape.join(", ")}] holds ${size} values; the data has ${features} features per row`);
  const { functional, config } = modelConfig(rows, shape, seed);
  return functional ? lq.Model.fromConfig(config) : lq.Sequential.fromConfig(config);
}

/** The float model's inputs and outputs, whichever way it was made. */
function modelFeatures() {
  return state.imported ? state.imported.features : state.modelInfo?.features;
}

/** The float32 .tflite of the current model (the baseline every variant is compared with). */
function floatBytes() {
  return state.variants.get("float32")?.bytes ?? null;
}

function converter() {
  if (state.imported) return lq.TFLiteConverter.fromTflite(state.imported.bytes);
  if (state.model) return lq.TFLiteConverter.fromModel(state.model);
  throw new Error("train a model or import a float .tflite first");
}

/** A converter set for full-integer quantization on the first `calibRows` training rows, and the evaluation rows. */
function debugSetup(calibRows) {
  const d = state.data;
  if (!state.model && !state.imported) throw new Error("train a model or import a float .tflite first");
  if (!d) throw new Error("load a dataset first (the representative dataset comes from it)");
  const features = modelFeatures();
  if (d.features !== features) throw new Error(`the data has ${d.features} features per row, the model takes ${features}: choose data for this model`);
  const rows = Math.max(1, Math.min(calibRows, d.train.rows));
  const x = d.train.x.subarray(0, rows * features);
  const calibration = { name: d.name, rows, ...range(x), ofRows: d.train.rows };
  const ev = evaluationSet({ name: d.name, rows });
  const conv = converter();
  conv.optimizations = ["DEFAULT"];
  conv.representativeDataset = { data: x, shape: [rows, features] };
  return { conv, ev, n: Math.min(ev.rows, 200), calibration };
}

function convertWith(configure) {
  const conv = converter();
  try {
    configure(conv);
    return conv.convert();
  } finally {
    conv.free();
  }
}

/** Forgets the variants: they belong to the model that made them. */
function clearVariants() {
  state.variants.clear();
  state.report = null;
}

function variantMeta(v) {
  return {
    key: v.key,
    label: v.label,
    filename: v.filename,
    mode: v.mode,
    io: v.io,
    method: v.method ?? null,
    size: v.bytes.length,
    calibration: v.calibration,
  };
}

/** Input and output details of a file, for the page's io table and snippets. */
function ioDetails(bytes) {
  const it = new lq.Interpreter(bytes);
  try {
    const pick = (d) => ({
      index: d.index,
      name: d.name,
      dtype: d.dtype,
      shape: d.shape,
      shapeSignature: d.shapeSignature,
      scale: d.scale,
      zeroPoint: d.zeroPoint,
    });
    return { inputs: it.getInputDetails().map(pick), outputs: it.getOutputDetails().map(pick) };
  } finally {
    it.free();
  }
}

/**
 * The rows Compare measures on, and what to call them: the test set when there is one; else
 * the rows calibration did not use (`calibration`: {name, rows} of the last int8
 * calibration; its rows are the first of the training rows when it used this data); else
 * (every row calibrated) the calibration rows themselves.
 */
function evaluationSet(calibration) {
  const d = state.data;
  const f = d.features;
  if (d.test.rows)
    return { x: d.test.x, y: d.labelled ? d.test.y : null, rows: d.test.rows, what: `the held-out test set (${d.test.rows} rows)`, kind: "test" };
  const same = calibration && calibration.name === d.name;
  if (!same) {
    const trained = !state.imported && d.labelled && state.modelInfo?.dataName === d.name ? "; the model was trained on them" : "";
    return {
      x: d.train.x,
      y: d.labelled ? d.train.y : null,
      rows: d.train.rows,
      what: `all ${d.train.rows} rows of ${d.name} (no test set; none were used for calibration${trained})`,
      kind: "rest",
    };
  }
  const used = Math.min(calibration.rows, d.train.rows);
  if (d.train.rows > used) {
    const rows = d.train.rows - used;
    const trained = !state.imported && d.labelled ? "; the model was trained on them" : "";
    return {
      x: d.train.x.subarray(used * f),
      y: d.labelled ? d.train.y.subarray(used) : null,
      rows,
      what: `the ${rows} rows calibration did not use (no test set${trained})`,
      kind: "rest",
    };
  }
  return {
    x: d.train.x,
    y: d.labelled ? d.train.y : null,
    rows: d.train.rows,
    what: `the ${d.train.rows} calibration rows themselves (no other rows: in-sample)`,
    kind: "calibration",
  };
}

/**
 * Latency as the benchmark measures it (bench/bench.js): batch 1, setTensor + invoke of one
 * quantized row; warm-up calls for 5 ms, then 7 timed runs of at least 20 ms each (the
 * clock is read every ~0.25 ms of calls, so its resolution does not matter). Returns µs per
 * call: the median, fastest and slowest run.
 */
function latency(bytes, row) {
  const it = new lq.Interpreter(bytes);
  try {
    const inp = it.getInputDetails()[0];
    it.resizeInput(inp.index, [1, ...inp.shape.slice(1)]);
    const q = toInput(inp, row);
    const step = () => {
      it.setTensor(inp.index, q);
      it.invoke();
    };
    let calls = 0;
    const w0 = performance.now();
    do {
      step();
      calls++;
    } while (performance.now() - w0 < 5);
    const k = Math.max(1, Math.floor((0.25 * calls) / (performance.now() - w0)));
    const per = [];
    for (let r = 0; r < 7; r++) {
      let n = 0;
      const t0 = performance.now();
      let dt;
      do {
        for (let i = 0; i < k; i++) step();
        n += k;
        dt = performance.now() - t0;
      } while (dt < 20);
      per.push((dt * 1000) / n);
    }
    per.sort((a, b) => a - b);
    return { median: per[3], min: per[0], max: per[6], runs: 7, msPerRun: 20 };
  } finally {
    it.free();
  }
}

/**
 * Quantizes float rows for an int8/uint8 input as TFLite's QUANTIZE does
 * (reference_ops::AffineQuantize: x / scale in float32, round half away from zero, + zero
 * point, clamp).
 */
function toInput(detail, x) {
  if (detail.dtype === "float32") return x;
  const [lo, hi, Arr] = detail.dtype === "int8" ? [-128, 127, Int8Array] : [0, 255, Uint8Array];
  const out = new Arr(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.fround(x[i] / detail.scale);
    const r = Math.sign(v) * Math.round(Math.abs(v)) + detail.zeroPoint;
    out[i] = Math.min(hi, Math.max(lo, r));
  }
  return out;
}

const handlers = {
  async loadData(args) {
    const d = await loadDataset(args);
    const labelled = d.labelled !== false && d.y.length > 0;
    // Without labels there is nothing to hold out for: every row is representative data.
    const split = labelled
      ? lq.trainTestSplit(d.x, d.y, d.features, args.testFraction, args.splitSeed)
      : { train: { x: d.x, y: new Int32Array(0), rows: d.rows }, test: { x: new Float32Array(0), y: new Int32Array(0), rows: 0 } };
    // Labels must fit an imported classifier's outputs (the features may differ: the page
    // then asks for matching data instead of refusing the model or the data). A model
    // trained here follows the data when it is trained again.
    const im = state.imported;
    if (labelled && im && im.features === d.features && im.outputKinds[0] === "classification") {
      lq.checkDataset(d.y, d.features, im.features, rowWidth(im.outputs[0].shape));
    }
    state.data = {
      name: d.name,
      x: d.x,
      rows: d.rows,
      train: split.train,
      test: split.test,
      features: d.features,
      sampleShape: d.sampleShape ?? [d.features],
      classes: labelled ? Math.max(d.classes, split.train.classes ?? 0) : 0,
      classNames: d.classNames,
      featureNames: d.featureNames,
      labelled,
      range: range(d.x),
    };
    return summary();
  },

  async importModel({ bytes, name }) {
    const u8 = new Uint8Array(bytes);
    const conv = lq.TFLiteConverter.fromTflite(u8); // validates: float32, known ops
    conv.free();
    const io = ioDetails(u8);
    const features = rowWidth(io.inputs[0].shape);
    // What each output is (classification or regression), from the same rule Compare uses.
    let kinds;
    try {
      kinds = lq.compareModels(u8, u8, new Float32Array(features), null).map((m) => m.kind);
    } catch {
      kinds = io.outputs.map(() => "regression"); // e.g. several inputs: Compare says why later
    }
    state.imported = { name, bytes: u8, features, inputs: io.inputs, outputs: io.outputs, outputKinds: kinds };
    state.model?.free();
    state.model = null;
    state.modelInfo = null;
    clearVariants();
    return { name, features, inputs: io.inputs, outputs: io.outputs, outputKinds: kinds, size: u8.length, graph: lq.describeModel(u8) };
  },

  /** A TF.js layers model (model.json text + {fileName: bytes} of its shards), imported as its float32 .tflite. */
  async importTfjs({ json, files, name }) {
    const conv = lq.TFLiteConverter.fromTfjs(json, files);
    let bytes;
    try {
      bytes = conv.convert();
    } finally {
      conv.free();
    }
    return { ...(await handlers.importModel({ bytes, name })), bytes };
  },

  clearImport() {
    state.imported = null;
    clearVariants();
    return null;
  },

  /** Keras-style `summary()` of the model the layer rows describe (nothing is kept). */
  summarize({ layers, inputShape, seed }) {
    const features = inputShape.reduce((a, b) => a * b, 1);
    const model = buildModel(layers, inputShape, features, seed);
    try {
      return model.summary();
    } finally {
      model.free();
    }
  },

  async train({ layers, inputShape, seed, optimizer, epochs, batchSize, shuffleSeed }, progress) {
    const d = state.data;
    if (!d) throw new Error("load a dataset first");
    if (!d.labelled) throw new Error("training needs labels: this data has none (it is representative data only)");
    const outUnits = layers[layers.length - 1]?.units;
    lq.checkDataset(d.train.y, d.features, d.features, outUnits);
    if (d.test.rows) lq.checkDataset(d.test.y, d.features, d.features, outUnits);
    const model = buildModel(layers, inputShape, d.features, seed);
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
    state.modelInfo = { layers, inputShape, seed, features: d.features, classes: outUnits, range: d.range, dataName: d.name };
    state.imported = null;
    clearVariants();
    return { history, cancelled, epochsRun: history.loss.length, ms: performance.now() - t0 };
  },

  /** The trained model's weights (Keras order), to keep the session. */
  exportModel() {
    if (!state.model) return null;
    return { ...state.modelInfo, weights: state.model.getWeights() };
  },

  /** A trained model back from `exportModel`'s result. */
  restoreModel({ layers, inputShape, seed, features, classes, weights, range: r, dataName }) {
    const model = buildModel(layers, inputShape, features, seed);
    model.setWeights(weights);
    state.model?.free();
    state.model = model;
    state.modelInfo = { layers, inputShape, seed, features, classes, range: r, dataName };
    state.imported = null;
    clearVariants();
    return null;
  },

  /** Variants back from a kept session (the same model's files). */
  restoreVariants({ variants }) {
    for (const v of variants) state.variants.set(v.key, { ...v, bytes: new Uint8Array(v.bytes) });
    return [...state.variants.values()].map(variantMeta);
  },

  cancel() {
    state.cancelRequested = true;
    return null;
  },

  ping() {
    return Date.now();
  },

  /**
   * Writes the chosen variants, calibrated on the first `calibRows` rows of the data (the
   * training rows when there is a split). Adds them to the session's variants (a variant
   * with the same key is replaced); the float32 baseline is written once per model.
   */
  async quantize({ modes, io, calibRows, method = "minmax" }, progress) {
    const d = state.data;
    if (!state.model && !state.imported) throw new Error("train a model or import a float .tflite first");
    if (!d) throw new Error("load a dataset first (the representative dataset comes from it)");
    const features = modelFeatures();
    if (d.features !== features) throw new Error(`the data has ${d.features} features per row, the model takes ${features}: choose data for this model`);
    const rows = Math.max(1, Math.min(calibRows, d.train.rows));
    const x = d.train.x.subarray(0, rows * features);
    const calibration = { name: d.name, rows, ...range(x), ofRows: d.train.rows };
    const repr = { data: x, shape: [rows, features] };
    const added = [];
    const put = (v) => {
      const old = state.variants.get(v.key);
      if (old)
        v.filename = old.filename; // the same variant again (same data): replaced
      else {
        const taken = new Set([...state.variants.values()].map((o) => o.filename));
        const base = v.filename.replace(/\.tflite$/, "");
        for (let n = 2; taken.has(v.filename); n++) v.filename = `${base}_${n}.tflite`;
      }
      state.variants.set(v.key, v);
      added.push(v);
    };
    if (!state.variants.has("float32")) {
      put({
        key: "float32",
        label: "float32",
        mode: "float32",
        io: "float32",
        filename: "model_float32.tflite",
        bytes: convertWith(() => {}),
        calibration: null,
      });
    }
    let report = null;
    const calKey = `${d.name}|${rows}`;
    if (modes.int8) {
      const conv = converter();
      try {
        conv.optimizations = ["DEFAULT"];
        conv.representativeDataset = repr;
        conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
        conv.inferenceInputType = io;
        conv.inferenceOutputType = io;
        conv.calibrationMethod = method;
        const ev = evaluationSet({ name: d.name, rows });
        // Calibration over a pool of workers (one per core; the same ranges as one):
        // the report and convert() below reuse them.
        progress({ phase: "calibrating", done: 0, total: rows });
        await lq.calibrate(conv);
        let last = 0;
        report = conv.calibrationReport({
          evaluationData: ev.kind === "calibration" ? null : { data: ev.x, shape: [ev.rows, features] },
          onProgress: (done, total) => {
            const now = performance.now();
            if (done === total || now - last > 50) {
              last = now;
              progress({ phase: "calibrating", done, total });
            }
          },
        });
        report.evaluationWhat = ev.what;
        report.calibrationName = d.name;
        progress({ phase: "writing int8", done: 1, total: 1 });
        put({
          key: `int8-${io}-${method}|${calKey}`,
          label: method === "minmax" ? `int8 (${io} io)` : `int8 (${io} io, ${method})`,
          mode: "int8",
          io,
          method,
          filename: method === "minmax" ? `model_quant_int8_${io}io.tflite` : `model_quant_int8_${io}io_${method}.tflite`,
          bytes: conv.convert(),
          calibration,
        });
      } finally {
        conv.free();
      }
    }
    if (modes.dynamic) {
      progress({ phase: "dynamic range", done: 1, total: 1 });
      put({
        key: "dynamic",
        label: "dynamic range",
        mode: "dynamic",
        io: "float32",
        filename: "model_quant_dynamic.tflite",
        bytes: convertWith((c) => (c.optimizations = ["DEFAULT"])),
        calibration: null,
      });
    }
    if (modes.float16) {
      progress({ phase: "float16", done: 1, total: 1 });
      put({
        key: "float16",
        label: "float16",
        mode: "float16",
        io: "float32",
        filename: "model_quant_float16.tflite",
        bytes: convertWith((c) => {
          c.optimizations = ["DEFAULT"];
          c.supportedTypes = ["float16"];
        }),
        calibration: null,
      });
    }
    if (report) state.report = report;
    return {
      files: added.map((v) => ({ ...variantMeta(v), bytes: v.bytes.slice(), io: ioDetails(v.bytes), ioType: v.io })),
      report,
      calibration,
    };
  },

  /**
   * TF's QuantizationDebugger on the current model: the int8 model (representative data:
   * the first `calibRows` training rows, as Quantize) against the float ops, on up to 200
   * rows of the evaluation set. Returns the layer statistics and TF's CSV.
   */
  debug({ calibRows }) {
    const { conv, ev, n } = debugSetup(calibRows);
    try {
      const features = modelFeatures();
      const dbg = new lq.QuantizationDebugger(conv, { data: ev.x.subarray(0, n * features), shape: [n, features] });
      try {
        dbg.run();
        return { layers: dbg.layerStatistics, csv: dbg.layerStatisticsCsv(), samples: n, what: ev.what };
      } finally {
        dbg.free();
      }
    } finally {
      conv.free();
    }
  },

  /** The int8 model with the layers `nodes` (output tensor names) kept float, as a variant. */
  keepFloat({ nodes, io, calibRows }) {
    if (!nodes.length) throw new Error("tick at least one layer to keep in float");
    const { conv, calibration } = debugSetup(calibRows);
    try {
      conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
      conv.inferenceInputType = io;
      conv.inferenceOutputType = io;
      conv.denylistedNodes = nodes;
      const n = nodes.length;
      const v = {
        key: `int8-${io}-float|${calibration.name}|${calibration.rows}|${nodes.join("|")}`,
        label: `int8 (${io} io, ${n} layer${n === 1 ? "" : "s"} float)`,
        mode: "int8",
        io,
        filename: `model_quant_int8_${io}io_${n}float.tflite`,
        bytes: conv.convert(),
        calibration,
      };
      const old = state.variants.get(v.key);
      if (old) v.filename = old.filename;
      else {
        const taken = new Set([...state.variants.values()].map((o) => o.filename));
        const base = v.filename.replace(/\.tflite$/, "");
        for (let k = 2; taken.has(v.filename); k++) v.filename = `${base}_${k}.tflite`;
      }
      state.variants.set(v.key, v);
      return { files: [{ ...variantMeta(v), bytes: v.bytes.slice(), io: ioDetails(v.bytes), ioType: v.io }] };
    } finally {
      conv.free();
    }
  },

  removeVariant({ key }) {
    if (key === "float32") throw new Error("float32 is the baseline every variant is compared with: it stays");
    state.variants.delete(key);
    return [...state.variants.values()].map(variantMeta);
  },

  /**
   * Every variant on the evaluation set next to float32 (lq.compareModels: accuracy and
   * agreement for classification outputs, MAE / RMSE / max |error| / SQNR for the others),
   * with its latency.
   */
  async compare({ calibration }, progress) {
    const d = state.data;
    const ref = floatBytes();
    if (!ref) throw new Error("quantize first");
    if (!d) throw new Error("load a dataset first");
    if (d.features !== modelFeatures()) throw new Error(`the data has ${d.features} features per row, the model takes ${modelFeatures()}`);
    const ev = evaluationSet(calibration);
    const rows = [];
    const all = [...state.variants.values()];
    for (const [k, v] of all.entries()) {
      progress({ done: k, total: all.length, label: v.label });
      await yieldToEventLoop();
      const outputs = lq.compareModels(ref, v.bytes, ev.x, ev.y);
      const lat = latency(v.bytes, ev.x.subarray(0, d.features));
      rows.push({ ...variantMeta(v), outputs, latency: lat });
    }
    return { rows, evaluation: { what: ev.what, rows: ev.rows, labelled: !!ev.y, kind: ev.kind } };
  },

  /**
   * One sample (float values, the model input's size) through every variant: each output
   * as float values (dequantized) and as the file's own values (int8/uint8 codes).
   */
  runSample({ values }) {
    const out = [];
    for (const v of state.variants.values()) {
      const it = new lq.Interpreter(v.bytes);
      try {
        const inp = it.getInputDetails()[0];
        it.resizeInput(inp.index, [1, ...inp.shape.slice(1)]);
        if (values.length !== rowWidth(inp.shape)) throw new Error(`the sample has ${values.length} values, the model takes ${rowWidth(inp.shape)}`);
        it.setTensor(inp.index, toInput(inp, values));
        it.invoke();
        const outputs = it.getOutputDetails().map((o) => {
          const raw = it.getTensor(o.index);
          const real = o.dtype === "float32" ? Array.from(raw) : Array.from(raw, (c) => (c - o.zeroPoint) * o.scale);
          return { name: o.name, dtype: o.dtype, raw: Array.from(raw), values: real };
        });
        out.push({ key: v.key, label: v.label, filename: v.filename, outputs });
      } finally {
        it.free();
      }
    }
    return out;
  },

  /** Row `row` of the loaded data (all rows, in file order): a sample for "Try". */
  dataRow({ row }) {
    const d = state.data;
    if (!d) throw new Error("load data first");
    if (!(row >= 0 && row < d.rows)) throw new Error(`row ${row + 1} is outside 1..${d.rows}`);
    return d.x.slice(row * d.features, (row + 1) * d.features);
  },

  /** A variant as C source for microcontrollers: `{header, source}` (`lq.cArray`: the layout of `xxd -i`, aligned to 16 bytes). */
  cArray({ key, stem }) {
    const bytes = state.variants.get(key)?.bytes;
    if (!bytes) throw new Error("no such file");
    return lq.cArray(bytes, stem);
  },

  /** The graph of a variant (or of the float model) for the graph view. */
  describe({ key }) {
    const bytes = key ? state.variants.get(key)?.bytes : (state.imported?.bytes ?? floatBytes());
    if (!bytes) throw new Error("no such file");
    return lq.describeModel(bytes);
  },
};

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
      self.postMessage({ id, ok: false, error: String(err?.message ?? err) });
    }
  });
};
ready.then(
  () => self.postMessage({ ready: true, version: lq.version?.() ?? null }),
  (err) => self.postMessage({ ready: false, error: `could not load pkg/litequant.js — run \`npm run build\` (${err.message})` }),
);
