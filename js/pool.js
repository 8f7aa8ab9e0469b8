// A pool of workers, one wasm instance each, for the work that splits over a dataset and
// merges exactly (no shared memory, no threads build): calibration over the
// representative dataset and evaluation. Each worker gets a contiguous slice of the rows;
// the results are merged in row order, so they are bit for bit what one worker gives
// (per-tensor min/max folds, argmaxes and per-row loss terms summed in order).
//
//   import init, { calibrate, evaluate } from "./pkg/litequant.js";
//   await calibrate(conv, { workers: 2 });           // then conv.convert() uses the ranges
//   const r = await evaluate(bytes, x, y, { workers: 2 });
//
// Training is not here: its summation order is part of Keras parity.
import { pickBuild } from "./builds.js";
import { evaluate as evaluateHere } from "./litequant_bindings.js";

const IS_NODE = typeof process !== "undefined" && !!process.versions?.node && typeof Worker === "undefined";

/// Worker count when none is given: one per core.
export function defaultWorkers() {
  const n = globalThis.navigator?.hardwareConcurrency;
  return Math.max(1, Math.min(16, Number.isInteger(n) ? n : 2));
}

/// The compiled wasm of the best build (or of `wasm`: a URL, bytes or a Module).
async function compileWasm(wasm) {
  if (wasm instanceof WebAssembly.Module) return wasm;
  if (wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return WebAssembly.compile(wasm);
  const url = wasm ?? new URL(pickBuild().wasm, import.meta.url);
  if (IS_NODE) {
    const { readFile } = await import("node:fs/promises");
    return WebAssembly.compile(await readFile(url));
  }
  const res = fetch(url);
  return WebAssembly.compileStreaming ? WebAssembly.compileStreaming(res) : WebAssembly.compile(await (await res).arrayBuffer());
}

async function spawn() {
  const url = new URL("./pool-worker.js", import.meta.url);
  if (!IS_NODE) {
    const w = new Worker(url, { type: "module" });
    return {
      post: (m, t) => w.postMessage(m, t),
      listen: (onMsg, onErr) => {
        w.onmessage = (e) => onMsg(e.data);
        w.onerror = (e) => onErr(new Error(e.message || "worker failed to start"));
      },
      terminate: () => w.terminate(),
    };
  }
  const { Worker: NodeWorker } = await import("node:worker_threads");
  const w = new NodeWorker(url);
  w.unref(); // idle pool workers do not keep Node alive
  return {
    post: (m, t) => w.postMessage(m, t),
    listen: (onMsg, onErr) => {
      w.on("message", onMsg);
      w.on("error", onErr);
    },
    terminate: () => w.terminate(),
  };
}

/// `size` workers, each with its own instance of one compiled wasm module.
export class WorkerPool {
  /// `{workers = defaultWorkers(), wasm}`; resolves once every worker has loaded the wasm.
  static async create({ workers = defaultWorkers(), wasm } = {}) {
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`WorkerPool: workers must be a positive integer, got ${workers}`);
    const module = await compileWasm(wasm);
    const pool = new WorkerPool();
    pool.workers = await Promise.all(Array.from({ length: workers }, spawn));
    pool.pending = new Map();
    pool.nextId = 1;
    pool.workers.forEach((w) =>
      w.listen(
        ({ id, result, error }) => {
          const p = pool.pending.get(id);
          pool.pending.delete(id);
          if (error !== undefined) p?.reject(new Error(error));
          else p?.resolve(result);
        },
        (err) => {
          for (const p of pool.pending.values()) p.reject(err);
          pool.pending.clear();
        },
      ),
    );
    const kernels = await Promise.all(pool.workers.map((_, i) => pool.call(i, "init", { module })));
    pool.kernels = kernels[0];
    return pool;
  }

  get size() {
    return this.workers.length;
  }

  /// Runs `op(args)` on worker `i`; `transfer` lists buffers to move rather than copy.
  call(i, op, args, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[i].post({ id, op, args }, transfer);
    });
  }

  terminate() {
    for (const w of this.workers) w.terminate();
    this.workers = [];
  }
}

