// Rounds service worker: keeps the app's own static files so the app starts offline.
// It never caches anything from another origin (the homeserver's answers hold patient data).
'use strict';

const SHELL = 'rounds-shell-v1';

// The hashed asset names change with every build: read them from the index page itself.
async function shellUrls() {
  const response = await fetch('/', { cache: 'no-store' });
  const html = await response.clone().text();
  const assets = [...html.matchAll(/(?:href|src)="(\/[^"]+)"/g)].map((m) => m[1]);
  return { index: response, urls: ['/config.json', '/manifest.webmanifest', ...new Set(assets)] };
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const { index, urls } = await shellUrls();
      await cache.put('/', index);
      // A missing optional file (no manifest yet) must not stop the install.
      await Promise.all(urls.map((url) => cache.add(url).catch(() => undefined)));
      await self.skipWaiting();
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
  } else if (url.pathname === '/config.json') {
    event.respondWith(fromNetworkThenCache(request, '/config.json'));
  } else {
    event.respondWith(fromCacheThenNetwork(request));
  }
});

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
