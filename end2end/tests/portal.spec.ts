import { test, expect, chromium } from './fixtures';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { spawn, type ChildProcess } from 'node:child_process';
import { Api, categoryOptions, findThread, HOMESERVER, signIn, signedIn, unique } from './helpers';

/** A second copy of the same build on another port, with its own config.json (no rebuild). */
async function portal(port: number, config: string): Promise<{ url: string; stop: () => void }> {
  const file = join(tmpdir(), `rounds-e2e-config-${port}.json`);
  writeFileSync(file, config);
  const server: ChildProcess = spawn('node', ['serve.mjs'], { env: { ...process.env, PORT: String(port), ROUNDS_CONFIG: file } });
  const url = `http://127.0.0.1:${port}`;
  await expect.poll(async () => (await fetch(`${url}/index.html`).catch(() => null))?.status).toBe(200);
  return { url, stop: () => server.kill() };
}

async function seriousViolations(page: import('@playwright/test').Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('the Content-Security-Policy is sent and blocks injected scripts', async ({ page }) => {
  const response = await page.goto('/');
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).toContain(`connect-src 'self' ${new URL(HOMESERVER).origin}`);
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  expect(await page.locator('script:not([src])').count()).toBe(0);
  expect(await page.locator('link[rel=modulepreload][integrity], link[rel=stylesheet][integrity]').count()).toBe(2);
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__pwned = 1';
    document.body.append(s);
    return (window as any).__pwned;
  });
  expect(ran).toBeUndefined();
});

