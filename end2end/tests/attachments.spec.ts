// Attachments between two people on the real homeserver: files staged in the composer (seen by
// nobody else, removable, kept sealed across a reload) go out after the text when Send is
// pressed; a photo and a PDF seen and opened, files refused before upload, a file sent offline
// sent once, an upload cancelled, and nothing of a file kept by the service worker or in
// IndexedDB in plaintext.
import { test, expect, type Page } from './fixtures';
import { readFileSync } from 'node:fs';
import { Api, findThread, HOMESERVER, photo, signedIn, unique } from './helpers';

/** A thread in Clinical (Priya and Jordan both see it), opened in each page. */
async function sharedThread(pages: Page[], what: string): Promise<{ api: Api; room: string; root: string }> {
  const topic = unique(`${what} `);
  const api = await Api.login('priya');
  const room = await api.roomId('rounds.clinical');
  const root = await api.send(room, {
    msgtype: 'm.text',
    body: `${topic}\n\nAttached below`,
    'app.rounds.thread': { topic, patient: null, priority: 'routine' },
  });
  for (const page of pages) {
    await (await findThread(page, topic)).getByRole('link').click();
    await expect(page.getByRole('list', { name: 'Messages' })).toContainText('Attached below');
  }
  return { api, room, root };
}

/** The thread's events on the homeserver (newest first). */
async function inThread(api: Api, room: string, root: string): Promise<any[]> {
  return (await api.messages(room, 100)).filter((e) => e.content?.['m.relates_to']?.event_id === root);
}

/** Presses Send in `page`'s composer (what is staged goes out after the text). */
async function send(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  // Queueing reads each staged file's sealed bytes and seals them again for the outbox: a few
  // MB on a loaded two-core machine has taken over 30 s in a full run (not yet understood: see
  // the #25 closing note).
  await expect(page.getByRole('list', { name: 'Files to send' })).toHaveCount(0, { timeout: 60_000 });
}

