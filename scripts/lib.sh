# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it; do not run it.
# Sets ROOT (repo root), LOCAL (gitignored working dir), PATH for locally
# installed tools, and provides `log` and `wait_for_url`.

# Resolve the repo root from this file's location, so scripts work from any cwd.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
export ROOT LOCAL

# Local npm tools (wasm-opt from binaryen@132) must win over Debian's broken
# binaryen 108; cargo-installed trunk/wasm-bindgen live in ~/.cargo/bin.
case ":$PATH:" in
  *":$LOCAL/tools/node_modules/.bin:"*) ;;
  *) PATH="$LOCAL/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH" ;;
esac
export PATH

# Trunk's self-update check hits the crates.io API, which is not reachable here.
export TRUNK_SKIP_VERSION_CHECK=true

# Progress messages go to stderr so stdout stays usable (e.g. `synapse.sh url`).
log() { printf '==> %s\n' "$*" >&2; }

# wait_for_url URL SECONDS: poll until URL answers with a 2xx, or fail.
wait_for_url() {
  local url=$1 secs=${2:-30} deadline
  deadline=$(( $(date +%s) + secs ))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then
      log "timed out after ${secs}s waiting for $url"
      return 1
    fi
    sleep 0.2
  done
}
