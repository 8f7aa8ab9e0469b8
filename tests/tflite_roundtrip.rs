//! `.tflite` reader/writer: every fixture reads, round-trips exactly, matches the
//! structural dump made with TFLite's own schema (`tests/fixtures/**/dumps/*.json`), and
//! malformed files give errors, never panics.
//!
//! Set `LITEQUANT_DUMP_DIR=/some/dir` to also write every re-serialized fixture there
//! (for checking them in the official interpreter, ai-edge-litert).

use litequant::graph::{BuiltinOperator, BuiltinOptions, DType, Graph};
use litequant::tflite::metadata::{optimization_mode, ConversionMetadata, METADATA_NAME};
use litequant::tflite::schema_generated::tflite as fb;
use litequant::tflite::{read, write};
use litequant::Error;
use planus::ReadAsRoot;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn tflite_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "tflite") {
                out.push(p);
            }
        }
    }
    // TensorFlow's files: the Dense models, the CNNs (conv, depthwise, pooling and the
    // element-wise ops around them), the per-layer and per-op cases.
    const CASES: [&str; 8] = [
        "seed",
        "fixed_mlp",
        "fixed_edge",
        "digits_mlp",
        "cnn_fixed",
        "resnet_tiny",
        "layers",
        "ops",
    ];
    let mut out = Vec::new();
    for case in CASES {
        let dir = fixtures_dir().join(case);
        if dir.is_dir() {
            walk(&dir, &mut out);
        }
    }
    assert!(!out.is_empty(), "no .tflite fixtures found");
    out
}

fn load(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn seed_int8() -> Vec<u8> {
    load(&fixtures_dir().join("seed/model_quant_int8.tflite"))
}

#[test]
fn every_fixture_reads() {
    for path in tflite_files() {
        if let Err(e) = read(&load(&path)) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn read_write_read_is_identity_and_write_is_deterministic() {
    let dump_dir = std::env::var_os("LITEQUANT_DUMP_DIR").map(PathBuf::from);
    for path in tflite_files() {
        let g = read(&load(&path)).unwrap();
        let bytes = write(&g).unwrap();
        let g2 = read(&bytes).unwrap_or_else(|e| panic!("{}: re-read: {e}", path.display()));
        assert_eq!(
            g,
            g2,
            "{}: graph changed through write/read",
            path.display()
        );
        let bytes2 = write(&g2).unwrap();
        assert!(
            bytes == bytes2,
            "{}: write→read→write not byte-identical",
            path.display()
        );
        assert_eq!(
            write(&g).unwrap(),
            bytes,
            "{}: write not deterministic",
            path.display()
        );
        if let Some(dir) = &dump_dir {
            let rel = path.strip_prefix(fixtures_dir()).unwrap();
            let out = dir.join(rel);
            std::fs::create_dir_all(out.parent().unwrap()).unwrap();
            std::fs::write(&out, &bytes).unwrap();
        }
    }
}

/// Layout conventions of the writer, checked with the generated reader.
#[test]
fn written_layout_follows_tf_conventions() {
    let g = read(&seed_int8()).unwrap();
    let bytes = write(&g).unwrap();
    assert_eq!(&bytes[4..8], b"TFL3");
    let m = fb::ModelRef::read_as_root(&bytes).unwrap();
    assert_eq!(m.version().unwrap(), 3);
    let buffers = m.buffers().unwrap().unwrap();
    assert_eq!(buffers.len(), 1 + g.tensors.len() + g.metadata.len());
    assert!(
        buffers.get(0).unwrap().unwrap().data().unwrap().is_none(),
        "buffer 0 must be empty"
    );
    let sg = m.subgraphs().unwrap().unwrap().get(0).unwrap().unwrap();
    for (i, t) in sg.tensors().unwrap().unwrap().iter().enumerate() {
        assert_eq!(t.unwrap().buffer().unwrap() as usize, i + 1);
    }
    let md = m.metadata().unwrap().unwrap();
    for (i, e) in md.iter().enumerate() {
        assert_eq!(
            e.unwrap().buffer().unwrap() as usize,
            1 + g.tensors.len() + i
        );
    }
    let codes: Vec<_> = m
        .operator_codes()
        .unwrap()
        .unwrap()
        .iter()
        .map(|c| {
            let c = c.unwrap();
            (
                c.builtin_code().unwrap() as i32,
                c.deprecated_builtin_code().unwrap(),
                c.version().unwrap(),
            )
        })
        .collect();
    assert_eq!(codes, vec![(9, 9, 4), (25, 25, 2)]);
}

fn f32_vec(v: &Value) -> Vec<f32> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap() as f32).collect())
        .unwrap_or_default()
}

