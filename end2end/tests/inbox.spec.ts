// Work addressed to you finds you (#25 §1): the inbox opens on For me across every category
// the person reads, urgent unacknowledged work first; a category filter says where the urgent
// work it hides is; and the person's filter choices are kept on their device.
import { test, expect, type Page } from './fixtures';
import { signedIn, threadItem, topRow, unique } from './helpers';

const SIZES = [
  { width: 390, height: 844 },
  { width: 1024, height: 768 },
  { width: 1280, height: 900 },
];

async function createUrgentForClinicians(dana: Page, topic: string) {
  await dana.getByRole('button', { name: 'New thread' }).click();
  const dialog = dana.getByRole('dialog', { name: 'New thread' });
  await dialog.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Scheduling' });
  await dialog.getByRole('textbox', { name: 'Topic' }).fill(topic);
  await dialog.getByRole('checkbox', { name: 'Urgent' }).check();
  await dialog.getByRole('group', { name: 'Address to' }).getByRole('checkbox', { name: 'Clinician' }).check();
  await dialog.getByRole('textbox', { name: 'Message' }).fill('Client in the lobby is upset: who can come?');
  await dialog.getByRole('button', { name: 'Create thread' }).click();
  await expect(dialog).toBeHidden();
}

test('an urgent thread for clinicians is at the top of every clinician\'s first screen, at every size', async ({ browser }) => {
  test.setTimeout(120_000);
  const dana = await signedIn(browser, 'dana');
  const topic = unique('Lobby help needed ');
  await createUrgentForClinicians(dana, topic);

  for (const size of SIZES) {
    for (const clinician of ['priya', 'jordan']) {
      const page = await signedIn(browser, clinician, size);
      // No control touched: For me, every category.
      await expect(topRow(page)).toContainText(topic);
      await expect(topRow(page)).toBeInViewport();
      await expect(topRow(page)).toContainText('Urgent');
      if (clinician === 'priya') await page.screenshot({ path: test.info().outputPath(`for-me-${size.width}x${size.height}.png`) });
      await page.context().close();
    }
  }
});

test('a category filter says where urgent work for me is, and the choices are kept on the device', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana');
  const topic = unique('Fire alarm test at 10 ');
  await createUrgentForClinicians(dana, topic);

  const priya = await signedIn(browser, 'priya', { width: 1024, height: 768 });
  await expect(topRow(priya)).toContainText(topic);
  const category = priya.getByRole('combobox', { name: 'Category' });
  // Each category says what waits in it.
  await expect(category.locator('option', { hasText: /^Scheduling · .*urgent/ })).toBeAttached();

  await category.selectOption({ label: (await category.locator('option', { hasText: /^Clinical/ }).innerText()).trim() });
  await expect(threadItem(priya, topic)).toHaveCount(0);
  const hint = priya.getByRole('button', { name: /^\d+ urgent for you in Scheduling$/ });
  await expect(hint).toBeVisible();
  await priya.screenshot({ path: test.info().outputPath('urgent-elsewhere-1024x768.png') });
  await hint.click();
  await expect(category.locator('option:checked')).toHaveText(/^Scheduling/);
  await expect(topRow(priya)).toContainText(topic);

  // Chosen once, kept for the next start on this device.
  await priya.getByRole('group', { name: 'Quick views' }).getByRole('button', { name: 'Urgent' }).click();
  await priya.reload();
  await expect(priya.getByRole('group', { name: 'Quick views' }).getByRole('button', { name: 'Urgent' })).toHaveAttribute('aria-pressed', 'true');
  await expect(category.locator('option:checked')).toHaveText(/^Scheduling/);
  await expect(threadItem(priya, topic)).toBeVisible();
});
