#!/usr/bin/env bash
# The benchmark suite, in one command:
#
#   bench/run.sh
#
# Builds the release bundle, seeds the bench homeserver once (cached in .local/bench/seed.json),
# measures size, start-up, send → other browser latency next to the raw protocol floor, the
# 10,000-thread inbox in the browser and the native domain inbox, and prints a Markdown table of
# figures against the budgets of DESIGN.md section 5. The same table goes to
# bench/results/<timestamp>.md (raw figures in <timestamp>.json). Slow figures never fail the
# run; a step that breaks is reported in the notes and makes the exit code 1.
#
# Uses the `bench` Synapse instance (127.0.0.1:18028) of scripts/synapse.sh, started if needed and
# stopped again if it was stopped; serves the app on 127.0.0.1:18090 while measuring.
# Environment: ROUNDS_BENCH_ONLY=startup,latency,scale (browser parts), ROUNDS_BENCH_SKIP_BUILD=1
# (reuse the last bench build), ROUNDS_BENCH_MESSAGES, ROUNDS_BENCH_STARTUP_RUNS,
# ROUNDS_BENCH_OLDER_SECONDS (time cap for loading older threads, default 150),
# ROUNDS_BENCH_BASELINE=<commit> (also build that commit, once, and measure its size and start-up
# in the same run: the report puts both side by side).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"

T_START=$(date +%s)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
BL="$LOCAL/bench"
WORK="$BL/run-$STAMP"
RESULTS="$ROOT/bench/results"
APP_PORT=18090
INSTANCE=bench
mkdir -p "$WORK" "$RESULTS"

"$ROOT/scripts/setup.sh"

HS=$("$ROOT/scripts/synapse.sh" url "$INSTANCE")
SECRET_FILE="$LOCAL/synapse/$INSTANCE/shared_secret"
export ROUNDS_BENCH_HOMESERVER="$HS" ROUNDS_BENCH_SECRET_FILE="$SECRET_FILE"
export ROUNDS_BENCH_DB="$LOCAL/synapse/$INSTANCE/homeserver.db"
export ROUNDS_BENCH_APP="http://127.0.0.1:$APP_PORT"

ERRORS=()
TIMINGS=()
SERVE_PID=""
BASELINE_PORT=18091
BASELINE_SERVE_PID=""
BASELINE_DIST=""
SYNAPSE_WAS_RUNNING=0
"$ROOT/scripts/synapse.sh" status "$INSTANCE" >/dev/null 2>&1 && SYNAPSE_WAS_RUNNING=1

cleanup() {
  [[ -z "$BASELINE_SERVE_PID" ]] || kill "$BASELINE_SERVE_PID" 2>/dev/null || true
  if [[ -n "$SERVE_PID" ]] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  if (( ! SYNAPSE_WAS_RUNNING )); then
    "$ROOT/scripts/synapse.sh" stop "$INSTANCE" || true
  fi
}
trap cleanup EXIT

# One cargo build at a time on this 2-core machine: wait for anyone else's to finish (at most
# $1 seconds; cargo's own lock serialises builds anyway). Measurements wait too, because another
# build running meanwhile takes one of the two cores.
wait_for_builds() {
  local max=${1:-900} waited=0
  while pgrep -x cargo >/dev/null || pgrep -x trunk >/dev/null; do
    (( waited == 0 )) && log "waiting for another cargo/trunk build to finish"
    sleep 5
    waited=$(( waited + 5 ))
    if (( waited >= max )); then
      log "still busy after ${waited} s; going ahead"
      break
    fi
  done
}

# What else was running during a measurement (other builds, browsers, test runs): for the notes.
LOADS=()
note_load() {
  local others
  # (None of this run's own processes are running when this is called.)
  others=$(pgrep -x 'cargo|trunk|rustc|chromium|chrome' 2>/dev/null | wc -l || true)
  LOADS+=("$1: load $(cut -d' ' -f1 /proc/loadavg), $others other build/browser processes")
}

