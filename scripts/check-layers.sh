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

forbid src/ui 'crate::(api|fhir|sync|provision|store)\b|serde_json::(json|Value|Map|to_)' \
  "src/ui uses a protocol or storage layer (it must go through crate::session)"
forbid src/ui 'FhirError|\.status\(\) *[=!]=|Some\([1-5][0-9]{2}\)|HTTP [1-5][0-9]{2}' \
  "src/ui reads protocol errors or HTTP statuses (the session's SessionError says what happened)"
forbid src/ui "scope_allows|ehr_allows|'[cruds]'\)" \
  "src/ui reads SMART scope letters (ask the session: can(Capability::…))"
forbid src/ui '"(booked|cancelled|noshow|arrived|checked-in|fulfilled|proposed|pending|waitlist|entered-in-error)"' \
  "src/ui compares FHIR status codes (the session's VisitStatus says what they mean)"
forbid src/ui 'thread_local!' \
  "src/ui keeps state outside Leptos (browser state lives in session::browser, page state in signals)"
forbid src/domain 'crate::(api|fhir|sync|session|store|provision|ui)\b|web_sys|js_sys|leptos' \
  "src/domain depends on something other than itself"
forbid src/session 'crate::ui\b|leptos' "src/session depends on the UI"

if ((problems)); then
  exit 1
fi
log "layers: the UI binds to the session services only (no protocol, storage, HTTP statuses, scope letters, FHIR codes or thread-locals); the domain is pure"
