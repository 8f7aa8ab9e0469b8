// Small SVG charts with labelled axes: line charts (training curves), the tensor histogram
// with its int8 grid, and bar charts (per-channel weight scales). No library: a few clear
// functions that return an <svg> element sized by its viewBox. Pass the box's width in CSS
// pixels (`width`) so that one viewBox unit is one pixel and text stays at its font size on
// any screen; `mountChart` redraws a chart when its box changes width.

const NS = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let i = first; i * step <= hi + step * 1e-9; i++) ticks.push(i === 0 ? 0 : Number((i * step).toPrecision(12)));
  return ticks;
}

/** Short number format for axes and labels. */
export function fmt(v, digits = 3) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(digits - 1).replace("e+", "e");
  return Number(v.toPrecision(digits)).toString();
}

function frame({ width, height, margin, title }) {
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", preserveAspectRatio: "xMidYMid meet" });
  if (title) svg.append(el("title", {}, title));
  const plot = { x0: margin.left, x1: width - margin.right, y0: height - margin.bottom, y1: margin.top, width };
  return { svg, plot };
}

/** Approximate width of `text` at the charts' 11 px font. */
const textWidth = (text) => String(text).length * 6.2;

/** Anchor for a label centred at x, so that it stays inside [0, width]. */
function anchorFor(x, text, width) {
  const half = textWidth(text) / 2;
  if (x - half < 2) return { x: Math.max(x - 4, 2), anchor: "start" };
  if (x + half > width - 2) return { x: Math.min(x + 4, width - 2), anchor: "end" };
  return { x, anchor: "middle" };
}

/**
 * Draws `draw(width)` into `box` at the box's width, and again whenever that width changes
 * (phones rotating, panels opening), so chart text keeps its size.
 */
export function mountChart(box, draw) {
  const render = () => {
    const w = Math.max(240, Math.round(box.clientWidth || 0) - 8);
    if (box.dataset.w === String(w) && box.firstChild) return;
    box.dataset.w = String(w);
    box.replaceChildren(draw(w));
  };
  box.dataset.w = "";
  render();
  box._chartObserver?.disconnect();
  if (typeof ResizeObserver === "function") {
    box._chartObserver = new ResizeObserver(() => render());
    box._chartObserver.observe(box);
  }
}

function axes(svg, plot, { xTicks, yTicks, sx, sy, xLabel, yLabel, xFmt = fmt, yFmt = fmt }) {
  const g = el("g", { class: "axis" });
  for (const t of yTicks) {
    const y = sy(t);
    g.append(el("line", { x1: plot.x0, x2: plot.x1, y1: y, y2: y, class: "gridline" }));
    g.append(el("text", { x: plot.x0 - 6, y: y + 4, "text-anchor": "end" }, yFmt(t)));
  }
  for (const t of xTicks) {
    const x = sx(t);
    g.append(el("line", { x1: x, x2: x, y1: plot.y0, y2: plot.y0 + 4, class: "tick" }));
    const label = xFmt(t);
    const a = anchorFor(x, label, plot.width);
    g.append(el("text", { x: a.x, y: plot.y0 + 16, "text-anchor": a.anchor }, label));
  }
  g.append(el("line", { x1: plot.x0, x2: plot.x1, y1: plot.y0, y2: plot.y0, class: "baseline" }));
  g.append(el("line", { x1: plot.x0, x2: plot.x0, y1: plot.y0, y2: plot.y1, class: "baseline" }));
  if (xLabel) g.append(el("text", { x: (plot.x0 + plot.x1) / 2, y: plot.y0 + 32, "text-anchor": "middle", class: "axis-label" }, xLabel));
  if (yLabel) {
    const cy = (plot.y0 + plot.y1) / 2;
    g.append(el("text", { x: 12, y: cy, transform: `rotate(-90 12 ${cy})`, "text-anchor": "middle", class: "axis-label" }, yLabel));
  }
  svg.append(g);
}

/**
 * Line chart. series: [{name, values: number[], cls}] (x = 1..n); legend on top.
 */
