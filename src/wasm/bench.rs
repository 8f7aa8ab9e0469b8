//! Bench-only exports for `npm run bench` (bench/bench.js): fixed-batch copies of our
//! `.tflite` files for peers that cannot resize inputs, and direct kernel timings (the
//! SIMD yardstick and our GEMMs) that no model-level API exposes. Not part of the
//! public API.

use wasm_bindgen::prelude::*;

use super::js_err;
use crate::kernels::{self, F32Gemm, FcDims, Qs8FcParams, Requantization};

/// A copy of a `.tflite` file whose dynamic dimensions (`shape_signature` `-1`) are fixed
/// to `batch` (LiteRT.js rejects dynamic batch; tfjs-tflite cannot resize).
#[wasm_bindgen(js_name = benchFixBatch)]
pub fn bench_fix_batch(bytes: &[u8], batch: i32) -> Result<Vec<u8>, JsError> {
    let mut g = crate::tflite::read(bytes).map_err(js_err)?;
    for t in g.tensors.iter_mut() {
        if let Some(sig) = t.shape_signature.take() {
            for (d, s) in t.shape.iter_mut().zip(&sig) {
                if *s < 0 {
                    *d = batch;
                }
            }
        }
    }
    crate::tflite::write(&g).map_err(js_err)
}

/// Name of the kernel table this build uses (`"simd128"` or `"generic"`).
#[wasm_bindgen(js_name = benchKernels)]
pub fn bench_kernels() -> String {
    kernels::ops().name.to_string()
}

/// The yardstick: `reps` runs of the 2 × 4 `i32x4.dot_i16x8_s` register tile over `kc * 8`
/// L1-resident inputs. Returns MACs done (the caller times it).
#[wasm_bindgen(js_name = benchYardstick)]
pub fn bench_yardstick(kc: usize, reps: usize) -> f64 {
    let xs: Vec<i16> = (0..2 * kc * 8).map(|i| (i % 251) as i16 - 125).collect();
    let wp: Vec<i16> = (0..kc * 32).map(|i| (i % 241) as i16 - 120).collect();
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let check = kernels::simd128::qs8_yardstick_simd128_2x4(&xs, &wp, kc, reps);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let check = xs.len() as i32 + wp.len() as i32;
    std::hint::black_box(check);
    (reps * kc * 64) as f64
}

/// Preallocated operands for timing one GEMM kernel of the table in a loop.
#[wasm_bindgen(js_name = BenchGemm)]
pub struct BenchGemm {
    kind: String,
    d: FcDims,
    xf: Vec<f32>,
    wf: Vec<f32>,
    of: Vec<f32>,
    xq: Vec<i8>,
    packed: Vec<i16>,
    xs: Vec<i16>,
    oq: Vec<i8>,
    scale: Vec<f64>,
    /// `wf` packed for `f32_gemm_packed` (kind `"f32_packed"`).
    wpf: Vec<f32>,
}

#[wasm_bindgen(js_class = BenchGemm)]
impl BenchGemm {
    /// `kind`: `"qs8_fc"` (packed int8 FC, `[m, k] x [n, k]ᵀ`), `"f32_fc"` (float FC),
    /// `"f32_gemm"` (training `x · W`, `[m, k] x [k, n]`), `"f32_packed"` (the inference
    /// GEMM on packed weights, `[m, k] x [n, k]ᵀ`).
    #[wasm_bindgen(constructor)]
    pub fn new(kind: String, m: usize, k: usize, n: usize) -> BenchGemm {
        let d = FcDims {
            batches: m,
            in_dim: k,
            out_dim: n,
        };
        let xf: Vec<f32> = (0..m * k).map(|i| ((i % 17) as f32 - 8.0) * 0.1).collect();
        let wf: Vec<f32> = (0..n * k).map(|i| ((i % 13) as f32 - 6.0) * 0.01).collect();
        let xq: Vec<i8> = (0..m * k).map(|i| (i % 251) as i8).collect();
        let wq: Vec<i8> = (0..n * k).map(|i| (i % 239) as i8).collect();
        let mut packed = vec![0; kernels::qs8_fc_packed_len(d)];
        (kernels::ops().qs8_fc_pack)(&wq, 0, d, &mut packed);
        let mut wpf = Vec::new();
        if kind == "f32_packed" {
            wpf = vec![0.0; kernels::f32_gemm_packed_len(n, k)];
            (kernels::ops().f32_gemm_pack)(&wf, n, k, &mut wpf);
        }
        BenchGemm {
            kind,
            d,
            xf,
            wf,
            of: vec![0.0; m * n],
            xq,
            packed,
            xs: vec![0; kernels::qs8_fc_scratch_len(d)],
            oq: vec![0; m * n],
            scale: vec![1e-3; n],
            wpf,
        }
    }

    /// Runs the kernel `reps` times; returns the MACs done.
    pub fn run(&mut self, reps: usize) -> f64 {
        let k = kernels::ops();
        let d = self.d;
        for _ in 0..reps {
            match self.kind.as_str() {
                "qs8_fc" => {
                    let p = Qs8FcParams {
                        input_offset: 3,
                        weights_offset: 0,
                        output_offset: -5,
                        act_min: -128,
                        act_max: 127,
                        requant: Requantization::Double { scale: &self.scale },
                    };
                    (k.qs8_fc_packed)(
                        &p,
                        &self.xq,
                        &self.packed,
                        None,
                        &mut self.oq,
                        d,
                        &mut self.xs,
                    );
                }
                "f32_fc" => {
                    let p = kernels::F32FcParams {
                        act_min: f32::MIN,
                        act_max: f32::MAX,
                    };
                    (k.f32_fully_connected)(&p, &self.xf, &self.wf, None, &mut self.of, d);
                }
                "f32_packed" => {
                    let g = kernels::F32GemmPacked {
                        m: d.batches,
                        n: d.out_dim,
                        k: d.in_dim,
                        a: &self.xf,
                        a_stride: d.in_dim,
                        packed: &self.wpf,
                        bias: None,
                        act_min: f32::MIN,
                        act_max: f32::MAX,
                        c_stride: d.out_dim,
                    };
                    (k.f32_gemm_packed)(&g, &mut self.of);
                }
                _ => {
                    let g = F32Gemm {
                        m: d.batches,
                        n: d.out_dim,
                        k: d.in_dim,
                        a: &self.xf,
                        a_row_stride: d.in_dim,
                        a_k_stride: 1,
                        b: &self.wf,
                        bias: None,
                        relu: false,
                    };
                    (k.f32_gemm)(&g, &mut self.of);
                }
            }
        }
        std::hint::black_box((&self.of, &self.oq));
        (reps * d.batches * d.in_dim * d.out_dim) as f64
    }
}
