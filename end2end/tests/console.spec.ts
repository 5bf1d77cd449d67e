// The console stays clean in normal use (#25 §5): a front desk day's reloads, a thread with
// its patient and the schedule ask nothing the servers refuse (the EHR token is renewed before
// the first request after a reload, not after a 401), and nothing of ours warns or errs.
import { test, expect } from './fixtures';
import { findThread, signedIn } from './helpers';

// Chromium's note that it ignores `integrity` on a preload of the wasm (trunk writes it; the
// module script that loads the wasm checks the same hash).
const BROWSER_NOTE = /integrity` attribute is currently ignored for preload destinations/;

test('normal use leaves the console clean: no refused request, no warning or error', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana', { width: 1024, height: 768 }, true);
  const noise: string[] = [];
  dana.on('console', (m) => {
    if ((m.type() === 'warning' || m.type() === 'error') && !BROWSER_NOTE.test(m.text())) noise.push(`${m.type()}: ${m.text()}`);
  });
  dana.on('pageerror', (e) => noise.push(`page error: ${e.message}`));
  dana.on('response', (r) => {
    if (r.status() >= 400) noise.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });

  await dana.reload();
  await (await findThread(dana, 'Client canceled')).getByRole('link').click();
  await expect(dana.getByRole('region', { name: 'Patient' }).getByRole('heading', { name: 'Maya Rossi' })).toBeVisible();
  await dana.reload();
  await expect(dana.getByRole('region', { name: 'Patient' }).getByRole('heading', { name: 'Maya Rossi' })).toBeVisible();
  await dana.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedule' }).click();
  await expect(dana.getByRole('heading', { name: /^Schedule — / })).toBeVisible();
  // Loaded: a practitioner's column, or the word that today has none (earlier tests move visits).
  await expect(dana.getByRole('heading', { level: 2 }).or(dana.getByText('No appointments on this day.')).first()).toBeVisible();
  await dana.goBack();
  await expect(dana.getByRole('list', { name: 'Messages' })).toBeVisible();
  expect(noise).toEqual([]);
});