/** A small PDF carrying `marker` in its bytes. */
function pdf(marker: string, padding = 0): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${marker}\n${'%'.repeat(padding)}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n`);
}

/** Whether `marker` is anywhere in the page's IndexedDB databases, as text or bytes. */
async function inIndexedDb(page: Page, marker: string): Promise<boolean> {
  return page.evaluate(async (needle) => {
    const wanted = new TextEncoder().encode(needle);
    const hasBytes = (bytes: Uint8Array) => {
      outer: for (let i = 0; i + wanted.length <= bytes.length; i++) {
        for (let j = 0; j < wanted.length; j++) if (bytes[i + j] !== wanted[j]) continue outer;
        return true;
      }
      return false;
    };
    const holds = (value: unknown, depth = 0): boolean => {
      if (depth > 8 || value === null || value === undefined) return false;
      if (typeof value === 'string') return value.includes(needle);
      if (value instanceof ArrayBuffer) return hasBytes(new Uint8Array(value));
      if (ArrayBuffer.isView(value)) return hasBytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      if (typeof value === 'object') return Object.values(value as object).some((v) => holds(v, depth + 1));
      return false;
    };
    for (const info of await indexedDB.databases()) {
      const db: IDBDatabase = await new Promise((ok, fail) => {
        const open = indexedDB.open(info.name!);
        open.onsuccess = () => ok(open.result);
        open.onerror = () => fail(open.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const values: unknown[] = await new Promise((ok, fail) => {
          const request = db.transaction(name).objectStore(name).getAll();
          request.onsuccess = () => ok(request.result);
          request.onerror = () => fail(request.error);
        });
        if (values.some((v) => holds(v))) {
          db.close();
          return true;
        }
      }
      db.close();
    }
    return false;
  }, marker);
}

/** What the service worker's caches hold: their URLs, and whether any body has `marker`. */
async function cached(page: Page, marker: string): Promise<{ urls: string[]; holdsMarker: boolean }> {
  return page.evaluate(async (needle) => {
    const urls: string[] = [];
    let holdsMarker = false;
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        urls.push(request.url);
        const body = await (await cache.match(request))!.text();
        if (body.includes(needle)) holdsMarker = true;
      }
    }
    return { urls, holdsMarker };
  }, marker);
}

test('a photo and a PDF are seen and opened by another person, and nothing of them is kept on the device', async ({ browser }) => {
  const [priya, jordan] = await Promise.all([signedIn(browser, 'priya'), signedIn(browser, 'jordan')]);
  const { api, room, root } = await sharedThread([priya, jordan], 'Insurance card');
  const theirs = jordan.getByRole('list', { name: 'Messages' });
  const marker = unique('Referral for Sara M ');
  const card = await photo(priya);

  await priya.getByLabel('Attach file').setInputFiles([
    { name: 'card.png', mimeType: 'image/png', buffer: card },
    { name: 'extra.pdf', mimeType: 'application/pdf', buffer: pdf('not this one') },
    { name: 'referral.pdf', mimeType: 'application/pdf', buffer: pdf(marker) },
  ]);
  // Staged in the composer: a thumbnail or name and size, each with Remove; nothing sent yet.
  const staged = priya.getByRole('list', { name: 'Files to send' });
  await expect(staged.getByRole('listitem')).toHaveCount(3);
  await expect(staged.getByRole('img', { name: 'card.png' })).toHaveAttribute('src', /^blob:/);
  await expect(staged).toContainText('referral.pdf');
  await staged.getByRole('button', { name: 'Remove extra.pdf' }).click();
  await expect(staged.getByRole('listitem')).toHaveCount(2);
  const caption = unique('Front of the insurance card ');
  await priya.getByRole('textbox', { name: 'Message' }).fill(caption);
  await priya.waitForTimeout(1500);
  expect(await inThread(api, room, root)).toEqual([]);
  await expect(theirs).not.toContainText('card.png');
  // Kept across a reload, sealed like the outbox.
  expect(await inIndexedDb(priya, marker)).toBe(false);
  await priya.reload();
  await expect(staged.getByRole('listitem')).toHaveCount(2);
  await expect(priya.getByRole('textbox', { name: 'Message' })).toHaveValue(caption);
  await send(priya);

  // Priya's own thread shows them once sent.
  const mine = priya.getByRole('list', { name: 'Messages' });
  await expect(mine.getByRole('button', { name: 'Download referral.pdf' })).toBeVisible();
  await expect(mine.getByRole('button', { name: 'Open photo card.png' }).locator('img')).toHaveAttribute('src', /^blob:/);
  await expect(mine.getByText('Sending…')).toHaveCount(0);

  // Jordan sees the photo as a thumbnail, read with his token into a blob: address.
  const open = theirs.getByRole('button', { name: 'Open photo card.png' });
  const thumbnail = open.locator('img');
  await expect(thumbnail).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  // A thumbnail the homeserver scaled, not the photo itself.
  expect(await thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeLessThanOrEqual(320);
  // … that opens full size.
  await open.click();
  const viewer = jordan.getByRole('dialog', { name: 'Photo card.png' });
  const full = viewer.locator('img');
  await expect(full).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => full.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
  const fullAddress = await full.getAttribute('src');
  await viewer.getByRole('button', { name: 'Close' }).click();
  await expect(viewer).toHaveCount(0);
  // Closed, its address is revoked: it no longer reads.
  expect(await jordan.evaluate(async (url) => fetch(url!).then(() => 'read', () => 'revoked'), fullAddress)).toBe('revoked');

  // The PDF is a named download with the very bytes Priya attached.
  const downloading = jordan.waitForEvent('download');
  await theirs.getByRole('button', { name: 'Download referral.pdf' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('referral.pdf');
  expect(readFileSync((await download.path())!).toString()).toContain(marker);

  // On the homeserver, in the order written: the text, then the photo and the PDF, each
  // file with an mxc:// address; the removed file never left the device.
  const events = (await inThread(api, room, root)).reverse();
  expect(events.map((e) => [e.content.msgtype, e.content.body])).toEqual([
    ['m.text', caption],
    ['m.image', 'card.png'],
    ['m.file', 'referral.pdf'],
  ]);
  const files = events.slice(1);
  for (const e of files) expect(e.content.url).toMatch(/^mxc:\/\//);
  // The address alone opens nothing: the homeserver wants a token.
  const [server, id] = files[0].content.url.slice('mxc://'.length).split('/');
  expect((await fetch(`${HOMESERVER}/_matrix/client/v1/media/download/${server}/${id}`)).status).toBe(401);

  // Neither device kept the files: not in the service worker's caches, not in IndexedDB.
  for (const page of [priya, jordan]) {
    const { urls, holdsMarker } = await cached(page, marker);
    expect(urls.filter((u) => u.includes('/media/'))).toEqual([]);
    expect(holdsMarker).toBe(false);
    expect(await inIndexedDb(page, marker)).toBe(false);
  }
});

test('an oversized or disguised file is refused before anything is uploaded', async ({ browser }) => {
  const priya = await signedIn(browser, 'priya');
  await sharedThread([priya], 'Scan refused');
  const uploads: string[] = [];
  priya.on('request', (r) => {
    if (r.url().includes('/media/')) uploads.push(r.url());
  });
  const attach = priya.getByLabel('Attach file');

  await attach.setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(11 * 1024 * 1024, 0x25) });
  await expect(priya.getByRole('alert')).toHaveText('scan.pdf is too large to send (11 MB; the clinic allows up to 10 MB).');

  const card = await photo(priya, 40, 30);
  await attach.setInputFiles({ name: 'letter.pdf', mimeType: 'application/pdf', buffer: card });
  await expect(priya.getByRole('alert')).toContainText('letter.pdf was not sent: it claims to be application/pdf but its content is image/png');

  await attach.setInputFiles({ name: 'run.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90\x00 not a document at all') });
  await expect(priya.getByRole('alert')).toContainText('run.pdf cannot be sent: the clinic accepts photos');

  await attach.setInputFiles({ name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) });
  await expect(priya.getByRole('alert')).toHaveText('empty.png is empty: nothing to send.');

  const messages = priya.getByRole('list', { name: 'Messages' });
  for (const name of ['scan.pdf', 'letter.pdf', 'run.pdf', 'empty.png']) await expect(messages).not.toContainText(name);
  await expect(priya.getByRole('list', { name: 'Files to send' })).toHaveCount(0);
  expect(uploads).toEqual([]);
});

test('a file attached offline waits sealed on the device and is sent once when back', async ({ browser }) => {
  const [priya, jordan] = await Promise.all([signedIn(browser, 'priya'), signedIn(browser, 'jordan')]);
  const { api, room, root } = await sharedThread([priya, jordan], 'Home program sheet');
  const marker = unique('Home exercises for Sara M ');
  const name = `${unique('program-')}.pdf`;

  // The inbox is kept on the device every few seconds (so the thread opens after a reload).
  await priya.waitForTimeout(4000);
  await priya.context().setOffline(true);
  await priya.getByLabel('Attach file').setInputFiles({ name, mimeType: 'application/pdf', buffer: pdf(marker) });
  await expect(priya.getByRole('list', { name: 'Files to send' })).toContainText(name);
  await send(priya);
  const mine = priya.getByRole('list', { name: 'Messages' });
  const waiting = mine.locator('li.message').filter({ hasText: name });
  await expect(waiting.getByText('Sending…')).toBeVisible();
  // Kept on the device for the trip, encrypted: its bytes are nowhere in IndexedDB as such.
  expect(await inIndexedDb(priya, marker)).toBe(false);
  // A reload while offline keeps it queued.
  await priya.reload();
  await expect(priya.getByRole('list', { name: 'Messages' }).locator('li.message').filter({ hasText: name }).getByText('Sending…')).toBeVisible();

  await priya.context().setOffline(false);
  await expect(jordan.getByRole('list', { name: 'Messages' }).getByRole('button', { name: `Download ${name}` })).toBeVisible();
  await expect(mine.getByText('Sending…')).toHaveCount(0);
  await priya.waitForTimeout(2000);
  const sent = await inThread(api, room, root);
  expect(sent.map((e) => e.content.body)).toEqual([name]);
  expect(await inIndexedDb(priya, marker)).toBe(false);
});

test('an upload can be cancelled, and a retracted photo is gone from the homeserver', async ({ browser }) => {
  test.setTimeout(120_000);
  const [priya, jordan] = await Promise.all([signedIn(browser, 'priya'), signedIn(browser, 'jordan')]);
  const { api, room, root } = await sharedThread([priya, jordan], 'Wrong patient photo');
  const mine = priya.getByRole('list', { name: 'Messages' });
  const theirs = jordan.getByRole('list', { name: 'Messages' });

  // A slow connection: the upload shows its progress and can be stopped.
  const cdp = await priya.context().newCDPSession(priya);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: -1, uploadThroughput: 64 * 1024 });
  const slow = `${unique('scan-')}.pdf`;
  await priya.getByLabel('Attach file').setInputFiles({ name: slow, mimeType: 'application/pdf', buffer: pdf('slow', 3 * 1024 * 1024) });
  await send(priya);
  await expect(mine.getByRole('progressbar', { name: `Uploading ${slow}` })).toBeVisible();
  // Cancel stops the upload itself, not only what the thread shows.
  const stopped = priya.waitForEvent('requestfailed', (r) => r.url().includes('/_matrix/media/v3/upload'));
  await mine.getByRole('button', { name: 'Cancel upload' }).click();
  await stopped;
  await expect(mine).not.toContainText(slow);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  // A photo of the wrong patient: Priya retracts it; Jordan's session drops it at once, and
  // the homeserver no longer serves the file to anyone.
  await priya.getByLabel('Attach file').setInputFiles({ name: 'wrong.png', mimeType: 'image/png', buffer: await photo(priya, 64, 48) });
  await send(priya);
  await expect(theirs.getByRole('button', { name: 'Open photo wrong.png' }).locator('img')).toHaveAttribute('src', /^blob:/);
  const event = (await inThread(api, room, root)).find((e) => e.content.body === 'wrong.png');
  const [server, id] = event.content.url.slice('mxc://'.length).split('/');
  const download = `/_matrix/client/v1/media/download/${server}/${id}`;
  const status = async () =>
    (await fetch(`${HOMESERVER}${download}`, { headers: { Authorization: `Bearer ${api.token}` } })).status;
  expect(await status()).toBe(200);
  const sent = mine.locator('li.message').filter({ hasText: 'wrong.png' });
  await sent.getByRole('button', { name: 'Retract' }).click();
  await sent.getByRole('textbox', { name: 'Reason' }).fill('Wrong patient');
  await sent.getByRole('button', { name: 'Retract message' }).click();
  await expect(theirs).toContainText('Message removed by Priya Shah: Wrong patient');
  await expect(theirs.getByRole('button', { name: 'Open photo wrong.png' })).toHaveCount(0);
  await expect.poll(status).toBe(404);

  // Nothing of the cancelled upload reached the thread.
  expect((await inThread(api, room, root)).filter((e) => e.content.body === slow)).toHaveLength(0);
});
