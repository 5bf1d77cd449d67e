#!/usr/bin/env bash
# Install the development toolchain for Rounds. Idempotent: each step checks
# first and only acts (and logs) when something is missing or the wrong version.
#
#   scripts/setup.sh                 run every step
#   scripts/setup.sh synapse trunk   run only the named steps
#
# Steps: apt target wasm-opt synapse e2e fhir idp trunk wasm-bindgen
# On demand only (scripts/scaled.sh): scaled
# Versions are pinned on purpose; docs/TOOLCHAIN.md says why.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TRUNK_VERSION=0.21.14          # 0.22.x needs a newer rustc than we have
BINARYEN_VERSION=132.0.0       # Debian's binaryen 108 emits wasm that crashes in the browser
SYNAPSE_VERSION=1.163.2        # newest served by pip when pinned
APT_PACKAGES=(chromium chromium-driver fonts-liberation brotli curl nginx openssl)
# The scaled homeserver (scripts/scaled.sh): PostgreSQL, Redis, and libpq's headers because
# psycopg2 (Synapse's postgres extra) is built from source by pip; age encrypts the backup that
# scripts/check-data-protection.sh restores.
SCALED_APT_PACKAGES=(postgresql redis-server libpq-dev age)

SUDO=""
if [[ $EUID -ne 0 ]]; then SUDO=sudo; fi

# --- system packages: headless browser for tests, fonts for screenshots, brotli for size budgets,
#     nginx (and openssl for its test certificate) for the tested deployment configuration
step_apt() { apt_install "${APT_PACKAGES[@]}"; }

