//! `Interpreter`: runs any `.tflite` file we write or import (DESIGN.md, "Public JS API"),
//! with the names of TFLite's Python `Interpreter` in camelCase, and the module-level
//! `evaluate(bytes, x, y)`. Tensor indices are graph tensor indices, as in
//! `getInputDetails()[k].index`. Only type conversion happens here; the core
//! (`crate::interp`) checks everything and its errors become JS `Error`s.

use js_sys::{Float32Array, Int32Array, Int8Array, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{bad, js_err, to_js};
use crate::graph::DType;
use crate::interp::{self, Interpreter, TensorDetails};

/// One entry of `getInputDetails()` / `getOutputDetails()`: TFLite's details, with
/// `scale`/`zeroPoint` the first (per-tensor) values and `scales`/`zeroPoints`/
/// `quantizedDimension` its `quantization_parameters` (0 / empty for float tensors).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DetailsJs {
    index: usize,
    name: String,
    shape: Vec<i32>,
    shape_signature: Vec<i32>,
    dtype: &'static str,
    scale: f32,
    zero_point: i64,
    scales: Vec<f32>,
    zero_points: Vec<i64>,
    quantized_dimension: i32,
}

/// `new Interpreter(bytes)`.
#[wasm_bindgen(js_name = Interpreter)]
pub struct JsInterpreter {
    inner: Interpreter,
}

