#!/usr/bin/env bash
# Manage the local EHR watch (rounds-watch, src/bin/rounds-watch): signed in as the clinic's
# service account, it reads what changes in the clinic's EHR as a SMART backend client and opens
# a thread for each missed visit or cancellation by a patient, as the clinic's rules say.
#
#   scripts/watch.sh start|stop|status|public-key demo|test
#
#   demo  against Synapse 8008 and the EHR at 8103 (scripts/dev.sh)
#   test  against Synapse 18008 and the EHR at 18103 (scripts/test.sh)
#
# `public-key` prints the file holding the watch's public key (a JWK), making the key pair on
# first use: the identity provider registers the watch with it (scripts/idp.sh). The private
# key stays in .local/watch/INSTANCE, readable only by this user; no browser ever sees it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|status|public-key demo|test" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
case "$INSTANCE" in
  demo) EVERY=5 ;;
  # Tests wait for what the watch does: it reads the EHR every half second.
  test) EVERY=0.5 ;;
  *) usage ;;
esac

HS=$("$ROOT/scripts/synapse.sh" url "$INSTANCE")
FHIR=$("$ROOT/scripts/fhir.sh" url "$INSTANCE")
DATA="$LOCAL/watch/$INSTANCE"
PIDFILE="$DATA/server.pid"
LOGFILE="$DATA/server.log"
PRIVATE_KEY="$DATA/private.pem"
PUBLIC_KEY="$DATA/public.jwk"
SERVICE="watch[$INSTANCE]"
PORT=""
source "$ROOT/scripts/service.sh"

# Our process for this instance's homeserver (its command line names it).
live_pid() { pid_from_file "--homeserver $HS"; }

# It has signed in, read the EHR once and kept its record (its first log line says so).
answers() { grep -q "watching the EHR" "$LOGFILE" 2>/dev/null; }

public_key() {
  mkdir -p "$DATA"
  if [[ ! -s "$PRIVATE_KEY" || ! -s "$PUBLIC_KEY" ]]; then
    (umask 077 && PRIVATE_KEY="$PRIVATE_KEY" PUBLIC_KEY="$PUBLIC_KEY" node --input-type=module -e '
      import { generateKeyPairSync, randomBytes } from "node:crypto";
      import { writeFileSync } from "node:fs";
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      writeFileSync(process.env.PRIVATE_KEY, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
      const jwk = { ...publicKey.export({ format: "jwk" }), alg: "ES256", use: "sig", kid: randomBytes(8).toString("hex") };
      writeFileSync(process.env.PUBLIC_KEY, JSON.stringify(jwk) + "\n");
    ')
  fi
  echo "$PUBLIC_KEY"
}

cmd_start() {
  public_key >/dev/null
  start_our_binary rounds-watch --homeserver "$HS" --fhir "$FHIR" --key-file "$PRIVATE_KEY" \
    --password-file "$("$ROOT/scripts/escalation.sh" password-file "$INSTANCE")" --every-seconds "$EVERY"
}

case "$CMD" in
  start) cmd_start ;;
  stop) stop_service ;;
  status) report_status "$HS" ;;
  public-key) public_key ;;
  *) usage ;;
esac
