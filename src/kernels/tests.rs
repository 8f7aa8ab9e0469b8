//! Kernel test batteries: one per kernel family, instantiated for every kernel table
//! (`generic` everywhere, `simd128` on wasm32 with SIMD128). Each battery compares a
//! table's kernel with an independent oracle — the generic reference kernel for the
//! TFLite arithmetic, a naive loop with the documented summation order for the training
//! kernels — over ragged tails, zero points, extreme scales and saturation, on sizes small
//! enough that the SIMD paths run their tail code. Natively only `generic` runs;
//! `wasm-pack test --headless --chrome` runs both in the browser.

use super::fixedpoint::quantize_multiplier;
use super::generic::{self, f32_relu_scalar};
use super::*;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// xorshift64*: deterministic test data without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn f32(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
    fn i8(&mut self) -> i8 {
        (self.next() >> 56) as u8 as i8
    }
    fn i32(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next() % (hi - lo + 1) as u64) as i32
    }
    /// Floats with varied magnitude: mostly [-1, 1], some large, some exact zeros/-0.
    fn wild(&mut self) -> f32 {
        match self.next() % 16 {
            0 => 0.0,
            1 => -0.0,
            2 => self.f32() * 1e30,
            3 => self.f32() * 1e-30,
            4 => (self.i32(-8, 8) as f32) + 0.5,
            _ => self.f32() * 4.0,
        }
    }
}

