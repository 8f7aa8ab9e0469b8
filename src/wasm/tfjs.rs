//! `Sequential.fromTfjs(modelJson, weightShards)` (and `Model.fromTfjs`, the same
//! function): a TF.js layers model from its `model.json` and weight files;
//! `TFLiteConverter.fromTfjs` converts one directly. This file only gathers bytes and text
//! from JS values; `crate::tfjs` reads them.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::model::{JsModel, JsSequential};
use super::{bad, from_js, js_err, JsConverter};
use crate::tfjs::{self, Shards};

/// The bytes of an `ArrayBuffer` or of any typed array / `DataView` (its own window of
/// its buffer).
fn bytes_of(what: &str, v: &JsValue) -> Result<Vec<u8>, JsError> {
    if let Some(b) = v.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(b).to_vec());
    }
    if ArrayBuffer::is_view(v) {
        let get = |k: &str| Reflect::get(v, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let buffer = get("buffer");
        let offset = get("byteOffset").as_f64().unwrap_or(0.0) as u32;
        let len = get("byteLength").as_f64().unwrap_or(0.0) as u32;
        return Ok(Uint8Array::new_with_byte_offset_and_length(&buffer, offset, len).to_vec());
    }
    Err(bad(format!(
        "{what} must be an ArrayBuffer or a Uint8Array, got {}",
        v.js_typeof().as_string().unwrap_or_default()
    )))
}

/// The weight files: one buffer of every shard concatenated in manifest order (or an
/// array of buffers, as `tf.io.fromMemory` takes), or `{[path]: bytes}` / a `Map`.
enum Gathered {
    Concatenated(Vec<u8>),
    Files(Vec<(String, Vec<u8>)>),
}

fn gather(v: &JsValue) -> Result<Gathered, JsError> {
    const WHAT: &str = "fromTfjs: weightShards";
    if v.is_undefined() || v.is_null() {
        return Ok(Gathered::Files(Vec::new()));
    }
    if v.is_instance_of::<ArrayBuffer>() || ArrayBuffer::is_view(v) {
        return Ok(Gathered::Concatenated(bytes_of(WHAT, v)?));
    }
    if Array::is_array(v) {
        let mut all = Vec::new();
        for (i, b) in Array::from(v).iter().enumerate() {
            all.extend(bytes_of(&format!("{WHAT}[{i}]"), &b)?);
        }
        return Ok(Gathered::Concatenated(all));
    }
    let entries: Array = if let Some(m) = v.dyn_ref::<js_sys::Map>() {
        Array::from(&m.entries().into())
    } else if v.is_object() {
        Object::entries(v.unchecked_ref())
    } else {
        return Err(bad(format!(
            "{WHAT} must be {{[path]: Uint8Array}}, a Map, or one ArrayBuffer of every shard \
             in manifest order"
        )));
    };
    let mut files = Vec::new();
    for e in entries.iter() {
        let e = Array::from(&e);
        let name = e.get(0).as_string().ok_or_else(|| {
            bad(format!(
                "{WHAT}: keys must be the manifest's paths (strings)"
            ))
        })?;
        let b = bytes_of(&format!("{WHAT}['{name}']"), &e.get(1))?;
        files.push((name, b));
    }
    Ok(Gathered::Files(files))
}

