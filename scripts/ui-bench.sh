#!/usr/bin/env bash
# The UI benchmark (issue #7, BENCHMARKS.md "Dashboard UI"): seeds a data directory with
# 10,000 tracked peers and 90 days of history (server/examples/ui_seed.rs, once; --reseed to
# redo it), starts the release binary on it over loopback, and runs end2end/ui-bench.mjs
# (server response of GET /, time to interactive and search latency in headless Chromium,
# wasm + JS size), which prints a table and a JSON line.
#
#   scripts/ui-bench.sh [--reseed] [--postgres URL] [-- ui-bench.mjs flags, e.g. --loads 5]
#
# WGMIK_BIN / WGMIK_SITE pick the binary and site (default target/release/wgmik, target/site);
# UI_BENCH_DATA the data directory (default /tmp/ui-bench-data, or /tmp/ui-bench-data-pg with
# --postgres, whose database is dropped and created again when seeding). The binary and site are
# measured as they are: build them first (scripts/build.sh or cargo leptos build --release --split).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${WGMIK_BIN:-target/release/wgmik}
SITE=${WGMIK_SITE:-target/site}
DATA=${UI_BENCH_DATA:-}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/bench}

reseed=false
postgres=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reseed) reseed=true ;;
    --postgres) postgres=$2; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

[ -n "$DATA" ] || DATA=/tmp/ui-bench-data${postgres:+-pg}
[ -x "$BIN" ] || { echo "no binary at $BIN (build it first)" >&2; exit 1; }
[ -d "$SITE/pkg" ] || { echo "no site at $SITE/pkg (build it first)" >&2; exit 1; }

if $reseed || [ ! -f "$DATA/seed.json" ]; then
  cargo build --release -p server --example ui_seed
  rm -rf "$DATA"
  seed_args=(--data-dir "$DATA")
  if [ -n "$postgres" ]; then
    db=${postgres##*/}
    db=${db%%\?*}
    psql -q "${postgres%/*}/postgres" -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\""
    seed_args+=(--postgres "$postgres")
  fi
  "$CARGO_TARGET_DIR/release/examples/ui_seed" "${seed_args[@]}" | tail -n 1 > "$DATA.seed.json"
  mv "$DATA.seed.json" "$DATA/seed.json"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL="$postgres" RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$port" --data-dir "$DATA" \
  --site-root "$SITE" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "database: $( [ -n "$postgres" ] && echo postgres || echo sqlite ); machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"
node end2end/ui-bench.mjs --base "http://127.0.0.1:$port" --seed "$DATA/seed.json" \
  --site "$SITE" "${extra[@]}"
echo "after: $(uptime | sed 's/.*load average/load average/')"
