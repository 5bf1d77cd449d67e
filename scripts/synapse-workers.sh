#!/usr/bin/env bash
# The scaled homeserver's worker processes (Synapse's generic_worker), beside its main process
# (scripts/synapse.sh … scaled, started first). Names and ports: scripts/scaled-topology.sh.
#
#   scripts/synapse-workers.sh start|stop|status scaled
#
# Each worker has a small config file (.local/synapse/scaled/workers/NAME.yaml, rewritten on every
# start) and is started with the main process's config files before it, as Synapse documents.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|status scaled" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
[[ "$INSTANCE" == scaled ]] || usage
source "$ROOT/scripts/scaled-topology.sh"

MAIN="$LOCAL/synapse/$INSTANCE"
WORKERS="$MAIN/workers"
PY="$LOCAL/synapse-venv/bin/python"
DATA=$WORKERS
source "$ROOT/scripts/service.sh"

# Sets the globals service.sh works on for one worker NAME:PORT.
select_worker() {
  NAME=${1%%:*} PORT=${1##*:}
  PIDFILE="$WORKERS/$NAME.pid"
  SERVICE="synapse[$INSTANCE/$NAME]"
}

live_pid() { pid_from_file "-c $WORKERS/$NAME.yaml"; }

# Every HTTP listener of Synapse serves /health.
answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/health" 2>/dev/null; }

# The event persister only talks to other Synapse processes; the others serve clients.
write_worker_config() {
  local resource=client
  [[ "$1:$PORT" == "$SCALED_EVENT_PERSISTER" ]] && resource=replication
  sed "s|$MAIN/homeserver.log|$WORKERS/$NAME.log|" "$MAIN/log.config" >"$WORKERS/$NAME.log.config"
  cat >"$WORKERS/$NAME.yaml" <<YAML
# Written by scripts/synapse-workers.sh on every start.
worker_app: synapse.app.generic_worker
worker_name: $NAME
worker_log_config: $WORKERS/$NAME.log.config
worker_listeners:
  - type: http
    port: $PORT
    bind_addresses: ['127.0.0.1']
    x_forwarded: true
    resources:
      - names: [$resource]
YAML
}

start_worker() {
  select_worker "$1"
  already_running "127.0.0.1:$PORT" && return 0
  local pid
  write_worker_config "$NAME"
  (cd "$MAIN" && PYTHONPATH="$ROOT/deploy/synapse" exec nohup setsid "$PY" -m synapse.app.generic_worker \
      -c "$MAIN/homeserver.yaml" -c "$MAIN/overrides.yaml" -c "$WORKERS/$NAME.yaml" \
      >"$WORKERS/$NAME.stdout.log" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  STARTED+=("$pid:$1")
}

cmd_start() {
  lock
  local t0=$EPOCHREALTIME worker entry
  STARTED=()
  for worker in "${SCALED_WORKERS[@]}"; do start_worker "$worker"; done
  # They start side by side; wait for each (a worker first loads the schema and the streams).
  for entry in "${STARTED[@]}"; do
    select_worker "${entry#*:}"
    await_answers "${entry%%:*}" 60 "$WORKERS/$NAME.stdout.log" "$WORKERS/$NAME.log"
  done
  log "synapse[$INSTANCE]: ${#SCALED_WORKERS[@]} workers running ($(elapsed "$t0") s)"
}

cmd_stop() {
  local worker
  for worker in "${SCALED_WORKERS[@]}"; do
    select_worker "$worker"
    stop_service
  done
}

cmd_status() {
  local worker failed=0
  for worker in "${SCALED_WORKERS[@]}"; do
    select_worker "$worker"
    report_status "127.0.0.1:$PORT" || failed=1
  done
  return "$failed"
}

mkdir -p "$WORKERS"
case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
