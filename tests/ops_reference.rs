//! The interpreter on TensorFlow 2.21's per-op and per-layer models against LiteRT 2.3.0's
//! reference kernels (`tests/fixtures/ops/` with `manifest_ops.json`, `tests/fixtures/layers/`
//! with `manifest_layers.json`): see `tests/ops_support`.
//!
//! Every entry whose ops the registry implements runs and must match. An entry with ops the
//! registry lacks runs without them when LiteRT's intermediates hold their outputs (int8
//! files): the remaining ops are fed the reference's values and must match too. The others
//! are printed with the ops they lack. Each test also names entries that must run and a minimum
//! count of entries run, so that it cannot pass by skipping.

mod ops_support;

use ops_support::{run_manifest, Outcome};

/// Entries that run (their ops are registered) but exercise a feature outside this test's
/// ops, with the reason; they are run and reported, not held to the reference.
const OUT_OF_SCOPE: &[(&str, &str)] = &[
    (
        "ops/sparse_fc_block/sparse_float32",
        "FULLY_CONNECTED v8 with block-sparse weights read in place (no DENSIFY): the sparse \
         FULLY_CONNECTED kernel is the sparsity work's, not an op of this family",
    ),
    (
        "ops/sparse_fc_block/sparse_dynamic",
        "FULLY_CONNECTED v8 with block-sparse weights (see sparse_float32)",
    ),
];

/// Runs `manifest`; fails on any mismatch, on a `must_run` entry not run, or when fewer
/// than `min_ran` entries ran.
fn check_manifest(manifest: &str, must_run: &[&str], min_ran: usize) {
    let results = run_manifest(manifest);
    let mut failures = Vec::new();
    let mut ran = Vec::new();
    let mut skipped = 0;
    let mut partial = 0;
    for (name, outcome, removed) in &results {
        if let Some((_, why)) = OUT_OF_SCOPE.iter().find(|(n, _)| n == name) {
            let status = match outcome {
                Outcome::Ran { failures, .. } if failures.is_empty() => "ok".to_string(),
                Outcome::Ran { failures, .. } => failures.join("; "),
                Outcome::Unsupported(e) => e.clone(),
            };
            println!("{name}: out of scope ({why}): {status}");
            continue;
        }
        match outcome {
            Outcome::Ran {
                failures: f,
                worst_float,
            } => {
                let how = if removed.is_empty() {
                    String::new()
                } else {
                    partial += 1;
                    format!(
                        " without {} (fed LiteRT's intermediates)",
                        removed.join(", ")
                    )
                };
                println!(
                    "{name}: {}{how} (worst float diff {worst_float:.2e} of the output range)",
                    if f.is_empty() { "ok" } else { "FAILED" }
                );
                failures.extend(f.iter().cloned());
                ran.push(name.clone());
            }
            Outcome::Unsupported(e) => {
                skipped += 1;
                println!("{name}: not run ({e})");
            }
        }
    }
    println!(
        "{manifest}: {} entries ran ({partial} without the ops the registry lacks), {skipped} \
         not run, {} failures",
        ran.len(),
        failures.len()
    );
    for m in must_run {
        assert!(
            ran.iter().any(|r| r == m),
            "{m} did not run (an op is unsupported)"
        );
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        ran.len() >= min_ran,
        "{manifest}: only {} entries ran, expected at least {min_ran}",
        ran.len()
    );
}

#[test]
fn ops_fixtures_match_litert_reference() {
    check_manifest(
        "manifest_ops.json",
        &[
            "ops/activations/float32",
            "ops/activations/int8",
            "ops/activations/int8_floatio",
            "ops/activations/fp16",
            "ops/activations/dynamic",
            "ops/binary_ops/float32",
            "ops/binary_ops/int8",
            "ops/binary_ops/int8_floatio",
            "ops/binary_ops/fp16",
            "ops/binary_ops/dynamic",
            "ops/squeeze_expand/float32",
            "ops/squeeze_expand/int8",
            "ops/gather/float32",
            "ops/gather/int8",
            "ops/concat/float32",
            "ops/concat/int8",
            "ops/concat/int8_floatio",
            "ops/unary_math/float32",
            "ops/unary_math/int8",
            "ops/reduce_mean/int8",
            "ops/padv2/int8",
            "ops/reduce_sum/int8",
            "ops/resize_bilinear/int8",
            "ops/depth_space/int8",
        ],
        94,
    );
}

#[test]
fn layers_fixtures_match_litert_reference() {
    check_manifest(
        "manifest_layers.json",
        &[
            "layers/relu_max6_standalone/int8",
            "layers/relu6_activation_standalone/uint8io",
            "layers/dense_sigmoid/int8",
            "layers/dense_tanh/int8",
            "layers/bn_after_dense_relu/int8",
            "layers/gavgpool_keepdims/int8",
            "layers/zeropad_asym/int8",
            "layers/merge_add/int8",
            "layers/merge_add_relu/int8",
            "layers/merge_multiply/int8",
            "layers/merge_subtract/int8",
            "layers/merge_concat_axis3/int8",
            "layers/gmaxpool/int8",
            "layers/leaky_relu/int8",
            "layers/prelu_default/int8",
            "layers/hard_swish/int8",
            "layers/tanh_layer/int8",
            "layers/sigmoid_layer/int8",
        ],
        302,
    );
}
