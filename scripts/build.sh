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

# wasm-bindgen and wasm-opt take ~25 s: run them only when their inputs changed — the
# .wasm cargo wrote (cargo's own check decides whether that changed), the two tools'
# versions, the flags (this script) — and pkg/ still holds what they wrote last time.
input="target/$WASM_TARGET/release/litequant.wasm"
wasm=pkg/litequant_bg.wasm
stamp_file=pkg/.build-stamp
stamp_of_inputs() {
  printf '%s\n' "$(sha256sum "$input" | cut -d' ' -f1)" "$(wasm-bindgen --version)" \
    "$("$WASM_OPT" --version)" "$(sha256sum "$ROOT/scripts/build.sh" | cut -d' ' -f1)"
}
stamp_of_outputs() {
  sha256sum pkg/litequant.js pkg/litequant.d.ts "$wasm" 2>/dev/null | cut -d' ' -f1
}
want="$(stamp_of_inputs)"
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$want"$'\n'"$(stamp_of_outputs)" ]; then
  log "pkg/ is up to date (same .wasm from cargo, same tools and flags): wasm-bindgen and wasm-opt skipped"
  exit 0
fi

log "wasm-bindgen --target web → pkg/"
rm -rf pkg
wasm-bindgen --target web --out-dir pkg --out-name litequant "$input"

before=$(stat -c %s "$wasm")
log "wasm-opt -O3 ($("$WASM_OPT" --version))"
"$WASM_OPT" -O3 "${WASM_FEATURES[@]}" "$wasm" -o "$wasm"

raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
printf '%s\n%s' "$want" "$(stamp_of_outputs)" > "$stamp_file"
log "built pkg/litequant.js + $wasm: $raw bytes raw ($before before wasm-opt), $gz bytes gzipped"