fn i64_vec(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_i64().unwrap()).collect())
        .unwrap_or_default()
}

fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::F32 => "FLOAT32",
        DType::F16 => "FLOAT16",
        DType::I32 => "INT32",
        DType::U8 => "UINT8",
        DType::I64 => "INT64",
        DType::I16 => "INT16",
        DType::I8 => "INT8",
        DType::Bool => "BOOL",
        DType::Resource => "RESOURCE",
    }
}

/// Upper-case letters and digits only: `Relu6` and `RELU6`, `ReluN1To1` and
/// `RELU_N1_TO_1` compare equal.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Every option field of the dump (TFLite's own schema code) equals ours: numbers and
/// booleans as such, enums by name (`<field>_name` in the dump), vectors element-wise.
/// Our options are serialized with the generated types' serde derive, so this checks
/// the schema's field ids and union positions for every op of every fixture.
fn check_options(ours: Option<&BuiltinOptions>, d: &Value, ctx: &str) {
    let dumped = &d["builtin_options"];
    let Some(ours) = ours else {
        assert!(dumped.is_null(), "{ctx}: options {dumped} missing");
        return;
    };
    let v = serde_json::to_value(ours).unwrap();
    let (table, fields) = v.as_object().unwrap().iter().next().unwrap();
    assert_eq!(
        Some(table.as_str()),
        d["builtin_options_type"].as_str(),
        "{ctx}: options table"
    );
    let fields = fields.as_object().unwrap();
    if fields.is_empty() {
        // A table our schema leaves unmodelled (`UnmodelledOptions` at its union position,
        // e.g. GeluOptions): its name is checked above, its fields are not read.
        return;
    }
    for (k, want) in dumped.as_object().unwrap() {
        if k.ends_with("_name") || want.is_null() {
            continue;
        }
        let got = fields
            .get(k)
            .unwrap_or_else(|| panic!("{ctx}: {table} has no field {k} (dump: {want})"));
        if let Value::String(w) = want {
            // String fields (VarHandleOptions.container / shared_name): unset reads as "".
            assert_eq!(got.as_str().unwrap_or(""), w, "{ctx}: {table}.{k}");
            continue;
        }
        match got {
            Value::String(name) => {
                match dumped[format!("{k}_name")].as_str() {
                    Some(want_name) => {
                        assert_eq!(squash(name), squash(want_name), "{ctx}: {table}.{k}")
                    }
                    // The dumper gives TensorType fields as numbers only.
                    None => {
                        let code = fb::TensorType::ENUM_VALUES
                            .iter()
                            .find(|t| format!("{t:?}") == *name)
                            .map(|&t| t as i64)
                            .unwrap_or_else(|| panic!("{ctx}: {table}.{k} = {name}"));
                        assert_eq!(Some(code), want.as_i64(), "{ctx}: {table}.{k}");
                    }
                }
            }
            Value::Number(n) => assert_eq!(n.as_f64(), want.as_f64(), "{ctx}: {table}.{k}"),
            other => assert_eq!(other, want, "{ctx}: {table}.{k}"),
        }
    }
}