export function lineChart({ series, xLabel, yLabel, yMin, yMax, xMax, title, width = 460, height = 220 }) {
  height = Math.min(height, Math.max(170, Math.round(width * 0.55)));
  const margin = { left: 52, right: 12, top: 26, bottom: 40 };
  const { svg, plot } = frame({ width, height, margin, title });
  const n = Math.max(xMax ?? 0, ...series.map((s) => s.values.length), 2);
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  // No values yet: a plain 0–1 axis and a note, not a range made of rounding noise.
  let lo = yMin ?? (all.length ? Math.min(0, ...all) : 0);
  let hi = yMax ?? (all.length ? Math.max(...all) : 1);
  if (!(hi > lo)) hi = lo + (Math.abs(lo) > 0 ? Math.abs(lo) : 1);
  const yTicks = niceTicks(lo, hi, 4);
  lo = Math.min(lo, yTicks[0]);
  hi = Math.max(hi, yTicks[yTicks.length - 1]);
  const sx = (i) => plot.x0 + ((i - 1) / (n - 1)) * (plot.x1 - plot.x0);
  const sy = (v) => plot.y0 - ((v - lo) / (hi - lo)) * (plot.y0 - plot.y1);
  const xTicks = niceTicks(1, n, 5).filter((t) => Number.isInteger(t) && t >= 1);
  axes(svg, plot, { xTicks, yTicks, sx, sy, xLabel, yLabel });
  if (!all.length) {
    svg.append(el("text", { x: (plot.x0 + plot.x1) / 2, y: (plot.y0 + plot.y1) / 2, "text-anchor": "middle", class: "empty-note" }, "no data yet"));
  }
  let lx = plot.x0;
  for (const s of series) {
    const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${sx(i + 1).toFixed(1)},${sy(v).toFixed(1)}` : null)).filter(Boolean);
    if (pts.length > 1) svg.append(el("polyline", { points: pts.join(" "), class: `line ${s.cls}` }));
    if (pts.length === 1) {
      const [x, y] = pts[0].split(",");
      svg.append(el("circle", { cx: x, cy: y, r: 3, class: `dot ${s.cls}` }));
    }
    svg.append(el("line", { x1: lx, x2: lx + 18, y1: 12, y2: 12, class: `line ${s.cls}` }));
    svg.append(el("text", { x: lx + 22, y: 16, class: "legend" }, s.name));
    lx += 30 + s.name.length * 6.5;
  }
  return svg;
}

/**
 * Histogram of a tensor's calibration values with the int8 grid: bars of counts over
 * [histogram.lo, histogram.hi], shaded clipped regions outside [gridMin, gridMax], dashed
 * lines at the calibrated min/max, and a rug of int8 code positions.
 */
export function histogramChart(t, { width = 520, height = 220 } = {}) {
  const margin = { left: 52, right: 14, top: 14, bottom: 66 };
  const title = `Histogram of ${t.name}: calibration values with the int8 grid`;
  const { svg, plot } = frame({ width, height, margin, title });
  const { lo, hi, counts } = t.histogram;
  const span = Math.max(hi, t.gridMax) - Math.min(lo, t.gridMin);
  const pad = span * 0.08;
  const dlo = Math.min(lo, t.gridMin) - pad;
  const dhi = Math.max(hi, t.gridMax) + pad;
  const sx = (v) => plot.x0 + ((v - dlo) / (dhi - dlo)) * (plot.x1 - plot.x0);
  // Log scale (log10(1 + count)): ReLU outputs pile up at 0, and the tails are what matter.
  const cmax = Math.max(...counts, 1);
  const decades = Math.max(1, Math.ceil(Math.log10(cmax + 1)));
  const yTicks = Array.from({ length: decades + 1 }, (_, i) => 10 ** i).filter((v) => v <= 10 ** decades);
  const sy = (c) => plot.y0 - (Math.log10(1 + c) / decades) * (plot.y0 - plot.y1);
  // clipped regions
  const clip = el("g", { class: "clip-region" });
  if (t.gridMin > dlo) clip.append(el("rect", { x: plot.x0, y: plot.y1, width: sx(t.gridMin) - plot.x0, height: plot.y0 - plot.y1 }));
  if (t.gridMax < dhi) clip.append(el("rect", { x: sx(t.gridMax), y: plot.y1, width: plot.x1 - sx(t.gridMax), height: plot.y0 - plot.y1 }));
  svg.append(clip);
  axes(svg, plot, {
    xTicks: niceTicks(dlo, dhi, 5),
    yTicks,
    sx,
    sy: (v) => sy(v - 1),
    xLabel: "value (float)",
    yLabel: "count (log)",
    yFmt: (v) => (v === 1 ? "0" : v >= 1000 ? `${v / 1000}k` : String(v)),
  });
  const bw = (hi - lo) / counts.length;
  const bars = el("g", { class: "bars" });
  counts.forEach((c, i) => {
    if (!c) return;
    const x = sx(lo + i * bw);
    const w = Math.max(sx(lo + (i + 1) * bw) - x - 0.5, 0.8);
    bars.append(el("rect", { x, y: sy(c), width: w, height: plot.y0 - sy(c) }));
  });
  svg.append(bars);
  // int8 grid rug: every code when they are ≥ 3 px apart, else every k-th
  const px = (sx(t.gridMax) - sx(t.gridMin)) / 255;
  const every = Math.max(1, Math.ceil(3 / Math.max(px, 1e-9)));
  const rug = el("g", { class: "grid-rug" });
  const ry = plot.y0 + 40;
  for (let q = -128; q <= 127; q += every) {
    const x = sx(t.scale * (q - t.zeroPoint));
    rug.append(el("line", { x1: x, x2: x, y1: ry, y2: ry + 6 }));
  }
  svg.append(rug);
  svg.append(
    el(
      "text",
      { x: plot.x0, y: ry + 18, class: "rug-label" },
      `int8 grid: ${every === 1 ? "a tick per code" : `a tick every ${every} codes`}, step ${fmt(t.scale)}`,
    ),
  );
  // min / max markers; labels side by side when there is room, else on two lines, and
  // always inside the plot.
  const labels = [
    [t.min, "min"],
    [t.max, "max"],
  ].map(([v, name]) => ({ x: sx(v), text: `${name} ${fmt(v)}`, name }));
  const [mn, mx] = labels;
  const overlap = mn.x + 3 + textWidth(mn.text) > mx.x - 3 - textWidth(mx.text);
  for (const l of labels) {
    svg.append(el("line", { x1: l.x, x2: l.x, y1: plot.y1, y2: plot.y0, class: "marker" }));
    let anchor = l.name === "min" ? "end" : "start";
    let x = l.x + (l.name === "min" ? -3 : 3);
    if (!overlap) {
      anchor = l.name === "min" ? "start" : "end";
      x = l.x + (l.name === "min" ? 3 : -3);
    }
    if (anchor === "end" && x - textWidth(l.text) < plot.x0) [anchor, x] = ["start", Math.max(l.x + 3, plot.x0 + 2)];
    if (anchor === "start" && x + textWidth(l.text) > plot.width - 2) [anchor, x] = ["end", Math.min(l.x - 3, plot.width - 2)];
    const y = plot.y1 + 10 + (overlap && l.name === "max" ? 13 : 0);
    svg.append(el("text", { x, y, "text-anchor": anchor, class: "marker-label" }, l.text));
  }
  // Each calibration method's range (t.methods: from the calibration histogram), one
  // bracket per method under the min/max labels, labelled at its right end.
  const ranges = el("g", { class: "method-ranges" });
  (t.methods ?? []).forEach((m, k) => {
    const y = plot.y1 + 34 + k * 11;
    const [x0, x1] = [sx(m.min), sx(m.max)];
    const g = el("g", { class: `method-range method-${m.method}`, "data-method": m.method });
    g.append(el("line", { x1: x0, x2: x1, y1: y, y2: y }));
    g.append(el("line", { x1: x0, x2: x0, y1: y - 3, y2: y + 3 }));
    g.append(el("line", { x1: x1, x2: x1, y1: y - 3, y2: y + 3 }));
    const right = x1 + 4 + textWidth(m.method) < plot.width - 2;
    g.append(el("text", { x: right ? x1 + 4 : x0 - 4, y: y + 3, "text-anchor": right ? "start" : "end", class: "method-label" }, m.method));
    g.append(
      el(
        "title",
        {},
        `${m.method}: [${fmt(m.min)}, ${fmt(m.max)}], clips ${(100 * m.clippedFraction).toFixed(3)} % of the calibration values, expected int8 RMS error ${fmt(Math.sqrt(m.expectedMse))}`,
      ),
    );
    ranges.append(g);
  });
  svg.append(ranges);
  return svg;
}

/** Bar chart of values by index (per-channel weight scales). */
export function barChart({ values, xLabel, yLabel, title, width = 520, height = 180, highlight }) {
  const margin = { left: 60, right: 12, top: 12, bottom: 40 };
  const { svg, plot } = frame({ width, height, margin, title });
  const n = values.length;
  const vmax = Math.max(...values, 1e-12);
  const yTicks = niceTicks(0, vmax, 3);
  const top = Math.max(vmax, yTicks[yTicks.length - 1]);
  const bw = (plot.x1 - plot.x0) / n;
  const sx = (i) => plot.x0 + i * bw + bw / 2;
  const sy = (v) => plot.y0 - (v / top) * (plot.y0 - plot.y1);
  const xTicks = niceTicks(0, n - 1, 6).filter((t) => Number.isInteger(t));
  axes(svg, plot, { xTicks, yTicks, sx, sy, xLabel, yLabel });
  const g = el("g", { class: "bars" });
  values.forEach((v, i) => {
    const r = el("rect", {
      x: plot.x0 + i * bw + bw * 0.1,
      y: sy(v),
      width: Math.max(bw * 0.8, 0.6),
      height: plot.y0 - sy(v),
      class: i === highlight ? "hl" : undefined,
    });
    r.append(el("title", {}, `channel ${i}: ${fmt(v, 4)}`));
    g.append(r);
  });
  svg.append(g);
  return svg;
}
