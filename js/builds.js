// The WebAssembly builds of litequant, best first. The one list both sides read:
// scripts/build.sh compiles each entry (Rust target features for the whole crate, cargo
// features, the wasm features wasm-opt must accept), and the loader (litequant.js, the
// worker pool) picks the first entry whose probe this engine validates. Relaxed SIMD may
// round differently per CPU, so its build uses it only in kernels whose results cannot
// change beyond a documented tolerance (cargo feature relaxed-simd, src/kernels/relaxed.rs,
// which also says what LLVM does with the feature elsewhere).

/// A module with one function returning a v128 built by `body` (SIMD opcodes, after
/// `v128.const 0`): validates only where the engine knows every opcode used.
function probe(extra) {
  const c0 = [0xfd, 0x0c, ...new Array(16).fill(0)]; // v128.const i32x4 0 0 0 0
  const body = [0x00, ...c0, ...extra, 0x0b]; // no locals, ..., end
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // code
  ]);
}

/** @type {readonly {name: string, wasm: string, targetFeatures: string[], cargoFeatures: string[], wasmFeatures: string[], probe: Uint8Array}[]} */
export const BUILDS = Object.freeze([
  {
    name: "relaxed-simd",
    wasm: "litequant_relaxed_bg.wasm",
    targetFeatures: ["simd128"],
    cargoFeatures: ["relaxed-simd"],
    wasmFeatures: ["simd", "relaxed-simd"],
    probe: probe([0xfd, 0x81, 0x02]), // i32x4.relaxed_trunc_f32x4_s
  },
  {
    name: "simd128",
    wasm: "litequant_bg.wasm",
    targetFeatures: ["simd128"],
    cargoFeatures: [],
    wasmFeatures: ["simd"],
    probe: probe([]),
  },
]);

/// The best build this engine runs (`WebAssembly.validate` of each probe); an Error when
/// none does (litequant needs WebAssembly SIMD128: Chrome/Edge 91+, Firefox 89+,
/// Safari 16.4+).
export function pickBuild() {
  const b = BUILDS.find((x) => WebAssembly.validate(x.probe));
  if (!b) throw new Error("litequant needs WebAssembly SIMD128 (Chrome/Edge 91+, Firefox 89+, Safari 16.4+)");
  return b;
}