# step NAME COMMAND...: runs a step, records its time, and records (not propagates) a failure.
step() {
  local name=$1 t0 rc=0
  shift
  t0=$(date +%s)
  log "bench: $name"
  "$@" || rc=$?
  TIMINGS+=("$name $(( $(date +%s) - t0 )) s")
  if (( rc != 0 )); then
    log "bench: $name failed (exit $rc)"
    ERRORS+=("$name (exit $rc)")
  fi
  return 0
}

build_app() {
  if [[ -n "${ROUNDS_BENCH_SKIP_BUILD:-}" && -f "$BL/dist/index.html" ]]; then
    log "reusing the last bench build in $BL/dist"
    return 0
  fi
  wait_for_builds
  # Into our own dist folder, so a build of the other dist/ (tests, dev) is never disturbed.
  nice -n 10 trunk build --release --dist "$BL/dist" 2>&1 | tail -n 3 >&2
}

native_bench() {
  wait_for_builds
  nice -n 10 cargo bench --quiet --bench inbox --no-run 2>&1 | tail -n 3 >&2
  wait_for_builds 300
  note_load "native benchmark"
  nice -n 10 cargo bench --quiet --bench inbox 2>&1 | tee "$WORK/inbox.txt" >&2
  grep '^BENCH_JSON ' "$WORK/inbox.txt" | sed 's/^BENCH_JSON //' >"$WORK/inbox.json"
  [[ -s "$WORK/inbox.json" ]]
}

SEED_FRESH=false
seed() {
  "$ROOT/scripts/synapse.sh" start "$INSTANCE"
  if node bench/seed.mjs check; then
    return 0
  fi
  SEED_FRESH=true
  wait_for_builds
  log "seeding the demo clinic into the bench homeserver"
  nice -n 10 cargo run --quiet --bin rounds-admin -- --homeserver "$HS" seed-demo \
    --shared-secret-file "$SECRET_FILE" >/dev/null
  node bench/seed.mjs seed
}

serve_app() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$APP_PORT") 2>/dev/null; then
    log "port $APP_PORT is taken by another process"
    return 1
  fi
  cat >"$BL/config.json" <<JSON
{
  "clinic_name": "Riverside Therapy",
  "homeserver": "$HS",
  "allow_homeserver_change": true,
  "clinic": "rounds"
}
JSON
  ROUNDS_DIST="$BL/dist" ROUNDS_CONFIG="$BL/config.json" PORT=$APP_PORT node bench/serve.mjs >"$WORK/serve.log" 2>&1 &
  SERVE_PID=$!
  wait_for_url "$ROUNDS_BENCH_APP/config.json" 20
}

# The baseline commit's release build, made once in a temporary worktree and kept.
build_baseline() {
  local commit dir
  commit=$(git rev-parse --short "$ROUNDS_BENCH_BASELINE")
  BASELINE_DIST="$BL/baseline-$commit/dist"
  [[ -f "$BASELINE_DIST/index.html" ]] && return 0
  wait_for_builds
  dir="$BL/baseline-src"
  git worktree remove --force "$dir" 2>/dev/null || rm -rf "$dir"
  git worktree add --detach "$dir" "$commit" >/dev/null
  # The same target folder: dependencies are not built twice.
  (cd "$dir" && CARGO_TARGET_DIR="$ROOT/target" nice -n 10 trunk build --release --dist "$BASELINE_DIST" 2>&1 | tail -n 3 >&2)
  git worktree remove --force "$dir"
  [[ -f "$BASELINE_DIST/index.html" ]]
}

baseline_bench() {
  node bench/size.mjs "$BASELINE_DIST" >"$WORK/baseline-size.json"
  ROUNDS_DIST="$BASELINE_DIST" ROUNDS_CONFIG="$BL/config.json" PORT=$BASELINE_PORT node bench/serve.mjs >"$WORK/baseline-serve.log" 2>&1 &
  BASELINE_SERVE_PID=$!
  wait_for_url "http://127.0.0.1:$BASELINE_PORT/config.json" 20
  wait_for_builds 300
  ROUNDS_BENCH_ONLY=startup ROUNDS_BENCH_APP="http://127.0.0.1:$BASELINE_PORT" node bench/browser.mjs "$WORK/baseline-browser.json"
  kill "$BASELINE_SERVE_PID" 2>/dev/null || true
}