test('Chromium reports the app installable, and it starts offline', async ({ baseURL }) => {
  // Installability needs a real profile (Playwright's ordinary contexts count as incognito).
  const profile = mkdtempSync(join(tmpdir(), 'rounds-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
    baseURL,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto('/');
  await page.evaluate(() => navigator.serviceWorker.ready);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  expect(installabilityErrors).toEqual([]);
  const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json());
  expect(manifest.display).toBe('standalone');
  expect(manifest.name).toBe('Riverside Therapy');
  expect(manifest.icons.some((i: any) => i.purpose === 'maskable')).toBe(true);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Riverside Therapy' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await context.close();
  rmSync(profile, { recursive: true, force: true });
});

test('another config.json rebrands the same build; a broken one shows what is wrong', async ({ browser }) => {
  const branded = await portal(
    18082,
    JSON.stringify({
      clinic_name: 'Lakeside Pediatric Therapy',
      homeserver: HOMESERVER,
      clinic: 'rounds',
      primary_color: '#5b2a86',
      logo: '/icons/icon-192.png',
      category_labels: { scheduling: 'Front desk queue' },
    }),
  );
  try {
    const page = await (await browser.newContext({ baseURL: branded.url })).newPage();
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Lakeside Pediatric Therapy' })).toBeVisible();
    await expect(page).toHaveTitle('Lakeside Pediatric Therapy');
    await expect(page.locator('.signin-card img.logo')).toHaveAttribute('src', '/icons/icon-192.png');
    const brand = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim());
    expect(brand).toBe('#5b2a86');
    const button = await page.getByRole('button', { name: 'Sign in', exact: true }).evaluate((b) => getComputedStyle(b).backgroundColor);
    expect(button).toBe('rgb(91, 42, 134)');
    // This clinic does not let staff choose a server: nobody is asked for one.
    await expect(page.getByRole('textbox', { name: 'Username' })).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Homeserver' })).toBeHidden();
    await signIn(page, 'dana');
    await expect.poll(() => categoryOptions(page)).toContain('Front desk queue');
  } finally {
    branded.stop();
  }

  const broken = await portal(18083, '{ "clinic_name": "Half a file", ');
  try {
    const page = await browser.newPage();
    await page.goto(broken.url);
    await expect(page.getByRole('heading', { name: 'This portal is not set up correctly' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('config.json is not valid');
  } finally {
    broken.stop();
  }

  const unreadable = await portal(18084, JSON.stringify({ clinic_name: 'Pale', homeserver: HOMESERVER, primary_color: '#ffff66' }));
  try {
    const page = await browser.newPage();
    await page.goto(unreadable.url);
    await expect(page.getByRole('alert')).toContainText('primary_color #ffff66 is too light for white text');
  } finally {
    unreadable.stop();
  }

  // A colour with non-ASCII characters once aborted the whole app before its error page.
  const accented = await portal(18087, JSON.stringify({ clinic_name: 'Accent', homeserver: HOMESERVER, accent_color: '#0f6e6é' }));
  try {
    const page = await browser.newPage();
    await page.goto(accented.url);
    await expect(page.getByRole('heading', { name: 'This portal is not set up correctly' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('accent_color "#0f6e6é" is not a colour');
  } finally {
    accented.stop();
  }
});

test('every view passes axe with no serious or critical violations', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  expect(await seriousViolations(page), 'sign-in').toEqual([]);

  await signIn(page, 'morgan');
  await expect(page.getByRole('list', { name: 'Threads' }).getByRole('listitem').first()).toBeVisible();
  expect(await seriousViolations(page), 'inbox').toEqual([]);

  await (await findThread(page, 'Friday coverage')).getByRole('link').click();
  await expect(page.getByRole('list', { name: 'Messages' })).toBeVisible();
  expect(await seriousViolations(page), 'thread').toEqual([]);

  await page.getByRole('button', { name: 'New thread' }).click();
  await expect(page.getByRole('dialog', { name: 'New thread' })).toBeVisible();
  expect(await seriousViolations(page), 'new thread').toEqual([]);
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click();
  await expect(page.getByRole('table', { name: 'Staff and their roles' })).toContainText('Priya Shah');
  expect(await seriousViolations(page), 'staff').toEqual([]);
});

test('"Not now" on the notification offer is kept: it does not come back at the next start', async ({ browser }) => {
  const page = await signedIn(browser, 'jordan', { width: 390, height: 844 });
  const offer = page.getByRole('button', { name: 'Turn on notifications' });
  await expect(offer).toBeVisible();
  await page.getByRole('button', { name: 'Not now' }).click();
  await expect(offer).toBeHidden();
  await page.reload();
  await expect(page.getByRole('list', { name: 'Threads' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(offer).toBeHidden();
  await page.context().close();
});

test('a backgrounded page raises a notification without patient details', async ({ browser }) => {
  const context = await browser.newContext();
  await context.grantPermissions(['notifications']);
  await context.addInitScript(() => {
    const Real = window.Notification;
    (window as any).__notes = [];
    class Recording extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        (window as any).__notes.push({ title, body: options?.body ?? '' });
      }
    }
    (window as any).Notification = Recording;
  });
  const page = await context.newPage();
  await signIn(page, 'dana');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  // The person switches to another app: the window loses focus.
  await page.evaluate(() => window.dispatchEvent(new Event('blur')));

  const jordan = await Api.login('jordan');
  const scheduling = await jordan.roomId('rounds.scheduling');
  const patient = unique('Zoë Q');
  await jordan.send(scheduling, {
    msgtype: 'm.text',
    body: `${patient} – Needs a new slot\n\nCall the family about ${patient}`,
    'app.rounds.thread': { topic: 'Needs a new slot', patient: { display: patient }, priority: 'urgent' },
  });
  await expect.poll(() => page.evaluate(() => (window as any).__notes), { timeout: 20_000 }).toHaveLength(1);
  const [note] = await page.evaluate(() => (window as any).__notes);
  expect(note.title).toBe('New urgent message in Scheduling');
  expect(JSON.stringify(note)).not.toContain(patient);
  await expect(page).toHaveTitle(/^\(\d+\) Riverside Therapy$/);
  await context.close();
});

test('sign-out closes the notifications it showed and leaves no cache but the app’s own files', async ({ browser }) => {
  const context = await browser.newContext();
  await context.grantPermissions(['notifications']);
  await context.addInitScript(() => {
    const Real = window.Notification;
    (window as any).__shown = [];
    class Recording extends Real {
      closedByApp = false;
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        (window as any).__shown.push(this);
      }
      close() {
        this.closedByApp = true;
        super.close();
      }
    }
    (window as any).Notification = Recording;
  });
  const page = await context.newPage();
  await page.goto('/');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  await signIn(page, 'dana');
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  await page.evaluate(() => window.dispatchEvent(new Event('blur')));
  const jordan = await Api.login('jordan');
  const scheduling = await jordan.roomId('rounds.scheduling');
  await jordan.send(scheduling, {
    msgtype: 'm.text',
    body: 'Urgent – Front desk needed\n\nLobby',
    'app.rounds.thread': { topic: 'Front desk needed', patient: null, priority: 'urgent' },
  });
  await expect.poll(() => page.evaluate(() => (window as any).__shown.length), { timeout: 20_000 }).toBe(1);
  // Something of the person's in Cache Storage (a previous version, an extension, a mistake).
  await page.evaluate(async () => {
    const cache = await caches.open('leftover');
    await cache.put('/_matrix/client/v3/sync?since=s1', new Response('{"rooms":{}}'));
  });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect.poll(() => page.evaluate(() => (window as any).__shown.every((n: any) => n.closedByApp))).toBe(true);
  await expect.poll(() => page.evaluate(async () => (await caches.keys()).every((k) => k.startsWith('rounds-shell-')))).toBe(true);
  await expect(page).toHaveTitle('Riverside Therapy');
  await context.close();
});
