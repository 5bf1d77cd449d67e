#!/usr/bin/env bash
# The scaled homeserver, a second local mode beside the default SQLite one: PostgreSQL and Redis
# from Debian's packages, Synapse's main process with two synchrotrons, a client reader and an
# event persister, and nginx routing each endpoint to its process. Not started by the README's
# two commands; one command sets it up (installing what is missing) and stops all it started.
#
#   scripts/scaled.sh start|stop|reset|status|url|secret
#
#   start   installs PostgreSQL, Redis and Synapse's extras if missing, then starts everything;
#           prints the homeserver address (the proxy) for clients and rounds-admin
#   stop    stops the proxy, workers, main process, Redis and PostgreSQL
#   reset   stop, then drop the database and media (config, keys and shared secret are kept)
#
# Ports: scripts/scaled-topology.sh. Tests against it: scripts/test-scaled.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|reset|status|url|secret" >&2; exit 2; }
(( $# == 1 )) || usage
S="$ROOT/scripts"

cmd_start() {
  "$S/setup.sh" scaled
  "$S/postgres.sh" start scaled
  "$S/redis.sh" start scaled
  "$S/synapse.sh" start scaled
  "$S/synapse-workers.sh" start scaled
  "$S/synapse-proxy.sh" start scaled
  log "scaled homeserver: $("$S/synapse-proxy.sh" url scaled)"
}

cmd_stop() {
  "$S/synapse-proxy.sh" stop scaled
  "$S/synapse-workers.sh" stop scaled
  "$S/synapse.sh" stop scaled
  "$S/redis.sh" stop scaled
  "$S/postgres.sh" stop scaled
}

cmd_status() {
  local failed=0 s
  for s in postgres.sh redis.sh synapse.sh synapse-workers.sh synapse-proxy.sh; do
    "$S/$s" status scaled || failed=1
  done
  return "$failed"
}

case "$1" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  reset) cmd_stop; "$S/synapse.sh" reset scaled; "$S/postgres.sh" reset scaled ;;
  status) cmd_status ;;
  url) "$S/synapse-proxy.sh" url scaled ;;
  secret) "$S/synapse.sh" secret scaled ;;
  *) usage ;;
esac