browser_bench() {
  wait_for_builds 300
  note_load "browser benchmarks (start)"
  node bench/browser.mjs "$WORK/browser.json"
  note_load "browser benchmarks (end)"
}

step "release build" build_app
if [[ -n "${ROUNDS_BENCH_BASELINE:-}" ]]; then
  step "baseline build ($ROUNDS_BENCH_BASELINE)" build_baseline
fi
step "size" bash -c "node bench/size.mjs '$BL/dist' >'$WORK/size.json'"
step "native inbox benchmark" native_bench
step "homeserver and seed" seed
if [[ -f "$BL/dist/index.html" ]] && step "serve" serve_app && [[ -n "$SERVE_PID" ]]; then
  step "browser benchmarks" browser_bench
  if [[ -n "${ROUNDS_BENCH_BASELINE:-}" && -f "$BASELINE_DIST/index.html" ]]; then
    step "baseline start-up" baseline_bench
  fi
else
  ERRORS+=("browser benchmarks (no build or server)")
fi

cp "$BL/seed.json" "$WORK/seed.json" 2>/dev/null || true
SYNAPSE_VERSION=$(curl -fsS --max-time 5 "$HS/_synapse/admin/v1/server_version" 2>/dev/null \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).server_version)}catch{console.log("?")}})' || echo "?")
TIMINGS+=("total $(( $(date +%s) - T_START )) s")
META_JSON=$(
  STAMP="$STAMP" CPU="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)" CORES="$(nproc)" \
  MEM="$(free -h | awk '/^Mem:/{print $2}')" OS="$(. /etc/os-release && echo "$PRETTY_NAME")" \
  LOAD="$(cut -d' ' -f1-3 /proc/loadavg)" RUSTC="$(rustc --version)" NODEV="$(node --version)" \
  COMMIT="$(git rev-parse --short HEAD)" DIRTY="$(git status --porcelain -- src style index.html Cargo.toml public | head -c1)" \
  SYNAPSE="$SYNAPSE_VERSION" SEED_FRESH="$SEED_FRESH" BASELINE="${ROUNDS_BENCH_BASELINE:-}" \
  TIMINGS="$(IFS=';'; echo "${TIMINGS[*]}")" ERRS="$(IFS=';'; echo "${ERRORS[*]:-}")" \
  LOADS="$(IFS=';'; echo "${LOADS[*]:-}")" \
  node -e 'const e=process.env; console.log(JSON.stringify({stamp:e.STAMP,cpu:e.CPU,cores:e.CORES,memory:e.MEM,os:e.OS,load:e.LOAD,rustc:e.RUSTC,node:e.NODEV,commit:e.COMMIT,baseline:e.BASELINE||null,dirty:!!e.DIRTY,synapse:e.SYNAPSE,seed_fresh:e.SEED_FRESH==="true",timings:e.TIMINGS.split(";").join(", "),loads:e.LOADS?e.LOADS.split(";").join("; "):null,errors:e.ERRS||null}))'
)
echo "$META_JSON" >"$WORK/meta.json"

echo
node bench/report.mjs "$WORK" "$RESULTS/$STAMP.md"
node -e '
  const fs = require("fs"); const [dir, out] = process.argv.slice(1); const all = {};
  for (const f of ["meta", "size", "inbox", "seed", "browser", "baseline-size", "baseline-browser"]) { try { all[f] = JSON.parse(fs.readFileSync(`${dir}/${f}.json`, "utf8")); } catch {} }
  fs.writeFileSync(out, JSON.stringify(all, null, 2) + "\n");
' "$WORK" "$RESULTS/$STAMP.json"
log "bench: report written to bench/results/$STAMP.md (raw figures: $STAMP.json)"
(( ${#ERRORS[@]} == 0 ))
