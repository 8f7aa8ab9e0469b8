// The app: Model → Data → Train → Quantize → Inspect → Compare → Download.
// The page only handles the UI; www/worker.js does the work (see rpc.js).
import { barChart, fmt, histogramChart, lineChart } from "./charts.js";
import { checkExtension, formatBytes, readFile } from "./files.js";
import { startWorker } from "./rpc.js";

const PRESETS = {
  seed: { layers: [{ units: 64, activation: "relu" }, { units: 10, activation: "softmax" }], source: "random", epochs: 2 },
  digits: { layers: [{ units: 32, activation: "relu" }, { units: 10, activation: "softmax" }], source: "digits", epochs: 20 },
};
const ACTIVATIONS = ["relu", "linear", "softmax"];

const $ = (id) => document.getElementById(id);
const app = {
  worker: null,
  data: null, // summary from the worker
  imported: null,
  trained: false,
  busy: false,
  history: null,
  files: [], // {key, label, filename, bytes, url}
  report: null,
  comparison: null,
  training: null, // {config}
  uploads: { npyX: null, npyY: null, csv: null },
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
const num = (id) => Number($(id).value);
function intIn(id, lo, hi, what) {
  const v = num(id);
  if (!Number.isInteger(v) || v < lo || v > hi) throw Object.assign(new Error(`${what} must be a whole number from ${lo} to ${hi}`), { field: id });
  return v;
}
function td(text, cls) {
  const c = document.createElement("td");
  c.textContent = text;
  if (cls) c.className = cls;
  return c;
}
const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : "–");

// ---------- Model ----------
function layerRow(layer, i, n) {
  const tr = document.createElement("tr");
  const idx = document.createElement("th");
  idx.scope = "row";
  idx.textContent = String(i + 1);
  const units = document.createElement("input");
  Object.assign(units, { type: "number", min: 1, max: 4096, step: 1, value: layer.units, className: "short" });
  units.setAttribute("aria-label", `Layer ${i + 1} units`);
  units.dataset.k = "units";
  const act = document.createElement("select");
  act.setAttribute("aria-label", `Layer ${i + 1} activation`);
  act.dataset.k = "activation";
  for (const a of ACTIVATIONS) act.append(new Option(a, a, false, a === layer.activation));
  const rm = document.createElement("button");
  Object.assign(rm, { type: "button", className: "icon", textContent: "Remove", disabled: n <= 1 });
  rm.setAttribute("aria-label", `Remove layer ${i + 1}`);
  rm.addEventListener("click", () => {
    const ls = readLayers(false);
    ls.splice(i, 1);
    renderLayers(ls);
    $("preset").value = "custom";
  });
  const cells = [units, act, rm].map((c) => {
    const cell = document.createElement("td");
    cell.append(c);
    return cell;
  });
  tr.append(idx, ...cells);
  return tr;
}
function renderLayers(layers) {
  $("layers").replaceChildren(...layers.map((l, i) => layerRow(l, i, layers.length)));
}
function readLayers(validate = true) {
  const rows = [...$("layers").querySelectorAll("tr")];
  const layers = rows.map((r) => ({
    type: "dense",
    units: Number(r.querySelector('[data-k="units"]').value),
    activation: r.querySelector('[data-k="activation"]').value,
  }));
  if (validate) {
    layers.forEach((l, i) => {
      if (!Number.isInteger(l.units) || l.units < 1 || l.units > 4096) throw Object.assign(new Error(`layer ${i + 1}: units must be a whole number from 1 to 4096`), { field: "layers-error" });
      if (l.activation === "softmax" && i !== layers.length - 1) throw Object.assign(new Error(`layer ${i + 1}: softmax only on the last layer`), { field: "layers-error" });
    });
  }
  return layers;
}
function applyPreset(name) {
  const p = PRESETS[name];
  if (!p) return;
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
  if (!app.data || app.imported) return;
  const rows = [...$("layers").querySelectorAll("tr")];
  const last = rows[rows.length - 1]?.querySelector('[data-k="units"]');
  if (last && Number(last.value) !== app.data.classes) last.value = app.data.classes;
}

