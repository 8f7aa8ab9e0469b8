//! Shared test support: the reference fixtures (embedded with `include_bytes!`, so the same
//! table drives native and wasm tests), a `.npy` reader and the reference cases;
//! [`compare`] (our graphs against TF's), [`convert`] (conversions and calibration against
//! TF's files), [`training`] (Keras parity) and [`reference`] (interpreter, import and
//! accuracy checks): plain functions that `#[test]`s and `#[wasm_bindgen_test]`s call.
#![allow(dead_code)]

pub mod bad_inputs;
pub mod compare;
pub mod convert;
#[cfg(not(target_arch = "wasm32"))]
pub mod keras;
pub mod reference;
pub mod training;

use litequant::nn::{Activation, LayerConfig, Model};

macro_rules! fixtures {
    ($($path:literal),* $(,)?) => {
        /// Bytes of a fixture file under `tests/fixtures/`.
        pub fn fixture(path: &str) -> &'static [u8] {
            match path {
                $($path => include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $path)),)*
                other => panic!("fixture {other} is not in the table in tests/common/mod.rs"),
            }
        }
    };
}

fixtures!(
    "seed/seed_w0.npy",
    "seed/seed_w1.npy",
    "seed/seed_w2.npy",
    "seed/seed_w3.npy",
    "seed/seed_x_train.npy",
    "seed/model_float32.tflite",
    "seed/model_dynamic_range.tflite",
    "seed/model_quant_float16.tflite",
    "seed/model_quant_int8.tflite",
    "seed/model_quant_int8_floatio.tflite",
    "seed/model_quant_uint8io.tflite",
    "fixed_mlp/weights_l0_dense_kernel.npy",
    "fixed_mlp/weights_l0_dense_bias.npy",
    "fixed_mlp/weights_l1_dense_kernel.npy",
    "fixed_mlp/weights_l1_dense_bias.npy",
    "fixed_mlp/calib.npy",
    "fixed_mlp/test_x.npy",
    "fixed_mlp/model_float32.tflite",
    "fixed_mlp/model_dynamic.tflite",
    "fixed_mlp/model_fp16.tflite",
    "fixed_mlp/model_int8.tflite",
    "fixed_mlp/model_int8_floatio.tflite",
    "fixed_mlp/model_uint8io.tflite",
    "fixed_mlp/model_calibrated.tflite",
    "fixed_edge/weights_l0_dense_kernel.npy",
    "fixed_edge/weights_l0_dense_bias.npy",
    "fixed_edge/weights_l1_dense_kernel.npy",
    "fixed_edge/weights_l1_dense_bias.npy",
    "fixed_edge/calib.npy",
    "fixed_edge/test_x.npy",
    "fixed_edge/model_float32.tflite",
    "fixed_edge/model_fp16.tflite",
    "fixed_edge/model_int8.tflite",
    "fixed_edge/model_calibrated.tflite",
    "digits_mlp/weights_l0_dense_kernel.npy",
    "digits_mlp/weights_l0_dense_bias.npy",
    "digits_mlp/weights_l1_dense_kernel.npy",
    "digits_mlp/weights_l1_dense_bias.npy",
    "digits_data/calib.npy",
    "digits_data/test_x.npy",
    "digits_mlp/model_float32.tflite",
    "digits_mlp/model_dynamic.tflite",
    "digits_mlp/model_fp16.tflite",
    "digits_mlp/model_int8.tflite",
    "digits_mlp/model_calibrated.tflite",
    // Reference outputs and inputs (tests/fixtures/manifest.json), the intermediates of
    // the int8 models, the digits test set and TF's accuracy figures.
    "manifest.json",
    "accuracy.json",
    "digits_data/test_y.npy",
    "digits_mlp/out_dynamic__litert_ref.npy",
    "digits_mlp/out_float32__litert_ref.npy",
    "digits_mlp/out_fp16__litert_ref.npy",
    "digits_mlp/out_int8__litert_ref.npy",
    "digits_mlp/out_keras_float.npy",
    "digits_mlp/test_x_int8_int8.npy",
    "fixed_edge/intermediates/int8/index.json",
    "fixed_edge/intermediates/int8/t0.npy",
    "fixed_edge/intermediates/int8/t4.npy",
    "fixed_edge/intermediates/int8/t5.npy",
    "fixed_edge/intermediates/int8/t6.npy",
    "fixed_edge/out_float32__litert_ref.npy",
    "fixed_edge/out_fp16__litert_ref.npy",
    "fixed_edge/out_int8__litert_ref.npy",
    "fixed_edge/test_x_int8_int8.npy",
    "fixed_mlp/intermediates/int8/index.json",
    "fixed_mlp/intermediates/int8/t0.npy",
    "fixed_mlp/intermediates/int8/t5.npy",
    "fixed_mlp/intermediates/int8/t6.npy",
    "fixed_mlp/intermediates/int8/t7.npy",
    "fixed_mlp/intermediates/int8_floatio/index.json",
    "fixed_mlp/intermediates/int8_floatio/t0.npy",
    "fixed_mlp/intermediates/int8_floatio/t5.npy",
    "fixed_mlp/intermediates/int8_floatio/t6.npy",
    "fixed_mlp/intermediates/int8_floatio/t7.npy",
    "fixed_mlp/intermediates/int8_floatio/t8.npy",
    "fixed_mlp/intermediates/int8_floatio/t9.npy",
    "fixed_mlp/out_dynamic__litert_ref.npy",
    "fixed_mlp/out_float32__litert_ref.npy",
    "fixed_mlp/out_fp16__litert_ref.npy",
    "fixed_mlp/out_int8__litert_ref.npy",
    "fixed_mlp/out_int8_floatio__litert_ref.npy",
    "fixed_mlp/out_uint8io__litert_ref.npy",
    "fixed_mlp/test_x_int8_int8.npy",
    "fixed_mlp/test_x_uint8io_uint8.npy",
    "train_parity/x.npy",
    "train_parity/y.npy",
    "train_parity/init_w0.npy",
    "train_parity/init_b0.npy",
    "train_parity/init_w1.npy",
    "train_parity/init_b1.npy",
    "train_parity/final_w0.npy",
    "train_parity/final_b0.npy",
    "train_parity/final_w1.npy",
    "train_parity/final_b1.npy",
    "train_parity/one_step_w0.npy",
    "train_parity/one_step_w1.npy",
    "train_parity/one_step_w2.npy",
    "train_parity/one_step_w3.npy",
    "train_parity/history.json",
    "cnn_train_parity/x.npy",
    "cnn_train_parity/y.npy",
    "cnn_train_parity/init_w0.npy",
    "cnn_train_parity/init_b0.npy",
    "cnn_train_parity/init_w1.npy",
    "cnn_train_parity/init_b1.npy",
    "cnn_train_parity/final_w0.npy",
    "cnn_train_parity/final_b0.npy",
    "cnn_train_parity/final_w1.npy",
    "cnn_train_parity/final_b1.npy",
    "cnn_train_parity/one_step_w0.npy",
    "cnn_train_parity/one_step_w1.npy",
    "cnn_train_parity/one_step_w2.npy",
    "cnn_train_parity/one_step_w3.npy",
    "cnn_train_parity/history.json",
    "cnn_train_parity_bn/x.npy",
    "cnn_train_parity_bn/y.npy",
    "cnn_train_parity_bn/history.json",
    "cnn_train_parity_bn/init_dw_kernel.npy",
    "cnn_train_parity_bn/init_dw_bias.npy",
    "cnn_train_parity_bn/init_bn_gamma.npy",
    "cnn_train_parity_bn/init_bn_beta.npy",
    "cnn_train_parity_bn/init_bn_moving_mean.npy",
    "cnn_train_parity_bn/init_bn_moving_variance.npy",
    "cnn_train_parity_bn/init_dense_kernel.npy",
    "cnn_train_parity_bn/init_dense_bias.npy",
    "cnn_train_parity_bn/final_dw_kernel.npy",
    "cnn_train_parity_bn/final_dw_bias.npy",
    "cnn_train_parity_bn/final_bn_gamma.npy",
    "cnn_train_parity_bn/final_bn_beta.npy",
    "cnn_train_parity_bn/final_bn_moving_mean.npy",
    "cnn_train_parity_bn/final_bn_moving_variance.npy",
    "cnn_train_parity_bn/final_dense_kernel.npy",
    "cnn_train_parity_bn/final_dense_bias.npy",
    "cnn_train_parity_bn/one_step_dw_kernel.npy",
    "cnn_train_parity_bn/one_step_dw_bias.npy",
    "cnn_train_parity_bn/one_step_bn_gamma.npy",
    "cnn_train_parity_bn/one_step_bn_beta.npy",
    "cnn_train_parity_bn/one_step_bn_moving_mean.npy",
    "cnn_train_parity_bn/one_step_bn_moving_variance.npy",
    "cnn_train_parity_bn/one_step_dense_kernel.npy",
    "cnn_train_parity_bn/one_step_dense_bias.npy",
    "cnn_train_parity_res/x.npy",
    "cnn_train_parity_res/y.npy",
    "cnn_train_parity_res/history.json",
    "cnn_train_parity_res/init_conv_a_kernel.npy",
    "cnn_train_parity_res/init_conv_a_bias.npy",
    "cnn_train_parity_res/init_conv_b_kernel.npy",
    "cnn_train_parity_res/init_conv_b_bias.npy",
    "cnn_train_parity_res/init_dense_kernel.npy",
    "cnn_train_parity_res/init_dense_bias.npy",
    "cnn_train_parity_res/final_conv_a_kernel.npy",
    "cnn_train_parity_res/final_conv_a_bias.npy",
    "cnn_train_parity_res/final_conv_b_kernel.npy",
    "cnn_train_parity_res/final_conv_b_bias.npy",
    "cnn_train_parity_res/final_dense_kernel.npy",
    "cnn_train_parity_res/final_dense_bias.npy",
    "cnn_train_parity_res/one_step_conv_a_kernel.npy",
    "cnn_train_parity_res/one_step_conv_a_bias.npy",
    "cnn_train_parity_res/one_step_conv_b_kernel.npy",
    "cnn_train_parity_res/one_step_conv_b_bias.npy",
    "cnn_train_parity_res/one_step_dense_kernel.npy",
    "cnn_train_parity_res/one_step_dense_bias.npy",
);

