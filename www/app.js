// The app: Model → Data → Train → Quantize → Inspect → Compare → Try → Download.
// The page only handles the UI; www/worker.js does the work (see rpc.js). The session
// (controls, files, model, variants) is kept in IndexedDB (session.js) and restored on load.
import { barChart, fmt, histogramChart, lineChart, mountChart } from "./charts.js";
import { checkExtension, formatBytes, readFile } from "./files.js";
import { compareSentences, humanError, num, pct, plural, rangeText, us } from "./format.js";
import { renderGraph } from "./graph.js";
import { LAYER_TYPES, defaultRow, modelConfig, rowSummaries } from "./layers.js";
import { startWorker } from "./rpc.js";
import { clearSession, loadSession, saveSession } from "./session.js";
import { f32, jsSnippet, pythonSnippet } from "./snippets.js";

const PRESETS = {
  seed: {
    layers: [
      { type: "dense", units: 64, activation: "relu" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
    source: "random",
    epochs: 2,
  },
  digits: {
    layers: [
      { type: "dense", units: 32, activation: "relu" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
    source: "digits",
    epochs: 20,
  },
  // The 8×8 digits as images: Conv2D(8, 3, relu) → MaxPooling2D → Flatten → Dense(10, softmax).
  digitsCnn: {
    inputShape: "8, 8, 1",
    layers: [
      { type: "conv2d", filters: 8, kernelSize: 3, strides: 1, padding: "valid", activation: "relu" },
      { type: "maxPooling2d", poolSize: 2 },
      { type: "flatten" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
    source: "digits",
    epochs: 10,
  },
  // A small residual net: relu(conv(conv(x)) + conv(x)) → pool → Dense.
  residual: {
    inputShape: "8, 8, 1",
    layers: [
      { type: "conv2d", filters: 8, kernelSize: 3, strides: 1, padding: "same", activation: "relu" },
      { type: "conv2d", filters: 8, kernelSize: 3, strides: 1, padding: "same", activation: "linear" },
      { type: "add", from: 1 },
      { type: "activation", activation: "relu" },
      { type: "maxPooling2d", poolSize: 2 },
      { type: "flatten" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
    source: "digits",
    epochs: 10,
  },
};
const ACTIVATIONS = ["relu", "linear", "softmax"];
/** Output tensors whose int8 parameters TFLite fixes instead of calibrating (op → [scale, zero point]). */
const FIXED_RANGE = { SOFTMAX: [1 / 256, -128], LOGISTIC: [1 / 256, -128], TANH: [1 / 128, 0] };

const $ = (id) => document.getElementById(id);
let compareSeq = 0; // the latest comparison request; earlier answers are dropped
const app = {
  worker: null,
  data: null, // summary from the worker
  imported: null,
  trained: false,
  busy: false,
  history: null,
  training: null, // the training config
  variants: [], // [{key, label, filename, mode, io, size, calibration, bytes, url, ioDetails}]
  report: null,
  debug: null, // the last QuantizationDebugger run: {layers, csv, samples, what}
  comparison: null,
  calibration: null, // the data the last quantization calibrated on
  uploads: { npyX: null, npyY: null, csv: null },
  needData: false, // an imported model waits for data the user chose for it
  sample: null, // Float32Array: the sample of "Try" (and of the snippets)
  restoring: false,
};

// ---------- small helpers ----------
function setError(id, msg) {
  const e = $(id);
  if (!e) return;
  e.textContent = msg ?? "";
  e.hidden = !msg;
}
function clearErrors(...ids) {
  ids.forEach((id) => setError(id, null));
}
function status(text) {
  $("status").textContent = text;
}
const numVal = (id) => Number($(id).value);
function intIn(id, lo, hi, what) {
  const v = numVal(id);
  if ($(id).value.trim() === "" || !Number.isInteger(v) || v < lo || v > hi)
    throw Object.assign(new Error(`${what} must be a whole number from ${lo} to ${hi}`), { field: id });
  return v;
}
function td(text, cls, label) {
  const c = document.createElement("td");
  c.textContent = text;
  if (cls) c.className = cls;
  if (label) c.dataset.label = label;
  return c;
}
function h(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}
const modelFeatures = () => (app.imported ? app.imported.features : app.trained ? app.training?.features : null);

// ---------- Model ----------
/** A labelled control of a layer row (`k`: the row field it edits), with its name shown above it. */
function rowControl(i, k, label, el) {
  el.dataset.k = k;
  el.setAttribute("aria-label", `Layer ${i + 1} ${label}`);
  return h("label", { className: "opt" }, h("span", { textContent: OPTION_NAMES[k] ?? label }), el);
}
const OPTION_NAMES = {
  units: "units",
  activation: "activation",
  filters: "filters",
  kernelSize: "kernel",
  strides: "strides",
  padding: "padding",
  poolSize: "pool",
  from: "+ layer",
};
function numberControl(i, k, label, value, min, max) {
  const el = Object.assign(document.createElement("input"), { type: "number", min, max, step: 1, value, className: "short" });
  return rowControl(i, k, label, el);
}
function selectControl(i, k, label, options, value) {
  const el = document.createElement("select");
  for (const o of options) el.append(new Option(o, o, false, o === value));
  return rowControl(i, k, label, el);
}
/** The option controls of a row of `layer.type`. */
function layerOptions(layer, i) {
  switch (layer.type) {
    case "dense":
      return [numberControl(i, "units", "units", layer.units, 1, 4096), selectControl(i, "activation", "activation", ACTIVATIONS, layer.activation)];
    case "conv2d":
      return [
        numberControl(i, "filters", "filters", layer.filters, 1, 1024),
        numberControl(i, "kernelSize", "kernel size", layer.kernelSize, 1, 32),
        numberControl(i, "strides", "strides", layer.strides, 1, 16),
        selectControl(i, "padding", "padding", ["valid", "same"], layer.padding),
        selectControl(i, "activation", "activation", ["relu", "linear"], layer.activation),
      ];
    case "maxPooling2d":
      return [numberControl(i, "poolSize", "pool size", layer.poolSize, 1, 32)];
    case "activation":
      return [selectControl(i, "activation", "activation", ACTIVATIONS, layer.activation)];
    case "add":
      return [numberControl(i, "from", "adds the output of layer", layer.from, 1, Math.max(i, 1))];
    default:
      return [];
  }
}
function layerRow(layer, i, n) {
  const tr = document.createElement("tr");
  tr.dataset.type = layer.type;
  const idx = document.createElement("th");
  idx.textContent = String(i + 1);
  const type = document.createElement("select");
  type.setAttribute("aria-label", `Layer ${i + 1} type`);
  type.dataset.role = "type";
  for (const [t, name] of Object.entries(LAYER_TYPES)) type.append(new Option(name, t, false, t === layer.type));
  type.addEventListener("change", () => {
    const ls = readLayers(false);
    ls[i] = defaultRow(type.value);
    renderLayers(ls);
    $("preset").value = "custom";
  });
  const opts = h("span", { className: "layer-opts" }, ...layerOptions(layer, i));
  const shape = h("td", { className: "num layer-shape" });
  shape.dataset.label = "Output shape";
  const params = h("td", { className: "num layer-params" });
  params.dataset.label = "Params";
  const rm = document.createElement("button");
  Object.assign(rm, { type: "button", className: "icon", textContent: "Remove", disabled: n <= 1 });
  rm.setAttribute("aria-label", `Remove layer ${i + 1}`);
  rm.addEventListener("click", () => {
    const ls = readLayers(false);
    ls.splice(i, 1);
    renderLayers(ls);
    $("preset").value = "custom";
  });
  const cell = (c) => h("td", {}, c);
  tr.append(idx, cell(type), cell(opts), shape, params, cell(rm));
  return tr;
}
function renderLayers(layers) {
  const rows = layers.map((l) => ({ ...defaultRow(l.type ?? "dense"), ...l, type: l.type ?? "dense" }));
  $("layers").replaceChildren(...rows.map((l, i) => layerRow(l, i, rows.length)));
  refreshSummary();
}
function readLayers(validate = true) {
  const rows = [...$("layers").querySelectorAll("tr")];
  const layers = rows.map((r) => {
    const l = { type: r.querySelector('[data-role="type"]').value };
    for (const c of r.querySelectorAll("[data-k]")) l[c.dataset.k] = c.tagName === "SELECT" ? c.value : Number(c.value);
    return l;
  });
  if (validate) {
    const bad = (i, msg) => Object.assign(new Error(`layer ${i + 1}: ${msg}`), { field: "layers-error" });
    const whole = (i, l, k, what, lo, hi) => {
      if (!Number.isInteger(l[k]) || l[k] < lo || l[k] > hi) throw bad(i, `${what} must be a whole number from ${lo} to ${hi}`);
    };
    layers.forEach((l, i) => {
      if (l.type === "dense") whole(i, l, "units", "units", 1, 4096);
      if (l.type === "conv2d") {
        whole(i, l, "filters", "filters", 1, 1024);
        whole(i, l, "kernelSize", "kernel size", 1, 32);
        whole(i, l, "strides", "strides", 1, 16);
      }
      if (l.type === "maxPooling2d") whole(i, l, "poolSize", "pool size", 1, 32);
      if (l.type === "add" && i > 0) whole(i, l, "from", "'adds the output of layer'", 1, i);
      if (l.type === "add" && i === 0) throw bad(i, "Add needs an earlier layer to add");
      if (l.activation === "softmax" && i !== layers.length - 1) throw bad(i, "softmax only on the last layer");
    });
  }
  return layers;
}
/** The per-sample input shape typed in (`8, 8, 1`), or the data's flat rows when empty. */
function readInputShape(features) {
  const t = $("input-shape").value.trim();
  if (t === "") return [features];
  const dims = t
    .split(/[\s,×x]+/)
    .filter(Boolean)
    .map(Number);
  if (!dims.length || dims.some((d) => !Number.isInteger(d) || d < 1))
    throw Object.assign(new Error(`input shape '${t}': give whole numbers like 8, 8, 1`), { field: "layers-error" });
  const size = dims.reduce((a, b) => a * b, 1);
  if (features != null && size !== features)
    throw Object.assign(new Error(`input shape [${dims.join(", ")}] holds ${size} values; the data has ${features} features per row`), {
      field: "layers-error",
    });
  return dims;
}
let summarySeq = 0;
/** Each layer's output shape and parameter count, as Keras' `summary()` gives them (the worker builds the model). */
function refreshSummary() {
  const seq = ++summarySeq;
  const rows = [...$("layers").querySelectorAll("tr")];
  const show = (sums) =>
    rows.forEach((r, i) => {
      const s = sums?.[i];
      r.querySelector(".layer-shape").textContent = s ? `[${s.outputShape.join(", ")}]` : "–";
      r.querySelector(".layer-params").textContent = s ? s.params.toLocaleString("en-US") : "–";
    });
  const features = app.data?.features;
  if (!app.worker || features == null || app.imported) {
    show(null);
    $("total-params").textContent = "";
    return;
  }
  let spec;
  try {
    const layers = readLayers();
    spec = { layers, inputShape: readInputShape(features), seed: 0 };
    modelConfig(layers, spec.inputShape, 0);
  } catch (err) {
    show(null);
    $("total-params").textContent = "";
    if (err.field === "layers-error" || /layer/.test(err.message)) setError("layers-error", err.message);
    return;
  }
  app.worker
    .call("summarize", spec)
    .then((sum) => {
      if (seq !== summarySeq) return;
      setError("layers-error", null);
      show(
        rowSummaries(
          sum,
          spec.layers.some((l) => l.type === "add"),
          rows.length,
        ),
      );
      $("total-params").textContent = `Total params: ${sum.totalParams.toLocaleString("en-US")}`;
    })
    .catch((err) => {
      if (seq !== summarySeq) return;
      show(null);
      $("total-params").textContent = "";
      setError("layers-error", humanError(err.message));
    });
}
function applyPreset(name) {
  const p = PRESETS[name];
  if (!p) return;
  $("input-shape").value = p.inputShape ?? "";
  renderLayers(p.layers);
  $("epochs").value = p.epochs;
  const radio = document.querySelector(`input[name="source"][value="${p.source}"]`);
  if (!radio.checked) {
    radio.checked = true;
    showSourceOptions();
  }
  loadData("source");
}
function fitOutputToClasses() {
  if (!app.data || app.imported || !app.data.labelled) return;
  const rows = [...$("layers").querySelectorAll("tr")];
  const last = rows[rows.length - 1]?.querySelector('[data-k="units"]');
  if (last && Number(last.value) !== app.data.classes) last.value = app.data.classes;
  refreshSummary();
}

function ioText(d) {
  return `${d.dtype} ${JSON.stringify(d.shapeSignature?.length ? d.shapeSignature : d.shape)}`;
}
async function importTflite(file) {
  clearErrors("tflite-error", "tfjs-error");
  try {
    checkExtension(file, [".tflite"], "a .tflite model");
    const bytes = await readFile(file);
    const id = new Uint8Array(bytes, 4, 4);
    if (bytes.byteLength < 8 || String.fromCharCode(...id) !== "TFL3") throw new Error(`${file.name} is not a .tflite file (it has no TFL3 identifier)`);
    const info = await app.worker.call("importModel", { bytes, name: file.name }, null, [bytes]);
    await adoptImport(info, { bytes: new Uint8Array(await file.arrayBuffer()) });
    app.needData = true;
    updateQuantizeWait();
    status(`Imported ${info.name}: choose data for it.`);
    persist();
  } catch (err) {
    const kept = app.imported ? ` The model ${app.imported.name} is still loaded.` : app.trained ? " The trained model is still loaded." : "";
    setError("tflite-error", `${humanError(err.message, file.name)}${kept}`);
  } finally {
    $("tflite-file").value = "";
    updateButtons();
  }
}
/** A TF.js layers model: model.json and its weight files, picked together; the worker converts it to float32 .tflite and imports that. */
async function importTfjs(files) {
  clearErrors("tflite-error", "tfjs-error");
  const json = files.filter((f) => f.name.toLowerCase().endsWith(".json"));
  try {
    if (json.length !== 1) {
      throw new Error(
        json.length
          ? `pick one model.json, not ${json.length} (${json.map((f) => f.name).join(", ")})`
          : "pick the model's model.json together with its .bin weight files",
      );
    }
    const shards = {};
    for (const f of files) {
      if (f === json[0]) continue;
      checkExtension(f, [".bin"], "a TF.js weight file");
      shards[f.name] = new Uint8Array(await readFile(f));
    }
    const text = await json[0].text();
    const info = await app.worker.call("importTfjs", { json: text, files: shards, name: json[0].name });
    await adoptImport(info, { bytes: info.bytes });
    app.needData = true;
    updateQuantizeWait();
    status(`Imported ${info.name} (TF.js, as float32 .tflite): choose data for it.`);
    persist();
  } catch (err) {
    const kept = app.imported ? ` The model ${app.imported.name} is still loaded.` : app.trained ? " The trained model is still loaded." : "";
    setError("tfjs-error", `${humanError(err.message, json[0]?.name ?? "model.json")}${kept}`);
  } finally {
    $("tfjs-files").value = "";
    updateButtons();
  }
}
/** Shows an imported model (after an import or a restore). */
async function adoptImport(info, { bytes }) {
  app.imported = { ...info, bytes };
  app.trained = false;
  resetResults();
  const outs = info.outputs.map((o, k) => `${ioText(o)} (${info.outputKinds[k]})`).join(", ");
  $("imported-text").textContent =
    `Imported ${info.name} (${formatBytes(info.size)}): input ${ioText(info.inputs[0])}, output ${outs} — ${plural(info.features, "feature")} per row. Training is skipped; quantize it with data you choose below.`;
  $("imported").hidden = false;
  $("builder").hidden = true;
  $("preset-field").hidden = true;
  $("train").classList.add("skipped");
  $("train-text").textContent = "Skipped: an imported model is already trained.";
  $("in-dim").textContent = String(info.features);
  showGraph([{ key: "", label: `${info.name} (imported)` }]);
  checkDataFit();
}
async function clearImport() {
  await app.worker.call("clearImport");
  app.imported = null;
  app.needData = false;
  resetResults();
  $("imported").hidden = true;
  $("builder").hidden = false;
  $("preset-field").hidden = false;
  $("train").classList.remove("skipped");
  $("train-text").textContent = "Not trained yet.";
  $("graph-section").hidden = true;
  fitOutputToClasses();
  checkDataFit();
  updateQuantizeWait();
  updateButtons();
  persist();
}
/** The input range the model expects: typed in for an imported model, the training data's for a trained one. */
function expectedRange() {
  if (app.imported) {
    const [a, b] = [$("expect-min").value.trim(), $("expect-max").value.trim()];
    if (a === "" || b === "") return null;
    const [min, max] = [Number(a), Number(b)];
    if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) return null;
    return { min, max, from: "you entered" };
  }
  if (app.trained && app.training?.range) return { ...app.training.range, from: `the training data (${app.training.dataName})` };
  return null;
}
function checkExpected() {
  const [a, b] = [$("expect-min").value.trim(), $("expect-max").value.trim()];
  if (a !== "" && b !== "" && !(Number(b) > Number(a))) setError("expect-error", "max must be greater than min");
  else clearErrors("expect-error");
  renderCalibData();
  persist();
}

// ---------- Data ----------
function source() {
  return document.querySelector('input[name="source"]:checked').value;
}
function showSourceOptions() {
  const s = source();
  for (const el of document.querySelectorAll(".source-opts")) el.hidden = el.dataset.source !== s;
}
async function takeUpload(input, slot, exts, what, errId) {
  const file = input.files?.[0];
  if (!file) return false;
  clearErrors(errId);
  try {
    checkExtension(file, exts, what);
    app.uploads[slot] = { name: file.name, bytes: await readFile(file) };
    return true;
  } catch (err) {
    setError(errId, keptNote(err.message));
    input.value = "";
    return false;
  }
}
function keptNote(msg) {
  return app.data ? `${msg} — still using the previous data: ${app.data.name}.` : msg;
}
function csvLabelled() {
  return !$("csv-nolabel").checked;
}
function dataArgs() {
  const s = source();
  const testFraction = intIn("test-pct", 0, 90, "Test split") / 100;
  const splitSeed = intIn("split-seed", 0, 2 ** 31, "Split seed");
  const base = { source: s, testFraction, splitSeed };
  if (s === "random") {
    return {
      ...base,
      rows: intIn("rnd-rows", 2, 100000, "Rows"),
      features: intIn("rnd-features", 1, 4096, "Features"),
      classes: intIn("rnd-classes", 1, 1000, "Classes"),
      seed: intIn("rnd-seed", 0, 2 ** 31, "Seed"),
    };
  }
  if (s === "digits") return base;
  if (s === "npy") {
    const { npyX, npyY } = app.uploads;
    if (!npyX) return null;
    return { ...base, x: npyX.bytes.slice(0), y: npyY ? npyY.bytes.slice(0) : null, xName: npyX.name, yName: npyY?.name };
  }
  const { csv } = app.uploads;
  if (!csv) return null;
  const hdr = $("csv-header").value;
  const label = $("csv-label").value.trim();
  return {
    ...base,
    bytes: csv.bytes.slice(0),
    name: csv.name,
    label: label || undefined,
    header: hdr === "auto" ? undefined : hdr === "yes",
    labelled: csvLabelled(),
  };
}
/** Where a data error is shown: the control that caused it. */
function dataErrorField(trigger, raw) {
  const msg = raw.replace(/^(invalid argument|converter|unsupported): /, "");
  if (trigger === "split") return "split-error";
  if (/label column|no column named|has no header row/.test(msg) && source() === "csv") return "csv-label-error";
  if (source() === "npy") {
    if (/^features \.npy/.test(msg)) return "npy-x-error";
    if (/^labels \.npy|label .* at row|rows but the labels/.test(msg)) return "npy-y-error";
    return trigger === "npy-y" ? "npy-y-error" : "npy-x-error";
  }
  if (source() === "csv") return "csv-file-error";
  return trigger === "source" ? "split-error" : "split-error";
}
const DATA_ERRORS = ["split-error", "npy-x-error", "npy-y-error", "csv-file-error", "csv-label-error"];
let dataSeq = 0;
async function loadData(trigger) {
  const seq = ++dataSeq;
  clearErrors(...DATA_ERRORS);
  let args;
  try {
    args = dataArgs();
  } catch (err) {
    setError(["test-pct", "split-seed"].includes(err.field) ? "split-error" : "split-error", err.message);
    return;
  }
  $("npy-y-clear").hidden = !app.uploads.npyY;
  if (!args) {
    // A file source without its file: the data chosen before is not what the user wants now.
    app.data = null;
    dataChanged();
    $("data-summary").textContent = source() === "npy" ? "Choose a features .npy file (labels are optional)." : "Choose a .csv file.";
    delete $("data-summary").dataset.rows;
    updateSplitFields();
    checkDataFit();
    updateQuantizeWait();
    updateButtons();
    return;
  }
  status("Loading data…");
  try {
    const transfer = [args.x, args.y, args.bytes].filter(Boolean);
    const d = await app.worker.call("loadData", args, null, transfer);
    if (seq !== dataSeq) return;
    app.data = d;
    $("data-summary").textContent = `Loaded: ${describe(d)}.`;
    $("data-summary").dataset.rows = String(d.rows);
    $("data-summary").dataset.features = String(d.features);
    $("data-summary").dataset.labelled = d.labelled ? "1" : "0";
    if (!app.imported) $("in-dim").textContent = String(d.features);
    fitOutputToClasses();
    if (!app.imported && !app.restoring) {
      app.trained = false;
      $("train-text").textContent = "Not trained yet.";
    }
    if (app.imported && !app.restoring && trigger !== "initial") app.needData = false;
    updateSplitFields();
    checkDataFit();
    updateQuantizeWait();
    status("Data loaded.");
    if (!app.restoring) dataChanged();
    persist();
  } catch (err) {
    if (seq !== dataSeq) return;
    setError(dataErrorField(trigger, err.message), keptNote(humanError(err.message)));
    status("Could not load the data.");
  }
  updateButtons();
}
function describe(d) {
  const names = d.classNames?.length ? ` (${d.classNames.slice(0, 4).join(", ")}${d.classNames.length > 4 ? ", …" : ""})` : "";
  const shape = d.sampleShape?.length > 1 ? ` (each sample ${JSON.stringify(d.sampleShape)} is flattened to ${d.features} features)` : "";
  const rows = d.labelled ? `${d.trainRows} training + ${d.testRows} test rows` : plural(d.rows, "row");
  const labels = d.labelled
    ? `${plural(d.classes, "class", "classes")}${names}`
    : "no labels (representative data only: calibration and agreement with float, no accuracy)";
  return `${d.name} — ${rows}, ${plural(d.features, "feature")}${shape}, ${labels}; values in ${rangeText(d.range)}`;
}
/** The test split only means something for labelled data (as chosen now, or as loaded). */
function updateSplitFields() {
  const s = source();
  const unlabelled = s === "csv" ? $("csv-nolabel").checked : s === "npy" ? !app.uploads.npyY : false;
  $("split-fields").hidden = unlabelled;
}
/** The data and the model must agree on the features per row; say so next to the data. */
function checkDataFit() {
  const f = modelFeatures();
  if (app.data && f && app.data.features !== f) {
    const who = app.imported ? app.imported.name : "the trained model";
    setError(
      "data-fit",
      `This data has ${plural(app.data.features, "feature")} per row, but ${who} takes ${f}: choose data with ${plural(f, "feature")} per row for it.`,
    );
  } else {
    clearErrors("data-fit");
  }
}

// ---------- Train ----------
function drawCurves(h, epochs) {
  mountChart($("loss-chart"), (width) =>
    lineChart({
      series: [
        { name: "train", values: h.loss, cls: "s-train" },
        { name: "test", values: h.valLoss, cls: "s-test" },
      ],
      xLabel: "epoch",
      yLabel: "loss",
      xMax: epochs,
      title: "Loss per epoch",
      width,
    }),
  );
  mountChart($("acc-chart"), (width) =>
    lineChart({
      series: [
        { name: "train", values: h.accuracy, cls: "s-train" },
        { name: "test", values: h.valAccuracy, cls: "s-test" },
      ],
      xLabel: "epoch",
      yLabel: "accuracy",
      yMin: 0,
      yMax: 1,
      xMax: epochs,
      title: "Accuracy per epoch",
      width,
    }),
  );
}
async function train() {
  clearErrors("train-error", "layers-error");
  let cfg;
  try {
    const layers = readLayers();
    const inputShape = readInputShape(app.data?.features);
    const lr = numVal("lr");
    if (!(lr > 0 && lr <= 10)) throw Object.assign(new Error("learning rate must be in (0, 10]"), { field: "train-error" });
    cfg = {
      layers,
      inputShape,
      seed: intIn("init-seed", 0, 2 ** 31, "Init seed"),
      optimizer: { type: $("optimizer").value, learningRate: lr },
      epochs: intIn("epochs", 1, 10000, "Epochs"),
      batchSize: intIn("batch", 1, 100000, "Batch size"),
      shuffleSeed: intIn("shuffle-seed", 0, 2 ** 31, "Shuffle seed"),
    };
  } catch (err) {
    setError(err.field === "layers-error" ? "layers-error" : "train-error", err.message);
    return;
  }
  app.busy = true;
  const dropped = app.variants.length;
  resetResults();
  updateButtons();
  const section = $("train");
  section.dataset.state = "running";
  $("cancel-btn").disabled = false;
  $("train-progress").max = cfg.epochs;
  $("train-progress").value = 0;
  $("train-text").textContent = "Starting…";
  const hist = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
  drawCurves(hist, cfg.epochs);
  status("Training…");
  try {
    // Epochs can arrive every millisecond: redraw at most once per frame.
    let frame = 0;
    const r = await app.worker.call("train", cfg, (p) => {
      hist.loss.push(p.loss);
      hist.accuracy.push(p.accuracy);
      hist.valLoss.push(p.valLoss);
      hist.valAccuracy.push(p.valAccuracy);
      $("train-progress").value = p.epoch;
      section.dataset.epoch = String(p.epoch);
      $("train-text").textContent = `Epoch ${p.epoch}/${p.epochs} · loss ${fmt(p.loss, 4)} · accuracy ${pct(p.accuracy)} · test accuracy ${pct(p.valAccuracy)}`;
      frame ||= requestAnimationFrame(() => {
        frame = 0;
        drawCurves(hist, cfg.epochs);
      });
    });
    cancelAnimationFrame(frame);
    app.trained = true;
    app.history = r.history;
    app.training = { ...cfg, features: app.data.features, range: app.data.range, dataName: app.data.name };
    drawCurves(r.history, cfg.epochs);
    const last = r.history.valAccuracy.at(-1);
    const test = Number.isFinite(last) ? ` · final test accuracy ${pct(last)}` : " · no test set";
    $("train-text").textContent = r.cancelled
      ? `Cancelled after ${r.epochsRun} of ${plural(cfg.epochs, "epoch")} (${(r.ms / 1000).toFixed(1)} s); the model keeps those weights${test}`
      : `Done: ${plural(r.epochsRun, "epoch")} in ${(r.ms / 1000).toFixed(1)} s${test}`;
    section.dataset.state = r.cancelled ? "cancelled" : "done";
    status(`${r.cancelled ? "Training cancelled" : "Trained"}.${dropped ? ` The ${plural(dropped, "file")} of the previous model were cleared.` : ""}`);
    checkDataFit();
    persist();
  } catch (err) {
    section.dataset.state = "error";
    setError(/layer|units|softmax|shape|kernel/i.test(err.message) ? "layers-error" : "train-error", humanError(err.message));
    status("Training failed.");
  } finally {
    app.busy = false;
    $("cancel-btn").disabled = true;
    updateButtons();
  }
}

// ---------- Quantize ----------
/** Clears every result of the previous model (variants belong to the model that made them). */
function resetResults() {
  for (const v of app.variants) URL.revokeObjectURL(v.url);
  app.variants = [];
  app.report = null;
  app.comparison = null;
  app.calibration = null;
  app.debug = null;
  $("debug-table").hidden = true;
  $("debug-csv").hidden = true;
  $("debug-text").textContent = "";
  compareSeq++; // answers to earlier comparisons are about the old files
  $("compare-empty").textContent = "Every file written in this session, next to float32, run in litequant's interpreter.";
  $("zip-text").textContent = "";
  $("inspect-body").hidden = true;
  $("inspect-empty").hidden = false;
  $("compare-table").hidden = true;
  $("compare-empty").hidden = false;
  $("compare-note").hidden = true;
  $("compare-sentence").hidden = true;
  $("try-table").hidden = true;
  $("calib-data").hidden = true;
  $("range-warning").hidden = true;
  renderDownloads();
  delete $("quantize").dataset.done;
  delete $("compare").dataset.done;
  $("quant-text").textContent = "";
  $("quant-progress").value = 0;
}
/**
 * New data: the files stay (they belong to the model), their comparison is redone on the
 * new data when it fits the model, else hidden.
 */
function dataChanged() {
  app.comparison = null;
  $("compare-table").hidden = true;
  $("compare-note").hidden = true;
  $("compare-sentence").hidden = true;
  $("compare-empty").hidden = false;
  delete $("compare").dataset.done;
  if (app.variants.length && app.data && app.data.features === modelFeatures()) {
    runCompare().catch((err) => setError("compare-error", humanError(err.message)));
  }
}
/** After an import, Quantize waits until the user has chosen data for the model. */
function updateQuantizeWait() {
  const el = $("quantize-wait");
  el.replaceChildren();
  let msg = null;
  const f = modelFeatures();
  if (app.imported && app.needData) {
    msg = `Quantize waits for data: choose the representative data ${app.imported.name} should be calibrated on in 2 Data (${plural(f, "feature")} per row).`;
    if (app.data && app.data.features === f) {
      const use = h("button", { type: "button", className: "secondary small-btn", id: "use-loaded" }, `Use the loaded data (${app.data.name})`);
      use.addEventListener("click", () => {
        app.needData = false;
        updateQuantizeWait();
        updateButtons();
        persist();
      });
      el.append(msg, " ", use);
      el.hidden = false;
      return;
    }
  } else if (app.data && f && app.data.features !== f) {
    msg = `Quantize waits for data with ${plural(f, "feature")} per row (see 2 Data).`;
  } else if (!app.data && (app.imported || app.trained)) {
    msg = "Quantize waits for data: choose it in 2 Data.";
  }
  el.textContent = msg ?? "";
  el.hidden = !msg;
}
/** How far apart the calibration data's range and the model's expected input range are. */
function rangeMismatch(data, expected) {
  const span = expected.max - expected.min;
  const overlap = Math.min(data.max, expected.max) - Math.max(data.min, expected.min);
  const covers = Math.max(0, overlap) / span;
  const beyond = (Math.max(0, expected.min - data.min) + Math.max(0, data.max - expected.max)) / span;
  return covers < 0.5 || beyond > 0.5 ? { covers, beyond } : null;
}
function renderCalibData() {
  const c = app.calibration;
  const el = $("calib-data");
  if (!c) {
    el.hidden = true;
    $("range-warning").hidden = true;
    return;
  }
  const exp = expectedRange();
  const expText = exp
    ? `the model expects ${rangeText(exp)} (${exp.from})`
    : app.imported
      ? "the file does not record the input range it expects (enter it under 1 Model to check)"
      : "";
  el.textContent = `Calibrated on ${c.name}: ${plural(c.rows, "row")} (the first ${c.rows} of ${c.ofRows}), values in ${rangeText(c)}${expText ? `; ${expText}` : ""}.`;
  el.hidden = false;
  const mis = exp && rangeMismatch(c, exp);
  const warn = $("range-warning");
  if (mis) {
    warn.textContent = `Warning: the calibration data's range ${rangeText(c)} differs a lot from the input range ${rangeText(exp)} — it covers ${pct(mis.covers, 0)} of it${mis.beyond > 0 ? ` and reaches ${pct(mis.beyond, 0)} of its width beyond it` : ""}. The int8 scales are set from the calibration data: inputs outside it will be clipped. Calibrate on data like the model's real inputs.`;
    warn.hidden = false;
  } else warn.hidden = true;
}
/** Each calibration method's range for a tensor: clipped share and expected int8 error. */
function methodTable(t) {
  const table = h("table", { className: "method-table small" });
  table.append(h("caption", { textContent: "Calibration methods (ranges from the calibration histogram)" }), h("thead", {}));
  const head = document.createElement("tr");
  for (const c of ["method", "range", "clipped", "RMS error"]) head.append(h("th", { textContent: c }));
  table.tHead.append(head);
  const body = document.createElement("tbody");
  for (const m of t.methods) {
    const tr = document.createElement("tr");
    tr.dataset.method = m.method;
    if (m.min === t.min && m.max === t.max) tr.className = "chosen";
    for (const v of [m.method, `[${fmt(m.min, 4)}, ${fmt(m.max, 4)}]`, `${(100 * m.clippedFraction).toFixed(3)} %`, fmt(Math.sqrt(m.expectedMse), 3)]) {
      tr.append(h("td", { textContent: v }));
    }
    body.append(tr);
  }
  table.append(body);
  return table;
}

async function quantize() {
  clearErrors("quantize-error", "compare-error", "calib-error");
  let args;
  try {
    args = {
      modes: { int8: $("mode-int8").checked, float16: $("mode-f16").checked, dynamic: $("mode-dyn").checked },
      io: $("io-type").value,
      method: $("calib-method").value,
      calibRows: intIn("calib-rows", 1, 100000, "Calibration samples"),
    };
  } catch (err) {
    setError("calib-error", err.message);
    return;
  }
  app.busy = true;
  compareSeq++; // a comparison still running is for the files before this one
  updateButtons();
  status("Quantizing…");
  let wrote = null;
  try {
    const r = await app.worker.call("quantize", args, (p) => {
      $("quant-progress").max = p.total;
      $("quant-progress").value = p.done;
      $("quant-text").textContent = p.phase === "calibrating" ? `Calibrating: ${p.done} / ${p.total} sample runs` : `Writing ${p.phase}…`;
    });
    wrote = r.files;
    addVariants(r.files);
    if (r.report) app.report = r.report;
    if (r.files.some((f) => f.mode === "int8")) app.calibration = r.calibration;
    $("quant-progress").max = 1;
    $("quant-progress").value = 1;
    const cal = r.files.some((f) => f.mode === "int8")
      ? ` Calibrated on ${r.calibration.name}: ${plural(r.calibration.rows, "row")}, values in ${rangeText(r.calibration)}.`
      : "";
    $("quant-text").textContent = `Wrote ${r.files.map((f) => `${f.label} (${formatBytes(f.size)})`).join(", ")}.${cal}`;
    $("quantize").dataset.done = "1";
    renderCalibData();
    if (app.report) renderInspect(app.report);
    renderDownloads();
    showGraph(app.variants);
    await runCompare();
    status("Done.");
  } catch (err) {
    setError(wrote ? "compare-error" : "quantize-error", humanError(err.message));
    status(wrote ? "The files were written; comparing them failed." : "Quantization failed.");
  } finally {
    app.busy = false;
    $("quantize").dataset.runs = String(Number($("quantize").dataset.runs ?? 0) + 1);
    updateButtons();
    persist();
  }
}
function addVariants(files) {
  for (const f of files) {
    const v = { ...f, ioDetails: f.io, io: f.ioType ?? f.io, url: URL.createObjectURL(new Blob([f.bytes], { type: "application/octet-stream" })) };
    const i = app.variants.findIndex((o) => o.key === v.key);
    if (i >= 0) {
      URL.revokeObjectURL(app.variants[i].url);
      app.variants[i] = v;
    } else app.variants.push(v);
  }
}
async function removeVariant(key) {
  const v = app.variants.find((o) => o.key === key);
  if (!v) return;
  try {
    await app.worker.call("removeVariant", { key });
  } catch (err) {
    setError("compare-error", humanError(err.message));
    return;
  }
  URL.revokeObjectURL(v.url);
  app.variants = app.variants.filter((o) => o.key !== key);
  if (app.comparison) app.comparison.rows = app.comparison.rows.filter((r) => r.key !== key);
  if (app.comparison) renderCompare(app.comparison);
  renderDownloads();
  showGraph(app.variants);
  status(`Removed ${v.filename}.`);
  persist();
}

// ---------- Quantization debugger (Inspect) ----------
async function runDebugger() {
  clearErrors("debug-error");
  let calibRows;
  try {
    calibRows = intIn("calib-rows", 1, 100000, "Calibration samples");
  } catch (err) {
    setError("debug-error", err.message);
    return;
  }
  app.busy = true;
  updateButtons();
  $("debug-text").textContent = "Running the debugger…";
  try {
    const r = await app.worker.call("debug", { calibRows });
    app.debug = r;
    renderDebugger(r);
    $("debug-text").textContent = `${plural(r.layers.length, "int8 layer")} compared with float on ${r.what} (${plural(r.samples, "row")}).`;
  } catch (err) {
    setError("debug-error", humanError(err.message));
    $("debug-text").textContent = "";
  } finally {
    app.busy = false;
    updateButtons();
  }
}
function renderDebugger(r) {
  // Worst first; the worst layer is ticked as the suggestion.
  const layers = [...r.layers].sort((a, b) => b.meanSquaredError - a.meanSquaredError);
  const body = $("debug-table").querySelector("tbody");
  body.replaceChildren(
    ...layers.map((l, i) => {
      const tr = document.createElement("tr");
      tr.dataset.node = l.tensorName;
      tr.dataset.mse = String(l.meanSquaredError);
      const box = h("input", { type: "checkbox", checked: i === 0, title: `Keep ${l.tensorName} in float` });
      box.setAttribute("aria-label", `Keep ${l.tensorName} in float`);
      box.addEventListener("change", updateButtons);
      const keep = td("");
      keep.append(box);
      if (i === 0) keep.append(" ", h("span", { className: "badge", textContent: "suggested" }));
      tr.append(
        keep,
        td(l.opName),
        td(l.tensorName, "mono"),
        td(fmt(l.meanSquaredError, 3), "num"),
        td(fmt(l.maxAbsError, 3), "num"),
        td(fmt(l.meanError, 3), "num"),
        td(fmt(l.stddev, 3), "num"),
        td(l.sqnr === null ? "∞" : l.sqnr.toFixed(1), "num"),
        td(fmt(l.scale, 4), "num"),
        td(String(l.zeroPoint), "num"),
      );
      return tr;
    }),
  );
  $("debug-table").hidden = false;
  const csv = $("debug-csv");
  if (csv.href) URL.revokeObjectURL(csv.href);
  csv.href = URL.createObjectURL(new Blob([r.csv], { type: "text/csv" }));
  csv.hidden = false;
}
function tickedNodes() {
  return [...$("debug-table").querySelectorAll("tbody tr")].filter((tr) => tr.querySelector("input").checked).map((tr) => tr.dataset.node);
}
async function keepFloat() {
  clearErrors("debug-error", "compare-error");
  const nodes = tickedNodes();
  let calibRows;
  try {
    calibRows = intIn("calib-rows", 1, 100000, "Calibration samples");
  } catch (err) {
    setError("debug-error", err.message);
    return;
  }
  app.busy = true;
  compareSeq++;
  updateButtons();
  status(`Converting with ${plural(nodes.length, "layer")} in float…`);
  try {
    const r = await app.worker.call("keepFloat", { nodes, io: $("io-type").value, calibRows });
    addVariants(r.files);
    $("debug-text").textContent = `Wrote ${r.files.map((f) => `${f.label} (${formatBytes(f.size)})`).join(", ")}: see Compare.`;
    renderDownloads();
    showGraph(app.variants);
    await runCompare();
    $("debug-keep").dataset.done = String(Number($("debug-keep").dataset.done ?? 0) + 1);
    status("Done.");
  } catch (err) {
    setError("debug-error", humanError(err.message));
    status("Re-converting failed.");
  } finally {
    app.busy = false;
    updateButtons();
    persist();
  }
}

// ---------- Inspect ----------
function fixedRange(t) {
  const f = FIXED_RANGE[t.producer];
  if (!f) return null;
  const [s, z] = f;
  return Math.abs(t.scale - s) <= s * 1e-6 && t.zeroPoint === z ? { op: t.producer, scale: s, zeroPoint: z } : null;
}
function renderInspect(rep) {
  $("inspect-empty").hidden = true;
  $("inspect-body").hidden = false;
  const evalText =
    rep.evaluationSet === "evaluation"
      ? (rep.evaluationWhat ?? `the test set (${rep.evaluationSamples} samples)`)
      : `the ${rep.calibrationSamples} calibration samples themselves`;
  $("err-set").textContent = evalText;
  $("inspect-source").textContent =
    `Calibrated on ${rep.calibrationName ?? "the representative data"} (${plural(rep.calibrationSamples, "sample")}). Errors and clip counts are measured on ${evalText}.`;
  $("hist-caption").textContent =
    `Bars: the values each tensor took on the ${plural(rep.calibrationSamples, "calibration sample")} (log scale). Dashed lines: calibrated min / max. Shaded: values the int8 grid cannot represent. "clipped" counts values of ${evalText} outside the grid. Ticks under the axis: int8 codes.`;
  const body = $("layer-table").querySelector("tbody");
  body.replaceChildren(
    ...rep.layers.map((l, i) => {
      const tr = document.createElement("tr");
      if (i === rep.worstLayer) {
        tr.className = "worst";
        tr.title = "Lowest SQNR: the layer the int8 model is least faithful at";
      }
      const sq = l.sqnrDb === null ? "∞ (exact)" : l.sqnrDb.toFixed(1);
      const kind = td(l.kind);
      if (i === rep.worstLayer) kind.append(h("span", { className: "badge", textContent: "worst" }));
      tr.append(td(String(l.op)), kind, td(l.name, "mono"), td(sq, "num"), td(fmt(l.maxAbsError, 3), "num"), td(fmt(l.meanAbsError, 3), "num"));
      return tr;
    }),
  );
  $("tensor-cards").replaceChildren(
    ...rep.tensors.map((t) => {
      const card = document.createElement("figure");
      card.className = "tensor-card";
      card.dataset.tensor = String(t.index);
      const cap = document.createElement("figcaption");
      const title = h("strong", { className: "mono", textContent: t.name });
      const role = h("span", { className: `badge role-${t.role}`, textContent: t.producer ? `${t.role} · ${t.producer}` : t.role });
      cap.append(title, " ", role);
      const dl = document.createElement("dl");
      const clipped = t.clippedBelow + t.clippedAbove;
      const fixed = fixedRange(t);
      const clipText = t.values ? `${clipped} of ${t.values} values (${((100 * clipped) / t.values).toFixed(2)} %)` : "–";
      const facts = [
        ["range", `[${fmt(t.min, 4)}, ${fmt(t.max, 4)}]`],
        ["scale", fmt(t.scale, 4)],
        ["zero point", String(t.zeroPoint)],
        ["int8 covers", `[${fmt(t.gridMin, 4)}, ${fmt(t.gridMax, 4)}]`],
        [fixed ? "saturated" : "clipped", clipText],
        ["shape", JSON.stringify(t.shape)],
      ];
      for (const [k, v] of facts) dl.append(h("dt", { textContent: k }), h("dd", { textContent: v }));
      const chart = h("div", { className: "chart-slot" });
      card.append(cap, chart, dl);
      if (t.methods?.length) card.append(methodTable(t));
      if (fixed) {
        card.dataset.fixed = "1";
        card.append(
          h("p", {
            className: "fixed-note small",
            textContent: `Fixed range: TFLite sets a ${fixed.op} output's int8 parameters itself (scale 1/${Math.round(1 / fixed.scale)}, zero point ${fixed.zeroPoint}), whatever the calibration saw; values at the top of [0, 1] saturate at code 127 by design, so this is not a calibration problem.`,
          }),
        );
      }
      queueMicrotask(() => mountChart(chart, (width) => histogramChart(t, { width })));
      return card;
    }),
  );
  $("weight-cards").replaceChildren(
    ...rep.weights.map((w) => {
      const card = document.createElement("figure");
      card.className = "weight-card";
      const maxI = w.scales.indexOf(Math.max(...w.scales));
      const cap = document.createElement("figcaption");
      const title = h("strong", { className: "mono", textContent: w.name });
      cap.append(
        title,
        ` — op ${w.op}, shape ${JSON.stringify(w.shape)}, ${plural(w.scales.length, "channel")}; weight SQNR ${w.sqnrDb === null ? "∞" : w.sqnrDb.toFixed(1)} dB; largest scale: channel ${maxI} (${fmt(w.scales[maxI], 4)})`,
      );
      const chart = h("div", { className: "chart-slot" });
      card.append(cap, chart);
      queueMicrotask(() =>
        mountChart(chart, (width) =>
          barChart({ values: w.scales, xLabel: "output channel", yLabel: "scale", highlight: maxI, title: `Per-channel weight scales of ${w.name}`, width }),
        ),
      );
      return card;
    }),
  );
}

// ---------- Graph ----------
function showGraph(files) {
  const sel = $("graph-file");
  const prev = sel.value;
  const opts = files.map((f) => new Option(f.label ? `${f.label}${f.filename ? ` — ${f.filename}` : ""}` : f.filename, f.key));
  sel.replaceChildren(...opts);
  if (opts.some((o) => o.value === prev)) sel.value = prev;
  $("graph-section").hidden = !opts.length;
  if (opts.length) drawGraph();
}
async function drawGraph() {
  try {
    const g = await app.worker.call("describe", { key: $("graph-file").value || null });
    renderGraph($("graph-view"), g, (text) => ($("graph-tip").textContent = text));
  } catch (err) {
    $("graph-view").textContent = humanError(err.message);
  }
}

// ---------- Compare ----------
/** Compares every file on the current data; only the latest request's answer is shown. */
async function runCompare() {
  if (!app.variants.length || !app.data) return;
  const seq = ++compareSeq;
  clearErrors("compare-error");
  status("Comparing…");
  const calibration = app.calibration ? { name: app.calibration.name, rows: app.calibration.rows } : null;
  const cmp = await app.worker.call("compare", { calibration }, (p) => {
    if (seq === compareSeq) $("compare-empty").textContent = `Evaluating ${p.label}…`;
  });
  if (seq !== compareSeq) return;
  app.comparison = cmp;
  renderCompare(cmp);
  if (!app.busy) status("Compared.");
}
function outputCell(outputs, get, fmtv, label) {
  const vals = outputs.map((o) => [o, get(o)]);
  const c = td("", "num", label);
  if (outputs.length === 1) c.textContent = fmtv(vals[0][1], vals[0][0]);
  else c.append(...vals.flatMap(([o, v], i) => [i ? h("br") : null, `${o.name}: ${fmtv(v, o)}`].filter(Boolean)));
  return c;
}
function renderCompare(cmp) {
  const rows = cmp.rows;
  const float = rows.find((r) => r.key === "float32");
  const kinds = float ? float.outputs.map((o) => o.kind) : (rows[0]?.outputs.map((o) => o.kind) ?? []);
  const cls = kinds.includes("classification");
  const reg = kinds.includes("regression");
  const acc = cls && cmp.evaluation.labelled;
  const cols = [
    ["File", ""],
    ["Calibrated on", ""],
  ];
  if (acc) cols.push(["Accuracy", "num"]);
  if (cls) cols.push(["Agreement with float32", "num"]);
  if (reg) cols.push(["MAE vs float32", "num"], ["RMSE", "num"], ["Max |error|", "num"], ["SQNR (dB)", "num"]);
  cols.push(["Size", "num"], ["vs float32", "num"], ["Latency / sample", "num"]);
  $("compare-table")
    .querySelector("thead")
    .replaceChildren(h("tr", {}, ...cols.map(([c, k]) => h("th", { scope: "col", className: k, textContent: c }))));
  const regOnly = (o) => o.kind === "regression";
  const body = $("compare-table").querySelector("tbody");
  body.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement("tr");
      tr.dataset.model = r.mode;
      tr.dataset.key = r.key;
      if (r.method) tr.dataset.method = r.method;
      const first = r.outputs.find((o) => o.kind === "classification");
      if (first?.accuracy !== null && first?.accuracy !== undefined) tr.dataset.accuracy = String(first.accuracy);
      const firstReg = r.outputs.find(regOnly);
      if (firstReg) {
        tr.dataset.mae = String(firstReg.mae);
        tr.dataset.sqnr = String(firstReg.sqnrDb);
      }
      const th = h(
        "th",
        { scope: "row" },
        h("span", { className: "file-label", textContent: r.label }),
        h("span", { className: "muted small block mono", textContent: r.filename }),
      );
      th.dataset.label = "File";
      if (r.key !== "float32") {
        const rm = h("button", { type: "button", className: "icon", textContent: "Remove" });
        rm.setAttribute("aria-label", `Remove ${r.filename}`);
        rm.addEventListener("click", () => removeVariant(r.key));
        th.append(" ", rm);
      }
      tr.append(th, td(r.calibration ? `${r.calibration.name}, ${plural(r.calibration.rows, "row")}` : "—", "", "Calibrated on"));
      const outs = r.outputs;
      const cOuts = outs.filter((o) => o.kind === "classification");
      if (acc) {
        tr.append(
          outputCell(
            cOuts,
            (o) => o.accuracy,
            (v, o) => {
              const f = float?.outputs[o.output];
              const d = f && r.key !== "float32" ? ` (${v >= f.accuracy ? "+" : ""}${(100 * (v - f.accuracy)).toFixed(1)})` : "";
              return `${pct(v)}${d}`;
            },
            "Accuracy",
          ),
        );
      }
      if (cls)
        tr.append(
          outputCell(
            cOuts,
            (o) => o.agreement,
            (v) => (r.key === "float32" ? "—" : pct(v)),
            "Agreement with float32",
          ),
        );
      if (reg) {
        const rOuts = outs.filter(regOnly);
        const dash = (f) => (v) => (r.key === "float32" ? "—" : f(v));
        tr.append(
          outputCell(
            rOuts,
            (o) => o.mae,
            dash((v) => num(v)),
            "MAE vs float32",
          ),
          outputCell(
            rOuts,
            (o) => o.rmse,
            dash((v) => num(v)),
            "RMSE",
          ),
          outputCell(
            rOuts,
            (o) => o.maxAbsError,
            dash((v) => num(v)),
            "Max |error|",
          ),
          outputCell(
            rOuts,
            (o) => o.sqnrDb,
            dash((v) => (v === null ? "∞ (exact)" : v.toFixed(1))),
            "SQNR (dB)",
          ),
        );
      }
      const lat = r.latency;
      Object.assign(tr.dataset, { latencyMedian: String(lat.median), latencyMin: String(lat.min), latencyMax: String(lat.max) });
      const latCell = td("", "num", "Latency / sample");
      latCell.append(us(lat.median), h("span", { className: "muted small block", textContent: `${us(lat.min)} – ${us(lat.max)}` }));
      tr.append(td(formatBytes(r.size), "num", "Size"), td(float ? `${((100 * r.size) / float.size).toFixed(0)} %` : "–", "num", "vs float32"), latCell);
      return tr;
    }),
  );
  $("compare-table").hidden = false;
  $("compare-empty").hidden = true;
  const metricText = [
    acc ? "accuracy against the labels" : null,
    cls ? "top-1 agreement with float32" : null,
    reg ? "MAE, RMSE, max |error| and SQNR of each output against float32's" : null,
  ]
    .filter(Boolean)
    .join("; ");
  const noLabels = cls && !cmp.evaluation.labelled ? " No labels: accuracy is not measured." : "";
  $("compare-note").textContent =
    `Measured on ${cmp.evaluation.what}: ${metricText}.${noLabels} Latency: one sample (batch 1), setTensor + invoke in this browser's WebAssembly on one thread; median of 7 timed runs of ≥ 20 ms each after 5 ms of warm-up calls, and the fastest – slowest run below it (the machine's other work shows there).`;
  $("compare-note").hidden = false;
  const dup = (r) => rows.filter((o) => o.label === r.label).length > 1;
  const sentence = compareSentences(
    rows.map((r) => ({
      label: dup(r) ? `${r.label} (${r.filename})` : r.label,
      size: r.size,
      accuracy: r.outputs.find((o) => o.kind === "classification")?.accuracy ?? NaN,
      agreement: r.key === "float32" ? NaN : (r.outputs.find((o) => o.kind === "classification")?.agreement ?? NaN),
    })),
  );
  $("compare-sentence").textContent = sentence;
  $("compare-sentence").hidden = !sentence;
  $("compare").dataset.done = "1";
}

// ---------- Try one sample ----------
function parseSample(text) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const vals = parts.map(Number);
  const bad = parts.findIndex((p, i) => !Number.isFinite(vals[i]));
  if (bad >= 0) throw new Error(`value ${bad + 1} ('${parts[bad]}') is not a number`);
  return Float32Array.from(vals);
}
async function sampleFromRow() {
  clearErrors("try-error");
  try {
    if (!app.data) throw new Error("load data first");
    const k = intIn("sample-row", 1, app.data.rows, "Row");
    const row = await app.worker.call("dataRow", { row: k - 1 });
    $("sample-text").value = Array.from(row, (v) => Number(v.toPrecision(7))).join(", ");
  } catch (err) {
    setError("try-error", err.message);
  }
}
async function sampleFromImage(file) {
  clearErrors("try-error");
  try {
    const f = modelFeatures();
    if (!f) throw new Error("train or import a model first");
    const shape = app.imported?.inputs[0].shape ?? [1, f];
    // [1, H, W, C] images, or a flat [1, F] input with F = side² (grey levels).
    let [hgt, wid, ch] = shape.length === 4 ? shape.slice(1) : [Math.sqrt(f), Math.sqrt(f), 1];
    if (!Number.isInteger(hgt)) throw new Error(`the model's input ${JSON.stringify(shape)} is not an image (and ${f} is not a square number of grey pixels)`);
    const bmp = await createImageBitmap(file);
    const canvas = new OffscreenCanvas(wid, hgt);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bmp, 0, 0, wid, hgt);
    const px = ctx.getImageData(0, 0, wid, hgt).data;
    const out = [];
    for (let i = 0; i < wid * hgt; i++) {
      if (ch === 1) out.push((px[4 * i] + px[4 * i + 1] + px[4 * i + 2]) / 3 / 255);
      else for (let c = 0; c < ch; c++) out.push(px[4 * i + c] / 255);
    }
    $("sample-text").value = out.map((v) => Number(v.toPrecision(5))).join(", ");
  } catch (err) {
    setError("try-error", humanError(err.message, file.name));
  } finally {
    $("sample-image").value = "";
  }
}
async function runSample() {
  clearErrors("try-error");
  try {
    const values = parseSample($("sample-text").value);
    const f = modelFeatures();
    if (values.length !== f) throw new Error(`the model takes ${plural(f, "value")} per sample, you gave ${values.length}`);
    app.sample = values;
    const res = await app.worker.call("runSample", { values });
    renderTry(res);
    renderDownloads();
    status("Sample run through every file.");
  } catch (err) {
    setError("try-error", humanError(err.message));
  }
}
function renderTry(res) {
  const table = $("try-table");
  const names = res[0]?.outputs ?? [];
  const classNames = app.data?.classNames ?? [];
  const head = h(
    "tr",
    {},
    h("th", { scope: "col", textContent: "File" }),
    ...names.map((o) => h("th", { scope: "col", textContent: `${o.name} (float values)` })),
    h("th", { scope: "col", textContent: "Raw output (the file's dtype)" }),
  );
  table.querySelector("thead").replaceChildren(head);
  table.querySelector("tbody").replaceChildren(
    ...res.map((r) => {
      const tr = h("tr");
      tr.dataset.key = r.key;
      tr.append(h("th", { scope: "row" }, r.label, h("span", { className: "muted small block mono", textContent: r.filename })));
      for (const o of r.outputs) {
        const best = o.values.length > 1 ? o.values.indexOf(Math.max(...o.values)) : -1;
        const cell = td(o.values.map((v) => num(v, 4)).join(", "), "mono small", `${o.name} (float values)`);
        if (best >= 0) cell.prepend(h("strong", { textContent: `argmax ${best}${classNames[best] ? ` (${classNames[best]})` : ""}: ` }));
        cell.dataset.values = JSON.stringify(o.values);
        tr.append(cell);
      }
      const raw = td(
        r.outputs.map((o) => (o.dtype === "float32" ? "float32 (the values)" : `${o.dtype} [${o.raw.join(", ")}]`)).join("; "),
        "mono small",
        "Raw output",
      );
      raw.dataset.raw = JSON.stringify(r.outputs.map((o) => o.raw));
      tr.append(raw);
      return tr;
    }),
  );
  table.hidden = false;
  $("try").dataset.done = "1";
}

// ---------- Download ----------
function reportJson() {
  return {
    producer: "litequant",
    createdAt: new Date().toISOString(),
    model: app.imported
      ? { imported: app.imported.name, inputs: app.imported.inputs, outputs: app.imported.outputs }
      : { layers: app.training?.layers, training: app.training },
    data: app.data,
    history: app.history,
    files: app.variants.map((f) => ({ label: f.label, filename: f.filename, bytes: f.size, calibration: f.calibration, io: f.ioDetails })),
    calibration: app.report,
    comparison: app.comparison,
  };
}
function labelsTxt() {
  const names = app.data?.classNames ?? [];
  return names.length ? `${names.join("\n")}\n` : null;
}
function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
/** Every file, labels.txt and the report in one zip (fflate, copied into pkg/ by the build). */
async function downloadAll() {
  let zipSync;
  try {
    ({ zipSync } = await import("../pkg/fflate.js"));
  } catch (err) {
    $("zip-text").textContent = ` could not load the zip writer (pkg/fflate.js — run npm run build): ${err.message}`;
    return;
  }
  const enc = new TextEncoder();
  const files = {};
  for (const v of app.variants) files[v.filename] = [v.bytes, { level: 0 }];
  const labels = labelsTxt();
  if (labels) files["labels.txt"] = enc.encode(labels);
  files["litequant_report.json"] = enc.encode(JSON.stringify(reportJson(), null, 2));
  const zip = zipSync(files, { level: 6 });
  saveBlob(new Blob([zip], { type: "application/zip" }), "litequant_models.zip");
  $("zip-text").textContent = ` ${plural(Object.keys(files).length, "file")}, ${formatBytes(zip.length)}`;
}
function ioTable(io) {
  const rows = [...io.inputs.map((d) => ["input", d]), ...io.outputs.map((d) => ["output", d])];
  const t = h("table", { className: "data io stack" });
  t.append(h("thead", {}, h("tr", {}, ...["", "Name", "dtype", "Shape", "Scale", "Zero point"].map((c) => h("th", { scope: "col", textContent: c })))));
  t.append(
    h(
      "tbody",
      {},
      ...rows.map(([role, d]) => {
        const q = d.dtype === "int8" || d.dtype === "uint8";
        const tr = h("tr");
        tr.dataset.role = role;
        tr.dataset.dtype = d.dtype;
        tr.append(
          h("th", { scope: "row", textContent: role }),
          td(d.name, "mono", "Name"),
          td(d.dtype, "", "dtype"),
          td(JSON.stringify(d.shapeSignature?.length ? d.shapeSignature : d.shape), "mono", "Shape"),
          td(q ? f32(d.scale) : "—", "num mono", "Scale"),
          td(q ? String(d.zeroPoint) : "—", "num mono", "Zero point"),
        );
        return tr;
      }),
    ),
  );
  return t;
}
/** `<stem>.h` and `<stem>.cc`: the file as a C array for TFLite Micro (layout of `xxd -i`, 16-byte aligned). */
function cArrayButtons(f) {
  const stem = f.filename.replace(/\.tflite$/, "");
  return [".h", ".cc"].map((ext) => {
    const btn = h("button", { type: "button", className: "secondary small", textContent: `${stem}${ext}` });
    btn.dataset.carray = ext;
    btn.title = "C array for microcontrollers (TensorFlow Lite Micro): the layout of xxd -i, aligned to 16 bytes";
    btn.addEventListener("click", async () => {
      try {
        const c = await app.worker.call("cArray", { key: f.key, stem });
        saveBlob(new Blob([ext === ".h" ? c.header : c.source], { type: "text/x-c" }), `${stem}${ext}`);
      } catch (err) {
        status(`C array: ${humanError(err.message)}`);
      }
    });
    return btn;
  });
}
function renderDownloads() {
  const items = app.variants.map((f) => {
    const a = h("a", { href: f.url, download: f.filename, textContent: f.filename });
    return h("li", {}, a, h("span", { className: "muted", textContent: ` ${f.label}, ${formatBytes(f.size)}` }), " ", ...cArrayButtons(f));
  });
  const labels = labelsTxt();
  if (labels && app.variants.length) {
    const url = URL.createObjectURL(new Blob([labels], { type: "text/plain" }));
    items.push(
      h(
        "li",
        {},
        h("a", { href: url, download: "labels.txt", textContent: "labels.txt", id: "labels-link" }),
        h("span", {
          className: "muted",
          textContent: ` class names, one per line, in class-index order (${plural(app.data.classNames.length, "class", "classes")})`,
        }),
      ),
    );
  }
  if (app.variants.length) {
    const btn = h("button", { type: "button", className: "secondary", textContent: "litequant_report.json", id: "report-btn" });
    btn.addEventListener("click", () => saveBlob(new Blob([JSON.stringify(reportJson(), null, 2)], { type: "application/json" }), "litequant_report.json"));
    items.push(
      h("li", {}, btn, h("span", { className: "muted", textContent: " ranges, scales / zero points, per-layer errors, comparison, training history" })),
    );
  }
  $("downloads").replaceChildren(...(items.length ? items : [h("li", { className: "muted", textContent: "Nothing yet." })]));
  $("zip-btn").disabled = !app.variants.length;
  const sample = app.sample ?? null;
  $("file-cards").replaceChildren(
    ...app.variants.map((f) => {
      const card = h("article", { className: "file-card" });
      card.dataset.key = f.key;
      card.dataset.filename = f.filename;
      const cal = f.calibration ? ` · calibrated on ${f.calibration.name} (${plural(f.calibration.rows, "row")}, ${rangeText(f.calibration)})` : "";
      card.append(
        h(
          "h3",
          {},
          h("span", { className: "mono", textContent: f.filename }),
          h("span", { className: "muted small", textContent: ` ${f.label} · ${formatBytes(f.size)}${cal}` }),
        ),
      );
      if (f.ioDetails) {
        card.append(h("div", { className: "table-wrap" }, ioTable(f.ioDetails)));
        const values = sample ?? new Float32Array(f.ioDetails.inputs[0].shape.slice(1).reduce((a, b) => a * b, 1));
        const note = sample ? "with the sample of 7 Try" : "with a zero sample (run one in 7 Try to use it here)";
        const py = h(
          "details",
          { className: "snippet" },
          h("summary", { textContent: `Python (LiteRT) — quantize an input, run, dequantize the output, ${note}` }),
          h("pre", {}, h("code", { className: "py", textContent: pythonSnippet(f.filename, f.ioDetails, values) })),
        );
        const js = h(
          "details",
          { className: "snippet" },
          h("summary", { textContent: "JavaScript (litequant's API)" }),
          h("pre", {}, h("code", { className: "js", textContent: jsSnippet(f.filename, f.ioDetails, values) })),
        );
        card.append(py, js);
      }
      return card;
    }),
  );
}

// ---------- Session ----------
const CONTROLS = [
  "preset",
  "input-shape",
  "init-seed",
  "optimizer",
  "lr",
  "epochs",
  "batch",
  "shuffle-seed",
  "rnd-rows",
  "rnd-features",
  "rnd-classes",
  "rnd-seed",
  "test-pct",
  "split-seed",
  "calib-rows",
  "csv-label",
  "csv-header",
  "io-type",
  "calib-method",
  "expect-min",
  "expect-max",
  "sample-text",
];
const CHECKS = ["csv-nolabel", "mode-int8", "mode-f16", "mode-dyn"];
let persistTimer = null;
/** Keeps the session in IndexedDB (debounced; a failure only means no restore). */
function persist() {
  if (app.restoring || app.leaving) return;
  clearTimeout(persistTimer);
  persistTimer = setTimeout(async () => {
    if (app.leaving) return;
    try {
      const model = app.imported
        ? { kind: "imported", name: app.imported.name, bytes: app.imported.bytes }
        : app.trained
          ? { kind: "trained", exported: await app.worker.call("exportModel"), history: app.history, training: app.training }
          : null;
      if (app.leaving) return;
      await saveSession({
        v: 1,
        savedAt: Date.now(),
        controls: Object.fromEntries(CONTROLS.map((id) => [id, $(id).value])),
        checks: Object.fromEntries(CHECKS.map((id) => [id, $(id).checked])),
        layers: readLayers(false),
        source: source(),
        uploads: app.uploads,
        model,
        needData: app.needData,
        calibration: app.calibration,
        report: app.report,
        variants: app.variants.map(({ key, label, filename, mode, io, size, calibration, bytes, ioDetails }) => ({
          key,
          label,
          filename,
          mode,
          io,
          size,
          calibration,
          bytes,
          ioDetails,
        })),
      });
      $("session-text").textContent = `Session kept in this browser (${new Date().toLocaleTimeString()}).`;
      document.body.dataset.saved = String(Date.now());
    } catch (err) {
      $("session-text").textContent = `Could not keep the session: ${err.message}`;
    }
  }, 150);
}
async function restore(s) {
  app.restoring = true;
  try {
    for (const [id, v] of Object.entries(s.controls ?? {})) if ($(id)) $(id).value = v;
    for (const [id, v] of Object.entries(s.checks ?? {})) if ($(id)) $(id).checked = v;
    if (s.layers?.length) renderLayers(s.layers);
    const radio = document.querySelector(`input[name="source"][value="${s.source}"]`);
    if (radio && !radio.disabled) radio.checked = true;
    showSourceOptions();
    app.uploads = s.uploads ?? app.uploads;
    if (s.model?.kind === "imported") {
      const bytes = new Uint8Array(s.model.bytes);
      const info = await app.worker.call("importModel", { bytes: bytes.slice().buffer, name: s.model.name });
      await adoptImport(info, { bytes });
    }
    await loadData("restore");
    if (s.model?.kind === "trained" && s.model.exported) {
      await app.worker.call("restoreModel", s.model.exported);
      app.trained = true;
      app.history = s.model.history;
      app.training = s.model.training;
      if (app.history) drawCurves(app.history, app.history.loss.length);
      $("train").dataset.state = "done";
      $("train-text").textContent =
        `Restored: the model trained earlier (${plural(app.history?.loss.length ?? 0, "epoch")}), from this browser's kept session.`;
    }
    app.needData = !!s.needData;
    if (s.variants?.length && (app.trained || app.imported)) {
      await app.worker.call("restoreVariants", { variants: s.variants.map((v) => ({ ...v, bytes: v.bytes })) });
      addVariants(s.variants.map((v) => ({ ...v, io: v.ioDetails, ioType: v.io })));
      app.calibration = s.calibration;
      app.report = s.report;
      if (app.report) renderInspect(app.report);
      renderCalibData();
      renderDownloads();
      showGraph(app.variants);
      $("quantize").dataset.done = "1";
      if (app.data) await runCompare().catch((err) => setError("compare-error", humanError(err.message)));
    }
    checkDataFit();
    updateQuantizeWait();
    status(`Restored the session kept in this browser (${new Date(s.savedAt).toLocaleString()}).`);
    $("session-text").textContent = "Session restored from this browser.";
    document.body.dataset.restored = "1";
  } finally {
    app.restoring = false;
  }
}
async function startOver() {
  app.leaving = true; // no more saving: a pending save would bring the session back
  clearTimeout(persistTimer);
  await clearSession().catch(() => {});
  location.reload();
}

function updateButtons() {
  const ready = !!app.worker && document.body.dataset.ready === "1";
  const fits = app.data && modelFeatures() === app.data.features;
  $("train-btn").disabled = !ready || app.busy || !app.data || !!app.imported || !app.data.labelled;
  $("quantize-btn").disabled = !ready || app.busy || !app.data || !(app.trained || app.imported) || !fits || app.needData;
  $("try-btn").disabled = !ready || app.busy || !app.variants.length;
  $("debug-run").disabled = !ready || app.busy || !app.report || !fits;
  $("debug-keep").disabled = !ready || app.busy || !app.debug || !fits || $("debug-table").hidden || !tickedNodes().length;
  $("io-type").disabled = !$("mode-int8").checked;
  if (app.data && !app.data.labelled && !app.imported)
    setError(
      "train-error",
      "Training needs labels: this data has none (it is representative data only). Choose labelled data to train, or import a trained model.",
    );
  else if ($("train-error").textContent.startsWith("Training needs labels")) clearErrors("train-error");
}

// ---------- wiring ----------
async function main() {
  renderLayers(PRESETS.seed.layers);
  drawCurves({ loss: [], accuracy: [], valLoss: [], valAccuracy: [] }, 2);
  app.worker = startWorker();
  $("preset").addEventListener("change", (e) => applyPreset(e.target.value));
  $("layers").addEventListener("change", () => {
    $("preset").value = "custom";
    refreshSummary();
  });
  $("input-shape").addEventListener("change", () => {
    $("preset").value = "custom";
    refreshSummary();
  });
  $("add-layer").addEventListener("click", () => {
    const ls = readLayers(false);
    ls.splice(Math.max(ls.length - 1, 0), 0, defaultRow("dense"));
    renderLayers(ls);
    $("preset").value = "custom";
  });
  $("tflite-file").addEventListener("change", (e) => e.target.files[0] && importTflite(e.target.files[0]));
  $("tfjs-files").addEventListener("change", (e) => e.target.files.length && importTfjs([...e.target.files]));
  $("clear-import").addEventListener("click", clearImport);
  $("expect-min").addEventListener("change", checkExpected);
  $("expect-max").addEventListener("change", checkExpected);
  for (const r of document.querySelectorAll('input[name="source"]')) {
    r.addEventListener("change", () => {
      showSourceOptions();
      updateSplitFields();
      loadData("source");
    });
  }
  for (const id of ["rnd-rows", "rnd-features", "rnd-classes", "rnd-seed"]) $(id).addEventListener("change", () => loadData("source"));
  for (const id of ["test-pct", "split-seed"]) $(id).addEventListener("change", () => loadData("split"));
  $("npy-x").addEventListener("change", async (e) => (await takeUpload(e.target, "npyX", [".npy"], "a .npy file", "npy-x-error")) && loadData("npy-x"));
  $("npy-y").addEventListener("change", async (e) => (await takeUpload(e.target, "npyY", [".npy"], "a .npy file", "npy-y-error")) && loadData("npy-y"));
  $("npy-y-clear").addEventListener("click", () => {
    app.uploads.npyY = null;
    $("npy-y").value = "";
    loadData("npy-y");
  });
  $("csv-file").addEventListener(
    "change",
    async (e) => (await takeUpload(e.target, "csv", [".csv", ".txt", ".tsv"], "a .csv file", "csv-file-error")) && loadData("csv"),
  );
  $("csv-label").addEventListener("change", () => loadData("csv-label"));
  $("csv-header").addEventListener("change", () => loadData("csv-label"));
  $("csv-nolabel").addEventListener("change", () => {
    $("csv-label").disabled = $("csv-nolabel").checked;
    updateSplitFields();
    loadData("csv-label");
  });
  $("train-btn").addEventListener("click", train);
  $("cancel-btn").addEventListener("click", async () => {
    $("cancel-btn").disabled = true;
    $("train-text").textContent += " · cancelling…";
    await app.worker.call("cancel");
  });
  $("quantize-btn").addEventListener("click", quantize);
  $("calib-rows").addEventListener("change", () => {
    try {
      intIn("calib-rows", 1, 100000, "Calibration samples");
      clearErrors("calib-error");
    } catch (err) {
      setError("calib-error", err.message);
    }
  });
  $("mode-int8").addEventListener("change", updateButtons);
  $("graph-file").addEventListener("change", drawGraph);
  $("try-btn").addEventListener("click", runSample);
  $("debug-run").addEventListener("click", runDebugger);
  $("debug-keep").addEventListener("click", keepFloat);
  $("sample-from-row").addEventListener("click", sampleFromRow);
  $("sample-image").addEventListener("change", (e) => e.target.files[0] && sampleFromImage(e.target.files[0]));
  $("zip-btn").addEventListener("click", downloadAll);
  $("start-over").addEventListener("click", startOver);
  document.addEventListener("change", (e) => e.target.closest?.("main") && persist());

  try {
    await app.worker.ready;
  } catch (err) {
    $("fatal").textContent = err.message;
    $("fatal").hidden = false;
    status("");
    return;
  }
  document.body.dataset.ready = "1";
  status("Ready.");
  let kept = null;
  try {
    kept = await loadSession();
  } catch {
    kept = null;
  }
  if (kept?.v === 1) {
    try {
      await restore(kept);
    } catch (err) {
      status(`Could not restore the kept session (${err.message}); starting fresh.`);
      await loadData("initial");
    }
  } else {
    await loadData("initial");
  }
  updateButtons();
}

main().catch((err) => {
  $("fatal").textContent = `Error: ${err.message}`;
  $("fatal").hidden = false;
});
