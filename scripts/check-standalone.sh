#!/usr/bin/env bash
# A clone of this repository must stand alone: no file may reach outside it (a folder beside
# the checkout, a developer's machine path), and every document link in Markdown must
# point at a file that exists in the repository. Run by scripts/test.sh; prints what is wrong.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

problems=0
complain() { log "standalone: $*"; problems=$((problems + 1)); }

# 1. Paths outside the repository. Lock files name registries, not paths: skip them. The
# pattern is put together from pieces so that this file does not contain what it looks for.
pieces=('\.\./''shared' '/''work/' '/''home/[a-z]' '/''root/' '/''Users/')
pattern=$(IFS='|'; echo "${pieces[*]}")
outside=$(git grep -nE "$pattern" -- . ':!Cargo.lock' ':!*package-lock.json' || true)
if [[ -n "$outside" ]]; then
  complain "files name paths outside the repository:"
  printf '%s\n' "$outside" >&2
fi

# 2. Relative links in Markdown documents resolve to files in the repository.
while IFS= read -r doc; do
  dir=$(dirname "$doc")
  # [text](target) where target is not a URL or an in-page anchor.
  while IFS= read -r target; do
    target=${target%%#*}
    [[ -z "$target" ]] && continue
    [[ -e "$dir/$target" ]] || complain "$doc links to $target, which does not exist"
  done < <(grep -oE '\]\([^)]+\)' "$doc" | sed -E 's/^\]\(([^) ]+).*/\1/' | grep -vE '^(https?:|mailto:|#)' || true)
done < <(git ls-files '*.md')

if ((problems)); then
  log "standalone: $problems problem(s)"
  exit 1
fi
log "standalone: no path outside the repository; every document link resolves"
