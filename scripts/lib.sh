# Shared helpers for scripts/*.sh. Source it; do not run it.
#
# Every `ensure_*` function is idempotent: it checks first and installs only what is
# missing or at the wrong version, so a second run costs a few version checks.
# Versions live here and in package.json / Cargo.lock only.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

WASM_TARGET=wasm32-unknown-unknown
WASM_PACK_VERSION=0.15.1
LITERT_VERSION=2.3.0
VENV="$ROOT/.venv"

# Bold/red only on a terminal; plain text in CI logs.
if [ -t 1 ]; then BOLD=$'\033[1m' RED=$'\033[1;31m' RESET=$'\033[0m'; else BOLD="" RED="" RESET=""; fi
log() { printf '%s[litequant]%s %s\n' "$BOLD" "$RESET" "$*"; }
die() { printf '%s[litequant] error:%s %s\n' "$RED" "$RESET" "$*" >&2; exit 1; }

# Run as root (CI, fresh machines) or through sudo when it exists.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $*"
  fi
}

# The wasm-bindgen CLI must equal the wasm-bindgen crate exactly: read it from Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust() {
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup (https://rustup.rs)"
  if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
    log "adding Rust target $WASM_TARGET"
    rustup target add "$WASM_TARGET"
  fi
}

ensure_wasm_bindgen() {
  local want
  want="$(wasm_bindgen_version)"
  [ -n "$want" ] || die "no wasm-bindgen entry in Cargo.lock"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ] ||
     [ "$(wasm-bindgen-test-runner --version 2>/dev/null)" != "wasm-bindgen-test-runner $want" ]; then
    log "installing wasm-bindgen-cli $want (a few minutes)"
    # No --locked: one of its locked dependencies is not on the registry (TOOLCHAIN.md).
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_wasm_pack() {
  if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $WASM_PACK_VERSION" ]; then
    log "installing wasm-pack $WASM_PACK_VERSION (a few minutes)"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
  fi
}

# node_modules must match package-lock.json (binaryen for wasm-opt, playwright-core).
ensure_npm_deps() {
  local ok
  ok="$(cd "$ROOT" && node -e '
    const fs = require("fs");
    const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages;
    const bad = Object.keys(lock).filter((p) => p.startsWith("node_modules/")).filter((p) => {
      try { return JSON.parse(fs.readFileSync(p + "/package.json", "utf8")).version !== lock[p].version; }
      catch { return true; }
    });
    console.log(bad.length ? "no" : "yes");' 2>/dev/null || echo no)"
  if [ "$ok" != yes ]; then
    log "installing npm packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund)
  fi
}

# Debian's chromium + chromedriver (never a browser downloaded by Playwright).
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    log "installing chromium and chromium-driver with apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      chromium chromium-driver
  fi
  export CHROMEDRIVER=/usr/bin/chromedriver
}

# The oracle: the official LiteRT interpreter in a venv at .venv (no TensorFlow).
ensure_venv() {
  if "$VENV/bin/python" - "$LITERT_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
from importlib.metadata import version
assert version("ai-edge-litert") == sys.argv[1]
version("numpy")
EOF
  then return; fi
  log "creating the oracle venv in .venv (ai-edge-litert $LITERT_VERSION + numpy)"
  rm -rf "$VENV"
  if ! python3 -m venv "$VENV"; then
    log "python3 -m venv failed: installing python3-venv with apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
    rm -rf "$VENV"
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir \
    -r "$ROOT/tests/oracle/requirements.txt"
}
