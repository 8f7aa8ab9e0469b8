//! Bad input through the interpreter's entry points (`interp::interpreter_from_tflite`,
//! what `new Interpreter(bytes)` runs, and the tensor setters): truncated files, wrong
//! identifier, failed verification, indices out of range, wrong input counts, shapes that
//! disagree, overflowing or oversized dims, buffers past the end of the file, unsupported
//! ops, wrong dtype or length. Each is an error naming the problem, never a panic.

mod common;

use common::reference;

#[test]
fn bad_files_are_errors() {
    reference::check_bad_files();
}

#[test]
fn bad_tensor_data_is_an_error() {
    reference::check_bad_tensor_data();
}
