// The release build as a clinic deploys it: Debian's nginx with deploy/nginx/rounds.conf over
// HTTPS (scripts/nginx.sh, started by scripts/test.sh), the homeserver proxied under /_matrix.
import { test, expect, type APIResponse } from './fixtures';
import { readFileSync } from 'node:fs';
import { findThread, signIn } from './helpers';

const DIST = new URL('../../dist', import.meta.url).pathname;
const HTTP_PORTAL = process.env.ROUNDS_NGINX_HTTP ?? 'http://127.0.0.1:18480';

/** The hashed files the index page loads (Trunk's hash is unpadded hex: 16 digits or fewer). */
function hashedAssets(): string[] {
  const html = readFileSync(`${DIST}/index.html`, 'utf8');
  const found = [...html.matchAll(/(?:href|src|data-js|data-wasm)="(\/[^"]*-[0-9a-f]{8,16}(?:_bg)?\.(?:js|wasm|css))"/g)].map((m) => m[1]);
  return [...new Set(found)];
}

function expectSecurityHeaders(path: string, response: APIResponse) {
  const h = response.headers();
  const csp = h['content-security-policy'] ?? '';
  expect(csp, path).toContain("default-src 'self'");
  expect(csp, path).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp, path).toContain("frame-ancestors 'none'");
  expect(csp, path).toContain("object-src 'none'");
  expect(csp, path).toContain("base-uri 'none'");
  expect(csp, path).not.toContain('unsafe-inline');
  expect(h['strict-transport-security'], path).toMatch(/max-age=31536000/);
  expect(h['x-content-type-options'], path).toBe('nosniff');
  expect(h['referrer-policy'], path).toBe('no-referrer');
  expect(h['x-frame-options'], path).toBe('DENY');
}

test('every file of the portal carries the security headers and the right caching', async ({ request }) => {
  const assets = hashedAssets();
  expect(assets.some((a) => a.endsWith('.wasm'))).toBe(true);
  expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
  expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
  const pages = ['/', '/index.html', '/t/!room:localhost/$event', '/staff', '/schedule'];
  const revalidated = ['/boot.js', '/signin.js', '/sw.js', '/config.json', '/manifest.webmanifest', '/icons/icon-192.png'];
  for (const path of [...pages, ...revalidated, ...assets]) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(200);
    expectSecurityHeaders(path, response);
    const immutable = assets.includes(path);
    expect(response.headers()['cache-control'], path).toBe(immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (pages.includes(path)) expect(await response.text(), path).toContain('data-wasm=');
  }
  const type = async (path: string) => (await request.get(path)).headers()['content-type'];
  expect(await type(assets.find((a) => a.endsWith('.wasm'))!)).toBe('application/wasm');
  expect(await type('/manifest.webmanifest')).toBe('application/manifest+json');
  expect(await type('/config.json')).toBe('application/json');
  expect(await type('/boot.js')).toMatch(/javascript/);

  // A missing file is a 404, not the app's index page, and still carries the headers.
  const missing = await request.get('/no-such-file-0123456789abcdef.js');
  expect(missing.status()).toBe(404);
  expectSecurityHeaders('404', missing);

  // Plain HTTP only redirects to HTTPS.
  const plain = await request.get(`${HTTP_PORTAL}/staff`, { maxRedirects: 0 });
  expect(plain.status()).toBe(301);
  expect(plain.headers()['location']).toMatch(/^https:\/\/[^/]+\/staff$/);
});

test('staff sign in and sync through the portal’s own origin; the service worker keeps none of it', async ({ page }) => {
  const response = await page.goto('/');
  expect(response!.headers()['content-security-policy']).toContain("connect-src 'self'");
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  await signIn(page, 'dana');
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  await (await findThread(page, 'Client canceled')).getByRole('link').click();
  await expect(page.getByRole('list', { name: 'Messages' })).toContainText('canceled');
  // The homeserver answered through nginx, under this origin…
  const homeserver = await page.evaluate(async () => (await (await fetch('/config.json')).json()).homeserver);
  expect(homeserver).toBe(new URL(page.url()).origin);
  // …and not one of its answers is in Cache Storage.
  const cached = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) urls.push(...(await (await caches.open(name)).keys()).map((r) => r.url));
    return urls;
  });
  expect(cached.length).toBeGreaterThan(3);
  expect(cached.filter((u) => new URL(u).pathname.startsWith('/_') || new URL(u).search)).toEqual([]);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
});