/// Compares a Graph with the dump TFLite's own schema code produced for the same file.
fn check_against_dump(g: &Graph, dump: &Value, file: &str) {
    assert_eq!(
        g.description,
        dump["description"].as_str().unwrap_or(""),
        "{file}"
    );
    let sg = &dump["subgraphs"][0];
    assert_eq!(g.name, sg["name"].as_str().unwrap(), "{file}");
    let idx = |v: &Value| -> Vec<usize> { i64_vec(v).into_iter().map(|i| i as usize).collect() };
    assert_eq!(g.inputs, idx(&sg["inputs"]), "{file}");
    assert_eq!(g.outputs, idx(&sg["outputs"]), "{file}");

    let tensors = sg["tensors"].as_array().unwrap();
    assert_eq!(g.tensors.len(), tensors.len(), "{file}");
    for (t, d) in g.tensors.iter().zip(tensors) {
        let ctx = format!("{file} tensor {}", d["index"]);
        assert_eq!(t.name, d["name"].as_str().unwrap(), "{ctx}");
        assert_eq!(dtype_name(t.dtype), d["type"].as_str().unwrap(), "{ctx}");
        let shape: Vec<i32> = i64_vec(&d["shape"]).into_iter().map(|x| x as i32).collect();
        assert_eq!(t.shape, shape, "{ctx}");
        let sig = d["shape_signature"].as_array().map(|_| {
            i64_vec(&d["shape_signature"])
                .into_iter()
                .map(|x| x as i32)
                .collect::<Vec<_>>()
        });
        assert_eq!(t.shape_signature, sig, "{ctx}");
        let size = d["buffer_size"].as_u64().unwrap() as usize;
        assert_eq!(t.data.as_ref().map_or(0, |b| b.len()), size, "{ctx}");

        let q = &d["quantization"];
        let (scale, zp, min, max) = (
            f32_vec(&q["scale"]),
            i64_vec(&q["zero_point"]),
            f32_vec(&q["min"]),
            f32_vec(&q["max"]),
        );
        match &t.quant {
            None => assert!(
                scale.is_empty() && zp.is_empty() && min.is_empty() && max.is_empty(),
                "{ctx}"
            ),
            Some(tq) => {
                assert_eq!(tq.scale, scale, "{ctx} scale");
                assert_eq!(tq.zero_point, zp, "{ctx} zero_point");
                assert_eq!(tq.min, min, "{ctx} min");
                assert_eq!(tq.max, max, "{ctx} max");
                assert_eq!(
                    tq.quantized_dimension as i64,
                    q["quantized_dimension"].as_i64().unwrap(),
                    "{ctx}"
                );
            }
        }

        if let (Some(data), None) = (d["data"].as_array(), &t.sparsity) {
            // (A sparse tensor's buffer holds its compressed values: DENSIFY's input.)
            let want: Vec<f64> = data.iter().map(|x| x.as_f64().unwrap()).collect();
            let got: Vec<f64> = match t.dtype {
                DType::F32 => t.f32_data().unwrap().into_iter().map(f64::from).collect(),
                DType::F16 => t
                    .f16_data()
                    .unwrap()
                    .into_iter()
                    .map(|h| h.to_f64())
                    .collect(),
                DType::I32 => t.i32_data().unwrap().into_iter().map(f64::from).collect(),
                DType::I8 => t.i8_data().unwrap().into_iter().map(f64::from).collect(),
                _ => continue,
            };
            // Floats are dumped as short decimal reprs: compare after rounding to the dtype.
            let same = |a: f64, b: f64| match t.dtype {
                DType::F32 => a as f32 == b as f32,
                DType::F16 => half::f16::from_f64(a) == half::f16::from_f64(b),
                _ => a == b,
            };
            assert_eq!(got.len(), want.len(), "{ctx} data length");
            if let Some(k) = (0..got.len()).find(|&k| !same(got[k], want[k])) {
                panic!("{ctx} data[{k}]: got {} want {}", got[k], want[k]);
            }
        }
    }

    let codes = dump["operator_codes"].as_array().unwrap();
    let ops = sg["operators"].as_array().unwrap();
    assert_eq!(g.ops.len(), ops.len(), "{file}");
    for (op, d) in g.ops.iter().zip(ops) {
        let ctx = format!("{file} op {}", d["index"]);
        let code = &codes[d["opcode_index"].as_u64().unwrap() as usize];
        assert_eq!(
            op.name(),
            code["builtin_code_name"].as_str().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            op.builtin_code() as i64,
            code["builtin_code"].as_i64().unwrap()
        );
        assert_eq!(
            op.version as i64,
            code["version"].as_i64().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            op.inputs.iter().map(|&i| i as i64).collect::<Vec<_>>(),
            i64_vec(&d["inputs"]),
            "{ctx}"
        );
        assert_eq!(
            op.outputs.iter().map(|&i| i as i64).collect::<Vec<_>>(),
            i64_vec(&d["outputs"]),
            "{ctx}"
        );
        check_options(op.options.as_ref(), d, &ctx);
    }

    let sigs = dump["signature_defs"].as_array().unwrap();
    match &g.signature {
        None => assert!(sigs.is_empty(), "{file}"),
        Some(s) => {
            let d = &sigs[0];
            assert_eq!(s.key, d["signature_key"].as_str().unwrap(), "{file}");
            let pairs = |v: &Value| -> Vec<(String, usize)> {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|m| {
                        (
                            m["name"].as_str().unwrap().to_string(),
                            m["tensor_index"].as_u64().unwrap() as usize,
                        )
                    })
                    .collect()
            };
            let got_in: Vec<_> = s
                .inputs
                .iter()
                .map(|t| (t.name.clone(), t.tensor))
                .collect();
            let got_out: Vec<_> = s
                .outputs
                .iter()
                .map(|t| (t.name.clone(), t.tensor))
                .collect();
            assert_eq!(got_in, pairs(&d["inputs"]), "{file}");
            assert_eq!(got_out, pairs(&d["outputs"]), "{file}");
        }
    }

    let md = dump["metadata"].as_array().unwrap();
    assert_eq!(g.metadata.len(), md.len(), "{file}");
    for (m, d) in g.metadata.iter().zip(md) {
        assert_eq!(m.name, d["name"].as_str().unwrap(), "{file}");
        assert_eq!(m.data.len() as u64, d["size"].as_u64().unwrap(), "{file}");
        if m.name == METADATA_NAME {
            let c = ConversionMetadata::decode(&m.data).unwrap();
            let e = &d["decoded"]["environment"];
            let o = &d["decoded"]["options"];
            assert_eq!(
                c.version_string,
                e["tensorflow_version"].as_str().unwrap(),
                "{file}"
            );
            assert_eq!(
                c.api_version as u64,
                e["api_version"].as_u64().unwrap(),
                "{file}"
            );
            assert_eq!(
                c.model_type as i64,
                e["model_type"].as_i64().unwrap(),
                "{file}"
            );
            assert_eq!(c.model_hash, e["model_hash"].as_u64().unwrap(), "{file}");
            let modes: Vec<i32> = i64_vec(&o["model_optimization_modes"])
                .into_iter()
                .map(|x| x as i32)
                .collect();
            assert_eq!(c.optimization_modes, modes, "{file}");
            assert_eq!(
                c.allow_custom_ops,
                o["allow_custom_ops"].as_bool().unwrap(),
                "{file}"
            );
            assert_eq!(
                c.enable_select_tf_ops,
                o["enable_select_tf_ops"].as_bool().unwrap(),
                "{file}"
            );
            assert_eq!(
                c.force_select_tf_ops,
                o["force_select_tf_ops"].as_bool().unwrap(),
                "{file}"
            );
            // Our encoder reproduces the same content.
            assert_eq!(ConversionMetadata::decode(&c.encode()).unwrap(), c);
        }
    }
}

