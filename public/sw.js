// Rounds service worker: keeps the app's own static files so the app starts offline.
// It never caches anything from another origin (the homeserver's answers hold patient data).
'use strict';

const SHELL = 'rounds-shell-v1';

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

// The hashed asset names change with every build: read them from the index page itself.
async function shellUrls() {
  const response = await fetch('/', { cache: 'no-store' });
  const html = await response.clone().text();
  const assets = [...html.matchAll(/(?:href|src)="(\/[^"]+)"/g)].map((m) => m[1]);
  return { index: response, urls: ['/config.json', '/manifest.webmanifest', '/icons/icon-512.png', '/icons/maskable-512.png', ...new Set(assets)] };
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const { index, urls } = await shellUrls();
      await cache.put('/', index);
      // A missing optional file (no manifest yet) must not stop the install.
      await Promise.all(urls.map((url) => cache.add(url).catch(() => undefined)));
      // The first version takes over at once; later ones wait for the user's "Reload".
      if (!self.registration.active) await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key !== SHELL) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // Any app route: the newest index page when online, the kept one offline.
    event.respondWith(fromNetworkThenCache(request, '/'));
  } else if (url.pathname === '/manifest.webmanifest') {
    event.respondWith(brandedManifest(request));
  } else if (url.pathname === '/config.json') {
    event.respondWith(fromNetworkThenCache(request, '/config.json'));
  } else {
    event.respondWith(fromCacheThenNetwork(request));
  }
});

// The manifest follows the clinic's config.json (name and colours), with no rebuild.
async function brandedManifest(request) {
  const manifest = await (await fromNetworkThenCache(request, '/manifest.webmanifest')).json();
  try {
    const config = await (await fromNetworkThenCache(new Request('/config.json'), '/config.json')).json();
    if (config.clinic_name) {
      manifest.name = config.clinic_name;
      manifest.short_name = config.short_name || config.clinic_name.slice(0, 12);
    }
    if (config.primary_color) manifest.theme_color = config.primary_color;
  } catch {
    // A broken config.json keeps the default manifest; the app shows what is wrong.
  }
  return new Response(JSON.stringify(manifest), { headers: { 'Content-Type': 'application/manifest+json' } });
}

async function fromNetworkThenCache(request, key) {
  const cache = await caches.open(SHELL);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(key);
    if (kept) return kept;
    throw error;
  }
}

async function fromCacheThenNetwork(request) {
  const cache = await caches.open(SHELL);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  // Hashed file names never change content, so a fresh one can be kept as is.
  if (response.ok) await cache.put(request, response.clone());
  return response;
}
