#!/usr/bin/env bash
# Command 1: run Rounds against a local Synapse seeded with the demo clinic.
# Installs what is missing, starts Synapse (127.0.0.1:8008), seeds "Riverside Therapy" once,
# serves the app with trunk on http://127.0.0.1:8080 and stops Synapse when you press Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh" apt target trunk wasm-bindgen wasm-opt synapse fhir
cargo fetch --locked --quiet

trap '"$ROOT/scripts/synapse.sh" stop demo; "$ROOT/scripts/fhir.sh" stop demo' EXIT
# Ctrl-C or a kill still runs the EXIT trap above (the servers are stopped).
trap 'exit 130' INT TERM
"$ROOT/scripts/synapse.sh" start demo
FHIR=$("$ROOT/scripts/fhir.sh" start demo)
HS=$("$ROOT/scripts/synapse.sh" url demo)
MARKER="$LOCAL/synapse/demo/demo-seeded"
if [[ ! -f "$MARKER" ]]; then
  log "seeding the demo clinic"
  cargo run --quiet --bin rounds-admin -- --homeserver "$HS" seed-demo \
    --shared-secret-file "$LOCAL/synapse/demo/shared_secret"
  touch "$MARKER"
fi

cat <<MSG

  Rounds is starting at  http://127.0.0.1:8080
  Homeserver (Synapse):  $HS
  FHIR server (demo EHR): $FHIR

  Demo logins (password for all: rounds-demo)
    morgan   Morgan Reyes   admin
    priya    Priya Shah     clinician
    jordan   Jordan Ellis   clinician
    dana     Dana Brooks    front desk
    sam      Sam Ortiz      billing

  The demo homeserver keeps Synapse's default login rate limit (a few sign-ins per minute).
  Press Ctrl-C to stop the app and Synapse.

MSG
trunk serve
