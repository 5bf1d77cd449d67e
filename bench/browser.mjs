// Browser benchmarks of the release build in headless Chromium against the local Synapse:
// start-up (cold and warm), send → other browser latency next to the raw protocol floor, and
// the 10,000-thread inbox (initial sync, loading older threads, filter keystrokes, scrolling,
// memory). Writes one JSON file; bench/report.mjs turns it into the table.
//
//   node bench/browser.mjs OUT.json        (env: ROUNDS_BENCH_APP, ROUNDS_BENCH_ONLY=startup,latency,scale)
import { chromium } from '../end2end/node_modules/playwright-core/index.mjs';
import { performance } from 'node:perf_hooks';
import { Api, HOMESERVER, LAUNCH, log, readJson, BENCH_LOCAL, replyContent, rootContent, sleep, summary, writeJson } from './lib.mjs';

const APP = process.env.ROUNDS_BENCH_APP ?? 'http://127.0.0.1:18090';
const OUT = process.argv[2] ?? `${BENCH_LOCAL}/browser.json`;
const ONLY = (process.env.ROUNDS_BENCH_ONLY ?? 'startup,latency,scale').split(',');
const STARTUP_RUNS = Number(process.env.ROUNDS_BENCH_STARTUP_RUNS ?? 5);
const LATENCY_MESSAGES = Number(process.env.ROUNDS_BENCH_MESSAGES ?? 50);
const OLDER_SECONDS = Number(process.env.ROUNDS_BENCH_OLDER_SECONDS ?? 150);
const VIEWPORT = { width: 1280, height: 900 };
const SYNC_FILTER = {
  // What the app asks for (src/api/sync.rs, Filter::rounds(100)), so the floor is like for like.
  room: { state: { lazy_load_members: true }, timeline: { limit: 100, lazy_load_members: true, unread_thread_notifications: true } },
};

// Instrumentation installed in every document before the app's scripts run.
const INSTRUMENT = () => {
  if (window.__bench) return;
  const b = (window.__bench = { events: {}, measures: [], longtasks: [], eventTiming: [], sync: [], sends: [], clicks: [], keys: [] });
  // The sign-in's first look at the clinic (an inline filter for its state only), not the main
  // sync (whose filter, inline or stored, asks for threaded unread counts).
  b.firstLook = (url) => /[?&]filter=%7B/.test(url) && !/unread_thread_notifications/.test(url);
  // "Painted": the frame after a DOM change has been produced (rAF, then a task after it).
  b.afterPaint = (cb) =>
    requestAnimationFrame(() => {
      const raf = performance.now();
      const ch = new MessageChannel();
      ch.port1.onmessage = () => cb(raf, performance.now(), Date.now());
      ch.port2.postMessage(0);
    });
  const observe = (type, fn, extra = {}) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(fn)).observe({ type, buffered: true, ...extra });
    } catch {}
  };
  // The app measures its own share (sync answer in hand → next frame) and clears it at once.
  observe('measure', (e) => e.name === 'rounds:sync-to-paint' && b.measures.push({ at: e.startTime, duration: e.duration }));
  observe('longtask', (e) => b.longtasks.push({ at: e.startTime, duration: e.duration }));
  observe('event', (e) => b.eventTiming.push({ name: e.name, at: e.startTime, duration: e.duration }), { durationThreshold: 16 });
  observe('resource', (e) => {
    // Every homeserver request, for the waterfall between sign-in and the main sync.
    if (/\/_matrix\//.test(e.name)) (b.hs ??= []).push({ name: e.name, start: e.startTime, end: e.responseEnd });
    if (/\/_matrix\/client\/v3\/sync\?/.test(e.name))
      b.sync.push({ start: e.startTime, end: e.responseEnd, initial: !/[?&]since=/.test(e.name), look: b.firstLook(e.name) });
    else if (/\/send\//.test(e.name)) b.sends.push({ start: e.startTime, end: e.responseEnd });
    else if (/\/threads\?/.test(e.name)) b.threadsRequests = (b.threadsRequests || 0) + 1;
  });
  // The wasm instance, whoever loads it (trunk's inline loader or the app's boot.js): for its
  // linear memory, and the moment it is instantiated.
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const original = WebAssembly[name];
    if (!original) continue;
    WebAssembly[name] = function (...args) {
      return original.apply(this, args).then((result) => {
        const instance = result instanceof WebAssembly.Instance ? result : result.instance;
        if (instance && instance.exports.memory && !b.wasm) {
          b.wasm = instance.exports;
          b.events.appStarted = performance.now();
        }
        return result;
      });
    };
  }
  addEventListener(
    'click',
    (e) => {
      const button = e.target.closest && e.target.closest('button');
      b.clicks.push({ text: button ? button.textContent.trim() : '', t: e.timeStamp, wall: Date.now() });
    },
    true,
  );
  addEventListener('keydown', (e) => b.onKeydown && b.onKeydown(e), true);
  const seen = {};
  const mo = new MutationObserver(() => {
    if (!seen.form) {
      const u = document.getElementById('username');
      if (u && !u.disabled && u.getClientRects().length) {
        seen.form = true;
        b.afterPaint((raf, t) => (b.events.form = t));
      }
    }
    if (!seen.row && document.querySelector('ul[aria-label="Threads"] > li')) {
      seen.row = true;
      b.afterPaint((raf, t) => (b.events.firstRow = t));
      mo.disconnect();
    }
  });
  // `hidden` too: index.html may carry a sign-in form that is shown rather than inserted.
  mo.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden'] });
  // Resolves when `text` is painted inside the element matching `selector`.
  b.watchText = (selector, text, timeout = 15000) =>
    new Promise((resolve) => {
      const has = () => {
        const el = document.querySelector(selector);
        return el && el.textContent.includes(text);
      };
      if (has()) return resolve({ already: true });
      const w = new MutationObserver(() => {
        if (has()) {
          w.disconnect();
          clearTimeout(timer);
          const mutation = performance.now();
          b.afterPaint((raf, t, wall) => resolve({ mutation, raf, t, wall }));
        }
      });
      w.observe(document.body, { childList: true, subtree: true, characterData: true });
      const timer = setTimeout(() => {
        w.disconnect();
        resolve({ timeout: true });
      }, timeout);
    });
};

