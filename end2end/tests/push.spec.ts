import { expect, test } from './fixtures';
import { createDecipheriv, createECDH, hkdfSync, randomBytes, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, signIn, unique } from './helpers';

// Notifications while Rounds is closed, end to end: the app subscribes and registers its pusher,
// the real Synapse calls the real push gateway (scripts/push.sh), which sends an encrypted
// Web Push request to a push service. Chromium's own push service (Google's) is not reachable
// here, so the browser's subscription is a stand-in made by this test: a local push service
// and the keys a browser would generate. The test decrypts what the gateway sent as a browser
// would and hands it to the service worker through the DevTools protocol.

type Received = { at: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

async function pushService(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** RFC 8291 (aes128gcm, one record), as the browser decrypts a push message. */
function decrypt(body: Buffer, browserKey: ECDH, auth: Buffer): string {
  const salt = body.subarray(0, 16);
  const idLength = body[20];
  const serverKey = body.subarray(21, 21 + idLength);
  const sealed = body.subarray(21 + idLength);
  const shared = browserKey.computeSecret(serverKey);
  const info = Buffer.concat([Buffer.from('WebPush: info\0'), browserKey.getPublicKey(), serverKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, auth, info, 32));
  const key = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', key, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  const padded = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  const delimiter = padded.lastIndexOf(2);
  return padded.subarray(0, delimiter).toString('utf8');
}

test('a message while Rounds is closed arrives as a push with ids only and shows a notification without patient details', async ({ browser, baseURL }) => {
  const service = await pushService();
  const browserKey = createECDH('prime256v1');
  browserKey.generateKeys();
  const auth = randomBytes(16);
  const endpoint = `${service.url}/push/${unique('sub')}`;
  const subscription = { endpoint, p256dh: browserKey.getPublicKey().toString('base64url'), auth: auth.toString('base64url') };

  const context = await browser.newContext();
  await context.grantPermissions(['notifications']);
  // The browser's subscription, kept across pages like a real one.
  await context.addInitScript((sub) => {
    const KEY = 'e2e-push-subscription';
    const make = () => ({
      endpoint: sub.endpoint,
      expirationTime: null,
      toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: { p256dh: sub.p256dh, auth: sub.auth } }),
      unsubscribe: async () => {
        localStorage.removeItem(KEY);
        localStorage.setItem('e2e-push-unsubscribed', 'yes');
        return true;
      },
    });
    PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
      localStorage.setItem(KEY, String(options?.applicationServerKey));
      return make() as unknown as PushSubscription;
    };
    PushManager.prototype.getSubscription = async function () {
      return (localStorage.getItem(KEY) ? make() : null) as unknown as PushSubscription;
    };
  }, subscription);

  const page = await context.newPage();
  await page.goto('/');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await signIn(page, 'dana');
  await expect(page.getByText('Live', { exact: true })).toBeVisible();

  // The pusher at the homeserver: this subscription, ids only, and the urgent-thread rule.
  const dana = await Api.login('dana');
  const mine = async () => (await dana.call('GET', '/_matrix/client/v3/pushers')).json.pushers.filter((p: any) => p.data?.endpoint === endpoint);
  await expect.poll(async () => (await mine()).length, { timeout: 15_000 }).toBe(1);
  const [pusher] = await mine();
  expect(pusher).toMatchObject({ kind: 'http', app_id: 'org.rounds.web', pushkey: subscription.p256dh });
  expect(pusher.data).toMatchObject({ format: 'event_id_only', auth: subscription.auth });
  expect(pusher.data.url).toMatch(/\/_matrix\/push\/v1\/notify$/);
  expect((await dana.call('GET', '/_matrix/client/v3/pushrules/global/override/app.rounds.urgent')).status).toBe(200);
  expect(await page.evaluate(() => localStorage.getItem('e2e-push-subscription'))).toMatch(/^[A-Za-z0-9_-]{87}$/);

  // A same-origin page that is not the app, to reach the service worker after Rounds is closed.
  const other = await context.newPage();
  await other.goto('/config.json');
  const cdp = await context.newCDPSession(other);
  const registration = new Promise<string>((resolve) =>
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r: any) => r.scopeURL.startsWith(baseURL!) && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    }),
  );
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registration;
  await page.close();

  // Rounds is closed. Jordan posts an urgent thread naming a patient.
  const patient = unique('Zoë Q');
  const jordan = await Api.login('jordan');
  const scheduling = await jordan.roomId('rounds.scheduling');
  const sentAt = Date.now();
  const root = await jordan.send(scheduling, {
    msgtype: 'm.text',
    body: `${patient} – Auth denied for today's 2 pm session\n\nCall ${patient}'s family`,
    'app.rounds.thread': { topic: "Auth denied for today's 2 pm session", patient: { display: patient }, priority: 'urgent' },
  });
  await expect.poll(() => service.received.length, { timeout: 20_000 }).toBeGreaterThan(0);
  const push = service.received[0];
  console.log(`send → push request at the push service: ${push.at - sentAt} ms`);
  expect(push.headers['content-encoding']).toBe('aes128gcm');
  expect(push.headers.urgency).toBe('high');
  expect(String(push.headers.authorization)).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]{87}$/);
  const plain = decrypt(push.body, browserKey, auth);
  const payload = JSON.parse(plain);
  expect(Object.keys(payload).sort()).toEqual(['event_id', 'prio', 'room_id', 'unread']);
  expect(payload).toMatchObject({ room_id: scheduling, event_id: root, prio: 'high' });
  expect(plain).not.toContain(patient);

  // The service worker turns it into a notification: category and urgency, no patient.
  // Chromium forgets a notification being shown if getNotifications() runs at that moment,
  // so the test asks only once the worker's own showNotification() has finished.
  const worker = context.serviceWorkers().find((w) => w.url().endsWith('/sw.js')) ?? (await context.waitForEvent('serviceworker'));
  await worker.evaluate(() => {
    const scope = self as unknown as ServiceWorkerGlobalScope & { showing?: Promise<unknown>[] };
    const show = scope.registration.showNotification.bind(scope.registration);
    scope.showing = [];
    scope.registration.showNotification = (...args) => {
      const done = show(...args);
      scope.showing!.push(done);
      return done;
    };
  });
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: new URL(baseURL!).origin, registrationId, data: plain });
  await expect.poll(() => worker.evaluate(() => (self as unknown as { showing: unknown[] }).showing.length)).toBe(1);
  await worker.evaluate(() => Promise.all((self as unknown as { showing: Promise<unknown>[] }).showing));
  const shown = async () =>
    other.evaluate(async () =>
      (await (await navigator.serviceWorker.getRegistration())!.getNotifications()).map((n) => ({
        title: n.title,
        body: n.body,
        tag: n.tag,
        requireInteraction: n.requireInteraction,
        data: n.data,
      })),
    );
  await expect.poll(async () => (await shown()).length, { timeout: 10_000 }).toBe(1);
  const [note] = await shown();
  expect(note).toEqual({
    title: 'New urgent message in Scheduling',
    body: 'Open Rounds to read it.',
    tag: `push|${scheduling}`,
    requireInteraction: true,
    data: { room_id: scheduling, event_id: root },
  });
  expect(JSON.stringify(note)).not.toContain(patient);

  // Where the notification leads: a reply's id opens its thread.
  const reply = await jordan.send(scheduling, {
    msgtype: 'm.text',
    body: 'Insurance called back',
    'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
  });
  const app = await context.newPage();
  await app.goto(`/e/${encodeURIComponent(scheduling)}/${encodeURIComponent(reply)}`);
  await expect.poll(() => decodeURIComponent(new URL(app.url()).pathname)).toBe(`/t/${scheduling}/${root}`);
  await expect(app.getByText('Insurance called back', { exact: true })).toBeVisible();

  // Sign-out removes the pusher (the app asks, before it logs out: a logout alone would
  // remove it too) and ends the subscription.
  const removal = app.waitForRequest(
    (r) => r.method() === 'POST' && r.url().endsWith('/_matrix/client/v3/pushers/set') && r.postDataJSON()?.kind === null,
  );
  await app.getByRole('button', { name: 'Sign out' }).click();
  const removed = await removal;
  expect(removed.postDataJSON()).toEqual({ app_id: 'org.rounds.web', pushkey: subscription.p256dh, kind: null });
  expect((await removed.response())?.status()).toBe(200);
  await expect(app.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect.poll(async () => (await mine()).length, { timeout: 15_000 }).toBe(0);
  expect(await app.evaluate(() => localStorage.getItem('e2e-push-unsubscribed'))).toBe('yes');
  expect(await other.evaluate(async () => (await (await navigator.serviceWorker.getRegistration())!.getNotifications()).length)).toBe(0);

  await context.close();
  service.server.close();
});
