// The graph view: a model's operators in execution order, each with the tensors it reads
// and writes (activations as chips, constants — weights, biases, shape operands — smaller
// and grouped). Hovering or focusing a tensor shows its dtype, shape and quantization.
// Input: `describeModel(bytes)` of the library.

function chip(t, onTip, cls = "") {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `tensor-chip ${cls} dt-${t.dtype}`;
  const shape = JSON.stringify(t.shapeSignature?.length ? t.shapeSignature : t.shape);
  b.textContent = `${t.name} · ${t.dtype} ${shape}`;
  const q = t.scales.length
    ? t.scales.length === 1
      ? `scale ${t.scales[0]}, zero point ${t.zeroPoints[0]}`
      : `${t.scales.length} scales (per channel, axis ${t.quantizedDimension}) ${Math.min(...t.scales).toPrecision(3)}–${Math.max(...t.scales).toPrecision(3)}, zero points ${[...new Set(t.zeroPoints)].join("/")}`
    : "not quantized";
  const tip = `tensor ${t.index} '${t.name}': ${t.dtype} ${shape}${t.constant ? " (constant)" : ""}; ${q}`;
  b.title = tip;
  b.dataset.tensor = String(t.index);
  const show = () => onTip(tip);
  b.addEventListener("mouseenter", show);
  b.addEventListener("focus", show);
  return b;
}

/** Draws graph `g` into `box`; `onTip(text)` receives the hovered tensor's description. */
export function renderGraph(box, g, onTip) {
  const T = g.tensors;
  const list = document.createElement("ol");
  list.className = "graph-ops";
  const io = (idx, role) => {
    const li = document.createElement("li");
    li.className = `graph-io graph-${role}`;
    li.append(`${role} `, ...idx.map((i) => chip(T[i], onTip)));
    return li;
  };
  list.append(io(g.inputs, "input"));
  for (const op of g.ops) {
    const li = document.createElement("li");
    li.className = "graph-op";
    li.dataset.op = op.name;
    const head = document.createElement("div");
    head.className = "op-head";
    head.textContent = `${op.index} · ${op.name}`;
    const ver = document.createElement("span");
    ver.className = "muted small";
    ver.textContent = ` v${op.version}`;
    head.append(ver);
    const ins = op.inputs.filter((i) => i >= 0);
    const acts = ins.filter((i) => !T[i].constant);
    const consts = ins.filter((i) => T[i].constant);
    const row = (label, idx, cls) => {
      const d = document.createElement("div");
      d.className = "op-row";
      const l = document.createElement("span");
      l.className = "muted small";
      l.textContent = label;
      d.append(l, ...idx.map((i) => chip(T[i], onTip, cls)));
      return d;
    };
    li.append(head);
    if (acts.length) li.append(row("in ", acts));
    if (consts.length) li.append(row("constants ", consts, "const"));
    li.append(
      row(
        "out ",
        op.outputs.filter((i) => i >= 0),
      ),
    );
    list.append(li);
  }
  list.append(io(g.outputs, "output"));
  box.replaceChildren(list);
  onTip(`${g.ops.length} operators, ${T.length} tensors.`);
}
