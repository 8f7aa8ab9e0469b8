// Words and numbers for people: plurals, percentages, latencies, error messages that say
// what is wrong first and give the library's detail after, and sentences generated from
// measured numbers (so that text never contradicts the table next to it).

/** "1 class", "3 classes". */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export const pct = (v, digits = 1) => (Number.isFinite(v) ? `${(100 * v).toFixed(digits)} %` : "–");

/** A duration in µs with a unit that keeps 3 significant digits. */
export function us(v) {
  if (!Number.isFinite(v)) return "–";
  if (v < 10) return `${v.toFixed(2)} µs`;
  if (v < 1000) return `${v.toFixed(1)} µs`;
  return `${(v / 1000).toFixed(2)} ms`;
}

/** Short number: 3 significant digits, exponent for very large / small magnitudes. */
export function num(v, digits = 3) {
  if (v === null || v === undefined) return "–";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 1).replace("e+", "e");
  return Number(v.toPrecision(digits)).toString();
}

/** `[min, max]` with short numbers. */
export const rangeText = (r) => (r ? `[${num(r.min, 4)}, ${num(r.max, 4)}]` : "–");

/**
 * A message for a person about a file or value the library refused: what is wrong, in plain
 * words, then the library's detail (kept whole: it names the byte offset, op or row).
 * `name`: the file's name, when there is one.
 */
export function humanError(raw, name) {
  const msg = String(raw ?? "");
  const subject = name ? name : "The file";
  const detail = msg.replace(/^(invalid argument|converter): /, "");
  if (/^malformed \.tflite file/.test(msg)) {
    return `${subject} is damaged or incomplete: it cannot be read as a TensorFlow Lite model (was it cut short while copying?). Detail: ${msg}`;
  }
  if (/^unsupported: /.test(msg)) {
    const ops = unsupportedOps(msg);
    if (ops.length) {
      const list = ops.join(", ");
      return `${subject} uses ${ops.length === 1 ? "an operator" : `${ops.length} operators`} that litequant does not support yet: ${list}. Detail: ${msg}`;
    }
    return `${subject} uses something litequant does not support yet. Detail: ${msg}`;
  }
  if (name && !detail.startsWith(name)) return `${name}: ${detail}`;
  return detail;
}

/**
 * Every operator an "unsupported" message names: "operator CONV_2D (builtin code 3,
 * version 1)" → "CONV_2D (builtin code 3, version 1)"; several when the library lists them
 * all ("…; operator X …").
 */
export function unsupportedOps(msg) {
  const out = [];
  const named = /operator ([A-Z][A-Z0-9_]*) \(builtin code (\d+), version (\d+)\)/g;
  const coded = /operator with builtin code (\d+) \(version (\d+)\)/g;
  for (const m of msg.matchAll(named)) out.push(`${m[1]} (builtin code ${m[2]}, version ${m[3]})`);
  for (const m of msg.matchAll(coded)) out.push(`builtin code ${m[1]} (version ${m[2]})`);
  return [...new Set(out)];
}

/**
 * Sentences about a set of compared files, generated from their numbers: the size of each
 * quantized file relative to float32, and how far its accuracy is from float32's (or,
 * without labels, its agreement). `rows`: [{label, size, accuracy?, agreement?}], float32
 * first.
 */
export function compareSentences(rows) {
  const float = rows.find((r) => r.label === "float32");
  if (!float) return "";
  const parts = [];
  for (const r of rows) {
    if (r === float) continue;
    const ratio = r.size / float.size;
    let s = `${r.label} takes ${pct(ratio, 0)} of the float32 file's bytes (${kib(r.size)} vs ${kib(float.size)})`;
    if (Number.isFinite(r.accuracy) && Number.isFinite(float.accuracy)) {
      const d = 100 * (r.accuracy - float.accuracy);
      s +=
        d === 0
          ? " with the same accuracy"
          : `; its accuracy is ${Math.abs(d).toFixed(1)} points ${d > 0 ? "higher" : "lower"} (${pct(r.accuracy)} vs ${pct(float.accuracy)})`;
    }
    if (Number.isFinite(r.agreement)) s += `, and it predicts the float32 model's class for ${pct(r.agreement)} of the rows`;
    parts.push(`${s}.`);
  }
  return parts.join(" ");
}

function kib(n) {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}
