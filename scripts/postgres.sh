#!/usr/bin/env bash
# The scaled homeserver's PostgreSQL (Debian's server binaries), on 127.0.0.1:18332 only.
#
#   scripts/postgres.sh start|stop|reset|status|url|conninfo scaled
#
# The cluster lives in .local/postgres/scaled, made on first start with the C collation Synapse
# requires and a `synapse` database owned by the `synapse` role. As DEPLOYMENT.md section 10
# asks of a clinic's server: only TLS connections from 127.0.0.1 (scripts/scaled-topology.sh
# makes the certificates; a connection without encryption is rejected), and passwords
# (scram-sha-256), random, in a 0600 libpq passfile (`passfile`) that Synapse and psql use.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|reset|status|url|conninfo scaled" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
[[ "$INSTANCE" == scaled ]] || usage

source "$ROOT/scripts/scaled-topology.sh"
PORT=$SCALED_POSTGRES_PORT
DATA="$LOCAL/postgres/$INSTANCE"
CLUSTER="$DATA/cluster"
PIDFILE="$DATA/server.pid"
PASSFILE="$DATA/passfile"
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

# How psql and Synapse connect: TLS with the server's certificate checked against the CA and
# its name (verify-full), the password from the passfile.
conninfo() {
  echo "host=127.0.0.1 port=$PORT user=$1 dbname=${2:-postgres} sslmode=verify-full sslrootcert=$SCALED_TLS/ca.crt passfile=$PASSFILE"
}

init_cluster() {
  # A cluster made before TLS and passwords (or half made) is test data: start again.
  if [[ -f "$CLUSTER/PG_VERSION" && ! -f "$PASSFILE" ]]; then rm -rf "$CLUSTER"; fi
  [[ -f "$CLUSTER/PG_VERSION" ]] && return 0
  log "$SERVICE: creating the cluster in $CLUSTER"
  scaled_tls
  rm -f "$PASSFILE"
  mkdir -p "$CLUSTER"
  [[ $EUID -eq 0 ]] && chown postgres: "$DATA" "$CLUSTER"
  chmod 700 "$CLUSTER"
  local superuser synapse pwfile
  superuser=$(openssl rand -hex 24) synapse=$(openssl rand -hex 24)
  pwfile=$(mktemp)
  printf '%s\n' "$superuser" >"$pwfile"
  [[ $EUID -eq 0 ]] && chown postgres: "$pwfile"
  "${AS_OWNER[@]}" "$BIN/initdb" -D "$CLUSTER" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" \
    --encoding=UTF8 --locale=C >/dev/null
  rm -f "$pwfile"
  (umask 077; printf '127.0.0.1:%s:*:postgres:%s\n127.0.0.1:%s:*:synapse:%s\n' \
    "$PORT" "$superuser" "$PORT" "$synapse" >"$PASSFILE.new")
  # The server's certificate and key, owned by the server's user as PostgreSQL requires.
  install -m 600 "$SCALED_TLS/server.key" "$CLUSTER/server.key"
  install -m 644 "$SCALED_TLS/server.crt" "$CLUSTER/server.crt"
  [[ $EUID -eq 0 ]] && chown postgres: "$CLUSTER/server.key" "$CLUSTER/server.crt"
  cat >>"$CLUSTER/postgresql.conf" <<CONF
# Written by scripts/postgres.sh
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
# A local test cluster: durability per transaction is not what is measured.
synchronous_commit = off
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
CONF
  # Only loopback TCP connections over TLS, with a password (no socket, no other hosts).
  printf 'hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 0.0.0.0/0 reject\n' >"$CLUSTER/pg_hba.conf"
}

create_database() {
  # The passfile is complete once the synapse role has its password (a half-made cluster is
  # made again: init_cluster).
  [[ -f "$PASSFILE" ]] || PASSFILE="$PASSFILE.new"
  local psql=("$BIN/psql" -q "$(conninfo postgres)" -v ON_ERROR_STOP=1)
  if [[ -z "$("${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'synapse'")" ]]; then
    local password
    password=$(awk -F: '$4 == "synapse" { print $5 }' "$PASSFILE")
    "${psql[@]}" -c "CREATE ROLE synapse LOGIN PASSWORD '$password'"
  fi
  if [[ -z "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'synapse'")" ]]; then
    "${psql[@]}" -c "CREATE DATABASE synapse OWNER synapse ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    log "$SERVICE: database synapse created"
  fi
  [[ "$PASSFILE" == *.new ]] && mv "$PASSFILE" "${PASSFILE%.new}" && PASSFILE=${PASSFILE%.new}
  return 0
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
  url) echo "postgresql://synapse@127.0.0.1:$PORT/synapse?sslmode=verify-full&sslrootcert=$SCALED_TLS/ca.crt&passfile=$PASSFILE" ;;
  conninfo) conninfo synapse synapse ;;
  *) usage ;;
esac
