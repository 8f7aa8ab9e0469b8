#!/usr/bin/env bash
# Release build of the library as an ES module: pkg/litequant.js + pkg/litequant_bg.wasm.
#   cargo build (wasm32, SIMD128 via .cargo/config.toml) → wasm-bindgen --target web → wasm-opt -O3
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh >/dev/null

# wasm-opt comes from npm binaryen@132 by explicit path: Debian's binaryen 108 silently
# breaks wasm-bindgen output (TOOLCHAIN.md). The features are those rustc 1.95 emits for
# wasm32 (+simd128); nothing newer, so the optimized module loads wherever the input did.
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
WASM_FEATURES=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)

log "cargo build --target $WASM_TARGET --release --lib"
cargo build --target "$WASM_TARGET" --release --lib

log "wasm-bindgen --target web → pkg/"
rm -rf pkg
wasm-bindgen --target web --out-dir pkg --out-name litequant \
  "target/$WASM_TARGET/release/litequant.wasm"

wasm=pkg/litequant_bg.wasm
before=$(stat -c %s "$wasm")
log "wasm-opt -O3 ($("$WASM_OPT" --version))"
"$WASM_OPT" -O3 "${WASM_FEATURES[@]}" "$wasm" -o "$wasm"

raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
log "built pkg/litequant.js + $wasm: $raw bytes raw ($before before wasm-opt), $gz bytes gzipped"
