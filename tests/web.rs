//! The reference checks compiled to wasm32 (SIMD128) and run in headless Chromium by
//! `wasm-pack test --headless --chrome`: the same bodies as the native tests (`common`),
//! the same fixtures (embedded with `include_bytes!`).
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn train_one_adam_step_matches_keras() {
    common::training::check_one_adam_step();
}

#[wasm_bindgen_test]
fn train_three_epochs_match_keras() {
    common::training::check_three_epochs();
}

#[wasm_bindgen_test]
fn train_cnn_one_adam_step_matches_keras() {
    common::training::check_one_step(common::training::Case::Cnn);
}

#[wasm_bindgen_test]
fn train_cnn_three_epochs_match_keras() {
    common::training::check_epochs(common::training::Case::Cnn);
}

#[wasm_bindgen_test]
fn train_cnn_bn_matches_keras() {
    common::training::check_one_step(common::training::Case::CnnBn);
    common::training::check_epochs(common::training::Case::CnnBn);
}

#[wasm_bindgen_test]
fn train_cnn_residual_matches_keras() {
    common::training::check_one_step(common::training::Case::CnnRes);
    common::training::check_epochs(common::training::Case::CnnRes);
}

#[wasm_bindgen_test]
fn convert_every_variant_matches_tensorflow() {
    common::convert::check_conversions();
}

#[wasm_bindgen_test]
fn convert_calibration_ranges_match_tensorflow() {
    common::convert::check_calibration_ranges();
}

#[wasm_bindgen_test]
fn interpreter_matches_litert_reference() {
    common::reference::check_interpreter_reference_cases();
}

#[wasm_bindgen_test]
fn interpreter_intermediates_match_litert_reference() {
    common::reference::check_all_intermediates();
}

#[wasm_bindgen_test]
fn import_matches_tensorflow() {
    common::reference::check_import_matches_tensorflow();
}

#[wasm_bindgen_test]
fn import_rejections() {
    common::reference::check_import_rejections();
}

#[wasm_bindgen_test]
fn digits_accuracy_matches_reference() {
    common::reference::check_digits_accuracy();
}

#[wasm_bindgen_test]
fn evaluate_errors() {
    common::reference::check_evaluate_errors();
}

#[wasm_bindgen_test]
fn bad_files_are_errors() {
    common::reference::check_bad_files();
}

#[wasm_bindgen_test]
fn bad_tensor_data_is_an_error() {
    common::reference::check_bad_tensor_data();
}

/// The bad-input table, every row with its exact message, in the browser.
#[wasm_bindgen_test]
fn bad_input_table() {
    assert!(common::bad_inputs::check_table() >= 40);
}
