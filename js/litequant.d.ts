export * from "./litequant_bindings.js";
import type { InitInput, InitOutput } from "./litequant_bindings.js";

/** One WebAssembly build of litequant (see builds.js). */
export interface WasmBuild {
  readonly name: string;
  readonly wasm: string;
  readonly targetFeatures: readonly string[];
  readonly cargoFeatures: readonly string[];
  readonly wasmFeatures: readonly string[];
  readonly probe: Uint8Array;
}
/** The builds, best first. */
export const BUILDS: readonly WasmBuild[];
/** The best build this engine validates; throws without WebAssembly SIMD128. */
export function pickBuild(): WasmBuild;
/** Loads the wasm: the best build next to this module, or the one given. */
export default function init(options?: { module_or_path: InitInput | Promise<InitInput> }): Promise<InitOutput>;
/** Which build `init` loaded. */
export function loadedBuild(): string | null;

/** Accuracy of a `.tflite` file on `x`/`y`: synchronously, or over a worker pool (a Promise). */
export function evaluate(bytes: Uint8Array, x: Float32Array, y: Int32Array): any;
export function evaluate(bytes: Uint8Array, x: Float32Array, y: Int32Array, options: { workers?: number }): Promise<any>;
/** Calibrates a converter on its representative dataset over a worker pool; `convert()` then uses the result. */
export function calibrate(converter: import("./litequant_bindings.js").TFLiteConverter, options?: { workers?: number }): Promise<{ samples: number; workers: number }>;
/** The worker pool module. */
export function workerPool(): Promise<any>;
