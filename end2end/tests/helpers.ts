import { expect, type Page } from '@playwright/test';

/** Every demo account shares this password (see src/bin/rounds-admin/demo.rs). */
export const DEMO_PASSWORD = 'rounds-demo';

/** Signs in through the UI contract's form and waits for the shell. */
export async function signIn(page: Page, user: string, password = DEMO_PASSWORD) {
  await page.goto('/');
  await page.getByRole('textbox', { name: 'Username' }).fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The category names in the `Main` navigation. */
export async function navCategories(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeVisible();
  return (await nav.getByRole('listitem').allInnerTexts()).map((t) => t.trim());
}