fn same_f32(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn assert_same_f32(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            same_f32(g, w),
            "{what}: [{i}] got {g:e} ({:#x}) want {w:e} ({:#x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Family: float FULLY_CONNECTED (inference / calibration order of f32_dot_generic)

fn check_f32_fc(k: &Kernels) {
    let mut rng = Rng(0x5eed_0001);
    let acts = [
        (f32::MIN, f32::MAX),
        (0.0, f32::MAX),
        (0.0, 6.0),
        (-1.0, 1.0),
    ];
    for &batches in &[1usize, 2, 3, 5] {
        for &in_dim in &[1usize, 3, 7, 8, 9, 16, 17, 33, 64] {
            for &out_dim in &[1usize, 3, 4, 5, 9] {
                let d = FcDims {
                    batches,
                    in_dim,
                    out_dim,
                };
                let x: Vec<f32> = (0..batches * in_dim).map(|_| rng.wild()).collect();
                let w: Vec<f32> = (0..out_dim * in_dim).map(|_| rng.wild()).collect();
                let bias: Vec<f32> = (0..out_dim).map(|_| rng.wild()).collect();
                for (ai, &(lo, hi)) in acts.iter().enumerate() {
                    let p = F32FcParams {
                        act_min: lo,
                        act_max: hi,
                    };
                    let b = (ai % 2 == 0).then_some(&bias[..]);
                    let mut want = vec![0.0; batches * out_dim];
                    let mut got = vec![7.0; batches * out_dim];
                    generic::f32_fully_connected_generic(&p, &x, &w, b, &mut want, d);
                    (k.f32_fully_connected)(&p, &x, &w, b, &mut got, d);
                    assert_same_f32(&got, &want, &format!("{} f32 fc {d:?} act {ai}", k.name));
                }
            }
        }
    }
    // The dot itself keeps the 8-lane order: a sum that cancels differently in any other
    // order (1e8 + 1 - 1e8 across lanes).
    let mut x = vec![1.0f32; 16];
    let mut w = vec![0.0f32; 16];
    w[0] = 1e8;
    w[1] = 1.0;
    w[8] = -1e8;
    w[5] = 3.0;
    x[9] = 0.5;
    let d = FcDims {
        batches: 1,
        in_dim: 16,
        out_dim: 1,
    };
    let p = F32FcParams {
        act_min: f32::MIN,
        act_max: f32::MAX,
    };
    let (mut a, mut b) = ([0.0f32], [0.0f32]);
    generic::f32_fully_connected_generic(&p, &x, &w, None, &mut a, d);
    (k.f32_fully_connected)(&p, &x, &w, None, &mut b, d);
    assert_same_f32(&b, &a, "lane order");
    assert_eq!(a[0], generic::f32_dot_generic(&x, &w));
}

// ---------------------------------------------------------------------------------------
// Family: int8 FULLY_CONNECTED (packed weights vs the raw reference kernel)

fn check_qs8_fc(k: &Kernels) {
    let mut rng = Rng(0x5eed_0002);
    // (input_offset, weights_offset, output_offset): zero points at both ends of int8.
    let offsets = [
        (0, 0, 0),
        (128, 0, -128),
        (-127, 0, 127),
        (5, -3, 10),
        (-128, 128, -1),
    ];
    let scales = [1e-9f64, 2.3e-4, 0.0123, 0.5, 3.7, 1e6];
    let acts = [(-128, 127), (-128, 5), (-20, 127), (0, 0)];
    let mut case = 0usize;
    for &batches in &[1usize, 2, 3, 4, 5, 17, 33] {
        for &in_dim in &[1usize, 7, 8, 9, 15, 16, 17, 40] {
            for &out_dim in &[1usize, 3, 4, 5, 8, 9] {
                case += 1;
                let d = FcDims {
                    batches,
                    in_dim,
                    out_dim,
                };
                let (io, wo, oo) = offsets[case % offsets.len()];
                let mut x: Vec<i8> = (0..batches * in_dim).map(|_| rng.i8()).collect();
                let mut w: Vec<i8> = (0..out_dim * in_dim).map(|_| rng.i8()).collect();
                if case.is_multiple_of(7) {
                    // Saturated operands: extreme products in every lane.
                    x.iter_mut().for_each(|v| *v = i8::MIN);
                    w.iter_mut().for_each(|v| {
                        *v = if rng.next().is_multiple_of(2) {
                            i8::MIN
                        } else {
                            i8::MAX
                        }
                    });
                }
                let bias: Vec<i32> = (0..out_dim)
                    .map(|_| match rng.next() % 4 {
                        0 => i32::MAX - rng.i32(0, 1000),
                        1 => i32::MIN + rng.i32(0, 1000),
                        _ => rng.i32(-100_000, 100_000),
                    })
                    .collect();
                let scale: Vec<f64> = (0..out_dim)
                    .map(|c| {
                        if case.is_multiple_of(3) {
                            // Exact halves and quarters: products that tie at .5, where
                            // rounding half away from zero matters.
                            [0.5, 0.25, 1.5, 0.125][c % 4]
                        } else {
                            scales[(case + c) % scales.len()] * (1.0 + rng.f32().abs() as f64)
                        }
                    })
                    .collect();
                let (mut mult, mut shift) = (Vec::new(), Vec::new());
                for &s in &scale {
                    let (m, sh) = quantize_multiplier(s.min(1e6)).unwrap();
                    mult.push(m);
                    shift.push(sh.min(30));
                }
                let (act_min, act_max) = acts[case % acts.len()];
                let mut packed = vec![0i16; qs8_fc_packed_len(d)];
                (k.qs8_fc_pack)(&w, wo, d, &mut packed);
                let mut xs = vec![0i16; qs8_fc_scratch_len(d)];
                for requant in [
                    Requantization::Double { scale: &scale },
                    Requantization::FixedPoint {
                        multiplier: &mult,
                        shift: &shift,
                    },
                ] {
                    let p = Qs8FcParams {
                        input_offset: io,
                        weights_offset: wo,
                        output_offset: oo,
                        act_min,
                        act_max,
                        requant,
                    };
                    for b in [Some(&bias[..]), None] {
                        let mut want = vec![0i8; batches * out_dim];
                        let mut got = vec![99i8; batches * out_dim];
                        generic::qs8_fully_connected_generic(&p, &x, &w, b, &mut want, d);
                        (k.qs8_fc_packed)(&p, &x, &packed, b, &mut got, d, &mut xs);
                        assert_eq!(
                            got,
                            want,
                            "{} qs8 fc {d:?} {p:?} bias {}",
                            k.name,
                            b.is_some()
                        );
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Family: int8 SOFTMAX (exponential table vs the reference's per-element fixed-point exp)

/// The interpreter's preparation of an int8 softmax (`None` where TFLite rejects it).
fn qs8_softmax_params(beta: f64, in_scale: f64) -> Option<Qs8SoftmaxParams> {
    use super::fixedpoint::{calculate_input_radius, preprocess_softmax_scaling};
    let (input_multiplier, input_left_shift) = preprocess_softmax_scaling(beta, in_scale, 5)?;
    Some(Qs8SoftmaxParams {
        input_multiplier,
        input_left_shift,
        diff_min: -calculate_input_radius(5, input_left_shift, 31),
    })
}

fn check_qs8_softmax_rows(
    k: &Kernels,
    p: &Qs8SoftmaxParams,
    lut: &Qs8SoftmaxLut,
    x: &[i8],
    outer: usize,
    depth: usize,
    what: &str,
) {
    let mut want = vec![0i8; outer * depth];
    let mut got = vec![99i8; outer * depth];
    generic::qs8_softmax_generic(p, x, &mut want, outer, depth);
    (k.qs8_softmax)(lut, x, &mut got, outer, depth);
    assert_eq!(got, want, "{} qs8 softmax {what} {p:?} x {x:?}", k.name);
}

fn check_qs8_softmax(k: &Kernels) {
    let mut rng = Rng(0x5eed_0007);
    // Input scales from the smallest TFLite accepts (beta * scale * 2^26 > 1) to huge
    // ones (the multiplier saturates, diff_min cuts at -1), plus random log-uniform ones.
    let mut cases = Vec::new();
    for &beta in &[1.0f64, 0.5, 1.7, 10.0, 1e-3] {
        for &scale in &[
            2e-8f64,
            1e-5,
            1e-3,
            1.0 / 256.0,
            0.0123,
            0.0625,
            0.1,
            0.25,
            1.0,
            3.7,
            40.0,
            1000.0,
        ] {
            cases.push((beta, scale));
        }
    }
    for _ in 0..40 {
        let e = rng.f32() as f64 * 8.0 - 2.0;
        cases.push((1.0, 10f64.powf(e)));
    }
    let mut tested = 0;
    for (beta, scale) in cases {
        let Some(p) = qs8_softmax_params(beta, scale) else {
            continue;
        };
        tested += 1;
        let lut = Qs8SoftmaxLut::new(&p);
        // Every difference 0..=255, alone beside the max (width 2) and repeated 16 times
        // so that its term dominates the sum (width 17), with the max at both ends of the
        // int8 range.
        for hi in [127i8, 0, -100] {
            for d in 0..=255i32 {
                let lo = hi as i32 - d;
                if lo < -128 {
                    continue;
                }
                let two = [hi, lo as i8];
                check_qs8_softmax_rows(k, &p, &lut, &two, 1, 2, &format!("diff {d}"));
                let mut wide = vec![lo as i8; 17];
                wide[d as usize % 17] = hi;
                check_qs8_softmax_rows(k, &p, &lut, &wide, 1, 17, &format!("diff {d} x16"));
            }
        }
        let x: Vec<i8> = (0..=255).map(|d| (127 - d) as i8).collect();
        check_qs8_softmax_rows(k, &p, &lut, &x, 1, 256, "all differences in one row");
        // Random rows: ragged widths (width 1 included), rows of equal values, saturated
        // rows (extremes only), several rows per call.
        for &depth in &[1usize, 2, 3, 7, 10, 16, 17, 33, 100] {
            for &outer in &[1usize, 2, 5] {
                let x: Vec<i8> = (0..outer * depth)
                    .map(|i| match (rng.next() % 8, i % depth) {
                        (0, _) => i8::MIN,
                        (1, _) => i8::MAX,
                        _ => rng.i8(),
                    })
                    .collect();
                check_qs8_softmax_rows(k, &p, &lut, &x, outer, depth, "random");
                let narrow: Vec<i8> = (0..outer * depth)
                    .map(|_| rng.i32(-3, 3) as i8 + 100)
                    .collect();
                check_qs8_softmax_rows(k, &p, &lut, &narrow, outer, depth, "narrow");
                for v in [i8::MIN, -1, 0, i8::MAX] {
                    let same = vec![v; outer * depth];
                    check_qs8_softmax_rows(k, &p, &lut, &same, outer, depth, "equal");
                }
                let ends: Vec<i8> = (0..outer * depth)
                    .map(|_| {
                        if rng.next().is_multiple_of(2) {
                            i8::MIN
                        } else {
                            i8::MAX
                        }
                    })
                    .collect();
                check_qs8_softmax_rows(k, &p, &lut, &ends, outer, depth, "saturated");
            }
        }
    }
    assert!(tested > 60, "only {tested} softmax scalings were valid");
    // Nothing to do for no rows or empty rows.
    let p = qs8_softmax_params(1.0, 0.1).unwrap();
    let lut = Qs8SoftmaxLut::new(&p);
    check_qs8_softmax_rows(k, &p, &lut, &[], 0, 10, "no rows");
    check_qs8_softmax_rows(k, &p, &lut, &[], 3, 0, "empty rows");
}

// ---------------------------------------------------------------------------------------
// Family: float quantize (float -> int8)

fn check_qs8_quantize(k: &Kernels) {
    let mut rng = Rng(0x5eed_0003);
    let specials = [
        0.5f32,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        0.49999997,
        -0.49999997,
        1e9,
        -1e9,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        0.0,
        -0.0,
        126.5,
        -127.5,
        8388609.0,
    ];
    for &scale in &[1.0f32, 0.1, 0.0078125, 3.3e-5, 1e-30, 1e30] {
        for &zp in &[-128, -1, 0, 64, 127] {
            for &n in &[1usize, 7, 8, 9, 17, 40] {
                let x: Vec<f32> = (0..n)
                    .map(|i| {
                        if i % 3 == 0 {
                            specials[(i / 3 + n) % specials.len()] * scale
                        } else {
                            rng.f32() * 200.0 * scale
                        }
                    })
                    .collect();
                let mut want = vec![0i8; n];
                let mut got = vec![1i8; n];
                generic::qx8_quantize_generic(&x, &mut want, scale, zp);
                (k.qs8_quantize)(&x, &mut got, scale, zp);
                assert_eq!(
                    got, want,
                    "{} quantize scale {scale} zp {zp} x {x:?}",
                    k.name
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Family: float GEMMs for training (order documented on F32Gemm)

fn naive_gemm(g: &F32Gemm) -> Vec<f32> {
    let mut c = vec![0.0f32; g.m * g.n];
    for i in 0..g.m {
        for j in 0..g.n {
            let mut acc = 0.0f32;
            for p in 0..g.k {
                acc += g.a[i * g.a_row_stride + p * g.a_k_stride] * g.b[p * g.n + j];
            }
            if let Some(b) = g.bias {
                acc += b[j];
            }
            c[i * g.n + j] = if g.relu { f32_relu_scalar(acc) } else { acc };
        }
    }
    c
}

fn check_f32_gemm(k: &Kernels) {
    let mut rng = Rng(0x5eed_0004);
    for &m in &[1usize, 2, 3, 4, 5, 6, 9] {
        for &n in &[1usize, 3, 4, 7, 8, 9, 16, 17] {
            for &kk in &[0usize, 1, 2, 5, 33] {
                let a: Vec<f32> = (0..m * kk).map(|_| rng.wild()).collect();
                let b: Vec<f32> = (0..kk * n).map(|_| rng.wild()).collect();
                let bias: Vec<f32> = (0..n).map(|_| rng.wild()).collect();
                for (variant, transposed) in [(0, false), (1, true), (2, false), (3, true)] {
                    // x · W (A row-major [m, k]) and xᵀ · dz (A stored [k, m]).
                    let (rs, ks) = if transposed { (1, m) } else { (kk, 1) };
                    let g = F32Gemm {
                        m,
                        n,
                        k: kk,
                        a: &a,
                        a_row_stride: rs,
                        a_k_stride: ks,
                        b: &b,
                        bias: (variant >= 2).then_some(&bias[..]),
                        relu: variant % 2 == 1 || variant == 2,
                    };
                    let want = naive_gemm(&g);
                    let mut got = vec![f32::NAN; m * n];
                    (k.f32_gemm)(&g, &mut got);
                    assert_same_f32(
                        &got,
                        &want,
                        &format!("{} gemm m{m} n{n} k{kk} v{variant}", k.name),
                    );
                }
                // C = A · Btᵀ with Bt [n, k].
                let mut got = vec![f32::NAN; m * n];
                (k.f32_gemm_nt)(&a, &b, &mut got, m, n, kk);
                let mut want = vec![0.0f32; m * n];
                for i in 0..m {
                    for j in 0..n {
                        let mut acc = 0.0f32;
                        for p in 0..kk {
                            acc += a[i * kk + p] * b[j * kk + p];
                        }
                        want[i * n + j] = acc;
                    }
                }
                assert_same_f32(&got, &want, &format!("{} gemm_nt m{m} n{n} k{kk}", k.name));
            }
        }
    }
    // gemm_nt across its 64-deep panel boundary, and a large GEMM (panel order switch).
    for &(m, n, kk) in &[(3usize, 9usize, 130usize), (2, 17, 64), (1, 8, 65)] {
        let a: Vec<f32> = (0..m * kk).map(|_| rng.f32()).collect();
        let bt: Vec<f32> = (0..n * kk).map(|_| rng.f32()).collect();
        let mut want = vec![0.0f32; m * n];
        generic::f32_gemm_nt_generic(&a, &bt, &mut want, m, n, kk);
        let mut got = vec![0.0f32; m * n];
        (k.f32_gemm_nt)(&a, &bt, &mut got, m, n, kk);
        assert_same_f32(
            &got,
            &want,
            &format!("{} gemm_nt deep m{m} n{n} k{kk}", k.name),
        );
    }
    let (m, n, kk) = (7, 300, 40);
    let a: Vec<f32> = (0..m * kk).map(|_| rng.f32()).collect();
    let b: Vec<f32> = (0..kk * n).map(|_| rng.f32()).collect();
    let g = F32Gemm {
        m,
        n,
        k: kk,
        a: &a,
        a_row_stride: kk,
        a_k_stride: 1,
        b: &b,
        bias: None,
        relu: true,
    };
    let mut got = vec![0.0f32; m * n];
    (k.f32_gemm)(&g, &mut got);
    assert_same_f32(&got, &naive_gemm(&g), &format!("{} gemm large", k.name));
}

fn check_f32_elementwise(k: &Kernels) {
    let mut rng = Rng(0x5eed_0005);
    for &(rows, cols) in &[(1usize, 1usize), (3, 4), (5, 7), (32, 10), (2, 17)] {
        let x: Vec<f32> = (0..rows * cols).map(|_| rng.wild()).collect();
        let mut want = vec![0.0f32; cols];
        for r in 0..rows {
            for j in 0..cols {
                want[j] += x[r * cols + j];
            }
        }
        let mut got = vec![f32::NAN; cols];
        (k.f32_col_sum)(&x, &mut got, rows, cols);
        assert_same_f32(&got, &want, &format!("{} col_sum {rows}x{cols}", k.name));
    }
    for &n in &[0usize, 1, 3, 4, 5, 17] {
        let a: Vec<f32> = (0..n)
            .map(|i| if i % 5 == 0 { f32::NAN } else { rng.wild() })
            .collect();
        let d0: Vec<f32> = (0..n).map(|_| rng.f32()).collect();
        let want: Vec<f32> = d0
            .iter()
            .zip(&a)
            .map(|(&d, &a)| if a > 0.0 { d } else { 0.0 })
            .collect();
        let mut got = d0.clone();
        (k.f32_relu_backward)(&a, &mut got);
        assert_same_f32(&got, &want, &format!("{} relu_backward n{n}", k.name));
    }
}

// ---------------------------------------------------------------------------------------
// Family: Adam

fn check_f32_adam(k: &Kernels) {
    let mut rng = Rng(0x5eed_0006);
    for &n in &[0usize, 1, 3, 4, 5, 17, 64] {
        let mut w: Vec<f32> = (0..n).map(|_| rng.f32()).collect();
        let (mut m, mut v) = (vec![0.0f32; n], vec![0.0f32; n]);
        let (mut w2, mut m2, mut v2) = (w.clone(), m.clone(), v.clone());
        for step in 0..5 {
            let g: Vec<f32> = (0..n)
                .map(|i| if i % 4 == 3 { 0.0 } else { rng.wild() * 1e-3 })
                .collect();
            let p = F32AdamParams {
                alpha: 1e-3 * (1.0 + step as f32 * 0.1),
                one_minus_beta_1: 0.1,
                one_minus_beta_2: 0.001,
                epsilon: 1e-7,
            };
            for i in 0..n {
                m[i] += (g[i] - m[i]) * p.one_minus_beta_1;
                v[i] += (g[i] * g[i] - v[i]) * p.one_minus_beta_2;
                w[i] -= (m[i] * p.alpha) / (v[i].sqrt() + p.epsilon);
            }
            (k.f32_adam)(&mut w2, &g, &mut m2, &mut v2, &p);
            let what = format!("{} adam n{n} step {step}", k.name);
            assert_same_f32(&w2, &w, &what);
            assert_same_f32(&m2, &m, &what);
            assert_same_f32(&v2, &v, &what);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Family: float GEMM of inference on packed weights (F32GemmPacked)

/// Whether a table may fuse multiply-adds (a relaxed-SIMD build): its fast float GEMM is
/// then held to the documented tolerance only, not to the generic bits.
fn fuses(k: &Kernels) -> bool {
    k.name.contains("relaxed")
}

/// Checks `got` (row stride `c_stride`) against the generic kernel's bits (unless `k`
/// fuses) and against the calibrator-order float FC within [`f32_gemm_error_bound`].
fn check_packed_case(k: &Kernels, g: &F32GemmPacked, w: &[f32], got: &[f32], what: &str) {
    let mut want = vec![f32::NAN; got.len()];
    generic::f32_gemm_packed_generic(g, &mut want);
    for i in 0..g.m {
        let arow = &g.a[i * g.a_stride..i * g.a_stride + g.k];
        for j in 0..g.n {
            let (gv, wv) = (got[i * g.c_stride + j], want[i * g.c_stride + j]);
            if !fuses(k) {
                assert!(
                    same_f32(gv, wv),
                    "{what}: [{i}][{j}] got {gv:e} want {wv:e} (generic)"
                );
            }
            let wr = &w[j * g.k..(j + 1) * g.k];
            let bias = g.bias.map_or(0.0, |b| b[j]);
            let exact_order = generic::f32_clamp_activation(
                generic::f32_dot_generic(arow, wr) + bias,
                g.act_min,
                g.act_max,
            );
            let abs_sum: f32 =
                arow.iter().zip(wr).map(|(a, b)| (a * b).abs()).sum::<f32>() + bias.abs();
            if !abs_sum.is_finite() || !exact_order.is_finite() {
                continue; // overflowing cases are only held to the generic bits
            }
            let bound = f32_gemm_error_bound(g.k, abs_sum);
            assert!(
                (gv - exact_order).abs() <= bound,
                "{what}: [{i}][{j}] got {gv:e}, calibration order {exact_order:e}, bound {bound:e}"
            );
        }
    }
    // Padding between rows (c_stride > n) is never written.
    for i in 0..g.m {
        for v in &got[i * g.c_stride + g.n..((i + 1) * g.c_stride).min(got.len())] {
            assert_eq!(v.to_bits(), 7.0f32.to_bits(), "{what}: row padding written");
        }
    }
}

fn check_f32_gemm_packed(k: &Kernels) {
    let mut rng = Rng(0x5eed_0007);
    let acts = [
        (f32::MIN, f32::MAX),
        (0.0, f32::MAX),
        (0.0, 6.0),
        (-1.0, 1.0),
    ];
    let mut case = 0usize;
    // Rows 1–3 past a multiple of 4 take 4-, 2- and 1-panel tiles: n up to 40 covers a
    // full 1 × 32 tile plus a partial panel.
    for &m in &[1usize, 2, 3, 4, 5, 6, 7, 9] {
        for &n in &[1usize, 3, 7, 8, 9, 16, 17, 24, 33, 40] {
            for &kk in &[0usize, 1, 5, 8, 33, 257, 520] {
                case += 1;
                // Wild values where overflow cannot hide a difference; plain ones on the
                // deep cases, where the tolerance is checked.
                let val = |r: &mut Rng| if kk < 100 { r.wild() } else { r.f32() };
                let (a_stride, c_stride) = (kk + case % 3, n + case % 2);
                let a: Vec<f32> = (0..m * a_stride).map(|_| val(&mut rng)).collect();
                let w: Vec<f32> = (0..n * kk).map(|_| val(&mut rng)).collect();
                let bias: Vec<f32> = (0..n).map(|_| val(&mut rng)).collect();
                let mut packed = vec![f32::NAN; f32_gemm_packed_len(n, kk)];
                (k.f32_gemm_pack)(&w, n, kk, &mut packed);
                let (lo, hi) = acts[case % acts.len()];
                let g = F32GemmPacked {
                    m,
                    n,
                    k: kk,
                    a: &a,
                    a_stride,
                    packed: &packed,
                    bias: case.is_multiple_of(2).then_some(&bias[..]),
                    act_min: lo,
                    act_max: hi,
                    c_stride,
                };
                let mut got = vec![7.0f32; m * c_stride];
                (k.f32_gemm_packed)(&g, &mut got);
                let what = format!("{} gemm_packed m{m} n{n} k{kk} case {case}", k.name);
                check_packed_case(k, &g, &w, &got, &what);
            }
        }
    }
    // The packed layout itself: channel j, depth p at (j / 8 * k + p) * 8 + j % 8.
    let (n, kk) = (11, 3);
    let w: Vec<f32> = (0..n * kk).map(|i| i as f32).collect();
    let mut packed = vec![f32::NAN; f32_gemm_packed_len(n, kk)];
    (k.f32_gemm_pack)(&w, n, kk, &mut packed);
    assert_eq!(packed.len(), 16 * 3);
    for j in 0..16 {
        for p in 0..kk {
            let want = if j < n { w[j * kk + p] } else { 0.0 };
            assert_eq!(
                packed[(j / 8 * kk + p) * 8 + j % 8],
                want,
                "pack ({j}, {p})"
            );
        }
    }
}

/// A convolution as im2col + the packed GEMM equals a direct NHWC convolution (summed in
/// f64) within the GEMM's tolerance; a 1×1 stride-1 one runs on the input directly.
fn check_f32_conv_as_gemm(k: &Kernels) {
    let mut rng = Rng(0x5eed_0008);
    // (in_h, in_w, in_c, kh, kw, stride, dilation, pad_top, pad_left, out_ch)
    let cases = [
        (
            5usize, 5usize, 3usize, 3usize, 3usize, 1usize, 1usize, 1usize, 1usize, 4usize,
        ),
        (7, 6, 1, 3, 3, 2, 1, 0, 0, 9),
        (6, 7, 8, 3, 2, 1, 2, 2, 1, 8),
        (4, 4, 5, 1, 1, 1, 1, 0, 0, 17),
        (9, 9, 2, 5, 5, 2, 1, 2, 2, 3),
    ];
    for (ci, &(in_h, in_w, in_c, kh, kw, s, dil, pt, pl, oc)) in cases.iter().enumerate() {
        let eff =
            |size: usize, kk: usize, pad: usize| (size + 2 * pad - (kk - 1) * dil - 1) / s + 1;
        let d = Im2colDims {
            in_h,
            in_w,
            in_c,
            kh,
            kw,
            stride_h: s,
            stride_w: s,
            dilation_h: dil,
            dilation_w: dil,
            pad_top: pt,
            pad_left: pl,
            out_h: eff(in_h, kh, pt),
            out_w: eff(in_w, kw, pl),
        };
        let x: Vec<f32> = (0..in_h * in_w * in_c).map(|_| rng.f32()).collect();
        let filt: Vec<f32> = (0..oc * d.row_len()).map(|_| rng.f32()).collect();
        let bias: Vec<f32> = (0..oc).map(|_| rng.f32()).collect();
        let rows = d.out_h * d.out_w;
        let mut cols = vec![f32::NAN; rows * d.row_len()];
        // In two chunks, as a caller bounding its scratch would.
        let half = rows / 2;
        generic::im2col_nhwc_generic(&x, &d, 0.0, 0, half, &mut cols);
        generic::im2col_nhwc_generic(
            &x,
            &d,
            0.0,
            half,
            rows - half,
            &mut cols[half * d.row_len()..],
        );
        let direct = |a_src: &[f32], a_stride: usize| {
            let mut packed = vec![0.0; f32_gemm_packed_len(oc, d.row_len())];
            (k.f32_gemm_pack)(&filt, oc, d.row_len(), &mut packed);
            let g = F32GemmPacked {
                m: rows,
                n: oc,
                k: d.row_len(),
                a: a_src,
                a_stride,
                packed: &packed,
                bias: Some(&bias),
                act_min: f32::MIN,
                act_max: f32::MAX,
                c_stride: oc,
            };
            let mut out = vec![0.0f32; rows * oc];
            (k.f32_gemm_packed)(&g, &mut out);
            out
        };
        let out = direct(&cols, d.row_len());
        if kh == 1 && kw == 1 && s == 1 && pt == 0 && pl == 0 {
            let on_input = direct(&x, in_c);
            assert_same_f32(
                &on_input,
                &out,
                &format!("{} 1x1 conv on the input", k.name),
            );
        }
        for oy in 0..d.out_h {
            for ox in 0..d.out_w {
                for o in 0..oc {
                    let (mut acc, mut abs) = (bias[o] as f64, bias[o].abs() as f64);
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy = (oy * s + ky * dil) as isize - pt as isize;
                            let ix = (ox * s + kx * dil) as isize - pl as isize;
                            if iy < 0 || ix < 0 || iy >= in_h as isize || ix >= in_w as isize {
                                continue;
                            }
                            for c in 0..in_c {
                                let xv = x[(iy as usize * in_w + ix as usize) * in_c + c] as f64;
                                let wv = filt[((o * kh + ky) * kw + kx) * in_c + c] as f64;
                                acc += xv * wv;
                                abs += (xv * wv).abs();
                            }
                        }
                    }
                    let got = out[(oy * d.out_w + ox) * oc + o] as f64;
                    let bound = f32_gemm_error_bound(d.row_len(), abs as f32) as f64;
                    assert!(
                        (got - acc).abs() <= bound,
                        "{} conv case {ci} ({oy},{ox},{o}): got {got} want {acc} bound {bound}",
                        k.name
                    );
                }
            }
        }
    }
}

/// Instantiates every battery for one kernel table.
macro_rules! battery {
    ($name:ident, $table:expr) => {
        mod $name {
            use super::*;
            fn table() -> &'static Kernels {
                $table
            }
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            fn f32_fully_connected() {
                check_f32_fc(table());
            }
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            fn qs8_fully_connected() {
                check_qs8_fc(table());
            }
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            fn qs8_quantize() {
                check_qs8_quantize(table());
            }
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            fn qs8_softmax() {
                check_qs8_softmax(table());
            }
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            fn f32_gemm() {
                check_f32_gemm(table());
            }
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            fn f32_gemm_packed() {
                check_f32_gemm_packed(table());
            }
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            fn f32_conv_as_gemm() {
                check_f32_conv_as_gemm(table());
            }
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            fn f32_elementwise() {
                check_f32_elementwise(table());
            }
            #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
            #[cfg_attr(not(target_arch = "wasm32"), test)]
            fn f32_adam() {
                check_f32_adam(table());
            }
        }
    };
}

battery!(generic_battery, generic());
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
battery!(simd128_battery, simd128::ops());
#[cfg(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    feature = "relaxed-simd"
))]
battery!(relaxed_battery, relaxed::ops());

/// The build picks the SIMD table whenever SIMD128 is on.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ops_selects_the_build_table() {
    let want = if cfg!(all(target_arch = "wasm32", feature = "relaxed-simd")) {
        "simd128-relaxed"
    } else if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        "simd128"
    } else {
        "generic"
    };
    assert_eq!(ops().name, want);
}
