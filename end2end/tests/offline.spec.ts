// Offline first: the inbox kept on the device, queued messages across reloads, several tabs.
import { test, expect, type Page, SCALED } from './fixtures';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, findThread, HOMESERVER, signIn, unique } from './helpers';

const OFFLINE = 'Offline — messages will be sent when you reconnect';

async function openThread(page: Page, text: string) {
  await (await findThread(page, text)).getByRole('link').click();
  await expect(page.getByRole('list', { name: 'Messages' })).toBeVisible();
}

async function controlled(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

async function count(api: Api, roomId: string, bodies: string[]): Promise<Record<string, number>> {
  const events = await api.messages(roomId, 300);
  const counts: Record<string, number> = Object.fromEntries(bodies.map((b) => [b, 0]));
  for (const e of events) if (bodies.includes(e.content?.body)) counts[e.content.body] += 1;
  return counts;
}

test('a reload in a dead zone shows the inbox, the open thread and the queued messages as Sending…', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await controlled(page);
  await signIn(page, 'jordan');
  await openThread(page, 'Friday coverage');
  const messages = page.getByRole('list', { name: 'Messages' });
  await expect(messages).toContainText("I'm out sick Friday");
  const url = page.url();

  await context.setOffline(true);
  await expect(page.getByRole('status').filter({ hasText: OFFLINE })).toHaveText(OFFLINE);
  const marker = unique('dead zone');
  const bodies = [`${marker} one`, `${marker} two`];
  for (const body of bodies) {
    await page.getByRole('textbox', { name: 'Message' }).fill(body);
    await page.getByRole('button', { name: 'Send' }).click();
  }
  await expect(messages.getByText('Sending…')).toHaveCount(2);
  // The inbox is kept on the device every few seconds.
  await page.waitForTimeout(4000);
  await page.reload();

  // No network at all, and yet: the inbox, the thread, the queued messages.
  await expect(page.getByRole('status').filter({ hasText: OFFLINE })).toHaveText(OFFLINE);
  expect(page.url()).toBe(url);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Friday coverage needed');
  await expect(messages).toContainText("I'm out sick Friday");
  await expect(messages.getByText('Sending…')).toHaveCount(2);
  for (const body of bodies) await expect(messages).toContainText(body);
  await expect(page.getByText(/does not exist/)).toHaveCount(0);
  await expect(page.getByRole('list', { name: 'Threads' }).getByRole('listitem').first()).toBeVisible();
  // Said as what it is, not as an error above what did load.
  await expect(page.getByRole('status').filter({ hasText: 'Offline — showing what this device kept' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText('could not be loaded');

  await context.setOffline(false);
  await expect(messages.getByText('Sending…')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByText('showing what this device kept')).toHaveCount(0, { timeout: 30_000 });
  const api = await Api.login('jordan');
  const staffing = await api.roomId('rounds.staffing');
  await page.waitForTimeout(1000);
  expect(await count(api, staffing, bodies)).toEqual(Object.fromEntries(bodies.map((b) => [b, 1])));
  await context.close();
});

test('two tabs of one person send nothing twice', SCALED, async ({ browser }) => {
  const context = await browser.newContext();
  const [first, second] = [await context.newPage(), await context.newPage()];
  await signIn(first, 'priya');
  await expect(first.getByRole('button', { name: 'Sign out' })).toBeVisible();
  // The second tab continues the same session from the device.
  await second.goto('/');
  await expect(second.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await openThread(first, 'Friday coverage');
  await openThread(second, 'Friday coverage');

  await context.setOffline(true);
  const marker = unique('two tabs');
  const fromFirst = [1, 2, 3].map((n) => `${marker} first ${n}`);
  const fromSecond = [1, 2].map((n) => `${marker} second ${n}`);
  for (const [page, bodies] of [[first, fromFirst], [second, fromSecond]] as const) {
    for (const body of bodies) {
      await page.getByRole('textbox', { name: 'Message' }).fill(body);
      await page.getByRole('button', { name: 'Send' }).click();
    }
  }
  await context.setOffline(false);
  const api = await Api.login('priya');
  const staffing = await api.roomId('rounds.staffing');
  const all = [...fromFirst, ...fromSecond];
  const once = Object.fromEntries(all.map((b) => [b, 1]));
  await expect.poll(() => count(api, staffing, all), { timeout: 45_000 }).toEqual(once);
  for (const page of [first, second]) {
    await expect(page.getByRole('list', { name: 'Messages' }).getByText('Sending…')).toHaveCount(0, { timeout: 30_000 });
  }
  // Both tabs show each message once.
  for (const page of [first, second]) {
    for (const body of all) await expect(page.getByRole('list', { name: 'Messages' }).getByText(body)).toHaveCount(1);
  }
  await first.waitForTimeout(1500);
  expect(await count(api, staffing, all)).toEqual(once);
  await context.close();
});

test('a message queued before idle logoff is sent once after signing in again (a new device)', async ({ browser }) => {
  const port = 18088;
  const config = join(tmpdir(), 'rounds-e2e-config-offline-idle.json');
  writeFileSync(config, JSON.stringify({ clinic_name: 'Riverside Therapy', homeserver: HOMESERVER, clinic: 'rounds', idle_minutes: 0.1 }));
  const server: ChildProcess = spawn('node', ['serve.mjs'], { env: { ...process.env, PORT: String(port), ROUNDS_CONFIG: config } });
  try {
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/config.json`).catch(() => null))?.status).toBe(200);
    const context = await browser.newContext({ baseURL: `http://127.0.0.1:${port}` });
    const page = await context.newPage();
    await signIn(page, 'dana');
    await openThread(page, 'Client canceled');
    await context.setOffline(true);
    const body = unique('Queued before logoff ');
    await page.getByRole('textbox', { name: 'Message' }).fill(body);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByText('Sending…')).toBeVisible();
    await expect(page.getByText(/You were signed out after 6 seconds without activity/)).toBeVisible({ timeout: 20_000 });

    await context.setOffline(false);
    await signIn(page, 'dana');
    await openThread(page, 'Client canceled');
    const api = await Api.login('dana');
    const scheduling = await api.roomId('rounds.scheduling');
    await expect.poll(() => count(api, scheduling, [body]), { timeout: 30_000 }).toEqual({ [body]: 1 });
    await expect(page.getByRole('list', { name: 'Messages' }).getByText(body)).toHaveCount(1);
    await page.waitForTimeout(1500);
    expect(await count(api, scheduling, [body])).toEqual({ [body]: 1 });
    await context.close();
  } finally {
    server.kill();
  }
});

test('signing out in one tab signs out every tab and leaves nothing on screen', async ({ browser }) => {
  const context = await browser.newContext();
  const [first, second] = [await context.newPage(), await context.newPage()];
  await signIn(first, 'sam');
  await expect(first.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await second.goto('/');
  await openThread(second, 'Authorization renewal pending');

  await first.getByRole('button', { name: 'Sign out' }).click();
  await expect(first.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(second.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(second.getByText('You signed out in another tab.')).toBeVisible();
  await expect(second.getByRole('list', { name: 'Threads' })).toHaveCount(0);
  await expect(second.getByText('Authorization renewal pending')).toHaveCount(0);
  await expect.poll(() => second.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).not.toContain('rounds');
  await context.close();
});

test('a reply typed in a thread created offline stays in its composer when the homeserver confirms the thread, and after a reload', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'priya');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  await context.setOffline(true);
  await expect(page.getByRole('status').filter({ hasText: OFFLINE })).toHaveText(OFFLINE);
  const topic = unique('Written offline ');
  await page.getByRole('button', { name: 'New thread' }).click();
  const dialog = page.getByRole('dialog', { name: 'New thread' });
  await dialog.getByLabel('Category').selectOption({ label: 'Staffing' });
  await dialog.getByRole('textbox', { name: 'Topic' }).fill(topic);
  await dialog.getByRole('textbox', { name: 'Message' }).fill(`${topic} first message`);
  await dialog.getByRole('button', { name: 'Create thread' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(topic);
  const threadUrl = page.url();

  // Sent while the thread itself still waits: it must land once, after its root.
  const sentEarly = `${topic} reply sent before confirmation`;
  const composer = page.getByRole('textbox', { name: 'Message' });
  await composer.fill(sentEarly);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(composer).toHaveValue('');
  const messages = page.getByRole('list', { name: 'Messages' });
  await expect(messages.getByText(sentEarly)).toBeVisible();

  // Typed, not sent: the draft.
  const typed = `${topic} typed, not sent yet`;
  await composer.fill(typed);
  await page.waitForTimeout(2000);

  await context.setOffline(false);
  // The homeserver confirms the thread: the address takes its event id, the view stays.
  await expect.poll(() => page.url(), { timeout: 30_000 }).not.toBe(threadUrl);
  expect(decodeURIComponent(page.url())).toContain('/$');
  await expect(messages.getByText('Sending…')).toHaveCount(0, { timeout: 30_000 });
  await expect(composer).toHaveValue(typed);
  await page.waitForTimeout(1500);
  await expect(composer).toHaveValue(typed);

  // After a reload the draft is still there.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(topic);
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue(typed);

  // The early reply is on the homeserver once, in the thread.
  const api = await Api.login('priya');
  const staffing = await api.roomId('rounds.staffing');
  await expect.poll(() => count(api, staffing, [sentEarly]), { timeout: 30_000 }).toEqual({ [sentEarly]: 1 });
  const events = await api.messages(staffing, 300);
  const root = events.find((e) => e.content?.body?.includes(`${topic} first message`));
  const reply = events.find((e) => e.content?.body === sentEarly);
  expect(reply?.content?.['m.relates_to']?.event_id).toBe(root?.event_id);
  await context.close();
});
