// The benchmark page: litequant vs TF.js 4.22 (wasm backend, single-threaded simd binary;
// cpu backend), LiteRT.js 2.5.3 (wasm, 1 thread) and tfjs-tflite, in one page, one thread.
// Driven by bench/run.mjs (npm run bench); results in window.__bench, then
// document.body.dataset.ready = "1". Each figure is the median of `RUNS` timed runs after
// warm-up; min and max are kept.
import init, * as lq from "../pkg/litequant.js";
import { loadLiteRt, loadAndCompile, Tensor } from "../node_modules/@litertjs/core/dist/index.js";

const tf = globalThis.tf;
let tflite;
const params = new URLSearchParams(location.search);
const QUICK = params.has("quick");
/// `?only=kernels,train,convert,infer,pool` runs a subset (development; `npm run bench` runs all).
const ONLY = params.get("only")?.split(",") ?? null;
const want = (part) => !ONLY || ONLY.includes(part);
const RUNS = QUICK ? 3 : 5;
const records = [];
const logEl = document.getElementById("log");

function log(msg) {
  console.log(msg);
  logEl.textContent += msg + "\n";
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs: s.length };
}

function record(workload, system, unit, values, extra = {}) {
  const r = { workload, system, unit, ...stats(values), ...extra };
  records.push(r);
  const via = r.path ? ` (${r.path})` : "";
  log(`${workload} | ${system}${via}: ${r.median.toPrecision(4)} ${unit} (min ${r.min.toPrecision(4)}, max ${r.max.toPrecision(4)}, ${r.runs} runs)`);
  return r;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

/// Deterministic data (LCG), so every system sees the same samples.
function randomData(n, d, classes, seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = next() * 2 - 1;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.floor(next() * classes);
  return { x, y };
}

/// Warm-up before any timing: wasm functions start in V8's baseline tier (Liftoff) and are
/// recompiled by TurboFan in the background once hot; the optimized code is only used from
/// the next call on. One warm-up call is not enough (a kernel measured 17.5 GMAC/s after
/// one call, 28 on a warmed-up page), so run `step` for at least `ms` milliseconds and
/// `calls` calls, then yield to the event loop once.
async function warmUp(step, isAsync, ms = QUICK ? 100 : 300, calls = 5) {
  const t0 = performance.now();
  for (let i = 0; i < calls || performance.now() - t0 < ms; i++) isAsync ? await step() : step();
  await tick();
}

/// Times `step` (sync or async) in loops of `n` iterations sized to ~targetMs; returns
/// µs per call for each of `runs` runs (after a time-based warm-up).
async function timeLoop(step, isAsync, targetMs = QUICK ? 20 : 50, runs = RUNS) {
  await warmUp(step, isAsync);
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) isAsync ? await step() : step();
    const dt = performance.now() - t0;
    if (dt > 10 || n > 1 << 20) {
      n = Math.max(1, Math.round((n * targetMs) / Math.max(dt, 0.001)));
      break;
    }
    n *= 4;
  }
  const out = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    if (isAsync) for (let i = 0; i < n; i++) await step();
    else for (let i = 0; i < n; i++) step();
    out.push(((performance.now() - t0) * 1000) / n);
    await tick();
  }
  return out;
}

const ARCHS = [
  { name: "seed 32-64-10", d: 32, hidden: 64 },
  { name: "784-256-10", d: 784, hidden: 256 },
];
const N_TRAIN = 10000;

// ---------------------------------------------------------------------------------------
// CNN training: the digits CNN of the app (Conv2D(8, 3, relu) → MaxPooling2D(2) → Flatten →
// Dense(10, softmax) on 8×8×1), Adam(1e-3), batch 32, the same random data for everyone.

const CNN = { name: "digits CNN 8x8x1 conv8-pool-dense10", d: 64, n: 4000 };

