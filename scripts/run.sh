#!/usr/bin/env bash
# The README's first command: install what is missing, build the release binary and site
# (scripts/build.sh), and start wgmik. Arguments go to the binary (e.g.
# `scripts/run.sh --demo`, `scripts/run.sh --bind 127.0.0.1:8080`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --build-only
exec target/release/wgmik "$@"
