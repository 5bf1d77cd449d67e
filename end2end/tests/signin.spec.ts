import { test, expect } from '@playwright/test';
import { navCategories, signIn } from './helpers';

test('a wrong password shows an alert and keeps the form', async ({ page }) => {
  await signIn(page, 'dana', 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page.getByRole('textbox', { name: 'Username' })).toHaveValue('dana');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
});

test('two staff members signed in at once each see only their categories', async ({ browser }) => {
  const desk = await (await browser.newContext()).newPage();
  const therapist = await (await browser.newContext()).newPage();
  await Promise.all([signIn(desk, 'dana'), signIn(therapist, 'priya')]);

  await expect(desk.getByRole('heading', { name: 'Welcome, Dana Brooks' })).toBeVisible();
  expect(await navCategories(desk)).toEqual(['Scheduling', 'Authorization', 'Referral', 'Staffing']);

  await expect(therapist.getByRole('heading', { name: 'Welcome, Priya Shah' })).toBeVisible();
  expect(await navCategories(therapist)).toEqual([
    'Clinical',
    'Scheduling',
    'Authorization',
    'Referral',
    'Documentation',
    'Staffing',
  ]);

  await desk.getByRole('button', { name: 'Sign out' }).click();
  await expect(desk.getByRole('button', { name: 'Sign in' })).toBeVisible();
  // Signing one person out leaves the other's session alone.
  await expect(therapist.getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('the homeserver field is prefilled from config.json', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Riverside Therapy' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Homeserver' })).toHaveValue(/^http:\/\/127\.0\.0\.1:\d+$/);
});
