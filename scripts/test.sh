#!/usr/bin/env bash
# npm test: install what is missing, then run every test stage in order and stop at the
# first failure. The last line counts stages: "N passed, M failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

STAGES=(
  "setup|bash scripts/setup.sh --test"
  "native tests (cargo test)|rm -rf target/oracle && cargo test"
  "browser tests (wasm-pack test, headless Chromium)|wasm-pack test --headless --chrome --mode no-install"
  "browser tests of the relaxed-SIMD build (library tests incl. every kernel battery)|wasm-pack test --headless --chrome --mode no-install -- --lib --features relaxed-simd"
  "release build (npm run build)|bash scripts/build.sh"
  "JS API of the release build (node --test)|node --test tests/js/"
  "oracle (ai-edge-litert BUILTIN_REF)|.venv/bin/python tests/oracle/check_oracle.py target/oracle/manifest.json"
  "end to end (Playwright: the app and the embed page)|node tests/e2e/app.mjs && node tests/e2e/byo.mjs"
)

passed=0
for entry in "${STAGES[@]}"; do
  name="${entry%%|*}"
  cmd="${entry#*|}"
  log "── stage $((passed + 1))/${#STAGES[@]}: $name"
  start=$SECONDS
  stage_log="$(mktemp)"
  rc=0
  bash -c "set -euo pipefail; $cmd" 2>&1 | tee "$stage_log" || rc=${PIPESTATUS[0]}
  # A crash of the linker itself (LLVM's crash banner) is a toolchain fault, not a test
  # result: say so and run the stage once more. Any other failure stops the run.
  if [ "$rc" -ne 0 ] && grep -q "PLEASE submit a bug report to https://github.com/llvm" "$stage_log"; then
    log "the LLVM toolchain crashed in stage '$name' (see above); running it once more"
    rc=0
    bash -c "set -euo pipefail; $cmd" || rc=$?
  fi
  rm -f "$stage_log"
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    log "ok: $name ($((SECONDS - start)) s)"
  else
    printf '%s[litequant] FAILED stage: %s (exit %s, %s s)%s\n' "$RED" "$name" "$rc" "$((SECONDS - start))" "$RESET" >&2
    printf '[litequant] command: %s\n' "$cmd" >&2
    printf '[litequant] skipped: %s later stage(s)\n' "$((${#STAGES[@]} - passed - 1))" >&2
    echo "$passed passed, 1 failed"
    exit 1
  fi
done
echo "$passed passed, 0 failed"
