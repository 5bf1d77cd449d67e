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
