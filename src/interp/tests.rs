//! Interpreter unit tests on hand-built graphs (the fixture tests live in
//! `tests/interp_reference.rs`).

use super::*;
use crate::graph::schema as fb;
use crate::graph::{
    f16_bytes, f32_bytes, i32_bytes, i8_bytes, Activation, BuiltinOperator as B,
    BuiltinOptions as O, Op, Quant, Tensor,
};

/// An operator code with its options.
type Kind = (B, Option<O>);

fn fc_opts(activation: Activation, asymmetric: bool) -> Kind {
    (
        B::FullyConnected,
        Some(O::FullyConnectedOptions(Box::new(
            fb::FullyConnectedOptions {
                fused_activation_function: activation.to_schema(),
                asymmetric_quantize_inputs: asymmetric,
                ..Default::default()
            },
        ))),
    )
}

fn fc(activation: Activation) -> Kind {
    fc_opts(activation, false)
}

fn softmax() -> Kind {
    (
        B::Softmax,
        Some(O::SoftmaxOptions(Box::new(fb::SoftmaxOptions {
            beta: 1.0,
        }))),
    )
}

fn plain(code: B) -> Kind {
    (code, None)
}

fn op(kind: Kind, version: i32, inputs: Vec<i32>, outputs: Vec<i32>) -> Op {
    let mut op = Op::new(kind.0, kind.1, inputs, outputs);
    op.version = version;
    op
}

fn dynamic(name: &str, dtype: DType, n: i32) -> Tensor {
    let mut t = Tensor::activation(name, dtype, vec![1, n]);
    t.shape_signature = Some(vec![-1, n]);
    t
}

/// x[?,3] -> FC(w [2,3], b [2], relu) -> softmax
fn float_mlp() -> Graph {
    let mut g = Graph::new();
    let x = g.add_tensor(dynamic("x", DType::F32, 3));
    let w = g.add_tensor(Tensor::constant(
        "w",
        DType::F32,
        vec![2, 3],
        f32_bytes(&[1.0, 2.0, 3.0, -1.0, 0.5, 0.0]),
    ));
    let b = g.add_tensor(Tensor::constant(
        "b",
        DType::F32,
        vec![2],
        f32_bytes(&[0.5, -0.25]),
    ));
    let h = g.add_tensor(dynamic("h", DType::F32, 2));
    let y = g.add_tensor(dynamic("y", DType::F32, 2));
    g.ops.push(op(
        fc(Activation::Relu),
        1,
        vec![x as i32, w as i32, b as i32],
        vec![h as i32],
    ));
    g.ops.push(op(softmax(), 1, vec![h as i32], vec![y as i32]));
    g.inputs = vec![x];
    g.outputs = vec![y];
    g
}

#[test]
fn float_mlp_runs_and_observes() {
    let mut it = Interpreter::new(float_mlp()).unwrap();
    it.set_input_f32(0, &[1.0, 1.0, 1.0]).unwrap();
    let mut seen = Vec::new();
    it.invoke_observed(&mut |i, v| seen.push((i, v.to_vec())))
        .unwrap();
    // h = relu([6.5, -0.75]) = [6.5, 0]
    assert_eq!(seen[0], (0, vec![1.0, 1.0, 1.0]));
    assert_eq!(seen[1], (3, vec![6.5, 0.0]));
    let y = it.output_f32(0).unwrap();
    let e = (-6.5f32).exp();
    assert!((y[0] - 1.0 / (1.0 + e)).abs() < 1e-7);
    assert_eq!(seen[2].0, 4);
    assert_eq!(seen.len(), 3);
}

#[test]
fn dynamic_batch_resize() {
    let mut it = Interpreter::new(float_mlp()).unwrap();
    assert_eq!(it.input_details()[0].shape_signature, vec![-1, 3]);
    it.resize_input(0, &[3, 3]).unwrap();
    assert_eq!(it.output_details()[0].shape, vec![3, 2]);
    it.set_input_f32(0, &[1.0, 1.0, 1.0, 0.0, 0.0, 0.0, -1.0, 2.0, 0.0])
        .unwrap();
    it.invoke().unwrap();
    let batch = it.output_f32(0).unwrap();
    let mut single = Interpreter::new(float_mlp()).unwrap();
    for r in 0..3 {
        let row = [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, 2.0, 0.0]][r];
        single.set_input_f32(0, &row).unwrap();
        single.invoke().unwrap();
        assert_eq!(
            single.output_f32(0).unwrap(),
            batch[r * 2..r * 2 + 2].to_vec()
        );
    }
    // Fixed dimensions may not change.
    assert!(matches!(
        it.resize_input(0, &[3, 4]),
        Err(Error::Shape { .. })
    ));
    assert!(it.resize_input(1, &[3, 3]).is_err());
}

