#!/usr/bin/env bash
# The scaled homeserver's Redis (Debian's redis-server), on 127.0.0.1:18379 only: Synapse's
# processes tell each other about new data through it. Nothing is persisted. TLS only (no
# plain-text port), clients must show a certificate of the scaled CA (scripts/scaled-topology.sh)
# and the password in the 0600 file `password` (DEPLOYMENT.md section 10).
#
#   scripts/redis.sh start|stop|status|url scaled
#   scripts/redis.sh cli scaled [redis-cli arguments]   (connects as Synapse's processes do)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|status|url scaled, or cli scaled <redis-cli arguments>" >&2; exit 2; }
(( $# >= 2 )) || usage
CMD=$1 INSTANCE=$2
[[ "$INSTANCE" == scaled ]] || usage

source "$ROOT/scripts/scaled-topology.sh"
PORT=$SCALED_REDIS_PORT
DATA="$LOCAL/redis/$INSTANCE"
PIDFILE="$DATA/server.pid"
PASSWORD_FILE="$DATA/password"
SERVICE="redis[$INSTANCE]"
source "$ROOT/scripts/service.sh"

live_pid() { pid_from_file "redis-server"; }

# redis-cli as Synapse's processes connect: TLS with the client certificate, and the password.
cli() {
  REDISCLI_AUTH=$(<"$PASSWORD_FILE") redis-cli -h 127.0.0.1 -p "$PORT" --tls --cacert "$SCALED_TLS/ca.crt" \
    --cert "$SCALED_TLS/client.crt" --key "$SCALED_TLS/client.key" "$@"
}

answers() { [[ "$(cli ping 2>/dev/null)" == PONG ]]; }

write_config() {
  scaled_tls
  mkdir -p "$DATA"
  [[ -f "$PASSWORD_FILE" ]] || (umask 077; openssl rand -hex 24 >"$PASSWORD_FILE")
  (umask 077; cat >"$DATA/redis.conf" <<CONF
# Written by scripts/redis.sh on every start.
bind 127.0.0.1
port 0
tls-port $PORT
tls-cert-file $SCALED_TLS/server.crt
tls-key-file $SCALED_TLS/server.key
tls-ca-cert-file $SCALED_TLS/ca.crt
tls-auth-clients yes
requirepass $(<"$PASSWORD_FILE")
protected-mode yes
save ""
appendonly no
dir $DATA
CONF
  )
}

cmd_start() {
  lock
  already_running "127.0.0.1:$PORT" && return 0
  local pid
  command -v redis-server >/dev/null || { log "$SERVICE: Redis is not installed (scripts/setup.sh scaled)"; return 1; }
  write_config
  (cd "$DATA" && exec nohup setsid redis-server "$DATA/redis.conf" >"$DATA/server.log" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  await_answers "$pid" 15 "$DATA/server.log"
  log "$SERVICE: started on 127.0.0.1:$PORT, TLS only (pid $pid)"
}

case "$CMD" in
  start) cmd_start ;;
  stop) stop_service ;;
  status) report_status "127.0.0.1:$PORT" ;;
  url) echo "rediss://127.0.0.1:$PORT" ;;
  cli) shift 2; cli "$@" ;;
  *) usage ;;
esac
