#!/usr/bin/env bash
# Manage the local Synapse homeservers used by Rounds.
#
#   scripts/synapse.sh start|stop|reset|status|url|secret demo|test|bench|load|scaled
#
#   demo  port 8008   production-like: default rate limits and bcrypt cost,
#                     so the app is exercised against what real servers do
#   test  port 18008  generous rate limits, bcrypt_rounds 4 (fast user setup).
#                     A test can still provoke a 429 for one user via the admin
#                     API POST /_synapse/admin/v1/users/<id>/override_ratelimit.
#   load  port 18048  the single-process (SQLite) side of the load test (bench/load.sh), limits
#                     as test, kept apart so its provisioned clinic group survives other runs
#   scaled port 18310 the main process of the scaled homeserver (PostgreSQL, Redis, workers),
#                     limits as test; started with its workers and proxy by scripts/scaled.sh
#
# Data (config, SQLite, media, logs, our pid file) lives in .local/synapse/INSTANCE.
# homeserver.yaml is generated once; overrides.yaml is rewritten on every start
# from this script, so edits here take effect on the next start.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 start|stop|reset|status|url|secret demo|test|bench|load|scaled" >&2; exit 2; }
(( $# == 2 )) || usage
CMD=$1 INSTANCE=$2
case "$INSTANCE" in
  demo) PORT=8008 ;;
  test) PORT=18008 ;;
  bench) PORT=18028 ;;   # like test, kept apart so benchmarks' seeded data survives test runs
  load) PORT=18048 ;;
  scaled) source "$(dirname "${BASH_SOURCE[0]}")/scaled-topology.sh"; PORT=$SCALED_MAIN_PORT ;;
  *) usage ;;
esac

DATA="$LOCAL/synapse/$INSTANCE"
VENV="$LOCAL/synapse-venv"
PY="$VENV/bin/python"
URL="http://127.0.0.1:$PORT"
# Clients reach the scaled homeserver through its proxy, which routes to the workers.
PUBLIC_URL=$URL
[[ "$INSTANCE" == scaled ]] && PUBLIC_URL="http://127.0.0.1:$SCALED_PROXY_PORT"
PIDFILE="$DATA/synapse.pid"          # ours: Synapse only writes one when daemonised
SECRET_FILE="$DATA/shared_secret"
VERSIONS_URL="$URL/_matrix/client/versions"
SERVICE="synapse[$INSTANCE]"
source "$ROOT/scripts/service.sh"

live_pid() { pid_from_file "-c $DATA/homeserver.yaml"; }

answers() { curl -fsS -o /dev/null --max-time 2 "$VERSIONS_URL" 2>/dev/null; }

# One shared secret per instance, generated once; tests and seed scripts read it.
ensure_secret() {
  [[ -s "$SECRET_FILE" ]] && return 0
  mkdir -p "$DATA"
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$SECRET_FILE")
}

generate_config() {
  [[ -f "$DATA/homeserver.yaml" ]] && return 0
  log "synapse[$INSTANCE]: generating config in $DATA"
  (cd "$DATA" && "$PY" -m synapse.app.homeserver --server-name localhost \
      --generate-config --report-stats=no -c homeserver.yaml >/dev/null)
}

write_log_config() {
  # WARNING and above to a file only: the generated one logs INFO and is chatty.
  cat >"$DATA/log.config" <<YAML
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: $DATA/homeserver.log
    encoding: utf8
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
YAML
}

