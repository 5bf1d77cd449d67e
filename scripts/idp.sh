#!/usr/bin/env bash
# Manage the local identity provider (OpenID Connect, idp/server.mjs) used by Rounds: single
# sign-on into Synapse and SMART on FHIR tokens for the EHR.
#
#   scripts/idp.sh start|stop|status|url demo|test
#   scripts/idp.sh secret demo|test synapse|tests      (a client secret, made on first use)
#   scripts/idp.sh secret demo|test admin              (the key that turns people off:
#       curl -X POST -H "Authorization: Bearer <key>" <url>/admin/people/<id>/disable|enable)
#
#   demo  port 8110    for scripts/dev.sh (Synapse 8008, EHR 8103, the app on 8080)
#   test  port 18110   for scripts/test.sh (Synapse 18008, EHR 18103, the test app origins)
#
# Its signing key, cookie key and client secrets live in .local/idp/INSTANCE and are kept across
# restarts (tokens stay valid); sessions and grants are in memory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|status|url demo|test  |  $0 secret demo|test synapse|tests|admin" >&2; exit 2; }
(( $# >= 2 )) || usage
CMD=$1 INSTANCE=$2
case "$INSTANCE" in
  demo)
    PORT=8110 SYNAPSE_URL=http://127.0.0.1:8008 FHIR_AUDIENCE=http://127.0.0.1:8103/fhir/R4
    APP_ORIGINS=http://127.0.0.1:8080 REFRESH_MINUTES=15 ;;
  test)
    PORT=18110 SYNAPSE_URL=http://127.0.0.1:18008 FHIR_AUDIENCE=http://127.0.0.1:18103/fhir/R4
    # The test suite serves the app on these (end2end/serve.mjs, scripts/nginx.sh).
    APP_ORIGINS=$(printf 'http://127.0.0.1:%s,' $(seq 18080 18090))https://127.0.0.1:18443
    REFRESH_MINUTES=15 ;;
  *) usage ;;
esac

URL="http://127.0.0.1:$PORT"
DATA="$LOCAL/idp/$INSTANCE"
SERVER="$ROOT/idp/server.mjs"
PIDFILE="$DATA/server.pid"
LOGFILE="$DATA/server.log"
SERVICE="idp[$INSTANCE]"
source "$ROOT/scripts/service.sh"

live_pid() { pid_from_file "$SERVER" "$PORT"; }

answers() { curl -fsS -o /dev/null --max-time 2 "$URL/.well-known/openid-configuration" 2>/dev/null; }

# Client secrets and the cookie key, made once (the server reads the same file).
ensure_secrets() {
  [[ -s "$DATA/secrets.json" ]] && return 0
  mkdir -p "$DATA"
  local a b c
  a=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n'); b=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  c=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  (umask 077 && printf '{"cookies":"%s","synapse":"%s","tests":"%s"}\n' "$a" "$b" "$c" >"$DATA/secrets.json")
}

cmd_start() {
  lock
  local pid
  if pid=$(live_pid) && answers; then
    log "$SERVICE: already running (pid $pid) at $URL"
    echo "$URL"
    return 0
  fi
  [[ -n "${pid:-}" ]] && stop_pid "$pid"
  if port_taken; then
    log "$SERVICE: port $PORT is already taken by a process not started from $DATA"
    return 1
  fi
  "$ROOT/scripts/setup.sh" idp
  ensure_secrets
  local t0=$EPOCHREALTIME
  # The EHR watch (rounds-watch) is registered with its public key, made on first use.
  local watch_key
  watch_key=$("$ROOT/scripts/watch.sh" public-key "$INSTANCE")
  (cd "$ROOT/idp" && exec env PORT="$PORT" DATA="$DATA" SYNAPSE_URL="$SYNAPSE_URL" \
      FHIR_AUDIENCE="$FHIR_AUDIENCE" APP_ORIGINS="$APP_ORIGINS" REFRESH_MINUTES="$REFRESH_MINUTES" \
      WATCH_PUBLIC_KEY="$watch_key" IDP_MODE="$INSTANCE" nohup setsid node "$SERVER" >"$LOGFILE" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  await_answers "$pid" 30 "$LOGFILE"
  log "$SERVICE: started at $URL (pid $pid, $(elapsed "$t0") s)"
  echo "$URL"
}

case "$CMD" in
  start) cmd_start ;;
  stop) stop_service ;;
  status) report_status "$URL" ;;
  url) echo "$URL" ;;
  secret)
    (( $# == 3 )) || usage
    ensure_secrets
    if [[ $3 == admin ]]; then
      [[ -s "$DATA/admin.json" ]] || (umask 077 && printf '"%s"\n' "$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" >"$DATA/admin.json")
      python3 -c 'import json,sys; print(json.load(open(sys.argv[1])))' "$DATA/admin.json"
      exit 0
    fi
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$DATA/secrets.json" "$3" ;;
  *) usage ;;
esac
