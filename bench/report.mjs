// Turns one run's JSON files into the Markdown report: a table of figures with the budgets of
// DESIGN.md section 5 and the ratio figure/budget, then notes. Prints it and writes it to OUT.
//
//   node bench/report.mjs WORK_DIR OUT.md
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const [work, outFile] = process.argv.slice(2);
const read = (name) => {
  try {
    return JSON.parse(readFileSync(`${work}/${name}`, 'utf8'));
  } catch {
    return null;
  }
};
const size = read('size.json');
const inbox = read('inbox.json');
const browser = read('browser.json');
const meta = read('meta.json') ?? {};
const seed = read('seed.json');
// The same start-up figures of an earlier build, measured in the same run (ROUNDS_BENCH_BASELINE).
const baseSize = read('baseline-size.json');
const baseStartup = read('baseline-browser.json')?.startup;

const rows = [];
const KB = (b) => `${(b / 1024).toFixed(1)} KB`;
const num = (x, d = 0) => (x == null || Number.isNaN(x) ? null : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const msv = (x, d = x != null && x < 20 ? 1 : 0) => (x == null ? null : `${num(x, d)} ms`);
const ratio = (value, budget) => (value == null || !budget ? '' : `${(value / budget).toFixed(2)}`);
function row(figure, value, budget = '—', r = '', peers = '') {
  rows.push(`| ${figure} | ${value ?? 'not measured (see notes)'} | ${budget} | ${r} | ${peers} |`);
}
function section(title) {
  rows.push(`| **${title}** | | | | |`);
}
// ---------------------------------------------------------------- lean start (side by side)
// Figures from the issue that set these targets, this build next to the baseline build.
const lean = [];
if (baseSize || baseStartup) {
  const st = read('browser.json')?.startup;
  const kb = (b) => (b == null ? '—' : `${(b / 1024).toFixed(1)} KB`);
  const med = (x) => (x?.n ? `${num(x.median, x.median < 20 ? 1 : 0)}${x.unit ?? ' ms'}` : '—');
  const count = (x) => (x?.n ? `${num(x.median)}` : '—');
  const line = (figure, base, now, target) => lean.push(`| ${figure} | ${base} | ${now} | ${target} |`);
  line('code (brotli) needed before the sign-in form is usable', kb(baseSize?.before_form?.brotli ?? baseSize?.shell?.brotli), kb(size?.before_form?.brotli ?? size?.shell?.brotli), '≤ 150 KB');
  line('whole shell (brotli)', kb(baseSize?.shell?.brotli), kb(size?.shell?.brotli), '≤ 250 KB, aim 200');
  line('cold: navigation → sign-in form usable (median)', med(baseStartup?.cold_form), med(st?.cold_form), '≤ 200 ms');
  line('cold: navigation → app instantiated (download, compile, instantiate; median)', med(baseStartup?.cold_app_started), med(st?.cold_app_started), '—');
  line('compiling the wasm alone (median)', med(baseStartup?.wasm_compile), med(st?.wasm_compile), '—');
  line('warm, signed out: navigation → sign-in form usable (median)', med(baseStartup?.warm_form), med(st?.warm_form), '—');
  line('requests between login and the main sync (median)', count(baseStartup?.waterfall_requests), count(st?.waterfall_requests), '—');
  line('… of which one after another (round trips, median)', count(baseStartup?.waterfall_round_trips), count(st?.waterfall_round_trips), '≤ 2');
  line('login answered → main sync starts (median)', med(baseStartup?.waterfall_ms), med(st?.waterfall_ms), '—');
  line('cold: Sign in click → first thread row (dana, median)', med(baseStartup?.cold_signin), med(st?.cold_signin), '≤ 300 ms');
  line('warm, signed out: Sign in click → first thread row (median)', med(baseStartup?.warm_signin), med(st?.warm_signin), '—');
  line('warm, session kept: navigation → first thread row (median)', med(baseStartup?.warm_restore), med(st?.warm_restore), '≤ 1,000 ms');
}

const medP95 = (s) => (s && s.n ? `${msv(s.median)} median, ${msv(s.p95)} p95 (n=${s.n})` : null);

// ---------------------------------------------------------------- size
section('Size (release build)');
if (size) {
  for (const f of size.files.filter((f) => f.shell)) {
    row(`shell: ${f.kind} \`${f.name}\``, `${KB(f.brotli)} br (raw ${KB(f.raw)}, gzip ${KB(f.gzip)})`);
  }
  const s = size.shell;
  row('**shell total** (wasm + js + css + html), brotli -q 11', `**${KB(s.brotli)}** (raw ${KB(s.raw)}, gzip ${KB(s.gzip)})`, '250 KB', ratio(s.brotli, 250 * 1024), 'Hydrogen 172 KiB, Cinny 733 KiB');
  for (const f of size.files.filter((f) => !f.shell)) {
    row(`other: \`${f.name}\` (not in the shell)`, `${KB(f.brotli)} br (raw ${KB(f.raw)}, gzip ${KB(f.gzip)})`);
  }
} else row('shell size', null, '250 KB');

// ---------------------------------------------------------------- start-up
const st = browser?.startup;
const landed = st?.runs?.find((r) => r.rows)?.rows;
section(`Start-up: dana, ${st?.threads_visible ?? '~200'} threads visible${landed ? `, ${landed} in her home category` : ''} (median of ${st?.runs?.length ?? 0})`);
if (st) {
  row('cold (new context): navigation → sign-in form interactive', medP95(st.cold_form), '—', '', 'Hydrogen 614 ms, Cinny 1,146 ms');
  row('cold: Sign in click → first thread row painted', medP95(st.cold_signin), '—', '', 'room list after first sync: Hydrogen 635 ms, Cinny 435 ms');
  row('cold: form + sign-in (navigation → inbox, typing excluded)', medP95(st.cold_to_inbox), '—');
  row(
    `**warm, session kept: navigation → first thread row** (reload; shell from ${st.warm_controlled ? 'the service worker' : 'HTTP cache'})`,
    medP95(st.warm_restore),
    '1,000 ms',
    ratio(st.warm_restore?.median, 1000),
  );
  row(
    'warm, session kept, every /sync held 3 s: navigation → first thread row (from the device)',
    medP95(st.warm_cached),
    '1,000 ms',
    ratio(st.warm_cached?.median, 1000),
    'before: nothing until the first sync answer',
  );
  row('warm, signed out: navigation → sign-in form interactive', medP95(st.warm_form), '—', '', 'Hydrogen 614 ms');
  row('warm, signed out: Sign in click → first thread row painted', medP95(st.warm_signin), '—');
  const warmTotal = st.warm_form?.median != null && st.warm_signin?.median != null ? st.warm_form.median + st.warm_signin.median : null;
  row('warm, signed out: form + sign-in (sum of medians)', msv(warmTotal), '1,000 ms', ratio(warmTotal, 1000));
} else row('start-up', null, '1,000 ms');

// ---------------------------------------------------------------- latency
const lt = browser?.latency;
section(`Latency: send → other browser (${lt?.rounds?.n ?? 0} messages; raw floor ${lt?.raw?.n ?? 0} messages)`);
if (lt) {
  row('(a) protocol floor: raw PUT /send → other raw client\'s /sync answer', medP95(lt.raw), '—', '', 'about 25 ms');
  row('(b) **Rounds: Send click (priya) → text painted in jordan\'s browser**', medP95(lt.rounds), '150 ms (median)', ratio(lt.rounds?.median, 150), 'Hydrogen 86 ms, Cinny 151 ms');
  row('ratio (b)/(a), medians', lt.ratio != null ? `${lt.ratio.toFixed(2)}×` : null);
  if (lt.syncs_between)
    row(
      '(b) /sync answers jordan\'s browser got from the click to the paint (messages per count)',
      Object.entries(lt.syncs_between)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') + ' (1 = the message came with the first answer)',
    );
  row('client share: app\'s `rounds:sync-to-paint` measure (jordan)', lt.client_share?.n ? `${medP95(lt.client_share)} over ${lt.client_share_batches} batches` : null, '10 ms', ratio(lt.client_share?.median, 10));
  row('client share incl. decoding: /sync response end → text painted (resource timing)', medP95(lt.sync_end_to_paint), '10 ms', ratio(lt.sync_end_to_paint?.median, 10));
  row('sender: Send click → own message painted (local echo)', medP95(lt.local_echo));
  row('sender: PUT /send round trip in the browser (incl. CORS preflight)', medP95(lt.put), '—', '', `raw client: ${msv(lt.raw_put?.median)}`);
} else row('latency', null, '150 ms');

// ---------------------------------------------------------------- scale
const sc = browser?.scale;
section(`Scale: morgan, ${num(sc?.threads_on_server ?? seed?.threads_admin) ?? '10,000'} threads on the server`);
if (sc) {
  row('Sign in click → first thread row painted', msv(sc.signin_to_first_row));
  row('initial /sync request (network, server time)', sc.initial_sync_request != null ? `${msv(sc.initial_sync_request)}, ${sc.initial_sync_bytes != null ? KB(sc.initial_sync_bytes) : '? KB'} JSON` : null);
  row('threads in the list after the initial sync', num(sc.threads_after_initial_sync));
  row(
    'loading older threads (scroll to the end, repeatedly)',
    sc.threads_loaded != null ? `${num(sc.threads_loaded)} threads after ${num(sc.older_seconds, 1)} s (${sc.older_pages} pages${sc.older_capped ? ', stopped at the time cap' : ''})` : null,
  );
  row(`filter keystroke → repaint, ${num(sc.threads_loaded)} threads loaded`, sc.keystroke?.n ? `${medP95(sc.keystroke)}; max ${msv(sc.keystroke.max)}; ${sc.keystrokes - sc.keystrokes_unchanged}/${sc.keystrokes} changed the list` : null, '16 ms', ratio(sc.keystroke?.median, 16));
  row('  of which keydown → list updated (script, keystrokes that changed it)', medP95(sc.keystroke_script), '16 ms', ratio(sc.keystroke_script?.median, 16));
  row('scroll half a screen: scroll event handled → frame painted', sc.scroll_step?.n ? `${medP95(sc.scroll_step)}; max ${msv(sc.scroll_step.max)}` : null, '16 ms', ratio(sc.scroll_step?.median, 16));
  row('  of which scroll event → rows updated (script)', medP95(sc.scroll_step_script), '16 ms', ratio(sc.scroll_step_script?.median, 16));
  row(
    'fling (one scroll step per frame): frame interval',
    sc.scroll_frame?.n ? `${medP95(sc.scroll_frame)}; ${sc.scroll_frames_over_16_7}/${sc.scroll_frames} frames over 16.7 ms; ${sc.scroll_longtasks} long tasks (longest ${msv(sc.scroll_longest_task)})` : null,
    'one frame (16.7 ms at 60 Hz)',
    ratio(sc.scroll_frame?.p95, 1000 / 60) ? `${ratio(sc.scroll_frame?.p95, 1000 / 60)} (p95)` : '',
  );
  const mem = (m) => (m ? `JS heap ${KB(m.js_heap ?? m.cdp_js_heap)}, wasm memory ${m.wasm != null ? KB(m.wasm) : '?'}, ${num(m.dom_nodes)} elements` : null);
  row(`memory after the initial sync (${num(sc.threads_after_initial_sync)} threads)`, mem(sc.memory_initial));
  row(`memory with ${num(sc.threads_loaded)} threads loaded`, mem(sc.memory_loaded));
} else row('scale', null, '16 ms');

// ---------------------------------------------------------------- native
section(`Domain inbox, native (\`cargo bench --bench inbox\`, ${num(inbox?.threads) ?? '10,000'} threads)`);
if (inbox) {
  const st2 = (v) => ({ median: v.median_ms, p95: v.p95_ms, n: v.n });
  row('build: `Inbox::apply` of all threads, replies, receipts', medP95(st2(inbox.build)));
  for (const [key, v] of Object.entries(inbox)) {
    if (key === 'threads' || key === 'build') continue;
    row(`\`Inbox::query\` ${v.label.replace(/^query: /, '')} (${num(v.results)} results)`, medP95(st2(v)), '16 ms', ratio(v.median_ms, 16));
  }
} else row('native inbox benchmark', null, '16 ms');

// ---------------------------------------------------------------- durability
section('Durability (encrypted IndexedDB drafts and outbox)');
row('Send click → PUT /send starts (local echo + encrypted outbox write first)', lt?.click_to_put?.n ? medP95(lt.click_to_put) : 'not yet measured (store not built)');
row('draft save (encrypted, debounced 250 ms after typing)', 'not yet measured (off the input path: written after a 250 ms pause)');

const notes = [];
notes.push(`Run ${meta.stamp ?? ''} on ${meta.cpu ?? '?'} (${meta.cores ?? '?'} cores), ${meta.memory ?? '?'} RAM, ${meta.os ?? ''}; load average at start ${meta.load ?? '?'}.`);
notes.push(
  `Software: Rounds ${meta.commit ?? '?'}${meta.dirty ? ' (with uncommitted changes)' : ''}, ${meta.rustc ?? 'rustc ?'}, Synapse ${meta.synapse ?? '?'} (SQLite, \`scripts/synapse.sh\` bench instance, ${browser?.homeserver ?? ''}), Chromium ${browser?.chromium ?? '?'} headless (--disable-gpu), Node ${meta.node ?? '?'}.`,
);
notes.push(
  `Data: the demo clinic plus the bench seed (\`bench/seed.mjs\`): dana (front desk) sees ${seed?.threads_dana ?? '?'} threads, morgan (admin) ${seed?.threads_admin ?? '?'}; ${meta.seed_fresh ? `seeded in this run (${seed?.seed_seconds} s)` : `seed reused from ${seed?.seeded_at ?? '?'}`}.`,
);
notes.push(`Run time: ${meta.timings ?? '?'}.`);
if (meta.loads)
  notes.push(
    `Machine load while measuring (1-minute load average; other cargo/rustc/trunk/chromium processes than this run's): ${meta.loads}. On 2 cores, anything above ~1 or any other process means the figures include contention; compare runs made on a quiet machine.`,
  );
notes.push(
  'Size: each file of `trunk build --release` (opt-level z, LTO, wasm-opt -Oz) compressed with the command-line `gzip -9 -n` and `brotli -q 11`. The shell is what the first render needs: the wasm, its JS glue, \`boot.js\` (the loader), the CSS and index.html; the service worker \`sw.js\` (fetched after start), \`config.json\`, the manifest and icons are listed separately.',
);
notes.push(
  '"Painted" everywhere means the frame after the DOM change was produced: a MutationObserver sees the change, then requestAnimationFrame, then a task posted from it (MessageChannel) records the time.',
);
notes.push(
  `Start-up: the app is served by \`bench/serve.mjs\` (production-like: hashed files cached immutable, others revalidated by ETag, brotli/gzip bodies) on 127.0.0.1. Cold = a new browser context (empty HTTP cache, no service worker, no saved session). Warm = the same context reloaded after the first visit: ${st?.sw_active ? 'the service worker (`public/sw.js`) was active and' : 'the service worker was not active;'} ${st?.warm_controlled ? 'controlled the reload' : 'did not control the reload'}. "Session kept": the encrypted saved session signs in without the form, so navigation → first row is the whole start to a usable inbox (the 1 s budget). "Signed out": after Sign out (database wiped, shell caches kept). Navigation-based times are from navigation start; sign-in times from the click on Sign in to the first thread row painted (login, clinic discovery, filter upload, initial /sync, render).`,
);
notes.push(
  'Latency (a): two Node clients (priya sends, jordan receives) with the app\'s own sync filter; jordan\'s long-poll /sync (timeout 30000, since = last next_batch) is parked before the PUT; time from just before the PUT to the /sync answer that contains the event. (b): two browser contexts (priya, jordan) with the same new thread open; Date.now() at the click on Send in priya\'s page (capture listener) to Date.now() when the text is painted in jordan\'s page, same machine clock. The composer is filled 300 ms before each click (typing notice and draft settle, as when a person types). Browser sends are cross-origin (app on :18090, homeserver on :18028), so every PUT (new txn id, new URL) needs a CORS preflight that raw clients do not.',
);
notes.push(
  'Client share: the app\'s own `rounds:sync-to-paint` measure (mark after the sync batch is decoded and translated, to the next requestAnimationFrame) read by a PerformanceObserver; it covers every batch with news during the test (messages, typing notices, receipts). "Incl. decoding" starts earlier, at responseEnd of the /sync fetch (resource timing), and ends when the message text is painted: that is DESIGN\'s "sync response received to painted".',
);
notes.push(
  `Scale: morgan signs in and the list shows what the initial sync brought (the app asks for 100 timeline events per category room; the Category filter is set to All); older threads arrive only through the app's pager (\`/threads\`, 30 per room per page) when the list is scrolled to its end, which the benchmark repeats until the list stops growing, reaches the server's count or the time cap. The latency test adds 2 threads per run, so the server holds a few more than 10,000 after the first run. Keystrokes: "b0421", 5 Backspaces, "sara", 4 Backspaces, "x", Backspace into \`Search threads\` at ~6 keys/s; keydown (event timestamp) → the frame after the list changed (or, when the results did not change, the frame after the input was handled). That includes waiting for the next frame (up to 16.7 ms), so the "script" row (keydown → list updated) is the app's own work. Scroll: 40 steps of half the list's height (the app's scroll handling starts → the frame after the rows changed) and a 120-frame fling of 240 px per frame (frame intervals from requestAnimationFrame; long tasks from PerformanceObserver). Memory after a forced GC: \`performance.memory.usedJSHeapSize\` (with --enable-precise-memory-info) and the wasm linear memory (\`memory.buffer.byteLength\` of the app's instance, caught by wrapping \`WebAssembly.instantiateStreaming\`; it never shrinks, so it is the high-water mark). When run.sh had to start the homeserver, the initial /sync is the first after its start, with Synapse's caches cold.`,
);
notes.push(
  'Native: `bench/inbox.rs` builds 10,000 threads (7 rooms, 0–3 replies each, receipts on a third) and times each `Inbox::query` with `std::time::Instant` for ~1.5 s after a warm-up; the bench profile inherits the release profile (opt-level "z", LTO) like the wasm, but runs as native x86-64 code, typically faster than the same code in wasm.',
);
notes.push('Budgets are those of docs/DESIGN.md section 5; the ratio is figure / budget on the median (p95 where marked); peers are the figures DESIGN.md quotes for context. Benchmarks never fail on a slow figure.');
if (browser?.errors?.length) notes.push(`Errors during the browser run: ${browser.errors.join('; ')}`);
if (meta.errors) notes.push(`Steps that failed: ${meta.errors}`);

const md = [
  `# Rounds benchmarks — ${meta.stamp ?? ''}`,
  '',
  ...(lean.length
    ? [
        `## Lean start: this build next to ${meta.baseline ?? 'the baseline'}, measured in the same run`,
        '',
        `| figure | ${meta.baseline ?? 'baseline'} | this build | target |`,
        '| --- | --- | --- | --- |',
        ...lean,
        '',
        '## All figures of this build',
        '',
      ]
    : []),
  '| figure | value | budget | ratio | peers (DESIGN §5) |',
  '| --- | --- | --- | --- | --- |',
  ...rows,
  '',
  '## Notes',
  '',
  ...notes.map((n) => `- ${n}`),
  '',
].join('\n');
process.stdout.write(md);
if (outFile) {
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, md);
}