async function importTflite(file) {
  clearErrors("tflite-error");
  try {
    checkExtension(file, [".tflite"], "a .tflite model");
    const bytes = await readFile(file);
    const id = new Uint8Array(bytes, 4, 4);
    if (bytes.byteLength < 8 || String.fromCharCode(...id) !== "TFL3") throw new Error(`${file.name} is not a .tflite file (it has no TFL3 identifier)`);
    const info = await app.worker.call("importModel", { bytes, name: file.name }, null, [bytes]);
    app.imported = info;
    app.trained = false;
    resetResults();
    $("imported-text").textContent = `Imported ${info.name} (${formatBytes(info.size)}): input ${JSON.stringify(info.inputs[0].shape)} float32, output ${JSON.stringify(info.outputs[0].shape)} — ${info.features} features, ${info.classes} classes. Training is skipped; quantize it with the data below.`;
    $("imported").hidden = false;
    $("builder").hidden = true;
    $("preset-field").hidden = true;
    $("train").classList.add("skipped");
    $("train-text").textContent = "Skipped: an imported model is already trained.";
    status(`Imported ${info.name}.`);
  } catch (err) {
    const kept = app.imported ? ` The model ${app.imported.name} is still loaded.` : app.trained ? " The trained model is still loaded." : "";
    const msg = err.message.startsWith(file.name) ? err.message : `${file.name}: ${err.message}`;
    setError("tflite-error", `${msg}${kept}`);
  } finally {
    $("tflite-file").value = "";
    updateButtons();
  }
}
async function clearImport() {
  await app.worker.call("clearImport");
  app.imported = null;
  resetResults();
  $("imported").hidden = true;
  $("builder").hidden = false;
  $("preset-field").hidden = false;
  $("train").classList.remove("skipped");
  $("train-text").textContent = "Not trained yet.";
  fitOutputToClasses();
  updateButtons();
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
function dataArgs() {
  const s = source();
  const testFraction = intIn("test-pct", 0, 90, "Test split") / 100;
  const splitSeed = intIn("split-seed", 0, 2 ** 31, "Split seed");
  const base = { source: s, testFraction, splitSeed };
  if (s === "random") {
    return { ...base, rows: intIn("rnd-rows", 2, 100000, "Rows"), features: intIn("rnd-features", 1, 4096, "Features"), classes: intIn("rnd-classes", 1, 1000, "Classes"), seed: intIn("rnd-seed", 0, 2 ** 31, "Seed") };
  }
  if (s === "digits") return base;
  if (s === "npy") {
    const { npyX, npyY } = app.uploads;
    if (!npyX || !npyY) return null;
    return { ...base, x: npyX.bytes.slice(0), y: npyY.bytes.slice(0), xName: npyX.name, yName: npyY.name };
  }
  const { csv } = app.uploads;
  if (!csv) return null;
  const h = $("csv-header").value;
  const label = $("csv-label").value.trim();
  return { ...base, bytes: csv.bytes.slice(0), name: csv.name, label: label || undefined, header: h === "auto" ? undefined : h === "yes" };
}
/** Where a data error is shown: the control that caused it. */
function dataErrorField(trigger, msg) {
  if (trigger === "split") return "split-error";
  if (/label column|no column named|has no header row/.test(msg) && source() === "csv") return "csv-label-error";
  if (source() === "npy") {
    if (/^features \.npy/.test(msg)) return "npy-x-error";
    if (/^labels \.npy|label .* at row/.test(msg)) return "npy-y-error";
    return trigger === "npy-y" ? "npy-y-error" : "npy-x-error";
  }
  if (source() === "csv") return "csv-file-error";
  return "split-error";
}
let dataSeq = 0;
async function loadData(trigger) {
  const seq = ++dataSeq;
  clearErrors("split-error", "npy-x-error", "npy-y-error", "csv-file-error", "csv-label-error");
  let args;
  try {
    args = dataArgs();
  } catch (err) {
    setError(err.field === "test-pct" || err.field === "split-seed" ? "split-error" : "split-error", err.message);
    return;
  }
  if (!args) {
    $("data-summary").textContent = app.data ? `Loaded: ${describe(app.data)}. Choose the file(s) to switch.` : "Choose the file(s) to load.";
    return;
  }
  status("Loading data…");
  try {
    const transfer = [args.x, args.y, args.bytes].filter(Boolean);
    const d = await app.worker.call("loadData", args, null, transfer);
    if (seq !== dataSeq) return;
    app.data = d;
    $("data-summary").textContent = `Loaded: ${describe(d)}.`;
    $("data-summary").dataset.rows = String(d.trainRows + d.testRows);
    $("data-summary").dataset.features = String(d.features);
    $("in-dim").textContent = String(d.features);
    fitOutputToClasses();
    resetResults();
    if (!app.imported) {
      app.trained = false;
      $("train-text").textContent = "Not trained yet.";
    }
    status("Data loaded.");
  } catch (err) {
    if (seq !== dataSeq) return;
    setError(dataErrorField(trigger, err.message), keptNote(err.message));
    status("Could not load the data.");
  }
  updateButtons();
}
function describe(d) {
  const names = d.classNames?.length ? ` (${d.classNames.slice(0, 4).join(", ")}${d.classNames.length > 4 ? ", …" : ""})` : "";
  return `${d.name} — ${d.trainRows} training + ${d.testRows} test rows, ${d.features} features, ${d.classes} classes${names}`;
}

// ---------- Train ----------
function drawCurves(h, epochs) {
  const loss = lineChart({
    series: [{ name: "train", values: h.loss, cls: "s-train" }, { name: "test", values: h.valLoss, cls: "s-test" }],
    xLabel: "epoch", yLabel: "loss", xMax: epochs, title: "Loss per epoch",
  });
  const acc = lineChart({
    series: [{ name: "train", values: h.accuracy, cls: "s-train" }, { name: "test", values: h.valAccuracy, cls: "s-test" }],
    xLabel: "epoch", yLabel: "accuracy", yMin: 0, yMax: 1, xMax: epochs, title: "Accuracy per epoch",
  });
  $("loss-chart").replaceChildren(loss);
  $("acc-chart").replaceChildren(acc);
}
async function train() {
  clearErrors("train-error", "layers-error");
  let cfg;
  try {
    const layers = readLayers();
    const lr = num("lr");
    if (!(lr > 0 && lr <= 10)) throw Object.assign(new Error("learning rate must be in (0, 10]"), { field: "train-error" });
    cfg = {
      layers,
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
  resetResults();
  updateButtons();
  const section = $("train");
  section.dataset.state = "running";
  $("cancel-btn").disabled = false;
  $("train-progress").max = cfg.epochs;
  $("train-progress").value = 0;
  $("train-text").textContent = "Starting…";
  const h = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
  drawCurves(h, cfg.epochs);
  status("Training…");
  try {
    const r = await app.worker.call("train", cfg, (p) => {
      h.loss.push(p.loss);
      h.accuracy.push(p.accuracy);
      h.valLoss.push(p.valLoss);
      h.valAccuracy.push(p.valAccuracy);
      $("train-progress").value = p.epoch;
      section.dataset.epoch = String(p.epoch);
      $("train-text").textContent = `Epoch ${p.epoch}/${p.epochs} · loss ${fmt(p.loss, 4)} · accuracy ${pct(p.accuracy)} · test accuracy ${pct(p.valAccuracy)}`;
      drawCurves(h, cfg.epochs);
    });
    app.trained = true;
    app.history = r.history;
    app.training = cfg;
    drawCurves(r.history, cfg.epochs);
    const last = r.history.valAccuracy.at(-1);
    $("train-text").textContent = r.cancelled
      ? `Cancelled after ${r.epochsRun} of ${cfg.epochs} epochs (${(r.ms / 1000).toFixed(1)} s); the model keeps those weights · test accuracy ${pct(last)}`
      : `Done: ${r.epochsRun} epochs in ${(r.ms / 1000).toFixed(1)} s · final test accuracy ${pct(last)}`;
    section.dataset.state = r.cancelled ? "cancelled" : "done";
    status(r.cancelled ? "Training cancelled." : "Trained.");
  } catch (err) {
    section.dataset.state = "error";
    setError(/layer|units|softmax/.test(err.message) ? "layers-error" : "train-error", err.message);
    status("Training failed.");
  } finally {
    app.busy = false;
    $("cancel-btn").disabled = true;
    updateButtons();
  }
}

// ---------- Quantize, Inspect, Compare, Download ----------
function resetResults() {
  for (const f of app.files) URL.revokeObjectURL(f.url);
  app.files = [];
  app.report = null;
  app.comparison = null;
  $("inspect-body").hidden = true;
  $("inspect-empty").hidden = false;
  $("compare-table").hidden = true;
  $("compare-empty").hidden = false;
  $("downloads").replaceChildren(Object.assign(document.createElement("li"), { className: "muted", textContent: "Nothing yet." }));
  delete $("quantize").dataset.done;
  delete $("compare").dataset.done;
  $("quant-text").textContent = "";
  $("quant-progress").value = 0;
}
async function quantize() {
  clearErrors("quantize-error", "compare-error");
  let args;
  try {
    args = {
      modes: { int8: $("mode-int8").checked, float16: $("mode-f16").checked, dynamic: $("mode-dyn").checked },
      io: $("io-type").value,
      reprRows: intIn("repr-rows", 1, 100000, "Representative samples"),
    };
  } catch (err) {
    setError("quantize-error", err.message);
    return;
  }
  app.busy = true;
  resetResults();
  updateButtons();
  status("Quantizing…");
  try {
    const r = await app.worker.call("quantize", args, (p) => {
      $("quant-progress").max = p.total;
      $("quant-progress").value = p.done;
      $("quant-text").textContent = p.phase === "calibrating" ? `Calibrating: ${p.done} / ${p.total} sample runs` : `Writing ${p.phase}…`;
    });
    app.files = r.files.map((f) => ({ ...f, url: URL.createObjectURL(new Blob([f.bytes], { type: "application/octet-stream" })) }));
    app.report = r.report;
    $("quant-progress").max = 1;
    $("quant-progress").value = 1;
    $("quant-text").textContent = `Wrote ${r.files.map((f) => `${f.label} (${formatBytes(f.bytes.length)})`).join(", ")}; calibrated on ${r.reprRows} samples.`;
    $("quantize").dataset.done = "1";
    if (r.report) renderInspect(r.report);
    renderDownloads();
    status("Comparing…");
    app.comparison = await app.worker.call("compare", {}, (p) => {
      $("compare-empty").textContent = `Evaluating ${p.label}…`;
    });
    renderCompare(app.comparison);
    renderDownloads();
    status("Done.");
  } catch (err) {
    setError(app.files.length ? "compare-error" : "quantize-error", err.message);
    status("Quantization failed.");
  } finally {
    app.busy = false;
    updateButtons();
  }
}

function renderInspect(rep) {
  $("inspect-empty").hidden = true;
  $("inspect-body").hidden = false;
  $("err-set").textContent = rep.evaluationSet === "evaluation" ? `test set (${rep.evaluationSamples} samples)` : `representative set (${rep.evaluationSamples} samples)`;
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
      if (i === rep.worstLayer) kind.append(Object.assign(document.createElement("span"), { className: "badge", textContent: "worst" }));
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
      const title = document.createElement("strong");
      title.className = "mono";
      title.textContent = t.name;
      const role = Object.assign(document.createElement("span"), { className: `badge role-${t.role}`, textContent: t.producer ? `${t.role} · ${t.producer}` : t.role });
      cap.append(title, " ", role);
      const dl = document.createElement("dl");
      const clipped = t.clippedBelow + t.clippedAbove;
      const facts = [
        ["range", `[${fmt(t.min, 4)}, ${fmt(t.max, 4)}]`],
        ["scale", fmt(t.scale, 4)],
        ["zero point", String(t.zeroPoint)],
        ["int8 covers", `[${fmt(t.gridMin, 4)}, ${fmt(t.gridMax, 4)}]`],
        ["clipped", t.values ? `${clipped} of ${t.values} (${((100 * clipped) / t.values).toFixed(2)} %)` : "–"],
        ["shape", JSON.stringify(t.shape)],
      ];
      for (const [k, v] of facts) {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = v;
        dl.append(dt, dd);
      }
      card.append(cap, histogramChart(t), dl);
      return card;
    }),
  );
  $("weight-cards").replaceChildren(
    ...rep.weights.map((w) => {
      const card = document.createElement("figure");
      card.className = "weight-card";
      const maxI = w.scales.indexOf(Math.max(...w.scales));
      const cap = document.createElement("figcaption");
      cap.innerHTML = "";
      const title = Object.assign(document.createElement("strong"), { className: "mono", textContent: w.name });
      cap.append(title, ` — op ${w.op}, shape ${JSON.stringify(w.shape)}, ${w.scales.length} channels; weight SQNR ${w.sqnrDb === null ? "∞" : w.sqnrDb.toFixed(1)} dB; largest scale: channel ${maxI} (${fmt(w.scales[maxI], 4)})`);
      card.append(cap, barChart({ values: w.scales, xLabel: "output channel", yLabel: "scale", highlight: maxI, title: `Per-channel weight scales of ${w.name}` }));
      return card;
    }),
  );
}

