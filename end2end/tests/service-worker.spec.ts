import { test, expect, type Page } from './fixtures';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { signIn } from './helpers';

const DIST = new URL('../../dist', import.meta.url).pathname;

/** Every file of a build, as the URL paths the app serves them under. */
function buildFiles(dir: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((name) => (statSync(join(d, name)).isDirectory() ? walk(join(d, name)) : [join(d, name)]));
  return walk(dir)
    .map((f) => '/' + relative(dir, f).split(sep).join('/'))
    .filter((u) => !u.startsWith('/.'));
}

function releaseOf(dir: string): string {
  const match = /^const RELEASE = '([^']+)';$/m.exec(readFileSync(join(dir, 'sw.js'), 'utf8'));
  if (!match) throw new Error('sw.js has no stamped release');
  return match[1];
}

async function controlled(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

/** cache name → the URLs it holds. */
async function cacheContents(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const out: Record<string, string[]> = {};
    for (const name of await caches.keys()) {
      out[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
    }
    return out;
  });
}

/** The built app served from `dir` on `port`, like production (serve.mjs). */
async function serve(dir: string, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: ChildProcess = spawn('node', ['serve.mjs'], {
    env: { ...process.env, PORT: String(port), ROUNDS_DIST: dir },
  });
  const url = `http://127.0.0.1:${port}`;
  await expect.poll(async () => (await fetch(`${url}/sw.js`).catch(() => null))?.status).toBe(200);
  return {
    url,
    stop: () =>
      new Promise((done) => {
        if (server.exitCode !== null || server.signalCode !== null) return done();
        server.once('exit', () => done());
        server.kill();
      }),
  };
}

test('the service worker keeps only this release’s own files, never an API answer', async ({ page }) => {
  await page.goto('/');
  await controlled(page);
  await signIn(page, 'dana');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  // What a homeserver or EHR behind the portal's own origin would answer (the test server
  // answers unknown paths with the index page, as a single-page-app host does).
  const probes = ['/_matrix/client/v3/sync?since=s72_1', '/fhir/R4/Patient?name=sara', '/icons/icon-192.png?v=2', '/t/private'];
  for (const probe of probes) {
    expect(await page.evaluate(async (p) => (await fetch(p)).status, probe)).toBe(200);
  }

  const release = releaseOf(DIST);
  const own = new Set(buildFiles(DIST).map((u) => (u === '/index.html' ? '/' : u)));
  own.delete('/sw.js');
  const contents = await cacheContents(page);
  expect(Object.keys(contents)).toEqual([`rounds-shell-${release}`]);
  const kept = contents[`rounds-shell-${release}`].map((u) => new URL(u));
  for (const url of kept) {
    expect(url.search, `${url}`).toBe('');
    expect(own.has(url.pathname), `${url.pathname} is not one of the app's files`).toBe(true);
  }
  expect(kept.map((u) => u.pathname).sort()).toEqual([...own].sort());
});

test('a new release is offered as "Update available — Reload" and replaces the old one’s files', async ({ browser }) => {
  const work = mkdtempSync(join(tmpdir(), 'rounds-release-'));
  const [first, second] = [join(work, 'first'), join(work, 'second')];
  cpSync(DIST, first, { recursive: true });
  // The next release: same files, a newly stamped worker (what the build hook writes).
  cpSync(DIST, second, { recursive: true });
  const next = `${releaseOf(first)}next`;
  const sw = join(second, 'sw.js');
  writeFileSync(sw, readFileSync(sw, 'utf8').replace(/^const RELEASE = '[^']+';$/m, `const RELEASE = '${next}';`));
  if (process.env.ROUNDS_CONFIG) {
    for (const dir of [first, second]) cpSync(process.env.ROUNDS_CONFIG, join(dir, 'config.json'));
  }

  const port = 18086;
  let server = await serve(first, port);
  const context = await browser.newContext({ baseURL: server.url });
  try {
    const page = await context.newPage();
    await page.goto('/');
    await controlled(page);
    await signIn(page, 'priya');
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expect(page.getByText('Update available')).toHaveCount(0);

    await server.stop();
    server = await serve(second, port);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    const banner = page.getByRole('status').filter({ hasText: 'Update available' });
    await expect(banner).toBeVisible();
    // Reload swaps the worker, then reloads the page: wait for that navigation, not the old page.
    const reloaded = page.waitForEvent('load');
    await banner.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expect.poll(async () => Object.keys(await cacheContents(page))).toEqual([`rounds-shell-${next}`]);
  } finally {
    await context.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
