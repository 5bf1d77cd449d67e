#!/usr/bin/env bash
# The app's acceptance path against the scaled homeserver (scripts/scaled.sh: PostgreSQL, Redis,
# workers, nginx): rounds-admin provisions the demo clinic there, then the Playwright tests tagged
# @scaled (sign-in, live threads, receipts, exactly-once outbox, role isolation, roles given and
# taken) drive the release build against it; then what DEPLOYMENT.md section 10 asks of the
# servers (scripts/check-data-protection.sh: TLS to PostgreSQL and Redis, an encrypted backup).
# Not part of scripts/test.sh: it needs PostgreSQL and
# Redis, which the default configuration does not.
#
#   scripts/test-scaled.sh [extra Playwright arguments]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
trap '"$ROOT/scripts/scaled.sh" stop' EXIT
trap 'exit 130' INT TERM
"$ROOT/scripts/scaled.sh" reset
"$ROOT/scripts/scaled.sh" start

export ROUNDS_TEST_HOMESERVER ROUNDS_TEST_SECRET_FILE ROUNDS_CONFIG
ROUNDS_TEST_HOMESERVER=$("$ROOT/scripts/scaled.sh" url)
ROUNDS_TEST_SECRET_FILE="$LOCAL/synapse/scaled/shared_secret"

log "provisioning the demo clinic on the scaled homeserver"
cargo run --quiet --bin rounds-admin -- --homeserver "$ROUNDS_TEST_HOMESERVER" seed-demo \
  --shared-secret-file "$ROUNDS_TEST_SECRET_FILE" >/dev/null

log "release build"
trunk build --release

ROUNDS_CONFIG="$LOCAL/e2e-scaled-config.json"
cat >"$ROUNDS_CONFIG" <<JSON
{
  "clinic_name": "Riverside Therapy",
  "homeserver": "$ROUNDS_TEST_HOMESERVER",
  "allow_homeserver_change": true,
  "clinic": "rounds"
}
JSON
log "end-to-end tests tagged @scaled against $ROUNDS_TEST_HOMESERVER"
(cd end2end && npx playwright test --project=app --grep @scaled "$@")
sleep 1.2   # the proxy's access log is flushed every second
ROUTES=$("$ROOT/scripts/synapse-proxy.sh" routes scaled)
log "requests served, per process:"
echo "$ROUTES" >&2
# The tests pass through the main process alone too: check that each worker did its part.
for process in main synchrotron1 synchrotron2 client_reader1; do
  grep -qE "^[0-9]+ $process\$" <<<"$ROUTES" || { log "no request reached $process: the proxy does not route as intended"; exit 1; }
done
if grep -q "server errors" <<<"$ROUTES"; then log "the scaled homeserver answered with server errors"; exit 1; fi
"$ROOT/scripts/check-data-protection.sh"