#[test]
fn wrong_input_length_and_dtype() {
    let mut it = Interpreter::new(float_mlp()).unwrap();
    let e = it.set_input_f32(0, &[1.0, 2.0]).unwrap_err().to_string();
    assert!(
        e.contains("'x'") && e.contains("expects 3") && e.contains("got 2"),
        "{e}"
    );
    let e = it.set_input_i8(0, &[1, 2, 3]).unwrap_err().to_string();
    assert!(e.contains("float32") && e.contains("int8"), "{e}");
    assert!(it.output_i8(0).is_err());
    assert!(it.output_f32(1).is_err());
    assert!(it.tensor_f32(99).is_err());
}

#[test]
fn op_with_wrong_input_count_is_rejected() {
    let mut g = float_mlp();
    g.ops[1].inputs.push(0);
    let e = Interpreter::new(g).unwrap_err().to_string();
    assert!(
        e.contains("SOFTMAX") && e.contains("expected 1 inputs, got 2"),
        "{e}"
    );
}

#[test]
fn disagreeing_shapes_are_rejected() {
    let mut g = float_mlp();
    g.tensors[0].shape = vec![1, 4]; // 4 is not a multiple of the weights' 3 columns
    g.tensors[0].shape_signature = Some(vec![-1, 4]);
    let e = Interpreter::new(g).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    let mut g = float_mlp();
    g.tensors[2].shape = vec![3];
    g.tensors[2].data = Some(f32_bytes(&[0.0; 3]));
    let e = Interpreter::new(g).unwrap_err().to_string();
    assert!(e.contains("bias") && e.contains("2 elements"), "{e}");
}

#[test]
fn unsupported_version_and_types() {
    let mut g = float_mlp();
    g.ops[1].version = 9;
    let e = Interpreter::new(g).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported(m) if m.contains(
            "operator SOFTMAX (builtin code 25, version 9) at op index 1 is not supported \
             (versions 1 to 2 are)"
        )),
        "{e}"
    );
    let mut g = float_mlp();
    let (code, options) = fc(Activation::Tanh);
    (g.ops[0].code, g.ops[0].options) = (code, options);
    assert!(matches!(Interpreter::new(g), Err(Error::Unsupported(_))));
}

#[test]
fn ops_out_of_order_are_rejected() {
    let mut g = float_mlp();
    g.ops.swap(0, 1);
    let e = Interpreter::new(g).unwrap_err().to_string();
    assert!(
        e.contains("op 0 (SOFTMAX): input 0 reads tensor 3 'h'")
            && e.contains("no earlier op produces it"),
        "{e}"
    );
}

/// int8: x -> FC (per-channel) -> softmax, plus QUANTIZE/DEQUANTIZE float io.
fn int8_floatio() -> Graph {
    let mut g = Graph::new();
    let x = g.add_tensor(dynamic("x", DType::F32, 2));
    let mut xq = dynamic("xq", DType::I8, 2);
    xq.quant = Some(Quant::per_tensor(0.05, -3));
    let xq = g.add_tensor(xq);
    let mut w = Tensor::constant("w", DType::I8, vec![2, 2], i8_bytes(&[127, -64, 10, 127]));
    w.quant = Some(Quant::per_channel(vec![0.01, 0.02], 0));
    let w = g.add_tensor(w);
    let mut b = Tensor::constant("b", DType::I32, vec![2], i32_bytes(&[100, -50]));
    b.quant = Some(Quant::per_channel(vec![0.0005, 0.001], 0));
    let b = g.add_tensor(b);
    let mut h = dynamic("h", DType::I8, 2);
    h.quant = Some(Quant::per_tensor(0.03, 5));
    let h = g.add_tensor(h);
    let mut s = dynamic("s", DType::I8, 2);
    s.quant = Some(Quant::per_tensor(1.0 / 256.0, -128));
    let s = g.add_tensor(s);
    let y = g.add_tensor(dynamic("y", DType::F32, 2));
    g.ops
        .push(op(plain(B::Quantize), 1, vec![x as i32], vec![xq as i32]));
    g.ops.push(op(
        fc(Activation::Relu),
        4,
        vec![xq as i32, w as i32, b as i32],
        vec![h as i32],
    ));
    g.ops.push(op(softmax(), 2, vec![h as i32], vec![s as i32]));
    g.ops
        .push(op(plain(B::Dequantize), 2, vec![s as i32], vec![y as i32]));
    g.inputs = vec![x];
    g.outputs = vec![y];
    g
}

