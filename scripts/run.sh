#!/usr/bin/env bash
# The README's first command: install what is missing, build the release binary and site, and
# start wgmik. Arguments go to the binary (e.g. `scripts/run.sh --bind 127.0.0.1:8080`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo leptos build --release
exec target/release/wgmik "$@"
