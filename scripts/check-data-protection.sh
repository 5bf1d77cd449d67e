#!/usr/bin/env bash
# What DEPLOYMENT.md section 10 asks of a clinic's servers, checked on the running scaled
# homeserver (scripts/test-scaled.sh runs it after the acceptance tests):
#   - PostgreSQL takes only TLS connections, with the certificate and name checked, and every
#     connection of Synapse's processes is encrypted;
#   - Redis takes only TLS, only from clients with a certificate of the clinic's CA and the
#     password, and replication between Synapse's processes works through it (the acceptance
#     tests just passed through the workers);
#   - a backup is encrypted (age) so that nothing reads it without the key, and restores whole.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/scripts/scaled-topology.sh"

fail() { log "data protection: $*"; exit 1; }
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
CONN=$("$ROOT/scripts/postgres.sh" conninfo scaled)
psql_as() { "$BIN/psql" -q -v ON_ERROR_STOP=1 -tA "$@"; }

# PostgreSQL: refused without encryption, refused when the certificate does not name the host.
"$BIN/psql" "${CONN/sslmode=verify-full/sslmode=disable}" -tAc 'SELECT 1' >/dev/null 2>&1 &&
  fail "PostgreSQL accepted a connection without encryption"
"$BIN/psql" "${CONN/host=127.0.0.1/host=localhost hostaddr=127.0.0.1}" -tAc 'SELECT 1' >/dev/null 2>&1 &&
  fail "libpq accepted a certificate that does not name the host"
read -r plain encrypted < <(psql_as "$CONN" -F ' ' -c "SELECT count(*) FILTER (WHERE NOT s.ssl),
  count(*) FILTER (WHERE s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'synapse'")
(( plain == 0 && encrypted > 0 )) || fail "Synapse's connections: $plain without TLS, $encrypted with"
log "data protection: PostgreSQL — TLS only (verify-full), $encrypted connections of Synapse, all encrypted"

# Redis: no plain-text port, no TLS client without a certificate, no client without the password.
redis-cli -h 127.0.0.1 -p "$SCALED_REDIS_PORT" ping 2>/dev/null | grep -q PONG &&
  fail "Redis answered a plain-text client"
REDISCLI_AUTH=$(<"$LOCAL/redis/scaled/password") redis-cli -h 127.0.0.1 -p "$SCALED_REDIS_PORT" --tls \
  --cacert "$SCALED_TLS/ca.crt" ping 2>/dev/null | grep -q PONG && fail "Redis answered a client without a certificate"
redis-cli -h 127.0.0.1 -p "$SCALED_REDIS_PORT" --tls --cacert "$SCALED_TLS/ca.crt" --cert "$SCALED_TLS/client.crt" \
  --key "$SCALED_TLS/client.key" ping 2>/dev/null | grep -q PONG && fail "Redis answered a client without the password"
[[ "$("$ROOT/scripts/redis.sh" cli scaled ping)" == PONG ]] || fail "Redis refused a client with certificate and password"
clients=$("$ROOT/scripts/redis.sh" cli scaled client list | grep -c 'cmd=' || true)
(( clients >= 1 + ${#SCALED_WORKERS[@]} )) || fail "only $clients clients at Redis, expected Synapse's processes"
log "data protection: Redis — TLS with client certificates and a password only, $clients clients"

# An encrypted backup round trip.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(umask 077; age-keygen -o "$WORK/backup-key" 2>/dev/null)
"$BIN/pg_dump" -Fc "$CONN" | age -r "$(age-keygen -y "$WORK/backup-key")" >"$WORK/synapse.dump.age"
"$BIN/pg_restore" -l "$WORK/synapse.dump.age" >/dev/null 2>&1 && fail "pg_restore read the encrypted backup"
grep -qa 'Riverside' "$WORK/synapse.dump.age" && fail "the encrypted backup holds readable text"
SUPER=${CONN/user=synapse/user=postgres}
psql_as "${SUPER/dbname=synapse/dbname=postgres}" -c 'DROP DATABASE IF EXISTS restore_check' \
  -c "CREATE DATABASE restore_check OWNER synapse ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
age -d -i "$WORK/backup-key" "$WORK/synapse.dump.age" | "$BIN/pg_restore" --no-owner -d "${CONN/dbname=synapse/dbname=restore_check}"
count() { psql_as "$1" -c 'SELECT count(*) FROM events'; }
live=$(count "$CONN") restored=$(count "${CONN/dbname=synapse/dbname=restore_check}")
psql_as "${SUPER/dbname=synapse/dbname=postgres}" -c 'DROP DATABASE restore_check'
(( restored == live && live > 0 )) || fail "the restored backup has $restored events, the database $live"
log "data protection: an age-encrypted backup is unreadable without its key and restores all $live events"
