#!/usr/bin/env bash
# npm start: install what is missing, build the release library (only what changed:
# cargo's incremental check, then wasm-bindgen / wasm-opt only for a new .wasm), serve.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

bash scripts/build.sh # runs scripts/setup.sh first
exec node scripts/serve.mjs --host "${HOST:-127.0.0.1}" --port "${PORT:-8080}"
