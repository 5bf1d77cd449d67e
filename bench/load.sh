#!/usr/bin/env bash
# The load test of a clinic group, in one command: the single-process homeserver (SQLite) and the
# scaled one (PostgreSQL, Redis, workers, nginx: scripts/scaled.sh) side by side, each at 100 and
# 500 staff, with real browsers running Rounds meanwhile. Prints a Markdown table and writes it,
# with the raw figures, to bench/results/load-<timestamp>.{md,json}.
#
#   bench/load.sh
#
# Environment: ROUNDS_LOAD_MODES ("single scaled"), ROUNDS_LOAD_SIZES ("100 500"),
# ROUNDS_LOAD_SECONDS (measured traffic per run, 60), ROUNDS_LOAD_ACTIVE (senders per clinic, 6),
# ROUNDS_LOAD_BROWSERS (real browsers, 3; 0 for none), ROUNDS_LOAD_SKIP_BUILD=1 (reuse the last
# build in .local/load/dist). Loopback only; bounded: every run ends after its measured seconds.
# The first run against each homeserver provisions the group (5 clinics × 100 staff), which
# takes a few minutes and is kept for the next runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"

MODES=${ROUNDS_LOAD_MODES:-single scaled}
SIZES=${ROUNDS_LOAD_SIZES:-100 500}
BROWSERS=${ROUNDS_LOAD_BROWSERS:-3}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$LOCAL/load/run-$STAMP"
RESULTS="$ROOT/bench/results"
APP_PORT=18091
mkdir -p "$WORK" "$RESULTS"

"$ROOT/scripts/setup.sh"
[[ " $MODES " == *" scaled "* ]] && "$ROOT/scripts/setup.sh" scaled

log "building the load generator and the release bundle"
cargo build --quiet --release --bench load
if [[ -z "${ROUNDS_LOAD_SKIP_BUILD:-}" || ! -f "$LOCAL/load/dist/index.html" ]]; then
  trunk build --release --dist "$LOCAL/load/dist" >"$WORK/trunk.log" 2>&1
fi

SERVE_PID=""
BROWSERS_PID=""
cleanup() {
  [[ -n "$BROWSERS_PID" ]] && kill "$BROWSERS_PID" 2>/dev/null
  [[ -n "$SERVE_PID" ]] && kill "$SERVE_PID" 2>/dev/null
  "$ROOT/scripts/synapse.sh" stop load
  "$ROOT/scripts/scaled.sh" stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each homeserver process (and with it its children) whose CPU and memory the generator reports.
processes() {
  local pidfile
  case "$1" in
    single) echo "synapse=$(<"$LOCAL/synapse/load/synapse.pid")" ;;
    scaled)
      local list="main=$(<"$LOCAL/synapse/scaled/synapse.pid")"
      for pidfile in "$LOCAL"/synapse/scaled/workers/*.pid; do
        list+=",$(basename "$pidfile" .pid)=$(<"$pidfile")"
      done
      list+=",postgres=$(<"$LOCAL/postgres/scaled/server.pid"),redis=$(<"$LOCAL/redis/scaled/server.pid")"
      list+=",nginx=$(<"$LOCAL/synapse-proxy/scaled/nginx.pid")"
      echo "$list"
      ;;
  esac
}

start_mode() {
  case "$1" in
    single) "$ROOT/scripts/synapse.sh" start load; HS=$("$ROOT/scripts/synapse.sh" url load)
            SECRET="$LOCAL/synapse/load/shared_secret" ;;
    scaled) "$ROOT/scripts/scaled.sh" start; HS=$("$ROOT/scripts/scaled.sh" url)
            SECRET="$LOCAL/synapse/scaled/shared_secret" ;;
  esac
}

stop_mode() {
  case "$1" in
    single) "$ROOT/scripts/synapse.sh" stop load ;;
    scaled) "$ROOT/scripts/scaled.sh" stop ;;
  esac
}

serve_app() {
  cat >"$WORK/config-$1.json" <<JSON
{ "clinic_name": "Load Clinic 1", "homeserver": "$HS", "allow_homeserver_change": true, "clinic": "load1" }
JSON
  ROUNDS_DIST="$LOCAL/load/dist" ROUNDS_CONFIG="$WORK/config-$1.json" PORT=$APP_PORT \
    node bench/serve.mjs >"$WORK/serve-$1.log" 2>&1 &
  SERVE_PID=$!
  wait_for_url "http://127.0.0.1:$APP_PORT/config.json" 20
}

# One measured run: the generator at SIZE staff, with the browsers signed in beforehand.
run_size() {
  local mode=$1 size=$2 name="$1-$2" flag="$WORK/measuring" ready="$WORK/browsers-ready"
  local provisioned="$WORK/provisioned"
  rm -f "$flag" "$ready" "$provisioned"
  if (( BROWSERS > 0 )); then
    ROUNDS_BENCH_HOMESERVER="$HS" LOAD_APP="http://127.0.0.1:$APP_PORT" LOAD_BROWSERS="$BROWSERS" \
      LOAD_PROVISIONED="$provisioned" LOAD_READY="$ready" LOAD_MEASURING="$flag" \
      node bench/load-browsers.mjs "$WORK/browsers-$name.json" 2>"$WORK/browsers-$name.log" &
    BROWSERS_PID=$!
  fi
  log "load: $mode homeserver, $size staff"
  # The browsers sign in once the group exists (the first run provisions it), and the
  # generator's people start syncing once the browsers are in.
  ROUNDS_LOAD_HOMESERVER="$HS" ROUNDS_LOAD_SECRET_FILE="$SECRET" ROUNDS_LOAD_STAFF="$size" \
    ROUNDS_LOAD_PROCESSES="$(processes "$mode")" ROUNDS_LOAD_MEASURING="$flag" \
    ROUNDS_LOAD_PROVISIONED="$provisioned" \
    ROUNDS_LOAD_WAIT_FOR="$( (( BROWSERS > 0 )) && echo "$ready")" \
    cargo bench --quiet --bench load 2> >(tee "$WORK/load-$name.log" >&2) | tee "$WORK/load-$name.out"
  if [[ -n "$BROWSERS_PID" ]]; then
    # They stop on their own once measuring ends; a run that never measured leaves them waiting.
    local i
    for (( i = 0; i < 60; i++ )); do kill -0 "$BROWSERS_PID" 2>/dev/null || break; sleep 1; done
    kill "$BROWSERS_PID" 2>/dev/null || true
    wait "$BROWSERS_PID" || log "load: the browsers did not finish (see $WORK/browsers-$name.log)"
    BROWSERS_PID=""
  fi
  node -e '
    const [out, browsers, mode] = process.argv.slice(1);
    const fs = require("fs");
    const line = fs.readFileSync(out, "utf8").split("\n").find((l) => l.startsWith("LOAD_JSON "));
    const run = JSON.parse(line.slice(10));
    run.mode = mode;
    try { run.browsers = JSON.parse(fs.readFileSync(browsers, "utf8")); } catch {}
    process.stdout.write(JSON.stringify(run) + "\n");
  ' "$WORK/load-$name.out" "$WORK/browsers-$name.json" "$mode" >>"$WORK/runs.jsonl"
}

for mode in $MODES; do
  start_mode "$mode"
  serve_app "$mode"
  for size in $SIZES; do run_size "$mode" "$size"; done
  kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""
  stop_mode "$mode"
done

node bench/load-report.mjs "$WORK/runs.jsonl" "$RESULTS/load-$STAMP"