write_overrides() {
  local secret bcrypt_line=""
  secret=$(<"$SECRET_FILE")
  [[ "$INSTANCE" != demo ]] && bcrypt_line="bcrypt_rounds: 4"
  # How often expired messages are purged: the test instance watches a one-minute retention.
  local purge_every=12h
  [[ "$INSTANCE" == test ]] && purge_every=20s
  # Top-level keys here replace those in homeserver.yaml (second -c wins).
  cat >"$DATA/overrides.yaml" <<YAML
# Written by scripts/synapse.sh on every start; edit the script, not this file.
$(listeners_config)
$(database_config)
media_store_path: $DATA/media_store
signing_key_path: $DATA/localhost.signing.key
pid_file: $DATA/homeserver.pid
log_config: $DATA/log.config
public_baseurl: $PUBLIC_URL/
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
report_stats: false
enable_metrics: false
serve_server_wellknown: false
url_preview_enabled: false
# Pushers call the push gateway (rounds-push) on 127.0.0.1, which Synapse's default IP
# blacklist forbids for outgoing requests.
ip_range_whitelist: ["127.0.0.1/32"]
# Presence carries staff availability (Available, With a patient, Off duty).
presence:
  enabled: true
enable_registration: false
registration_shared_secret: "$secret"
# Rooms are created with an explicit room_version anyway; restricted joins need v8+.
default_room_version: "10"
max_upload_size: 10M
# Categories with a retention period (rounds-admin retention) set m.room.retention: Synapse
# hides older events from clients and purges them.
retention:
  enabled: true
  purge_jobs:
    - interval: $purge_every
# Staff retract their own messages only within the clinic's window, and upload only the file
# types Rounds accepts, judged by their bytes; direct conversations stay among the people they
# were made for, and say about patients only what every member's roles may see (deploy/synapse).
modules:
  - module: rounds_retraction.RetractionWindow
  - module: rounds_attachments.AttachmentTypes
$(conversations_module)
$(signin_module)
$bcrypt_line
YAML
  case "$INSTANCE" in
    # Sessions the server ends: access tokens are short-lived and refreshed by the app while it
    # is open; a refresh token unused for the clinic's idle timeout expires, so a session left
    # in a closed tab cannot be reopened. Logins without refresh tokens (other clients, tools)
    # last no longer than the idle window, and every session ends after a shift however busy.
    # The test instance uses seconds, so the suite can watch a session expire (its API helpers
    # log in without refresh tokens and keep them for a whole run).
    demo) write_lifetimes 5m 15m 15m 12h; write_sso ;;
    test) write_lifetimes 30s 60s "" 8h; write_sso ;;
    # Password sign-in only (the identity provider knows the test instance's address); tokens
    # outlive a load test run.
    load) write_lifetimes 30m 60m "" "" ;;
    scaled) write_lifetimes 30m 60m "" ""; write_workers_config ;;
  esac
  if [[ "$INSTANCE" == demo ]]; then
    # Synapse's defaults otherwise, but seeding invites the staff and the escalation service
    # into their roles in one go, which the default invite limits stop for minutes; and every
    # demo sign-in (seeding, the escalation service, the browser) comes from 127.0.0.1, which
    # the per-address login limit counts as one client. The per-account limit stays.
    local i='{per_second: 10, burst_count: 100}'
    cat >>"$DATA/overrides.yaml" <<YAML
rc_invites:
  per_room: $i
  per_user: $i
  per_issuer: $i
rc_login:
  address: $i
YAML
  else
    # Generous but finite: tests create many users/rooms/messages quickly.
    local g='{per_second: 1000, burst_count: 10000}'
    cat >>"$DATA/overrides.yaml" <<YAML
rc_message: $g
rc_registration: $g
rc_login:
  address: $g
  account: $g
  failed_attempts: $g
rc_joins:
  local: $g
  remote: $g
rc_joins_per_room: $g
rc_invites:
  per_room: $g
  per_user: $g
  per_issuer: $g
rc_third_party_invite: $g
rc_room_creation: $g
rc_user_directory: $g
rc_profile: $g
rc_media_create: $g
rc_reports: $g
rc_delayed_event_mgmt: $g
rc_admin_redaction: $g
rc_presence:
  per_user: $g
YAML
  fi
}

# The client listener; the scaled instance's main process sits behind its proxy and also has a
# replication listener for its workers.
listeners_config() {
  local forwarded=false
  [[ "$INSTANCE" == scaled ]] && forwarded=true
  cat <<YAML
listeners:
  - port: $PORT
    bind_addresses: ['127.0.0.1']
    type: http
    x_forwarded: $forwarded
    tls: false
    resources:
      - names: [client]
        compress: false
YAML
  [[ "$INSTANCE" == scaled ]] || return 0
  cat <<YAML
  - port: $SCALED_MAIN_REPLICATION_PORT
    bind_addresses: ['127.0.0.1']
    type: http
    resources:
      - names: [replication]
YAML
}

# SQLite in the instance's folder; the scaled instance uses its PostgreSQL (scripts/postgres.sh).
database_config() {
  if [[ "$INSTANCE" == scaled ]]; then
    cat <<YAML
database:
  name: psycopg2
  args:
    user: synapse
    dbname: synapse
    host: 127.0.0.1
    port: $SCALED_POSTGRES_PORT
    # TLS with the server's certificate and name checked, the password from a 0600 passfile
    # (scripts/postgres.sh; DEPLOYMENT.md section 10).
    sslmode: verify-full
    sslrootcert: $SCALED_TLS/ca.crt
    passfile: $LOCAL/postgres/scaled/passfile
    cp_min: 5
    cp_max: 10
YAML
  else
    cat <<YAML
database:
  name: sqlite3
  args:
    database: $DATA/homeserver.db
YAML
  fi
}

