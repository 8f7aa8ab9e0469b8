#!/usr/bin/env node
// Runs bench/bench.html in Debian's headless Chromium (playwright-core), single page,
// single thread, served by scripts/serve.mjs on 127.0.0.1; writes
// bench/results/latest.json and bench/results/latest.md.
//
//   node bench/run.mjs [--quick]      (needs pkg/ from `npm run build`; npm run bench does both)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { CSP, startServer } from "../scripts/serve.mjs";

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
// The bench page's policy: the app's, plus what the peers need — TF.js's UMD bundle
// evaluates strings ('unsafe-eval') and LiteRT.js needs an inline import map. Network
// stays same-origin (connect-src 'self'), and run.mjs fails on any off-origin request.
const BENCH_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval' 'unsafe-inline'");

const WASM_FILES = {
  litequant: "pkg/litequant_bg.wasm",
  "tfjs-wasm": "node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
  "litert.js": "node_modules/@litertjs/core/wasm/litert_wasm_internal.wasm",
  "tfjs-tflite": "node_modules/@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd.wasm",
};

function wasmSizes() {
  const recs = [];
  for (const [system, file] of Object.entries(WASM_FILES)) {
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
    await page.goto(`${url}bench/bench.html${quick ? "?quick" : ""}`);
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

function markdown(res, meta) {
  const by = new Map();
  for (const r of res.records) {
    if (!by.has(r.workload)) by.set(r.workload, []);
    by.get(r.workload).push(r);
  }
  const lines = [
    `# litequant benchmark — ${meta.date}`,
    "",
    `Machine: ${meta.cpu} (${meta.cores} cores), ${meta.os}. Browser: ${meta.browser} headless, one page, one thread.`,
    `Kernels: ${res.kernels}. Median of repeated runs after warm-up (min–max in brackets).` +
      (res.quick ? " **Quick mode** (fewer runs)." : ""),
    "Ratio columns are ours / peer: below 1 is better for µs, ms and KB; above 1 for samples/s.",
    "",
    "| workload | unit | litequant | peer | peer value | ours/peer | samples/s (ours / peer) |",
    "|---|---|---|---|---|---|---|",
  ];
  const cell = (r) => (r.error ? "error" : `${fmt(r.median)} (${fmt(r.min)}–${fmt(r.max)})`);
  for (const [w, rs] of by) {
    const ours = rs.find((r) => r.system === "litequant");
    const peers = rs.filter((r) => r.system !== "litequant");
    if (!peers.length) {
      const extra = ours.pct_of_yardstick !== undefined ? `${ours.pct_of_yardstick.toFixed(1)}% of yardstick` : "";
      lines.push(`| ${w} | ${ours.unit} | ${cell(ours)} | | | | ${extra} |`);
      continue;
    }
    for (const p of peers) {
      const ratio = ours && !ours.error && !p.error ? (ours.median / p.median).toFixed(2) : "";
      const sps = ours?.samples_per_s ? `${fmt(ours.samples_per_s)} / ${p.samples_per_s ? fmt(p.samples_per_s) : "–"}` : "";
      const note = p.samples ? ` (${p.samples} samples)` : "";
      lines.push(`| ${w} | ${p.unit} | ${ours ? cell(ours) : ""} | ${p.system}${note} | ${cell(p)} | ${ratio} | ${sps} |`);
    }
  }
  lines.push("", "## Targets (issue 4)", "", "| target | measured | met |", "|---|---|---|");
  const get = (w, s) => res.records.find((r) => r.workload === w && r.system === s && !r.error);
  const target = (name, measured, ok) => lines.push(`| ${name} | ${measured} | ${ok === undefined ? "n/a" : ok ? "yes" : "**no**"} |`);
  const ratioT = (name, w, s, bound, higher) => {
    const o = get(w, "litequant");
    const p = get(w, s);
    if (!o || !p) return target(name, "missing", undefined);
    const r = o.median / p.median;
    target(name, `${fmt(o.median)} vs ${fmt(p.median)} ${o.unit} = ${r.toFixed(2)}×`, higher ? r >= bound : r <= bound);
  };
  const seedT = get("train seed 32-64-10", "litequant");
  target("train seed ≥ 500,000 samples/s", seedT ? `${fmt(seedT.median)} samples/s` : "missing", seedT && seedT.median >= 500000);
  ratioT("train seed ≥ 25× TF.js wasm", "train seed 32-64-10", "tfjs-wasm", 25, true);
  ratioT("train 784-256-10 ≥ 8× TF.js wasm", "train 784-256-10", "tfjs-wasm", 8, true);
  ratioT("train digits CNN ≥ 10× TF.js wasm (issue 8)", "train digits CNN 8x8x1 conv8-pool-dense10", "tfjs-wasm", 10, true);
  ratioT("int8 784 b1 ≤ 0.25× LiteRT.js latency", "infer 784-256-10 int8 b1", "litert.js", 0.25, false);
  {
    const o = get("infer 784-256-10 int8 b256", "litequant");
    const p = get("infer 784-256-10 int8 b256", "litert.js");
    if (o && p) {
      const r = o.samples_per_s / p.samples_per_s;
      target("int8 784 b256 ≥ 2.7× LiteRT.js throughput", `${fmt(o.samples_per_s)} vs ${fmt(p.samples_per_s)} samples/s = ${r.toFixed(2)}×`, r >= 2.7);
    } else target("int8 784 b256 ≥ 2.7× LiteRT.js throughput", "missing", undefined);
  }
  {
    const i8 = get("infer 784-256-10 int8 b1", "litequant");
    const f32 = get("infer 784-256-10 float32 b1", "litequant");
    if (i8 && f32) target("our int8 ≥ 2× faster than our float32 (784, b1)", `${fmt(f32.median)} / ${fmt(i8.median)} µs = ${(f32.median / i8.median).toFixed(2)}×`, f32.median / i8.median >= 2);
  }
  ratioT("float32 784 b1 ≤ 0.6× tfjs-tflite latency", "infer 784-256-10 float32 b1", "tfjs-tflite", 0.6, false);
  const conv = get("calibrate(100)+convert seed int8", "litequant");
  target("calibrate + convert seed ≤ 20 ms", conv ? `${fmt(conv.median)} ms` : "missing", conv && conv.median <= 20);
  const gz = get("wasm size gzip -9", "litequant");
  target(".wasm ≤ 300 KB gzipped", gz ? `${fmt(gz.median)} KB` : "missing", gz && gz.median <= 300);
  const g = get("int8 GEMM 256x784x256 (qs8_fc_packed)", "litequant");
  target("int8 GEMM ≥ 70% of the yardstick", g ? `${g.pct_of_yardstick.toFixed(1)}%` : "missing", g && g.pct_of_yardstick >= 70);
  return lines.join("\n") + "\n";
}

async function main() {
  const res = await runPage();
  if (res.error) console.error(`bench page error: ${res.error}`);
  res.records.push(...wasmSizes());
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
