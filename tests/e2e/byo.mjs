#!/usr/bin/env node
// End-to-end tests of the app for someone bringing their own model (issue 14), in Debian's
// headless Chromium through Playwright. Each numbered item of the issue is reproduced and
// the new behaviour checked; screenshots at 1280×800 and 390×844 go to
// test-results/byo-*.png.
//
//   node tests/e2e/byo.mjs          (needs pkg/ from `npm run build`, and .venv for LiteRT)
//
// Oracles: LiteRT (ai-edge-litert, BUILTIN_REF) for the regression metrics and for the
// Python snippet's output; the files' own bytes for the zip; the page's own tables for the
// sentences generated from them.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { assert, fieldError, file, launch, PHONE, RESULTS, ROOT, shots, waitAttr } from "./harness.mjs";
import { npy } from "./npy.mjs";

const PY = path.join(ROOT, ".venv/bin/python");
const SINE = readFileSync(path.join(ROOT, "tests/fixtures/real-models/sine_float/sine_float.tflite"));
const UNSUPPORTED = readFileSync(path.join(ROOT, "tests/fixtures/app/unsupported_ops.tflite"));
const text = (page, sel) => page.locator(sel).innerText();
const compareRows = (page) => page.locator("#compare-table tbody tr").evaluateAll((rows) => rows.map((r) => ({ ...r.dataset, text: r.innerText })));