#[test]
fn every_fixture_matches_its_dump() {
    let mut checked = 0;
    for path in tflite_files() {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let dump_path = path
            .parent()
            .unwrap()
            .join("dumps")
            .join(format!("{stem}.json"));
        let Ok(text) = std::fs::read_to_string(&dump_path) else {
            continue;
        };
        let dump: Value = serde_json::from_str(&text).unwrap();
        let g = read(&load(&path)).unwrap();
        check_against_dump(&g, &dump, &path.display().to_string());
        // And after a write → read round trip.
        let g2 = read(&write(&g).unwrap()).unwrap();
        check_against_dump(&g2, &dump, &format!("{} (rewritten)", path.display()));
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} fixtures had dumps");
}

#[test]
fn seed_int8_facts() {
    let g = read(&seed_int8()).unwrap();
    assert_eq!(g.description, "MLIR Converted.");
    assert_eq!(g.name, "main");
    let versions: Vec<(&str, i32)> = g.ops.iter().map(|o| (o.name(), o.version)).collect();
    assert_eq!(
        versions,
        vec![
            ("FULLY_CONNECTED", 4),
            ("FULLY_CONNECTED", 4),
            ("SOFTMAX", 2)
        ]
    );
    match &g.ops[0].options {
        Some(BuiltinOptions::FullyConnectedOptions(o)) => {
            assert_eq!(
                o.fused_activation_function,
                fb::ActivationFunctionType::Relu
            );
            assert!(!o.keep_num_dims && !o.asymmetric_quantize_inputs);
        }
        other => panic!("{other:?}"),
    }
    match &g.ops[2].options {
        Some(BuiltinOptions::SoftmaxOptions(o)) => assert_eq!(o.beta, 1.0),
        other => panic!("{other:?}"),
    }

    let input = &g.tensors[g.inputs[0]];
    assert_eq!(input.dtype, DType::I8);
    assert_eq!(input.shape, vec![1, 32]);
    assert_eq!(input.shape_signature, Some(vec![-1, 32]));
    let q = input.quant.as_ref().unwrap();
    assert_eq!(q.zero_point, vec![-128]);
    assert_eq!(q.scale, vec![0.003_920_461_5_f32]);

    // First FC weights: int8 [64, 32], 64 per-channel scales along dim 0.
    let w = &g.tensors[g.ops[0].inputs[1] as usize];
    assert_eq!((w.dtype, w.shape.clone()), (DType::I8, vec![64, 32]));
    let wq = w.quant.as_ref().unwrap();
    assert_eq!((wq.scale.len(), wq.quantized_dimension), (64, 0));
    assert_eq!(w.data.as_ref().unwrap().len(), 64 * 32);

    let out = &g.tensors[g.outputs[0]];
    assert_eq!(out.quant.as_ref().unwrap().scale, vec![0.00390625]);
    assert_eq!(out.quant.as_ref().unwrap().zero_point, vec![-128]);

    let sig = g.signature.as_ref().unwrap();
    assert_eq!(sig.key, "serving_default");
    assert_eq!(sig.inputs[0].name, "keras_tensor");
    assert_eq!(sig.outputs[0].name, "output_0");

    let names: Vec<&str> = g.metadata.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, vec!["min_runtime_version", "CONVERSION_METADATA"]);
    let mrv = g.metadata("min_runtime_version").unwrap();
    assert_eq!(mrv.len(), 16);
    assert!(mrv.starts_with(b"1.14.0\0"));
    let c = ConversionMetadata::decode(g.metadata(METADATA_NAME).unwrap()).unwrap();
    assert_eq!(
        c.optimization_modes,
        vec![optimization_mode::PTQ_FULL_INTEGER]
    );
    assert_eq!(c.optimization_modes, vec![1003]);
    assert_eq!(c.version_string, "2.21.0");
    assert_eq!((c.api_version, c.model_type), (2, 2));
}