const results = { app: APP, homeserver: HOMESERVER, started: new Date().toISOString(), errors: [] };
const save = () => writeJson(OUT, results);
const ms = (x) => (x == null ? null : Math.round(x * 10) / 10);

async function newPage(browser, label) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(INSTRUMENT);
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`[${label}] page error: ${e.message}`));
  page.on('dialog', (d) => d.accept());
  return { context, page };
}

const bench = (page, fn, arg) => page.evaluate(fn, arg);
const waitEvent = (page, name, timeout = 30000) =>
  page.waitForFunction((n) => window.__bench && window.__bench.events[n] != null, name, { timeout, polling: 20 }).then(() =>
    page.evaluate((n) => window.__bench.events[n], name),
  );

/** Fills the sign-in form and clicks Sign in; returns ms from the click to the first thread row painted. */
async function signIn(page, user, password = 'rounds-demo') {
  await page.getByRole('textbox', { name: 'Username' }).fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const firstRow = await waitEvent(page, 'firstRow', 60000);
  const click = await page.evaluate(() => window.__bench.clicks.filter((c) => c.text === 'Sign in').at(-1));
  return firstRow - click.t;
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('textbox', { name: 'Username' }).waitFor({ timeout: 15000 });
}

// ---------------------------------------------------------------- start-up

/**
 * In the page: the homeserver requests between the password login's answer and the start of the
 * main sync (the first initial /sync with an uploaded filter), and how many round trips they
 * take one after another (a request waits for an earlier one if it starts after that one ended).
 */