# The session lifetimes: access token, refresh token (idle), tokens without refresh, and the
# absolute end of any session (a shift).
write_lifetimes() {
  local access=$1 refresh=$2 plain=$3 shift_end=$4
  cat >>"$DATA/overrides.yaml" <<YAML
refreshable_access_token_lifetime: $access
refresh_token_lifetime: $refresh
${plain:+nonrefreshable_access_token_lifetime: $plain}
${shift_end:+session_lifetime: $shift_end}
YAML
}

# The scaled instance's main process: Redis, where the replication listeners are, and which
# worker writes events (Synapse's worker documentation). The workers' own files: scripts/synapse-workers.sh.
write_workers_config() {
  local persister=$SCALED_EVENT_PERSISTER
  cat >>"$DATA/overrides.yaml" <<YAML
redis:
  enabled: true
  host: 127.0.0.1
  port: $SCALED_REDIS_PORT
  # TLS with a client certificate, and a password (scripts/redis.sh). Synapse loads ca_file
  # but does not verify Redis's certificate with it (DEPLOYMENT.md section 10).
  use_tls: true
  certificate_file: $SCALED_TLS/client.crt
  private_key_file: $SCALED_TLS/client.key
  ca_file: $SCALED_TLS/ca.crt
  password_path: $LOCAL/redis/scaled/password
instance_map:
  main:
    host: 127.0.0.1
    port: $SCALED_MAIN_REPLICATION_PORT
  ${persister%%:*}:
    host: 127.0.0.1
    port: ${persister##*:}
stream_writers:
  events: ${persister%%:*}
YAML
}

# Where staff sign in through the provider (write_sso), an account linked to it cannot also
# sign in with a Matrix password (deploy/synapse/rounds_signin.py). The demo keeps morgan, the
# clinic's administrator, as its break-glass account (rounds-admin signs in with a password).
# The test instance lets the demo staff in by password because the Playwright suite signs them
# in that way to test everything else; tests/signin_rule.rs checks the refusal with an account
# of its own.
# The clinic whose roles decide what direct conversations may say about patients. The test
# instance hosts a throwaway clinic per native test, so there each conversation names its own.
conversations_module() {
  echo "  - module: rounds_conversations.ConversationRules"
  [ "$INSTANCE" = test ] && return 0
  cat <<YAML
    config:
      clinic_alias: "#rounds:localhost"
YAML
}

signin_module() {
  local allowed
  case "$INSTANCE" in
    demo) allowed='["@morgan:localhost"]' ;;
    test) allowed='["@morgan:localhost", "@priya:localhost", "@jordan:localhost", "@dana:localhost", "@sam:localhost"]' ;;
    *) return 0 ;;
  esac
  cat <<YAML
  - module: rounds_signin.SingleSignOnOnly
    config:
      provider: oidc-rounds
      password_allowed: $allowed
YAML
}

# Single sign-on through the local identity provider (scripts/idp.sh, started first).
write_sso() {
  local issuer secret origin
  issuer=$("$ROOT/scripts/idp.sh" url "$INSTANCE")
  secret=$("$ROOT/scripts/idp.sh" secret "$INSTANCE" synapse)
  cat >>"$DATA/overrides.yaml" <<YAML
oidc_providers:
  - idp_id: rounds
    idp_name: "Clinic sign-in"
    issuer: "$issuer"
    client_id: synapse
    client_secret: "$secret"
    client_auth_method: client_secret_basic
    scopes: ["openid", "profile"]
    # An account is found by the person's immutable subject at the provider, never by a name
    # (two people with the same username must not share an account): accounts made before
    # single sign-on are linked to their subject by an administrator (rounds-admin seed-demo
    # --sso-provider; docs/IDENTITY.md).
    allow_existing_users: false
    # Rounds asks the provider for the password again (prompt=login); the provider insists
    # whatever the URL says (idp/policy.mjs).
    passthrough_authorization_parameters: ["prompt"]
    # Ending a sign-in at the provider ends the Matrix sessions it opened (idp/server.mjs
    # registers this homeserver's back-channel logout URI).
    backchannel_logout_enabled: true
    user_mapping_provider:
      config:
        localpart_template: "{{ user.preferred_username }}"
        display_name_template: "{{ user.name }}"
sso:
  # Rounds' own origins get the login token without Synapse's "continue to …" page.
  client_whitelist:
YAML
  for origin in $(app_origins); do
    echo "    - \"$origin/\"" >>"$DATA/overrides.yaml"
  done
  # A sign-in cancelled or refused at the provider returns to Rounds' sign-in (the first
  # origin), which says why in the clinic's branding, instead of Synapse's own error page.
  local portal
  portal=$(app_origins)
  portal=${portal%%$'\n'*} # the first (no pipe into head: pipefail and SIGPIPE would end the script)
  mkdir -p "$DATA/templates"
  sed "s|__ROUNDS_PORTAL__|$portal|g" "$ROOT/deploy/synapse/templates/sso_error.html" >"$DATA/templates/sso_error.html"
  cat >>"$DATA/overrides.yaml" <<YAML
templates:
  custom_template_directory: "$DATA/templates"
YAML
}

