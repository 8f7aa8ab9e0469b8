// The layer editor's rows → a litequant model config (TF.js `tf.layers` style), shared by
// the page (which shows each row's output shape and parameter count) and the worker
// (which builds and trains the model). A row is {type, ...options}:
//   dense {units, activation} · conv2d {filters, kernelSize, strides, padding, activation}
//   maxPooling2d {poolSize} · flatten · activation {activation} · add {from}
// `add` sums the previous row's output with row `from`'s (1-based): a residual connection,
// which makes the model a functional `Model` (a DAG) instead of a `Sequential`.

export const LAYER_TYPES = {
  dense: "Dense",
  conv2d: "Conv2D",
  maxPooling2d: "MaxPooling2D",
  flatten: "Flatten",
  activation: "Activation",
  add: "Add (residual)",
};

/** Defaults of a new row of `type`. */
export function defaultRow(type) {
  switch (type) {
    case "dense":
      return { type, units: 32, activation: "relu" };
    case "conv2d":
      return { type, filters: 8, kernelSize: 3, strides: 1, padding: "valid", activation: "relu" };
    case "maxPooling2d":
      return { type, poolSize: 2 };
    case "activation":
      return { type, activation: "relu" };
    case "add":
      return { type, from: 1 };
    default:
      return { type: "flatten" };
  }
}

function tfjsLayer(r) {
  switch (r.type) {
    case "dense":
      return { type: "dense", units: r.units, activation: r.activation };
    case "conv2d":
      return {
        type: "conv2d",
        filters: r.filters,
        kernelSize: r.kernelSize,
        strides: r.strides,
        padding: r.padding,
        activation: r.activation,
      };
    case "maxPooling2d":
      return { type: "maxPooling2d", poolSize: r.poolSize };
    case "flatten":
      return { type: "flatten" };
    case "activation":
      return { type: "activation", activation: r.activation };
    case "add":
      return { type: "add" };
    default:
      throw new Error(`unknown layer type '${r.type}'`);
  }
}

/**
 * The model config of `rows` on inputs of shape `inputShape` (per sample, e.g. [8, 8, 1]):
 * `{functional: false, config}` for `Sequential.fromConfig`, or `{functional: true, config}`
 * for `Model.fromConfig` when a row is an `add` (layers named `layer1`, `layer2`, …).
 */
export function modelConfig(rows, inputShape, seed) {
  const layers = rows.map(tfjsLayer);
  if (!rows.some((r) => r.type === "add")) return { functional: false, config: { inputShape, seed, layers } };
  const named = layers.map((l, i) => ({ ...l, name: `layer${i + 1}`, inputs: [i === 0 ? "input" : `layer${i}`] }));
  rows.forEach((r, i) => {
    if (r.type !== "add") return;
    if (!Number.isInteger(r.from) || r.from < 1 || r.from > i) {
      throw new Error(`layer ${i + 1} (Add): 'from' must be the number of an earlier layer (1 to ${i}), got ${r.from}`);
    }
    named[i].inputs.push(`layer${r.from}`);
  });
  return { functional: true, config: { inputs: [{ name: "input", shape: inputShape }], layers: named, outputs: [`layer${rows.length}`], seed } };
}

/** Per row, `{outputShape, params}` from the model's Keras-style `summary()`. */
export function rowSummaries(summary, functional, n) {
  if (functional) {
    return Array.from({ length: n }, (_, i) => {
      const l = summary.layers.find((x) => x.name === `layer${i + 1}`);
      return l ? { outputShape: l.outputShape, params: l.params } : null;
    });
  }
  return summary.layers.slice(0, n).map((l) => ({ outputShape: l.outputShape, params: l.params }));
}
