// Real browsers running Rounds during the load test (bench/load.sh): people of the first clinic
// signed in to the release build in headless Chromium, in one thread; while the load generator
// measures (its flag file exists) the first sends a message every 3 s through the composer and
// the others note when it is painted in their thread view.
//
//   node bench/load-browsers.mjs OUT.json
//   env: ROUNDS_BENCH_HOMESERVER, LOAD_APP (the served build, config.json naming clinic load1),
//        LOAD_BROWSERS (2–3), LOAD_PROVISIONED (the generator's file: the group exists),
//        LOAD_READY (written here once everyone is signed in), LOAD_MEASURING (the generator's
//        file while it measures)
import { chromium } from '../end2end/node_modules/playwright-core/index.mjs';
import { existsSync, writeFileSync } from 'node:fs';
import { Api, LAUNCH, log, rootContent, sleep, summary, writeJson } from './lib.mjs';

const OUT = process.argv[2];
const APP = process.env.LOAD_APP ?? 'http://127.0.0.1:18091';
const COUNT = Math.min(3, Math.max(2, Number(process.env.LOAD_BROWSERS ?? 3)));
// Clinicians of clinic 1 whom the generator keeps idle (its active ones are 2, 5, 8, …).
const PEOPLE = ['load1-003', 'load1-004', 'load1-006'].slice(0, COUNT);
const PASSWORD = 'rounds-load';
const EVERY_MS = 3000;

async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// In the page: resolves with the wall-clock time at which `text` appears in the thread.
const watchText = (text) =>
  new Promise((resolve) => {
    const list = () => document.querySelector('ol[aria-label="Messages"]');
    const has = () => list()?.textContent.includes(text);
    if (has()) return resolve(Date.now());
    const observer = new MutationObserver(() => {
      if (!has()) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(Date.now()));
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    setTimeout(() => resolve(null), 30000);
  });

const result = { people: PEOPLE, samples: [], timeouts: 0, errors: [] };
await waitFor(() => existsSync(process.env.LOAD_PROVISIONED), 30 * 60 * 1000, 'the clinic group');
const api = await Api.login(PEOPLE[0], PASSWORD);
const room = await api.roomId('load1.clinical');
const stamp = new Date().toISOString();
const root = await api.send(room, rootContent(`Browsers under load ${stamp}`, null, 'Opened by the load test.'));
await api.logout();

const browser = await chromium.launch(LAUNCH);
try {
  const pages = [];
  for (const user of PEOPLE) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => result.errors.push(`${user}: ${e.message}`));
    await page.goto(`${APP}/t/${encodeURIComponent(room)}/${encodeURIComponent(root)}`);
    await page.getByRole('textbox', { name: 'Username' }).fill(user);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('list', { name: 'Messages' }).getByText('Opened by the load test.').waitFor({ timeout: 120000 });
    pages.push(page);
  }
  log(`load browsers: ${PEOPLE.length} signed in`);
  writeFileSync(process.env.LOAD_READY, 'ready');
  await waitFor(() => existsSync(process.env.LOAD_MEASURING), 20 * 60 * 1000, 'the load generator');
  const [sender, ...receivers] = pages;
  const composer = sender.getByRole('textbox', { name: 'Message' });
  for (let i = 0; existsSync(process.env.LOAD_MEASURING); i++) {
    const token = `probe-${i}-${Math.random().toString(36).slice(2, 8)}`;
    await composer.fill(`Browser probe ${token}`);
    const seen = receivers.map((p) => p.evaluate(watchText, token));
    const clicked = Date.now();
    await sender.getByRole('button', { name: 'Send' }).click();
    for (const at of await Promise.all(seen)) {
      if (at == null) result.timeouts += 1;
      else result.samples.push(at - clicked);
    }
    await sleep(EVERY_MS);
  }
} catch (e) {
  result.errors.push(e.message.split('\n')[0]);
} finally {
  await browser.close();
}
result.summary = summary(result.samples);
writeJson(OUT, result);
log(`load browsers: send → painted median ${result.summary.median} ms over ${result.samples.length} (timeouts ${result.timeouts})`);
