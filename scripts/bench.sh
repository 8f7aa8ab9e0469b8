#!/usr/bin/env bash
# npm run bench: release build, then bench/bench.html in headless Chromium against TF.js,
# LiteRT.js and tfjs-tflite (devDependencies, served locally). Writes bench/results/latest.{json,md}.
#   npm run bench [-- --quick]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if [ ! -d node_modules/@litertjs/core ] || [ ! -d node_modules/@tensorflow/tfjs-tflite ]; then
  log "npm install (benchmark peers are devDependencies)"
  npm install --no-audit --no-fund --legacy-peer-deps
fi
bash scripts/build.sh
log "benchmark (headless Chromium, single-threaded)"
node bench/run.mjs "$@"
