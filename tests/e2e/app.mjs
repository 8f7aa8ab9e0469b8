#!/usr/bin/env node
// End-to-end tests of the app (index.html) and the embed page in Debian's headless Chromium,
// driven by Playwright. One browser, one page, scenarios in order (each builds on the last):
//
//   node tests/e2e/app.mjs          (needs pkg/ from `npm run build`, and .venv for LiteRT)
//
//  1. Digits preset; Train answers clicks while it runs; Cancel stops it.
//  2. Full flow: train, quantize (int8 + float16 + dynamic), Inspect shows a histogram per
//     tensor, Compare shows accuracies; the downloaded int8 file runs in LiteRT and its
//     held-out accuracy is within 1 point of float (tests/e2e/check_litert.py).
//  2b. Calibration method entropy: a second int8 variant, its accuracy in Compare, every
//     method's range drawn on each tensor's histogram (tests/e2e: method selection).
//  3. The quantization debugger (Inspect): layers sorted by error, the worst kept in float,
//     re-converted, shown in Compare, downloaded; the file runs in LiteRT.
//  3b. Screenshots of every panel (1280×800) and of the page on a narrow screen.
//  4. Upload a .npy pair and a .csv; bad input shows a message next to its control and the
//     previous data stays loaded.
//  5. Import a float .tflite and quantize it; bad model files and data that does not fit.
//  6. The embed page runs two <litequant-demo> elements.
//  (after 3) The digits CNN preset: conv layers edited with each layer's output shape and
//     parameter count (Keras' summary()), the residual preset, training, int8 in LiteRT.
// Throughout: no request leaves the origin, no page errors. Writes test-results/app-*.png.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import { npy } from "./npy.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const RESULTS = path.join(ROOT, "test-results");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const T = 120_000;

