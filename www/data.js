// Training data for the seed flow: the seed's random data, or scikit-learn's digits.

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). Deterministic per seed. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Like the seed: `np.random.rand(100, 32)` and `np.random.randint(0, 10, 100)`, seeded. */
export function randomData({ rows = 100, features = 32, classes = 10, seed = 42 } = {}) {
  const rand = mulberry32(seed);
  const x = new Float32Array(rows * features);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) y[i] = Math.floor(rand() * classes);
  return { name: "random", x, y, rows, features };
}

const DIGITS_ROWS = 1797;
const DIGITS_FEATURES = 64;

/**
 * data/digits.bin (see data/README.md): 1797×64 pixels 0..16 as u8, then 1797 labels as u8.
 * Pixels are scaled by 1/16 to float32, as the reference data does (X / 16).
 */
export async function digitsData(url = new URL("../data/digits.bin", import.meta.url)) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url.pathname}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const n = DIGITS_ROWS * DIGITS_FEATURES;
  if (bytes.length !== n + DIGITS_ROWS) {
    throw new Error(`${url.pathname}: expected ${n + DIGITS_ROWS} bytes, got ${bytes.length}`);
  }
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = bytes[i] / 16;
  const y = Int32Array.from(bytes.subarray(n));
  return { name: "digits", x, y, rows: DIGITS_ROWS, features: DIGITS_FEATURES };
}
