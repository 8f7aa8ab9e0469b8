// <litequant-demo>: a compact train → quantize → compare demo for documentation pages.
//
//   <script type="module" src="/www/embed.js"></script>
//   <litequant-demo preset="digits" data="digits" epochs="10"></litequant-demo>
//
// Attributes: preset = "seed" (Dense 64 relu → 10 softmax) | "digits" (Dense 32 relu → 10
// softmax); data = "random" (the seed's random data) | "digits"; epochs (default 2 for seed,
// 10 for digits); autorun (start on load). Everything runs in a Web Worker of this origin.
import { lineChart, mountChart } from "./charts.js";
import { formatBytes } from "./files.js";
import { compareSentences, humanError, pct, plural } from "./format.js";
import { startWorker } from "./rpc.js";

const PRESETS = {
  seed: {
    title: "Seed MLP",
    layers: [
      { type: "dense", units: 64, activation: "relu" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
    epochs: 2,
  },
  digits: {
    title: "Digits MLP",
    layers: [
      { type: "dense", units: 32, activation: "relu" },
      { type: "dense", units: 10, activation: "softmax" },
    ],
    epochs: 10,
  },
};
const DATA = { random: "random data (1000 × 32, like the seed)", digits: "handwritten digits (1797 × 64)" };

const STYLE = `
:host { display: block; font: 14px/1.45 system-ui, sans-serif; color: #1c2330; border: 1px solid #dfe3ea; border-radius: 10px; padding: 0.8rem 1rem; background: #fff; max-width: 640px; }
header { display: flex; align-items: baseline; justify-content: space-between; gap: 0.5rem; flex-wrap: wrap; }
h3 { margin: 0; font-size: 1rem; }
.sub { color: #5b6472; font-size: 0.85rem; }
.row { display: flex; align-items: center; gap: 0.6rem; margin: 0.6rem 0; flex-wrap: wrap; }
button { font: inherit; font-weight: 600; padding: 0.3rem 0.9rem; border-radius: 6px; border: 1px solid #2456c9; background: #2456c9; color: #fff; cursor: pointer; }
button:disabled { opacity: 0.5; cursor: not-allowed; }
button:focus-visible { outline: 2px solid #2456c9; outline-offset: 2px; }
progress { flex: 1; min-width: 8rem; height: 0.6rem; accent-color: #2456c9; }
.msg { color: #5b6472; font-size: 0.85rem; }
.err { color: #b3261e; }
.sentence { margin: 0.5rem 0 0; font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #eef0f4; font-weight: normal; }
thead th { color: #5b6472; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
svg.chart { width: 100%; height: auto; display: block; font-size: 11px; }
svg.chart text { fill: #5b6472; } svg.chart .axis-label, svg.chart .legend { fill: #1c2330; }
svg.chart .gridline { stroke: #eef0f4; } svg.chart .baseline, svg.chart .tick { stroke: #9aa3b2; }
svg.chart .line { fill: none; stroke-width: 2; } svg.chart .s-train { stroke: #2456c9; } svg.chart .s-test { stroke: #d9822b; stroke-dasharray: 5 3; }
svg.chart circle.s-train { fill: #2456c9; } svg.chart circle.s-test { fill: #d9822b; }
`;

class LitequantDemo extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const preset = PRESETS[this.getAttribute("preset")] ?? PRESETS.seed;
    const data = DATA[this.getAttribute("data")] ? this.getAttribute("data") : preset === PRESETS.digits ? "digits" : "random";
    const epochs = Math.max(1, Math.min(500, Number(this.getAttribute("epochs")) || preset.epochs));
    this.config = { preset, data, epochs };
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = `<style>${STYLE}</style>
      <header><h3></h3><span class="sub"></span></header>
      <div class="row"><button type="button">Train and quantize</button>
        <progress max="1" value="0" aria-label="Progress"></progress></div>
      <p class="msg" aria-live="polite">Runs in your browser; nothing is uploaded.</p>
      <div class="chart"></div>
      <table hidden><thead><tr><th scope="col">File</th><th scope="col" class="num">Test accuracy</th><th scope="col" class="num">Size</th></tr></thead><tbody></tbody></table>
      <p class="sentence" hidden></p>`;
    root.querySelector("h3").textContent = `${preset.title} → int8 / float16`;
    root.querySelector(".sub").textContent = `${DATA[data]}, ${plural(epochs, "epoch")}`;
    root.querySelector("button").addEventListener("click", () => this.run());
    if (this.hasAttribute("autorun")) this.run();
  }

  disconnectedCallback() {
    this.worker?.terminate();
    this.worker = null;
  }

  async run() {
    const root = this.shadowRoot;
    const [button, progress, msg, chart, table, sentence] = ["button", "progress", ".msg", ".chart", "table", ".sentence"].map((s) => root.querySelector(s));
    const { preset, data, epochs } = this.config;
    button.disabled = true;
    msg.classList.remove("err");
    this.dataset.state = "running";
    try {
      this.worker ??= startWorker(new URL("./worker.js", import.meta.url));
      msg.textContent = "Loading…";
      await this.worker.ready;
      const d = await this.worker.call("loadData", { source: data, rows: 1000, features: 32, classes: 10, seed: 42, testFraction: 0.2, splitSeed: 0 });
      const layers = preset.layers.map((l, i) => (i === preset.layers.length - 1 ? { ...l, units: d.classes } : l));
      progress.max = epochs + 2;
      const h = { loss: [], valLoss: [] };
      await this.worker.call("train", { layers, seed: 0, optimizer: { type: "adam", learningRate: 1e-3 }, epochs, batchSize: 32, shuffleSeed: 0 }, (p) => {
        progress.value = p.epoch;
        msg.textContent = `Training: epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toFixed(4)}`;
        h.loss.push(p.loss);
        h.valLoss.push(p.valLoss);
        mountChart(chart, (width) =>
          lineChart({
            series: [
              { name: "train loss", values: h.loss, cls: "s-train" },
              { name: "test loss", values: h.valLoss, cls: "s-test" },
            ],
            xLabel: "epoch",
            yLabel: "loss",
            xMax: epochs,
            height: 170,
            width,
          }),
        );
      });
      msg.textContent = "Calibrating and quantizing…";
      await this.worker.call("quantize", { modes: { int8: true, float16: true, dynamic: false }, io: "int8", calibRows: 100 });
      progress.value = epochs + 1;
      const cmp = await this.worker.call("compare", { calibration: null });
      progress.value = epochs + 2;
      // One figure per file: the first output's accuracy (these demos classify).
      const rows = cmp.rows.map((r) => ({
        label: r.label,
        size: r.size,
        accuracy: r.outputs[0]?.accuracy ?? NaN,
        agreement: r.key === "float32" ? NaN : (r.outputs[0]?.agreement ?? NaN),
      }));
      table.querySelector("tbody").replaceChildren(
        ...rows.map((r) => {
          const tr = document.createElement("tr");
          tr.innerHTML = `<th scope="row"></th><td class="num"></td><td class="num"></td>`;
          tr.children[0].textContent = r.label;
          tr.children[1].textContent = pct(r.accuracy);
          tr.children[2].textContent = formatBytes(r.size);
          tr.dataset.accuracy = String(r.accuracy);
          tr.dataset.size = String(r.size);
          return tr;
        }),
      );
      table.hidden = false;
      // The sentence under the table is generated from the same numbers.
      sentence.textContent = compareSentences(rows);
      sentence.hidden = false;
      msg.textContent = `Measured on ${cmp.evaluation.what}, run in litequant's interpreter.`;
      this.dataset.state = "done";
    } catch (err) {
      msg.textContent = `Error: ${humanError(err.message)}`;
      msg.classList.add("err");
      this.dataset.state = "error";
    } finally {
      button.disabled = false;
      button.textContent = "Run again";
    }
  }
}

if (!customElements.get("litequant-demo")) customElements.define("litequant-demo", LitequantDemo);