#[test]
fn int8_pipeline_hand_checked() {
    for mode in [RequantMode::FixedPoint, RequantMode::Double] {
        let mut it = Interpreter::with_options(
            int8_floatio(),
            InterpreterOptions {
                fc_requant: mode,
                ..Default::default()
            },
        )
        .unwrap();
        it.set_input_f32(0, &[0.5, -0.26]).unwrap();
        it.invoke().unwrap();
        // QUANTIZE: round(0.5/0.05) - 3 = 7; round(-0.26/0.05 = -5.2) - 3 = -8
        assert_eq!(it.tensor_i8(1).unwrap(), vec![7, -8]);
        // acc0 = 127*(7+3) + -64*(-8+3) + 100 = 1270 + 320 + 100 = 1690
        //   * 0.05*0.01/0.03 = 28.1667 -> 28 + 5 = 33
        // acc1 = 10*10 + 127*(-5) - 50 = 100 - 635 - 50 = -585
        //   * 0.05*0.02/0.03 = -19.5 -> -20 (+5 = -15), relu clamps at zp 5
        assert_eq!(it.tensor_i8(4).unwrap(), vec![33, 5]);
        let y = it.output_f32(0).unwrap();
        assert!((y[0] + y[1] - 1.0).abs() < 0.01);
        assert!(y[0] > 0.6);
    }
}

#[test]
fn uint8_io_requantize_and_float16_dequantize() {
    // uint8 in -> int8 -> uint8 out, same scales, zero points differ by 128.
    let mut g = Graph::new();
    let mut a = dynamic("a", DType::U8, 3);
    a.quant = Some(Quant::per_tensor(0.1, 108));
    let a = g.add_tensor(a);
    let mut b = dynamic("b", DType::I8, 3);
    b.quant = Some(Quant::per_tensor(0.1, -20));
    let b = g.add_tensor(b);
    let mut c = dynamic("c", DType::U8, 3);
    c.quant = Some(Quant::per_tensor(0.1, 108));
    let c = g.add_tensor(c);
    g.ops
        .push(op(plain(B::Quantize), 1, vec![a as i32], vec![b as i32]));
    g.ops
        .push(op(plain(B::Quantize), 1, vec![b as i32], vec![c as i32]));
    g.inputs = vec![a];
    g.outputs = vec![c];
    let mut it = Interpreter::new(g).unwrap();
    it.set_input_u8(0, &[0, 108, 255]).unwrap();
    it.invoke().unwrap();
    assert_eq!(it.tensor_i8(b).unwrap(), vec![-128, -20, 127]);
    assert_eq!(it.output_u8(0).unwrap(), vec![0, 108, 255]);
    let d = &it.input_details()[0];
    assert_eq!(
        (d.dtype, d.scale.clone(), d.zero_point.clone()),
        (DType::U8, vec![0.1], vec![108])
    );

    // float16 weights through DEQUANTIZE are folded at prepare.
    let mut g = Graph::new();
    let x = g.add_tensor(dynamic("x", DType::F32, 2));
    let wh: Vec<half::f16> = [1.0f32, 0.333, -2.0, 0.5]
        .iter()
        .map(|&v| half::f16::from_f32(v))
        .collect();
    let w16 = g.add_tensor(Tensor::constant(
        "w16",
        DType::F16,
        vec![2, 2],
        f16_bytes(&wh),
    ));
    let w = g.add_tensor(Tensor::activation("w", DType::F32, vec![2, 2]));
    let y = g.add_tensor(dynamic("y", DType::F32, 2));
    g.ops.push(op(
        plain(B::Dequantize),
        3,
        vec![w16 as i32],
        vec![w as i32],
    ));
    g.ops.push(op(
        fc(Activation::None),
        1,
        vec![x as i32, w as i32, -1],
        vec![y as i32],
    ));
    g.inputs = vec![x];
    g.outputs = vec![y];
    let mut it = Interpreter::new(g).unwrap();
    it.set_input_f32(0, &[1.0, 1.0]).unwrap();
    let mut seen = Vec::new();
    it.invoke_observed(&mut |i, _| seen.push(i)).unwrap();
    assert_eq!(seen, vec![x, y]); // the folded weights are not an activation
    let w1 = half::f16::from_f32(0.333).to_f32();
    assert_eq!(it.output_f32(0).unwrap(), vec![1.0 + w1, -1.5]);
}

