// A shared clinic workstation: when one person's session ends (Sign out, idle logoff), their
// sign-in ends everywhere it lives — Matrix, the EHR, the clinic's identity provider — and the
// next person at the same browser profile gets nothing of it, however they sign in. Real
// provider, real Synapse, real EHR; the attacker's moves (a replayed single sign-on redirect, a
// silent authorization, another person's password at the EHR step) beside the happy path.
import { test, expect, type Page } from './fixtures';
import { claims, DEMO_PASSWORD, findThread, HOMESERVER, IDP, resetEhr, servePortal, showAppointments, signIn, signInSso, tokensTo } from './helpers';

const FHIR_BASE = process.env.ROUNDS_TEST_FHIR ?? 'http://127.0.0.1:18103/fhir/R4';
const FHIR_ORIGIN = new URL(FHIR_BASE).origin;
/** Who the homeserver says `token` belongs to (null: the token is not valid). */
async function whoami(token: string): Promise<string | null> {
  const res = await fetch(`${HOMESERVER}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${token}` } });
  return res.ok ? (await res.json()).user_id : null;
}

/** The EHR's Patient region of a thread about a patient (one every role reads). */
async function patientRegion(page: Page, topic = 'Authorization renewal pending') {
  await (await findThread(page, topic)).getByRole('link').click();
  return page.getByRole('region', { name: 'Patient' });
}

/**
 * What the next person at this browser gets by replaying what the last one did: the
 * homeserver's single sign-on redirect without `prompt=login`, and a silent EHR authorization.
 * Both must end at the provider's password form (or its refusal), never at a signed-in answer.
 */
