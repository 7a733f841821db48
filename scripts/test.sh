#!/usr/bin/env bash
# The README's second command: every check CI runs, in order — formatting, clippy for each build
# flavour, the Rust tests (SQLite always; PostgreSQL when WGMIK_TEST_POSTGRES_URL is set), the
# release build, the API fuzzer (scripts/api-fuzz.sh) and the browser tests against the release
# binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
# Plain cargo gets its own target dir: cargo-leptos builds with other RUSTFLAGS, and sharing one
# dir would rebuild everything on every switch (TOOLCHAIN.md).
export CARGO_TARGET_DIR="${WGMIK_CHECK_TARGET_DIR:-$PWD/target/check}"
WASM=wasm32-unknown-unknown

step "cargo fmt --check"
cargo fmt --all -- --check
step "deployment files agree with the code and the README (scripts/check-deploy.py)"
python3 scripts/check-deploy.py

step "clippy: server, migration, routeros-sim"
cargo clippy -p server -p migration -p routeros-sim --all-targets -- -D warnings
step "clippy: app (ssr)"
cargo clippy -p app --features ssr --all-targets -- -D warnings
step "clippy: app (hydrate, wasm32)"
cargo clippy -p app --features hydrate --target "$WASM" -- -D warnings
step "clippy: wgmik (ssr)"
cargo clippy -p wgmik --features ssr --all-targets -- -D warnings
step "clippy: wgmik (hydrate, wasm32)"
cargo clippy -p wgmik --lib --features hydrate --target "$WASM" -- -D warnings

step "cargo test (all crates)"
if [ -z "${WGMIK_TEST_POSTGRES_URL:-}" ]; then
  echo "note: WGMIK_TEST_POSTGRES_URL is not set: the PostgreSQL half of the DB tests is skipped"
fi
cargo test --workspace --features wgmik/ssr

unset CARGO_TARGET_DIR
step "release build (cargo leptos build --release --split)"
cargo leptos build --release --split
step "API fuzzing (schemathesis over /api/openapi.json, release binary)"
WGMIK_BIN=target/release/wgmik scripts/api-fuzz.sh
step "browser tests (headless Chromium): first run, gate, login, hydration"
node end2end/run.mjs
step "browser tests (headless Chromium): the whole UI against routeros-sim"
ROUTEROS_SIM_BIN="${WGMIK_CHECK_TARGET_DIR:-$PWD/target/check}/debug/routeros-sim" node end2end/walk.mjs
step "all checks passed"