async function save(page, selector, name) {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  const p = path.join(RESULTS, name);
  await dl.saveAs(p);
  return p;
}
function python(args, opts = {}) {
  const r = spawnSync(PY, args, { encoding: "utf8", ...opts });
  if (r.error) throw new Error(`cannot run ${PY}: ${r.error.message}`);
  assert(r.status === 0, `python ${args[0]} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}
async function quantizeAndWait(page) {
  const runs = Number((await page.getAttribute("#quantize", "data-runs")) ?? 0);
  await page.click("#quantize-btn");
  await waitAttr(page, "#quantize", "data-runs", [String(runs + 1)]);
  await waitAttr(page, "#compare", "data-done", ["1"]);
}

// Rows for the sine model (1 feature): its real input range 0–2π in a shuffled order (the
// calibration takes the first rows), and [0, 1) like the app's default random data.
const N = 500;
const sineX = Float32Array.from({ length: N }, (_, i) => (((i * 7919) % N) * 2 * Math.PI) / (N - 1));
const unitX = Float32Array.from({ length: 200 }, (_, i) => (i * 0.37) % 1);

async function main() {
  const { page, url, check, finish, checkClean, counts } = await launch("byo");
  let failed = null;
  try {
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 60_000 });
    await page.waitForFunction(() => document.getElementById("data-summary").textContent.startsWith("Loaded"));

    await check("10: the empty loss chart has a plain 0–1 axis and says it has no data", async () => {
      const labels = await page.locator("#loss-chart svg .axis text").evaluateAll((ts) => ts.map((t) => t.textContent));
      assert(!labels.some((t) => /e-/.test(t)), `tiny-range axis labels: ${labels}`);
      assert(labels.includes("1") && labels.includes("0"), `expected a 0–1 axis, got ${labels}`);
      assert((await page.locator("#loss-chart svg .empty-note").textContent()) === "no data yet", "no empty-chart note");
      await shots(page, "byo-10-empty-chart", "#train");
    });

    await check("12: an unsupported op is named as not supported (yet), every one the library reports", async () => {
      await page.setInputFiles("#tflite-file", file("unsupported_ops.tflite", UNSUPPORTED));
      const e = await fieldError(page, "tflite-error");
      assert(e.startsWith("unsupported_ops.tflite uses"), e);
      assert(/does not support yet: L2_NORMALIZATION \(builtin code 11, version 1\)/.test(e), e);
      // The reader reports what it finds; every op named must be one of the file's two.
      const named = [...e.matchAll(/([A-Z][A-Z0-9_]+) \(builtin code/g)].map((m) => m[1]);
      assert(
        named.every((n) => ["L2_NORMALIZATION", "LOCAL_RESPONSE_NORMALIZATION"].includes(n)),
        `unexpected ops named: ${named}`,
      );
      assert(await page.locator("#imported").isHidden(), "the refused model must not be loaded");
      await shots(page, "byo-12-unsupported", "#model");
    });

    await check("11: a truncated .tflite gets a message for a person first, the detail after", async () => {
      await page.setInputFiles("#tflite-file", file("cut.tflite", SINE.subarray(0, 40)));
      const e = await fieldError(page, "tflite-error");
      assert(e.startsWith("cut.tflite is damaged or incomplete: it cannot be read as a TensorFlow Lite model"), e);
      assert(/Detail: malformed \.tflite file: .*byte offset \d+/.test(e), e);
    });

    await check("1, 3: an imported model whose input differs from the loaded data is accepted and waits for data", async () => {
      await page.setInputFiles("#tflite-file", file("sine_float.tflite", SINE));
      await page.locator("#imported").waitFor({ state: "visible" });
      assert(await page.locator("#tflite-error").isHidden(), "the import error of the previous file lingers");
      const fit = await fieldError(page, "data-fit");
      assert(fit.includes("This data has 32 features per row, but sine_float.tflite takes 1"), fit);
      assert(await page.isDisabled("#quantize-btn"), "Quantize must wait for data");
      const wait = await text(page, "#quantize-wait");
      assert(wait.includes("Quantize waits for data") && wait.includes("sine_float.tflite"), wait);
      await shots(page, "byo-01-import-waits", "#quantize");
      await shots(page, "byo-03-data-fit", "#data");
    });

    await check("2, 11: a .npy source without labels; choosing the source before the file clears the old data", async () => {
      await page.check('input[name="source"][value="npy"]');
      await page.waitForFunction(() => document.getElementById("data-summary").textContent.startsWith("Choose a features .npy"));
      assert(await page.isDisabled("#quantize-btn"), "no data: Quantize must be disabled");
      assert(await page.isDisabled("#train-btn"), "no data: Train must be disabled");
      assert(await page.locator("#data-fit").isHidden(), "the mismatch message must go with the data");
      await page.setInputFiles("#npy-x", file("unit_x.npy", npy("<f4", [unitX.length, 1], unitX)));
      await page.waitForFunction(() =>
        /unit_x\.npy — 200 rows, 1 feature, no labels \(representative data only/.test(document.getElementById("data-summary").textContent),
      );
      assert(await page.locator("#split-fields").isHidden(), "no labels: the test split has no meaning");
      assert(await page.locator("#data-fit").isHidden(), "the data fits the model now");
      assert(await page.isEnabled("#quantize-btn"), "data chosen for the model: Quantize is enabled");
    });

    await check("1: every result names its calibration data; a range far from the model's expected one is flagged", async () => {
      await page.fill("#expect-min", "0");
      await page.fill("#expect-max", "6.2832");
      await page.press("#expect-max", "Tab");
      await page.uncheck("#mode-f16");
      await quantizeAndWait(page);
      const cal = await text(page, "#calib-data");
      assert(cal.includes("Calibrated on unit_x.npy: 100 rows") && cal.includes("the model expects [0, 6.283]"), cal);
      const warn = await text(page, "#range-warning");
      assert(warn.startsWith("Warning: the calibration data's range [0, 0.99") && warn.includes("covers 16 %"), warn);
      assert((await text(page, "#quant-text")).includes("Calibrated on unit_x.npy: 100 rows"), await text(page, "#quant-text"));
      const rows = await compareRows(page);
      assert(rows.find((r) => r.model === "int8").text.includes("unit_x.npy, 100 rows"), "Compare must name the calibration data");
      await shots(page, "byo-01-range-warning", "#quantize");
      // The right data: no warning, and the new int8 file sits beside the first one.
      await page.setInputFiles("#npy-x", file("sine_x.npy", npy("<f4", [N, 1], sineX)));
      await page.waitForFunction(() => document.getElementById("data-summary").textContent.includes("sine_x.npy"));
      await quantizeAndWait(page);
      assert((await text(page, "#calib-data")).includes("Calibrated on sine_x.npy: 100 rows"), await text(page, "#calib-data"));
      assert(await page.locator("#range-warning").isHidden(), "no warning for data in the expected range");
    });

    let int8Path;
    let floatPath;
    await check("5, 4: a regression model gets MAE / RMSE / max |error| / SQNR vs float (equal to LiteRT's), no accuracy; latency has a spread", async () => {
      const head = await page.locator("#compare-table thead th").allInnerTexts();
      assert(!head.some((h) => /accuracy/i.test(h)), `no accuracy for a regression model: ${head}`);
      for (const h of ["MAE vs float32", "RMSE", "Max |error|", "SQNR (dB)"]) assert(head.includes(h), `missing column ${h}: ${head}`);
      const note = await text(page, "#compare-note");
      assert(note.includes("Measured on the 400 rows calibration did not use") && note.includes("median of 7 timed runs"), note);
      // Evaluation rows as the page used them: sine_x rows 100..499 (calibration took 0..99).
      const xPath = path.join(RESULTS, "byo_sine_eval.npy");
      writeFileSync(xPath, npy("<f4", [N - 100, 1], sineX.subarray(100)));
      const rows = await compareRows(page);
      const key = rows.find((r) => r.model === "int8" && r.text.includes("sine_x.npy")).key;
      const fname = await page.locator(`.file-card[data-key="${key}"]`).getAttribute("data-filename");
      int8Path = await save(page, `a[download="${fname}"]`, "byo_sine_int8.tflite");
      floatPath = await save(page, 'a[download="model_float32.tflite"]', "byo_sine_float32.tflite");
      const lite = JSON.parse(python([path.join(ROOT, "tests/e2e/litert_metrics.py"), floatPath, int8Path, xPath]));
      const row = rows.find((r) => r.key === key);
      const rel = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
      assert(rel(Number(row.mae), lite.mae) < 1e-4, `MAE page ${row.mae} vs LiteRT ${lite.mae}`);
      assert(rel(Number(row.sqnr), lite.sqnr) < 1e-4, `SQNR page ${row.sqnr} vs LiteRT ${lite.sqnr}`);
      console.log(
        `     sine int8 vs float32 on 400 rows: page MAE ${Number(row.mae).toPrecision(5)} SQNR ${Number(row.sqnr).toFixed(2)} dB; LiteRT MAE ${lite.mae.toPrecision(5)} SQNR ${lite.sqnr.toFixed(2)} dB`,
      );
      for (const r of rows) {
        const [med, lo, hi] = [r.latencyMedian, r.latencyMin, r.latencyMax].map(Number);
        assert(lo > 0 && lo <= med && med <= hi, `latency of ${r.key}: ${lo} ${med} ${hi}`);
      }
      await shots(page, "byo-05-regression-compare", "#compare");
    });

    await check("7: every variant is kept side by side, each removable; download all as one zip", async () => {
      await page.selectOption("#io-type", "uint8");
      await page.check("#mode-f16");
      await page.check("#mode-dyn");
      await quantizeAndWait(page);
      await page.selectOption("#io-type", "float32");
      await quantizeAndWait(page);
      let rows = await compareRows(page);
      const labels = rows.map((r) => r.text.split("\n")[0]);
      for (const l of ["float32", "int8 (int8 io)", "int8 (uint8 io)", "int8 (float32 io)", "float16", "dynamic range"])
        assert(labels.includes(l), `missing ${l}: ${labels}`);
      assert(rows.filter((r) => r.model === "int8").length === 4, `two int8-io files (two data sets), one uint8, one float io: ${labels}`);
      await page.click('button[aria-label="Remove model_quant_dynamic.tflite"]');
      await page.waitForFunction(() => !document.querySelector('#compare-table tr[data-model="dynamic"]'));
      assert((await page.locator('a[download="model_quant_dynamic.tflite"]').count()) === 0, "the removed file is still offered");
      rows = await compareRows(page);
      const zipPath = await save(page, "#zip-btn", "byo_all.zip");
      const zip = unzipSync(readFileSync(zipPath));
      const names = Object.keys(zip).sort();
      const want = (await page.locator(".file-card").evaluateAll((cs) => cs.map((c) => c.dataset.filename))).concat("litequant_report.json").sort();
      assert(JSON.stringify(names) === JSON.stringify(want), `zip holds ${names}, expected ${want}`);
      const saved = readFileSync(int8Path);
      const inZip =
        zip[
          path.basename(
            await page
              .locator(
                `.file-card[data-key="${rows.find((r) => r.model === "int8" && r.text.includes("sine_x.npy") && r.text.includes("int8 (int8 io)")).key}"]`,
              )
              .getAttribute("data-filename"),
          )
        ];
      assert(Buffer.compare(Buffer.from(inZip), saved) === 0, "the zipped int8 file differs from the downloaded one");
      await shots(page, "byo-07-variants", "#compare");
      await shots(page, "byo-07-downloads", "#download");
    });

    await check("6 + try: one sample through every file; io details; the Python snippet runs in LiteRT with the page's result", async () => {
      await page.fill("#sample-text", "1.5708");
      await page.click("#try-btn");
      await page.waitForFunction(() => document.getElementById("try").dataset.done === "1");
      const tryRows = await page.locator("#try-table tbody tr").count();
      assert(tryRows === (await page.locator(".file-card").count()), "one Try row per file");
      const card = page.locator('.file-card[data-filename="model_quant_int8_uint8io.tflite"]');
      const io = await card
        .locator("table.io tbody tr")
        .evaluateAll((rs) => rs.map((r) => ({ ...r.dataset, cells: [...r.children].map((c) => c.textContent) })));
      assert(io.length === 2 && io.every((r) => r.dtype === "uint8"), `uint8 io rows: ${JSON.stringify(io)}`);
      assert(
        io.every((r) => Number(r.cells[4]) > 0 && Number.isInteger(Number(r.cells[5]))),
        `scale / zero point: ${JSON.stringify(io)}`,
      );
      const code = await card.locator("code.py").textContent();
      assert(code.includes("1.5708") && code.includes('Interpreter(model_path="model_quant_int8_uint8io.tflite")'), code);
      const dir = mkdtempSync(path.join(tmpdir(), "litequant-snippet-"));
      try {
        await save(page, 'a[download="model_quant_int8_uint8io.tflite"]', "byo_uint8.tflite");
        copyFileSync(path.join(RESULTS, "byo_uint8.tflite"), path.join(dir, "model_quant_int8_uint8io.tflite"));
        writeFileSync(path.join(dir, "snippet.py"), code);
        const out = python(["snippet.py"], { cwd: dir });
        const raw = JSON.parse(/raw: (\[.*\])/.exec(out)[1]);
        const pageKey = await card.getAttribute("data-key");
        const pageRaw = JSON.parse(await page.locator(`#try-table tr[data-key="${pageKey}"] td[data-raw]`).getAttribute("data-raw"))[0];
        assert(JSON.stringify(raw) === JSON.stringify(pageRaw), `LiteRT ran the snippet to ${raw}, the page shows ${pageRaw}`);
        console.log(`     snippet in LiteRT: sin(1.5708) ≈ ${/values: \[(.*)\]/.exec(out)[1]} (uint8 code ${raw[0]}, as the page)`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      await shots(page, "byo-06-try", "#try");
      await card
        .locator("details.snippet")
        .first()
        .evaluate((d) => (d.open = true));
      await shots(page, "byo-06-file-card", '.file-card[data-filename="model_quant_int8_uint8io.tflite"]');
    });

    await check("graph view: ops, tensors, quantization on hover", async () => {
      const opts = await page.locator("#graph-file option").allInnerTexts();
      const idx = opts.findIndex((o) => o.includes("model_quant_int8_uint8io.tflite"));
      await page.selectOption("#graph-file", { index: idx });
      await page.waitForFunction(() => document.querySelectorAll("#graph-view .graph-op").length >= 3);
      const ops = await page.locator("#graph-view .graph-op").evaluateAll((os) => os.map((o) => o.dataset.op));
      assert(ops[0] === "QUANTIZE" && ops.at(-1) === "QUANTIZE" && ops.filter((o) => o === "FULLY_CONNECTED").length === 3, `ops ${ops}`);
      await page.locator("#graph-view .tensor-chip.dt-uint8").first().hover();
      const tip = await text(page, "#graph-tip");
      assert(/uint8 .*scale [0-9.e-]+, zero point \d+/.test(tip), tip);
      await shots(page, "byo-graph", "#graph-section");
    });

    await check("13: a reload restores the session (model, data, files); the comparison is redone", async () => {
      const before = (await compareRows(page)).map((r) => r.key);
      await page.waitForFunction(() => document.body.dataset.saved);
      await page.waitForTimeout(400);
      await page.reload({ waitUntil: "load" });
      await page.waitForFunction(() => document.body.dataset.restored === "1", null, { timeout: 60_000 });
      await waitAttr(page, "#compare", "data-done", ["1"]);
      const after = (await compareRows(page)).map((r) => r.key);
      assert(JSON.stringify(after) === JSON.stringify(before), `restored ${after}, had ${before}`);
      assert((await text(page, "#imported-text")).includes("sine_float.tflite"), "the imported model was not restored");
      assert((await text(page, "#data-summary")).includes("sine_x.npy"), "the data was not restored");
      assert(await page.isEnabled("#quantize-btn"), "the restored model has its data: Quantize is enabled");
      assert((await page.locator(".file-card").count()) === before.length, "the files were not restored");
      await shots(page, "byo-13-restored", null);
    });

    await check("2: a CSV without a label column is representative data; labelled data with a 0 % test split is a normal state", async () => {
      let csv = "x\n";
      for (let i = 0; i < 300; i++) csv += `${((i * 7) % 300) * ((2 * Math.PI) / 299)}\n`;
      await page.check('input[name="source"][value="csv"]');
      await page.check("#csv-nolabel");
      await page.setInputFiles("#csv-file", file("angles.csv", csv, "text/csv"));
      await page.waitForFunction(() => /angles\.csv — 300 rows, 1 feature, no labels/.test(document.getElementById("data-summary").textContent));
      await quantizeAndWait(page);
      assert((await text(page, "#status")) === "Done.", await text(page, "#status"));
      assert(await page.locator("#compare-error").isHidden(), "no error without a test set");
      // Labels (as a dummy column) and a 0 % split: no error, compare on the rows calibration did not use.
      let lab = "x,y\n";
      for (let i = 0; i < 300; i++) lab += `${((i * 7) % 300) * ((2 * Math.PI) / 299)},0\n`;
      await page.uncheck("#csv-nolabel");
      await page.fill("#test-pct", "0");
      await page.press("#test-pct", "Tab");
      await page.setInputFiles("#csv-file", file("angles_y.csv", lab, "text/csv"));
      await page.waitForFunction(() =>
        /angles_y\.csv — 300 training \+ 0 test rows, 1 feature, 1 class;/.test(document.getElementById("data-summary").textContent),
      );
      await quantizeAndWait(page);
      assert((await text(page, "#status")) === "Done.", await text(page, "#status"));
      assert((await text(page, "#compare-note")).includes("Measured on the 200 rows calibration did not use (no test set"), await text(page, "#compare-note"));
      await page.fill("#test-pct", "20");
      await page.press("#test-pct", "Tab");
      await shots(page, "byo-02-no-labels", "#data");
    });

    const iris = (() => {
      let csv = "sepal,petal,width,species\n";
      for (let i = 0; i < 150; i++) {
        const c = i % 3;
        csv += `${(c + ((i * 37) % 11) / 20).toFixed(2)},${(2 * c + ((i * 13) % 7) / 10).toFixed(2)},${(((i * 17) % 9) / 9).toFixed(2)},${["setosa", "versicolor", "virginica"][c]}\n`;
      }
      return csv;
    })();
    await check("8, labels.txt: a classifier: captions name their data; softmax's fixed range explained; class names written to labels.txt", async () => {
      await page.click("#clear-import");
      await page.setInputFiles("#csv-file", file("iris_like.csv", iris, "text/csv"));
      await page.waitForFunction(() =>
        /iris_like\.csv — 120 training \+ 30 test rows, 3 features, 3 classes \(setosa, versicolor, virginica\)/.test(
          document.getElementById("data-summary").textContent,
        ),
      );
      await page.fill("#epochs", "30");
      await page.click("#train-btn");
      await waitAttr(page, "#train", "data-state", ["done"]);
      await page.selectOption("#io-type", "int8");
      await quantizeAndWait(page);
      const cap = await text(page, "#hist-caption");
      assert(cap.includes("the 100 calibration samples") && cap.includes('"clipped" counts values of the held-out test set (30 rows)'), cap);
      const soft = page.locator('.tensor-card[data-fixed="1"]');
      assert((await soft.count()) === 1, "the softmax output card is marked as fixed-range");
      const st = await soft.innerText();
      assert(st.includes("Fixed range: TFLite sets a SOFTMAX output's int8 parameters itself (scale 1/256, zero point -128)") && st.includes("saturated"), st);
      const head = await page.locator("#compare-table thead th").allInnerTexts();
      assert(head.includes("Accuracy") && head.includes("Agreement with float32") && !head.includes("MAE vs float32"), `classification columns: ${head}`);
      const labels = readFileSync(await save(page, "#labels-link", "byo_labels.txt"), "utf8");
      assert(labels === "setosa\nversicolor\nvirginica\n", JSON.stringify(labels));
      const zip = unzipSync(readFileSync(await save(page, "#zip-btn", "byo_iris.zip")));
      assert(new TextDecoder().decode(zip["labels.txt"]) === labels, "labels.txt missing from the zip");
      await shots(page, "byo-08-inspect", "#inspect");
      await shots(page, "byo-08-compare", "#compare");
    });

    await check("11: errors sit next to their control and go when fixed; 3-D .npy flattening is said; plurals", async () => {
      await page.fill("#calib-rows", "0");
      await page.press("#calib-rows", "Tab");
      const e = await fieldError(page, "calib-error");
      assert(e.includes("Calibration samples must be a whole number from 1 to 100000"), e);
      const near = await page.evaluate(() => document.getElementById("calib-error").closest("section").id);
      assert(near === "quantize", `the calibration-count error is shown in ${near}`);
      await shots(page, "byo-11-calib-error", "#quantize");
      await page.fill("#calib-rows", "100");
      await page.press("#calib-rows", "Tab");
      await page.locator("#calib-error").waitFor({ state: "hidden" });
      await page.check('input[name="source"][value="npy"]');
      const x3 = Float32Array.from({ length: 40 * 64 }, (_, i) => (i % 17) / 16);
      await page.setInputFiles("#npy-x", file("cube.npy", npy("<f4", [40, 8, 8], x3)));
      await page.waitForFunction(() =>
        /cube\.npy — 40 rows, 64 features \(each sample \[8,8\] is flattened to 64 features\)/.test(document.getElementById("data-summary").textContent),
      );
      await shots(page, "byo-11-flattened", "#data");
      await page.check('input[name="source"][value="random"]');
      await page.fill("#rnd-classes", "1");
      await page.press("#rnd-classes", "Tab");
      await page.waitForFunction(() => /32 features, 1 class;/.test(document.getElementById("data-summary").textContent));
      await page.fill("#epochs", "1");
      await page.selectOption("#preset", "custom");
      await page.click("#train-btn");
      await waitAttr(page, "#train", "data-state", ["done"]);
      const t = await text(page, "#train-text");
      assert(/Done: 1 epoch in/.test(t), t);
      await page.fill("#rnd-classes", "10");
      await page.press("#rnd-classes", "Tab");
      await page.waitForFunction(() => /10 classes;/.test(document.getElementById("data-summary").textContent));
    });

    await check("9: phone width: chart text stays readable, Compare needs no sideways swipe, the status stays in view", async () => {
      await page.fill("#epochs", "3");
      await page.click("#train-btn");
      await waitAttr(page, "#train", "data-state", ["done"]);
      await quantizeAndWait(page);
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(300);
      await page.locator("#compare").scrollIntoViewIfNeeded();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 1, `the page scrolls sideways by ${overflow} px`);
      const table = await page.evaluate(() => {
        const t = document.getElementById("compare-table");
        return { w: t.getBoundingClientRect().width, wrap: t.parentElement.scrollWidth - t.parentElement.clientWidth };
      });
      assert(table.wrap <= 1, `the Compare table needs a sideways swipe (${table.wrap} px)`);
      const sizes = await page.evaluate(() =>
        [...document.querySelectorAll("svg.chart text")].filter((t) => t.getClientRects().length).map((t) => t.getBoundingClientRect().height),
      );
      const small = sizes.filter((h) => h < 9.5);
      assert(sizes.length > 20 && small.length === 0, `${small.length} of ${sizes.length} chart labels render under 10 px`);
      const st = await page.evaluate(() => {
        const r = document.getElementById("status").getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, h: window.innerHeight };
      });
      assert(st.top >= 0 && st.bottom <= st.h + 0.5 && st.bottom - st.top > 10, `status out of view: ${JSON.stringify(st)}`);
      await page.screenshot({ path: path.join(RESULTS, "byo-09-phone-compare-390.png") });
      await page.locator("#inspect").scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(RESULTS, "byo-09-phone-inspect-390.png") });
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    await check("10: histogram min/max labels never overlap; tick labels stay inside their chart", async () => {
      for (const vp of [{ width: 1280, height: 800 }, PHONE]) {
        await page.setViewportSize(vp);
        await page.waitForTimeout(300);
        const bad = await page.evaluate(() => {
          const out = [];
          for (const svg of document.querySelectorAll("svg.chart")) {
            if (!svg.getClientRects().length) continue;
            const box = svg.getBoundingClientRect();
            const m = [...svg.querySelectorAll(".marker-label")].map((t) => t.getBoundingClientRect());
            if (m.length === 2 && !(m[0].right <= m[1].left || m[1].right <= m[0].left || m[0].bottom <= m[1].top || m[1].bottom <= m[0].top))
              out.push(`overlap in ${svg.querySelector("title")?.textContent}`);
            for (const t of svg.querySelectorAll("text")) {
              const r = t.getBoundingClientRect();
              if (r.width && (r.left < box.left - 0.5 || r.right > box.right + 0.5))
                out.push(`'${t.textContent}' outside ${svg.querySelector("title")?.textContent}`);
            }
          }
          return out;
        });
        assert(bad.length === 0, `at ${vp.width} px: ${bad.slice(0, 5).join("; ")}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await shots(page, "byo-10-histograms", "#tensor-cards");
    });

    await check("try: a picked image becomes the sample of an 8×8 digits model", async () => {
      await page.selectOption("#preset", "digits");
      await page.waitForFunction(() => document.getElementById("data-summary").textContent.includes("handwritten digits"));
      await page.fill("#epochs", "3");
      await page.click("#train-btn");
      await waitAttr(page, "#train", "data-state", ["done"]);
      await quantizeAndWait(page);
      const png = await page.evaluate(async () => {
        const c = new OffscreenCanvas(32, 32);
        const g = c.getContext("2d");
        g.fillStyle = "#000";
        g.fillRect(0, 0, 32, 32);
        g.fillStyle = "#fff";
        g.fillRect(12, 4, 8, 24); // a "1"
        return Array.from(new Uint8Array(await (await c.convertToBlob({ type: "image/png" })).arrayBuffer()));
      });
      await page.setInputFiles("#sample-image", file("one.png", png, "image/png"));
      await page.waitForFunction(() => document.getElementById("sample-text").value.split(",").length === 64);
      const v = (await page.inputValue("#sample-text")).split(",").map(Number);
      assert(Math.min(...v) === 0 && Math.max(...v) === 1 && v[8 * 4 + 3] === 1 && v[8 * 4] === 0, `grey levels ${v}`);
      await page.click("#try-btn");
      await page.waitForFunction(
        () => document.querySelectorAll("#try-table tbody tr").length >= 3 && document.querySelector("#try-table td strong")?.textContent.startsWith("argmax"),
      );
      await shots(page, "byo-try-image", "#try");
    });

    await check("14: a second build with nothing changed skips wasm-bindgen and wasm-opt", async () => {
      const before = readFileSync(path.join(ROOT, "pkg/litequant_bg.wasm"));
      const r = spawnSync("bash", [path.join(ROOT, "scripts/build.sh")], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, CARGO_BUILD_JOBS: process.env.CARGO_BUILD_JOBS ?? "2" },
      });
      assert(r.status === 0, `build failed: ${r.stderr}`);
      assert(r.stdout.includes("pkg/litequant_bg.wasm is up to date: wasm-bindgen and wasm-opt skipped"), r.stdout);
      assert(!r.stdout.includes("wasm-opt -O3"), "wasm-opt ran again");
      assert(Buffer.compare(before, readFileSync(path.join(ROOT, "pkg/litequant_bg.wasm"))) === 0, "pkg/ changed");
    });

    await check("15: the embed page's sentences are generated from its own table", async () => {
      await page.goto(new URL("www/embed-example.html", url).href, { waitUntil: "load" });
      const demo = page.locator("litequant-demo").first();
      await demo.locator("button").first().click();
      await page.waitForFunction(() => document.querySelector("litequant-demo")?.dataset.state === "done", null, { timeout: 120_000 });
      const rows = await demo
        .locator("tbody tr")
        .evaluateAll((rs) => rs.map((r) => ({ label: r.children[0].textContent, acc: Number(r.dataset.accuracy), size: Number(r.dataset.size) })));
      const s = await demo.locator(".sentence").innerText();
      const f = rows.find((r) => r.label === "float32");
      for (const r of rows.filter((r) => r !== f)) {
        const share = `${((100 * r.size) / f.size).toFixed(0)} %`;
        assert(
          s.includes(`${r.label} takes ${share} of the float32 file's bytes (${(r.size / 1024).toFixed(1)} KiB vs ${(f.size / 1024).toFixed(1)} KiB)`),
          `${r.label}: ${s}`,
        );
        const d = 100 * (r.acc - f.acc);
        const acc = d === 0 ? "with the same accuracy" : `accuracy is ${Math.abs(d).toFixed(1)} points ${d > 0 ? "higher" : "lower"}`;
        assert(s.includes(acc), `${r.label} accuracy: ${s}`);
      }
      const page1 = await page.locator("article").innerText();
      assert(!page1.includes("a quarter of the float32 bytes") && !page1.includes("all three files agree"), "fixed claims left in the page text");
      await shots(page, "byo-15-embed", "litequant-demo >> nth=0");
    });

    await check("13: Start over forgets the kept session", async () => {
      await page.goto(url, { waitUntil: "load" });
      await page.waitForFunction(() => document.body.dataset.restored === "1", null, { timeout: 60_000 });
      await page.click("#start-over");
      await page.waitForFunction(
        () => document.body.dataset.ready === "1" && document.getElementById("data-summary").textContent.startsWith("Loaded: random"),
        null,
        { timeout: 60_000 },
      );
      assert(!(await page.evaluate(() => document.body.dataset.restored)), "the session came back after Start over");
      assert((await page.locator(".file-card").count()) === 0, "files left after Start over");
    });

    checkClean();
    console.log("ok   no request left the origin; no page errors");
  } catch (err) {
    failed = err;
  } finally {
    await finish(failed);
  }
  const { passed, failures } = counts();
  const p = passed + (failed ? 0 : 1);
  if (failed && !failures.length) console.log(`FAIL ${failed.message}`);
  console.log(`${p} passed, ${failed ? 1 : 0} failed`);
  if (failed) process.exit(1);
}

await main();