function waterfall() {
  const hs = window.__bench.hs ?? [];
  const main = hs.find((r) => /\/sync\?/.test(r.name) && !/[?&]since=/.test(r.name) && !window.__bench.firstLook(r.name));
  const login = hs.filter((r) => /\/v3\/login$/.test(r.name) && (!main || r.end <= main.start)).at(-1);
  if (!main || !login) return {};
  const between = hs.filter((r) => r !== login && r.start >= login.end - 1 && r.start < main.start).sort((a, b) => a.start - b.start);
  const depth = new Map();
  for (const r of between) {
    const before = between.filter((o) => o !== r && o.end <= r.start).map((o) => depth.get(o) ?? 1);
    depth.set(r, 1 + Math.max(0, ...before));
  }
  return { waterfall_requests: between.length, waterfall_round_trips: Math.max(0, ...depth.values()), waterfall_ms: main.start - login.end };
}

async function startup(browser) {
  const seed = readJson(`${BENCH_LOCAL}/seed.json`, {});
  const runs = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const { context, page } = await newPage(browser, `dana#${i}`);
    const run = {};
    try {
      // Cold: a new context, so an empty HTTP cache, no service worker and no saved session.
      await page.goto(`${APP}/`, { waitUntil: 'commit' });
      run.cold_form = await waitEvent(page, 'form');
      run.cold_app_started = await page.evaluate(() => window.__bench.events.appStarted);
      // Compiling the module alone (bytes already in hand): the share of start-up the wasm's
      // size costs on this CPU whatever the network.
      run.wasm_compile = await page.evaluate(async () => {
        const bytes = await (await fetch(document.querySelector('script[data-wasm]').dataset.wasm)).arrayBuffer();
        const t = performance.now();
        await WebAssembly.compile(bytes);
        return performance.now() - t;
      });
      run.cold_signin = await signIn(page, 'dana');
      Object.assign(run, await page.evaluate(waterfall));
      run.cold_shell_bytes = await page.evaluate(() =>
        performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
          .filter((e) => new URL(e.name).origin === location.origin)
          .reduce((a, e) => a + (e.transferSize || 0), 0),
      );
      // The service worker installs after the first load; wait until it is active.
      run.sw_active = await page
        .evaluate(() => Promise.race([navigator.serviceWorker.ready.then((r) => !!r.active), new Promise((r) => setTimeout(() => r(false), 10000))]))
        .catch(() => false);
      await sleep(300);
      // Warm, session kept: reload; the encrypted saved session signs in without the form.
      await page.reload({ waitUntil: 'commit' });
      run.warm_restore = await waitEvent(page, 'firstRow', 60000);
      run.warm_controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);
      run.warm_app_started = await page.evaluate(() => window.__bench.events.appStarted);
      // Warm with the homeserver slow to answer (every /sync held 3 s): the inbox kept on the
      // device paints before any sync answer.
      const held = /\/_matrix\/client\/v3\/sync\?/;
      await page.route(held, (route) => setTimeout(() => route.continue().catch(() => {}), 3000));
      await page.reload({ waitUntil: 'commit' });
      run.warm_cached = await waitEvent(page, 'firstRow', 60000);
      await page.unroute(held);
      // Warm, signed out (shell cached, no session): reload to the form, sign in again.
      await signOut(page);
      await page.reload({ waitUntil: 'commit' });
      run.warm_form = await waitEvent(page, 'form');
      run.warm_signin = await signIn(page, 'dana');
      run.rows = await page.evaluate(() => Number(document.querySelector('ul[aria-label="Threads"] > li')?.getAttribute('aria-setsize')));
      await signOut(page);
    } catch (e) {
      run.error = e.message.split('\n')[0];
      results.errors.push(`startup run ${i}: ${run.error}`);
    } finally {
      await context.close();
    }
    log(`start-up ${i + 1}/${STARTUP_RUNS}: ${JSON.stringify(Object.fromEntries(Object.entries(run).map(([k, v]) => [k, typeof v === 'number' ? ms(v) : v])))}`);
    runs.push(run);
  }
  const pick = (k) => summary(runs.map((r) => r[k]));
  results.startup = {
    user: 'dana',
    threads_visible: seed.threads_dana ?? null,
    runs,
    cold_form: pick('cold_form'),
    cold_app_started: pick('cold_app_started'),
    wasm_compile: pick('wasm_compile'),
    cold_signin: pick('cold_signin'),
    cold_to_inbox: summary(runs.map((r) => r.cold_form + r.cold_signin)),
    warm_restore: pick('warm_restore'),
    warm_cached: pick('warm_cached'),
    warm_form: pick('warm_form'),
    warm_signin: pick('warm_signin'),
    sw_active: runs.every((r) => r.sw_active),
    warm_controlled: runs.every((r) => r.warm_controlled),
    cold_shell_bytes: pick('cold_shell_bytes').median,
    waterfall_requests: pick('waterfall_requests'),
    waterfall_round_trips: pick('waterfall_round_trips'),
    waterfall_ms: pick('waterfall_ms'),
  };
  save();
}

