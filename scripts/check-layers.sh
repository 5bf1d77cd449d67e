#!/usr/bin/env bash
# The layers of docs/ARCHITECTURE.md, checked: the UI binds to the session services and the
# domain, never to the protocol layers (the Matrix or FHIR clients, the sync engine, event JSON);
# the domain stays pure. Run by scripts/test.sh; prints what crosses a layer.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

problems=0
forbid() {
  local where=$1 pattern=$2 why=$3 found
  found=$(git grep -nE "$pattern" -- "$where" || true)
  if [[ -n "$found" ]]; then
    log "layers: $why"
    printf '%s\n' "$found" >&2
    problems=$((problems + 1))
  fi
}

forbid src/ui 'crate::(api|fhir|sync|provision)\b|serde_json::(json|Value|Map|to_)' \
  "src/ui uses a protocol layer (it must go through crate::session)"
forbid src/domain 'crate::(api|fhir|sync|session|store|provision|ui)\b|web_sys|js_sys|leptos' \
  "src/domain depends on something other than itself"
forbid src/session 'crate::ui\b|leptos' "src/session depends on the UI"

if ((problems)); then
  exit 1
fi
log "layers: the UI binds to the session services only; the domain is pure"