// ---- malformed input -------------------------------------------------------------------

fn format_msg(r: litequant::Result<Graph>) -> String {
    match r {
        Err(Error::Format { what, .. }) => what,
        other => panic!("expected a format error, got {other:?}"),
    }
}

/// Re-serializes the seed file after `edit` changes its owned (object-API) form.
fn edited(edit: impl FnOnce(&mut fb::Model)) -> Vec<u8> {
    let bytes = seed_int8();
    let mut m: fb::Model = fb::ModelRef::read_as_root(&bytes)
        .unwrap()
        .try_into()
        .unwrap();
    edit(&mut m);
    litequant::tflite::serialize_model(&m)
}

fn sg0(m: &mut fb::Model) -> &mut fb::SubGraph {
    &mut m.subgraphs.as_mut().unwrap()[0]
}

#[test]
fn unedited_object_api_copy_reads() {
    // Guards the helpers below: the unchanged re-serialization is valid.
    assert_eq!(read(&edited(|_| {})).unwrap(), read(&seed_int8()).unwrap());
}

#[test]
fn too_short_and_wrong_identifier() {
    assert_eq!(
        format_msg(read(&[0; 7])),
        "file is 7 bytes, too short for a flatbuffer"
    );
    let mut bytes = seed_int8();
    bytes[4..8].copy_from_slice(b"XXXX");
    assert_eq!(
        format_msg(read(&bytes)),
        "file identifier is 'XXXX', expected 'TFL3'"
    );
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = seed_int8();
    for n in 0..bytes.len() {
        assert!(
            read(&bytes[..n]).is_err(),
            "prefix of {n} bytes read without error"
        );
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let bytes = seed_int8();
    let mut ok = 0;
    for pos in 0..bytes.len() {
        for v in [
            0x00,
            0xff,
            0x80,
            0x7f,
            bytes[pos] ^ 0x01,
            bytes[pos].wrapping_add(4),
        ] {
            let mut b = bytes.clone();
            b[pos] = v;
            // Either outcome is fine; a panic fails the test.
            if let Ok(g) = read(&b) {
                ok += 1;
                // Whatever we accept, we can write back out.
                write(&g).unwrap();
            }
        }
    }
    assert!(ok > 0);
}

#[test]
fn buffer_index_out_of_range() {
    let bytes = edited(|m| sg0(m).tensors.as_mut().unwrap()[5].buffer = 99);
    let msg = format_msg(read(&bytes));
    assert!(
        msg.contains("tensor 5") && msg.contains("buffer index 99 out of range (11 buffers)"),
        "{msg}"
    );
}

#[test]
fn op_tensor_index_out_of_range() {
    let bytes = edited(|m| sg0(m).operators.as_mut().unwrap()[1].inputs = Some(vec![5, 2, 42]));
    let msg = format_msg(read(&bytes));
    assert!(
        msg.contains("operator 1 (FULLY_CONNECTED)")
            && msg.contains("tensor index 42 out of range"),
        "{msg}"
    );
    // -1 is allowed for inputs (omitted bias), not for outputs.
    let ok = edited(|m| sg0(m).operators.as_mut().unwrap()[1].inputs = Some(vec![5, 2, -1]));
    assert_eq!(read(&ok).unwrap().ops[1].inputs, vec![5, 2, -1]);
    let bad = edited(|m| sg0(m).operators.as_mut().unwrap()[1].outputs = Some(vec![-1]));
    assert!(format_msg(read(&bad)).contains("tensor index -1 out of range"));
}

#[test]
fn opcode_index_out_of_range() {
    let bytes = edited(|m| sg0(m).operators.as_mut().unwrap()[0].opcode_index = 7);
    assert!(format_msg(read(&bytes)).contains("opcode_index 7 out of range (2 operator codes)"));
}

#[test]
fn constant_length_disagrees_with_shape() {
    let bytes = edited(|m| sg0(m).tensors.as_mut().unwrap()[2].shape = Some(vec![10, 63]));
    let msg = format_msg(read(&bytes));
    assert!(
        msg.contains("tensor 2 'sequential_1/dense_1_2/MatMul'") && msg.contains("holds 640 bytes"),
        "{msg}"
    );
}

#[test]
fn negative_dims_and_overflow() {
    let bytes = edited(|m| sg0(m).tensors.as_mut().unwrap()[0].shape = Some(vec![-1, 32]));
    assert!(format_msg(read(&bytes)).contains("negative dim"));
    let bytes = edited(|m| {
        sg0(m).tensors.as_mut().unwrap()[0].shape = Some(vec![i32::MAX, i32::MAX, i32::MAX, 4])
    });
    assert!(format_msg(read(&bytes)).contains("more bytes than fit"));
}

#[test]
fn unsupported_constructs() {
    let unsupported = |bytes: Vec<u8>| match read(&bytes) {
        Err(Error::Unsupported(m)) => m,
        other => panic!("expected Unsupported, got {other:?}"),
    };
    // A builtin code beyond the schema (written as 209, the last code, then patched to 250
    // in the bytes: the schema's enum cannot hold it) is named with its op index.
    let mut bytes = edited(|m| {
        m.operator_codes.as_mut().unwrap()[1].builtin_code = fb::BuiltinOperator::StablehloCase;
        m.operator_codes.as_mut().unwrap()[1].deprecated_builtin_code = 127;
    });
    let at: Vec<usize> = (0..bytes.len() - 3)
        .filter(|&i| bytes[i..i + 4] == 209i32.to_le_bytes())
        .collect();
    let mut m = String::new();
    for i in at {
        bytes[i] = 250;
        if let Err(Error::Unsupported(msg)) = read(&bytes) {
            m = msg;
            break;
        }
        bytes[i] = 209;
    }
    assert!(
        m.contains("operator with builtin code 250 (version 2) at op index 2 is not supported")
            && m.contains("this build knows builtin codes 0 to 209"),
        "{m}"
    );
    let m = unsupported(edited(|m| {
        let b = &mut m.buffers.as_mut().unwrap()[3];
        b.data = None;
        b.offset = 4096;
        b.size = 640;
    }));
    assert!(m.contains("outside the flatbuffer"), "{m}");
    let m = unsupported(edited(|m| m.version = 2));
    assert!(m.contains("schema version 2"), "{m}");
    let m = unsupported(edited(|m| {
        sg0(m).tensors.as_mut().unwrap()[0].type_ = fb::TensorType::String
    }));
    assert!(m.contains("STRING"), "{m}");
}

/// Ops the registry does not define still read and write (the interpreter and converter
/// refuse them, listing them all); so do custom ops and several subgraphs.
#[test]
fn any_operator_and_several_subgraphs_round_trip() {
    let bytes = edited(|m| {
        m.operator_codes.as_mut().unwrap()[1].builtin_code = fb::BuiltinOperator::Rfft2d;
        m.operator_codes.as_mut().unwrap()[1].deprecated_builtin_code = 127;
        m.operator_codes.as_mut().unwrap()[1].version = 2;
        let sg = m.subgraphs.as_ref().unwrap()[0].clone();
        m.subgraphs.as_mut().unwrap().push(sg);
        m.operator_codes.as_mut().unwrap().push(fb::OperatorCode {
            builtin_code: fb::BuiltinOperator::Custom,
            deprecated_builtin_code: 32,
            custom_code: Some("MyOp".into()),
            version: 1,
        });
        let sg1 = &mut m.subgraphs.as_mut().unwrap()[1];
        sg1.operators.as_mut().unwrap()[0].opcode_index = 2;
        sg1.operators.as_mut().unwrap()[0].custom_options = Some(vec![1, 2, 3]);
        sg1.operators.as_mut().unwrap()[0].builtin_options = None;
    });
    let g = read(&bytes).unwrap();
    assert_eq!(g.subgraph_count(), 2);
    assert_eq!(g.ops[2].code, BuiltinOperator::Rfft2d);
    assert_eq!(g.ops[2].version, 2);
    let custom = &g.subgraphs[0].ops[0];
    assert_eq!(custom.code, BuiltinOperator::Custom);
    assert_eq!(custom.custom_code.as_deref(), Some("MyOp"));
    assert_eq!(custom.custom_options, Some(vec![1, 2, 3]));
    assert_eq!(custom.display_name(), "CUSTOM 'MyOp'");
    let back = read(&write(&g).unwrap()).unwrap();
    assert_eq!(back, g);
    let e = litequant::interp::Interpreter::new(g)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("operator RFFT2D (builtin code 131, version 2) at op index 2 is not supported")
            && e.contains(
                "custom operator 'MyOp' (version 1) at subgraph 1 op index 0 is not supported"
            ),
        "{e}"
    );
}

