# shellcheck shell=bash
# The scaled homeserver's processes and ports, shared by scripts/synapse.sh (instance `scaled`),
# synapse-workers.sh, synapse-proxy.sh, postgres.sh and redis.sh. Source it; do not run it.
#
#   18308  nginx: the homeserver's address for clients; routes each endpoint to its process
#   18310  Synapse main process: everything the workers do not take (receipts, typing, presence,
#          account data, media, admin API, sign-in by SSO)
#   18311  main process's replication listener
#   workers (NAME:PORT) below: the synchrotrons serve /sync, the client reader serves reads, sign-in
#          and event sending; the event persister writes every event (replication listener only)
SCALED_PROXY_PORT=18308
SCALED_MAIN_PORT=18310
SCALED_MAIN_REPLICATION_PORT=18311
SCALED_SYNCHROTRONS=(synchrotron1:18312 synchrotron2:18313)
SCALED_CLIENT_READER=client_reader1:18314
SCALED_EVENT_PERSISTER=event_persister1:18315
SCALED_WORKERS=("${SCALED_SYNCHROTRONS[@]}" "$SCALED_CLIENT_READER" "$SCALED_EVENT_PERSISTER")
SCALED_POSTGRES_PORT=18332
SCALED_REDIS_PORT=18379

# TLS between the scaled homeserver's processes and its PostgreSQL and Redis: a throw-away CA
# made on first use, a server certificate for 127.0.0.1 (PostgreSQL, Redis) and a client
# certificate (Synapse's processes at Redis). Private keys are 0600.
SCALED_TLS="$LOCAL/tls/scaled"

scaled_tls() {
  [[ -f "$SCALED_TLS/client.crt" ]] && return 0
  mkdir -p "$SCALED_TLS"
  chmod 700 "$SCALED_TLS"
  (
    cd "$SCALED_TLS"
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/CN=Rounds scaled test CA" -keyout ca.key -out ca.crt 2>/dev/null
    local name
    for name in server client; do
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name 127.0.0.1" \
        -keyout "$name.key" -out "$name.csr" 2>/dev/null
      openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=%s\n' \
          "$([[ $name == server ]] && echo serverAuth || echo clientAuth)") -out "$name.crt" 2>/dev/null
      rm -f "$name.csr"
    done
    chmod 644 ca.crt server.crt client.crt
  )
  log "scaled: TLS certificates made in $SCALED_TLS"
}