// ---------------------------------------------------------------- latency

async function rawFloor(room, n) {
  const sender = await Api.login('priya');
  const receiver = await Api.login('jordan');
  try {
    const root = await sender.send(room, rootContent(`Bench raw floor ${new Date().toISOString()}`, null, 'Raw clients only.'));
    const filterId = (await receiver.ok('POST', `/_matrix/client/v3/user/${encodeURIComponent(receiver.userId)}/filter`, SYNC_FILTER)).filter_id;
    const sync = (since, timeout) =>
      receiver.ok('GET', `/_matrix/client/v3/sync?filter=${filterId}&timeout=${timeout}${since ? `&since=${encodeURIComponent(since)}` : ''}`);
    let since = (await sync(null, 0)).next_batch;
    // Drain anything still arriving (the root we just sent).
    since = (await sync(since, 0)).next_batch;
    const samples = [];
    const puts = [];
    for (let i = 0; i < n; i++) {
      const token = `raw-${i}-${Math.random().toString(36).slice(2, 8)}`;
      let pending = sync(since, 30000);
      await sleep(40); // let the long-poll reach the server and park
      const t0 = performance.now();
      const put = sender.send(room, replyContent(root, root, token)).then(() => puts.push(performance.now() - t0));
      for (;;) {
        const res = await pending;
        since = res.next_batch;
        const events = res.rooms?.join?.[room]?.timeline?.events ?? [];
        if (events.some((e) => e.content?.body === token)) {
          samples.push(performance.now() - t0);
          break;
        }
        pending = sync(since, 30000);
      }
      await put;
      await sleep(30);
    }
    return { samples, put: summary(puts) };
  } finally {
    await sender.logout();
    await receiver.logout();
  }
}

