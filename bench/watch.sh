#!/usr/bin/env bash
# The EHR watch's benchmark (bench/watch.rs): starts the test instance's identity provider,
# Synapse (reset) and FHIR server (reset), runs `cargo bench --bench watch` against them and
# stops them. Prints the latency from an EHR change to the thread in the addressed role's sync,
# and the cost of a round at 10,000 appointments.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh" synapse fhir idp
trap '"$ROOT/scripts/synapse.sh" stop test; "$ROOT/scripts/fhir.sh" stop test; "$ROOT/scripts/idp.sh" stop test' EXIT
trap 'exit 130' INT TERM
"$ROOT/scripts/idp.sh" start test >/dev/null
"$ROOT/scripts/synapse.sh" reset test
"$ROOT/scripts/synapse.sh" start test
"$ROOT/scripts/fhir.sh" reset test >/dev/null
export ROUNDS_TEST_HOMESERVER ROUNDS_TEST_SECRET_FILE ROUNDS_TEST_FHIR ROUNDS_TEST_IDP ROUNDS_TEST_IDP_SECRET ROUNDS_TEST_WATCH_KEY
ROUNDS_TEST_HOMESERVER=$("$ROOT/scripts/synapse.sh" url test)
ROUNDS_TEST_SECRET_FILE="$LOCAL/synapse/test/shared_secret"
ROUNDS_TEST_FHIR=$("$ROOT/scripts/fhir.sh" url test)
ROUNDS_TEST_IDP=$("$ROOT/scripts/idp.sh" url test)
ROUNDS_TEST_IDP_SECRET=$("$ROOT/scripts/idp.sh" secret test tests)
ROUNDS_TEST_WATCH_KEY="$LOCAL/watch/test/private.pem"
cargo bench --quiet --bench watch
