// litequant's entry module: everything the wasm-bindgen bindings export, and a default
// `init` that loads the best build for this engine (./builds.js) unless told which.
//
//   import init, * as lq from "./pkg/litequant.js";
//   await init();                                   // picks relaxed-SIMD or SIMD128
//   await init({ module_or_path: bytesOrUrlOrModule }); // exactly that wasm
import initBindings, { evaluate as evaluateHere } from "./litequant_bindings.js";
import { pickBuild } from "./builds.js";

export * from "./litequant_bindings.js";
export { BUILDS, pickBuild } from "./builds.js";

/// `evaluate(bytes, x, y)` → `{accuracy, n, correct, loss}` on this thread, as before;
/// `evaluate(bytes, x, y, {workers: n})` → a Promise of the same result, computed by a pool
/// of `n` workers (default one per core) — identical, row results merged in order.
export function evaluate(bytes, x, y, options) {
  if (options === undefined) return evaluateHere(bytes, x, y);
  return import("./pool.js").then((pool) => pool.evaluate(bytes, x, y, options));
}

/// `calibrate(converter, {workers: n})`: calibrates on the converter's representative
/// dataset over a pool of workers (default one per core) and keeps the ranges for its next
/// `convert()` — whose file is then byte for byte the single-threaded one.
export async function calibrate(converter, options = {}) {
  return (await import("./pool.js")).calibrate(converter, options);
}

/// The worker pool itself (`WorkerPool`, `sharedPool`, `terminatePools`, `splitRows`).
export function workerPool() {
  return import("./pool.js");
}

let loaded = null;

/// Loads and instantiates the wasm. Without an argument, the build `pickBuild()` names,
/// next to this module; with `{module_or_path}` (a URL, a Response, bytes or a compiled
/// `WebAssembly.Module`), that one, as wasm-bindgen's own `init`.
export default async function init(options) {
  if (options === undefined) {
    const build = pickBuild();
    loaded = build.name;
    return initBindings({ module_or_path: new URL(build.wasm, import.meta.url) });
  }
  loaded = "caller's module";
  return initBindings(options);
}

/// Which build `init` loaded (`"relaxed-simd"`, `"simd128"`, or `"caller's module"`).
export function loadedBuild() {
  return loaded;
}
