#!/usr/bin/env node
// Runs bench/bench.html in Debian's headless Chromium (playwright-core), single page,
// single thread, served by scripts/serve.mjs on 127.0.0.1; writes
// bench/results/latest.json and bench/results/latest.md.
//
//   node bench/run.mjs [--quick] [--only=kernels,train,convert,infer,pool]
//   (needs pkg/ from `npm run build`; npm run bench does both)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { CSP, startServer } from "../scripts/serve.mjs";
import { BUILDS } from "../js/builds.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "bench", "results");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
// Flags that keep Chromium off this machine's closed network (TOOLCHAIN.md).
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const quick = process.argv.includes("--quick");
// --only=infer,kernels (development): a subset of the page's workloads.
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
// The bench page's policy: the app's, plus what the peers need — TF.js's UMD bundle
// evaluates strings ('unsafe-eval') and LiteRT.js needs an inline import map. Network
// stays same-origin (connect-src 'self'), and run.mjs fails on any off-origin request.
const BENCH_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval' 'unsafe-inline'");

const PEER_WASM = {
  "tfjs-wasm": "node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
  "litert.js": "node_modules/@litertjs/core/wasm/litert_wasm_internal.wasm",
  "tfjs-tflite": "node_modules/@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd.wasm",
};

/// Sizes of our builds (named as in the page: the picked one is "litequant") and the peers'.
function wasmSizes(picked) {
  const recs = [];
  const ours = Object.fromEntries(BUILDS.map((b) => [b.name === picked ? "litequant" : `litequant ${b.name}`, `pkg/${b.wasm}`]));
  for (const [system, file] of Object.entries({ ...ours, ...PEER_WASM })) {
    const bytes = readFileSync(path.join(ROOT, file));
    const gz = gzipSync(bytes, { level: 9 }).length;
    for (const [workload, v] of [["wasm size raw", bytes.length], ["wasm size gzip -9", gz]]) {
      recs.push({ workload, system, unit: "KB", median: v / 1024, min: v / 1024, max: v / 1024, runs: 1, file });
    }
  }
  return recs;
}

async function runPage() {
  const { server, url } = await startServer({ root: ROOT, host: "127.0.0.1", port: 0 });
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), "litequant-bench-"));
  const origin = new URL(url).origin;
  const offOrigin = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const browserVersion = context.browser()?.version() ?? "chromium";
    await context.route("**/bench/bench.html*", async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers(), "content-security-policy": BENCH_CSP };
      await route.fulfill({ response, headers });
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => console.log(`[page] ${m.text()}`));
    page.on("pageerror", (e) => console.error(`[page error] ${e}`));
    context.on("request", (req) => {
      const u = req.url();
      if (!u.startsWith("blob:") && !u.startsWith("data:") && new URL(u).origin !== origin) offOrigin.push(u);
    });
    const query = new URLSearchParams();
    if (quick) query.set("quick", "");
    if (only) query.set("only", only);
    await page.goto(`${url}bench/bench.html?${query}`);
    await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 30 * 60_000, polling: 1000 });
    const result = await page.evaluate(() => globalThis.__bench);
    if (offOrigin.length) throw new Error(`requests left the origin: ${offOrigin.join(", ")}`);
    return { ...result, browserVersion };
  } finally {
    await context?.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(3));
const isOurs = (sys) => sys.startsWith("litequant");
const PEER_NAMES = { "litert.js": "LiteRT.js 2.5.3", "tfjs-tflite": "tfjs-tflite 0.0.1-alpha.10", "tfjs-wasm": "TF.js 4.22 wasm", "tfjs-cpu": "TF.js 4.22 cpu" };

/// Each system's best (lowest median) row of workload `w`, by system, in first-seen order.
function bestBySystem(rows) {
  const best = new Map();
  for (const r of rows) {
    if (r.error) continue;
    const b = best.get(r.system);
    if (!b || r.median < b.median) best.set(r.system, r);
  }
  return best;
}

