//! Exports beside the `.tflite` download: `cArray(bytes, stem)` → `{name, header, source}`,
//! the file as `<stem>.h` / `<stem>.cc` for TensorFlow Lite Micro (see
//! `tflite::c_array`: the layout of `xxd -i`, const and aligned to 16 bytes).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{bad, to_js};
use crate::tflite::c_array::c_array;

#[derive(Serialize)]
struct CArrayJs {
    name: String,
    header: String,
    source: String,
}

/// `cArray(bytes, stem = "model")` → `{name, header, source}`: the C identifier of the
/// array (`<stem>_tflite`), the text of `<stem>.h` and of `<stem>.cc`.
#[wasm_bindgen(js_name = cArray)]
pub fn c_array_js(bytes: &[u8], stem: Option<String>) -> Result<JsValue, JsError> {
    if bytes.is_empty() {
        return Err(bad(
            "cArray: the file is empty (a C array needs at least one byte)",
        ));
    }
    let c = c_array(bytes, stem.as_deref().unwrap_or("model"));
    to_js(&CArrayJs {
        name: c.name,
        header: c.header,
        source: c.source,
    })
}
