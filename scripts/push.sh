#!/usr/bin/env bash
# Manage the local push gateway (rounds-push, src/bin/rounds-push): Synapse calls it for each
# notification of a person whose browser subscribed, and it sends a content-free Web Push.
#
#   scripts/push.sh start|stop|status|url|key demo|test
#
#   demo  port 8120    for scripts/dev.sh (Synapse 8008)
#   test  port 18120   for scripts/test.sh (Synapse 18008)
#
# `url` prints the notify URL pushers name; `key` the VAPID public key config.json needs. The
# key pair lives in .local/push/INSTANCE and is kept (browsers' subscriptions are bound to it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|status|url|key demo|test" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
case "$INSTANCE" in
  demo) PORT=8120 ;;
  test) PORT=18120 ;;
  *) usage ;;
esac

APP_ID=org.rounds.web
NOTIFY_URL="http://127.0.0.1:$PORT/_matrix/push/v1/notify"
DATA="$LOCAL/push/$INSTANCE"
BINARY="$ROOT/target/debug/rounds-push"
PIDFILE="$DATA/server.pid"
LOGFILE="$DATA/server.log"
SERVICE="push[$INSTANCE]"
source "$ROOT/scripts/service.sh"

live_pid() { pid_from_file "$BINARY" "$PORT"; }

# A notify request for no device: the gateway is up and speaks the Push Gateway API.
answers() {
  curl -fsS -o /dev/null --max-time 2 -H 'Content-Type: application/json' \
    -d '{"notification":{"devices":[]}}' "$NOTIFY_URL" 2>/dev/null
}

build() { (cd "$ROOT" && cargo build --quiet --bin rounds-push); }

cmd_start() {
  lock
  already_running "$NOTIFY_URL" && return 0
  local pid
  build
  local t0=$EPOCHREALTIME extra=()
  # The test suite's stand-in push services listen on 127.0.0.1 (browsers' own are allowed anyway).
  [[ "$INSTANCE" == test ]] && extra=(--allow-endpoint "http://127.0.0.1")
  (exec env PORT="$PORT" nohup setsid "$BINARY" --state "$DATA" serve --listen "127.0.0.1:$PORT" \
      --app-id "$APP_ID" "${extra[@]}" >"$LOGFILE" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  await_answers "$pid" 30 "$LOGFILE"
  log "$SERVICE: started at $NOTIFY_URL (pid $pid, $(elapsed "$t0") s)"
}

case "$CMD" in
  start) cmd_start ;;
  stop) stop_service ;;
  status) report_status "$NOTIFY_URL" ;;
  url) echo "$NOTIFY_URL" ;;
  key) mkdir -p "$DATA"; build; "$BINARY" --state "$DATA" public-key ;;
  *) usage ;;
esac
