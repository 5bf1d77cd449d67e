#!/usr/bin/env bash
# Manage the local FHIR R4 servers (patient context and scheduling) used by Rounds.
#
#   scripts/fhir.sh start|stop|reset|status|url demo|test
#
#   demo  port 8103    people's tokens from idp[demo] (127.0.0.1:8110)
#   test  port 18103   people's tokens from idp[test] (127.0.0.1:18110), and the test suite's
#                      backend client `rounds-tests` (system scopes, POST /reset)
#
# Every request needs a SMART access token from the identity provider (scripts/idp.sh), which
# must be running first: the server checks tokens against its keys, and what each person may
# read or change against their role in the EHR's own records (fhir/access.mjs).
#
# The server (fhir/server.mjs: Medplum's FhirRouter over an in-memory
# repository) keeps everything in memory and seeds the "Riverside Therapy" demo
# clinic on start, relative to today (UTC); set FHIR_SEED_DATE=YYYY-MM-DD to pin
# the day. The demo instance keeps every change in $DATA/records.json and starts
# from it again the same day (a reschedule survives restarting scripts/dev.sh);
# `reset` starts over from the seed (the test instance: it is just a restart). `start` and `url` print the base URL
# (http://127.0.0.1:PORT/fhir/R4) on stdout. Log and our pid file live in
# .local/fhir/INSTANCE.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|reset|status|url demo|test" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
case "$INSTANCE" in
  demo) PORT=8103 ALLOW_RESET=0 IDP=demo TEST_CLIENTS= KEEP=records.json WORK=1 ;;
  test) PORT=18103 ALLOW_RESET=1 IDP=test TEST_CLIENTS=rounds-tests KEEP= WORK= ;;
  *) usage ;;
esac

DATA="$LOCAL/fhir/$INSTANCE"
SERVER="$ROOT/fhir/server.mjs"
URL="http://127.0.0.1:$PORT/fhir/R4"
PIDFILE="$DATA/server.pid"
LOGFILE="$DATA/server.log"
SERVICE="fhir[$INSTANCE]"
source "$ROOT/scripts/service.sh"

live_pid() { pid_from_file "$SERVER" "$PORT"; }

# metadata is the one FHIR endpoint that needs no token.
answers() { curl -fsS -o /dev/null --max-time 2 "$URL/metadata" 2>/dev/null; }

cmd_start() {
  lock
  local pid
  if pid=$(live_pid) && answers; then
    log "fhir[$INSTANCE]: already running (pid $pid) at $URL"
    echo "$URL"
    return 0
  fi
  if [[ -n "${pid:-}" ]]; then
    # Process alive but not answering: wedged or still starting; start over.
    log "fhir[$INSTANCE]: pid $pid not answering, restarting"
    stop_pid "$pid"
  fi
  if port_taken; then
    log "fhir[$INSTANCE]: port $PORT is already taken by a process not started from $DATA"
    return 1
  fi
  "$ROOT/scripts/setup.sh" fhir   # npm ci when fhir/node_modules is missing or stale; quiet otherwise
  mkdir -p "$DATA"

  local t0=$EPOCHREALTIME
  # Node 20 needs --experimental-websocket for these packages (see fhir/server.mjs).
  # node directly, not `npm start`: killing npm's pid would leave the server running.
  # setsid: survive the caller's Ctrl-C / process-group kill; we manage it by pid.
  local issuer
  issuer=$("$ROOT/scripts/idp.sh" url "$IDP")
  (cd "$ROOT/fhir" && exec env PORT="$PORT" IDP_ISSUER="$issuer" FHIR_AUDIENCE="$URL" FHIR_ALLOW_RESET="$ALLOW_RESET" \
      FHIR_TEST_CLIENTS="$TEST_CLIENTS" FHIR_BACKEND_CLIENTS=rounds-watch FHIR_SEED_WORK="$WORK" FHIR_STATE_FILE="${KEEP:+$DATA/$KEEP}" \
      nohup setsid node --experimental-websocket "$SERVER" \
      >"$LOGFILE" 2>&1 </dev/null 9>&-) &   # 9>&-: don't hand it our lock
  pid=$!
  echo "$pid" >"$PIDFILE"

  await_answers "$pid" 30 "$LOGFILE"
  log "fhir[$INSTANCE]: started at $URL (pid $pid, $(elapsed "$t0") s)"
  echo "$URL"
}

cmd_stop() { stop_service; }

cmd_status() {
  local pid
  if pid=$(live_pid) && answers; then
    echo "fhir[$INSTANCE]: running (pid $pid) at $URL"
  elif [[ -n "${pid:-}" ]]; then
    echo "fhir[$INSTANCE]: process $pid alive but $URL/metadata not answering"
    return 1
  else
    echo "fhir[$INSTANCE]: not running"
    return 1
  fi
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  # The state is in memory and, for the demo, in its kept records: without them a start seeds.
  reset) cmd_stop; [[ -z "$KEEP" ]] || rm -f "$DATA/$KEEP"; cmd_start ;;
  status) cmd_status ;;
  url) echo "$URL" ;;
  *) usage ;;
esac
