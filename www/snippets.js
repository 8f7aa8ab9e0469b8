// Code that runs one of the page's files outside the page: Python with LiteRT
// (ai-edge-litert) and JavaScript with litequant's own API. Each quantizes a float input as
// TFLite's QUANTIZE does (x / scale in float32, round half away from zero, + zero point,
// clamp) and dequantizes the output ((q - zero point) * scale), with the file's own
// parameters written in as comments. The e2e test runs the Python snippet.

const RANGE = { int8: [-128, 127], uint8: [0, 255] };
const NP = { int8: "np.int8", uint8: "np.uint8", float32: "np.float32" };
const TYPED = { int8: "Int8Array", uint8: "Uint8Array" };

/** Shortest decimal that reads back as the same float32. */
export function f32(v) {
  const x = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(x.toPrecision(p));
    if (Math.fround(s) === x) return String(s);
  }
  return String(x);
}

const list = (values) => Array.from(values, f32).join(", ");
const shape = (d) => `[${d.shape.join(", ")}]`;

/** Python: LiteRT's interpreter on `filename`, one sample `values`. */
export function pythonSnippet(filename, io, values) {
  const inp = io.inputs[0];
  const out = io.outputs[0];
  const lines = [
    `# ${filename}: input ${inp.dtype} ${shape(inp)}, output ${out.dtype} ${shape(out)}`,
    "import numpy as np",
    "from ai_edge_litert.interpreter import Interpreter",
    "",
    `interpreter = Interpreter(model_path="${filename}")`,
    "interpreter.allocate_tensors()",
    "inp = interpreter.get_input_details()[0]",
    "out = interpreter.get_output_details()[0]",
    "",
    `x = np.array([${list(values)}], dtype=np.float32).reshape(inp["shape"])`,
  ];
  if (inp.dtype in RANGE) {
    const [lo, hi] = RANGE[inp.dtype];
    lines.push(
      `scale, zero_point = inp["quantization"]  # ${f32(inp.scale)}, ${inp.zeroPoint}`,
      "q = x / np.float32(scale)  # as TFLite's QUANTIZE: round half away from zero",
      `x = np.clip(np.sign(q) * np.floor(np.abs(q) + 0.5) + zero_point, ${lo}, ${hi}).astype(${NP[inp.dtype]})`,
    );
  }
  lines.push('interpreter.set_tensor(inp["index"], x)', "interpreter.invoke()", 'y_raw = interpreter.get_tensor(out["index"])');
  if (out.dtype in RANGE) {
    lines.push(
      `scale, zero_point = out["quantization"]  # ${f32(out.scale)}, ${out.zeroPoint}`,
      "y = (y_raw.astype(np.float32) - zero_point) * np.float32(scale)",
    );
  } else {
    lines.push("y = y_raw");
  }
  lines.push('print("raw:", y_raw.ravel().tolist())', 'print("values:", y.ravel().tolist())');
  return lines.join("\n");
}

/** JavaScript: litequant's Interpreter (pkg/litequant.js) on `filename`, one sample. */
export function jsSnippet(filename, io, values) {
  const inp = io.inputs[0];
  const out = io.outputs[0];
  const lines = [
    `// ${filename}: input ${inp.dtype} ${shape(inp)}, output ${out.dtype} ${shape(out)}`,
    'import init, { Interpreter } from "./pkg/litequant.js";',
    "await init();",
    `const bytes = new Uint8Array(await (await fetch("${filename}")).arrayBuffer());`,
    "const it = new Interpreter(bytes);",
    "const [inp] = it.getInputDetails();",
    "const [out] = it.getOutputDetails();",
    `const x = new Float32Array([${list(values)}]);`,
  ];
  if (inp.dtype in RANGE) {
    const [lo, hi] = RANGE[inp.dtype];
    lines.push(
      `// inp.scale = ${f32(inp.scale)}, inp.zeroPoint = ${inp.zeroPoint}; as TFLite's QUANTIZE: round half away from zero`,
      `const xq = ${TYPED[inp.dtype]}.from(x, (v) => {`,
      "  const q = Math.fround(v / inp.scale);",
      `  return Math.min(${hi}, Math.max(${lo}, Math.sign(q) * Math.round(Math.abs(q)) + inp.zeroPoint));`,
      "});",
      "it.setTensor(inp.index, xq);",
    );
  } else {
    lines.push("it.setTensor(inp.index, x);");
  }
  lines.push("it.invoke();", "const yRaw = it.getTensor(out.index);");
  if (out.dtype in RANGE) {
    lines.push(`// out.scale = ${f32(out.scale)}, out.zeroPoint = ${out.zeroPoint}`, "const y = Array.from(yRaw, (q) => (q - out.zeroPoint) * out.scale);");
  } else {
    lines.push("const y = Array.from(yRaw);");
  }
  lines.push("console.log(y);");
  return lines.join("\n");
}
