import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every demo account shares this password (see src/bin/rounds-admin/demo.rs). */
export const DEMO_PASSWORD = 'rounds-demo';
/** The test homeserver, started and seeded by scripts/test.sh. */
export const HOMESERVER = process.env.ROUNDS_TEST_HOMESERVER ?? 'http://127.0.0.1:18008';

/** A name unique to this run. */
export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Signs in through the UI contract's form. */
export async function signIn(page: Page, user: string, password = DEMO_PASSWORD) {
  await page.goto('/');
  // The app's own form, not the early one it replaces (public/signin.js): a fill that lands on
  // the early field just as it is swapped out would be lost. signin.spec.ts tests the early form.
  await page.waitForFunction(() => !(globalThis as { roundsEarly?: { take?: unknown } }).roundsEarly?.take);
  await page.getByRole('textbox', { name: 'Username' }).fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * Signs in through the clinic's identity provider (single sign-on): the provider's own sign-in
 * page, then back to Rounds, which also connects to the EHR with the person's own token.
 */
export async function signInSso(page: Page, user: string, password = DEMO_PASSWORD) {
  await page.goto('/');
  await page.getByRole('button', { name: /^Sign in with / }).click();
  await expect(page.getByRole('heading', { name: 'Clinic sign-in' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Username' }).fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Two page loads of the app and the EHR's authorization in between: under a full run's load
  // this once took longer than the default 10 s. Where it stalls is printed if it does again.
  try {
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible({ timeout: 30_000 });
  } catch (e) {
    const shown = await page.locator('body').innerText().catch(() => '(no page)');
    console.log(`[${user}] single sign-on stalled at ${page.url()}: ${shown.slice(0, 400)}`);
    throw e;
  }
  await expect.poll(() => new URL(page.url()).pathname).not.toMatch(/^\/auth\//);
}

/** A new browser context signed in as `user` (by password, or `sso`), with the inbox loaded. */
export async function signedIn(browser: Browser, user: string, viewport = { width: 1280, height: 900 }, sso = false) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${user}] page error: ${e.message}`));
  if (sso) await signInSso(page, user);
  else await signIn(page, user);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  return page;
}

/** The test EHR, started and seeded by scripts/test.sh. */
export const FHIR = process.env.ROUNDS_TEST_FHIR ?? 'http://127.0.0.1:18103/fhir/R4';
export const IDP = process.env.ROUNDS_TEST_IDP ?? 'http://127.0.0.1:18110';

let backend: { token: string; until: number } | null = null;
/** An EHR token of the test suite's own backend client (system scopes), renewed as it expires. */
export async function ehrToken(): Promise<string> {
  if (backend && backend.until > Date.now()) return backend.token;
  const res = await fetch(`${IDP}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'rounds-tests',
      client_secret: process.env.ROUNDS_TEST_IDP_SECRET ?? '',
      scope: 'system/*.cruds',
    }),
  });
  if (!res.ok) throw new Error(`EHR token: ${res.status} ${await res.text()}`);
  const body = await res.json();
  backend = { token: body.access_token, until: Date.now() + (body.expires_in - 30) * 1000 };
  return backend.token;
}

