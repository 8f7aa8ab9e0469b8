//! Relaxed-SIMD kernels, compiled only into the second `.wasm` built with
//! `target_feature = "relaxed-simd"` (the list of builds and their flags: `js/builds.js`;
//! the page loads this build only where the browser validates relaxed-SIMD code).
//!
//! Relaxed instructions may give different results on different hardware, so they are
//! used only where that cannot matter:
//! - the fast float GEMM of inference ([`super::F32GemmPacked`]) with
//!   `f32x4.relaxed_madd` (fused or not, per CPU): its documented tolerance
//!   ([`super::f32_gemm_error_bound`]) covers both, and the battery checks it;
//! - never the calibration FC (TF's exact order), the training kernels (Keras parity) or
//!   any int8 kernel (bit-exact with LiteRT's reference kernels).
//!
//! Everything else is the SIMD128 table.

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
/// multiply-add: one instruction instead of two, fused where the CPU has FMA.
pub fn f32_gemm_packed_relaxed_4x8(g: &F32GemmPacked, c: &mut [f32]) {
    simd128::f32_gemm_packed_drive(g, c, |a, b, acc| f32x4_relaxed_madd(a, b, acc))
}
