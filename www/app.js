// The first page: run the seed flow (train → int8 + float16 .tflite) with litequant.
import { digitsData, randomData } from "./data.js";

const EPOCHS = 2;
const BATCH_SIZE = 32;
const CALIBRATION_ROWS = 100;

const $ = (id) => document.getElementById(id);
const ui = {
  run: $("run"),
  status: $("status"),
  progressBox: $("progress-box"),
  progress: $("progress"),
  epochs: $("epochs"),
  error: $("error"),
  results: $("results"),
  sizes: $("sizes"),
  timing: $("timing"),
};
let blobUrls = [];

function showError(err) {
  const message = err instanceof Error ? err.message : String(err);
  ui.error.textContent = `Error: ${message}`;
  ui.error.hidden = false;
  ui.status.textContent = "";
  console.error(err);
}
window.addEventListener("error", (e) => showError(e.error ?? e.message));
window.addEventListener("unhandledrejection", (e) => showError(e.reason));

/** Lets the browser paint before the next long, synchronous wasm call. */
const paint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function step(text, fn) {
  ui.status.textContent = text;
  await paint();
  return fn();
}

const fixed = (v) => (typeof v === "number" ? v.toFixed(4) : "–");

function formatBytes(n) {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB (${n.toLocaleString("en")} B)`;
}

function downloadLink(bytes, filename) {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  blobUrls.push(url);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.textContent = filename;
  return a;
}

function showSizes(models) {
  const float32 = models.find((m) => m.label === "float32").bytes.length;
  ui.sizes.replaceChildren(
    ...models.map(({ label, bytes, filename }) => {
      const row = document.createElement("tr");
      row.dataset.model = label;
      const cells = [label, formatBytes(bytes.length), `${((100 * bytes.length) / float32).toFixed(0)} %`];
      for (const [i, text] of cells.entries()) {
        const td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) td.scope = "row";
        else td.className = "num";
        td.textContent = text;
        row.append(td);
      }
      const file = document.createElement("td");
      file.append(downloadLink(bytes, filename));
      row.append(file);
      return row;
    }),
  );
}

async function runSeedFlow(lq) {
  const choice = document.querySelector('input[name="data"]:checked').value;
  const data = await step("Loading data…", () => (choice === "digits" ? digitsData() : randomData()));
  const t0 = performance.now();

  const model = lq.Sequential.fromConfig({
    inputShape: [data.features],
    seed: 0,
    layers: [
      { type: "dense", units: 64, activation: "relu" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
  });
  const converters = [];
  try {
    model.compile({
      optimizer: { type: "adam", learningRate: 1e-3 },
      loss: "sparse_categorical_crossentropy",
      metrics: ["accuracy"],
    });

    ui.progressBox.hidden = false;
    ui.progress.max = EPOCHS;
    ui.progress.value = 0;
    ui.epochs.replaceChildren();
    await step(`Training on ${data.rows} rows of ${data.name} data…`, () =>
      model.fit(data.x, data.y, {
        epochs: EPOCHS,
        batchSize: BATCH_SIZE,
        shuffle: true,
        onEpochEnd: (epoch, logs) => {
          ui.progress.value = epoch + 1;
          const li = document.createElement("li");
          li.textContent = `epoch ${epoch + 1}/${EPOCHS}: loss ${fixed(logs?.loss)}, accuracy ${fixed(logs?.accuracy)}`;
          ui.epochs.append(li);
        },
      }),
    );
    const t1 = performance.now();

    const convert = (configure) => {
      const conv = lq.TFLiteConverter.fromModel(model);
      converters.push(conv);
      configure(conv);
      return conv.convert();
    };
    const float32 = await step("Converting to float32…", () => convert(() => {}));
    const int8 = await step("Calibrating and quantizing to int8…", () =>
      convert((conv) => {
        conv.optimizations = ["DEFAULT"];
        conv.representativeDataset = {
          data: data.x.subarray(0, CALIBRATION_ROWS * data.features),
          shape: [CALIBRATION_ROWS, data.features],
        };
        conv.supportedOps = ["TFLITE_BUILTINS_INT8"];
        conv.inferenceInputType = "int8";
        conv.inferenceOutputType = "int8";
      }),
    );
    const float16 = await step("Converting to float16…", () =>
      convert((conv) => {
        conv.optimizations = ["DEFAULT"];
        conv.supportedTypes = ["float16"];
      }),
    );
    const t2 = performance.now();

    showSizes([
      { label: "int8", bytes: int8, filename: "model_quant_int8.tflite" },
      { label: "float16", bytes: float16, filename: "model_quant_float16.tflite" },
      { label: "float32", bytes: float32, filename: "model_float32.tflite" },
    ]);
    ui.timing.textContent = `Training ${(t1 - t0).toFixed(0)} ms, conversion ${(t2 - t1).toFixed(0)} ms.`;
  } finally {
    for (const conv of converters) conv.free?.();
    model.free?.();
  }
}

async function main() {
  let lq;
  try {
    lq = await import("../pkg/litequant.js");
    await lq.default();
  } catch (err) {
    throw new Error(`could not load pkg/litequant.js — run \`npm run build\` first (${err.message})`);
  }
  const missing = ["Sequential", "TFLiteConverter"].filter((name) => typeof lq[name] !== "function");
  if (missing.length) throw new Error(`pkg/litequant.js does not export ${missing.join(" or ")}: rebuild it with \`npm run build\``);
  ui.run.disabled = false;
  ui.status.textContent = "Ready.";
  document.body.dataset.ready = "1";

  ui.run.addEventListener("click", async () => {
    ui.run.disabled = true;
    ui.error.hidden = true;
    ui.results.hidden = true;
    delete ui.results.dataset.done;
    blobUrls.forEach((url) => URL.revokeObjectURL(url));
    blobUrls = [];
    try {
      await runSeedFlow(lq);
      ui.results.hidden = false;
      ui.results.dataset.done = "1";
      ui.status.textContent = "Done.";
    } catch (err) {
      showError(err);
    } finally {
      ui.run.disabled = false;
    }
  });
}

main().catch(showError);
