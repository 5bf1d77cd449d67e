#!/usr/bin/env bash
# Command 1: run Rounds against a local Synapse seeded with the demo clinic.
# Installs what is missing, starts Synapse (127.0.0.1:8008), seeds "Riverside Therapy" once,
# serves the app with trunk on http://127.0.0.1:8080 and stops Synapse when you press Ctrl-C.
# The URL and logins are printed once the app answers (the first build takes minutes).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh" apt target trunk wasm-bindgen wasm-opt synapse fhir idp
cargo fetch --locked --quiet

TRUNK_PID=""
trap '[[ -z "$TRUNK_PID" ]] || kill "$TRUNK_PID" 2>/dev/null || true; "$ROOT/scripts/synapse.sh" stop demo; "$ROOT/scripts/fhir.sh" stop demo; "$ROOT/scripts/idp.sh" stop demo; "$ROOT/scripts/push.sh" stop demo; "$ROOT/scripts/escalation.sh" stop demo; "$ROOT/scripts/watch.sh" stop demo' EXIT
# Ctrl-C or a kill still runs the EXIT trap above (the servers are stopped).
trap 'exit 130' INT TERM
IDP=$("$ROOT/scripts/idp.sh" start demo)
"$ROOT/scripts/synapse.sh" start demo
FHIR=$("$ROOT/scripts/fhir.sh" start demo)
"$ROOT/scripts/push.sh" start demo
# public/config.json plus the local push gateway (its key is made on this machine); trunk's
# build hook serves this file as config.json (scripts/dev-config.mjs).
export ROUNDS_DEV_CONFIG="$LOCAL/dev-config.json"
PUSH_URL=$("$ROOT/scripts/push.sh" url demo) PUSH_KEY=$("$ROOT/scripts/push.sh" key demo) \
  node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    c.push = { gateway: process.env.PUSH_URL, vapid_public_key: process.env.PUSH_KEY };
    require("fs").writeFileSync(process.argv[2], JSON.stringify(c, null, 2) + "\n");' \
  "$ROOT/public/config.json" "$ROUNDS_DEV_CONFIG"
HS=$("$ROOT/scripts/synapse.sh" url demo)
# v2: the seeding that also enlists the escalation service (a clinic seeded before gets it).
# Urgent clinical and scheduling threads: clinicians (and the front desk) are reminded after 5
# minutes without an acknowledgement, the admin is called in after 10.
MARKER="$LOCAL/synapse/demo/demo-seeded-v3"
if [[ ! -f "$MARKER" ]]; then
  log "seeding the demo clinic"
  cargo run --quiet --bin rounds-admin -- --homeserver "$HS" seed-demo \
    --shared-secret-file "$LOCAL/synapse/demo/shared_secret" \
    --escalation-password-file "$("$ROOT/scripts/escalation.sh" password-file demo)" \
    --escalation-window 300 --sso-provider oidc-rounds
  touch "$MARKER"
fi
"$ROOT/scripts/escalation.sh" start demo
# The EHR watch: missed visits, cancellations by patients and new referrals become threads.
"$ROOT/scripts/watch.sh" start demo

APP=http://127.0.0.1:8080
log "building and serving the app (the first build on a machine takes several minutes; cargo's progress follows)"
trunk serve &
TRUNK_PID=$!
# The banner waits for the app itself: until the page that loads the wasm is served.
# (Read whole, then matched: with pipefail, `curl | grep -q` can fail on curl's SIGPIPE.)
app_answers() { local page; page=$(curl -fsS --max-time 2 "$APP/" 2>/dev/null) && [[ $page == *_bg.wasm* ]]; }
until app_answers; do
  if ! kill -0 "$TRUNK_PID" 2>/dev/null; then
    wait "$TRUNK_PID" || exit $?
    exit 1
  fi
  sleep 2
done

cat <<MSG

  Rounds is ready at     $APP
  Homeserver (Synapse):   $HS
  Clinic sign-in (OIDC):  $IDP
  FHIR server (demo EHR): $FHIR
  Push gateway:           $("$ROOT/scripts/push.sh" url demo)
  Escalation service:     urgent clinical and scheduling threads, 5 min windows (rounds-admin escalation)
  EHR watch:              missed visits, cancellations by patients and new referrals open
                          threads for the front desk, which close when the EHR shows the work
                          done (one of each in the demo EHR; rounds-admin watch)

  Demo logins (password for all: rounds-demo), with "Sign in with Riverside staff account"
  (the clinic's single sign-on, which also connects Rounds to the EHR). Staff cannot sign in
  with a Matrix password; morgan, the break-glass administrator, can:
    morgan   Morgan Reyes   admin        EHR: schedules
    priya    Priya Shah     clinician    EHR: reads appointments
    jordan   Jordan Ellis   clinician    EHR: reads appointments
    dana     Dana Brooks    front desk   EHR: reschedules and cancels
    sam      Sam Ortiz      billing      EHR: patient names only

  Sessions end on the server 15 minutes after the last activity (Synapse refresh tokens).
  The demo homeserver keeps Synapse's default login rate limit per account (a few sign-ins
  per minute).
  Press Ctrl-C to stop the app, Synapse, the EHR, the sign-in service, the push gateway
  the escalation service and the EHR watch.

MSG
wait "$TRUNK_PID"