/// `model.json` as text (a string or its bytes) or as the parsed object.
fn model_json(v: &JsValue) -> Result<serde_json::Value, JsError> {
    let text = if let Some(s) = v.as_string() {
        Some(s)
    } else if v.is_instance_of::<ArrayBuffer>() || ArrayBuffer::is_view(v) {
        let b = bytes_of("fromTfjs: modelJson", v)?;
        Some(String::from_utf8(b).map_err(|e| {
            bad(format!(
                "fromTfjs: model.json is not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ))
        })?)
    } else {
        None
    };
    match text {
        Some(t) => tfjs::parse_json(&t).map_err(js_err),
        None if v.is_object() => from_js("fromTfjs: modelJson", v.clone()),
        None => Err(bad(
            "fromTfjs: modelJson must be the parsed model.json, its text, or its bytes",
        )),
    }
}

/// Reads the model; a `Sequential` topology gives a `Sequential`, a functional one a
/// `Model`.
fn from_tfjs(model: JsValue, shards: JsValue) -> Result<JsValue, JsError> {
    let json = model_json(&model)?;
    let m = match gather(&shards)? {
        Gathered::Concatenated(b) => tfjs::load(&json, &Shards::Concatenated(&b)),
        Gathered::Files(f) => tfjs::load(
            &json,
            &Shards::Files(f.iter().map(|(p, b)| (p.clone(), b.as_slice())).collect()),
        ),
    }
    .map_err(js_err)?;
    let inner = Rc::new(RefCell::new(m));
    Ok(if inner.borrow().is_sequential() {
        JsSequential { inner }.into()
    } else {
        JsModel { inner }.into()
    })
}

#[wasm_bindgen(js_class = Sequential)]
impl JsSequential {
    /// `Sequential.fromTfjs(modelJson, weightShards)`: a TF.js layers model (what
    /// `tf.loadLayersModel` reads; `tensorflowjs_converter` and `model.save()` write it).
    /// `modelJson`: the parsed `model.json`, its text or its bytes. `weightShards`: `{[path]:
    /// Uint8Array}` keyed by the manifest's paths (or the files' names), a `Map`, or one
    /// `ArrayBuffer` of every shard concatenated in manifest order (as `tf.io.fromMemory`
    /// takes). Returns a `Sequential`, or a `Model` for a functional topology. Weights stored
    /// as float32 or quantized (`uint8` / `uint16` / `float16`) are decoded as TF.js decodes
    /// them. Throws an `Error` naming the layer, weight or file at fault.
    #[wasm_bindgen(js_name = fromTfjs, unchecked_return_type = "Sequential | Model")]
    pub fn from_tfjs(
        #[wasm_bindgen(unchecked_param_type = "object | string | Uint8Array")] model_json: JsValue,
        #[wasm_bindgen(
            unchecked_param_type = "Record<string, Uint8Array> | Map<string, Uint8Array> | ArrayBuffer | Uint8Array | ArrayBuffer[]"
        )]
        weight_shards: JsValue,
    ) -> Result<JsValue, JsError> {
        from_tfjs(model_json, weight_shards)
    }
}

#[wasm_bindgen(js_class = Model)]
impl JsModel {
    /// `Model.fromTfjs(modelJson, weightShards)`: the same as `Sequential.fromTfjs`.
    #[wasm_bindgen(js_name = fromTfjs, unchecked_return_type = "Sequential | Model")]
    pub fn from_tfjs(
        #[wasm_bindgen(unchecked_param_type = "object | string | Uint8Array")] model_json: JsValue,
        #[wasm_bindgen(
            unchecked_param_type = "Record<string, Uint8Array> | Map<string, Uint8Array> | ArrayBuffer | Uint8Array | ArrayBuffer[]"
        )]
        weight_shards: JsValue,
    ) -> Result<JsValue, JsError> {
        from_tfjs(model_json, weight_shards)
    }
}

#[wasm_bindgen(js_class = TFLiteConverter)]
impl JsConverter {
    /// `TFLiteConverter.fromTfjs(modelJson, weightShards)`: the converter of the TF.js layers
    /// model `Sequential.fromTfjs` reads from the same arguments — the same as
    /// `TFLiteConverter.fromModel(Sequential.fromTfjs(modelJson, weightShards))`, without
    /// keeping the model. Throws what either throws.
    #[wasm_bindgen(js_name = fromTfjs)]
    pub fn from_tfjs(
        #[wasm_bindgen(unchecked_param_type = "object | string | Uint8Array")] model_json: JsValue,
        #[wasm_bindgen(
            unchecked_param_type = "Record<string, Uint8Array> | Map<string, Uint8Array> | ArrayBuffer | Uint8Array | ArrayBuffer[]"
        )]
        weight_shards: JsValue,
    ) -> Result<JsConverter, JsError> {
        let model = from_tfjs(model_json, weight_shards)?;
        let conv = JsConverter::from_model(model.clone());
        // The converter keeps its own graph: release the model now rather than leave it to
        // a `free()` nobody can call.
        if let Ok(free) = Reflect::get(&model, &"free".into()) {
            if let Some(f) = free.dyn_ref::<js_sys::Function>() {
                let _ = f.call0(&model);
            }
        }
        conv
    }
}
