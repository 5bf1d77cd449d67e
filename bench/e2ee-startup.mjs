// Start-up cost of end-to-end encryption (#24), in headless Chromium: loads each built variant
// cold (a new browser context: empty HTTP cache, no service worker) several times, interleaved,
// and records what the wasm's size costs before the app runs and what the crypto work costs once
// it runs. No homeserver is needed: config.json names a closed port, and the figures below are
// all taken before the app would talk to one.
//
//   node bench/e2ee-startup.mjs OUT.json NAME=URL [NAME=URL ...]
//   (env: E2EE_RUNS, default 7; E2EE_CPU_SLOWDOWN, e.g. 4 for a slow tablet, default 1)
//
// Per load:
//   wasm_compile   WebAssembly.compile of the module's bytes, in hand (the size's CPU share)
//   instantiated   navigation start → wasm instantiated (download, compile, instantiate)
//   wasm_bytes     bytes transferred for the .wasm (brotli, as bench/serve.mjs serves it)
//   probes         the probe's own work (src/e2ee_probe.rs): total and each step, and `began`,
//                  navigation start → the probe began (the app has mounted just before)
// The variant named `base` is the build without a probe.
import { chromium } from '../end2end/node_modules/playwright-core/index.mjs';
import { LAUNCH, log, summary, writeJson } from './lib.mjs';

const [out, ...pairs] = process.argv.slice(2);
if (!out || pairs.length === 0) {
  console.error('usage: node bench/e2ee-startup.mjs OUT.json NAME=URL [NAME=URL ...]');
  process.exit(2);
}
const variants = pairs.map((p) => {
  const at = p.indexOf('=');
  return { name: p.slice(0, at), url: p.slice(at + 1) };
});
const RUNS = Number(process.env.E2EE_RUNS ?? 7);
const SLOWDOWN = Number(process.env.E2EE_CPU_SLOWDOWN ?? 1);
const PROBE = 'rounds-e2ee-probe ';

// Installed in every document before the app's scripts: the moment the wasm is instantiated.
const INSTRUMENT = () => {
  const b = (window.__e2ee = { instantiated: null });
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const original = WebAssembly[name];
    if (!original) continue;
    WebAssembly[name] = function (...args) {
      return original.apply(this, args).then((result) => {
        const instance = result instanceof WebAssembly.Instance ? result : result.instance;
        if (instance && instance.exports.memory && b.instantiated == null) b.instantiated = performance.now();
        return result;
      });
    };
  }
};

async function load(browser, variant) {
  const context = await browser.newContext();
  await context.addInitScript(INSTRUMENT);
  const page = await context.newPage();
  if (SLOWDOWN > 1) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOWDOWN });
  }
  const probes = [];
  const errors = [];
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith(PROBE)) {
      try {
        probes.push(JSON.parse(text.slice(PROBE.length)));
      } catch (e) {
        errors.push(`unreadable probe line: ${text}`);
      }
    }
  });
  page.on('pageerror', (e) => errors.push(e.message.split('\n')[0]));
  const run = {};
  try {
    await page.goto(`${variant.url}/`, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__e2ee && window.__e2ee.instantiated != null, null, { timeout: 60000, polling: 20 });
    run.instantiated = await page.evaluate(() => window.__e2ee.instantiated);
    // The probe runs right after the app mounts. The variant named `base` is built without one.
    const deadline = Date.now() + (variant.name === 'base' ? 1000 : 30000);
    while (Date.now() < deadline && probes.length === 0) await new Promise((r) => setTimeout(r, 50));
    if (probes.length === 0 && variant.name !== 'base') errors.push('no probe line within 30 s');
    // Both probes in one build log one line each.
    if (probes.length) await new Promise((r) => setTimeout(r, 500));
    run.wasm_bytes = await page.evaluate(() =>
      performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).reduce((a, e) => a + (e.transferSize || 0), 0),
    );
    run.wasm_compile = await page.evaluate(async () => {
      const bytes = await (await fetch(document.querySelector('script[data-wasm]').dataset.wasm)).arrayBuffer();
      const t = performance.now();
      await WebAssembly.compile(bytes);
      return performance.now() - t;
    });
    run.probes = probes;
  } catch (e) {
    errors.push(e.message.split('\n')[0]);
  } finally {
    await context.close();
  }
  if (errors.length) run.errors = errors;
  return run;
}

const browser = await chromium.launch(LAUNCH);
const results = { chromium: browser.version(), runs_per_variant: RUNS, cpu_slowdown: SLOWDOWN, started: new Date().toISOString(), variants: {} };
try {
  for (const v of variants) results.variants[v.name] = { url: v.url, runs: [] };
  // Interleaved (A B C A B C …) so that drift in the machine's load spreads over every variant.
  // One warm-up load first, not counted: the first launch of a browser is slower than the rest.
  await load(browser, variants[0]);
  for (let i = 0; i < RUNS; i++) {
    for (const v of variants) {
      const run = await load(browser, v);
      results.variants[v.name].runs.push(run);
      log(`${v.name} ${i + 1}/${RUNS}: instantiated ${run.instantiated?.toFixed(0)} ms, compile ${run.wasm_compile?.toFixed(0)} ms` +
        (run.probes?.length ? `, probe ${run.probes.map((p) => `${p.probe} ${p.total} ms${p.ok ? '' : ' (failed: ' + p.error + ')'}`).join(', ')}` : '') +
        (run.errors ? `, errors: ${run.errors.join('; ')}` : ''));
    }
  }
} finally {
  await browser.close();
}

// Medians per variant, and per probe step.
for (const [name, v] of Object.entries(results.variants)) {
  const pick = (k) => summary(v.runs.map((r) => r[k]));
  v.instantiated = pick('instantiated');
  v.wasm_compile = pick('wasm_compile');
  v.wasm_bytes = pick('wasm_bytes').median;
  const byProbe = {};
  for (const r of v.runs) for (const p of r.probes ?? []) (byProbe[p.probe] ??= []).push(p);
  v.probes = Object.fromEntries(
    Object.entries(byProbe).map(([probe, list]) => [
      probe,
      {
        ok: list.every((p) => p.ok),
        errors: [...new Set(list.filter((p) => !p.ok).map((p) => p.error))],
        began: summary(list.map((p) => p.began_at)),
        total: summary(list.map((p) => p.total)),
        steps: Object.fromEntries(Object.keys(list[0].steps).map((s) => [s, summary(list.map((p) => p.steps[s]))])),
      },
    ]),
  );
  log(`${name}: instantiated ${v.instantiated.median?.toFixed(0)} ms (median), compile ${v.wasm_compile.median?.toFixed(0)} ms` +
    Object.entries(v.probes).map(([p, s]) => `, ${p} ${s.total.median} ms${s.ok ? '' : ' FAILED'}`).join(''));
}
results.finished = new Date().toISOString();
writeJson(out, results);
