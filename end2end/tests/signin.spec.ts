import { test, expect } from '@playwright/test';
import { categoryOptions, signIn, signedIn } from './helpers';

test('a wrong password shows an alert and keeps the form', async ({ page }) => {
  await signIn(page, 'dana', 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page.getByRole('textbox', { name: 'Username' })).toHaveValue('dana');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
});

test('two staff members signed in at once each see only their categories', async ({ browser }) => {
  const [desk, therapist] = await Promise.all([signedIn(browser, 'dana'), signedIn(browser, 'priya')]);

  await expect(desk.getByText('Dana Brooks', { exact: true })).toBeVisible();
  expect(await categoryOptions(desk)).toEqual(['Scheduling', 'Authorization', 'Referral', 'Staffing']);
  // The front desk lands on scheduling work, clinicians on clinical.
  await expect(desk.getByRole('combobox', { name: 'Category' }).locator('option:checked')).toHaveText('Scheduling');

  await expect(therapist.getByText('Priya Shah', { exact: true })).toBeVisible();
  expect(await categoryOptions(therapist)).toEqual([
    'Clinical',
    'Scheduling',
    'Authorization',
    'Referral',
    'Documentation',
    'Staffing',
  ]);
  await expect(therapist.getByRole('combobox', { name: 'Category' }).locator('option:checked')).toHaveText('Clinical');

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
