#!/usr/bin/env bash
# Installs what is missing (scripts/setup.sh) and builds the release binary and site:
# target/release/wgmik and target/site/. Shared by scripts/run.sh and the Dockerfile's build
# stage, so the container is built exactly the way the README builds (scripts/check-deploy.py
# checks that both still call this script).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "$@"
# --split: every page is its own wasm chunk (app/src/routes.rs); lazy routes need it.
cargo leptos build --release --split
