//! WebAssembly SIMD128 kernels (`core::arch::wasm32`), compiled only with
//! `target_feature = "simd128"` (the release build sets it in `.cargo/config.toml`).
//!
//! Each kernel here replaces one entry of the generic table and produces **exactly the
//! generic kernel's bits** (checked by the batteries in `kernels/tests.rs`, which run in
//! the browser under `wasm-pack test`):
//! - float kernels vectorize across independent outputs and keep each output's scalar
//!   summation order (separate multiply and add, never a fused multiply-add); the float FC
//!   reproduces `f32_dot_generic`'s 8-lane order with two `f32x4` accumulators;
//! - int8 kernels accumulate in wrapping int32 (associative, so any order gives the same
//!   sum) and use the shared scalar output stage ([`generic::qs8_requantize_one`]).
//!
//! Kernels not worth vectorizing for our models stay generic: int8/float softmax (10-wide
//! rows; the int8 one looks its exponentials up in a per-op table and the lookup has no
//! SIMD128 gather), DEQUANTIZE (a handful of outputs), the hybrid FC.

use core::arch::wasm32::*;

use super::generic::{self, f32_clamp_activation};
use super::{
    F32AdamParams, F32FcParams, F32Gemm, F32GemmPacked, FcDims, Kernels, Qs8FcParams,
    Requantization, QS8_PACK_NR,
};

/// The SIMD128 table as a constant, so that the relaxed-SIMD table can start from it.
pub(crate) const TABLE: Kernels = Kernels {
    name: "simd128",
    f32_fully_connected: f32_fully_connected_simd128_4x8,
    qs8_fully_connected: generic::qs8_fully_connected_generic,
    qs8_fc_pack: generic::qs8_fc_pack_generic,
    qs8_fc_packed: qs8_fc_packed_simd128_2x4,
    qs8_hybrid_fully_connected: generic::qs8_hybrid_fully_connected_generic,
    f32_softmax: generic::f32_softmax_generic,
    qs8_softmax: generic::qs8_softmax_lut_generic,
    qs8_quantize: qs8_quantize_simd128,
    f32_gemm: f32_gemm_simd128_4x8,
    f32_gemm_pack: generic::f32_gemm_pack_generic,
    f32_gemm_packed: f32_gemm_packed_simd128_4x8,
    f32_gemm_nt: f32_gemm_nt_simd128_8,
    f32_col_sum: f32_col_sum_simd128,
    f32_relu_backward: f32_relu_backward_simd128,
    f32_adam: f32_adam_simd128,
};

static SIMD128: Kernels = TABLE;

/// The SIMD128 table.
pub fn ops() -> &'static Kernels {
    &SIMD128
}

#[inline(always)]
unsafe fn ld(p: *const f32) -> v128 {
    v128_load(p as *const v128)
}

#[inline(always)]
unsafe fn st(p: *mut f32, v: v128) {
    v128_store(p as *mut v128, v)
}

/// Loads `n <= 8` floats (zero padded) as two vectors.
#[inline(always)]
unsafe fn ld_partial8(p: *const f32, n: usize) -> (v128, v128) {
    let mut t = [0.0f32; 8];
    core::ptr::copy_nonoverlapping(p, t.as_mut_ptr(), n);
    (ld(t.as_ptr()), ld(t.as_ptr().add(4)))
}

/// Stores the first `n <= 8` lanes of two vectors.
#[inline(always)]
unsafe fn st_partial8(p: *mut f32, n: usize, v0: v128, v1: v128) {
    let mut t = [0.0f32; 8];
    st(t.as_mut_ptr(), v0);
    st(t.as_mut_ptr().add(4), v1);
    core::ptr::copy_nonoverlapping(t.as_ptr(), p, n);
}

// ---------------------------------------------------------------------------------------
// Float fully connected (inference and calibration)

/// `f32_dot_generic`'s reduction of the 8 lane sums `(a0 = lanes 0..4, a1 = lanes 4..8)`:
/// `(l, l+4)`, then `(l, l+2)`, then `(0, 1)`.
#[inline(always)]
fn reduce8(a0: v128, a1: v128) -> f32 {
    let q = f32x4_add(a0, a1);
    let h = f32x4_add(q, i32x4_shuffle::<2, 3, 2, 3>(q, q));
    f32x4_extract_lane::<0>(h) + f32x4_extract_lane::<1>(h)
}

/// One dot product with `f32_dot_generic`'s exact order.
#[inline]
pub fn f32_dot_simd128(x: &[f32], w: &[f32]) -> f32 {
    let n = x.len().min(w.len());
    let main = n - n % 8;
    let (mut a0, mut a1) = (f32x4_splat(0.0), f32x4_splat(0.0));
    let (xp, wp) = (x.as_ptr(), w.as_ptr());
    let mut k = 0;
    while k < main {
        // SAFETY: k + 8 <= main <= both lengths.
        unsafe {
            a0 = f32x4_add(a0, f32x4_mul(ld(xp.add(k)), ld(wp.add(k))));
            a1 = f32x4_add(a1, f32x4_mul(ld(xp.add(k + 4)), ld(wp.add(k + 4))));
        }
        k += 8;
    }
    let mut acc = reduce8(a0, a1);
    for k in main..n {
        acc += x[k] * w[k];
    }
    acc
}

