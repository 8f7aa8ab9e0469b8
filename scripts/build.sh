#!/usr/bin/env bash
# Release build of the library as an ES module in pkg/: litequant.js (entry: picks the wasm
# build at load time), litequant_bindings.js (wasm-bindgen glue) and one .wasm per build
# listed in js/builds.js (SIMD128, relaxed SIMD): for each,
#   cargo build (wasm32, that build's features) → wasm-bindgen --target web → wasm-opt -O3
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh >/dev/null

# wasm-opt comes from npm binaryen@132 by explicit path: Debian's binaryen 108 silently
# breaks wasm-bindgen output (TOOLCHAIN.md). The features are those rustc 1.95 emits for
# wasm32 plus each build's (js/builds.js); nothing newer, so the optimized module loads
# wherever the input did.
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
WASM_FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)

# name, wasm file, Rust target features, cargo features, wasm features (comma-separated,
# "-" for none): from js/builds.js, the list the loader reads too.
BUILDS="$(node --input-type=module -e '
  import { BUILDS } from "./js/builds.js";
  const list = (a) => a.join(",") || "-";
  for (const b of BUILDS) console.log(b.name, b.wasm, list(b.targetFeatures), list(b.cargoFeatures), list(b.wasmFeatures));')"

# The page's zip writer (npm fflate, its browser ES module) is served from pkg/ beside the
# library, so the page needs no node_modules/ on the server.
vendor() {
  cp node_modules/fflate/esm/browser.js pkg/fflate.js
  cp node_modules/fflate/LICENSE pkg/fflate.LICENSE
}

mkdir -p pkg target/wasm-builds
first=""
while read -r name wasm target_features cargo_features wasm_features; do
  # RUSTFLAGS replaces .cargo/config.toml's flags (TOOLCHAIN.md): all of them are here.
  # Builds differ by cargo features, so they share target/ (and its dependencies).
  flags="-C target-feature=$(sed 's/[^,]*/+&/g' <<<"$target_features")"
  features=()
  [ "$cargo_features" = - ] || features=(--features "$cargo_features")
  opt=("${WASM_FEATURES[@]}")
  [ "$wasm_features" = - ] || for f in ${wasm_features//,/ }; do opt+=("--enable-$f"); done
  log "[$name] cargo build --target $WASM_TARGET --release --lib ${features[*]} ($flags)"
  RUSTFLAGS="$flags" cargo build --target "$WASM_TARGET" --release --lib "${features[@]}"
  # Every build writes the same cargo output: keep this one's.
  input="target/wasm-builds/$name.wasm"
  cp "target/$WASM_TARGET/release/litequant.wasm" "$input"
  out="target/bindgen/$name"

  # wasm-bindgen and wasm-opt take ~25 s per build: run them only when their inputs
  # changed — this build's .wasm from cargo, the two tools' versions, the flags (this
  # script, js/builds.js) — and pkg/ still holds what they wrote last time.
  stamp_file="pkg/.build-stamp-$name"
  want="$(printf '%s\n' "$(sha256sum "$input" | cut -d' ' -f1)" "$(wasm-bindgen --version)" \
    "$("$WASM_OPT" --version)" "$(cat scripts/build.sh js/builds.js | sha256sum | cut -d' ' -f1)")"
  outputs() { sha256sum "pkg/$wasm" "$out/litequant_bindings.js" 2>/dev/null | cut -d' ' -f1; }
  if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$want"$'\n'"$(outputs)" ]; then
    log "[$name] pkg/$wasm is up to date: wasm-bindgen and wasm-opt skipped"
  else
    log "[$name] wasm-bindgen --target web"
    rm -rf "$out"
    wasm-bindgen --target web --out-dir "$out" --out-name litequant_bindings "$input"
    before=$(stat -c %s "$out/litequant_bindings_bg.wasm")
    log "[$name] wasm-opt -O3 ($("$WASM_OPT" --version))"
    "$WASM_OPT" -O3 "${opt[@]}" "$out/litequant_bindings_bg.wasm" -o "pkg/$wasm"
    raw=$(stat -c %s "pkg/$wasm")
    gz=$(gzip -9 -c "pkg/$wasm" | wc -c)
    printf '%s\n%s' "$want" "$(outputs)" > "$stamp_file"
    log "[$name] pkg/$wasm: $raw bytes raw ($before before wasm-opt), $gz bytes gzipped"
  fi
  # One glue module serves every build: the exports and imports must be the same.
  if [ -z "$first" ]; then
    first="$out"
    cp "$out/litequant_bindings.js" "$out/litequant_bindings.d.ts" pkg/
  elif ! cmp -s "$first/litequant_bindings.js" "$out/litequant_bindings.js"; then
    die "the $name build's wasm-bindgen glue differs from the first build's"
  fi
done <<<"$BUILDS"
cp js/*.js js/*.d.ts pkg/
vendor
log "built pkg/litequant.js ($(echo "$BUILDS" | awk '{print $2}' | paste -sd' '))"
