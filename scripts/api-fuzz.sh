#!/usr/bin/env bash
# Fuzzes the JSON API from its own OpenAPI document (schemathesis, pinned in setup.sh) against a
# running wgmik with a simulated router behind it, and fails on any 5xx that is not a router's
# own failure (see scripts/api-fuzz.toml). Deterministic: same seed, same requests.
#
#   scripts/api-fuzz.sh                                   # target/release/wgmik
#   WGMIK_BIN=target/check/debug/wgmik scripts/api-fuzz.sh
#
# Env: WGMIK_BIN (default target/release/wgmik), ROUTEROS_SIM_BIN (default: beside WGMIK_BIN,
# else <WGMIK_CHECK_TARGET_DIR or target/check>/debug/routeros-sim, built there if missing), API_FUZZ_EXAMPLES (per
# operation, default 60), API_FUZZ_SEED (default 1), API_FUZZ_CHECKS (schemathesis checks,
# default below), API_FUZZ_REPORT_DIR (keep the reports).
#
# The fixture: routeros-sim with 1 router and 10 peers, wgmik on a free port with a fresh SQLite
# database in a temp dir, an admin, an API token, the router added and its peers imported.
# Operations that would pull the fixture from under the others run after them, in passes of
# their own: pass 1 fuzzes everything else with the bearer token; pass 2 the two deletes
# (routers, tokens: the fuzzer's ids soon hit its own token) with a session cookie instead;
# pass 3 DELETE /api/session with that cookie, which ends it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

abs() { case "$1" in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
WGMIK_BIN=$(abs "${WGMIK_BIN:-target/release/wgmik}")
EXAMPLES=${API_FUZZ_EXAMPLES:-60}
SEED=${API_FUZZ_SEED:-1}
CHECKS=${API_FUZZ_CHECKS:-not_a_server_error,content_type_conformance,response_schema_conformance,response_headers_conformance}
ST=$ROOT/.venv/bin/schemathesis

[ -x "$WGMIK_BIN" ] || { echo "api-fuzz: no wgmik binary at $WGMIK_BIN (set WGMIK_BIN)" >&2; exit 2; }
[ -x "$ST" ] || { echo "api-fuzz: $ST is missing: run scripts/setup.sh" >&2; exit 2; }

if [ -n "${ROUTEROS_SIM_BIN:-}" ]; then
  SIM_BIN=$(abs "$ROUTEROS_SIM_BIN")
elif [ -x "$(dirname "$WGMIK_BIN")/routeros-sim" ]; then
  SIM_BIN=$(dirname "$WGMIK_BIN")/routeros-sim
else
  # cargo-leptos builds only wgmik; a debug simulator (plain cargo's own target dir, as
  # scripts/test.sh uses, so nothing of cargo-leptos's is rebuilt) is plenty for 10 peers.
  CHECK_DIR=$(abs "${WGMIK_CHECK_TARGET_DIR:-target/check}")
  SIM_BIN=$CHECK_DIR/debug/routeros-sim
  if [ ! -x "$SIM_BIN" ]; then
    echo "api-fuzz: building routeros-sim"
    CARGO_TARGET_DIR=$CHECK_DIR cargo build --quiet -p routeros-sim
  fi
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wgmik-api-fuzz.XXXXXX")
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" != 0 ]; then
    echo "api-fuzz: server log (last 40 lines of $WORK/wgmik.log):" >&2
    tail -n 40 "$WORK/wgmik.log" >&2 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

START=$(date +%s)

# The simulator prints one JSON line per router once it serves.
"$SIM_BIN" --routers 1 --peers 10 --seed 1 >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/sim.out" ] && break; sleep 0.1; done
SIM_PORT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["rest_http"])' "$WORK/sim.out")
SIM_PASSWORD=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["password"])' "$WORK/sim.out")

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
# Run from the temp dir so a developer's .env cannot point this at another database; the flags
# name everything that matters anyway. `exec`, so that a background run's $! is wgmik itself.
wgmik_exec() {
  cd "$WORK" && exec env -u DATABASE_URL -u WGMIK_MASTER_KEY "$WGMIK_BIN" \
    --bind "127.0.0.1:$PORT" --data-dir "$WORK/data" \
    --database-url "sqlite://$WORK/data/wgmik.db" "$@"
}
wgmik() { (wgmik_exec "$@"); }

