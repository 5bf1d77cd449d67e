// The load test's table (bench/load.sh): one column per homeserver mode and staff size, side by
// side, then CPU and memory per process. Prints Markdown and writes PREFIX.md and PREFIX.json.
//
//   node bench/load-report.mjs RUNS.jsonl PREFIX
import { readFileSync, writeFileSync } from 'node:fs';

const [runsFile, prefix] = process.argv.slice(2);
const runs = readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
runs.sort((a, b) => a.staff - b.staff || (a.mode === b.mode ? 0 : a.mode === 'single' ? -1 : 1));

const label = { single: 'single process (SQLite)', scaled: 'scaled (PostgreSQL, workers)' };
const num = (x, digits = 0) => (x == null ? '—' : Number(x).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ms = (x) => (x == null ? '—' : `${num(x)} ms`);
const rows = [
  ['staff taking part (active senders)', (r) => `${r.participants} (${r.active})`],
  ['everyone\'s initial sync done after', (r) => `${num(r.initial_sync_seconds, 1)} s`],
  ['messages sent / deliveries seen', (r) => `${num(r.messages)} / ${num(r.deliveries)}`],
  // Of the deliveries seen: a high "never seen" share above makes these look better than they are.
  ['send → other\'s sync p50 (deliveries seen)', (r) => ms(r.latency_ms.p50)],
  ['send → other\'s sync p95', (r) => ms(r.latency_ms.p95)],
  ['send → other\'s sync p99', (r) => ms(r.latency_ms.p99)],
  ['send request p50 / p95', (r) => `${ms(r.send_ms.p50)} / ${ms(r.send_ms.p95)}`],
  ['browser: send → painted in another browser, median / p95', browserCell],
  ['/sync answers held per second', (r) => num(r.syncs_per_second, 1)],
  ['errors (by kind)', (r) => `${r.errors}${r.errors ? ` (${Object.entries(r.errors_by_kind).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`],
  ['lost / duplicated (counted through the API)', (r) => `${r.count.lost} / ${r.count.duplicated} of ${r.count.accepted}`],
  ['deliveries never seen in /sync (of all expected) / duplicated', (r) => `${num(r.missing_deliveries)} (${num((100 * r.missing_deliveries) / Math.max(1, r.missing_deliveries + r.deliveries), 1)} %) / ${r.duplicate_deliveries}`],
  ['limited timelines (gaps a client must fill)', (r) => num(r.limited_timelines)],
  ['homeserver CPU, all processes (% of one core)', (r) => `${num(serverProcesses(r).reduce((s, p) => s + p.cpu_percent, 0))} %`],
  ['homeserver memory, all processes (PSS)', (r) => `${num(serverProcesses(r).reduce((s, p) => s + p.memory_mib, 0))} MiB`],
];
// Probes never painted within 30 s count as 30 s: the median stays honest when many time out.
function browserCell(r) {
  const b = r.browsers;
  if (!b?.samples) return '—';
  const all = [...b.samples, ...Array(b.timeouts).fill(30000)].sort((x, y) => x - y);
  const at = (q) => (all.length ? all[Math.min(all.length - 1, Math.floor(q * all.length))] : null);
  const over = (x) => (x >= 30000 ? '≥ 30 s' : ms(x));
  return `${over(at(0.5))} / ${over(at(0.95))} (${all.length} probes, ${b.timeouts} not painted in 30 s)`;
}

function serverProcesses(r) {
  return r.processes.filter((p) => p.name !== 'load generator');
}

const header = runs.map((r) => `${label[r.mode] ?? r.mode}, ${r.staff} staff`);
const lines = [
  `# Load test: a clinic group of 5 clinics (${new Date().toISOString()})`,
  '',
  `Traffic: ${runs[0]?.active_per_clinic} people per clinic (${(runs[0]?.active_per_clinic ?? 0) * 5} in all) send into threads every 2–4 s (announced by typing 30 % of the time) and post a threaded read receipt at most every 2 s for what they receive; everyone else taking part long-polls \`/sync\` (30 s). Each clinic has 100 staff accounts in its rooms; "staff" is how many of them are online.`,
  '',
  `| figure | ${header.join(' | ')} |`,
  `| --- | ${runs.map(() => '---').join(' | ')} |`,
  ...rows.map(([name, f]) => `| ${name} | ${runs.map((r) => (r.failed ? (name === rows[0][0] ? `not measured: ${r.failed}` : '—') : f(r))).join(' | ')} |`),
  '',
  '## CPU (% of one core, over the measured window) and memory (PSS at its end) per process',
  '',
  `| process | ${header.join(' | ')} |`,
  `| --- | ${runs.map(() => '---').join(' | ')} |`,
];
const names = [...new Set(runs.flatMap((r) => (r.processes ?? []).map((p) => p.name)))];
for (const name of names) {
  const cell = (r) => {
    const p = (r.processes ?? []).find((x) => x.name === name);
    return p ? `${num(p.cpu_percent)} % · ${num(p.memory_mib)} MiB` : '—';
  };
  lines.push(`| ${name} | ${runs.map(cell).join(' | ')} |`);
}
lines.push('', `Measured window per run: ${runs.map((r) => (r.failed ? '—' : `${num(r.measured_seconds, 1)} s`)).join(', ')} (traffic, then until every message has reached everyone who should see it, at most 120 s). Loopback, one 2-core machine running the homeserver, the generator and the browsers together.`);
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
writeFileSync(`${prefix}.md`, text);
writeFileSync(`${prefix}.json`, `${JSON.stringify(runs, null, 2)}\n`);
