// Test support for the JS API tests: load the release library (pkg/) in Node, read the
// reference fixtures. Runs after `npm run build` and the native tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export async function loadLibrary() {
  const lq = await import(path.join(ROOT, "pkg/litequant.js"));
  await lq.default({ module_or_path: readFileSync(path.join(ROOT, "pkg/litequant_bg.wasm")) });
  return lq;
}

/** A little-endian `.npy` file (v1/v2 header) as {data, shape}: float32, float64 (as f32), int32, int64 (as i32). */
export function readNpy(rel) {
  const buf = readFileSync(path.join(ROOT, rel));
  const magic = buf.subarray(0, 6).toString("latin1");
  if (magic !== "\x93NUMPY") throw new Error(`${rel}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = buf.subarray(major === 1 ? 10 : 12, start).toString("latin1");
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${rel}: fortran order`);
  const bytes = buf.subarray(start);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const views = {
    "<f4": () => new Float32Array(ab),
    "<f8": () => Float32Array.from(new Float64Array(ab)),
    "<i4": () => new Int32Array(ab),
    "<i8": () => Int32Array.from(new BigInt64Array(ab), Number),
  };
  if (!views[descr]) throw new Error(`${rel}: dtype ${descr} not handled by the test reader`);
  return { data: views[descr](), shape };
}