wgmik migrate >"$WORK/setup.log" 2>&1
TOKEN=$(wgmik token create --name api-fuzz 2>>"$WORK/setup.log")
WGMIK_ROUTER_PASSWORD=$SIM_PASSWORD wgmik router add --name sim --host 127.0.0.1 \
  --port "$SIM_PORT" --no-tls --transport rest --username admin --no-import >>"$WORK/setup.log" 2>&1

ADMIN_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
WGMIK_ADMIN_USER=fuzz WGMIK_ADMIN_PASSWORD=$ADMIN_PASSWORD wgmik_exec serve >"$WORK/wgmik.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
AUTH="Authorization: Bearer $TOKEN"

# Import through the API, as the wizard does; the router is id 1 in a fresh database.
curl -fsS -H "$AUTH" -H 'content-type: application/json' -d '{"interfaces":["wg0"]}' \
  "$BASE/api/routers/1/peers/import" >"$WORK/import.json"
IMPORTED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["imported"])' "$WORK/import.json")
# Signed in now, before pass 1's wrong logins engage the login limiter.
curl -fsS -o /dev/null -c "$WORK/cookies" -H 'content-type: application/json' \
  -d "{\"username\":\"fuzz\",\"password\":\"$ADMIN_PASSWORD\"}" "$BASE/api/session"
SESSION=$(awk '$6 == "wgmik_session" {print $7}' "$WORK/cookies")
[ -n "$SESSION" ] || { echo "api-fuzz: signing in gave no session cookie" >&2; exit 1; }
COOKIE="Cookie: wgmik_session=$SESSION"
echo "api-fuzz: wgmik on $BASE, routeros-sim on :$SIM_PORT, $IMPORTED peers imported"

REPORTS=$(abs "${API_FUZZ_REPORT_DIR:-$WORK/reports}")
# From the temp dir: schemathesis keeps a cache in ./.schemathesis.
st() {
  (cd "$WORK" && "$ST" --config-file "$ROOT/scripts/api-fuzz.toml" run "$BASE/api/openapi.json" \
    --checks "$CHECKS" --max-examples "$EXAMPLES" --seed "$SEED" \
    --generation-database none --workers 1 --request-timeout 20 --no-color \
    --report junit --report-dir "$REPORTS" "$@")
}

STATUS=0
LATE=(--exclude-name 'DELETE /api/routers/{id}' --exclude-name 'DELETE /api/tokens/{id}'
  --exclude-name 'DELETE /api/session')
echo "api-fuzz: pass 1: every operation but the deletes below (bearer token)"
st -H "$AUTH" "${LATE[@]}" --report-junit-path "$REPORTS/main.xml" || STATUS=1
echo "api-fuzz: pass 2: DELETE /api/routers/{id}, DELETE /api/tokens/{id} (session cookie)"
st -H "$COOKIE" -H "Origin: $BASE" --include-name 'DELETE /api/routers/{id}' \
  --include-name 'DELETE /api/tokens/{id}' --report-junit-path "$REPORTS/deletes.xml" || STATUS=1
echo "api-fuzz: pass 3: DELETE /api/session (session cookie)"
st -H "$COOKIE" -H "Origin: $BASE" --include-name 'DELETE /api/session' \
  --report-junit-path "$REPORTS/logout.xml" || STATUS=1

PANICS=$(grep -c 'panicked' "$WORK/wgmik.log" || true)
if [ "$PANICS" != 0 ]; then
  echo "api-fuzz: the server log has $PANICS panic(s):" >&2
  grep -m 5 -A1 'panicked' "$WORK/wgmik.log" >&2
  STATUS=1
fi
echo "api-fuzz: $( [ $STATUS = 0 ] && echo passed || echo FAILED ) in $(( $(date +%s) - START )) s" \
  "(seed $SEED, $EXAMPLES examples per operation)"
exit $STATUS