function markdown(res, meta) {
  const recs = res.records;
  const by = new Map();
  for (const r of recs) {
    if (!by.has(r.workload)) by.set(r.workload, []);
    by.get(r.workload).push(r);
  }
  const cell = (r) => (r.error ? "error" : `${fmt(r.median)} (${fmt(r.min)}–${fmt(r.max)})`);
  const lines = [
    `# litequant benchmark — ${meta.date}`,
    "",
    `Machine: ${meta.cpu} (${meta.cores} cores), ${meta.os}. Browser: ${meta.browser} headless, one page, one thread.`,
    `Builds (kernel tables): ${res.kernels}; \`init()\` picked ${res.picked}. Median of repeated timed loops after a time-based warm-up (min–max in brackets).` +
      (res.quick ? " **Quick mode** (fewer runs)." : ""),
    "Each system is timed through every public path it offers (named below); comparisons count",
    "against each system's best path. One call writes the input batch, runs, and reads the whole",
    "output once (LiteRT.js's API cannot write into an existing input tensor: its input is",
    "created once and reused, so it skips that copy).",
  ];

  // Inference summary: best path per system.
  const inferW = [...by.keys()].filter((w) => w.startsWith("infer "));
  const systems = [];
  for (const w of inferW) for (const r of by.get(w)) if (!systems.includes(r.system)) systems.push(r.system);
  const ours = systems.filter(isOurs);
  const peers = systems.filter((s) => !isOurs(s));
  const paths = new Map(); // "system|path" -> tag
  const tag = (r) => {
    const k = `${r.system}|${r.path}`;
    if (!paths.has(k)) paths.set(k, String.fromCharCode(97 + paths.size));
    return paths.get(k);
  };
  lines.push(
    "",
    "## Inference, each system at its best (µs per call; [path])",
    "",
    `| workload | ${[...ours, ...peers].map((s) => PEER_NAMES[s] ?? s).join(" | ")} | ${ours.map((o) => `${o} / best peer`).join(" | ")} |`,
    `|---|${[...ours, ...peers].map(() => "---").join("|")}|${ours.map(() => "---").join("|")}|`,
  );
  for (const w of inferW) {
    const best = bestBySystem(by.get(w));
    const cells = [...ours, ...peers].map((s) => {
      const r = best.get(s);
      return r ? `${fmt(r.median)} [${tag(r)}]` : by.get(w).some((x) => x.system === s) ? "error" : "";
    });
    const peerBest = peers.map((s) => best.get(s)).filter(Boolean).sort((a, b) => a.median - b.median)[0];
    const ratios = ours.map((o) => {
      const r = best.get(o);
      return r && peerBest ? `${(r.median / peerBest.median).toFixed(2)}× (vs ${peerBest.system})` : "";
    });
    lines.push(`| ${w.slice(6)} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`);
  }
  lines.push("", "Paths:");
  // Tags in order of first use, listed after the table.
  for (const w of inferW) for (const r of by.get(w)) if (!r.error) tag(r);
  for (const [k, t] of paths) {
    const [sys, path] = k.split("|");
    lines.push(`- [${t}] ${PEER_NAMES[sys] ?? sys}: ${path}`);
  }

  lines.push(
    "",
    "## Inference, every path",
    "",
    "| workload | system | path | µs/call | samples/s | max abs diff vs ours |",
    "|---|---|---|---|---|---|",
  );
  for (const w of inferW) {
    for (const r of by.get(w)) {
      const sps = r.samples_per_s ? fmt(r.samples_per_s) : "";
      const diff = r.max_abs_diff_vs_ours === undefined ? "" : r.max_abs_diff_vs_ours.toExponential(1);
      lines.push(`| ${w.slice(6)} | ${r.system} | ${r.path ?? ""} | ${cell(r)} | ${sps} | ${diff} |`);
    }
  }

  lines.push(
    "",
    "## Other workloads",
    "",
    "| workload | unit | litequant | peer | peer value | ours/peer |",
    "|---|---|---|---|---|---|",
  );
  for (const [w, rs] of by) {
    if (w.startsWith("infer ")) continue;
    const o = rs.find((r) => isOurs(r.system));
    const others = rs.filter((r) => !isOurs(r.system));
    if (!others.length) {
      const extra = o?.pct_of_yardstick !== undefined ? ` (${o.pct_of_yardstick.toFixed(1)}% of the yardstick)` : "";
      for (const r of rs) lines.push(`| ${w}${r.system !== "litequant" ? ` — ${r.system}` : ""} | ${r.unit} | ${cell(r)}${extra} | | | |`);
      continue;
    }
    for (const p of others) {
      const ratio = o && !o.error && !p.error ? (o.median / p.median).toFixed(2) : "";
      const note = p.samples ? ` (${p.samples} samples)` : "";
      lines.push(`| ${w} | ${p.unit} | ${o ? cell(o) : ""} | ${PEER_NAMES[p.system] ?? p.system}${note} | ${cell(p)} | ${ratio} |`);
    }
  }

  // Targets of issue 13 (and the standing ones of issue 4).
  lines.push("", "## Targets (issue 13)", "", "| target | measured | met |", "|---|---|---|");
  const target = (name, measured, ok) => lines.push(`| ${name} | ${measured} | ${ok === undefined ? "n/a" : ok ? "yes" : "**no**"} |`);
  const get = (w, s) => recs.find((r) => r.workload === w && r.system === s && !r.error);
  const bestOf = (w, pred) => (by.get(w) ?? []).filter((r) => !r.error && pred(r.system)).sort((a, b) => a.median - b.median)[0];
  for (const arch of ["seed 32-64-10", "784-256-10"]) {
    for (const dt of ["float32", "float16"]) {
      for (const b of [1, 256]) {
        const w = `infer ${arch} ${dt} b${b}`;
        const o = bestOf(w, (s) => s === "litequant");
        const p = bestOf(w, (s) => !isOurs(s));
        const name = `${arch} ${dt} b${b}: ours ≤ best peer`;
        if (!o || !p) target(name, "missing", undefined);
        else target(name, `${fmt(o.median)} vs ${fmt(p.median)} µs (${p.system}) = ${(o.median / p.median).toFixed(2)}×`, o.median <= p.median);
      }
    }
  }
  {
    const w = "infer 784-256-10 int8 b1";
    const o = bestOf(w, (s) => s === "litequant");
    const p = bestOf(w, (s) => s === "litert.js");
    if (o && p) target("int8 784 b1 ≤ 0.3× LiteRT.js latency", `${fmt(o.median)} vs ${fmt(p.median)} µs = ${(o.median / p.median).toFixed(2)}×`, o.median / p.median <= 0.3);
    else target("int8 784 b1 ≤ 0.3× LiteRT.js latency", "missing", undefined);
  }
  {
    const w = "infer 784-256-10 int8 b256";
    const o = bestOf(w, (s) => s === "litequant");
    const p = bestOf(w, (s) => s === "litert.js");
    if (o && p) {
      const r = p.median / o.median;
      target("int8 784 b256 ≥ 2× LiteRT.js throughput", `${fmt(o.samples_per_s)} vs ${fmt(p.samples_per_s)} samples/s = ${r.toFixed(2)}×`, r >= 2);
    } else target("int8 784 b256 ≥ 2× LiteRT.js throughput", "missing", undefined);
  }
  {
    const r = (by.get("infer seed 32-64-10 float32 b1") ?? []).find((x) => x.system === "litequant" && !x.error && /View/.test(x.path ?? ""));
    target("seed float32 b1 through the zero-copy views ≤ 0.8 µs", r ? `${fmt(r.median)} µs` : "missing", r ? r.median <= 0.8 : undefined);
  }
  for (const [name, w1, w2] of [
    ["calibrate 1,000 samples: 2 workers ≥ 1.8× one", "calibrate 1000 784-256-10, 1 worker", "calibrate 1000 784-256-10, 2 workers"],
    ["evaluate 10,000 samples: 2 workers ≥ 1.8× one", "evaluate 10000 784-256-10 int8, 1 worker", "evaluate 10000 784-256-10 int8, 2 workers"],
  ]) {
    const a = get(w1, "litequant");
    const b = get(w2, "litequant");
    if (a && b) {
      const same = b.identical === undefined ? "" : b.identical ? ", identical results" : ", **results differ**";
      target(name, `${fmt(a.median)} / ${fmt(b.median)} ms = ${(a.median / b.median).toFixed(2)}×${same}`, a.median / b.median >= 1.8 && b.identical !== false);
    } else target(name, "missing", undefined);
  }
  for (const [name, w, bound] of [
    ["train seed ≥ 25× TF.js wasm", "train seed 32-64-10", 25],
    ["train 784-256-10 ≥ 10× TF.js wasm", "train 784-256-10", 10],
    ["train digits CNN ≥ 10× TF.js wasm (issue 8)", "train digits CNN 8x8x1 conv8-pool-dense10", 10],
  ]) {
    const o = get(w, "litequant");
    const p = get(w, "tfjs-wasm");
    if (o && p) target(name, `${fmt(o.median)} vs ${fmt(p.median)} samples/s = ${(o.median / p.median).toFixed(2)}×`, o.median / p.median >= bound);
    else target(name, "missing", undefined);
  }
  const gz = get("wasm size gzip -9", "litequant");
  target(".wasm ≤ 300 KB gzipped (each build)", recs.filter((r) => r.workload === "wasm size gzip -9" && isOurs(r.system)).map((r) => `${r.system} ${fmt(r.median)} KB`).join(", ") || "missing",
    gz ? recs.filter((r) => r.workload === "wasm size gzip -9" && isOurs(r.system)).every((r) => r.median <= 300) : undefined);
  const g = get("int8 GEMM 256x784x256 (qs8_fc_packed)", "litequant");
  target("int8 GEMM ≥ 70% of the yardstick (issue 4)", g ? `${g.pct_of_yardstick.toFixed(1)}%` : "missing", g && g.pct_of_yardstick >= 70);
  return lines.join("\n") + "\n";
}

async function main() {
  const res = await runPage();
  if (res.error) console.error(`bench page error: ${res.error}`);
  res.records.push(...wasmSizes(res.picked));
  const meta = {
    date: new Date().toISOString().slice(0, 10),
    cpu: os.cpus()[0]?.model ?? "unknown CPU",
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()}`,
    browser: `Chromium ${res.browserVersion}`,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, "latest.json"), JSON.stringify({ meta, ...res }, null, 2) + "\n");
  const md = markdown(res, meta);
  writeFileSync(path.join(OUT, "latest.md"), md);
  console.log(md);
  if (res.error) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
