#!/usr/bin/env bash
# Install what litequant needs, skipping whatever is already there.
#   bash scripts/setup.sh          wasm32 target, wasm-bindgen-cli, wasm-pack, npm packages
#   bash scripts/setup.sh --test   also Chromium + chromedriver (apt) and the oracle venv
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

test_tools=0
case "${1:-}" in
  --test) test_tools=1 ;;
  "") ;;
  *) die "usage: scripts/setup.sh [--test]" ;;
esac

ensure_rust
ensure_wasm_bindgen
ensure_wasm_pack
ensure_npm_deps
if [ "$test_tools" = 1 ]; then
  ensure_chromium
  ensure_venv
fi
log "setup ok"
