//! `interp::evaluate`: accuracy of whole files on a labelled dataset (the digits test set
//! against TF's `accuracy.json`), input quantization as TFLite's QUANTIZE, bad data.

mod common;

use common::reference;

#[test]
fn digits_accuracy_matches_tensorflow() {
    reference::check_digits_accuracy();
}

#[test]
fn evaluate_rejects_data_that_does_not_fit() {
    reference::check_evaluate_errors();
}