/** A request to the test EHR as the test suite's backend client (or with `token`). */
export async function fhir(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token?: string | null) {
  const auth = token === null ? {} : { Authorization: `Bearer ${token ?? (await ehrToken())}` };
  const res = await fetch(`${FHIR}/${path}`, {
    method,
    headers: { ...auth, 'Content-Type': 'application/fhir+json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {}, etag: res.headers.get('etag') };
}

/** Puts the test EHR back to its seed. */
export async function resetEhr() {
  const res = await fetch(FHIR.replace(/\/fhir\/R4$/, '/reset'), { method: 'POST', headers: { Authorization: `Bearer ${await ehrToken()}` } });
  expect(res.status).toBe(200);
}

/** The category names the inbox's `Category` filter offers (besides All). */
export async function categoryOptions(page: Page): Promise<string[]> {
  const select = page.getByRole('combobox', { name: 'Category' });
  await expect(select.locator('option').nth(1)).toBeAttached();
  const labels = await select.locator('option').allInnerTexts();
  // Without the counts beside each name ("Scheduling · 2 unread"), nor the choices that are not
  // categories (All, and Direct conversations once the person has one).
  return labels.map((t) => t.split(' · ')[0].trim()).filter((t) => t !== 'All' && t !== 'Direct conversations');
}

/** The thread list item whose title contains `text`. */
export function threadItem(page: Page, text: string) {
  return page.getByRole('list', { name: 'Threads' }).getByRole('listitem').filter({ hasText: text });
}

/** The thread at the top of the list (rows are placed by `top`, the first at 0). */
export function topRow(page: Page) {
  return page.getByRole('list', { name: 'Threads' }).locator('li.thread-row[style*="top: 0px"]');
}

/** Searches the inbox for `text` (the list only renders visible rows) and returns its item. */
export async function findThread(page: Page, text: string) {
  // Everything, in every category: the inbox opens on For me (inbox.spec.ts tests that).
  await page.getByRole('group', { name: 'Quick views' }).getByRole('button', { name: 'All', exact: true }).click();
  // Phones fold the category away behind "Filters".
  const folded = page.getByRole('button', { name: 'Filters', expanded: false });
  if (await folded.isVisible()) await folded.click();
  await page.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'All' });
  await page.getByRole('searchbox', { name: 'Search threads' }).fill(text);
  const item = threadItem(page, text);
  await expect(item).toBeVisible();
  return item;
}

/** Opens the Patient region's appointments (a short screen shows the patient in one line). */
export async function showAppointments(region: Locator) {
  const toggle = region.getByRole('button', { name: 'Appointments', exact: true });
  await expect(region.getByRole('heading').first()).toBeVisible();
  if (await toggle.isVisible()) await toggle.click();
}

/** Minimal Matrix client for tests: what another client (or an attacker with a token) does. */
export class Api {
  constructor(public token: string, public userId: string) {}

  static async login(user: string, password = DEMO_PASSWORD): Promise<Api> {
    const res = await fetch(`${HOMESERVER}/_matrix/client/v3/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user }, password }),
    });
    if (!res.ok) throw new Error(`login ${user}: ${res.status} ${await res.text()}`);
    const body = await res.json();
    return new Api(body.access_token, body.user_id);
  }

  /** Registers a new account with Synapse's shared secret (like rounds-admin does); `admin`: a server admin. */
  static async register(user: string, displayName: string, password = DEMO_PASSWORD, admin = false): Promise<Api> {
    const secret = readFileSync(process.env.ROUNDS_TEST_SECRET_FILE ?? '../.local/synapse/test/shared_secret', 'utf8').trim();
    const { nonce } = await (await fetch(`${HOMESERVER}/_synapse/admin/v1/register`)).json();
    const mac = createHmac('sha1', secret).update(`${nonce}\0${user}\0${password}\0${admin ? 'admin' : 'notadmin'}`).digest('hex');
    const res = await fetch(`${HOMESERVER}/_synapse/admin/v1/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ nonce, username: user, displayname: displayName, password, admin, mac }),
    });
    if (!res.ok) throw new Error(`register ${user}: ${res.status} ${await res.text()}`);
    const body = await res.json();
    return new Api(body.access_token, body.user_id);
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${HOMESERVER}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : {} };
  }

  async roomId(alias: string): Promise<string> {
    const server = this.userId.split(':')[1];
    const r = await this.call('GET', `/_matrix/client/v3/directory/room/${encodeURIComponent(`#${alias}:${server}`)}`);
    if (r.status !== 200) throw new Error(`resolve ${alias}: ${r.status}`);
    return r.json.room_id;
  }

  async send(roomId: string, content: unknown, type = 'm.room.message'): Promise<string> {
    const txn = unique('e2e');
    const r = await this.call('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/${type}/${txn}`, content);
    if (r.status !== 200) throw new Error(`send: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.event_id;
  }

  /** Starts an urgent topic thread (as another Matrix client would): its root's event id. */
  async urgentThread(roomId: string, topic: string, text: string): Promise<string> {
    return this.send(roomId, {
      msgtype: 'm.text',
      body: `${topic}\n\n${text}`,
      'app.rounds.thread': { topic, patient: null, priority: 'urgent' },
    });
  }

  /** Messages in a room (newest first), for counting what arrived. */
  async messages(roomId: string, limit = 100): Promise<any[]> {
    const r = await this.call('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=${limit}`);
    return r.json.chunk ?? [];
  }
}

/** Hostile names, topics and bodies (one JSON string per line), kept in end2end/fixtures. */
export function hostileStrings(): string[] {
  const file = new URL('../fixtures/hostile-strings.txt', import.meta.url);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => JSON.parse(l));
}

/** The bearer tokens `page` sends to `origin`, as they go. */
export function tokensTo(page: Page, origin: string): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const auth = request.headers()['authorization'];
    if (new URL(request.url()).origin === origin && auth?.startsWith('Bearer ')) seen.push(auth.slice(7));
  });
  return seen;
}

/** The claims of a JWT (read, not verified: the servers verify). */
export const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

/**
 * The built app served on `port` with `config` as its config.json (serve.mjs), once it answers;
 * `stop()` ends it.
 */
export async function servePortal(port: number, config: object): Promise<{ url: string; stop: () => void }> {
  const file = join(tmpdir(), `rounds-e2e-config-${port}.json`);
  writeFileSync(file, JSON.stringify(config));
  const server: ChildProcess = spawn('node', ['serve.mjs'], { env: { ...process.env, PORT: String(port), ROUNDS_CONFIG: file } });
  const url = `http://127.0.0.1:${port}`;
  await expect.poll(async () => (await fetch(`${url}/config.json`).catch(() => null))?.status).toBe(200);
  return { url, stop: () => server.kill() };
}

/** A real PNG drawn by the browser (a photo the homeserver can scale). */
export async function photo(page: Page, width = 640, height = 480): Promise<Buffer> {
  const data = await page.evaluate(
    ([w, h]) => {
      const canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#0f6e6e';
      g.fillRect(0, 0, w, h);
      g.fillStyle = '#fff4d6';
      g.fillRect(w / 8, h / 4, (w * 3) / 4, h / 2);
      return canvas.toDataURL('image/png').split(',')[1];
    },
    [width, height],
  );
  return Buffer.from(data, 'base64');
}