/// Float FULLY_CONNECTED, 4 output channels at a time sharing the input loads, each with
/// two `f32x4` lane accumulators: the sums of `f32_dot_generic` bit for bit. Channel
/// blocks outside, batch rows inside, so a 4-row weight block stays in L1.
pub fn f32_fully_connected_simd128_4x8(
    p: &F32FcParams,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
    d: FcDims,
) {
    let (kk, n) = (d.in_dim, d.out_dim);
    assert!(x.len() >= d.batches * kk && w.len() >= n * kk && out.len() >= d.batches * n);
    let main = kk - kk % 8;
    let finish = |total: f32, c: usize| {
        let bias_value = bias.map_or(0.0, |bv| bv[c]);
        f32_clamp_activation(total + bias_value, p.act_min, p.act_max)
    };
    let mut c0 = 0;
    while c0 + 4 <= n {
        for b in 0..d.batches {
            let xr = &x[b * kk..(b + 1) * kk];
            let xp = xr.as_ptr();
            let wp = [0, 1, 2, 3].map(|r| w[(c0 + r) * kk..].as_ptr());
            let mut acc = [[f32x4_splat(0.0); 2]; 4];
            let mut k = 0;
            while k < main {
                // SAFETY: k + 8 <= main <= kk; each weight row has kk elements.
                unsafe {
                    let x0 = ld(xp.add(k));
                    let x1 = ld(xp.add(k + 4));
                    for r in 0..4 {
                        acc[r][0] = f32x4_add(acc[r][0], f32x4_mul(x0, ld(wp[r].add(k))));
                        acc[r][1] = f32x4_add(acc[r][1], f32x4_mul(x1, ld(wp[r].add(k + 4))));
                    }
                }
                k += 8;
            }
            for r in 0..4 {
                let wr = &w[(c0 + r) * kk..(c0 + r + 1) * kk];
                let mut total = reduce8(acc[r][0], acc[r][1]);
                for k in main..kk {
                    total += xr[k] * wr[k];
                }
                out[b * n + c0 + r] = finish(total, c0 + r);
            }
        }
        c0 += 4;
    }
    for c in c0..n {
        let wr = &w[c * kk..(c + 1) * kk];
        for b in 0..d.batches {
            out[b * n + c] = finish(f32_dot_simd128(&x[b * kk..(b + 1) * kk], wr), c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Float GEMM of inference on packed weights (F32GemmPacked)

/// Depth of one k block of [`f32_gemm_packed_simd128_4x8`]: a block's weight panel
/// (8 × 256 floats, 8 KB) stays in L1 while every row tile uses it.
const F32_KC: usize = 256;

/// `a * b + c`: two rounded operations (the generic order). The relaxed-SIMD kernel
/// passes `f32x4.relaxed_madd` instead (see `relaxed`).
#[inline(always)]
fn f32x4_mul_add(a: v128, b: v128, c: v128) -> v128 {
    f32x4_add(c, f32x4_mul(a, b))
}

/// One tile of an [`F32GemmPacked`]: `MR` rows × `NP` panels of 8 channels, over the k
/// block `[p0, p0 + kc)`, reading row `r` of `A` at `a.0 + r * a.1` (the block's first
/// column): `acc = first ? 0 : C`, then `acc += splat(A[i][p]) * panel[p]`
/// in increasing `p`; on the last block `+ bias`, clamp. `MR · NP · 2` accumulators, each
/// one output's chain: small row counts take several panels so that enough independent
/// chains hide the add latency (a 1 × 8 tile would wait on 2 chains). Only a 1-panel tile
/// may be partial (`nr < 8` valid columns, through a stack copy). `madd` is the
/// multiply-add (two roundings here).
#[inline(always)]
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
unsafe fn f32_packed_tile<const MR: usize, const NP: usize, const FULL: bool>(
    g: &F32GemmPacked,
    madd: impl Fn(v128, v128, v128) -> v128,
    a: (*const f32, usize),
    c: *mut f32,
    i0: usize,
    j0: usize,
    nr: usize,
    p0: usize,
    kc: usize,
) {
    let first = p0 == 0;
    let last = p0 + kc == g.k;
    let mut arow = [g.a.as_ptr(); MR];
    let mut crow = [c; MR];
    for r in 0..MR {
        arow[r] = a.0.add(r * a.1);
        crow[r] = c.add((i0 + r) * g.c_stride + j0);
    }
    let mut acc = [[[f32x4_splat(0.0); 2]; NP]; MR];
    if !first {
        for r in 0..MR {
            for q in 0..NP {
                acc[r][q] = if FULL {
                    [ld(crow[r].add(q * 8)), ld(crow[r].add(q * 8 + 4))]
                } else {
                    let (v0, v1) = ld_partial8(crow[r], nr);
                    [v0, v1]
                };
            }
        }
    }
    let mut wp = [g.packed.as_ptr(); NP];
    for (q, w) in wp.iter_mut().enumerate() {
        *w = g.packed.as_ptr().add(((j0 / 8 + q) * g.k + p0) * 8);
    }
    // Live registers: MR splats, 2 weight vectors, MR·NP·2 ≤ 8 accumulators (≤ 14). Not
    // unrolled, and no more than 4 rows: LLVM hoists loads freely (a wasm local costs it
    // nothing), and with more live values the engine's register allocator spills the
    // accumulators (a 6 × 8 tile ran 5× slower in V8).
    for p in 0..kc {
        let mut a = [f32x4_splat(0.0); MR];
        for r in 0..MR {
            a[r] = v128_load32_splat(arow[r].add(p) as *const u32);
        }
        for q in 0..NP {
            let w0 = ld(wp[q].add(p * 8));
            let w1 = ld(wp[q].add(p * 8 + 4));
            for r in 0..MR {
                acc[r][q][0] = madd(a[r], w0, acc[r][q][0]);
                acc[r][q][1] = madd(a[r], w1, acc[r][q][1]);
            }
        }
    }
    if last {
        let (lo, hi) = (f32x4_splat(g.act_min), f32x4_splat(g.act_max));
        for q in 0..NP {
            let jq = j0 + q * 8;
            let (b0, b1) = match g.bias {
                Some(b) if FULL => (ld(b.as_ptr().add(jq)), ld(b.as_ptr().add(jq + 4))),
                Some(b) => ld_partial8(b.as_ptr().add(jq), nr),
                // The generic kernel adds 0.0 without a bias (it turns -0.0 into +0.0).
                None => (f32x4_splat(0.0), f32x4_splat(0.0)),
            };
            for accr in acc.iter_mut() {
                accr[q][0] = f32_clamp4(f32x4_add(accr[q][0], b0), lo, hi);
                accr[q][1] = f32_clamp4(f32x4_add(accr[q][1], b1), lo, hi);
            }
        }
    }
    for r in 0..MR {
        for q in 0..NP {
            if FULL {
                st(crow[r].add(q * 8), acc[r][q][0]);
                st(crow[r].add(q * 8 + 4), acc[r][q][1]);
            } else {
                st_partial8(crow[r], nr, acc[r][q][0], acc[r][q][1]);
            }
        }
    }
}

/// [`generic::f32_clamp_activation`] on 4 lanes: `cpp_min(cpp_max(v, lo), hi)` =
/// `pmin(pmax(v, lo), hi)` (the pseudo-min/max are C++'s `std::min/max`).
#[inline(always)]
fn f32_clamp4(v: v128, lo: v128, hi: v128) -> v128 {
    f32x4_pmin(f32x4_pmax(v, lo), hi)
}

/// Runs tiles of `mr` rows (< 4 or 4) × as many panels as `NP` allows over the columns of
/// one k block: full groups of `NP` panels, then single panels (the last one partial).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn f32_packed_row_tiles<const MR: usize, const NP: usize>(
    g: &F32GemmPacked,
    madd: impl Fn(v128, v128, v128) -> v128 + Copy,
    c: *mut f32,
    i0: usize,
    p0: usize,
    kc: usize,
) {
    let n = g.n;
    let a = (g.a.as_ptr().add(i0 * g.a_stride + p0), g.a_stride);
    let mut j0 = 0;
    while NP > 1 && j0 + 8 * NP <= n {
        f32_packed_tile::<MR, NP, true>(g, madd, a, c, i0, j0, 8, p0, kc);
        j0 += 8 * NP;
    }
    while j0 < n {
        let nr = (n - j0).min(8);
        if nr == 8 {
            f32_packed_tile::<MR, 1, true>(g, madd, a, c, i0, j0, nr, p0, kc);
        } else {
            f32_packed_tile::<MR, 1, false>(g, madd, a, c, i0, j0, nr, p0, kc);
        }
        j0 += 8;
    }
}

/// The shared driver of the packed float GEMM: k blocks of [`F32_KC`] outermost; in each,
/// every 8-channel panel runs down the rows in 4 × 8 tiles (the panel's block stays in L1),
/// then the last 1–3 rows run as 1 × 32, 2 × 16 or 3 × 8 tiles (the same tile code). (Copying
/// each 4-row block of `A` to the stack, so that a tile reads its rows at constant offsets,
/// measured slower in V8.)
#[inline(always)]
pub(crate) fn f32_gemm_packed_drive(
    g: &F32GemmPacked,
    c: &mut [f32],
    madd: impl Fn(v128, v128, v128) -> v128 + Copy,
) {
    let (m, n, k) = (g.m, g.n, g.k);
    if m == 0 || n == 0 {
        return;
    }
    assert!(g.packed.len() >= super::f32_gemm_packed_len(n, k));
    assert!(g.a.len() >= (m - 1) * g.a_stride + k && g.c_stride >= n);
    assert!(c.len() >= (m - 1) * g.c_stride + n);
    assert!(g.bias.is_none_or(|b| b.len() >= n));
    let cp = c.as_mut_ptr();
    let m4 = m - m % 4;
    let mut p0 = 0;
    loop {
        let kc = (k - p0).min(F32_KC);
        // SAFETY: bounds asserted above; tiles stay inside [m, n] and [0, k).
        unsafe {
            for j0 in (0..n).step_by(8) {
                let nr = (n - j0).min(8);
                for i0 in (0..m4).step_by(4) {
                    let a = (g.a.as_ptr().add(i0 * g.a_stride + p0), g.a_stride);
                    if nr == 8 {
                        f32_packed_tile::<4, 1, true>(g, madd, a, cp, i0, j0, nr, p0, kc);
                    } else {
                        f32_packed_tile::<4, 1, false>(g, madd, a, cp, i0, j0, nr, p0, kc);
                    }
                }
            }
            match m - m4 {
                0 => {}
                1 => f32_packed_row_tiles::<1, 4>(g, madd, cp, m4, p0, kc),
                2 => f32_packed_row_tiles::<2, 2>(g, madd, cp, m4, p0, kc),
                _ => f32_packed_row_tiles::<3, 1>(g, madd, cp, m4, p0, kc),
            }
        }
        p0 += kc;
        if p0 >= k {
            break;
        }
    }
}

/// [`F32GemmPacked`] in 4 × 8 register tiles (8 `f32x4` accumulators, weights loaded once
/// per 4 rows, inputs by `v128.load32_splat`; 1 × 32 and 2 × 16 for the last rows, so a
/// single row — batch 1 — still has 8 independent chains): each output's scalar order, so
/// it equals [`generic::f32_gemm_packed_generic`] bit for bit.
pub fn f32_gemm_packed_simd128_4x8(g: &F32GemmPacked, c: &mut [f32]) {
    f32_gemm_packed_drive(g, c, f32x4_mul_add)
}

// ---------------------------------------------------------------------------------------
// Float GEMMs for training

/// One `MR × 8` tile of [`F32Gemm`] (`nr` valid columns; `FULL` when `nr == 8`).
#[inline(always)]
unsafe fn gemm_tile<const MR: usize, const FULL: bool>(
    g: &F32Gemm,
    c: *mut f32,
    i0: usize,
    j0: usize,
    nr: usize,
) {
    let (a, b) = (g.a.as_ptr(), g.b.as_ptr());
    let (rs, ks) = (g.a_row_stride, g.a_k_stride);
    let mut acc = [[f32x4_splat(0.0); 2]; MR];
    let mut arow = [a; MR];
    for (r, ar) in arow.iter_mut().enumerate() {
        *ar = a.add((i0 + r) * rs);
    }
    for p in 0..g.k {
        let bp = b.add(p * g.n + j0);
        let (b0, b1) = if FULL {
            (ld(bp), ld(bp.add(4)))
        } else {
            ld_partial8(bp, nr)
        };
        let off = p * ks;
        for r in 0..MR {
            let s = f32x4_splat(*arow[r].add(off));
            acc[r][0] = f32x4_add(acc[r][0], f32x4_mul(s, b0));
            acc[r][1] = f32x4_add(acc[r][1], f32x4_mul(s, b1));
        }
    }
    if let Some(bias) = g.bias {
        let bp = bias.as_ptr().add(j0);
        let (b0, b1) = if FULL {
            (ld(bp), ld(bp.add(4)))
        } else {
            ld_partial8(bp, nr)
        };
        for accr in acc.iter_mut() {
            accr[0] = f32x4_add(accr[0], b0);
            accr[1] = f32x4_add(accr[1], b1);
        }
    }
    if g.relu {
        // pmax(0, v) = (0 < v) ? v : 0, as f32_relu_scalar.
        let z = f32x4_splat(0.0);
        for accr in acc.iter_mut() {
            accr[0] = f32x4_pmax(z, accr[0]);
            accr[1] = f32x4_pmax(z, accr[1]);
        }
    }
    for (r, accr) in acc.iter().enumerate() {
        let cp = c.add((i0 + r) * g.n + j0);
        if FULL {
            st(cp, accr[0]);
            st(cp.add(4), accr[1]);
        } else {
            st_partial8(cp, nr, accr[0], accr[1]);
        }
    }
}

#[inline(always)]
unsafe fn gemm_tile_any<const FULL: bool>(
    g: &F32Gemm,
    c: *mut f32,
    i0: usize,
    j0: usize,
    nr: usize,
) {
    match g.m - i0 {
        1 => gemm_tile::<1, FULL>(g, c, i0, j0, nr),
        2 => gemm_tile::<2, FULL>(g, c, i0, j0, nr),
        3 => gemm_tile::<3, FULL>(g, c, i0, j0, nr),
        _ => gemm_tile::<4, FULL>(g, c, i0, j0, nr),
    }
}

/// [`F32Gemm`] in 4 × 8 register tiles (8 `f32x4` accumulators), vectorized across
/// columns only: bit-identical to [`generic::f32_gemm_generic`]. When `B` fits in L1 the
/// row tiles run outside (each `A` panel read once), else the column panels do.
pub fn f32_gemm_simd128_4x8(g: &F32Gemm, c: &mut [f32]) {
    let (m, n, k) = (g.m, g.n, g.k);
    if m == 0 || n == 0 {
        return;
    }
    assert!(c.len() >= m * n && g.b.len() >= k * n);
    assert!(k == 0 || g.a.len() > (m - 1) * g.a_row_stride + (k - 1) * g.a_k_stride);
    assert!(g.bias.is_none_or(|b| b.len() >= n));
    let cp = c.as_mut_ptr();
    let run = |i0: usize, j0: usize| {
        let nr = (n - j0).min(8);
        // SAFETY: bounds asserted above; tiles stay inside [m, n].
        unsafe {
            if nr == 8 {
                gemm_tile_any::<true>(g, cp, i0, j0, nr)
            } else {
                gemm_tile_any::<false>(g, cp, i0, j0, nr)
            }
        }
    };
    if k * n * 4 <= 32 * 1024 {
        for i0 in (0..m).step_by(4) {
            for j0 in (0..n).step_by(8) {
                run(i0, j0);
            }
        }
    } else {
        for j0 in (0..n).step_by(8) {
            for i0 in (0..m).step_by(4) {
                run(i0, j0);
            }
        }
    }
}

/// `C = A · Btᵀ` (`dz · Wᵀ`), 8 output columns at a time: a block of `Bt` rows is
/// transposed into a stack panel (64 × 8), then each row of `A` accumulates
/// `splat(a[i][p]) * panel[p]` in increasing `p` — the generic order, bit for bit.
pub fn f32_gemm_nt_simd128_8(a: &[f32], bt: &[f32], c: &mut [f32], m: usize, n: usize, k: usize) {
    const PC: usize = 64;
    assert!(a.len() >= m * k && bt.len() >= n * k && c.len() >= m * n);
    if k == 0 {
        c[..m * n].fill(0.0);
        return;
    }
    let mut panel = [[0.0f32; 8]; PC];
    for j0 in (0..n).step_by(8) {
        let nr = (n - j0).min(8);
        for p0 in (0..k).step_by(PC) {
            let pc = (k - p0).min(PC);
            for (pp, prow) in panel[..pc].iter_mut().enumerate() {
                for (jj, v) in prow.iter_mut().enumerate() {
                    *v = if jj < nr {
                        bt[(j0 + jj) * k + p0 + pp]
                    } else {
                        0.0
                    };
                }
            }
            for i in 0..m {
                let ap = a[i * k + p0..].as_ptr();
                // SAFETY: c row i has n >= j0 + nr elements; panel rows hold 8 floats;
                // a row i has k >= p0 + pc elements.
                unsafe {
                    let cp = c.as_mut_ptr().add(i * n + j0);
                    let (mut a0, mut a1) = if p0 == 0 {
                        (f32x4_splat(0.0), f32x4_splat(0.0))
                    } else if nr == 8 {
                        (ld(cp), ld(cp.add(4)))
                    } else {
                        ld_partial8(cp, nr)
                    };
                    for (pp, prow) in panel[..pc].iter().enumerate() {
                        let s = f32x4_splat(*ap.add(pp));
                        a0 = f32x4_add(a0, f32x4_mul(s, ld(prow.as_ptr())));
                        a1 = f32x4_add(a1, f32x4_mul(s, ld(prow.as_ptr().add(4))));
                    }
                    if nr == 8 {
                        st(cp, a0);
                        st(cp.add(4), a1);
                    } else {
                        st_partial8(cp, nr, a0, a1);
                    }
                }
            }
        }
    }
}

/// Column sums, 4 columns per vector, rows in order (bit-identical).
pub fn f32_col_sum_simd128(x: &[f32], out: &mut [f32], rows: usize, cols: usize) {
    assert!(x.len() >= rows * cols && out.len() >= cols);
    let main = cols - cols % 4;
    for j in (0..main).step_by(4) {
        let mut acc = f32x4_splat(0.0);
        for r in 0..rows {
            // SAFETY: j + 4 <= cols.
            acc = f32x4_add(acc, unsafe { ld(x.as_ptr().add(r * cols + j)) });
        }
        // SAFETY: j + 4 <= cols <= out.len().
        unsafe { st(out.as_mut_ptr().add(j), acc) };
    }
    for j in main..cols {
        let mut s = 0.0f32;
        for r in 0..rows {
            s += x[r * cols + j];
        }
        out[j] = s;
    }
}

/// ReLU backward: `d &= !(a <= 0)`... precisely `d = (a > 0) ? d : 0` (NaN `a` zeroes).
pub fn f32_relu_backward_simd128(a: &[f32], d: &mut [f32]) {
    let n = a.len().min(d.len());
    let main = n - n % 4;
    let z = f32x4_splat(0.0);
    for i in (0..main).step_by(4) {
        // SAFETY: i + 4 <= n.
        unsafe {
            let dp = d.as_mut_ptr().add(i);
            st(dp, v128_and(ld(dp), f32x4_gt(ld(a.as_ptr().add(i)), z)));
        }
    }
    generic::f32_relu_backward_generic(&a[main..n], &mut d[main..n]);
}

/// Adam, 4 weights per vector; every step is a correctly rounded IEEE op (sqrt, div
/// included), so the bits equal [`generic::f32_adam_generic`].
pub fn f32_adam_simd128(
    var: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    k: &F32AdamParams,
) {
    let n = var.len().min(grad.len()).min(m.len()).min(v.len());
    let main = n - n % 4;
    let (b1, b2) = (
        f32x4_splat(k.one_minus_beta_1),
        f32x4_splat(k.one_minus_beta_2),
    );
    let (alpha, eps) = (f32x4_splat(k.alpha), f32x4_splat(k.epsilon));
    for i in (0..main).step_by(4) {
        // SAFETY: i + 4 <= n <= every length.
        unsafe {
            let (wp, mp, vp) = (
                var.as_mut_ptr().add(i),
                m.as_mut_ptr().add(i),
                v.as_mut_ptr().add(i),
            );
            let g = ld(grad.as_ptr().add(i));
            let mv = f32x4_add(ld(mp), f32x4_mul(f32x4_sub(g, ld(mp)), b1));
            let vv = f32x4_add(ld(vp), f32x4_mul(f32x4_sub(f32x4_mul(g, g), ld(vp)), b2));
            let step = f32x4_div(f32x4_mul(mv, alpha), f32x4_add(f32x4_sqrt(vv), eps));
            st(mp, mv);
            st(vp, vv);
            st(wp, f32x4_sub(ld(wp), step));
        }
    }
    generic::f32_adam_generic(
        &mut var[main..n],
        &grad[main..n],
        &mut m[main..n],
        &mut v[main..n],
        k,
    );
}

// ---------------------------------------------------------------------------------------
// int8

/// `f32::round` (half away from zero) on 4 lanes: `t = trunc(v)`, `+ copysign(1, v)` when
/// `|v - t| >= 0.5` (`v - t` is exact). NaN stays NaN, infinities stay.
#[inline(always)]
fn f32x4_round_half_away(v: v128) -> v128 {
    let t = f32x4_trunc(v);
    let frac = f32x4_abs(f32x4_sub(v, t));
    let sign_one = v128_bitselect(v, f32x4_splat(1.0), u32x4_splat(0x8000_0000));
    f32x4_add(t, v128_and(sign_one, f32x4_ge(frac, f32x4_splat(0.5))))
}

/// `reference_ops::AffineQuantize` to int8, 8 values per step: `x / scale` (float
/// division), round half away, saturating convert (Rust's `as`), `+ zero_point`
/// (wrapping), clamp by saturating narrows. Bit-identical to `qx8_quantize_generic`.
pub fn qs8_quantize_simd128(x: &[f32], out: &mut [i8], scale: f32, zero_point: i32) {
    let n = x.len().min(out.len());
    let main = n - n % 8;
    let (sv, zv) = (f32x4_splat(scale), i32x4_splat(zero_point));
    for i in (0..main).step_by(8) {
        // SAFETY: i + 8 <= n.
        unsafe {
            let q = |p: *const f32| {
                i32x4_add(
                    i32x4_trunc_sat_f32x4(f32x4_round_half_away(f32x4_div(ld(p), sv))),
                    zv,
                )
            };
            let h = i16x8_narrow_i32x4(q(x.as_ptr().add(i)), q(x.as_ptr().add(i + 4)));
            let b = i8x16_narrow_i16x8(h, h);
            v128_store64_lane::<0>(b, out.as_mut_ptr().add(i) as *mut u64);
        }
    }
    generic::qx8_quantize_generic(&x[main..n], &mut out[main..n], scale, zero_point);
}

/// Sums of 4 accumulators' lanes: `[Σ a0, Σ a1, Σ a2, Σ a3]` (wrapping).
#[inline(always)]
fn hsum4_i32(a: [v128; 4]) -> v128 {
    let t0 = i32x4_add(
        i32x4_shuffle::<0, 4, 1, 5>(a[0], a[1]),
        i32x4_shuffle::<2, 6, 3, 7>(a[0], a[1]),
    );
    let t1 = i32x4_add(
        i32x4_shuffle::<0, 4, 1, 5>(a[2], a[3]),
        i32x4_shuffle::<2, 6, 3, 7>(a[2], a[3]),
    );
    i32x4_add(
        i32x4_shuffle::<0, 1, 4, 5>(t0, t1),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t1),
    )
}

/// One `MR` rows × 4 channels tile of the packed int8 FC: per 8 inputs, `MR` input loads,
/// 4 weight loads, `4·MR` `i32x4.dot_i16x8_s` + adds. Returns `[MR][4 channel sums]`.
#[inline(always)]
unsafe fn qs8_tile<const MR: usize>(
    xrows: [*const i16; MR],
    wp: *const i16,
    kc: usize,
) -> [v128; MR] {
    let mut acc = [[i32x4_splat(0); 4]; MR];
    for q in 0..kc {
        let wq = wp.add(q * 32);
        let w = [0, 1, 2, 3].map(|r| v128_load(wq.add(r * 8) as *const v128));
        for m in 0..MR {
            let xv = v128_load(xrows[m].add(q * 8) as *const v128);
            for r in 0..4 {
                acc[m][r] = i32x4_add(acc[m][r], i32x4_dot_i16x8(xv, w[r]));
            }
        }
    }
    acc.map(hsum4_i32)
}

/// [`generic::round_half_away_f64`] on 2 lanes (`f64x2.trunc`, then `± 1` where
/// `|v - t| >= 0.5`). A `-0.0` may become `+0.0`, which converts to the same integer.
#[inline(always)]
fn f64x2_round_half_away(v: v128) -> v128 {
    let t = f64x2_trunc(v);
    let frac = f64x2_abs(f64x2_sub(v, t));
    let sign_one = v128_bitselect(v, f64x2_splat(1.0), u64x2_splat(0x8000_0000_0000_0000));
    f64x2_add(t, v128_and(sign_one, f64x2_ge(frac, f64x2_splat(0.5))))
}

/// [`generic::qs8_requantize_one`]'s `Double` form on 4 channels: `acc as f64 * scale[c]`
/// (exact conversion, one IEEE multiply per lane, as in scalar), round half away,
/// saturating conversion (Rust's `as i32`: `i32x4.trunc_sat_f64x2_s_zero`, NaN -> 0),
/// wrapping `+ output_offset`, clamp. `scale` points at 4 readable doubles.
#[inline(always)]
unsafe fn qs8_requantize4_double(p: &Qs8FcParams, acc: v128, scale: *const f64) -> v128 {
    let lo = f64x2_mul(
        f64x2_convert_low_i32x4(acc),
        v128_load(scale as *const v128),
    );
    let hi = f64x2_mul(
        f64x2_convert_low_i32x4(i32x4_shuffle::<2, 3, 2, 3>(acc, acc)),
        v128_load(scale.add(2) as *const v128),
    );
    let q = i32x4_shuffle::<0, 1, 4, 5>(
        i32x4_trunc_sat_f64x2_zero(f64x2_round_half_away(lo)),
        i32x4_trunc_sat_f64x2_zero(f64x2_round_half_away(hi)),
    );
    let q = i32x4_add(q, i32x4_splat(p.output_offset));
    i32x4_min(i32x4_max(q, i32x4_splat(p.act_min)), i32x4_splat(p.act_max))
}

/// Widens `x + input_offset` to i16 rows of `kc * 8` (zero padded), 8 values per step.
fn qs8_widen_input_simd128(x: &[i8], input_offset: i32, d: FcDims, xs: &mut [i16]) {
    let kp = d.in_dim.div_ceil(8) * 8;
    let main = d.in_dim - d.in_dim % 8;
    let off = i16x8_splat(input_offset as i16);
    for b in 0..d.batches {
        let xr = &x[b * d.in_dim..(b + 1) * d.in_dim];
        let row = &mut xs[b * kp..(b + 1) * kp];
        for k in (0..main).step_by(8) {
            // SAFETY: k + 8 <= main <= both row lengths. x + off is in [-255, 255].
            unsafe {
                let v = i16x8_add(i16x8_load_extend_i8x8(xr.as_ptr().add(k)), off);
                v128_store(row.as_mut_ptr().add(k) as *mut v128, v);
            }
        }
        for k in main..d.in_dim {
            row[k] = (xr[k] as i32 + input_offset) as i16;
        }
        row[d.in_dim..].fill(0);
    }
}

/// int8 FULLY_CONNECTED on weights packed by `qs8_fc_pack_generic`: 2 batch rows × 4
/// channels per register tile (`i32x4.dot_i16x8_s`), batch rows in blocks of 16 so their
/// widened inputs stay in L1 while the packed weights stream. The int32 sums equal the
/// reference ones (wrapping addition), and the output stage is the shared scalar
/// [`generic::qs8_requantize_one`]: bit-identical to `qs8_fully_connected_generic`.
pub fn qs8_fc_packed_simd128_2x4(
    p: &Qs8FcParams,
    x: &[i8],
    packed: &[i16],
    bias: Option<&[i32]>,
    out: &mut [i8],
    d: FcDims,
    xs: &mut [i16],
) {
    const BLOCK: usize = 16;
    let kc = d.in_dim.div_ceil(8);
    let kp = kc * 8;
    let ncb = d.out_dim.div_ceil(QS8_PACK_NR);
    assert!(packed.len() >= ncb * kc * 32 && xs.len() >= d.batches * kp);
    assert!(x.len() >= d.batches * d.in_dim && out.len() >= d.batches * d.out_dim);
    qs8_widen_input_simd128(x, p.input_offset, d, xs);
    assert!(bias.is_none_or(|bv| bv.len() >= d.out_dim));
    // The default (Double) requantization of a whole 4-channel block in registers; the
    // scalar stage for FixedPoint, the last partial block, and activation ranges that the
    // saturating narrows would not reproduce (the scalar stage casts with `as i8`).
    let double_scale = match p.requant {
        Requantization::Double { scale }
            if scale.len() >= d.out_dim && p.act_min >= -128 && p.act_max <= 127 =>
        {
            Some(scale)
        }
        _ => None,
    };
    let emit = |out: &mut [i8], b: usize, c0: usize, sums: v128| {
        if let (Some(scale), true) = (double_scale, c0 + 4 <= d.out_dim) {
            // SAFETY: c0 + 4 <= out_dim <= bias, scale lengths; out row b has out_dim.
            unsafe {
                let acc = match bias {
                    Some(bv) => i32x4_add(sums, v128_load(bv.as_ptr().add(c0) as *const v128)),
                    None => sums,
                };
                let q = qs8_requantize4_double(p, acc, scale.as_ptr().add(c0));
                let h = i16x8_narrow_i32x4(q, q);
                let bytes = i8x16_narrow_i16x8(h, h);
                v128_store32_lane::<0>(bytes, out.as_mut_ptr().add(b * d.out_dim + c0) as *mut u32);
            }
            return;
        }
        let s: [i32; 4] = unsafe { core::mem::transmute(sums) };
        for (r, &acc) in s.iter().enumerate() {
            let c = c0 + r;
            if c < d.out_dim {
                let acc = acc.wrapping_add(bias.map_or(0, |bv| bv[c]));
                out[b * d.out_dim + c] = generic::qs8_requantize_one(p, acc, c);
            }
        }
    };
    for b0 in (0..d.batches).step_by(BLOCK) {
        let b1 = (b0 + BLOCK).min(d.batches);
        for cb in 0..ncb {
            // SAFETY: lengths asserted above.
            let wp = unsafe { packed.as_ptr().add(cb * kc * 32) };
            let mut b = b0;
            while b + 2 <= b1 {
                let rows = [b, b + 1].map(|r| unsafe { xs.as_ptr().add(r * kp) });
                let s = unsafe { qs8_tile::<2>(rows, wp, kc) };
                emit(out, b, cb * 4, s[0]);
                emit(out, b + 1, cb * 4, s[1]);
                b += 2;
            }
            if b < b1 {
                let s = unsafe { qs8_tile::<1>([xs.as_ptr().add(b * kp)], wp, kc) };
                emit(out, b, cb * 4, s[0]);
            }
        }
    }
}

/// The benchmark's yardstick: the same 2 × 4 `i32x4.dot_i16x8_s` register tile as
/// [`qs8_fc_packed_simd128_2x4`] on L1-resident data (`xs`: 2 rows of `kc * 8`, `wp`:
/// `kc * 32`), repeated `reps` times; returns a checksum. MACs = `reps * kc * 64`.
pub fn qs8_yardstick_simd128_2x4(xs: &[i16], wp: &[i16], kc: usize, reps: usize) -> i32 {
    assert!(xs.len() >= 2 * kc * 8 && wp.len() >= kc * 32);
    let mut check = i32x4_splat(0);
    for _ in 0..reps {
        let rows = [0, 1].map(|r| unsafe { xs.as_ptr().add(r * kc * 8) });
        let s = unsafe { qs8_tile::<2>(rows, wp.as_ptr(), kc) };
        check = i32x4_add(check, i32x4_add(s[0], s[1]));
    }
    i32x4_extract_lane::<0>(check)
}
