#!/usr/bin/env bash
# Command 2: run every test. Installs what is missing, checks formatting and lints, then runs
# native unit and integration tests against a fresh local Synapse (127.0.0.1:18008), browser
# tests (wasm-bindgen-test in headless Chromium) and Playwright against the release build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
cargo fetch --locked --quiet

log "the repository stands alone; the layers hold"
"$ROOT/scripts/check-standalone.sh"
"$ROOT/scripts/check-layers.sh"

# The FHIR server's own suite (fhir/test/, `npm test` there): token checks, per-role access,
# versioning, validation, search, seed, CORS, reset. It starts and stops its own identity
# provider and FHIR servers (127.0.0.1:28110, 28103, 28104), not the ones started below.
log "the FHIR server's tests (node --test)"
(cd "$ROOT/fhir" && node test/run.mjs)

log "formatting and lints (native and wasm32)"
cargo fmt --all -- --check
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings

# A fresh, empty homeserver and a freshly seeded FHIR server for every run; both are stopped
# however the run ends.
trap '"$ROOT/scripts/nginx.sh" stop test; "$ROOT/scripts/synapse.sh" stop test; "$ROOT/scripts/fhir.sh" stop test; "$ROOT/scripts/idp.sh" stop test; "$ROOT/scripts/push.sh" stop test; "$ROOT/scripts/escalation.sh" stop test; "$ROOT/scripts/watch.sh" stop test' EXIT
# Ctrl-C or a kill still runs the EXIT trap above (the servers are stopped).
trap 'exit 130' INT TERM
# The identity provider first: Synapse's single sign-on and the EHR's tokens come from it.
"$ROOT/scripts/idp.sh" start test >/dev/null
"$ROOT/scripts/synapse.sh" reset test
"$ROOT/scripts/synapse.sh" start test
"$ROOT/scripts/fhir.sh" reset test >/dev/null
# The push gateway Synapse calls for people whose browser subscribed (the app's tests).
"$ROOT/scripts/push.sh" start test
export ROUNDS_TEST_HOMESERVER ROUNDS_TEST_SECRET_FILE ROUNDS_TEST_FHIR ROUNDS_TEST_IDP ROUNDS_TEST_IDP_SECRET ROUNDS_TEST_IDP_ADMIN
ROUNDS_TEST_HOMESERVER=$("$ROOT/scripts/synapse.sh" url test)
ROUNDS_TEST_SECRET_FILE="$LOCAL/synapse/test/shared_secret"
ROUNDS_TEST_FHIR=$("$ROOT/scripts/fhir.sh" url test)
ROUNDS_TEST_IDP=$("$ROOT/scripts/idp.sh" url test)
# The test suite's own backend client (system scopes) for reading and resetting the EHR.
ROUNDS_TEST_IDP_SECRET=$("$ROOT/scripts/idp.sh" secret test tests)
# The provider's administrator key: the tests turn a person off, as a clinic does.
ROUNDS_TEST_IDP_ADMIN=$("$ROOT/scripts/idp.sh" secret test admin)
# The EHR watch's private key (made when the provider was started, which has its public key).
export ROUNDS_TEST_WATCH_KEY="$LOCAL/watch/test/private.pem"
# The app calls the identity provider's token endpoint: the test servers' CSP allows it.
export ROUNDS_CONNECT_EXTRA=$ROUNDS_TEST_IDP

log "native unit and integration tests"
cargo test --quiet

log "seeding the demo clinic into the test homeserver"
cargo run --quiet --bin rounds-admin -- --homeserver "$ROUNDS_TEST_HOMESERVER" seed-demo \
  --shared-secret-file "$ROUNDS_TEST_SECRET_FILE" \
  --escalation-password-file "$("$ROOT/scripts/escalation.sh" password-file test)" --sso-provider oidc-rounds >/dev/null
# Test-sized escalation in one category (the others keep none, so other tests' urgent threads
# are left alone), set by an admin through the command line, then the service.
ROUNDS_ADMIN_USER=morgan ROUNDS_ADMIN_PASSWORD=rounds-demo cargo run --quiet --bin rounds-admin -- \
  --homeserver "$ROUNDS_TEST_HOMESERVER" escalation staffing --window 4 --backup admin >/dev/null
"$ROOT/scripts/escalation.sh" start test

log "browser tests (wasm-bindgen-test, headless Chromium)"
CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test browser --test browser_store

log "release build"
trunk build --release

log "end-to-end tests (Playwright, Chromium)"
"$ROOT/scripts/fhir.sh" reset test >/dev/null
# The EHR watch, as the clinic's service account: missed visits and cancellations become
# threads. Started on the freshly reset EHR, so the native tests' appointments open none.
"$ROOT/scripts/watch.sh" start test
export ROUNDS_CONFIG="$LOCAL/e2e-config.json"
cat >"$ROUNDS_CONFIG" <<JSON
{
  "clinic_name": "Riverside Therapy",
  "homeserver": "$ROUNDS_TEST_HOMESERVER",
  "allow_homeserver_change": true,
  "clinic": "rounds",
  "sso": { "name": "Riverside staff account" },
  "fhir": { "base_url": "$ROUNDS_TEST_FHIR", "client_id": "rounds-app" },
  "push": { "gateway": "$("$ROOT/scripts/push.sh" url test)", "vapid_public_key": "$("$ROOT/scripts/push.sh" key test)" }
}
JSON
# The same build behind Debian's nginx with the shipped configuration (deploy/nginx/rounds.conf).
"$ROOT/scripts/nginx.sh" start test
(cd end2end && npx playwright test)
