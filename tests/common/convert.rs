//! Our converter against TensorFlow 2.21's files (native and wasm).

use super::compare::assert_same_model;
use super::{case_model, fixture, npy_f32, variant_options, Case, CASES};
use litequant::converter::TfliteConverter;
use litequant::graph::{BuiltinOperator, Graph};
use litequant::tflite;

/// One converted file.
pub struct Converted {
    pub case: &'static Case,
    pub variant: &'static str,
    pub tf_file: &'static str,
    pub bytes: Vec<u8>,
}

/// For every reference case and variant: the same ops and versions, tensor types and
/// shapes, scales, zero points, int8 weights, int32 biases and fp16 values as TF's file;
/// the bytes read back to the same graph and `convert()` is deterministic.
pub fn check_conversions() -> Vec<Converted> {
    let mut out = Vec::new();
    for case in CASES {
        let model = case_model(case);
        for v in case.variants {
            let ctx = format!("{}/{}", case.name, v.name);
            let mut conv = TfliteConverter::from_model(&model).unwrap();
            conv.options = variant_options(case, v.name);
            let ours = conv
                .convert_graph(|_, _| {})
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            let tf = tflite::read(fixture(v.tf_file))
                .unwrap_or_else(|e| panic!("{ctx}: reading TF's file: {e}"));
            assert_same_model(&ours, &tf, &ctx);
            let bytes = tflite::write(&ours).unwrap();
            assert_eq!(tflite::read(&bytes).unwrap(), ours, "{ctx}: write → read");
            assert_eq!(
                bytes,
                conv.convert().unwrap(),
                "{ctx}: convert() is deterministic"
            );
            out.push(Converted {
                case,
                variant: v.name,
                tf_file: v.tf_file,
                bytes,
            });
        }
    }
    assert_eq!(out.len(), 19);
    out
}

/// TF's `model_calibrated.tflite` files carry the min/max its calibrator recorded: ours
/// are the same bits.
pub fn check_calibration_ranges() {
    for (case, file) in [
        (&CASES[1], "fixed_mlp/model_calibrated.tflite"),
        (&CASES[2], "fixed_edge/model_calibrated.tflite"),
        (&CASES[3], "digits_mlp/model_calibrated.tflite"),
    ] {
        let model = case_model(case);
        let conv = TfliteConverter::from_model(&model).unwrap();
        let (data, shape) = npy_f32(case.calib);
        let ours =
            litequant::quant::calibrate(conv.float_graph(), &data, &shape, |_, _| {}).unwrap();
        let tf = tflite::read(fixture(file)).unwrap();
        // Activation tensors in op order, ours vs TF's.
        let acts = |g: &Graph| {
            let mut v = vec![g.inputs[0]];
            v.extend(g.ops.iter().map(|o| o.outputs[0] as usize));
            v
        };
        let softmax_outputs: Vec<usize> = conv
            .float_graph()
            .ops
            .iter()
            .filter(|o| o.code == BuiltinOperator::Softmax)
            .map(|o| o.outputs[0] as usize)
            .collect();
        for (k, (&a, &b)) in acts(conv.float_graph()).iter().zip(&acts(&tf)).enumerate() {
            let q = tf.tensors[b].quant.as_ref().expect("calibrated tensor");
            let (lo, hi) = ours.get(a).expect("calibrated");
            if softmax_outputs.contains(&a) {
                // TF's calibrator ran the optimized softmax (Eigen's vectorized exp and a
                // multiply by 1/sum), we run the reference one (libm exp, divide): the values
                // differ in the last bits. Harmless: a softmax output's int8 parameters are
                // fixed (1/256, -128) whatever its range.
                for (x, y) in [(lo, q.min[0]), (hi, q.max[0])] {
                    assert!(
                        (x - y).abs() <= 1e-5 * y.abs(),
                        "{}: softmax range {x} vs TF {y}",
                        case.name
                    );
                }
                continue;
            }
            assert_eq!(
                (lo.to_bits(), hi.to_bits()),
                (q.min[0].to_bits(), q.max[0].to_bits()),
                "{}: activation {k} range ours [{lo}, {hi}] vs TF [{}, {}]",
                case.name,
                q.min[0],
                q.max[0]
            );
        }
    }
}
