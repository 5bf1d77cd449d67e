#!/usr/bin/env bash
# What end-to-end encryption would cost Rounds in size and start-up (#24, docs/DECISIONS.md):
#
#   bench/e2ee-size.sh
#
# Builds the release app (trunk build --release, the shipped profile and wasm-opt) three times:
#   base        as shipped, no E2EE
#   vodozemac   --features e2ee-vodozemac   (Olm/Megolm alone; Rounds would write the protocol)
#   sdk-crypto  --features e2ee-sdk-crypto  (matrix-sdk-crypto: the whole state machine)
# then prints each .wasm's raw, gzip and brotli size and the shell's brotli total, with the
# difference to base, and measures start-up in headless Chromium (bench/e2ee-startup.mjs): wasm
# compile time, navigation → wasm instantiated, and the probe's own work (src/e2ee_probe.rs).
#
# Environment: E2EE_VARIANTS="base vodozemac sdk-crypto" (a subset, in that order),
# E2EE_SKIP_BUILD=1 (measure the last builds again), E2EE_RUNS=7 (cold loads per variant),
# E2EE_CPU_SLOWDOWN=4 (Chromium's CPU throttling, for a slow tablet), E2EE_CRATES=1 (also build
# each variant unstripped and list the largest crates in its wasm, bench/wasm-crates.mjs; three
# more release builds, and the profile change may rebuild the dependencies once).
#
# Takes about 10-15 minutes from a cold target folder on 2 cores (the sdk-crypto build is most of
# it); CARGO_TARGET_DIR may point at another checkout's target folder to reuse its dependencies.
#
# The first run resolves the new optional dependencies into Cargo.lock (`cargo fetch`): commit
# that change with the figures. Builds go to .local/bench/e2ee/<variant>/, the report to
# .local/bench/e2ee/report-<stamp>.md and .json. Serves on 127.0.0.1:38090-38092 while measuring;
# the homeserver in config.json (127.0.0.1:38099) is never started: nothing here needs one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"

VARIANTS=(${E2EE_VARIANTS:-base vodozemac sdk-crypto})
OUT="$LOCAL/bench/e2ee"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
PORT0=38090
mkdir -p "$OUT"

features_of() {
  case $1 in
    base) echo "" ;;
    vodozemac) echo "e2ee-vodozemac" ;;
    sdk-crypto) echo "e2ee-sdk-crypto" ;;
    *) log "unknown variant $1 (base, vodozemac, sdk-crypto)"; exit 2 ;;
  esac
}
for v in "${VARIANTS[@]}"; do features_of "$v" >/dev/null; done

# One build at a time on this 2-core machine: wait for anyone else's cargo or trunk (at most
# 15 minutes; cargo's own lock serialises builds in one target folder anyway).
wait_for_builds() {
  local waited=0
  while pgrep -x cargo >/dev/null || pgrep -x trunk >/dev/null; do
    (( waited == 0 )) && log "waiting for another cargo/trunk build to finish"
    sleep 5
    waited=$(( waited + 5 ))
    if (( waited >= 900 )); then log "still busy after ${waited} s; going ahead"; break; fi
  done
}

PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# The release toolchain (wasm-opt from binaryen 132, wasm-bindgen-cli) and the browser scripts'
# Playwright: idempotent, quick when present (a fresh worktree installs binaryen in ~3 s and
# end2end's packages with npm ci).
"$ROOT/scripts/setup.sh" apt target wasm-opt e2e wasm-bindgen

declare -A BUILD_SECONDS
if [[ -z "${E2EE_SKIP_BUILD:-}" ]]; then
  wait_for_builds
  # Resolves the optional crypto crates into Cargo.lock and downloads them (trunk builds offline).
  # `fallback`: among the versions a requirement allows, prefer those whose rust-version this
  # package's allows, so that a crate released for a newer rustc than 1.95 is not picked.
  log "cargo fetch (resolves the e2ee features' dependencies into Cargo.lock)"
  CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo fetch --quiet
  for v in "${VARIANTS[@]}"; do
    f=$(features_of "$v")
    wait_for_builds
    log "trunk build --release ${f:+--features $f} → $OUT/$v"
    t0=$(date +%s)
    rm -rf "$OUT/$v"
    nice -n 10 trunk build --release ${f:+--features "$f"} --dist "$OUT/$v" 2>&1 | tail -n 3 >&2
    BUILD_SECONDS[$v]=$(( $(date +%s) - t0 ))
  done
fi

