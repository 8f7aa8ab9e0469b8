//! A `.tflite` file as C source for microcontrollers (TensorFlow Lite Micro compiles the
//! model into the firmware): `<stem>.h` declares the array and its length, `<stem>.cc`
//! defines them.
//!
//! The array is laid out exactly as `xxd -i <stem>.tflite` prints it — the identifier is
//! the file name with every character that is not an ASCII letter or digit replaced by
//! `_` (and `__` in front when it starts with a digit), twelve `0x..` bytes per line
//! indented by two spaces, the length as `<identifier>_len` — so the files diff cleanly
//! against the usual `xxd -i` workflow. Unlike `xxd -i`, the array is `const` (it stays
//! in flash) and `alignas(16)`: the flatbuffer's buffers are 16-byte aligned relative to
//! the file start (the schema's `force_align: 16`), and TFLite Micro reads them in place.

/// The two files of a C array export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CArray {
    /// The C identifier of the array (`model_tflite` for stem `model`).
    pub name: String,
    /// `<stem>.h`: include guard, `extern` declarations of the array and its length.
    pub header: String,
    /// `<stem>.cc`: `#include "<stem>.h"`, the array (16-byte aligned) and its length.
    pub source: String,
}

/// The identifier `xxd -i` derives from a file name: each character that is not an
/// ASCII letter or digit becomes `_`; a leading digit gets `__` in front.
pub fn xxd_identifier(file_name: &str) -> String {
    let mut id: String = file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert_str(0, "__");
    }
    id
}

/// The body of `xxd -i`'s array: 12 bytes per line, `  0x1c, 0x00, …`, the last line
/// without a trailing comma, each line ended by `\n`.
pub fn xxd_body(bytes: &[u8]) -> String {
    // "0x00, " is 6 characters per byte.
    let mut s = String::with_capacity(bytes.len() * 6 + bytes.len() / 12 * 3 + 4);
    let lines = bytes.len().div_ceil(12);
    for (k, line) in bytes.chunks(12).enumerate() {
        s.push_str("  ");
        for (j, b) in line.iter().enumerate() {
            if j > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!("0x{b:02x}"));
        }
        if k + 1 < lines {
            s.push(',');
        }
        s.push('\n');
    }
    s
}

/// `model.h` / `model.cc` for `bytes` named `<stem>.tflite` (see the module docs).
/// `stem` is used as given for the file names in `#include` and in the include guard
/// (non-identifier characters become `_`); an empty stem is `model`.
pub fn c_array(bytes: &[u8], stem: &str) -> CArray {
    let stem = if stem.is_empty() { "model" } else { stem };
    let name = xxd_identifier(&format!("{stem}.tflite"));
    let guard = format!("{}_H_", xxd_identifier(stem).to_ascii_uppercase());
    let producer = concat!("litequant ", env!("CARGO_PKG_VERSION"));
    let header = format!(
        "// {stem}.tflite ({len} bytes) as a C array, written by {producer}.\n\
         // The layout of `xxd -i {stem}.tflite`, const and aligned to 16 bytes.\n\
         #ifndef {guard}\n\
         #define {guard}\n\
         \n\
         extern const unsigned char {name}[];\n\
         extern const unsigned int {name}_len;\n\
         \n\
         #endif  // {guard}\n",
        len = bytes.len(),
    );
    let source = format!(
        "#include \"{stem}.h\"\n\
         \n\
         alignas(16) const unsigned char {name}[] = {{\n\
         {body}}};\n\
         const unsigned int {name}_len = {len};\n",
        body = xxd_body(bytes),
        len = bytes.len(),
    );
    CArray {
        name,
        header,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_xxd() {
        assert_eq!(xxd_identifier("model.tflite"), "model_tflite");
        assert_eq!(xxd_identifier("my-model v2.tflite"), "my_model_v2_tflite");
        assert_eq!(xxd_identifier("8bit.tflite"), "__8bit_tflite");
    }

    #[test]
    fn body_lines_hold_twelve_bytes() {
        let bytes: Vec<u8> = (0..13).collect();
        assert_eq!(
            xxd_body(&bytes),
            "  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,\n  0x0c\n"
        );
        assert_eq!(xxd_body(&bytes[..12]).matches('\n').count(), 1);
        assert_eq!(xxd_body(&[]), "");
    }

    #[test]
    fn source_declares_aligned_array_and_length() {
        let c = c_array(&[0xab, 0xcd], "model");
        assert_eq!(c.name, "model_tflite");
        assert!(c
            .source
            .contains("alignas(16) const unsigned char model_tflite[] = {\n  0xab, 0xcd\n};\n"));
        assert!(c
            .source
            .ends_with("const unsigned int model_tflite_len = 2;\n"));
        assert!(c.header.contains("#ifndef MODEL_H_"));
        assert!(c
            .header
            .contains("extern const unsigned int model_tflite_len;"));
    }
}
