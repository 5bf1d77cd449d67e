import { test, expect, SCALED } from './fixtures';
import { Api, categoryOptions, signIn, signedIn, unique } from './helpers';

test('a wrong password shows an alert and keeps the form', async ({ page }) => {
  await signIn(page, 'dana', 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page.getByRole('textbox', { name: 'Username' })).toHaveValue('dana');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
});

test('an account that signs in through the clinic\'s provider is refused a password, in words staff can act on', async ({ page }) => {
  // A staff account an administrator linked to the person's subject at the provider, as when a
  // clinic moves to single sign-on (the demo staff stay allowed for the rest of this suite).
  const user = unique('linked').toLowerCase();
  const staff = await Api.register(user, 'Linked Staff');
  const admin = await Api.register(unique('provisioner').toLowerCase(), 'Provisioner', undefined, true);
  const linked = await admin.call('PUT', `/_synapse/admin/v2/users/${encodeURIComponent(staff.userId)}`, {
    external_ids: [{ auth_provider: 'oidc-rounds', external_id: user }],
  });
  expect(linked.status).toBe(200);

  await signIn(page, user);
  await expect(page.getByRole('alert')).toHaveText(
    "This account signs in through your clinic's sign-in page: use the clinic sign-in button, not a password.",
  );
  await expect(page.getByRole('button', { name: 'Sign in with Riverside staff account' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Username' })).toHaveValue(user);
});

test('cancelling at the clinic\'s sign-in page returns to Rounds\' sign-in, which says so in the clinic\'s branding', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: /^Sign in with / }).click();
  await expect(page.getByRole('heading', { name: 'Clinic sign-in' })).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  // Back on the portal (not the homeserver's error page), with the way forward in place.
  await expect(page.getByRole('alert')).toHaveText(
    'The clinic sign-in was cancelled. Nothing was signed in: sign in again when you are ready.',
  );
  expect(page.url().startsWith(String(test.info().project.use.baseURL))).toBe(true);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Riverside');
  await expect(page.locator('body')).not.toContainText(/access_denied|M_[A-Z]|HTTP \d|Synapse/);
  // And signing in again works from there.
  await page.getByRole('button', { name: /^Sign in with / }).click();
  await page.getByRole('textbox', { name: 'Username' }).fill('dana');
  await page.getByLabel('Password').fill('rounds-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('two staff members signed in at once each see only their categories', SCALED, async ({ browser }) => {
  const [desk, therapist] = await Promise.all([signedIn(browser, 'dana'), signedIn(browser, 'priya')]);

  await expect(desk.getByText('Dana Brooks', { exact: true })).toBeVisible();
  expect(await categoryOptions(desk)).toEqual(['Scheduling', 'Authorization', 'Referral', 'Staffing']);
  // Everyone lands on what needs them, in every category they read.
  for (const page of [desk, therapist]) {
    await expect(page.getByRole('group', { name: 'Quick views' }).getByRole('button', { name: 'For me' })).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByRole('combobox', { name: 'Category' }).locator('option:checked')).toHaveText('All');
  }

  await expect(therapist.getByText('Priya Shah', { exact: true })).toBeVisible();
  expect(await categoryOptions(therapist)).toEqual([
    'Clinical',
    'Scheduling',
    'Authorization',
    'Referral',
    'Documentation',
    'Staffing',
  ]);

  await desk.getByRole('button', { name: 'Sign out' }).click();
  await expect(desk.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  // Signing one person out leaves the other's session alone.
  await expect(therapist.getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('the homeserver field is prefilled from config.json', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Riverside Therapy' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Homeserver' })).toHaveValue(/^http:\/\/127\.0\.0\.1:\d+$/);
});

// The sign-in form works before the app's wasm has arrived (index.html + public/signin.js):
// hold the wasm back, and everything up to the homeserver's answer already happens.
test('the sign-in form works while the app is still downloading, and the app takes over', async ({ browser }) => {
  const { page, release } = await appHeldBack(browser);
  await expect(page.getByRole('heading', { name: 'Riverside Therapy' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Homeserver' })).toHaveValue(process.env.ROUNDS_TEST_HOMESERVER ?? 'http://127.0.0.1:18008');
  // The homeserver offers single sign-on: so does the early form.
  await expect(page.getByRole('button', { name: 'Sign in with Riverside staff account' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('Enter your username and password.');

  await page.getByRole('textbox', { name: 'Username' }).fill('dana');
  await page.getByLabel('Password').fill('rounds-demo');
  const login = page.waitForResponse((r) => r.url().endsWith('/_matrix/client/v3/login') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  expect((await login).status()).toBe(200);
  await expect(page.getByRole('button', { name: 'Signing in…' })).toBeDisabled();
  await expect(page.locator('#early-signin')).toBeVisible();

  // The app arrives, takes the answer and opens the inbox: the early form is gone.
  release();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.locator('#early-signin')).toHaveCount(0);
  await expect(page.getByText('Dana Brooks', { exact: true })).toBeVisible();
  await page.context().close();
});

/** A page of a new context whose app wasm is held back until `release()`. */
async function appHeldBack(browser: import('@playwright/test').Browser) {
  const page = await (await browser.newContext()).newPage();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/_bg\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/');
  await expect(page.locator('#early-signin')).toBeVisible();
  return { page, release };
}

test('what was typed before the app arrived is kept, and a refusal reads as the app says it', async ({ browser }) => {
  const typing = await appHeldBack(browser);
  await typing.page.getByRole('textbox', { name: 'Username' }).fill('dana');
  typing.release();
  // The app's own form replaces the early one with the same field values.
  await expect(typing.page.locator('#early-signin')).toHaveCount(0);
  await expect(typing.page.getByRole('textbox', { name: 'Username' })).toHaveValue('dana');
  // Whoever was typing goes on typing: the field keeps the focus.
  await expect(typing.page.getByRole('textbox', { name: 'Username' })).toBeFocused();
  await typing.page.context().close();

  // Refused before the app arrives: the app explains it once it is there.
  const { page, release } = await appHeldBack(browser);
  await page.getByRole('textbox', { name: 'Username' }).fill('dana');
  await page.getByLabel('Password').fill('not-the-password');
  const refused = page.waitForResponse((r) => r.url().endsWith('/_matrix/client/v3/login') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  expect((await refused).status()).toBe(403);
  release();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page.getByRole('textbox', { name: 'Username' })).toHaveValue('dana');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
  await page.context().close();
});