async function trainCnnOurs(data) {
  const m = lq.Sequential.fromConfig({
    inputShape: [8, 8, 1],
    seed: 0,
    layers: [
      { type: "conv2d", filters: 8, kernelSize: 3, activation: "relu" },
      { type: "maxPooling2d", poolSize: 2 },
      { type: "flatten" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
  });
  m.compile({ optimizer: { type: "adam", learningRate: 1e-3 }, loss: "sparse_categorical_crossentropy", metrics: ["accuracy"] });
  const x = { data: data.x, shape: [CNN.n, 8, 8, 1] };
  const opts = { batchSize: 32, shuffle: true, seed: 0 };
  m.fitEpoch(x, data.y, opts, 0); // warm-up
  const v = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    m.fitEpoch(x, data.y, opts, r + 1);
    v.push(CNN.n / ((performance.now() - t0) / 1000));
    await tick();
  }
  record(`train ${CNN.name}`, "litequant", "samples/s", v);
}

async function trainCnnTfjs(data, backend) {
  await tf.setBackend(backend);
  await tf.ready();
  const n = backend === "cpu" ? 1000 : CNN.n;
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 8, kernelSize: 3, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  const xs = tf.tensor4d(data.x.subarray(0, n * 64), [n, 8, 8, 1]);
  const ys = tf.tensor1d(Float32Array.from(data.y.subarray(0, n)));
  try {
    await model.fit(xs.slice([0, 0, 0, 0], [320, 8, 8, 1]), ys.slice([0], [320]), { batchSize: 32, epochs: 1, verbose: 0 }); // warm-up
    const v = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      await model.fit(xs, ys, { batchSize: 32, epochs: 1, shuffle: true, verbose: 0 });
      v.push(n / ((performance.now() - t0) / 1000));
    }
    record(`train ${CNN.name}`, `tfjs-${backend}`, "samples/s", v, n !== CNN.n ? { samples: n } : {});
  } catch (e) {
    // A backend without a kernel for one of the gradients (recorded, not fatal).
    log(`train ${CNN.name} | tfjs-${backend}: ${e?.message ?? e}`);
    records.push({ workload: `train ${CNN.name}`, system: `tfjs-${backend}`, unit: "samples/s", error: String(e?.message ?? e) });
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------
// Training

function ourModel(arch) {
  const m = lq.Sequential.fromConfig({
    inputShape: [arch.d],
    seed: 0,
    layers: [
      { type: "dense", units: arch.hidden, activation: "relu" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
  });
  m.compile({ optimizer: { type: "adam", learningRate: 1e-3 }, loss: "sparse_categorical_crossentropy", metrics: ["accuracy"] });
  return m;
}

async function trainOurs(arch, data) {
  const m = ourModel(arch);
  const opts = { batchSize: 32, shuffle: true, seed: 0 };
  m.fitEpoch(data.x, data.y, opts, 0); // warm-up
  const v = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    m.fitEpoch(data.x, data.y, opts, r + 1);
    v.push(N_TRAIN / ((performance.now() - t0) / 1000));
    await tick();
  }
  record(`train ${arch.name}`, "litequant", "samples/s", v);
  return m;
}

async function trainTfjs(arch, data, backend) {
  await tf.setBackend(backend);
  await tf.ready();
  // The cpu backend is ~100x slower on 784-256-10: time a slice of the data there.
  const n = backend === "cpu" && arch.d > 100 ? 1000 : N_TRAIN;
  const runs = backend === "cpu" ? 3 : arch.d > 100 ? 3 : RUNS;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [arch.d], units: arch.hidden, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  const xs = tf.tensor2d(data.x.subarray(0, n * arch.d), [n, arch.d]);
  const ys = tf.tensor1d(Float32Array.from(data.y.subarray(0, n)));
  const xw = xs.slice([0, 0], [Math.min(n, 640), arch.d]);
  const yw = ys.slice([0], [Math.min(n, 640)]);
  await model.fit(xw, yw, { batchSize: 32, epochs: 1, shuffle: true, verbose: 0 }); // warm-up
  const v = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await model.fit(xs, ys, { batchSize: 32, epochs: 1, shuffle: true, verbose: 0 });
    v.push(n / ((performance.now() - t0) / 1000));
  }
  record(`train ${arch.name}`, `tfjs-${backend}`, "samples/s", v, n !== N_TRAIN ? { samples: n } : {});
  tf.dispose([xs, ys, xw, yw]);
  model.dispose();
}

// ---------------------------------------------------------------------------------------
// Conversion

function convert(model, kind, x, d) {
  const c = lq.TFLiteConverter.fromModel(model);
  if (kind === "int8") {
    c.optimizations = ["DEFAULT"];
    c.representativeDataset = { data: x.subarray(0, 100 * d), shape: [100, d] };
    c.supportedOps = ["TFLITE_BUILTINS_INT8"];
    // float32 io (the default): LiteRT.js rejects int8 io tensors.
  } else if (kind === "float16") {
    c.optimizations = ["DEFAULT"];
    c.supportedTypes = ["float16"];
  }
  const bytes = c.convert();
  c.free?.();
  return bytes;
}

async function benchConvert(model, data, d) {
  convert(model, "int8", data.x, d); // warm-up
  const v = [];
  for (let r = 0; r < (QUICK ? 5 : 15); r++) {
    const t0 = performance.now();
    convert(model, "int8", data.x, d);
    v.push(performance.now() - t0);
  }
  record("calibrate(100)+convert seed int8", "litequant", "ms", v);
}

// ---------------------------------------------------------------------------------------
// Inference

const BATCHES = [1, 32, 256];

// Every system is timed through each public path it offers; the table names the path, and
// comparisons count against each system's best figure. One call = write the input batch,
// run, read the whole output once (copied out into a preallocated array where the API
// hands out a view). Each path's output is checked once against our copy path's.

/// Our paths: the copying convenience API, and the zero-copy tensor views when the build
/// has them.
function ourPaths(lib, bytes, d, batch, x) {
  const paths = [];
  const open = () => {
    const it = new lib.Interpreter(bytes);
    const inIdx = it.getInputDetails()[0].index;
    const outIdx = it.getOutputDetails()[0].index;
    it.resizeInput(inIdx, [batch, d]);
    return { it, inIdx, outIdx };
  };
  const xb = x.subarray(0, batch * d);
  paths.push({
    path: "setTensor/invoke/getTensor",
    setup: async () => {
      const { it, inIdx, outIdx } = open();
      return {
        step: () => {
          it.setTensor(inIdx, xb);
          it.invoke();
          return it.getTensor(outIdx);
        },
        close: () => it.free?.(),
      };
    },
  });
  if (typeof lib.Interpreter.prototype.inputView === "function") {
    paths.push({
      path: "inputView/invoke/outputView",
      setup: async () => {
        const { it } = open();
        const inV = it.inputView(0);
        const outV = it.outputView(0);
        const dst = new outV.constructor(outV.length);
        return {
          step: () => {
            inV.set(xb);
            it.invoke();
            dst.set(outV);
            return dst;
          },
          close: () => it.free?.(),
        };
      },
    });
  }
  return paths;
}

/// LiteRT.js's one run path, at its best: the input `Tensor` is created once and reused,
/// each run's output is read once (`toTypedArray`) and deleted. Its API has no way to
/// write into an existing input tensor, so it skips the input copy the others do.
function liteRtPaths(fixed, d, batch, x) {
  return [
    {
      path: "run(reused input Tensor), toTypedArray",
      isAsync: true,
      setup: async () => {
        const m = await loadAndCompile(fixed, { accelerator: "wasm" });
        const input = new Tensor(x.slice(0, batch * d), [batch, d]);
        return {
          step: async () => {
            const outs = await m.run(input);
            const r = outs[0].toTypedArray();
            for (const o of outs) o.delete();
            return r;
          },
          close: () => {
            input.delete();
            m.delete?.();
          },
        };
      },
    },
  ];
}

/// Loads tfjs-tflite from node_modules (SharedArrayBuffer is hidden by then: its feature
/// check picks the single-threaded SIMD binary).
async function loadTfjsTflite() {
  await new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "../node_modules/@tensorflow/tfjs-tflite/dist/tf-tflite.min.js";
    s.onload = resolve;
    s.onerror = () => reject(new Error("cannot load tf-tflite.min.js"));
    document.head.appendChild(s);
  });
  tflite = globalThis.tflite;
  tflite.setWasmPath("../node_modules/@tensorflow/tfjs-tflite/wasm/");
}

