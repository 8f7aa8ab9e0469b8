//! `TfliteConverter::from_tflite`: TF's float32 files of the four reference cases, with
//! their calibration data, converted to every variant TF wrote (int8 / int8_floatio /
//! uint8io / fp16 / dynamic) equal TF's own files and outputs. Writes the files, our
//! interpreter's outputs and `target/oracle/manifest.import.json` for the LiteRT oracle
//! (`tests/oracle/check_oracle.py` reads every `manifest*.json` beside the manifest).

mod common;

use common::reference::{self, oracle_io, our_outputs_npy};

fn oracle_dir() -> std::path::PathBuf {
    // Beside convert_reference's manifest, whatever CARGO_TARGET_DIR is.
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oracle")
}

#[test]
fn imported_float_models_convert_like_tensorflow() {
    let files = reference::check_import_matches_tensorflow();
    let dir = oracle_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = Vec::new();
    for f in &files {
        let name = format!("import_{}_{}", f.case.name, f.variant.name);
        std::fs::write(dir.join(format!("{name}.tflite")), &f.bytes).unwrap();
        let (input, expected) = oracle_io(f.case, f.variant.name);
        std::fs::write(
            dir.join(format!("{name}__ours.npy")),
            our_outputs_npy(&f.bytes, &input),
        )
        .unwrap();
        let float_out = matches!(
            f.variant.name,
            "float32" | "fp16" | "dynamic" | "int8_floatio"
        );
        manifest.push(serde_json::json!({
            "name": format!("import/{}/{}", f.case.name, f.variant.name),
            "model": format!("target/oracle/{name}.tflite"),
            "reference_model": format!("tests/fixtures/{}", f.variant.tf_file),
            "input_npy": format!("tests/fixtures/{input}"),
            "expected_npy": expected.map(|e| format!("tests/fixtures/{e}")),
            "ours_npy": format!("target/oracle/{name}__ours.npy"),
            "exact": !float_out,
            "atol": if float_out { 1e-5 } else { 0.0 },
        }));
    }
    std::fs::write(
        dir.join("manifest.import.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
}

#[test]
fn import_rejects_what_it_cannot_quantize() {
    reference::check_import_rejections();
}
