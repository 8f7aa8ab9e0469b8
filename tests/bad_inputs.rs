//! The bad-input table (`tests/fixtures/bad_inputs/table.json`, the README's table): every
//! row natively, with its exact message (`common::bad_inputs`; `tests/web.rs` runs the
//! same rows in the browser, `tests/js/bad_inputs.test.mjs` through the JS API).
//!
//! `write_bad_input_files` (ignored; `cargo test --test bad_inputs -- --ignored`) writes the
//! table's input files from the fixtures it names: run it after changing them, commit them.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::reference::{edited, npy_bytes, sg0};
use litequant::tflite::schema_generated::tflite as fb;

#[test]
fn every_row_gets_its_message() {
    let n = common::bad_inputs::check_table();
    assert!(n >= 40, "{n} rows");
}

/// A `.npy` (v1) with a hand-written header: dtypes and orders `npyz` does not write.
fn npy_raw(descr: &str, fortran: bool, shape: &str, body: &[u8]) -> Vec<u8> {
    let mut h = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
        if fortran { "True" } else { "False" }
    );
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((h.len() as u16).to_le_bytes());
    out.extend(h.as_bytes());
    out.extend(body);
    out
}

#[test]
#[ignore = "writes tests/fixtures/bad_inputs/; run by hand after changing it"]
fn write_bad_input_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad_inputs");
    std::fs::create_dir_all(&dir).unwrap();
    let put = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    let good = common::fixture("fixed_mlp/model_int8.tflite");
    put("good_int8.tflite", good);
    put(
        "good_float32.tflite",
        common::fixture("fixed_mlp/model_float32.tflite"),
    );
    put("truncated_3.tflite", &good[..3]);
    put("truncated_100.tflite", &good[..100]);
    put("truncated_half.tflite", &good[..good.len() / 2]);
    let mut b = good.to_vec();
    b[4..8].copy_from_slice(b"TFL2");
    put("identifier_tfl2.tflite", &b);
    let mut b = good.to_vec();
    b[0..4].copy_from_slice(&(good.len() as u32 + 64).to_le_bytes());
    put("root_past_end.tflite", &b);
    // The u32 length prefix of the first FULLY_CONNECTED's weight bytes.
    let g = litequant::tflite::read(good).unwrap();
    let w = g.tensors[g.ops[0].inputs[1] as usize].data.clone().unwrap();
    let at = good.windows(w.len()).position(|x| x == &w[..]).unwrap();
    let mut b = good.to_vec();
    b[at - 4..at].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    put("buffer_length_past_end.tflite", &b);
    put(
        "buffer_outside_file.tflite",
        &edited(|m| {
            let b = &mut m.buffers.as_mut().unwrap()[2];
            b.data = None;
            b.offset = 1 << 40;
            b.size = 1 << 30;
        }),
    );
    put(
        "buffer_index_999.tflite",
        &edited(|m| sg0(m).tensors.as_mut().unwrap()[1].buffer = 999),
    );
    put(
        "op_input_index_77.tflite",
        &edited(|m| sg0(m).operators.as_mut().unwrap()[0].inputs = Some(vec![0, 77, -1])),
    );
    put(
        "op_one_input.tflite",
        &edited(|m| sg0(m).operators.as_mut().unwrap()[0].inputs = Some(vec![0])),
    );
    put(
        "shape_31_wide.tflite",
        &edited(|m| {
            let t = &mut sg0(m).tensors.as_mut().unwrap()[0];
            t.shape = Some(vec![1, 31]);
            t.shape_signature = Some(vec![-1, 31]);
        }),
    );
    put(
        "dims_overflow.tflite",
        &edited(|m| {
            sg0(m).tensors.as_mut().unwrap()[0].shape = Some(vec![i32::MAX, i32::MAX, i32::MAX, 4])
        }),
    );
    put(
        "input_too_large.tflite",
        &edited(|m| {
            let t = &mut sg0(m).tensors.as_mut().unwrap()[0];
            t.shape = Some(vec![1 << 20, 1 << 10]);
            t.shape_signature = None;
        }),
    );
    put(
        "negative_dim.tflite",
        &edited(|m| {
            let t = &mut sg0(m).tensors.as_mut().unwrap()[0];
            t.shape = Some(vec![1, -32]);
            t.shape_signature = None;
        }),
    );
    // Op 0 reads the output of the last op: a cycle / a tensor no earlier op writes.
    put(
        "reads_unwritten_tensor.tflite",
        &edited(|m| {
            let sg = sg0(m);
            let last = sg
                .operators
                .as_ref()
                .unwrap()
                .last()
                .unwrap()
                .outputs
                .clone()
                .unwrap()[0];
            sg.operators.as_mut().unwrap()[0].inputs.as_mut().unwrap()[0] = last;
        }),
    );
    put(
        "conv2d_v7.tflite",
        &edited(|m| {
            let c = &mut m.operator_codes.as_mut().unwrap()[0];
            c.builtin_code = fb::BuiltinOperator::Conv2d;
            c.deprecated_builtin_code = 3;
            c.version = 7;
        }),
    );
    put(
        "fc_v99.tflite",
        &edited(|m| m.operator_codes.as_mut().unwrap()[0].version = 99),
    );
    put(
        "custom_op.tflite",
        &edited(|m| {
            let c = &mut m.operator_codes.as_mut().unwrap()[0];
            c.builtin_code = fb::BuiltinOperator::Custom;
            c.deprecated_builtin_code = 32;
            c.custom_code = Some("MyFancyOp".into());
        }),
    );
    // .npy
    let x: Vec<f32> = (0..8).map(|i| i as f32 / 8.0).collect();
    put("features.npy", &npy_bytes(&x, &[4, 2]));
    put("labels.npy", &npy_bytes(&[0i32, 1, 0, 1], &[4]));
    let mut xn = x.clone();
    xn[5] = f32::NAN;
    put("features_nan.npy", &npy_bytes(&xn, &[4, 2]));
    put("labels_negative.npy", &npy_bytes(&[0i32, 1, -1, 1], &[4]));
    put(
        "labels_fraction.npy",
        &npy_bytes(&[0.0f32, 1.5, 0.0, 1.0], &[4]),
    );
    // Big-endian and Fortran-order arrays of a supported dtype are read (byte-swapped,
    // reordered); these are the bad ones: a big-endian complex dtype, and a Fortran-order
    // array whose body is shorter than its shape.
    let be: Vec<u8> = x.iter().flat_map(|v| v.to_be_bytes()).collect();
    put(
        "features_big_endian.npy",
        &npy_raw(">c8", false, "(4, 1)", &be),
    );
    let le: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    put(
        "features_fortran.npy",
        &npy_raw("<f4", true, "(4, 2)", &le[..16]),
    );
    put(
        "features_object.npy",
        &npy_raw("|O", false, "(4, 2)", &[0x80, 0x02, 0x5d]),
    );
    // .csv
    put("ragged.csv", b"a,b,label\n0.1,0.2,0\n0.3,1\n0.5,0.6,1\n");
    put("text_in_number.csv", b"a,b,label\n0.1,0.2,0\n0.3,abc,1\n");
    put("inf_in_csv.csv", b"a,b,label\n0.1,inf,0\n0.3,0.4,1\n");
    put("label_fraction.csv", b"a,b,label\n0.1,0.2,0\n0.3,0.4,1.5\n");
    // TF.js
    let tfjs = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tfjs/fixed_mlp/float32");
    put(
        "tfjs_model.json",
        &std::fs::read(tfjs.join("model.json")).unwrap(),
    );
    let shard = std::fs::read(tfjs.join("group1-shard1of1.bin")).unwrap();
    put("tfjs_group1-shard1of1.bin", &shard);
    put("tfjs_short.bin", &shard[..shard.len() - 100]);
}

/// Prints every row's message (to fill in a new row's `message`).
#[test]
#[ignore = "prints the messages; for writing the table"]
fn print_messages() {
    for row in common::bad_inputs::rows() {
        println!("{} {:?}", row["id"], common::bad_inputs::run(&row));
    }
}