function renderCompare(rows) {
  const float = rows.find((r) => r.key === "float32");
  const body = $("compare-table").querySelector("tbody");
  body.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement("tr");
      tr.dataset.model = r.key;
      tr.dataset.accuracy = String(r.accuracy);
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = r.label;
      const delta = float && r.key !== "float32" ? ` (${r.accuracy >= float.accuracy ? "+" : ""}${(100 * (r.accuracy - float.accuracy)).toFixed(1)})` : "";
      tr.append(
        th,
        td(`${pct(r.accuracy)}${delta}`, "num"),
        td(r.key === "float32" ? "—" : pct(r.agreement), "num"),
        td(formatBytes(r.size), "num"),
        td(float ? `${((100 * r.size) / float.size).toFixed(0)} %` : "–", "num"),
        td(`${r.usPerSample < 1000 ? r.usPerSample.toFixed(1) + " µs" : (r.usPerSample / 1000).toFixed(2) + " ms"}`, "num"),
      );
      return tr;
    }),
  );
  $("compare-table").hidden = false;
  $("compare-empty").textContent = `Held-out test set: ${rows[0]?.n ?? 0} rows. Latency: batch 1, mean over up to 200 samples, in this browser's WebAssembly.`;
  $("compare").dataset.done = "1";
}

