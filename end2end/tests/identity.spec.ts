// Identity and access: single sign-on through the clinic's identity provider, each person's own
// EHR token (SMART on FHIR) with the EHR refusing what their role may not do, sessions the server
// ends, and the way back from every failure.
import { test, expect, type Page } from './fixtures';
import { Api, claims, fhir, findThread, HOMESERVER, resetEhr, servePortal, showAppointments, signIn, signInSso, tokensTo, unique } from './helpers';

const FHIR_ORIGIN = new URL(process.env.ROUNDS_TEST_FHIR ?? 'http://127.0.0.1:18103/fhir/R4').origin;

async function openThread(page: Page, text: string) {
  await (await findThread(page, text)).getByRole('link').click();
  await expect(page.getByRole('list', { name: 'Messages' })).toBeVisible();
}

/** Everything the page keeps (IndexedDB records, both storages), as text. */
async function everythingStored(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const out: unknown[] = [JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })];
    for (const { name } of await indexedDB.databases()) {
      const db: IDBDatabase = await new Promise((ok, fail) => {
        const r = indexedDB.open(name!);
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        out.push(
          await new Promise((ok) => {
            const r = db.transaction(store).objectStore(store).getAll();
            r.onsuccess = () => ok(JSON.stringify(r.result.map((v: unknown) => (v instanceof CryptoKey ? 'key' : v))));
          }),
        );
      }
      db.close();
    }
    return out.join('\n');
  });
}

test.beforeEach(resetEhr);

test('staff sign in through the clinic’s identity provider, and no token is left in the address bar or in storage', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const ehrTokens = tokensTo(page, FHIR_ORIGIN);
  const matrixTokens = tokensTo(page, new URL(HOMESERVER).origin);
  await signInSso(page, 'priya');
  await expect(page.getByText('Priya Shah', { exact: true })).toBeVisible();
  expect(page.url()).not.toMatch(/loginToken|code=|state=/);

  // The EHR is reached with Priya's own token: her identity, her role's scopes.
  await openThread(page, 'Renewal');
  await expect(page.getByRole('region', { name: 'Patient' }).getByRole('heading', { name: 'Sara Martinez' })).toBeVisible();
  expect(ehrTokens.length).toBeGreaterThan(0);
  const token = claims(ehrTokens.at(-1)!);
  expect(token.fhirUser).toBe('Practitioner/priya');
  expect(token.scope).toContain('user/Appointment.rs');
  expect(token.scope).not.toContain('user/Appointment.u');

  // No token in plaintext anywhere the page keeps things.
  const stored = await everythingStored(page);
  for (const secret of [...new Set([...ehrTokens, ...matrixTokens])]) expect(stored).not.toContain(secret);
  expect(stored).not.toMatch(/syt_|syr_|eyJ/);
  await context.close();
});