/// tfjs-tflite: the model runner (`TFLiteWebModelRunner`: input/output buffers that are
/// views of its wasm memory, then `infer()`), and `TFLiteModel.predict` on `tf.Tensor`s.
function tfjsTflitePaths(fixed, d, batch, x) {
  const ab = () => fixed.buffer.slice(fixed.byteOffset, fixed.byteOffset + fixed.byteLength);
  const xb = x.subarray(0, batch * d);
  return [
    {
      path: `model runner (${globalThis.tfweb?.TFLiteWebModelRunner ? "tfweb.TFLiteWebModelRunner.create" : "TFLiteModel.modelRunner"}): input data().set, infer(), output data()`,
      setup: async () => {
        // The runner `loadTFLiteModel` wraps; created directly when the client exposes it.
        const runner = globalThis.tfweb?.TFLiteWebModelRunner
          ? await globalThis.tfweb.TFLiteWebModelRunner.create(ab(), { numThreads: 1 })
          : (await tflite.loadTFLiteModel(ab(), { numThreads: 1 })).modelRunner;
        const inV = runner.getInputs()[0].data();
        const outV = runner.getOutputs()[0].data();
        const dst = new outV.constructor(outV.length);
        return {
          step: () => {
            inV.set(xb);
            if (!runner.infer()) throw new Error("infer() failed");
            dst.set(outV);
            return dst;
          },
          close: () => runner.cleanUp?.(),
        };
      },
    },
    {
      path: "TFLiteModel.predict(tf.Tensor), dataSync",
      setup: async () => {
        const m = await tflite.loadTFLiteModel(ab(), { numThreads: 1 });
        const input = tf.tensor2d(xb, [batch, d]);
        return {
          step: () => {
            const o = m.predict(input);
            const r = o.dataSync();
            o.dispose();
            return r;
          },
          close: () => input.dispose(),
        };
      },
    },
  ];
}