/// A union tag past the schema's last options table is an error naming the op.
#[test]
fn unknown_options_tag_names_the_op() {
    let mut bytes = write(&read(&seed_int8()).unwrap()).unwrap();
    // Find operator 2's (SOFTMAX) builtin_options_type byte: SoftmaxOptions is tag 9, and
    // it is the only byte 9 right before the options' offset in the operator table. Use
    // the generated reader to locate it instead of guessing.
    let m = fb::ModelRef::read_as_root(&bytes).unwrap();
    let sg = m.subgraphs().unwrap().unwrap().get(0).unwrap().unwrap();
    let op = sg.operators().unwrap().unwrap().get(2).unwrap().unwrap();
    assert!(matches!(
        op.builtin_options().unwrap(),
        Some(fb::BuiltinOptionsRef::SoftmaxOptions(_))
    ));
    let candidates: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == 9).collect();
    let mut hit = false;
    for i in candidates {
        bytes[i] = 200;
        if let Err(Error::Format { what, .. }) = read(&bytes) {
            if what.contains("operator 2 (SOFTMAX)") && what.contains("unknown type 200") {
                hit = true;
                break;
            }
        }
        bytes[i] = 9;
    }
    assert!(hit, "no byte gave the unknown-tag error");
}

#[test]
fn deprecated_builtin_code_alone_is_honoured() {
    // Files from before builtin_code existed only set deprecated_builtin_code.
    let bytes = edited(|m| {
        for c in m.operator_codes.as_mut().unwrap() {
            c.builtin_code = fb::BuiltinOperator::Add;
        }
    });
    assert_eq!(read(&bytes).unwrap(), read(&seed_int8()).unwrap());
}

