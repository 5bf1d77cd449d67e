#!/usr/bin/env bash
# Manage the local escalation service (rounds-escalation, src/bin/rounds-escalation): signed in
# as the clinic's service account, it reminds and then escalates urgent threads nobody
# acknowledges, as the clinic policy says (rounds-admin escalation).
#
#   scripts/escalation.sh start|stop|status|password-file demo|test
#
#   demo  against Synapse 8008 (scripts/dev.sh)
#   test  against Synapse 18008 (scripts/test.sh)
#
# `password-file` prints the file holding the service account's password, making it on first
# use (random, readable only by this user): seeding registers the account with it. The file
# stays on this machine; the browser never sees it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|status|password-file demo|test" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
case "$INSTANCE" in
  demo|test) ;;
  *) usage ;;
esac

HS=$("$ROOT/scripts/synapse.sh" url "$INSTANCE")
DATA="$LOCAL/escalation/$INSTANCE"
PIDFILE="$DATA/server.pid"
LOGFILE="$DATA/server.log"
PASSWORD_FILE="$DATA/password"
SERVICE="escalation[$INSTANCE]"
PORT=""
source "$ROOT/scripts/service.sh"

# Our process for this instance's homeserver (its command line names it).
live_pid() { pid_from_file "--homeserver $HS"; }

# It has signed in and caught up with the clinic (its first log line says so).
answers() { grep -q "watching the clinic" "$LOGFILE" 2>/dev/null; }

password_file() {
  mkdir -p "$DATA"
  if [[ ! -s "$PASSWORD_FILE" ]]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$PASSWORD_FILE")
  fi
  echo "$PASSWORD_FILE"
}

cmd_start() {
  start_our_binary rounds-escalation --homeserver "$HS" --password-file "$(password_file)"
}

case "$CMD" in
  start) cmd_start ;;
  stop) stop_service ;;
  status) report_status "$HS" ;;
  password-file) password_file ;;
  *) usage ;;
esac