function reportJson() {
  return {
    producer: "litequant",
    createdAt: new Date().toISOString(),
    model: app.imported ? { imported: app.imported.name, inputs: app.imported.inputs, outputs: app.imported.outputs } : { layers: app.training?.layers, training: app.training },
    data: app.data,
    history: app.history,
    files: app.files.map((f) => ({ label: f.label, filename: f.filename, bytes: f.bytes.length })),
    calibration: app.report,
    comparison: app.comparison,
  };
}
function renderDownloads() {
  const items = app.files.map((f) => {
    const li = document.createElement("li");
    const a = Object.assign(document.createElement("a"), { href: f.url, download: f.filename, textContent: f.filename });
    li.append(a, Object.assign(document.createElement("span"), { className: "muted", textContent: ` ${f.label}, ${formatBytes(f.bytes.length)}` }));
    return li;
  });
  const li = document.createElement("li");
  const btn = Object.assign(document.createElement("button"), { type: "button", className: "secondary", textContent: "litequant_report.json" });
  btn.id = "report-btn";
  btn.addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([JSON.stringify(reportJson(), null, 2)], { type: "application/json" }));
    const a = Object.assign(document.createElement("a"), { href: url, download: "litequant_report.json" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  li.append(btn, Object.assign(document.createElement("span"), { className: "muted", textContent: " ranges, scales / zero points, per-layer errors, comparison, training history" }));
  $("downloads").replaceChildren(...items, li);
}

function updateButtons() {
  const ready = !!app.worker && document.body.dataset.ready === "1";
  $("train-btn").disabled = !ready || app.busy || !app.data || !!app.imported;
  $("quantize-btn").disabled = !ready || app.busy || !app.data || !(app.trained || app.imported);
  $("io-type").disabled = !$("mode-int8").checked;
}

// ---------- wiring ----------
async function main() {
  renderLayers(PRESETS.seed.layers);
  drawCurves({ loss: [], accuracy: [], valLoss: [], valAccuracy: [] }, 2);
  app.worker = startWorker();
  $("preset").addEventListener("change", (e) => applyPreset(e.target.value));
  $("layers").addEventListener("change", () => ($("preset").value = "custom"));
  $("add-layer").addEventListener("click", () => {
    const ls = readLayers(false);
    ls.splice(Math.max(ls.length - 1, 0), 0, { units: 32, activation: "relu" });
    renderLayers(ls);
    $("preset").value = "custom";
  });
  $("tflite-file").addEventListener("change", (e) => e.target.files[0] && importTflite(e.target.files[0]));
  $("clear-import").addEventListener("click", clearImport);
  for (const r of document.querySelectorAll('input[name="source"]')) {
    r.addEventListener("change", () => {
      showSourceOptions();
      loadData("source");
    });
  }
  for (const id of ["rnd-rows", "rnd-features", "rnd-classes", "rnd-seed"]) $(id).addEventListener("change", () => loadData("source"));
  for (const id of ["test-pct", "split-seed"]) $(id).addEventListener("change", () => loadData("split"));
  $("npy-x").addEventListener("change", async (e) => (await takeUpload(e.target, "npyX", [".npy"], "a .npy file", "npy-x-error")) && loadData("npy-x"));
  $("npy-y").addEventListener("change", async (e) => (await takeUpload(e.target, "npyY", [".npy"], "a .npy file", "npy-y-error")) && loadData("npy-y"));
  $("csv-file").addEventListener("change", async (e) => (await takeUpload(e.target, "csv", [".csv", ".txt", ".tsv"], "a .csv file", "csv-file-error")) && loadData("csv"));
  $("csv-label").addEventListener("change", () => loadData("csv-label"));
  $("csv-header").addEventListener("change", () => loadData("csv-label"));
  $("train-btn").addEventListener("click", train);
  $("cancel-btn").addEventListener("click", async () => {
    $("cancel-btn").disabled = true;
    $("train-text").textContent += " · cancelling…";
    await app.worker.call("cancel");
  });
  $("quantize-btn").addEventListener("click", quantize);
  $("mode-int8").addEventListener("change", updateButtons);

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
  await loadData("source");
  updateButtons();
}

main().catch((err) => {
  $("fatal").textContent = `Error: ${err.message}`;
  $("fatal").hidden = false;
});