# Sizes: the wasm alone (raw, gzip -9, brotli -q 11 as a static host precompresses) and the
# shell (wasm, JS, CSS, HTML; bench/size.mjs).
SIZES="$OUT/sizes-$STAMP.tsv"
printf 'variant\twasm_raw\twasm_gzip\twasm_brotli\tshell_brotli\tbuild_s\n' >"$SIZES"
for v in "${VARIANTS[@]}"; do
  wasm=$(ls "$OUT/$v"/*_bg.wasm 2>/dev/null | head -n1 || true)
  if [[ -z "$wasm" ]]; then log "no build for $v in $OUT/$v"; exit 1; fi
  raw=$(stat -c %s "$wasm")
  gz=$(gzip -9 -n -c "$wasm" | wc -c)
  br=$(brotli -c -q 11 "$wasm" | wc -c)
  node bench/size.mjs "$OUT/$v" >"$OUT/$v-size.json"
  shell=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).shell.brotli)' "$OUT/$v-size.json")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$raw" "$gz" "$br" "$shell" "${BUILD_SECONDS[$v]:-}" >>"$SIZES"
done

# Where each variant's bytes go, by crate (before wasm-opt, with symbols): optional.
if [[ -n "${E2EE_CRATES:-}" ]]; then
  for v in "${VARIANTS[@]}"; do
    f=$(features_of "$v")
    wait_for_builds
    log "unstripped cargo build for the crate breakdown of $v"
    CARGO_PROFILE_RELEASE_STRIP=false nice -n 10 cargo build --quiet --release --offline \
      --target wasm32-unknown-unknown --bin rounds ${f:+--features "$f"}
    node bench/wasm-crates.mjs "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/rounds.wasm" 30 >"$OUT/$v-crates.txt"
  done
fi

# Start-up: each variant served like production (bench/serve.mjs: brotli, cache headers).
cat >"$OUT/config.json" <<JSON
{
  "clinic_name": "Riverside Therapy",
  "homeserver": "http://127.0.0.1:38099",
  "allow_homeserver_change": true,
  "clinic": "rounds"
}
JSON
PAIRS=()
i=0
for v in "${VARIANTS[@]}"; do
  port=$(( PORT0 + i ))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then log "port $port is taken"; exit 1; fi
  ROUNDS_DIST="$OUT/$v" ROUNDS_CONFIG="$OUT/config.json" PORT=$port node bench/serve.mjs >"$OUT/serve-$v.log" 2>&1 &
  PIDS+=($!)
  # (bench/serve.mjs compresses every file with brotli -q 11 before it listens: seconds per MB.)
  wait_for_url "http://127.0.0.1:$port/config.json" 120
  PAIRS+=("$v=http://127.0.0.1:$port")
  i=$(( i + 1 ))
done
wait_for_builds 
log "start-up in headless Chromium: ${E2EE_RUNS:-7} cold loads per variant"
node bench/e2ee-startup.mjs "$OUT/startup-$STAMP.json" "${PAIRS[@]}"

# The report: Markdown on stdout and beside the raw figures.
node - "$SIZES" "$OUT/startup-$STAMP.json" "$OUT" "$STAMP" <<'JS' | tee "$OUT/report-$STAMP.md"
const fs = require('fs');
const [sizesFile, startupFile, out, stamp] = process.argv.slice(2);
const rows = fs.readFileSync(sizesFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const startup = JSON.parse(fs.readFileSync(startupFile, 'utf8'));
const kb = (b) => (b / 1000).toFixed(1);
const base = rows.find((r) => r[0] === 'base');
const delta = (r, i) => (base && r !== base ? ` (${Number(r[i]) >= Number(base[i]) ? '+' : '−'}${kb(Math.abs(r[i] - base[i]))})` : '');
const med = (s) => (s && s.median != null ? s.median.toFixed(1) : '–');
console.log(`## E2EE cost, ${stamp} (Chromium ${startup.chromium}, ${startup.runs_per_variant} cold loads, CPU slowdown ×${startup.cpu_slowdown})\n`);
console.log('| variant | wasm raw KB | wasm gzip KB | wasm brotli KB | shell brotli KB | compile ms | → instantiated ms | probe ms | build s |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const json = { stamp, chromium: startup.chromium, cpu_slowdown: startup.cpu_slowdown, variants: {} };
for (const r of rows) {
  const s = startup.variants[r[0]] ?? {};
  const probes = Object.entries(s.probes ?? {});
  const probe = probes.map(([p, x]) => `${med(x.total)}${x.ok ? '' : ' (failed)'}`).join(', ') || '–';
  console.log(`| ${r[0]} | ${kb(r[1])}${delta(r, 1)} | ${kb(r[2])}${delta(r, 2)} | ${kb(r[3])}${delta(r, 3)} | ${kb(r[4])}${delta(r, 4)} | ${med(s.wasm_compile)} | ${med(s.instantiated)} | ${probe} | ${r[5] || '–'} |`);
  json.variants[r[0]] = { wasm_raw: +r[1], wasm_gzip: +r[2], wasm_brotli: +r[3], shell_brotli: +r[4], build_seconds: r[5] ? +r[5] : null,
    wasm_compile_ms: s.wasm_compile ?? null, instantiated_ms: s.instantiated ?? null, probes: s.probes ?? {} };
}
for (const [name, v] of Object.entries(json.variants)) {
  for (const [p, x] of Object.entries(v.probes)) {
    console.log(`\n${name} / ${p} steps (median ms): ` + Object.entries(x.steps).map(([k, s]) => `${k} ${med(s)}`).join(', ') + (x.ok ? '' : `; FAILED: ${x.errors.join('; ')}`));
  }
}
for (const r of rows) {
  const f = `${out}/${r[0]}-crates.txt`;
  if (fs.existsSync(f)) console.log(`\n${r[0]}: largest crates before wasm-opt (bench/wasm-crates.mjs)\n\n\`\`\`\n${fs.readFileSync(f, 'utf8').trim()}\n\`\`\``);
}
fs.writeFileSync(`${out}/report-${stamp}.json`, JSON.stringify(json, null, 2) + '\n');
JS
log "report: $OUT/report-$STAMP.md (raw: report-$STAMP.json, startup-$STAMP.json)"