# apt_install PACKAGE...: installs those not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do
    # dpkg -s also succeeds for removed-but-configured packages; check the real state.
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
      missing+=("$p")
    fi
  done
  (( ${#missing[@]} )) || return 0
  log "apt: installing ${missing[*]}"
  # Packages such as nginx start a system service on install; Rounds runs its own instances on
  # 127.0.0.1 only, so keep the system ones from starting (the Debian policy-rc.d convention).
  local policy=/usr/sbin/policy-rc.d placed=""
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" && placed=1
  fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [[ -z "$placed" ]] || $SUDO rm -f "$policy"
}

# --- the browser compile target
step_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then return 0; fi
  log "rustup: adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
}

# --- trunk, pinned (about 7 min to build)
step_trunk() {
  if [[ "$(trunk --version 2>/dev/null || true)" == "trunk $TRUNK_VERSION" ]]; then return 0; fi
  log "cargo: installing trunk $TRUNK_VERSION (slow, ~7 min)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
}

# Print the wasm-bindgen version recorded in Cargo.lock (empty if absent).
lock_wasm_bindgen_version() {
  awk '
    /^\[\[package\]\]/      { in_wb = 0 }
    /^name = "wasm-bindgen"$/ { in_wb = 1; next }
    in_wb && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' "$ROOT/Cargo.lock"
}

# --- wasm-bindgen-cli must match the library version in Cargo.lock exactly
step_wasm_bindgen() {
  if [[ ! -f "$ROOT/Cargo.lock" ]]; then
    if [[ ! -f "$ROOT/Cargo.toml" ]]; then
      log "wasm-bindgen: no Cargo.toml yet, skipping"
      return 0
    fi
    log "cargo: fetching dependencies to create Cargo.lock"
    (cd "$ROOT" && cargo fetch)
  fi
  local want
  want="$(lock_wasm_bindgen_version)"
  if [[ -z "$want" ]]; then
    log "wasm-bindgen: not a dependency in Cargo.lock, skipping"
    return 0
  fi
  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" == "wasm-bindgen $want" ]]; then return 0; fi
  log "cargo: installing wasm-bindgen-cli $want (~2 min)"
  # No --locked: its lockfile wants a webpki-roots version the registry lacks.
  cargo install wasm-bindgen-cli --version "$want"
}

# --- wasm-opt from npm binaryen, kept out of end2end/ in $LOCAL/tools (lib.sh puts it on PATH)
step_wasm_opt() {
  local bin="$LOCAL/tools/node_modules/.bin/wasm-opt" major=${BINARYEN_VERSION%%.*}
  if [[ "$("$bin" --version 2>/dev/null || true)" == *"version $major"* ]]; then return 0; fi
  log "npm: installing binaryen@$BINARYEN_VERSION into $LOCAL/tools"
  mkdir -p "$LOCAL/tools"
  npm install --prefix "$LOCAL/tools" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
  if [[ "$("$bin" --version 2>/dev/null || true)" != *"version $major"* ]]; then
    log "wasm-opt: expected version $major, got: $("$bin" --version 2>&1 || true)"
    return 1
  fi
}

# --- Synapse homeserver in its own venv (wheels only, ~20 s)
step_synapse() {
  local venv="$LOCAL/synapse-venv" have
  # Package metadata, not synapse.__version__: inside a git checkout (as here)
  # the latter gets " (b=branch,sha)" appended and would never match.
  # With the oidc extra (authlib): single sign-on through the clinic's identity provider.
  have="$("$venv/bin/python" -c 'import importlib.metadata as m, synapse, authlib; print(m.version("matrix-synapse"))' 2>/dev/null || true)"
  if [[ "$have" == "$SYNAPSE_VERSION" ]]; then return 0; fi
  log "pip: installing matrix-synapse[oidc] $SYNAPSE_VERSION into $venv${have:+ (had $have)}"
  mkdir -p "$LOCAL"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "matrix-synapse[oidc]==$SYNAPSE_VERSION"
}

# --- the scaled homeserver: PostgreSQL and Redis, Synapse's postgres and redis extras
step_scaled() {
  apt_install "${SCALED_APT_PACKAGES[@]}"
  step_synapse
  local venv="$LOCAL/synapse-venv"
  "$venv/bin/python" -c 'import psycopg2, txredisapi, hiredis' 2>/dev/null && return 0
  log "pip: adding the postgres and redis extras of matrix-synapse $SYNAPSE_VERSION"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "matrix-synapse[oidc,postgres,redis]==$SYNAPSE_VERSION"
}

# --- Playwright & co. for end2end/ (written separately; may not exist yet)
step_e2e() {
  local dir="$ROOT/end2end"
  [[ -f "$dir/package-lock.json" ]] || return 0
  # npm ci writes node_modules/.package-lock.json; newer lock => reinstall.
  if [[ -f "$dir/node_modules/.package-lock.json" && ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    return 0
  fi
  log "npm: installing end2end dependencies"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
}

# --- the local FHIR server's npm packages (Medplum, pinned in fhir/package-lock.json)
step_fhir() {
  local dir="$ROOT/fhir"
  [[ -f "$dir/package-lock.json" ]] || return 0
  # npm ci writes node_modules/.package-lock.json; newer lock => reinstall.
  if [[ -f "$dir/node_modules/.package-lock.json" && ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    return 0
  fi
  log "npm: installing fhir dependencies"
  # --silent also hides the EBADENGINE warning: Medplum asks for Node 22, runs on 20 (see fhir/server.mjs).
  (cd "$dir" && npm ci --no-audit --no-fund --silent)
}

# --- the local identity provider's npm packages (oidc-provider, jose; pinned in idp/package-lock.json)
step_idp() {
  local dir="$ROOT/idp"
  [[ -f "$dir/package-lock.json" ]] || return 0
  if [[ -f "$dir/node_modules/.package-lock.json" && ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    return 0
  fi
  log "npm: installing idp dependencies"
  # --silent also hides oidc-provider's EBADENGINE warning: it asks for Node 22, runs on 20.18+.
  (cd "$dir" && npm ci --no-audit --no-fund --silent)
}

ALL_STEPS=(apt target wasm-opt synapse e2e fhir idp trunk wasm-bindgen)

run_step() {
  case "$1" in
    apt) step_apt ;;
    target) step_target ;;
    trunk) step_trunk ;;
    wasm-bindgen) step_wasm_bindgen ;;
    wasm-opt) step_wasm_opt ;;
    synapse) step_synapse ;;
    e2e) step_e2e ;;
    fhir) step_fhir ;;
    idp) step_idp ;;
    scaled) step_scaled ;;
    *) echo "unknown step: $1 (steps: ${ALL_STEPS[*]})" >&2; exit 2 ;;
  esac
}

if (( $# == 0 )); then set -- "${ALL_STEPS[@]}"; fi
for step in "$@"; do run_step "$step"; done