function maxAbsDiff(a, b) {
  if (!a || !b || a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function benchInference(arch, files, x, builds) {
  for (const [dtype, bytes] of Object.entries(files)) {
    for (const batch of BATCHES) {
      const w = `infer ${arch.name} ${dtype} b${batch}`;
      const fixed = lq.benchFixBatch(bytes, batch);
      const per = (v) => ({ samples_per_s: (batch * 1e6) / stats(v).median });
      const systems = [];
      for (const [sys, lib] of builds) systems.push([sys, ourPaths(lib, bytes, arch.d, batch, x)]);
      systems.push(["litert.js", liteRtPaths(fixed, arch.d, batch, x)]);
      systems.push(["tfjs-tflite", tfjsTflitePaths(fixed, arch.d, batch, x)]);
      let reference;
      for (const [sys, paths] of systems) {
        for (const { path, setup, isAsync = false } of paths) {
          let h;
          try {
            h = await setup();
            const first = Float32Array.from(await h.step());
            reference ??= first; // our first path
            const diff = maxAbsDiff(first, reference);
            const v = await timeLoop(h.step, isAsync);
            record(w, sys, "µs/invoke", v, { path, ...per(v), max_abs_diff_vs_ours: diff });
          } catch (e) {
            log(`${w} | ${sys} (${path}): FAILED ${e}`);
            records.push({ workload: w, system: sys, path, unit: "µs/invoke", error: String(e) });
          } finally {
            h?.close();
          }
          await tick();
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// The worker pool: calibration and evaluation over 1 and 2 workers (identical results)

const sameBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

async function benchPool(models) {
  const { WorkerPool } = await lq.workerPool();
  const pools = {};
  for (const n of [1, 2]) pools[n] = await WorkerPool.create({ workers: n });
  const big = models[ARCHS[1].name];
  const d = ARCHS[1].d;
  // Calibration: 1,000 samples of the 784-256-10 model (full-integer int8), then convert.
  const calibN = 1000;
  const conv = lq.TFLiteConverter.fromModel(big.model);
  conv.optimizations = ["DEFAULT"];
  conv.representativeDataset = { data: big.data.x.subarray(0, calibN * d), shape: [calibN, d] };
  conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
  const single = conv.convert(); // calibrates on this thread
  const calib = {};
  for (const n of [1, 2]) {
    const v = await timeLoop(() => lq.calibrate(conv, { pool: pools[n] }), true, 200, QUICK ? 3 : 5);
    const identical = sameBytes(conv.convert(), single);
    calib[n] = record(`calibrate ${calibN} 784-256-10, ${n} worker${n > 1 ? "s" : ""}`, "litequant", "ms", v.map((us) => us / 1000), { identical });
  }
  // Evaluation: 10,000 rows through the int8 file.
  const evalN = N_TRAIN;
  const bytes = conv.convert();
  const x = big.data.x.subarray(0, evalN * d);
  const y = big.data.y.subarray(0, evalN);
  const want = JSON.stringify(lq.evaluate(bytes, x, y));
  for (const n of [1, 2]) {
    let got;
    const v = await timeLoop(async () => (got = await lq.evaluate(bytes, x, y, { pool: pools[n] })), true, 200, QUICK ? 3 : 5);
    record(`evaluate ${evalN} 784-256-10 int8, ${n} worker${n > 1 ? "s" : ""}`, "litequant", "ms", v.map((us) => us / 1000), { identical: JSON.stringify(got) === want });
  }
  for (const p of Object.values(pools)) p.terminate();
}

// ---------------------------------------------------------------------------------------
// Yardstick and kernel rates

/// GMAC/s of `run(reps)` (which returns the MACs done), after the time-based warm-up.
async function gmacs(run, reps) {
  await warmUp(() => run(reps), false);
  const v = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const macs = run(reps);
    v.push(macs / ((performance.now() - t0) / 1000) / 1e9);
  }
  return v;
}

async function benchKernels(sys, lib) {
  const yard = record("yardstick i32x4.dot_i16x8_s 2x4 (L1)", sys, "GMAC/s",
    await gmacs((reps) => lib.benchYardstick(64, reps), 20000));
  const cases = [
    ["qs8_fc", 256, 784, 256, "int8 GEMM 256x784x256 (qs8_fc_packed)"],
    ["qs8_fc", 1, 784, 256, "int8 GEMV 1x784x256 (qs8_fc_packed)"],
    ["f32_fc", 256, 784, 256, "f32 FC 256x784x256, calibration order (f32_fully_connected)"],
    ["f32_fc", 1, 784, 256, "f32 FC 1x784x256, calibration order (f32_fully_connected)"],
    ["f32_packed", 256, 784, 256, "f32 GEMM 256x784x256 (f32_gemm_packed)"],
    ["f32_packed", 1, 784, 256, "f32 GEMV 1x784x256 (f32_gemm_packed)"],
    ["f32_gemm", 32, 784, 256, "f32 train GEMM 32x784x256 (f32_gemm)"],
  ];
  for (const [kind, m, k, n, label] of cases) {
    const g = new lib.BenchGemm(kind, m, k, n);
    const reps = Math.max(1, Math.round(2e7 / (m * k * n)));
    const r = record(label, sys, "GMAC/s", await gmacs((x) => g.run(x), reps));
    r.pct_of_yardstick = (100 * r.median) / yard.median;
    log(`  = ${r.pct_of_yardstick.toFixed(1)}% of the yardstick`);
    g.free();
  }
}

/// Our builds in this page: the one `init()` picks (system "litequant") and every other
/// build this engine can run (system "litequant <build>"), each its own module instance.
async function ourBuilds() {
  const builds = [["litequant", lq]];
  for (const b of lq.BUILDS) {
    if (b.name === lq.loadedBuild() || !WebAssembly.validate(b.probe)) continue;
    const m = await import(`../pkg/litequant_bindings.js?build=${b.name}`);
    await m.default({ module_or_path: new URL(`../pkg/${b.wasm}`, import.meta.url) });
    builds.push([`litequant ${b.name}`, m]);
  }
  return builds;
}

// ---------------------------------------------------------------------------------------

async function main() {
  const t0 = performance.now();
  // Single-threaded for every system: without SharedArrayBuffer, TF.js wasm, tfjs-tflite
  // and LiteRT.js all take their non-threaded binaries.
  delete globalThis.SharedArrayBuffer;
  await init();
  const builds = await ourBuilds();
  const kernels = builds.map(([sys, lib]) => `${sys}: ${lib.benchKernels()}`).join(", ");
  log(`litequant build picked: ${lq.loadedBuild()}; kernels: ${kernels}; quick: ${QUICK}`);
  tf.wasm.setWasmPaths({
    "tfjs-backend-wasm.wasm": "../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
    "tfjs-backend-wasm-simd.wasm": "../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
    // Single-threaded comparison: the threaded name maps to the plain SIMD binary.
    "tfjs-backend-wasm-threaded-simd.wasm": "../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
  });
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  await loadTfjsTflite();
  await loadLiteRt("../node_modules/@litertjs/core/wasm/");

  if (want("kernels")) for (const [sys, lib] of builds) await benchKernels(sys, lib);
  const models = {};
  for (const arch of ARCHS) {
    const data = randomData(N_TRAIN, arch.d, 10, 42 + arch.d);
    if (want("train")) {
      models[arch.name] = { model: await trainOurs(arch, data), data };
      await trainTfjs(arch, data, "wasm");
      await trainTfjs(arch, data, "cpu");
    } else {
      models[arch.name] = { model: ourModel(arch), data }; // untrained: same speed
    }
  }
  if (want("train")) {
    const cnnData = randomData(CNN.n, CNN.d, 10, 7);
    await trainCnnOurs(cnnData);
    await trainCnnTfjs(cnnData, "wasm");
    await trainCnnTfjs(cnnData, "cpu");
  }
  const seed = models[ARCHS[0].name];
  if (want("convert")) await benchConvert(seed.model, seed.data, ARCHS[0].d);
  await tf.setBackend("cpu"); // tfjs-tflite tensors live on the cpu backend
  for (const arch of want("infer") ? ARCHS : []) {
    const { model, data } = models[arch.name];
    const files = {
      float32: convert(model, "float32", data.x, arch.d),
      int8: convert(model, "int8", data.x, arch.d),
      float16: convert(model, "float16", data.x, arch.d),
    };
    await benchInference(arch, files, data.x, builds);
  }
  if (want("pool")) await benchPool(models);
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { records, userAgent: navigator.userAgent, kernels, picked: lq.loadedBuild(), quick: QUICK };
}

main()
  .then((r) => {
    globalThis.__bench = r;
  })
  .catch((e) => {
    log(`ERROR ${e?.stack ?? e}`);
    globalThis.__bench = { error: String(e?.stack ?? e), records };
  })
  .finally(() => {
    document.body.dataset.ready = "1";
  });
