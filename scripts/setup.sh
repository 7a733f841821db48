#!/usr/bin/env bash
# Installs every prerequisite wgmik's build and tests need, on a Debian machine of the kind
# described in ../shared/TOOLCHAIN.md. Idempotent: each step checks first and is skipped when
# already done, so a second run takes a few seconds. Also used by the Dockerfile's build stage.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10      # 0.3.11 needs rustc 1.96
WASM_BINDGEN_VERSION=0.2.130     # must equal wasm-bindgen in Cargo.lock
LIBROUTEROS_VERSION=4.2.2        # third-party RouterOS API client the simulator is checked against
SCHEMATHESIS_VERSION=4.32.5      # OpenAPI fuzzer of scripts/api-fuzz.sh

# --build-only: just what building the release needs (the Dockerfile and scripts/run.sh); the
# browser, librouteros and schemathesis are for the tests.
BUILD_ONLY=0
if [ "${1:-}" = "--build-only" ]; then BUILD_ONLY=1; fi

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: a dependency version its lock file names is missing from the registry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# npm packages: Tailwind, wasm-opt (never Debian's binaryen, which corrupts the wasm), ECharts,
# playwright-core. The marker tells whether node_modules matches package-lock.json.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages"
  npm ci --no-audit --no-fund
fi
[ -f public/echarts.min.js ] || node scripts/copy-echarts.mjs

if [ "$BUILD_ONLY" = 1 ]; then exit 0; fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null 2>&1; then
  step "installing Debian's chromium for the browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

if ! .venv/bin/python -c "import librouteros" >/dev/null 2>&1; then
  step "creating .venv with librouteros $LIBROUTEROS_VERSION"
  python3 -m venv .venv
  .venv/bin/pip install --quiet "librouteros==$LIBROUTEROS_VERSION"
fi

if [ "$(.venv/bin/schemathesis --version 2>/dev/null | awk '{print $3}')" != "$SCHEMATHESIS_VERSION" ]; then
  step "installing schemathesis $SCHEMATHESIS_VERSION into .venv"
  .venv/bin/pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi
