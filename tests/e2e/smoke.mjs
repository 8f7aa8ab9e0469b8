#!/usr/bin/env node
// End-to-end smoke test: the real page in Debian's headless Chromium, driven by Playwright.
//
//   node tests/e2e/smoke.mjs        (needs pkg/ from `npm run build`, and .venv for the oracle)
//
// Serves the repo with scripts/serve.mjs on a free 127.0.0.1 port, opens the page, runs the
// seed flow on the digits data, downloads the int8 file and checks it in ai-edge-litert
// (tests/oracle/run_tflite.py). Fails if any request leaves the page's origin.
// Writes test-results/model_quant_int8.tflite and test-results/smoke.png.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const RESULTS = path.join(ROOT, "test-results");
const INT8_FILE = path.join(RESULTS, "model_quant_int8.tflite");
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
// Generous: CI has 2 slow cores.
const LOAD_TIMEOUT = 60_000;
const FLOW_TIMEOUT = 300_000;

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  for (const f of [INT8_FILE, "smoke.png", "smoke-failure.png"]) rmSync(path.resolve(RESULTS, f), { force: true });
  const { server, url } = await startServer({ root: ROOT, host: "127.0.0.1", port: 0 });
  const origin = new URL(url).origin;
  const userDataDir = mkdtempSync(path.join(tmpdir(), "litequant-chromium-"));
  let context;
  let page;
  let failed = true;
  const offOrigin = [];
  const pageErrors = [];
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      acceptDownloads: true,
      viewport: { width: 1000, height: 900 },
    });
    context.on("request", (req) => {
      const u = req.url();
      if (u.startsWith("blob:") || u.startsWith("data:")) return;
      if (new URL(u).origin !== origin) offOrigin.push(u);
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(`console: ${msg.text()}`);
    });

    console.log(`smoke: opening ${url}`);
    await page.goto(url, { waitUntil: "load", timeout: LOAD_TIMEOUT });
    await waitFor(page, "ready", LOAD_TIMEOUT, "the page to load litequant");

    await page.check('input[name="data"][value="digits"]');
    await page.click("#run");
    await waitFor(page, "done", FLOW_TIMEOUT, "the seed flow (train, convert) to finish");

    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: LOAD_TIMEOUT }),
      page.click('a[download="model_quant_int8.tflite"]'),
    ]);
    await download.saveAs(INT8_FILE);
    await page.screenshot({ path: path.join(RESULTS, "smoke.png"), fullPage: true });
    console.log(`smoke: page rows: ${(await page.locator("#sizes tr").allInnerTexts()).map((t) => t.replace(/\s+/g, " ")).join(" | ")}`);

    if (offOrigin.length) throw new Error(`requests left the origin ${origin}:\n  ${offOrigin.join("\n  ")}`);
    if (pageErrors.length) throw new Error(`the page reported errors:\n  ${pageErrors.join("\n  ")}`);
    failed = false;
  } finally {
    if (failed && page) {
      await page.screenshot({ path: path.join(RESULTS, "smoke-failure.png"), fullPage: true }).catch(() => {});
      console.error("smoke: screenshot of the failure: test-results/smoke-failure.png");
    }
    await context?.close().catch(() => {});
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }

  const python = path.join(ROOT, ".venv", "bin", "python");
  const check = spawnSync(python, [path.join(ROOT, "tests/oracle/run_tflite.py"), INT8_FILE], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (check.error) throw new Error(`cannot run ${python}: ${check.error.message}`);
  if (check.status !== 0) throw new Error("the downloaded int8 model failed the LiteRT check (see above)");
}

// Waits for body[data-ready="1"] ("ready") or #results[data-done="1"] ("done"); stops early
// with the page's own message if its role="alert" element shows one.
async function waitFor(page, state, timeout, what) {
  const handle = await page
    .waitForFunction(
      (state) => {
        const alert = document.querySelector('[role="alert"]');
        if (alert && !alert.hidden && alert.textContent.trim()) return { error: alert.textContent.trim() };
        const done = state === "ready"
          ? document.body.dataset.ready === "1"
          : document.getElementById("results")?.dataset.done === "1";
        return done ? { ok: true } : false;
      },
      state,
      { timeout, polling: 250 },
    )
    .catch((err) => {
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what} (${err.message.split("\n")[0]})`);
    });
  const result = await handle.jsonValue();
  if (result.error) throw new Error(`the page shows an error while waiting for ${what}: ${result.error}`);
}

try {
  await main();
  console.log("1 passed, 0 failed");
} catch (err) {
  console.error(`smoke: FAILED: ${err.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
