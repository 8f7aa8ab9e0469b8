//! Relaxed-SIMD kernels: compiled into the second `.wasm` only (cargo feature
//! `relaxed-simd`; the builds and their flags are listed once, in `js/builds.js`, which
//! the loader reads to pick this build where the engine validates relaxed-SIMD code).
//!
//! Relaxed instructions may round or order differently on different CPUs. What they do
//! here:
//! - the fast float GEMM of inference ([`super::F32GemmPacked`]) multiplies and adds with
//!   `f32x4.relaxed_madd` (fused where the CPU has FMA, as on this machine): its documented
//!   tolerance ([`super::f32_gemm_error_bound`]) covers both, and the battery checks it;
//! - nothing else is written with relaxed instructions: not the calibration FC (TF's exact
//!   order), the training kernels (Keras parity) or an int8 kernel.
//!   `i32x4.relaxed_dot_i8x16_i7x16_add_s` needs one operand in [0, 127], which int8
//!   inputs and weights are not: made exact by splitting an operand it costs two dots
//!   (six instructions per 16 products on x86 without VNNI, where V8 lowers it to
//!   `pmaddubsw` + `pmaddwd` + `paddd`) against two instructions per 8 for the i16 dot.
//!
//! One effect is crate-wide: LLVM's WebAssembly backend gives every function of a module
//! the union of their target features, so with this kernel in the build it also lowers
//! `f32x4.pmin/pmax` (C++ `std::min/max` clamps, ReLU) and vectorized `f32::min/max` to
//! `relaxed_min/max`, with operands ordered so that x86 engines (V8's `minps`/`maxps`)
//! give exactly the pseudo-min/max. Elsewhere the result may differ only when a lane holds
//! a NaN or both hold zeros of different signs: never an int8 result (integer kernels use
//! integer min/max, and ±0 quantizes to the same integer). The kernel batteries run on
//! this build too (`cargo test --target wasm32-unknown-unknown --features relaxed-simd`),
//! bit for bit against the scalar references wherever they hold SIMD128 to that.

use core::arch::wasm32::*;

use super::simd128;
use super::{F32GemmPacked, Kernels};

static RELAXED: Kernels = Kernels {
    name: "simd128-relaxed",
    f32_gemm_packed: f32_gemm_packed_relaxed_4x8,
    ..simd128::TABLE
};

/// The relaxed-SIMD table (the SIMD128 table with the entries above replaced).
pub fn ops() -> &'static Kernels {
    &RELAXED
}

/// [`simd128::f32_gemm_packed_simd128_4x8`]'s tiles with `f32x4.relaxed_madd` as the
/// multiply-add: one instruction instead of two. (Safe to call on wasm: an engine without
/// relaxed SIMD cannot run this build at all, its module would not validate.)
#[target_feature(enable = "relaxed-simd")]
pub fn f32_gemm_packed_relaxed_4x8(g: &F32GemmPacked, c: &mut [f32]) {
    simd128::f32_gemm_packed_drive(g, c, |a, b, acc| f32x4_relaxed_madd(a, b, acc))
}