#[wasm_bindgen(js_class = Interpreter)]
impl JsInterpreter {
    /// Reads (and verifies) a `.tflite` file and prepares it for batch 1 (its declared shape).
    /// `options`: `{maxTensorBytes}` — the most bytes one tensor may take (default 512 MiB).
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8], options: JsValue) -> Result<JsInterpreter, JsError> {
        let mut opts = interp::InterpreterOptions::default();
        if options.is_object() {
            let v = js_sys::Reflect::get(&options, &"maxTensorBytes".into())
                .unwrap_or(JsValue::UNDEFINED);
            if !v.is_undefined() {
                let n = v
                    .as_f64()
                    .filter(|n| *n >= 1.0 && n.fract() == 0.0)
                    .ok_or_else(|| {
                        JsError::new(&format!(
                        "Interpreter: maxTensorBytes must be a whole number of bytes ≥ 1, got {v:?}"
                    ))
                    })?;
                opts.max_tensor_bytes = n.min(usize::MAX as f64) as usize;
            }
        }
        Ok(JsInterpreter {
            inner: interp::interpreter_from_tflite_with(bytes, opts).map_err(js_err)?,
        })
    }

    #[wasm_bindgen(js_name = getInputDetails)]
    pub fn get_input_details(&self) -> Result<JsValue, JsError> {
        self.details(self.inner.input_details())
    }

    #[wasm_bindgen(js_name = getOutputDetails)]
    pub fn get_output_details(&self) -> Result<JsValue, JsError> {
        self.details(self.inner.output_details())
    }

    /// `resizeInput(index, shape)`: a new shape for an input (e.g. a batch size, where the
    /// shape signature has -1).
    #[wasm_bindgen(js_name = resizeInput)]
    pub fn resize_input(&mut self, index: usize, shape: Vec<i32>) -> Result<(), JsError> {
        let k = self.input_position(index, "resizeInput")?;
        self.inner.resize_input(k, &shape).map_err(js_err)
    }

    /// Kept for TFLite users: tensors are (re)allocated by the constructor and
    /// `resizeInput`, so this does nothing.
    #[wasm_bindgen(js_name = allocateTensors)]
    pub fn allocate_tensors(&self) {}

    /// `setTensor(index, typedArray)`: copies the data into an input. The array type must
    /// match the input's dtype and its length the input's current shape.
    #[wasm_bindgen(js_name = setTensor)]
    pub fn set_tensor(&mut self, index: usize, value: JsValue) -> Result<(), JsError> {
        let k = self.input_position(index, "setTensor")?;
        // Straight from the JS array into the input's buffer: one copy, no allocation.
        let r = if let Some(a) = value.dyn_ref::<Float32Array>() {
            self.inner
                .input_f32_mut(k, a.length() as usize)
                .map(|b| a.copy_to(b))
        } else if let Some(a) = value.dyn_ref::<Int8Array>() {
            self.inner
                .input_i8_mut(k, a.length() as usize)
                .map(|b| a.copy_to(b))
        } else if let Some(a) = value.dyn_ref::<Uint8Array>() {
            self.inner
                .input_u8_mut(k, a.length() as usize)
                .map(|b| a.copy_to(b))
        } else {
            let t = &self.inner.graph().tensors[index];
            let got = if value.is_instance_of::<Int32Array>() {
                "an Int32Array".to_string()
            } else {
                format!("{:?}", value.js_typeof().as_string().unwrap_or_default())
            };
            return Err(bad(format!(
                "setTensor: tensor {index} ('{}') is {}: pass a {}, got {got}",
                t.name,
                t.dtype.name(),
                typed_array_name(t.dtype)
            )));
        };
        r.map_err(|e| bad(format!("setTensor: tensor {index}: {e}")))
    }

    /// `inputView(i)`: the `i`-th model input (`getInputDetails()[i]`) as a typed array of
    /// its dtype **over the interpreter's own buffer in wasm memory** — writing into it sets
    /// the input with no copy and no call (the zero-copy path of LiteRT.js's and
    /// tfjs-tflite's tensor buffers).
    ///
    /// The view stays valid until the next `resizeInput` (which may reallocate the buffer)
    /// or until wasm memory grows (any call that allocates — constructing a model or an
    /// interpreter, converting, training — may grow it; `invoke` never does). A stale view
    /// is detached and has length 0, or no longer aliases the tensor: take a new one after
    /// any such call. `setTensor`/`getTensor` copy and are always safe.
    #[wasm_bindgen(js_name = inputView)]
    pub fn input_view(&mut self, i: usize) -> Result<JsValue, JsError> {
        let idx = *self.inner.graph().inputs.get(i).ok_or_else(|| {
            bad(format!(
                "inputView: input {i} out of range (model has {} inputs)",
                self.inner.graph().inputs.len()
            ))
        })?;
        let n = self.current_len(idx);
        let it = &mut self.inner;
        let e = |e| bad(format!("inputView: {e}"));
        // SAFETY: each view aliases a buffer the interpreter owns and never reallocates
        // outside `resize_input`; JS is told when the view becomes invalid (see above).
        Ok(unsafe {
            match self_dtype(it, idx) {
                DType::F32 => {
                    Float32Array::view_mut_raw(it.input_f32_mut(i, n).map_err(e)?.as_mut_ptr(), n)
                        .into()
                }
                DType::I8 => {
                    Int8Array::view_mut_raw(it.input_i8_mut(i, n).map_err(e)?.as_mut_ptr(), n)
                        .into()
                }
                DType::U8 => {
                    Uint8Array::view_mut_raw(it.input_u8_mut(i, n).map_err(e)?.as_mut_ptr(), n)
                        .into()
                }
                other => {
                    return Err(bad(format!(
                        "inputView: input {i} is {}, which has no typed array here",
                        other.name()
                    )))
                }
            }
        })
    }

    /// `outputView(i)`: the `i`-th model output (`getOutputDetails()[i]`) as a typed array
    /// over the interpreter's buffer: after each `invoke` it holds the new results, with no
    /// copy. Valid as long as an `inputView` (see there); read, don't write.
    #[wasm_bindgen(js_name = outputView)]
    pub fn output_view(&self, i: usize) -> Result<JsValue, JsError> {
        let idx = *self.inner.graph().outputs.get(i).ok_or_else(|| {
            bad(format!(
                "outputView: output {i} out of range (model has {} outputs)",
                self.inner.graph().outputs.len()
            ))
        })?;
        let it = &self.inner;
        // SAFETY: as in `inputView`.
        Ok(unsafe {
            match self_dtype(it, idx) {
                DType::F32 => Float32Array::view(it.tensor_f32_ref(idx).map_err(js_err)?).into(),
                DType::I8 => Int8Array::view(it.tensor_i8_ref(idx).map_err(js_err)?).into(),
                DType::U8 => Uint8Array::view(it.tensor_u8_ref(idx).map_err(js_err)?).into(),
                DType::I32 => Int32Array::view(it.tensor_i32_ref(idx).map_err(js_err)?).into(),
                other => {
                    return Err(bad(format!(
                        "outputView: output {i} is {}, which has no typed array here",
                        other.name()
                    )))
                }
            }
        })
    }

    pub fn invoke(&mut self) -> Result<(), JsError> {
        self.inner.invoke().map_err(js_err)
    }

    /// `getTensor(index)`: a copy of any tensor (an output after `invoke()`, an input, an
    /// intermediate or a constant) as a typed array of its dtype.
    #[wasm_bindgen(js_name = getTensor)]
    pub fn get_tensor(&self, index: usize) -> Result<JsValue, JsError> {
        let dtype = self
            .inner
            .graph()
            .tensors
            .get(index)
            .map(|t| t.dtype)
            .ok_or_else(|| {
                bad(format!(
                    "getTensor: tensor index {index} out of range ({} tensors)",
                    self.inner.graph().tensors.len()
                ))
            })?;
        let it = &self.inner;
        // One copy, from the tensor's buffer into a new JS array.
        Ok(match dtype {
            DType::F32 => Float32Array::from(it.tensor_f32_ref(index).map_err(js_err)?).into(),
            DType::I8 => Int8Array::from(it.tensor_i8_ref(index).map_err(js_err)?).into(),
            DType::U8 => Uint8Array::from(it.tensor_u8_ref(index).map_err(js_err)?).into(),
            DType::I32 => Int32Array::from(it.tensor_i32_ref(index).map_err(js_err)?).into(),
            other => {
                return Err(bad(format!(
                    "getTensor: tensor {index} is {}, which has no typed array here",
                    other.name()
                )))
            }
        })
    }
}

