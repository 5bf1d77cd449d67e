import { test, expect, type Page, SCALED } from './fixtures';
import { execFileSync } from 'node:child_process';
import { Api, findThread, HOMESERVER, servePortal, signIn, signedIn, unique } from './helpers';

const OFFLINE = 'Offline — messages will be sent when you reconnect';

const synapse = (cmd: string) =>
  execFileSync('bash', ['../scripts/synapse.sh', cmd, 'test'], { stdio: 'inherit', timeout: 60_000 });

async function openThread(page: Page, text: string) {
  await (await findThread(page, text)).getByRole('link').click();
  await expect(page.getByRole('list', { name: 'Messages' })).toBeVisible();
}

/**
 * Every record of the app's IndexedDB database as JSON, bytes read as UTF-8 text (so plaintext
 * anywhere shows) and every kept key as "CryptoKey".
 */
async function rawDatabase(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const db: IDBDatabase = await new Promise((ok, fail) => {
      const r = indexedDB.open('rounds');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const out: Record<string, unknown[]> = {};
    for (const name of Array.from(db.objectStoreNames)) {
      out[name] = await new Promise((ok) => {
        const r = db.transaction(name).objectStore(name).getAll();
        r.onsuccess = () => ok(r.result);
      });
    }
    db.close();
    return JSON.stringify(out, (_key, v) =>
      v instanceof CryptoKey ? 'CryptoKey' : v instanceof Uint8Array ? new TextDecoder().decode(v) : v);
  });
}

async function countBodies(api: Api, roomId: string, bodies: string[]): Promise<string[]> {
  const events = (await api.messages(roomId, 200)).reverse();
  return events.map((e) => e.content?.body).filter((b) => bodies.includes(b));
}

test('drafts survive a reload, stay separate per thread and are encrypted at rest', async ({ browser }) => {
  const priya = await signedIn(browser, 'priya');
  const long = `Sara M. draft ${unique('')} ` + 'Parents asked about the home program schedule. '.repeat(40);
  await openThread(priya, 'Friday coverage');
  await priya.getByRole('textbox', { name: 'Message' }).fill(long);
  await expect(priya.getByRole('list', { name: 'Threads' })).toContainText('Draft');
  await priya.waitForTimeout(800);

  await priya.reload();
  await expect(priya.getByRole('textbox', { name: 'Message' })).toHaveValue(long);

  await openThread(priya, 'Home program update');
  await expect(priya.getByRole('textbox', { name: 'Message' })).toHaveValue('');
  await priya.getByRole('textbox', { name: 'Message' }).fill('A different draft');
  await priya.waitForTimeout(800);
  await openThread(priya, 'Friday coverage');
  await expect(priya.getByRole('textbox', { name: 'Message' })).toHaveValue(long);
  await openThread(priya, 'Home program update');
  await expect(priya.getByRole('textbox', { name: 'Message' })).toHaveValue('A different draft');

  const raw = await rawDatabase(priya);
  expect(raw).toContain('drafts');
  expect(raw).not.toContain('Sara M. draft');
  expect(raw).not.toContain('A different draft');
  expect(raw).not.toContain('home program');

  // Sending clears the draft.
  await priya.getByRole('button', { name: 'Send' }).click();
  await priya.waitForTimeout(800);
  await priya.reload();
  await expect(priya.getByRole('textbox', { name: 'Message' })).toHaveValue('');
});

test('five messages sent offline arrive once each, in order, after a reload while offline', SCALED, async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'priya');
  await openThread(page, 'Friday coverage');
  await page.evaluate(() => navigator.serviceWorker.ready);
  const marker = unique('offline');
  const bodies = [1, 2, 3, 4, 5].map((n) => `${marker} message ${n}`);

  await context.setOffline(true);
  await expect(page.getByRole('status').filter({ hasText: OFFLINE })).toHaveText(OFFLINE);
  for (const body of bodies) {
    await page.getByRole('textbox', { name: 'Message' }).fill(body);
    await page.getByRole('button', { name: 'Send' }).click();
  }
  await expect(page.getByText('Sending…')).toHaveCount(5);
  await page.waitForTimeout(300);
  await page.reload();
  await expect(page.getByRole('status').filter({ hasText: OFFLINE })).toHaveText(OFFLINE);
  await context.setOffline(false);

  const api = await Api.login('priya');
  const staffing = await api.roomId('rounds.staffing');
  await expect.poll(() => countBodies(api, staffing, bodies), { timeout: 45_000 }).toEqual(bodies);
  await page.waitForTimeout(1500);
  expect(await countBodies(api, staffing, bodies)).toEqual(bodies);
  await context.close();
});

test('a message sent while the homeserver is down arrives exactly once', async ({ browser }) => {
  const priya = await signedIn(browser, 'priya');
  await openThread(priya, 'Friday coverage');
  const body = unique('During the outage ');
  synapse('stop');
  try {
    await priya.getByRole('textbox', { name: 'Message' }).fill(body);
    await priya.getByRole('button', { name: 'Send' }).click();
    await expect(priya.getByText('Sending…')).toBeVisible();
    await priya.waitForTimeout(2000);
  } finally {
    synapse('start');
  }
  await expect(priya.getByText('Sending…')).toHaveCount(0, { timeout: 45_000 });
  const api = await Api.login('jordan');
  const staffing = await api.roomId('rounds.staffing');
  await priya.waitForTimeout(1000);
  expect(await countBodies(api, staffing, [body])).toEqual([body]);
});

test('sign-out deletes the local databases; after idle logoff nothing the browser holds opens the drafts, which only their person gets back', async ({ browser }) => {
  // Sign-out.
  const sam = await signedIn(browser, 'sam');
  await expect.poll(() => sam.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toContain('rounds');
  await sam.getByRole('button', { name: 'Sign out' }).click();
  await expect(sam.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect.poll(() => sam.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).not.toContain('rounds');

  // Idle logoff, on a second copy of the app configured with a 3-second timeout.
  const portal = await servePortal(18081, { clinic_name: 'Riverside Therapy', homeserver: HOMESERVER, clinic: 'rounds', idle_minutes: 0.05 });
  try {
    const page = await (await browser.newContext({ baseURL: portal.url })).newPage();
    const draft = unique('Idle draft ');
    await signIn(page, 'jordan');
    await openThread(page, 'Authorization renewal pending');
    await page.getByRole('textbox', { name: 'Message' }).fill(draft);
    await expect(page.getByRole('list', { name: 'Threads' })).toContainText('Draft');
    await expect(page.getByText(/You were signed out after 3 seconds without activity/)).toBeVisible({ timeout: 15_000 });
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
    // The draft is still on the device, but no key that opens it: the key comes from the
    // homeserver with jordan's next sign-in.
    const raw = await rawDatabase(page);
    expect(raw).toContain('drafts');
    expect(raw).not.toContain('CryptoKey');
    expect(raw).not.toContain(draft);
    expect(raw).not.toContain('syt_');

    // The same person gets the draft back.
    await signIn(page, 'jordan');
    await openThread(page, 'Authorization renewal pending');
    await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue(draft);
    await expect(page.getByText(/You were signed out after/)).toBeVisible({ timeout: 15_000 });

    // Someone else on the same browser sees none of it.
    await signIn(page, 'sam');
    await openThread(page, 'Authorization renewal pending');
    await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('');
    await expect(page.getByRole('list', { name: 'Threads' })).not.toContainText('Draft');
  } finally {
    portal.stop();
  }
});