#[test]
fn writer_rejects_dangling_indices() {
    let mut g = read(&seed_int8()).unwrap();
    g.ops[0].inputs[0] = 100;
    assert!(matches!(write(&g), Err(Error::InvalidArgument(_))));
}

#[test]
fn all_op_kinds_round_trip() {
    use litequant::graph::{Op, Tensor};
    let mut g = Graph::new();
    let x = g.add_tensor(Tensor::activation("x", DType::F32, vec![1, 2, 3]));
    let shape = g.add_tensor(Tensor::activation("shape", DType::I32, vec![3]));
    let begin = g.add_tensor(Tensor::constant(
        "begin",
        DType::I32,
        vec![1],
        0i32.to_le_bytes().to_vec(),
    ));
    let end = g.add_tensor(Tensor::constant(
        "end",
        DType::I32,
        vec![1],
        1i32.to_le_bytes().to_vec(),
    ));
    let batch = g.add_tensor(Tensor::activation("batch", DType::I32, vec![]));
    let minus1 = g.add_tensor(Tensor::constant(
        "m1",
        DType::I32,
        vec![],
        (-1i32).to_le_bytes().to_vec(),
    ));
    let packed = g.add_tensor(Tensor::activation("packed", DType::I32, vec![2]));
    let flat = g.add_tensor(Tensor::activation("flat", DType::F32, vec![1, 6]));
    let relu = g.add_tensor(Tensor::activation("relu", DType::F32, vec![1, 6]));
    let op = |code, options, inputs: Vec<usize>, outputs: Vec<usize>| {
        Op::new(
            code,
            options,
            inputs.into_iter().map(|i| i as i32).collect(),
            outputs.into_iter().map(|i| i as i32).collect(),
        )
    };
    use BuiltinOperator as B;
    use BuiltinOptions as O;
    g.ops = vec![
        op(
            B::Shape,
            Some(O::ShapeOptions(Box::new(fb::ShapeOptions {
                out_type: fb::TensorType::Int32,
            }))),
            vec![x],
            vec![shape],
        ),
        op(
            B::StridedSlice,
            Some(O::StridedSliceOptions(Box::new(fb::StridedSliceOptions {
                shrink_axis_mask: 1,
                ..Default::default()
            }))),
            vec![shape, begin, end, end],
            vec![batch],
        ),
        op(
            B::Pack,
            Some(O::PackOptions(Box::new(fb::PackOptions {
                values_count: 2,
                axis: 0,
            }))),
            vec![batch, minus1],
            vec![packed],
        ),
        op(
            B::Reshape,
            Some(O::ReshapeOptions(Box::new(fb::ReshapeOptions {
                new_shape: Some(vec![1, 6]),
            }))),
            vec![x, packed],
            vec![flat],
        ),
        op(B::Relu, None, vec![flat], vec![relu]),
    ];
    g.inputs = vec![x];
    g.outputs = vec![relu];
    let bytes = write(&g).unwrap();
    assert_eq!(read(&bytes).unwrap(), g);
    g.ops[3].options = None;
    assert_eq!(read(&write(&g).unwrap()).unwrap(), g);
}