const pools = new Map(); // workers -> Promise<WorkerPool>, reused across calls

/// The shared pool of `workers` workers (created on first use).
export function sharedPool(workers = defaultWorkers()) {
  if (!pools.has(workers)) {
    const p = WorkerPool.create({ workers });
    p.catch(() => pools.delete(workers));
    pools.set(workers, p);
  }
  return pools.get(workers);
}

/// Terminates the shared pools.
export async function terminatePools() {
  const all = [...pools.values()];
  pools.clear();
  for (const p of all) (await p.catch(() => null))?.terminate();
}

/// `[start, end)` row ranges of `parts` contiguous slices of `n` rows (sizes differ by at
/// most one; no empty slice).
export function splitRows(n, parts) {
  const k = Math.max(1, Math.min(parts, n));
  return Array.from({ length: k }, (_, i) => [Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k)]);
}

async function poolFor(options) {
  return options.pool ?? sharedPool(options.workers ?? defaultWorkers());
}

/// Calibrates `converter` on its representative dataset over the pool's workers and
/// stores the merged ranges and histograms (for `calibrationMethod` other than min/max; the
/// histograms merge exactly, so any split gives the same ranges) in it (`setCalibration`), so that the next `convert()` uses
/// them: the file is byte for byte the one `convert()` writes calibrating by itself.
/// Options: `{workers}` (default: one per core) or `{pool}`. Resolves to `{samples, workers}`.
export async function calibrate(converter, options = {}) {
  const ds = converter.representativeDataset;
  if (!ds) throw new Error("calibrate: set converter.representativeDataset first ({data, shape: [N, ...]})");
  const [n, ...rest] = ds.shape;
  const width = rest.reduce((a, b) => a * b, 1);
  if (!(n > 0) || ds.data.length !== n * width) {
    converter.setCalibration(null);
    converter.convert(); // raises the converter's own error for this dataset
  }
  const pool = await poolFor(options);
  const model = converter.floatModel();
  const slices = splitRows(n, pool.size);
  const parts = await Promise.all(
    slices.map(([s, e], i) => {
      const data = ds.data.slice(s * width, e * width);
      return pool
        .call(i, "calibrate", { model, data, shape: [e - s, ...rest], bins: converter.calibrationBins }, [data.buffer])
        .catch((err) => {
          throw new Error(`calibrate (samples ${s}..${e - 1}): ${err.message}`);
        });
    }),
  );
  converter.setCalibration(parts);
  return { samples: n, workers: slices.length };
}

/// `evaluate(bytes, x, y)` over the pool's workers: `{accuracy, n, correct, loss}`, equal
/// to the single-threaded `evaluate`'s (rows are independent; loss terms are summed in
/// row order). Options: `{workers}` or `{pool}`.
export async function evaluate(bytes, x, y, options = {}) {
  const n = y.length;
  const width = n > 0 ? x.length / n : 0;
  if (!(n > 0) || !Number.isInteger(width)) return evaluateHere(bytes, x, y); // its error
  const pool = await poolFor(options);
  const slices = splitRows(n, pool.size);
  const parts = await Promise.all(
    slices.map(([s, e], i) => {
      const xs = x.slice(s * width, e * width);
      const ys = y.slice(s, e);
      return pool.call(i, "evaluate", { bytes, x: xs, y: ys }, [xs.buffer, ys.buffer]).catch((err) => {
        throw new Error(`evaluate (rows ${s}..${e - 1}): ${err.message}`);
      });
    }),
  );
  let correct = 0;
  let lossSum = 0;
  let hasLoss = true;
  for (const p of parts) {
    correct += p.correct;
    if (!p.lossTerms) hasLoss = false;
    else for (const t of p.lossTerms) lossSum += t; // row order, as the single run sums
  }
  return { accuracy: correct / n, n, correct, loss: hasLoss ? lossSum / n : null };
}
