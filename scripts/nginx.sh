#!/usr/bin/env bash
# The release build behind Debian's nginx with the shipped configuration (deploy/nginx/rounds.conf),
# as a clinic would deploy it: HTTPS on 127.0.0.1:18443 (a self-signed certificate made here),
# HTTP on 127.0.0.1:18480 redirecting to it, and the test homeserver proxied under /_matrix.
#
#   scripts/nginx.sh start|stop|status|url test
#
# `start` deploys a copy of dist/ with the config.json named by $ROUNDS_CONFIG (its homeserver
# replaced by the portal's own origin) into .local/nginx/test and starts nginx there; only the
# placeholders the shipped file documents are replaced.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|status|url test" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
[[ "$INSTANCE" == test ]] || usage

PORT=18443
HTTP_PORT=18480
URL="https://127.0.0.1:$PORT"
DATA="$LOCAL/nginx/$INSTANCE"
PIDFILE="$DATA/nginx.pid"
SERVICE="nginx[$INSTANCE]"
source "$ROOT/scripts/service.sh"

live_pid() { pid_from_file "$DATA/nginx.conf"; }

answers() { curl -ksS -o /dev/null --max-time 2 "$URL/config.json" 2>/dev/null; }

deploy() {
  local homeserver fhir
  [[ -f "$ROOT/dist/index.html" ]] || { log "$SERVICE: no dist/ yet: run trunk build --release first"; return 1; }
  homeserver=$("$ROOT/scripts/synapse.sh" url test)
  fhir=$("$ROOT/scripts/fhir.sh" url test)
  rm -rf "$DATA/dist" && mkdir -p "$DATA/dist" "$DATA/tmp"
  cp -r "$ROOT/dist/." "$DATA/dist/"
  # The clinic's config.json: this portal's origin is also its homeserver's (proxied /_matrix).
  python3 - "${ROUNDS_CONFIG:-$ROOT/public/config.json}" "$DATA/dist/config.json" "$URL" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["homeserver"] = sys.argv[3]
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
  if [[ ! -s "$DATA/privkey.pem" ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1" \
      -keyout "$DATA/privkey.pem" -out "$DATA/fullchain.pem" 2>/dev/null
  fi
  # Only the placeholders deploy/nginx/rounds.conf tells clinics to replace.
  sed -e "s|listen 443 ssl|listen 127.0.0.1:$PORT ssl|" \
      -e "s|listen 80;|listen 127.0.0.1:$HTTP_PORT;|" \
      -e "s|/etc/ssl/rounds/|$DATA/|g" \
      -e "s|/srv/rounds/dist|$DATA/dist|" \
      -e "s|https://matrix.clinic.example|$homeserver|g" \
      -e "s|https://ehr.clinic.example|${fhir%/fhir/R4}|g" \
      -e "s|https://login.clinic.example|$("$ROOT/scripts/idp.sh" url test)|g" \
      -e "s|http://127.0.0.1:8008|$homeserver|g" \
      "$ROOT/deploy/nginx/rounds.conf" >"$DATA/rounds.conf"
  cat >"$DATA/nginx.conf" <<CONF
# Written by scripts/nginx.sh; the site itself is deploy/nginx/rounds.conf.
daemon off;
worker_processes 1;
pid $PIDFILE.nginx;
error_log $DATA/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $DATA/access.log;
  client_body_temp_path $DATA/tmp/body;
  proxy_temp_path $DATA/tmp/proxy;
  fastcgi_temp_path $DATA/tmp/fastcgi;
  uwsgi_temp_path $DATA/tmp/uwsgi;
  scgi_temp_path $DATA/tmp/scgi;
  include $DATA/rounds.conf;
}
CONF
}

cmd_start() {
  lock
  local pid
  if pid=$(live_pid); then stop_pid "$pid"; fi
  command -v nginx >/dev/null || "$ROOT/scripts/setup.sh" apt
  deploy
  nginx -t -c "$DATA/nginx.conf" -p "$DATA" >/dev/null 2>"$DATA/check.log" || {
    log "$SERVICE: the configuration does not load:"; cat "$DATA/check.log" >&2; return 1; }
  (cd "$DATA" && exec nohup setsid nginx -c "$DATA/nginx.conf" -p "$DATA" \
      >"$DATA/stdout.log" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  await_answers "$pid" 15 "$DATA/error.log"
  log "$SERVICE: serving the release build at $URL (pid $pid)"
}

case "$CMD" in
  start) cmd_start ;;
  stop) stop_service ;;
  status) if pid=$(live_pid); then echo "$SERVICE: running (pid $pid) at $URL"; else echo "$SERVICE: not running"; exit 1; fi ;;
  url) echo "$URL" ;;
  *) usage ;;
esac