async function replaysGetNothing(page: Page) {
  const back = `${new URL(page.url()).origin}/auth/matrix?n=replayed`;
  await page.goto(`${HOMESERVER}/_matrix/client/v3/login/sso/redirect/oidc-rounds?redirectUrl=${encodeURIComponent(back)}`);
  await expect(page.getByRole('heading', { name: 'Clinic sign-in' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Username' })).toHaveValue('');
  expect(page.url()).not.toContain('loginToken');

  const silent = new URL(`${IDP}/auth`);
  for (const [k, v] of Object.entries({
    client_id: 'rounds-app', response_type: 'code', redirect_uri: `${new URL(back).origin}/auth/ehr`, scope: 'openid fhirUser user/Patient.rs',
    prompt: 'none', state: 'replayed', aud: FHIR_BASE, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  })) silent.searchParams.set(k, v);
  const answer = await page.request.get(silent.href, { maxRedirects: 0 });
  const location = answer.headers()['location'] ?? '';
  expect(location).toContain('error=login_required');
  expect(location).not.toContain('code=');
  // And the same interactively, without `prompt=login` in the URL: the provider asks anyway.
  silent.searchParams.delete('prompt');
  await page.goto(silent.href);
  await expect(page.getByRole('heading', { name: 'Clinic sign-in' })).toBeVisible();
}

test.beforeEach(resetEhr);

test('after dana signs out, sam at the same browser gets neither her Matrix session nor her EHR identity', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const ehrTokens = tokensTo(page, FHIR_ORIGIN);
  const matrixTokens = tokensTo(page, new URL(HOMESERVER).origin);

  await signInSso(page, 'dana');
  const region = await patientRegion(page, 'Client canceled');
  await showAppointments(region);
  await expect(region.getByRole('button', { name: 'Reschedule' }).first()).toBeVisible();
  expect(claims(ehrTokens.at(-1)!).fhirUser).toBe('Practitioner/dana');
  const danasMatrix = matrixTokens.at(-1)!;
  expect(await whoami(danasMatrix)).toMatch(/^@dana:/);

  // Sign out passes through the provider and comes back to Rounds' sign-in page.
  const provider: string[] = [];
  page.on('request', (r) => { if (r.url().startsWith(IDP)) provider.push(new URL(r.url()).pathname); });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  expect(provider).toContain('/session/end');
  expect(await whoami(danasMatrix)).toBeNull();

  await replaysGetNothing(page);

  // Sam signs in by password: Matrix is his; the EHR asks for his own password.
  ehrTokens.length = 0;
  await signIn(page, 'sam');
  await expect(page.getByText('Sam Ortiz', { exact: true })).toBeVisible();
  expect(await whoami(matrixTokens.at(-1)!)).toMatch(/^@sam:/);
  const samsRegion = await patientRegion(page);
  await expect(samsRegion).toContainText('Sign in to the EHR');
  await samsRegion.getByRole('button', { name: 'Sign in to the EHR' }).click();
  await expect(page.getByRole('heading', { name: 'Clinic sign-in' })).toBeVisible();

  // Someone types dana's password at sam's EHR step: refused, and said plainly.
  await page.getByRole('textbox', { name: 'Username' }).fill('dana');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The EHR sign-in was for Dana Brooks, not for you' })).toBeVisible();
  expect(ehrTokens).toEqual([]);

  // His own password: his own EHR identity.
  const again = await patientRegion(page);
  await again.getByRole('button', { name: 'Sign in to the EHR' }).click();
  await page.getByRole('textbox', { name: 'Username' }).fill('sam');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await patientRegion(page);
  await expect.poll(() => ehrTokens.length).toBeGreaterThan(0);
  expect(new Set(ehrTokens.map((t) => claims(t).fhirUser))).toEqual(new Set(['Practitioner/sam']));
  await context.close();
});

test('after dana is logged off idle, sam signing in by single sign-on is sam everywhere', async ({ browser }) => {
  test.setTimeout(120_000);
  const portal = await servePortal(18085, {
    clinic_name: 'Riverside Therapy', homeserver: HOMESERVER, clinic: 'rounds', idle_minutes: 0.15,
    sso: { name: 'Riverside staff account' }, fhir: { base_url: FHIR_BASE, client_id: 'rounds-app' },
  });
  try {
    const context = await browser.newContext({ baseURL: portal.url });
    const page = await context.newPage();
    const ehrTokens = tokensTo(page, FHIR_ORIGIN);
    const matrixTokens = tokensTo(page, new URL(HOMESERVER).origin);
    await signInSso(page, 'dana');
    await expect(page.getByText('Dana Brooks', { exact: true })).toBeVisible();
    const danasMatrix = matrixTokens.at(-1)!;

    // Nobody touches the page: logged off, through the provider, back with the reason.
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible({ timeout: 40_000 });
    await expect(page.getByText(/signed out after/)).toBeVisible();
    expect(await whoami(danasMatrix)).toBeNull();
    await replaysGetNothing(page);

    ehrTokens.length = 0;
    matrixTokens.length = 0;
    await signInSso(page, 'sam');
    await expect(page.getByText('Sam Ortiz', { exact: true })).toBeVisible();
    expect(await whoami(matrixTokens.at(-1)!)).toMatch(/^@sam:/);
    await patientRegion(page);
    await expect.poll(() => ehrTokens.length).toBeGreaterThan(0);
    expect(new Set(ehrTokens.map((t) => claims(t).fhirUser))).toEqual(new Set(['Practitioner/sam']));
    await context.close();
  } finally {
    portal.stop();
  }
});

/** Turns `user` off (or on again) at the provider, as the clinic's administrator does. */
async function setTurnedOff(user: string, off: boolean) {
  const res = await fetch(`${IDP}/admin/people/${user}/${off ? 'disable' : 'enable'}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.ROUNDS_TEST_IDP_ADMIN ?? ''}` },
  });
  expect(res.status).toBe(200);
}

test('turning a person off at the provider ends their Matrix session within seconds, and they cannot sign in again', async ({ browser }) => {
  test.setTimeout(90_000);
  // Without the administrator's key, nobody turns anyone off.
  const forged = await fetch(`${IDP}/admin/people/dana/disable`, { method: 'POST', headers: { Authorization: 'Bearer guess' } });
  expect(forged.status).toBe(401);

  const context = await browser.newContext();
  const page = await context.newPage();
  const matrixTokens = tokensTo(page, new URL(HOMESERVER).origin);
  await signInSso(page, 'dana');
  const token = matrixTokens.at(-1)!;
  expect(await whoami(token)).toMatch(/^@dana:/);
  try {
    const turnedOff = Date.now();
    await setTurnedOff('dana', true);
    await expect.poll(() => whoami(token), { timeout: 10_000 }).toBeNull();
    console.log(`dana's Matrix session ended ${Date.now() - turnedOff} ms after she was turned off`);
    // The open app notices at its next request and leaves nothing on screen.
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible({ timeout: 45_000 });
    await expect(page.getByRole('list', { name: 'Threads' })).toHaveCount(0);
    // And the provider no longer signs her in.
    await page.getByRole('button', { name: /^Sign in with / }).click();
    await page.getByRole('textbox', { name: 'Username' }).fill('dana');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('This account is turned off');
  } finally {
    await setTurnedOff('dana', false);
    await context.close();
  }
});
