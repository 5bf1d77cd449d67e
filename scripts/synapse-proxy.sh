#!/usr/bin/env bash
# The scaled homeserver's front: Debian's nginx with deploy/nginx/synapse-workers.conf, routing
# each client endpoint to the main process or its worker (ports: scripts/scaled-topology.sh).
#
#   scripts/synapse-proxy.sh start|stop|status|url|routes scaled
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|status|url|routes scaled" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
[[ "$INSTANCE" == scaled ]] || usage
source "$ROOT/scripts/scaled-topology.sh"

PORT=$SCALED_PROXY_PORT
URL="http://127.0.0.1:$PORT"
DATA="$LOCAL/synapse-proxy/$INSTANCE"
PIDFILE="$DATA/nginx.pid"
SERVICE="synapse-proxy[$INSTANCE]"
source "$ROOT/scripts/service.sh"

live_pid() { pid_from_file "$DATA/nginx.conf"; }

answers() { curl -fsS -o /dev/null --max-time 2 "$URL/_matrix/client/versions" 2>/dev/null; }

# Only the addresses the shipped file tells a clinic to replace.
write_config() {
  local sync1=${SCALED_SYNCHROTRONS[0]##*:} sync2=${SCALED_SYNCHROTRONS[1]##*:}
  mkdir -p "$DATA/tmp"
  sed -e "s|listen 127.0.0.1:8448;|listen 127.0.0.1:$PORT;|" \
      -e "s|127.0.0.1:8008;|127.0.0.1:$SCALED_MAIN_PORT;|" \
      -e "s|127.0.0.1:8083;|127.0.0.1:$sync1;|" \
      -e "s|127.0.0.1:8084;|127.0.0.1:$sync2;|" \
      -e "s|127.0.0.1:8085;|127.0.0.1:${SCALED_CLIENT_READER##*:};|" \
      "$ROOT/deploy/nginx/synapse-workers.conf" >"$DATA/synapse-workers.conf"
  cat >"$DATA/nginx.conf" <<CONF
# Written by scripts/synapse-proxy.sh; the routing is deploy/nginx/synapse-workers.conf.
daemon off;
worker_processes 1;
worker_rlimit_nofile 8192;
pid $PIDFILE.nginx;
error_log $DATA/error.log warn;
events { worker_connections 4096; }
http {
  # Which process served each request (scripts/test-scaled.sh and the load test count them).
  log_format routed '\$upstream_addr \$status \$request_method \$uri';
  access_log $DATA/access.log routed buffer=64k flush=1s;
  client_body_temp_path $DATA/tmp/body;
  proxy_temp_path $DATA/tmp/proxy;
  fastcgi_temp_path $DATA/tmp/fastcgi;
  uwsgi_temp_path $DATA/tmp/uwsgi;
  scgi_temp_path $DATA/tmp/scgi;
  include $DATA/synapse-workers.conf;
}
CONF
}

cmd_start() {
  lock
  already_running "$URL" && return 0
  local pid
  command -v nginx >/dev/null || "$ROOT/scripts/setup.sh" apt
  write_config
  rm -f "$DATA/access.log"
  nginx -t -c "$DATA/nginx.conf" -p "$DATA" >/dev/null 2>"$DATA/check.log" || {
    log "$SERVICE: the configuration does not load:"; cat "$DATA/check.log" >&2; return 1; }
  (cd "$DATA" && exec nohup setsid nginx -c "$DATA/nginx.conf" -p "$DATA" \
      >"$DATA/stdout.log" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  await_answers "$pid" 15 "$DATA/error.log"
  log "$SERVICE: routing $URL to the main process and its workers (pid $pid)"
}

# Requests per process since the proxy started (from its access log), e.g. "1204 synchrotron1",
# and "N server errors" if any answer was a 5xx.
cmd_routes() {
  local worker count addr
  declare -A names=(["127.0.0.1:$SCALED_MAIN_PORT"]=main)
  for worker in "${SCALED_WORKERS[@]}"; do names["127.0.0.1:${worker##*:}"]=${worker%%:*}; done
  [[ -f "$DATA/access.log" ]] || return 0
  awk '{print $1}' "$DATA/access.log" | sort | uniq -c | while read -r count addr; do
    echo "$count ${names[$addr]:-$addr}"
  done
  awk '$2 ~ /^5/ {n++} END {if (n) print n " server errors"}' "$DATA/access.log"
}

case "$CMD" in
  start) cmd_start ;;
  routes) cmd_routes ;;
  stop) stop_service ;;
  status) report_status "$URL" ;;
  url) echo "$URL" ;;
  *) usage ;;
esac
