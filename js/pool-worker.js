// One worker of the pool (pool.js): its own instance of the wasm module the pool sends,
// then one task at a time — a slice of a calibration or an evaluation. Runs as a browser
// module worker or a Node worker_threads worker.
import initBindings, * as lq from "./litequant_bindings.js";

const IN_BROWSER = typeof self !== "undefined" && typeof self.postMessage === "function";
const port = IN_BROWSER ? self : (await import("node:worker_threads")).parentPort;
const reply = (msg, transfer = []) => port.postMessage(msg, transfer);

const TASKS = {
  /// ({model, data, shape, bins}) -> {samples, ranges, histograms}
  calibrate: ({ model, data, shape, bins }) => {
    const r = lq.calibrateRanges(model, data, shape, bins);
    return [r, [r.ranges.buffer, r.histograms.buffer]];
  },
  /// ({bytes, x, y}) -> {n, correct, predictions, lossTerms}
  evaluate: ({ bytes, x, y }) => {
    const r = lq.evaluateRows(bytes, x, y);
    return [r, [r.predictions.buffer, ...(r.lossTerms ? [r.lossTerms.buffer] : [])]];
  },
};

const onMessage = async (msg) => {
  const { id, op, args } = msg;
  try {
    if (op === "init") {
      await initBindings({ module_or_path: args.module });
      reply({ id, result: lq.benchKernels() });
      return;
    }
    const task = TASKS[op];
    if (!task) throw new Error(`unknown pool task '${op}'`);
    const [result, transfer] = task(args);
    reply({ id, result }, transfer);
  } catch (e) {
    reply({ id, error: String(e?.message ?? e) });
  }
};

if (IN_BROWSER) self.onmessage = (e) => onMessage(e.data);
else port.on("message", onMessage);