/// A `.npy` array as f32 values and its shape.
pub fn npy_f32(path: &str) -> (Vec<f32>, Vec<usize>) {
    let (shape, data) = reference::npy::<f32>(path);
    (data, shape)
}

/// One variant TF wrote for a case: our variant name, TF's file, converter options.
pub struct Variant {
    pub name: &'static str,
    pub tf_file: &'static str,
}

/// A reference case: float weights (Keras order), calibration data, TF's files.
pub struct Case {
    pub name: &'static str,
    pub weights: [&'static str; 4],
    pub calib: &'static str,
    pub variants: &'static [Variant],
}

macro_rules! v {
    ($n:literal, $f:literal) => {
        Variant {
            name: $n,
            tf_file: $f,
        }
    };
}

pub const CASES: &[Case] = &[
    Case {
        name: "seed",
        weights: [
            "seed/seed_w0.npy",
            "seed/seed_w1.npy",
            "seed/seed_w2.npy",
            "seed/seed_w3.npy",
        ],
        calib: "seed/seed_x_train.npy",
        variants: &[
            v!("float32", "seed/model_float32.tflite"),
            v!("dynamic", "seed/model_dynamic_range.tflite"),
            v!("fp16", "seed/model_quant_float16.tflite"),
            v!("int8", "seed/model_quant_int8.tflite"),
            v!("int8_floatio", "seed/model_quant_int8_floatio.tflite"),
            v!("uint8io", "seed/model_quant_uint8io.tflite"),
        ],
    },
    Case {
        name: "fixed_mlp",
        weights: [
            "fixed_mlp/weights_l0_dense_kernel.npy",
            "fixed_mlp/weights_l0_dense_bias.npy",
            "fixed_mlp/weights_l1_dense_kernel.npy",
            "fixed_mlp/weights_l1_dense_bias.npy",
        ],
        calib: "fixed_mlp/calib.npy",
        variants: &[
            v!("float32", "fixed_mlp/model_float32.tflite"),
            v!("dynamic", "fixed_mlp/model_dynamic.tflite"),
            v!("fp16", "fixed_mlp/model_fp16.tflite"),
            v!("int8", "fixed_mlp/model_int8.tflite"),
            v!("int8_floatio", "fixed_mlp/model_int8_floatio.tflite"),
            v!("uint8io", "fixed_mlp/model_uint8io.tflite"),
        ],
    },
    Case {
        name: "fixed_edge",
        weights: [
            "fixed_edge/weights_l0_dense_kernel.npy",
            "fixed_edge/weights_l0_dense_bias.npy",
            "fixed_edge/weights_l1_dense_kernel.npy",
            "fixed_edge/weights_l1_dense_bias.npy",
        ],
        calib: "fixed_edge/calib.npy",
        variants: &[
            v!("float32", "fixed_edge/model_float32.tflite"),
            v!("fp16", "fixed_edge/model_fp16.tflite"),
            v!("int8", "fixed_edge/model_int8.tflite"),
        ],
    },
    Case {
        name: "digits_mlp",
        weights: [
            "digits_mlp/weights_l0_dense_kernel.npy",
            "digits_mlp/weights_l0_dense_bias.npy",
            "digits_mlp/weights_l1_dense_kernel.npy",
            "digits_mlp/weights_l1_dense_bias.npy",
        ],
        calib: "digits_data/calib.npy",
        variants: &[
            v!("float32", "digits_mlp/model_float32.tflite"),
            v!("dynamic", "digits_mlp/model_dynamic.tflite"),
            v!("fp16", "digits_mlp/model_fp16.tflite"),
            v!("int8", "digits_mlp/model_int8.tflite"),
        ],
    },
];

/// The case's model: Input(n) → Dense(h, relu) → Dense(10, softmax) with the case's weights.
pub fn case_model(case: &Case) -> Model {
    let ws: Vec<(Vec<f32>, Vec<usize>)> = case.weights.iter().map(|p| npy_f32(p)).collect();
    let (inp, hidden) = (ws[0].1[0], ws[0].1[1]);
    let classes = ws[2].1[1];
    let layers = [
        LayerConfig::dense(hidden, Activation::Relu),
        LayerConfig::dense(classes, Activation::Softmax),
    ];
    let mut m = Model::sequential(&[inp], &layers, 0).expect("model");
    let flat: Vec<Vec<f32>> = ws.into_iter().map(|(w, _)| w).collect();
    m.set_weights(&flat).expect("weights");
    m
}

/// Converter options for a variant name, as the reference script set them.
pub fn variant_options(case: &Case, variant: &str) -> litequant::quant::ConverterOptions {
    use litequant::quant::{ConverterOptions, IoType, RepresentativeDataset};
    let mut o = ConverterOptions::default();
    let (data, shape) = npy_f32(case.calib);
    let int8 = |o: &mut ConverterOptions, io: IoType, ops: bool| {
        o.optimize = true;
        o.representative_dataset = Some(RepresentativeDataset {
            data: data.clone(),
            shape: shape.clone(),
        });
        o.int8_ops_only = ops;
        o.inference_input_type = io;
        o.inference_output_type = io;
    };
    match variant {
        "float32" => {}
        "dynamic" => o.optimize = true,
        "fp16" => {
            o.optimize = true;
            o.float16 = true;
        }
        "int8" => int8(&mut o, IoType::Int8, true),
        "int8_floatio" => int8(&mut o, IoType::Float32, true),
        "uint8io" => int8(&mut o, IoType::Uint8, true),
        other => panic!("unknown variant {other}"),
    }
    o
}
