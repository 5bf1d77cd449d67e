#!/usr/bin/env bash
# The scaled homeserver's PostgreSQL (Debian's server binaries), on 127.0.0.1:18332 only.
#
#   scripts/postgres.sh start|stop|reset|status|url scaled
#
# The cluster lives in .local/postgres/scaled, made on first start with the C collation Synapse
# requires and a `synapse` database owned by the `synapse` role. Only 127.0.0.1 may connect
# (trust: the machine is the boundary here; a clinic's server uses passwords, see DEPLOYMENT.md).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|reset|status|url scaled" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
[[ "$INSTANCE" == scaled ]] || usage

source "$ROOT/scripts/scaled-topology.sh"
PORT=$SCALED_POSTGRES_PORT
DATA="$LOCAL/postgres/$INSTANCE"
CLUSTER="$DATA/cluster"
PIDFILE="$DATA/server.pid"
SERVICE="postgres[$INSTANCE]"
source "$ROOT/scripts/service.sh"

# Debian's newest server binaries; found when needed, so stop and reset work without them.
find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -x "$dir/postgres" ]] || { log "$SERVICE: PostgreSQL is not installed (scripts/setup.sh scaled)"; return 1; }
  BIN=$dir
}

# Runs a PostgreSQL program as the cluster's owner (setpriv execs it: the pid stays the server's).
AS_OWNER=()
[[ $EUID -eq 0 ]] && AS_OWNER=(setpriv --reuid=postgres --regid=postgres --init-groups --)

live_pid() { pid_from_file "$CLUSTER"; }

answers() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d synapse -U synapse; }

init_cluster() {
  [[ -f "$CLUSTER/PG_VERSION" ]] && return 0
  log "$SERVICE: creating the cluster in $CLUSTER"
  mkdir -p "$CLUSTER"
  [[ $EUID -eq 0 ]] && chown postgres: "$DATA" "$CLUSTER"
  chmod 700 "$CLUSTER"
  "${AS_OWNER[@]}" "$BIN/initdb" -D "$CLUSTER" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
  cat >>"$CLUSTER/postgresql.conf" <<CONF
# Written by scripts/postgres.sh
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
# A local test cluster: durability per transaction is not what is measured.
synchronous_commit = off
CONF
  # Only loopback TCP connections (no socket, no other hosts).
  printf 'host all all 127.0.0.1/32 trust\n' >"$CLUSTER/pg_hba.conf"
}

create_database() {
  local psql=("$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
  if [[ -z "$("${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'synapse'")" ]]; then
    "${psql[@]}" -c "CREATE ROLE synapse LOGIN"
  fi
  if [[ -z "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'synapse'")" ]]; then
    "${psql[@]}" -c "CREATE DATABASE synapse OWNER synapse ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    log "$SERVICE: database synapse created"
  fi
}

cmd_start() {
  lock
  find_bin
  already_running "127.0.0.1:$PORT" && return 0
  local pid
  init_cluster
  local t0=$EPOCHREALTIME
  (exec nohup setsid "${AS_OWNER[@]}" "$BIN/postgres" -D "$CLUSTER" >"$DATA/server.log" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  # pg_isready answers "accepting connections" before the role and database exist.
  await_answers "$pid" 30 "$DATA/server.log"
  create_database
  log "$SERVICE: started on 127.0.0.1:$PORT (pid $pid, $(elapsed "$t0") s)"
}

cmd_reset() {
  stop_service
  if [[ -d "$CLUSTER" ]]; then rm -rf "$CLUSTER" && log "$SERVICE: cluster removed"; fi
}

case "$CMD" in
  start) cmd_start ;;
  stop) stop_service ;;
  reset) cmd_reset ;;
  status) find_bin && report_status "127.0.0.1:$PORT" ;;
  url) echo "postgresql://synapse@127.0.0.1:$PORT/synapse" ;;
  *) usage ;;
esac