# Where this instance's Rounds is served (the identity provider registers the same origins).
app_origins() {
  case "$INSTANCE" in
    demo) echo http://127.0.0.1:8080 ;;
    test) for p in $(seq 18080 18090); do echo "http://127.0.0.1:$p"; done; echo https://127.0.0.1:18443 ;;
  esac
}

cmd_start() {
  lock
  local pid
  if pid=$(live_pid) && answers; then
    log "synapse[$INSTANCE]: already running (pid $pid) at $URL"
    return 0
  fi
  if [[ -n "${pid:-}" ]]; then
    # Process alive but not answering: wedged or still starting; start over.
    log "synapse[$INSTANCE]: pid $pid not answering, restarting"
    stop_pid "$pid"
  fi
  if port_taken; then
    log "synapse[$INSTANCE]: port $PORT is already taken by a process not started from $DATA"
    return 1
  fi
  "$ROOT/scripts/setup.sh" synapse   # quiet when the venv (with the oidc extra) is in place
  # The identity provider first: Synapse's single sign-on needs its discovery document.
  [[ "$INSTANCE" =~ ^(bench|load|scaled)$ ]] || "$ROOT/scripts/idp.sh" start "$INSTANCE" >/dev/null
  mkdir -p "$DATA"
  ensure_secret
  generate_config
  write_log_config
  write_overrides

  local t0=$EPOCHREALTIME
  # setsid: survive the caller's Ctrl-C / process-group kill; we manage it by pid.
  # PYTHONPATH: Rounds' own Synapse module (deploy/synapse), listed under `modules` in overrides.yaml.
  (cd "$DATA" && PYTHONPATH="$ROOT/deploy/synapse" exec nohup setsid "$PY" -m synapse.app.homeserver \
      -c "$DATA/homeserver.yaml" -c "$DATA/overrides.yaml" \
      >"$DATA/stdout.log" 2>&1 </dev/null 9>&-) &   # 9>&-: don't hand it our lock
  pid=$!
  echo "$pid" >"$PIDFILE"

  await_answers "$pid" 30 "$DATA/stdout.log" "$DATA/homeserver.log"
  log "synapse[$INSTANCE]: started at $URL (pid $pid, $(elapsed "$t0") s)"
}

cmd_stop() { stop_service; }

cmd_reset() {
  cmd_stop
  # Keep config, signing key and shared secret; drop all state.
  local f removed=""
  for f in "$DATA"/homeserver.db "$DATA"/homeserver.db-* "$DATA/media_store" "$DATA/demo-seeded"; do
    [[ -e "$f" ]] || continue
    rm -rf "$f"
    removed=1
  done
  [[ -n "$removed" ]] && log "synapse[$INSTANCE]: database and media removed"
  return 0
}

cmd_status() {
  local pid
  if pid=$(live_pid) && answers; then
    echo "synapse[$INSTANCE]: running (pid $pid) at $URL"
  elif [[ -n "${pid:-}" ]]; then
    echo "synapse[$INSTANCE]: process $pid alive but $VERSIONS_URL not answering"
    return 1
  else
    echo "synapse[$INSTANCE]: not running"
    return 1
  fi
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  reset) cmd_reset ;;
  status) cmd_status ;;
  url) echo "$URL" ;;
  secret) ensure_secret; cat "$SECRET_FILE"; echo ;;
  *) usage ;;
esac