let passed = 0;
const failures = [];
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failures.push(name);
    console.log(`FAIL ${name}: ${err.message}`);
    throw err;
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const text = (page, sel) => page.locator(sel).innerText();
async function waitAttr(page, sel, attr, values, timeout = T) {
  await page.waitForFunction(([sel, attr, values]) => values.includes(document.querySelector(sel)?.getAttribute(attr)), [sel, attr, values], {
    timeout,
    polling: 100,
  });
}
async function fieldError(page, id) {
  const loc = page.locator(`#${id}`);
  await loc.waitFor({ state: "visible", timeout: 20_000 });
  return loc.innerText();
}
const file = (name, buffer, mimeType = "application/octet-stream") => ({ name, mimeType, buffer: Buffer.from(buffer) });

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  rmSync(path.join(RESULTS, "app-failure.png"), { force: true });
  const { server, url } = await startServer({ root: ROOT, host: "127.0.0.1", port: 0 });
  const origin = new URL(url).origin;
  const userDataDir = mkdtempSync(path.join(tmpdir(), "litequant-e2e-"));
  const offOrigin = [];
  const pageErrors = [];
  let context;
  let page;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      acceptDownloads: true,
      viewport: { width: 1280, height: 800 },
    });
    context.on("request", (req) => {
      const u = req.url();
      if (u.startsWith("blob:") || u.startsWith("data:")) return;
      if (new URL(u).origin !== origin) offOrigin.push(u);
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (msg) => msg.type() === "error" && pageErrors.push(`console: ${msg.text()}`));
    page.setDefaultTimeout(30_000);

    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 60_000 });
    await page.waitForFunction(() => document.getElementById("data-summary").textContent.startsWith("Loaded"));

    await check("digits preset; the page answers clicks while training; Cancel stops it", async () => {
      await page.selectOption("#preset", "digits");
      await page.waitForFunction(() =>
        /handwritten digits — 1438 training \+ 359 test rows, 64 features, 10 classes/.test(document.getElementById("data-summary").textContent),
      );
      await page.fill("#epochs", "5000");
      await page.click("#train-btn");
      await page.waitForFunction(() => Number(document.getElementById("train").dataset.epoch ?? 0) >= 3);
      const rows = await page.locator("#layers tr").count();
      await page.click("#add-layer"); // a JS click handler, while the worker trains
      assert((await page.locator("#layers tr").count()) === rows + 1, "the Add layer click was not handled during training");
      assert((await page.getAttribute("#train", "data-state")) === "running", "training ended before the click was checked");
      await page.click('button[aria-label="Remove layer 2"]');
      await page.click("#cancel-btn");
      await waitAttr(page, "#train", "data-state", ["cancelled"], 30_000);
      const t = await text(page, "#train-text");
      const m = /Cancelled after (\d+) of 5000 epochs/.exec(t);
      assert(m && Number(m[1]) < 5000, `unexpected text after Cancel: ${t}`);
    });

    let pageAcc;
    await check("full flow on digits: train, quantize int8 + float16 + dynamic, inspect, compare", async () => {
      await page.fill("#epochs", "20");
      await page.click("#train-btn");
      await waitAttr(page, "#train", "data-state", ["done"]);
      await page.check("#mode-dyn");
      await page.click("#quantize-btn");
      await waitAttr(page, "#compare", "data-done", ["1"]);
      const cards = page.locator("#tensor-cards .tensor-card");
      assert((await cards.count()) === 4, `expected 4 tensor cards (input, 2 dense outputs, softmax), got ${await cards.count()}`);
      assert((await page.locator("#tensor-cards .tensor-card svg .bars rect").count()) > 20, "histograms have no bars");
      assert((await page.locator("#tensor-cards .tensor-card svg .marker").count()) === 8, "min/max markers missing");
      assert((await page.locator("#weight-cards svg").count()) === 2, "per-channel weight scale charts missing");
      assert((await page.locator("#layer-table tbody tr").count()) === 3, "per-layer error table rows");
      assert((await page.locator("#layer-table tr.worst").count()) === 1, "no worst layer highlighted");
      pageAcc = Object.fromEntries(
        await page.locator("#compare-table tbody tr").evaluateAll((rows) => rows.map((r) => [r.dataset.model, Number(r.dataset.accuracy)])),
      );
      for (const k of ["float32", "int8", "float16", "dynamic"]) assert(Number.isFinite(pageAcc[k]), `no accuracy for ${k}`);
      assert(pageAcc.float32 > 0.9, `float32 accuracy ${pageAcc.float32} too low for digits`);
      assert(Math.abs(pageAcc.int8 - pageAcc.float32) <= 0.01, `int8 ${pageAcc.int8} vs float ${pageAcc.float32}`);
      console.log(`     page accuracies: ${JSON.stringify(pageAcc)}`);
    });

    await check("downloads: the int8 file runs in LiteRT within 1 point of float; JSON report", async () => {
      const save = async (selector, name) => {
        const [dl] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
        const p = path.join(RESULTS, name);
        await dl.saveAs(p);
        return p;
      };
      const int8 = await save('a[download="model_quant_int8_int8io.tflite"]', "app_int8.tflite");
      const f32 = await save('a[download="model_float32.tflite"]', "app_float32.tflite");
      const rep = JSON.parse(readFileSync(await save("#report-btn", "app_report.json"), "utf8"));
      assert(rep.calibration.tensors.length === 4 && rep.comparison.rows.length === 4, "the JSON report lacks tensors or the comparison");
      // The held-out set the page used: the same split, made by the library in Node.
      const lq = await import(path.join(ROOT, "pkg/litequant.js"));
      await lq.default({ module_or_path: readFileSync(path.join(ROOT, "pkg/litequant_bg.wasm")) });
      const all = lq.digitsDataset(readFileSync(path.join(ROOT, "data/digits.bin")));
      const { test } = lq.trainTestSplit(all.x, all.y, 64, 0.2, 0);
      const xPath = path.join(RESULTS, "app_test_x.npy");
      const yPath = path.join(RESULTS, "app_test_y.npy");
      writeFileSync(xPath, npy("<f4", [test.rows, 64], test.x));
      writeFileSync(yPath, npy("<i4", [test.rows], test.y));
      const py = spawnSync(path.join(ROOT, ".venv/bin/python"), [path.join(ROOT, "tests/e2e/check_litert.py"), f32, int8, xPath, yPath, String(pageAcc.int8)], {
        encoding: "utf8",
      });
      process.stdout.write(py.stdout.replace(/^/gm, "     "));
      if (py.error) throw new Error(`cannot run .venv/bin/python: ${py.error.message}`);
      assert(py.status === 0, `LiteRT check failed: ${py.stderr || py.stdout}`);
      // The oracle's own file check: int8 in/out, AUTO and BUILTIN_REF agree, softmax rows sum to 1.
      const oracle = spawnSync(path.join(ROOT, ".venv/bin/python"), [path.join(ROOT, "tests/oracle/run_tflite.py"), int8], { encoding: "utf8" });
      process.stdout.write(oracle.stdout.replace(/^/gm, "     "));
      assert(oracle.status === 0, `tests/oracle/run_tflite.py failed: ${oracle.stderr || oracle.stdout}`);
    });

    await check("quantization debugger: keep the worst layer in float, re-convert, compare, download; the file runs in LiteRT", async () => {
      await page.click("#debug-run");
      await page.waitForFunction(() => !document.querySelector("#debug-table").hidden, null, { timeout: T });
      const rows = page.locator("#debug-table tbody tr");
      assert((await rows.count()) === 3, `expected 3 debugged layers (2 FULLY_CONNECTED, SOFTMAX), got ${await rows.count()}`);
      const mse = await rows.evaluateAll((rs) => rs.map((r) => Number(r.dataset.mse)));
      assert(
        mse.every((v, i) => i === 0 || v <= mse[i - 1]),
        `layers not sorted by error: ${mse}`,
      );
      const ticked = await rows.evaluateAll((rs) => rs.map((r) => r.querySelector("input").checked));
      assert(JSON.stringify(ticked) === "[true,false,false]", `the worst layer should be the suggested one: ${ticked}`);
      const worst = await rows.first().getAttribute("data-node");
      assert(!!(await page.getAttribute("#debug-csv", "href")), "no CSV link");
      await page.click("#debug-keep");
      await waitAttr(page, "#debug-keep", "data-done", ["1"]);
      const models = await page.locator("#compare-table tbody tr").evaluateAll((rs) => rs.map((r) => r.dataset.model));
      assert(models.filter((m) => m === "int8").length === 2, `Compare should show both int8 files: ${models}`);
      const [dl] = await Promise.all([page.waitForEvent("download"), page.click('a[download="model_quant_int8_int8io_1float.tflite"]')]);
      const kept = path.join(RESULTS, "app_int8_1float.tflite");
      await dl.saveAs(kept);
      // The worst layer is float in the file (a float32 tensor named as it is), and the file
      // runs in LiteRT within 1 point of float32 on the held-out set.
      const py = spawnSync(
        path.join(ROOT, ".venv/bin/python"),
        [
          "-c",
          "import sys; from ai_edge_litert.interpreter import Interpreter as I; it=I(model_path=sys.argv[1]); " +
            "t=[d for d in it.get_tensor_details() if d['name']==sys.argv[2]]; print(t and t[0]['dtype'].__name__); " +
            "sys.exit(0 if t and t[0]['dtype'].__name__=='float32' else 1)",
          kept,
          worst,
        ],
        { encoding: "utf8" },
      );
      assert(py.status === 0, `the kept layer ${worst} is not float32 in the downloaded file: ${py.stdout}${py.stderr}`);
      const acc = spawnSync(
        path.join(ROOT, ".venv/bin/python"),
        [
          path.join(ROOT, "tests/e2e/check_litert.py"),
          path.join(RESULTS, "app_float32.tflite"),
          kept,
          path.join(RESULTS, "app_test_x.npy"),
          path.join(RESULTS, "app_test_y.npy"),
        ],
        { encoding: "utf8" },
      );
      process.stdout.write(acc.stdout.replace(/^/gm, "     "));
      assert(acc.status === 0, `LiteRT check of the file with ${worst} in float failed: ${acc.stderr || acc.stdout}`);
    });

    await check("calibration method: entropy writes another int8 variant; Inspect draws every method's range", async () => {
      const runs = Number((await page.getAttribute("#quantize", "data-runs")) ?? 0);
      await page.selectOption("#calib-method", "entropy");
      await page.click("#quantize-btn");
      await page.waitForFunction((n) => Number(document.getElementById("quantize").dataset.runs ?? 0) > n, runs, { timeout: 120_000 });
      await page.waitForFunction(() => !!document.querySelector('#compare-table tbody tr[data-method="entropy"][data-accuracy]'), null, { timeout: 120_000 });
      const acc = Number(await page.getAttribute('#compare-table tbody tr[data-method="entropy"]', "data-accuracy"));
      assert(Math.abs(acc - pageAcc.float32) <= 0.01, `entropy int8 ${acc} vs float ${pageAcc.float32}`);
      const cards = await page.locator("#tensor-cards .tensor-card").count();
      assert((await page.locator("#tensor-cards .tensor-card svg .method-range").count()) === 4 * cards, "a method range is missing from a histogram");
      assert((await page.locator("#tensor-cards table.method-table tbody tr").count()) === 4 * cards, "method tables incomplete");
      // The int8 model uses the entropy ranges: the chosen row is entropy's where TFLite does not fix the range.
      assert((await page.locator('#tensor-cards table.method-table tr.chosen[data-method="entropy"]').count()) >= 2, "entropy's range is not the one used");
      assert(await page.locator('a[download="model_quant_int8_int8io_entropy.tflite"]').count(), "no download for the entropy file");
      console.log(`     entropy int8 accuracy: ${acc}`);
      await page.selectOption("#calib-method", "minmax"); // the settings persist: leave the default
    });

    await check("screenshots of every panel (1280×800) and a narrow screen", async () => {
      for (const id of ["model", "data", "train", "quantize", "inspect", "compare", "download"]) {
        await page.locator(`#${id}`).screenshot({ path: path.join(RESULTS, `app-${id}.png`) });
      }
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(RESULTS, "app-1280x800.png") });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: path.join(RESULTS, "app-narrow.png"), fullPage: false });
      await page.locator("#inspect").screenshot({ path: path.join(RESULTS, "app-narrow-inspect.png") });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 1, `the page scrolls sideways on a narrow screen by ${overflow} px`);
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    await check("digits CNN preset: conv layers edited with output shapes and parameter counts; train, quantize, int8 in LiteRT", async () => {
      const rowCells = () =>
        page
          .locator("#layers tr")
          .evaluateAll((rows) =>
            rows.map((r) => [
              r.querySelector('[data-role="type"]').value,
              r.querySelector(".layer-shape").textContent,
              r.querySelector(".layer-params").textContent,
            ]),
          );
      const waitCells = async (want) => {
        await page
          .waitForFunction(
            (want) =>
              JSON.stringify(
                [...document.querySelectorAll("#layers tr")].map((r) => [
                  r.querySelector('[data-role="type"]').value,
                  r.querySelector(".layer-shape").textContent,
                  r.querySelector(".layer-params").textContent,
                ]),
              ) === JSON.stringify(want),
            want,
            { timeout: 20_000 },
          )
          .catch(async () => assert(false, `layer rows ${JSON.stringify(await rowCells())}, expected ${JSON.stringify(want)}`));
      };
      await page.selectOption("#preset", "digitsCnn");
      await page.waitForFunction(() => document.getElementById("data-summary").textContent.includes("handwritten digits"));
      assert((await page.inputValue("#input-shape")) === "8, 8, 1", "the CNN preset sets the input shape");
      // As Keras' summary(): Conv2D(8, 3) on 8×8×1 → [6, 6, 8], 3·3·1·8 + 8 = 80 params.
      await waitCells([
        ["conv2d", "[6, 6, 8]", "80"],
        ["maxPooling2d", "[3, 3, 8]", "0"],
        ["flatten", "[72]", "0"],
        ["dense", "[10]", "730"],
      ]);
      assert((await text(page, "#total-params")) === "Total params: 810", await text(page, "#total-params"));
      // Edit the conv layer: 4 filters, padding same, stride 2.
      await page.fill('input[aria-label="Layer 1 filters"]', "4");
      await page.selectOption('select[aria-label="Layer 1 padding"]', "same");
      await page.fill('input[aria-label="Layer 1 strides"]', "2");
      await page.locator('input[aria-label="Layer 1 strides"]').dispatchEvent("change");
      await waitCells([
        ["conv2d", "[4, 4, 4]", "40"],
        ["maxPooling2d", "[2, 2, 4]", "0"],
        ["flatten", "[16]", "0"],
        ["dense", "[10]", "170"],
      ]);
      // A kernel larger than the input is refused by name.
      await page.fill('input[aria-label="Layer 1 kernel size"]', "9");
      await page.fill('input[aria-label="Layer 1 strides"]', "1");
      await page.selectOption('select[aria-label="Layer 1 padding"]', "valid");
      const e = await fieldError(page, "layers-error");
      assert(/kernel|larger|input/i.test(e), `no error for a 9×9 kernel on 8×8: ${e}`);
      // The residual preset builds a functional model; back to the CNN preset to train.
      await page.selectOption("#preset", "residual");
      await waitCells([
        ["conv2d", "[8, 8, 8]", "80"],
        ["conv2d", "[8, 8, 8]", "584"],
        ["add", "[8, 8, 8]", "0"],
        ["activation", "[8, 8, 8]", "0"],
        ["maxPooling2d", "[4, 4, 8]", "0"],
        ["flatten", "[128]", "0"],
        ["dense", "[10]", "1,290"],
      ]);
      await page.locator("#layers-error").waitFor({ state: "hidden" });
      await page.selectOption("#preset", "digitsCnn");
      await waitCells([
        ["conv2d", "[6, 6, 8]", "80"],
        ["maxPooling2d", "[3, 3, 8]", "0"],
        ["flatten", "[72]", "0"],
        ["dense", "[10]", "730"],
      ]);
      await page.fill("#epochs", "15");
      await page.click("#train-btn");
      await waitAttr(page, "#train", "data-state", ["done"]);
      await page.uncheck("#mode-dyn");
      await page.selectOption("#io-type", "int8");
      await page.click("#quantize-btn");
      await waitAttr(page, "#compare", "data-done", ["1"]);
      assert((await page.locator("#weight-cards svg").count()) === 2, "per-channel weight scales of the conv and the dense layer");
      const acc = Object.fromEntries(
        await page.locator("#compare-table tbody tr").evaluateAll((rows) => rows.map((r) => [r.dataset.model, Number(r.dataset.accuracy)])),
      );
      assert(acc.float32 > 0.85, `CNN float32 accuracy ${acc.float32}`);
      console.log(`     CNN page accuracies: ${JSON.stringify(acc)}`);
      const save = async (selector, name) => {
        const [dl] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
        const p = path.join(RESULTS, name);
        await dl.saveAs(p);
        return p;
      };
      const int8 = await save('a[download="model_quant_int8_int8io.tflite"]', "app_cnn_int8.tflite");
      const f32 = await save('a[download="model_float32.tflite"]', "app_cnn_float32.tflite");
      const py = spawnSync(
        path.join(ROOT, ".venv/bin/python"),
        [path.join(ROOT, "tests/e2e/check_litert.py"), f32, int8, path.join(RESULTS, "app_test_x.npy"), path.join(RESULTS, "app_test_y.npy"), String(acc.int8)],
        { encoding: "utf8" },
      );
      process.stdout.write(py.stdout.replace(/^/gm, "     "));
      assert(py.status === 0, `LiteRT check of the CNN failed: ${py.stderr || py.stdout}`);
      await page.locator("#model").screenshot({ path: path.join(RESULTS, "app-model-cnn.png") });
      // Back to the digits MLP for the scenarios below (flat input).
      await page.selectOption("#preset", "digits");
      await page.waitForFunction(() => document.getElementById("input-shape").value === "");
    });

    // Data: a digits subset as .npy (float32 features, int64 labels) and a 3-class CSV.
    const all = await page.evaluate(() => null);
    void all;
    const digits = readFileSync(path.join(ROOT, "data/digits.bin"));
    const N = 300;
    const dx = Float32Array.from(digits.subarray(0, N * 64), (v) => v / 16);
    const dy = BigInt64Array.from(digits.subarray(1797 * 64, 1797 * 64 + N), (v) => BigInt(v));
    await check("upload a .npy pair and a .csv", async () => {
      await page.check('input[name="source"][value="npy"]');
      await page.setInputFiles("#npy-x", file("digits_x.npy", npy("<f4", [N, 64], dx)));
      await page.setInputFiles("#npy-y", file("digits_y.npy", npy("<i8", [N], dy)));
      await page.waitForFunction(() =>
        /digits_x\.npy \+ digits_y\.npy — 240 training \+ 60 test rows, 64 features, 10 classes/.test(document.getElementById("data-summary").textContent),
      );
      let csv = "sepal,petal,width,species\n";
      for (let i = 0; i < 60; i++) csv += `${(i % 7) / 3},${(i % 5) * 0.7},${i % 3},${["setosa", "versicolor", "virginica"][i % 3]}\n`;
      await page.check('input[name="source"][value="csv"]');
      await page.fill("#csv-label", "species");
      await page.setInputFiles("#csv-file", file("iris_like.csv", csv, "text/csv"));
      await page.waitForFunction(() =>
        /iris_like\.csv — 48 training \+ 12 test rows, 3 features, 3 classes \(setosa, versicolor, virginica\)/.test(
          document.getElementById("data-summary").textContent,
        ),
      );
      assert((await page.inputValue("#layers tr:last-child input")) === "3", "the output layer did not follow the 3 classes");
    });

    await check("bad data files: a message next to the control, previous data kept", async () => {
      await page.check('input[name="source"][value="npy"]');
      await page.waitForFunction(() => document.getElementById("data-summary").textContent.includes("digits_x.npy"));
      const kept = "still using the previous data: digits_x.npy + digits_y.npy";
      await page.setInputFiles("#npy-x", file("photo.png", [0x89, 0x50, 0x4e, 0x47, 1, 2, 3], "image/png"));
      let e = await fieldError(page, "npy-x-error");
      assert(e.includes("photo.png is not a .npy file") && e.includes(kept), e);
      await page.setInputFiles("#npy-x", file("complex.npy", npy("<c8", [2, 2], new Float32Array(8))));
      await page.setInputFiles("#npy-y", file("labels.npy", npy("<i8", [2], new BigInt64Array(2))));
      e = await fieldError(page, "npy-x-error");
      assert(e.includes("unsupported .npy dtype '<c8'") && e.includes(kept), e);
      await page.check('input[name="source"][value="csv"]');
      await page.waitForFunction(() => document.getElementById("data-summary").textContent.includes("iris_like.csv"));
      const keptCsv = "still using the previous data: iris_like.csv";
      await page.fill("#csv-label", "");
      await page.setInputFiles("#csv-file", file("ragged.csv", "a,b,y\n1,2,0\n3,4,1\n5,6\n", "text/csv"));
      e = await fieldError(page, "csv-file-error");
      assert(e.includes("ragged.csv: row 4 has 2 fields, expected 3") && e.includes(keptCsv), e);
      await page.setInputFiles("#csv-file", file("text.csv", "x1,x2,x3,y\n1,2,3,0\n1,2,3,1\n4,5,abc,1\n", "text/csv"));
      e = await fieldError(page, "csv-file-error");
      assert(e.includes("row 4, column 'x3': 'abc' is not a number"), e);
      await page.setInputFiles("#csv-file", file("labels.csv", "a,b,y\n1,2,0\n3,4,1\n", "text/csv"));
      await page.fill("#csv-label", "target");
      await page.press("#csv-label", "Tab");
      e = await fieldError(page, "csv-label-error");
      assert(e.includes("no column named 'target' (the header has: a, b, y)") && e.includes("still using the previous data: labels.csv"), e);
      assert((await text(page, "#data-summary")).includes("Loaded: labels.csv"), "the previous data was not kept");
      await page.fill("#csv-label", "");
      await page.press("#csv-label", "Tab");
    });

    const fixture = readFileSync(path.join(ROOT, "tests/fixtures/digits_mlp/model_float32.tflite"));
    const tfjsMlp = (f) => readFileSync(path.join(ROOT, "tests/fixtures/tfjs/fixed_mlp/float32", f));
    await check("import a TF.js model (model.json + shards) and a float .tflite and quantize it; bad model files; data that does not fit", async () => {
      await page.check('input[name="source"][value="digits"]');
      await page.waitForFunction(() => document.getElementById("data-summary").textContent.includes("handwritten digits"));
      // TF.js layers model: model.json alone names the missing shard; with it, the model is imported.
      await page.setInputFiles("#tfjs-files", [file("model.json", tfjsMlp("model.json"), "application/json")]);
      let e = await fieldError(page, "tfjs-error");
      assert(e.includes("weight file(s) 'group1-shard1of1.bin' missing"), e);
      await page.setInputFiles("#tfjs-files", [
        file("model.json", tfjsMlp("model.json"), "application/json"),
        file("group1-shard1of1.bin", tfjsMlp("group1-shard1of1.bin")),
      ]);
      await page.locator("#imported").waitFor({ state: "visible" });
      await page.locator("#tfjs-error").waitFor({ state: "hidden" });
      const tfjsText = await text(page, "#imported-text");
      assert(tfjsText.includes("Imported model.json") && tfjsText.includes("output float32 [-1,10] (classification) — 32 features per row"), tfjsText);
      await page.setInputFiles("#tflite-file", file("notes.txt", "hello"));
      e = await fieldError(page, "tflite-error");
      assert(e.includes("notes.txt is not a .tflite model"), e);
      await page.setInputFiles("#tflite-file", file("digits_float32.tflite", fixture));
      await page.locator("#imported").waitFor({ state: "visible" });
      assert(
        (await text(page, "#imported-text")).includes("output float32 [-1,10] (classification) — 64 features per row"),
        await text(page, "#imported-text"),
      );
      assert(await page.isDisabled("#train-btn"), "Train should be disabled for an imported model");
      const corrupt = Buffer.from(fixture.subarray(0, 600));
      await page.setInputFiles("#tflite-file", file("corrupt.tflite", corrupt));
      e = await fieldError(page, "tflite-error");
      assert(/malformed|truncated|out of range|invalid/i.test(e) && e.includes("digits_float32.tflite is still loaded"), e);
      // Data that does not fit the imported model: accepted, and the page asks for matching data.
      await page.check('input[name="source"][value="csv"]');
      await page.setInputFiles("#csv-file", file("three.csv", "a,b,c,y\n1,2,3,0\n3,4,5,1\n6,7,8,1\n", "text/csv"));
      e = await fieldError(page, "data-fit");
      assert(e.includes("This data has 3 features per row, but digits_float32.tflite takes 64"), e);
      assert(await page.isDisabled("#quantize-btn"), "Quantize must wait for data that fits");
      await page.check('input[name="source"][value="npy"]');
      const badY = BigInt64Array.from({ length: N }, (_, i) => BigInt(i === 7 ? 12 : Number(dy[i])));
      await page.setInputFiles("#npy-x", file("digits_x.npy", npy("<f4", [N, 64], dx)));
      await page.setInputFiles("#npy-y", file("bad_y.npy", npy("<i8", [N], badY)));
      e = await fieldError(page, "npy-y-error");
      assert(e.includes("label 12 at row 8 is outside 0..9 (the model has 10 outputs)"), e);
      assert((await text(page, "#data-summary")).includes("three.csv"), "the previous data was not kept");
      await page.setInputFiles("#npy-y", file("digits_y.npy", npy("<i8", [N], dy)));
      await page.waitForFunction(() => document.getElementById("data-summary").textContent.includes("digits_x.npy + digits_y.npy"));
      await page.locator("#npy-y-error").waitFor({ state: "hidden" });
      // The app keeps working: quantize the imported model.
      await page.uncheck("#mode-dyn");
      await page.selectOption("#io-type", "uint8");
      await page.click("#quantize-btn");
      await waitAttr(page, "#compare", "data-done", ["1"]);
      const acc = Object.fromEntries(
        await page.locator("#compare-table tbody tr").evaluateAll((rows) => rows.map((r) => [r.dataset.model, Number(r.dataset.accuracy)])),
      );
      assert(acc.float32 > 0.9 && Math.abs(acc.int8 - acc.float32) <= 0.02, `imported model accuracies ${JSON.stringify(acc)}`);
      assert((await page.locator("#tensor-cards .tensor-card").count()) >= 3, "no tensor cards for the imported model");
      await page.locator("#model").screenshot({ path: path.join(RESULTS, "app-model-imported.png") });
      await page.locator("#inspect").screenshot({ path: path.join(RESULTS, "app-inspect-imported.png") });
    });

    await check("embed page: two <litequant-demo> elements run", async () => {
      await page.goto(new URL("www/embed-example.html", url).href, { waitUntil: "load" });
      const demos = page.locator("litequant-demo");
      assert((await demos.count()) === 2, "expected two demos");
      await page.locator("litequant-demo").first().locator("button").first().click();
      await page.waitForFunction(() => document.querySelector("litequant-demo")?.dataset.state === "done", null, { timeout: T });
      const rows = await page.locator("litequant-demo").first().locator("tbody tr").count();
      assert(rows >= 3, `embed shows ${rows} result rows`);
      await page.screenshot({ path: path.join(RESULTS, "app-embed.png"), fullPage: true });
    });

    assert(offOrigin.length === 0, `requests left the origin ${origin}:\n  ${offOrigin.join("\n  ")}`);
    assert(pageErrors.length === 0, `the page reported errors:\n  ${pageErrors.join("\n  ")}`);
    passed++;
    console.log("ok   no request left the origin; no page errors");
  } catch (err) {
    if (page) await page.screenshot({ path: path.join(RESULTS, "app-failure.png"), fullPage: true }).catch(() => {});
    if (pageErrors.length) console.log(`page errors:\n  ${pageErrors.join("\n  ")}`);
    throw err;
  } finally {
    await context?.close().catch(() => {});
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

try {
  await main();
  console.log(`${passed} passed, 0 failed`);
} catch (err) {
  if (!failures.length) console.log(`FAIL ${err.message}`);
  console.log(`${passed} passed, 1 failed`);
  process.exit(1);
}