test('the EHR refuses what a role may not do, and records who changed what', async ({ browser }) => {
  // Billing signs in: the EHR gives the patient's name, and refuses appointments outright.
  const billing = await browser.newContext();
  const sam = await billing.newPage();
  const samTokens = tokensTo(sam, FHIR_ORIGIN);
  await signInSso(sam, 'sam');
  await openThread(sam, 'Authorization renewal pending');
  await expect(sam.getByRole('region', { name: 'Patient' }).getByRole('heading', { name: 'Sara Martinez' })).toBeVisible();
  const samToken = samTokens.at(-1)!;
  const refused = await fhir('GET', 'Appointment?patient=Patient/sara-m', undefined, {}, samToken);
  expect(refused.status).toBe(403);
  expect(JSON.stringify(refused.json)).toContain('may not search Appointment');
  const patient = await fhir('GET', 'Patient/sara-m', undefined, {}, samToken);
  expect(patient.status).toBe(200);
  expect(Object.keys(patient.json).sort()).toEqual(['id', 'meta', 'name', 'resourceType']);
  // Nor can billing learn what it may not see by searching on it; searching by name works.
  const byBirthDate = await fhir('GET', 'Patient?birthdate=2015-03-02', undefined, {}, samToken);
  expect(byBirthDate.status).toBe(403);
  expect(JSON.stringify(byBirthDate.json)).toContain('may not search Patient by birthdate');
  expect((await fhir('GET', 'Patient?name=Sara', undefined, {}, samToken)).status).toBe(200);
  // Without a token, nothing at all.
  expect((await fhir('GET', 'Patient/sara-m', undefined, {}, null)).status).toBe(401);
  await sam.goto('/schedule');
  await expect(sam.getByRole('alert').filter({ hasText: 'not available for your role' })).toBeVisible();
  await billing.close();

  // The front desk reschedules: the EHR's record names Dana, from her own token.
  const desk = await browser.newContext();
  const dana = await desk.newPage();
  await signInSso(dana, 'dana');
  await openThread(dana, 'Client canceled');
  const region = dana.getByRole('region', { name: 'Patient' });
  await showAppointments(region);
  await region.getByRole('button', { name: 'Reschedule' }).first().click();
  await region.getByRole('list', { name: 'Free slots' }).getByRole('radio').first().check();
  await region.getByRole('button', { name: 'Confirm' }).click();
  await expect(region.getByRole('status')).toContainText('Rescheduled Maya R.');
  const audit = await fhir('GET', 'AuditEvent?entity=Appointment/maya-r-1&_count=100');
  const agents = (audit.json.entry ?? []).map((e: any) => e.resource.agent[0].who.reference);
  expect(agents).toContain('Practitioner/dana');
  await desk.close();
});

test('a thread whose label does not match the EHR record says so', async ({ browser }) => {
  const api = await Api.login('jordan');
  const scheduling = await api.roomId('rounds.scheduling');
  const topic = unique('Wrong chart ');
  await api.send(scheduling, {
    msgtype: 'm.text',
    body: `Sara M. – ${topic}\n\nPlease check her next visit.`,
    'app.rounds.thread': { topic, patient: { display: 'Sara M.', id: 'Patient/liam-k' }, priority: 'routine' },
  });
  const context = await browser.newContext();
  const dana = await context.newPage();
  await signInSso(dana, 'dana');
  await openThread(dana, topic);
  const region = dana.getByRole('region', { name: 'Patient' });
  await expect(region.getByRole('heading', { name: 'Liam Kim' })).toBeVisible();
  await expect(region.getByRole('alert')).toContainText('This thread says “Sara M.”, but the EHR record it points to is Liam Kim');
  await context.close();
});

test('every failure of a sign-in gives a clear message and a way forward', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // A single sign-on answer this tab did not ask for.
  await page.goto('/auth/matrix?n=forged&loginToken=stolen');
  await expect(page.getByRole('alert')).toContainText('This sign-in link was not started here');
  expect(page.url()).not.toContain('stolen');
  await expect(page.getByRole('button', { name: /^Sign in with / })).toBeVisible();

  // Signed in by password: the EHR needs the person's own sign-in, offered in place.
  await signIn(page, 'dana');
  await openThread(page, 'Client canceled');
  const region = page.getByRole('region', { name: 'Patient' });
  await expect(region).toContainText('Sign in to the EHR to see appointments.');
  // A forged EHR answer changes nothing.
  await page.goto('/auth/ehr?code=stolen&state=forged');
  await expect(page.getByRole('alert').filter({ hasText: 'EHR sign-in link was not started here' })).toBeVisible();
  expect(page.url()).not.toContain('stolen');
  // Declined at the provider: said so, and the button is still there.
  await openThread(page, 'Client canceled');
  await region.getByRole('button', { name: 'Sign in to the EHR' }).click();
  await expect(page.getByRole('heading', { name: 'Clinic sign-in' })).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'access to the EHR was not granted' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  // And then accepted: the appointments show.
  await openThread(page, 'Client canceled');
  await region.getByRole('button', { name: 'Sign in to the EHR' }).click();
  await page.getByRole('textbox', { name: 'Username' }).fill('dana');
  await page.getByLabel('Password').fill('rounds-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await openThread(page, 'Client canceled');
  await showAppointments(region);
  await expect(region.getByRole('button', { name: 'Reschedule' }).first()).toBeVisible();
  await context.close();
});

