// Rounds service worker: keeps this release's own static files so the app starts offline.
//
// It answers only two kinds of request: page navigations (the app's index page) and the files
// listed in PRECACHE below. Everything else — the homeserver, the FHIR server, any API that
// sits behind the portal's origin — goes to the network untouched and is never stored, since
// those answers carry one person's data.
//
// RELEASE and PRECACHE are written by scripts/release-sw.mjs after every build (a Trunk hook):
// a new release is a new worker, so browsers notice it and the app offers "Update available —
// Reload"; the cache is named after the release and older releases' caches are deleted.
'use strict';

const RELEASE = 'development';
const PRECACHE = ['/', '/config.json'];

const CACHE = `rounds-shell-${RELEASE}`;
const OWN_FILES = new Set(PRECACHE);
// Files whose content may change without a new release: always asked of the network first.
const REVALIDATE = new Set(['/config.json', '/manifest.webmanifest']);

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
  if (event.data === 'forget-person') event.waitUntil(forgetPerson());
  if (event.data && event.data.type === 'categories' && typeof event.data.names === 'object') {
    event.waitUntil(saveCategories(event.data.names).catch(() => undefined));
  }
});

// Sign-out and logoff: no notification of the person's stays on screen, and no cache but this
// release's static files survives (whatever else the origin may have stored).
async function forgetPerson() {
  for (const note of await self.registration.getNotifications()) note.close();
  for (const key of await caches.keys()) {
    if (key !== CACHE) await caches.delete(key);
  }
  await forgetCategories();
  if (self.navigator.clearAppBadge) await self.navigator.clearAppBadge().catch(() => undefined);
}

// ---------------------------------------------------------------- push (Rounds closed)
// The push gateway sends ids and the unread count only ({room_id, event_id, prio, unread}).
// The notification names the category and whether it is urgent, like the page's own, and
// never a patient or message text: it may show on a lock screen.
self.addEventListener('push', (event) => {
  let push = {};
  try {
    push = event.data ? event.data.json() : {};
  } catch {
    // Not ours or damaged: still a notification (browsers require one), without details.
  }
  if (!push || typeof push !== 'object') push = {};
  event.waitUntil(
    showPush(push).catch(() =>
      self.registration.showNotification('New message in Rounds', { body: 'Open Rounds to read it.', tag: 'push' }),
    ),
  );
});

async function showPush(push) {
  const room = typeof push.room_id === 'string' ? push.room_id : null;
  const eventId = typeof push.event_id === 'string' ? push.event_id : null;
  const urgent = push.prio === 'high';
  const where = (room && (await categoryOf(room))) || 'Rounds';
  if (self.navigator.setAppBadge && Number.isInteger(push.unread)) {
    await self.navigator.setAppBadge(push.unread).catch(() => undefined);
  }
  // One notification per category room: a newer message replaces the older one; urgent ones
  // sound again and stay until the person acts on them.
  await self.registration.showNotification(urgent ? `New urgent message in ${where}` : `New message in ${where}`, {
    body: 'Open Rounds to read it.',
    tag: room ? `push|${room}` : 'push',
    renotify: urgent,
    requireInteraction: urgent,
    icon: '/icons/icon-192.png',
    data: { room_id: room, event_id: eventId },
  });
}

// A click opens the message's thread: in an open Rounds window if there is one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { room_id: room, event_id: eventId } = event.notification.data || {};
  const path = room && eventId ? `/e/${encodeURIComponent(room)}/${encodeURIComponent(eventId)}` : '/';
  event.waitUntil(
    (async () => {
      // A window of the app itself (not a file of this site, nor a sign-in step).
      const windows = await self.clients.matchAll({ type: 'window' });
      const open = windows.find((w) => {
        const url = new URL(w.url);
        return url.origin === self.location.origin && !/\.[a-z]+$/.test(url.pathname) && !url.pathname.startsWith('/auth/');
      });
      if (open) {
        await open.focus();
        open.postMessage({ type: 'open', path });
      } else {
        await self.clients.openWindow(path);
      }
    })(),
  );
});

// Category names by room id, from the page ({type: 'categories', names}): labels such as
// "Scheduling", never patient details. Deleted at sign-out.
const NAMES_DB = 'rounds-push-names';

function namesDb() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(NAMES_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('categories');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function saveCategories(names) {
  const db = await namesDb();
  await new Promise((resolve, reject) => {
    const tx = db.transaction('categories', 'readwrite');
    tx.objectStore('categories').put(names, 'names');
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

async function categoryOf(room) {
  try {
    const db = await namesDb();
    const names = await new Promise((resolve, reject) => {
      const get = db.transaction('categories').objectStore('categories').get('names');
      get.onsuccess = () => resolve(get.result || {});
      get.onerror = () => reject(get.error);
    });
    db.close();
    return typeof names[room] === 'string' ? names[room] : null;
  } catch {
    return null;
  }
}

function forgetCategories() {
  return new Promise((resolve) => {
    const del = indexedDB.deleteDatabase(NAMES_DB);
    del.onsuccess = del.onerror = del.onblocked = () => resolve();
  });
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Fresh copies, not the HTTP cache's (which may still hold the previous release's index).
      await Promise.all(
        PRECACHE.map(async (path) => {
          const response = await fetch(path, { cache: 'no-store' });
          if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
          await cache.put(path, response);
        }),
      );
      // The first version takes over at once; later ones wait for the person's "Reload".
      if (!self.registration.active) await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Only this release's files stay; nothing else the origin may have cached survives.
      for (const key of await caches.keys()) {
        if (key !== CACHE) await caches.delete(key);
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
    // Any page is asked of the network; offline, every app route is this release's index page.
    // Navigation answers are never stored: behind the portal's origin they may be the
    // homeserver's or the identity provider's pages, not ours.
    event.respondWith(fetch(request).catch(() => offlineIndex(request)));
    return;
  }
  // A query string makes it a different request (an API call, a cache-buster): not ours.
  if (url.search || !OWN_FILES.has(url.pathname)) return;
  if (url.pathname === '/manifest.webmanifest') {
    event.respondWith(brandedManifest(request));
  } else if (REVALIDATE.has(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  } else {
    event.respondWith(cacheFirst(request, url.pathname));
  }
});

// The manifest follows the clinic's config.json (name and colours), with no rebuild.
async function brandedManifest(request) {
  const manifest = await (await networkFirst(request, '/manifest.webmanifest')).json();
  try {
    const config = await (await networkFirst(new Request('/config.json'), '/config.json')).json();
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

async function offlineIndex(request) {
  const kept = await (await caches.open(CACHE)).match('/');
  if (kept) return kept;
  throw new TypeError(`offline and no copy of the app for ${new URL(request.url).pathname}`);
}

async function networkFirst(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(path, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(path);
    if (kept) return kept;
    throw error;
  }
}

async function cacheFirst(request, path) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(path, response.clone());
  return response;
}