#[test]
fn hybrid_fc_symmetric_and_asymmetric() {
    for asym in [false, true] {
        let mut g = Graph::new();
        let x = g.add_tensor(dynamic("x", DType::F32, 4));
        let wv = [127i8, -127, 64, 0, 5, 10, -20, 100];
        let mut w = Tensor::constant("w", DType::I8, vec![2, 4], i8_bytes(&wv));
        w.quant = Some(Quant::per_channel(vec![0.01, 0.02], 0));
        let w = g.add_tensor(w);
        let b = g.add_tensor(Tensor::constant(
            "b",
            DType::F32,
            vec![2],
            f32_bytes(&[0.1, -0.2]),
        ));
        let y = g.add_tensor(dynamic("y", DType::F32, 2));
        let kind = fc_opts(Activation::None, asym);
        g.ops.push(op(
            kind,
            12,
            vec![x as i32, w as i32, b as i32],
            vec![y as i32],
        ));
        g.inputs = vec![x];
        g.outputs = vec![y];
        let mut it = Interpreter::new(g).unwrap();
        let xs = [0.3f32, -1.2, 2.5, 0.7];
        it.set_input_f32(0, &xs).unwrap();
        it.invoke().unwrap();
        let got = it.output_f32(0).unwrap();
        // Compare with the float product of dequantized weights (quantization error only).
        for c in 0..2 {
            let s = [0.01f32, 0.02][c];
            let exact: f32 = (0..4)
                .map(|k| xs[k] * wv[c * 4 + k] as f32 * s)
                .sum::<f32>()
                + [0.1, -0.2][c];
            assert!(
                (got[c] - exact).abs() < 0.03,
                "asym={asym} c={c} got={} exact={exact}",
                got[c]
            );
        }
        // All-zero input: bias only.
        it.set_input_f32(0, &[0.0; 4]).unwrap();
        it.invoke().unwrap();
        assert_eq!(it.output_f32(0).unwrap(), vec![0.1, -0.2]);
    }
}

#[test]
fn keras_flatten_shape_ops() {
    // x [?, 2, 3] -> SHAPE -> STRIDED_SLICE[0] -> PACK(n, -1) -> RESHAPE -> [?, 6]
    let mut g = Graph::new();
    let mut xt = Tensor::activation("x", DType::F32, vec![1, 2, 3]);
    xt.shape_signature = Some(vec![-1, 2, 3]);
    let x = g.add_tensor(xt);
    let shp = g.add_tensor(Tensor::activation("shape", DType::I32, vec![3]));
    let c0 = g.add_tensor(Tensor::constant(
        "begin",
        DType::I32,
        vec![1],
        i32_bytes(&[0]),
    ));
    let c1 = g.add_tensor(Tensor::constant(
        "end",
        DType::I32,
        vec![1],
        i32_bytes(&[1]),
    ));
    let c2 = g.add_tensor(Tensor::constant(
        "stride",
        DType::I32,
        vec![1],
        i32_bytes(&[1]),
    ));
    let n = g.add_tensor(Tensor::activation("n", DType::I32, vec![]));
    let m1 = g.add_tensor(Tensor::constant(
        "minus1",
        DType::I32,
        vec![],
        i32_bytes(&[-1]),
    ));
    let packed = g.add_tensor(Tensor::activation("packed", DType::I32, vec![2]));
    let mut yt = Tensor::activation("y", DType::F32, vec![1, 6]);
    yt.shape_signature = Some(vec![-1, 6]);
    let y = g.add_tensor(yt);
    let ss = (
        B::StridedSlice,
        Some(O::StridedSliceOptions(Box::new(fb::StridedSliceOptions {
            shrink_axis_mask: 1,
            ..Default::default()
        }))),
    );
    let i = |v: usize| v as i32;
    g.ops.push(op(
        (
            B::Shape,
            Some(O::ShapeOptions(Box::new(fb::ShapeOptions {
                out_type: fb::TensorType::Int32,
            }))),
        ),
        1,
        vec![i(x)],
        vec![i(shp)],
    ));
    g.ops
        .push(op(ss, 1, vec![i(shp), i(c0), i(c1), i(c2)], vec![i(n)]));
    g.ops.push(op(
        (
            B::Pack,
            Some(O::PackOptions(Box::new(fb::PackOptions {
                values_count: 2,
                axis: 0,
            }))),
        ),
        1,
        vec![i(n), i(m1)],
        vec![i(packed)],
    ));
    g.ops
        .push(op(plain(B::Reshape), 1, vec![i(x), i(packed)], vec![i(y)]));
    g.inputs = vec![x];
    g.outputs = vec![y];
    let mut it = Interpreter::new(g).unwrap();
    it.resize_input(0, &[2, 2, 3]).unwrap();
    assert_eq!(it.tensor_i32(packed).unwrap(), vec![2, -1]);
    let data: Vec<f32> = (0..12).map(|v| v as f32).collect();
    it.set_input_f32(0, &data).unwrap();
    it.invoke().unwrap();
    assert_eq!(it.tensor_shape(y).unwrap(), &[2, 6]);
    assert_eq!(it.output_f32(0).unwrap(), data);
}