test('a closed tab’s session cannot be reopened after the idle window: the server refuses the old token', async ({ browser }) => {
  // The test homeserver expires refresh tokens unused for 60 s (access tokens after 30 s).
  test.setTimeout(150_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  const matrixTokens = tokensTo(page, new URL(HOMESERVER).origin);
  // The refresh tokens the homeserver hands out (at sign-in and at every renewal).
  const refreshTokens: string[] = [];
  page.on('response', async (response) => {
    if (response.request().method() !== 'POST' || !/\/_matrix\/client\/v3\/(login|refresh)$/.test(response.url())) return;
    const body = await response.json().catch(() => ({}));
    if (typeof body.refresh_token === 'string') refreshTokens.push(body.refresh_token);
  });
  await signIn(page, 'jordan');
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  const draft = unique('Kept through the logoff ');
  await openThread(page, 'Friday coverage');
  await page.getByRole('textbox', { name: 'Message' }).fill(draft);
  await page.waitForTimeout(800);
  const old = matrixTokens.at(-1)!;
  const lastRefresh = refreshTokens.at(-1);
  expect(lastRefresh, 'the sign-in asked for a refresh token').toBeTruthy();
  await page.close();

  await new Promise((done) => setTimeout(done, 70_000));
  const whoami = await fetch(`${HOMESERVER}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${old}` } });
  expect(whoami.status).toBe(401);
  // What makes the session end: its refresh token, unused for the idle window, is refused too.
  const renewal = await fetch(`${HOMESERVER}/_matrix/client/v3/refresh`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refresh_token: lastRefresh }),
  });
  expect(renewal.status).toBe(403);
  expect((await renewal.json()).error).toMatch(/refresh token has expired/i);

  const reopened = await context.newPage();
  await reopened.goto('/');
  await expect(reopened.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(reopened.getByText(/Your session has ended|signed out/)).toBeVisible();
  // The same person gets the draft back after signing in.
  await signIn(reopened, 'jordan');
  await openThread(reopened, 'Friday coverage');
  await expect(reopened.getByRole('textbox', { name: 'Message' })).toHaveValue(draft);
  await context.close();
});

test('activity in one tab keeps both signed in; idle logoff in one signs out both', async ({ browser }) => {
  const portal = await servePortal(18089, { clinic_name: 'Riverside Therapy', homeserver: HOMESERVER, clinic: 'rounds', idle_minutes: 0.1 });
  try {
    const context = await browser.newContext({ baseURL: portal.url });
    const [active, idle] = [await context.newPage(), await context.newPage()];
    await signIn(active, 'priya');
    await expect(active.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await idle.goto('/');
    await expect(idle.getByRole('button', { name: 'Sign out' })).toBeVisible();
    // Twice the idle timeout with someone working in the first tab only.
    for (let i = 0; i < 12; i++) {
      await active.keyboard.press('Shift');
      await active.waitForTimeout(1000);
    }
    await expect(active.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expect(idle.getByRole('button', { name: 'Sign out' })).toBeVisible();
    // Then nobody: both tabs sign out, and nothing of the inbox stays on screen.
    for (const page of [active, idle]) {
      await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible({ timeout: 20_000 });
      await expect(page.getByRole('list', { name: 'Threads' })).toHaveCount(0);
    }
    await expect(idle.getByText(/signed out after/)).toBeVisible();
    await context.close();
  } finally {
    portal.stop();
  }
});