async function latency(browser) {
  const priyaApi = await Api.login('priya');
  const room = await priyaApi.roomId('rounds.clinical');
  log(`latency: raw protocol floor, ${LATENCY_MESSAGES} messages`);
  const raw = await rawFloor(room, LATENCY_MESSAGES);
  const stamp = new Date().toISOString();
  const rootText = `Bench latency thread opened ${stamp}`;
  const root = await priyaApi.send(room, rootContent(`Bench latency ${stamp}`, null, rootText));
  await priyaApi.logout();

  const url = `${APP}/t/${encodeURIComponent(room)}/${encodeURIComponent(root)}`;
  const priya = await newPage(browser, 'priya');
  const jordan = await newPage(browser, 'jordan');
  const out = { raw: summary(raw.samples), raw_put: raw.put, raw_samples: raw.samples.map(ms) };
  try {
    for (const [p, user] of [[priya.page, 'priya'], [jordan.page, 'jordan']]) {
      await p.goto(url, { waitUntil: 'commit' });
      await waitEvent(p, 'form');
      await signIn(p, user);
      await p.getByRole('list', { name: 'Messages' }).getByText(rootText).waitFor({ timeout: 30000 });
    }
    await sleep(1000);
    await jordan.page.evaluate(() => {
      window.__bench.measures.length = 0;
      window.__bench.sync.length = 0;
    });
    log(`latency: Rounds, priya → jordan, ${LATENCY_MESSAGES} messages`);
    const composer = priya.page.getByRole('textbox', { name: 'Message' });
    const send = priya.page.getByRole('button', { name: 'Send' });
    const samples = [];
    for (let i = 0; i < LATENCY_MESSAGES; i++) {
      const token = `bench-${i}-${Math.random().toString(36).slice(2, 8)}`;
      await composer.fill(`Latency probe ${token}`);
      await sleep(300); // a person pauses before clicking; lets typing notice and draft settle
      const seenJ = bench(jordan.page, ([t]) => window.__bench.watchText('ol[aria-label="Messages"]', t), [token]);
      const seenP = bench(priya.page, ([t]) => window.__bench.watchText('ol[aria-label="Messages"]', t), [token]);
      const sendsBefore = await priya.page.evaluate(() => window.__bench.sends.length);
      await send.click();
      const [j, p] = await Promise.all([seenJ, seenP]);
      const click = await priya.page.evaluate(() => window.__bench.clicks.filter((c) => c.text === 'Send').at(-1));
      // Wait for the send's answer (the PUT's resource entry) before the next message.
      await priya.page
        .waitForFunction((n) => window.__bench.sends.length > n, sendsBefore, { timeout: 15000, polling: 10 })
        .catch(() => {});
      const put = await priya.page.evaluate((n) => window.__bench.sends[n], sendsBefore);
      const s = { i };
      if (j.timeout) s.timeout = true;
      else {
        s.latency = j.wall - click.wall;
        s.click_wall = click.wall;
        s.j_paint = j.t; // jordan's performance.now() at the painted frame
      }
      if (!p.timeout && !p.already) s.local_echo = p.t - click.t;
      if (put) {
        s.click_to_put = put.start - click.t;
        s.put = put.end - put.start;
      }
      samples.push(s);
      await sleep(100);
    }
    const jb = await jordan.page.evaluate(() => ({ measures: window.__bench.measures, sync: window.__bench.sync, origin: performance.timeOrigin }));
    // Sync response fully received (resource timing) → message painted, per message; and how
    // many of jordan's /sync answers came between the click and the paint (1 = the message
    // came with the first answer; more = an earlier answer, e.g. a typing notice, woke the
    // long-poll first and the message waited for the next request).
    for (const s of samples) {
      if (s.j_paint == null) continue;
      const before = jb.sync.filter((x) => x.end <= s.j_paint).sort((a, b) => b.end - a.end)[0];
      if (before) s.sync_end_to_paint = s.j_paint - before.end;
      const clickInJordan = s.click_wall - jb.origin;
      s.syncs_between = jb.sync.filter((x) => x.end >= clickInJordan && x.end <= s.j_paint).length;
    }
    const col = (k) => samples.map((s) => s[k]).filter((x) => x != null);
    out.rounds = summary(col('latency'));
    out.rounds_samples = col('latency');
    out.timeouts = samples.filter((s) => s.timeout).length;
    out.client_share = summary(jb.measures.map((m) => m.duration));
    out.client_share_batches = jb.measures.length;
    out.sync_end_to_paint = summary(col('sync_end_to_paint'));
    out.local_echo = summary(col('local_echo'));
    out.click_to_put = summary(col('click_to_put'));
    out.put = summary(col('put'));
    out.ratio = out.rounds.median != null && out.raw.median ? out.rounds.median / out.raw.median : null;
    out.syncs_between = {};
    for (const s of samples) if (s.syncs_between != null) out.syncs_between[s.syncs_between] = (out.syncs_between[s.syncs_between] ?? 0) + 1;
    out.longtasks_jordan = await jordan.page.evaluate(() => window.__bench.longtasks.length);
    log(`latency: raw median ${ms(out.raw.median)} ms, Rounds median ${ms(out.rounds.median)} ms, client share median ${ms(out.client_share.median)} ms`);
    for (const { page } of [priya, jordan]) await signOut(page).catch(() => {});
  } catch (e) {
    results.errors.push(`latency: ${e.message.split('\n')[0]}`);
  } finally {
    await priya.context.close();
    await jordan.context.close();
  }
  results.latency = out;
  save();
}

// ---------------------------------------------------------------- scale

async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
  await sleep(200);
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const inPage = await page.evaluate(() => ({
    js_heap: performance.memory ? performance.memory.usedJSHeapSize : null,
    wasm: window.__bench.wasm && window.__bench.wasm.memory ? window.__bench.wasm.memory.buffer.byteLength : null,
    dom_nodes: document.getElementsByTagName('*').length,
  }));
  return { ...inPage, cdp_js_heap: metrics.JSHeapUsedSize, cdp_nodes: metrics.Nodes };
}