fn self_dtype(it: &Interpreter, idx: usize) -> DType {
    it.graph().tensors[idx].dtype
}

impl JsInterpreter {
    /// Element count of tensor `idx` at its current shape.
    fn current_len(&self, idx: usize) -> usize {
        self.inner
            .tensor_shape(idx)
            .map(|s| s.iter().map(|&d| d.max(0) as usize).product())
            .unwrap_or(0)
    }

    fn details(&self, list: Vec<TensorDetails>) -> Result<JsValue, JsError> {
        let out: Vec<DetailsJs> = list
            .into_iter()
            .map(|d| {
                let quantized_dimension = self.inner.graph().tensors[d.index]
                    .quant
                    .as_ref()
                    .map_or(0, |q| q.quantized_dimension);
                DetailsJs {
                    index: d.index,
                    name: d.name,
                    shape: d.shape,
                    shape_signature: d.shape_signature,
                    dtype: d.dtype.name(),
                    scale: d.scale.first().copied().unwrap_or(0.0),
                    zero_point: d.zero_point.first().copied().unwrap_or(0),
                    scales: d.scale,
                    zero_points: d.zero_point,
                    quantized_dimension,
                }
            })
            .collect();
        to_js(&out)
    }

    /// Position among the graph inputs of tensor `index`.
    fn input_position(&self, index: usize, what: &str) -> Result<usize, JsError> {
        let inputs = &self.inner.graph().inputs;
        inputs.iter().position(|&i| i == index).ok_or_else(|| {
            bad(format!(
                "{what}: tensor {index} is not a model input (inputs: {inputs:?})"
            ))
        })
    }
}

fn typed_array_name(d: DType) -> &'static str {
    match d {
        DType::F32 => "Float32Array",
        DType::I8 => "Int8Array",
        DType::U8 => "Uint8Array",
        DType::I32 => "Int32Array",
        _ => "typed array of a supported dtype",
    }
}

/// What `evaluate` returns to JS.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EvalJs {
    accuracy: f64,
    n: usize,
    correct: usize,
    loss: Option<f64>,
}

/// `evaluate(bytes, x, y)` → `{accuracy, n, correct, loss}`: runs a `.tflite` file on
/// `x` (N rows, Float32Array; quantized for int8/uint8 inputs as TFLite's QUANTIZE does)
/// and scores the argmax of its output against the labels `y` (Int32Array of N).
#[wasm_bindgen]
pub fn evaluate(bytes: &[u8], x: &[f32], y: &[i32]) -> Result<JsValue, JsError> {
    let r = interp::evaluate_tflite(bytes, x, y).map_err(js_err)?;
    to_js(&EvalJs {
        accuracy: r.accuracy,
        n: r.n,
        correct: r.correct,
        loss: r.loss,
    })
}
