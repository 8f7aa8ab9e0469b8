#!/usr/bin/env bash
# npm start: install what is missing, build the release library, serve the project.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/serve.mjs --host "${HOST:-127.0.0.1}" --port "${PORT:-8080}"
