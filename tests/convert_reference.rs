//! Our converter against TensorFlow 2.21's files: for every reference case and variant,
//! the same ops and versions, tensor types and shapes, scales, zero points, int8 weights,
//! int32 biases and fp16 values (the checks live in `common::convert`, shared with the
//! browser tests). Also writes every file to `target/oracle/` with a manifest, for the
//! LiteRT oracle check (`tests/oracle/check_oracle.py`).

mod common;

use common::reference::{oracle_io, our_outputs_npy};

fn oracle_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oracle")
}

#[test]
fn every_variant_matches_tensorflow() {
    let dir = oracle_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = Vec::new();
    for c in common::convert::check_conversions() {
        let ctx = format!("{}/{}", c.case.name, c.variant);
        let file = format!("{}_{}.tflite", c.case.name, c.variant);
        std::fs::write(dir.join(&file), &c.bytes).unwrap();
        // The oracle runs our file and TF's on the same inputs: the reference test inputs
        // where the fixtures have them (and TF's saved outputs), else the seed's training
        // rows (quantized by the checker for int8/uint8 inputs). Our interpreter's outputs
        // go beside the file: the oracle holds them to LiteRT's.
        let (input, expected) = oracle_io(c.case, c.variant);
        let ours_npy = format!("{}_{}__ours.npy", c.case.name, c.variant);
        std::fs::write(dir.join(&ours_npy), our_outputs_npy(&c.bytes, &input)).unwrap();
        let float_out = matches!(c.variant, "float32" | "fp16" | "dynamic" | "int8_floatio");
        manifest.push(serde_json::json!({
            "name": ctx,
            "model": format!("target/oracle/{file}"),
            "reference_model": format!("tests/fixtures/{}", c.tf_file),
            "input_npy": format!("tests/fixtures/{input}"),
            "expected_npy": expected.map(|e| format!("tests/fixtures/{e}")),
            "ours_npy": format!("target/oracle/{ours_npy}"),
            "exact": !float_out,
            "atol": if float_out { 1e-5 } else { 0.0 },
        }));
    }
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
}

#[test]
fn calibration_ranges_match_tensorflow() {
    common::convert::check_calibration_ranges();
}
