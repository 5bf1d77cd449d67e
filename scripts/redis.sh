#!/usr/bin/env bash
# The scaled homeserver's Redis (Debian's redis-server), on 127.0.0.1:18379 only: Synapse's
# processes tell each other about new data through it. Nothing is persisted.
#
#   scripts/redis.sh start|stop|status|url scaled
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|status|url scaled" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
[[ "$INSTANCE" == scaled ]] || usage

source "$ROOT/scripts/scaled-topology.sh"
PORT=$SCALED_REDIS_PORT
DATA="$LOCAL/redis/$INSTANCE"
PIDFILE="$DATA/server.pid"
SERVICE="redis[$INSTANCE]"
source "$ROOT/scripts/service.sh"

live_pid() { pid_from_file "redis-server 127.0.0.1:$PORT"; }

answers() { [[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" == PONG ]]; }

cmd_start() {
  lock
  already_running "127.0.0.1:$PORT" && return 0
  local pid
  command -v redis-server >/dev/null || { log "$SERVICE: Redis is not installed (scripts/setup.sh scaled)"; return 1; }
  (cd "$DATA" && exec nohup setsid redis-server --bind 127.0.0.1 --port "$PORT" --save '' \
      --appendonly no --protected-mode yes --dir "$DATA" >"$DATA/server.log" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  await_answers "$pid" 15 "$DATA/server.log"
  log "$SERVICE: started on 127.0.0.1:$PORT (pid $pid)"
}

case "$CMD" in
  start) cmd_start ;;
  stop) stop_service ;;
  status) report_status "127.0.0.1:$PORT" ;;
  url) echo "redis://127.0.0.1:$PORT" ;;
  *) usage ;;
esac
