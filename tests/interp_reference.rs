//! The interpreter against LiteRT's reference kernels (`*__litert_ref.npy`, produced by
//! ai-edge-litert 2.3.0 with `BUILTIN_REF`; see tests/fixtures and the generating script
//! `gen_refs.py` kept with the reference data).
//!
//! For every case in `tests/fixtures/manifest.json`: the input rows are fed one at a time
//! (batch 1) and once as a whole batch through `resize_input`, on TF's file as read and
//! after a write → read round trip. int8/uint8 outputs must be bit-exact,
//! float32/float16/hybrid outputs within 1e-5. The `intermediates/` fixtures (every
//! non-constant tensor of the int8 models) must match exactly. The bodies live in
//! `tests/common/reference.rs` so that `tests/web.rs` runs them in the browser too.

mod common;

use common::reference::{self, graph};
use litequant::graph::DType;
use litequant::interp::Interpreter;

#[test]
fn every_manifest_case_matches_litert_reference() {
    reference::check_interpreter_reference_cases();
}

/// Both int8 FC requantization formulas, counted against the oracle; the default one
/// must be exact. Prints the other's mismatches (it documents why the default is what it
/// is).
#[test]
fn fc_requantization_variants() {
    for (mode, failures) in reference::check_fc_requantization_variants() {
        println!("{mode:?}: {failures} failures");
    }
}

#[test]
fn int8_intermediates_are_exact() {
    reference::check_all_intermediates();
}

#[test]
fn details_of_a_quantized_model() {
    let it = Interpreter::new(graph("fixed_mlp/model_uint8io.tflite")).unwrap();
    let i = &it.input_details()[0];
    assert_eq!(
        (i.dtype, i.shape.clone(), i.shape_signature.clone()),
        (DType::U8, vec![1, 32], vec![-1, 32])
    );
    assert_eq!(
        (i.scale.clone(), i.zero_point.clone()),
        (vec![0.024_173_86], vec![108]) // f32 0.024173859506845474
    );
    let o = &it.output_details()[0];
    assert_eq!(
        (o.dtype, o.scale.clone(), o.zero_point.clone()),
        (DType::U8, vec![0.00390625], vec![0])
    );
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let mut it = Interpreter::new(graph("fixed_mlp/model_int8.tflite")).unwrap();
    let e = it.set_input_f32(0, &[0.0; 32]).unwrap_err().to_string();
    assert!(e.contains("int8") && e.contains("float32"), "{e}");
    let e = it.set_input_i8(0, &[0; 31]).unwrap_err().to_string();
    assert!(e.contains("expects 32") && e.contains("got 31"), "{e}");
    assert!(it.resize_input(0, &[2, 31]).is_err());
    assert!(it.resize_input(0, &[2]).is_err());
    // The interpreter still works after the rejected resizes.
    it.set_input_i8(0, &[0; 32]).unwrap();
    it.invoke().unwrap();
    assert_eq!(it.output_i8(0).unwrap().len(), 10);
}