const listSize = (page) =>
  page.evaluate(() => Number(document.querySelector('ul[aria-label="Threads"] > li')?.getAttribute('aria-setsize') ?? 0));

async function scale(browser) {
  const seed = readJson(`${BENCH_LOCAL}/seed.json`, {});
  const { context, page } = await newPage(browser, 'morgan');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const out = { user: 'morgan', threads_on_server: seed.threads_admin ?? null };
  const syncs = [];
  const requests = [];
  page.on('requestfinished', async (req) => {
    const url = req.url();
    if (!url.startsWith(HOMESERVER) || req.method() === 'OPTIONS') return;
    const t = req.timing();
    const path = url.slice(HOMESERVER.length).replace(/\?.*/, (q) => (/since=/.test(q) ? '?since=…' : /filter=%7B/.test(q) ? '?filter={inline}' : q.length > 1 ? '?…' : ''));
    requests.push({ method: req.method(), path: decodeURIComponent(path).slice(0, 90), start: t.startTime, ms: ms(t.responseEnd) });
    if (!/\/_matrix\/client\/v3\/sync\?/.test(url) || /[?&]since=/.test(url) || (/[?&]filter=%7B/.test(url) && !/unread_thread_notifications/.test(url))) return;
    const body = await (await req.response())?.body().catch(() => null);
    syncs.push({ ms: t.responseEnd, bytes: body ? body.length : null });
  });
  try {
    await page.goto(`${APP}/`, { waitUntil: 'commit' });
    await waitEvent(page, 'form');
    out.signin_to_first_row = await signIn(page, 'morgan');
    await page.waitForFunction(() => window.__bench.sync.some((s) => s.initial && !s.look), null, { timeout: 30000 });
    const initial = await page.evaluate(() => window.__bench.sync.find((s) => s.initial && !s.look));
    out.initial_sync_request = initial.end - initial.start;
    await sleep(1000);
    out.initial_sync_bytes = syncs[0]?.bytes ?? null;
    // What signing in asked the homeserver, in order (start offsets from the first request).
    const first = requests.length ? Math.min(...requests.map((r) => r.start)) : 0;
    out.signin_requests = requests
      .sort((a, b) => a.start - b.start)
      .map((r) => ({ ...r, start: ms(r.start - first) }));
    // Admins land on a category like everyone else: the whole inbox is under All.
    await page.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'All' });
    await sleep(500);
    out.threads_after_initial_sync = await listSize(page);
    out.memory_initial = await memory(page, cdp);
    log(`scale: first row ${ms(out.signin_to_first_row)} ms after Sign in; ${out.threads_after_initial_sync} threads (All) after the initial sync`);

    // Older threads only arrive through the app's pager, when the list is scrolled to its end.
    const t0 = performance.now();
    const deadline = t0 + OLDER_SECONDS * 1000;
    let size = out.threads_after_initial_sync;
    let stalls = 0;
    let pages = 0;
    const growth = [];
    while (performance.now() < deadline && size < (seed.threads_admin ?? 10000) && stalls < 2) {
      const tp = performance.now();
      const before = await page.evaluate(async () => {
        const el = document.querySelector('.thread-scroll');
        const frame = () => new Promise((r) => requestAnimationFrame(r));
        const n = window.__bench.threadsRequests || 0;
        // Up a little, then to the end: there is always a scroll event near the end.
        el.scrollTop = Math.max(0, el.scrollHeight - 3 * el.clientHeight);
        await frame();
        el.scrollTop = el.scrollHeight;
        await frame();
        return n;
      });
      const loaded = await page
        .waitForFunction((n) => (window.__bench.threadsRequests || 0) > n && !document.querySelector('.thread-scroll .loading'), before, {
          timeout: 4000,
          polling: 20,
        })
        .then(() => true)
        .catch(() => false);
      if (!loaded) {
        stalls++;
        continue;
      }
      stalls = 0;
      pages++;
      size = await listSize(page);
      growth.push({ size, ms: ms(performance.now() - tp) });
      if (pages % 20 === 0) log(`scale: ${size} threads in the list after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    out.older_seconds = (performance.now() - t0) / 1000;
    out.older_pages = pages;
    out.older_capped = performance.now() >= deadline;
    out.older_growth = growth;
    out.threads_loaded = size;
    log(`scale: ${size} threads in the list after ${out.older_seconds.toFixed(1)} s of loading older threads (${pages} pages)`);
    out.memory_loaded = await memory(page, cdp);

    // Filter keystrokes: keydown → the frame after the list changed.
    await page.evaluate(() => {
      const el = document.querySelector('.thread-scroll');
      el.scrollTop = 0;
    });
    await sleep(300);
    const search = page.getByRole('searchbox', { name: 'Search threads' });
    await search.click();
    await page.evaluate(() => {
      const b = window.__bench;
      b.keys = [];
      b.eventTiming.length = 0;
      b.longtasks.length = 0;
      // keydown (event time) → the frame after the list changed; when the list does not change
      // (same results), → the frame after the input was handled.
      b.onKeydown = (e) => {
        const rec = { key: e.key, t0: e.timeStamp };
        b.keys.push(rec);
        const target = document.querySelector('.thread-scroll');
        const mo = new MutationObserver(() => {
          if (rec.mutation != null) return;
          rec.mutation = performance.now();
          mo.disconnect();
          b.afterPaint((raf, t) => (rec.doneMutation = t));
        });
        mo.observe(target, { childList: true, subtree: true, attributes: true, characterData: true });
        addEventListener('input', () => b.afterPaint((raf, t) => (rec.doneInput = t)), { once: true });
        setTimeout(() => mo.disconnect(), 2000);
      };
    });
    // A bench number narrows tenfold per digit; a name; a letter nothing matches; and back.
    const BS = 'Backspace';
    const keys = [...'b0421', BS, BS, BS, BS, BS, ...'sara', BS, BS, BS, BS, 'x', BS];
    for (const key of keys) {
      const n = await page.evaluate(() => window.__bench.keys.length);
      await page.keyboard.press(key);
      await page
        .waitForFunction(
          (i) => {
            const r = window.__bench.keys[i];
            return r && r.doneInput != null && (r.mutation == null || r.doneMutation != null);
          },
          n,
          { timeout: 5000, polling: 10 },
        )
        .catch(() => {});
      await sleep(150); // a fast typist: ~6 keys per second
    }
    const k = await page.evaluate(() => ({ keys: window.__bench.keys, et: window.__bench.eventTiming, lt: window.__bench.longtasks }));
    // The app updates the list in microtasks right after the input event, so a change of the
    // list caused by the keystroke comes before the input's frame; a later one (a sync batch, a
    // clock tick) is not the keystroke's.
    const changed = (r) => r.mutation != null && r.doneInput != null && r.mutation <= r.doneInput;
    const done = (r) => (changed(r) ? r.doneMutation : r.doneInput);
    const measured = k.keys.filter((r) => done(r) != null);
    const updated = measured.filter(changed);
    out.keystroke = summary(measured.map((r) => done(r) - r.t0));
    out.keystroke_script = summary(updated.map((r) => r.mutation - r.t0));
    out.keystroke_samples = measured.map((r) => ({ key: r.key, ms: ms(done(r) - r.t0), list_changed: changed(r) }));
    out.keystrokes = k.keys.length;
    out.keystrokes_unchanged = measured.length - updated.length;
    out.keystroke_event_timing_max = k.et.length ? Math.max(...k.et.map((e) => e.duration)) : null;
    out.keystroke_longtasks = k.lt.length;
    out.keystroke_results_at_end = await page.evaluate(() => document.querySelectorAll('ul[aria-label="Threads"] > li').length);
    log(`scale: keystroke → repaint median ${ms(out.keystroke.median)} ms, p95 ${ms(out.keystroke.p95)} ms (${updated.length}/${k.keys.length} changed the list)`);
    await search.fill('');
    await page.waitForFunction((n) => Number(document.querySelector('ul[aria-label="Threads"] > li')?.getAttribute('aria-setsize') ?? 0) >= n, size, { timeout: 15000 }).catch(() => {});
    await page.mouse.move(10, 10);
    await sleep(300);

    // Scrolling: steps of half a screen (scroll event → frame after the rows changed), then a
    // fling of one step per frame (frame intervals and long tasks).
    const scroll = await page.evaluate(async () => {
      const b = window.__bench;
      const el = document.querySelector('.thread-scroll');
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      el.scrollTop = 0;
      await frame();
      await frame();
      b.longtasks.length = 0;
      const steps = [];
      for (let i = 0; i < 40; i++) {
        const rec = {};
        let onScroll;
        const done = new Promise((resolve) => {
          // When the app's scroll handling starts (the event's timeStamp is when it was queued).
          onScroll = () => {
            if (rec.scroll == null) rec.scroll = performance.now();
          };
          el.addEventListener('scroll', onScroll, { capture: true });
          const mo = new MutationObserver(() => {
            if (rec.mutation != null) return;
            rec.mutation = performance.now();
            mo.disconnect();
            b.afterPaint((raf, t) => {
              rec.done = t;
              resolve();
            });
          });
          mo.observe(el, { childList: true, subtree: true, characterData: true });
          setTimeout(() => {
            mo.disconnect();
            resolve();
          }, 500);
        });
        const from = el.scrollTop;
        rec.set = performance.now();
        el.scrollTop += el.clientHeight / 2;
        if (el.scrollTop === from) break; // the end of the list
        await done;
        el.removeEventListener('scroll', onScroll, { capture: true });
        steps.push(rec);
        await frame();
      }
      const stepLong = b.longtasks.splice(0);
      const deltas = [];
      let last = await frame();
      for (let i = 0; i < 120; i++) {
        el.scrollTop += 240;
        const now = await frame();
        deltas.push(now - last);
        last = now;
      }
      return { steps, stepLong, deltas, flingLong: b.longtasks.splice(0), top: el.scrollTop };
    });
    const stepsDone = scroll.steps.filter((s) => s.done != null && s.scroll != null && s.mutation >= s.scroll);
    out.scroll_step = summary(stepsDone.map((s) => s.done - s.scroll));
    out.scroll_step_script = summary(stepsDone.map((s) => s.mutation - s.scroll));
    out.scroll_step_from_set = summary(stepsDone.map((s) => s.done - s.set));
    out.scroll_steps = scroll.steps.length;
    out.scroll_frame = summary(scroll.deltas);
    out.scroll_frames_over_16_7 = scroll.deltas.filter((d) => d > 16.7 + 1).length;
    out.scroll_frames = scroll.deltas.length;
    out.scroll_longtasks = scroll.stepLong.length + scroll.flingLong.length;
    out.scroll_longest_task = Math.max(0, ...scroll.stepLong.concat(scroll.flingLong).map((t) => t.duration));
    log(`scale: scroll step → frame median ${ms(out.scroll_step.median)} ms, p95 ${ms(out.scroll_step.p95)} ms; fling frame p95 ${ms(out.scroll_frame.p95)} ms`);
    out.memory_final = await memory(page, cdp);
    await signOut(page).catch(() => {});
  } catch (e) {
    results.errors.push(`scale: ${e.message.split('\n')[0]}`);
  } finally {
    await context.close();
  }
  results.scale = out;
  save();
}

// ----------------------------------------------------------------

const browser = await chromium.launch(LAUNCH);
results.chromium = browser.version();
try {
  if (ONLY.includes('startup')) {
    log(`start-up: ${STARTUP_RUNS} runs as dana`);
    await startup(browser).catch((e) => results.errors.push(`startup: ${e.message.split('\n')[0]}`));
  }
  if (ONLY.includes('latency')) await latency(browser).catch((e) => results.errors.push(`latency: ${e.message.split('\n')[0]}`));
  if (ONLY.includes('scale')) {
    log('scale: morgan, 10,000 threads');
    await scale(browser).catch((e) => results.errors.push(`scale: ${e.message.split('\n')[0]}`));
  }
} finally {
  results.finished = new Date().toISOString();
  save();
  await browser.close();
}
if (results.errors.length) log(`errors: ${results.errors.join('; ')}`);
