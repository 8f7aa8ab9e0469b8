// litequant's entry module: everything the wasm-bindgen bindings export, and a default
// `init` that loads the best build for this engine (./builds.js) unless told which.
//
//   import init, * as lq from "./pkg/litequant.js";
//   await init();                                   // picks relaxed-SIMD or SIMD128
//   await init({ module_or_path: bytesOrUrlOrModule }); // exactly that wasm
import initBindings from "./litequant_bindings.js";
import { pickBuild } from "./builds.js";

export * from "./litequant_bindings.js";
export { BUILDS, pickBuild } from "./builds.js";

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
