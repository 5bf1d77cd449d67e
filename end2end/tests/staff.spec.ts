import { readFileSync } from 'node:fs';
import { test, expect, SCALED } from './fixtures';
import { Api, categoryOptions, signedIn, unique } from './helpers';

test('an admin gives and takes roles; the person gains and loses categories live', SCALED, async ({ browser }) => {
  const name = unique('temp');
  const display = `Alex ${name}`;
  await Api.register(name, display);

  const admin = await signedIn(browser, 'morgan');
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click();
  await expect(admin.getByRole('table', { name: 'Staff and their roles' })).toContainText('Priya Shah');
  // A typo is refused, not listed as staff: the homeserver has no such account.
  const typo = `${name}x`;
  await admin.getByRole('textbox', { name: 'User name' }).fill(typo);
  await admin.getByRole('button', { name: 'Add to staff' }).click();
  await expect(admin.getByRole('alert')).toContainText(`there is no account @${typo}:`);
  await expect(admin.getByRole('table', { name: 'Staff and their roles' })).not.toContainText(typo);
  await admin.getByRole('textbox', { name: 'User name' }).fill(name);
  await admin.getByRole('combobox', { name: 'Role', exact: true }).selectOption({ label: 'Billing' });
  await admin.getByRole('button', { name: 'Add to staff' }).click();
  const row = admin.getByRole('row').filter({ hasText: display });
  const remove = (role: string) => row.getByRole('button', { name: `Remove ${role} from ${display}` });
  await expect(remove('Billing')).toBeVisible();

  const alex = await signedIn(browser, name);
  await expect.poll(() => categoryOptions(alex)).toEqual(['Authorization', 'Billing', 'Documentation']);

  // A second role arrives live: the person joins its categories without reloading.
  await row.getByRole('combobox', { name: `Role to add for ${display}` }).selectOption({ label: 'Front desk' });
  await row.getByRole('button', { name: 'Add' }).click();
  await expect(remove('Front desk')).toBeVisible();
  await expect.poll(() => categoryOptions(alex), { timeout: 20_000 }).toEqual([
    'Scheduling',
    'Authorization',
    'Billing',
    'Referral',
    'Documentation',
    'Staffing',
  ]);

  // Taking a role asks first: kept, nothing changes.
  const confirm = admin.getByRole('alertdialog', { name: 'Confirm removing a role' });
  await remove('Front desk').click();
  await expect(confirm).toContainText(`Take the role Front desk from ${display}?`);
  await confirm.getByRole('button', { name: 'Keep' }).click();
  await expect(confirm).toBeHidden();
  await expect(remove('Front desk')).toBeVisible();
  // Taken and undone at once: the role is back.
  await remove('Front desk').click();
  await confirm.getByRole('button', { name: 'Remove role' }).click();
  await expect(remove('Front desk')).toHaveCount(0);
  await admin.getByRole('button', { name: 'Undo' }).click();
  await expect(remove('Front desk')).toBeVisible();

  // Removing Billing kicks them from Billing and Documentation, live; Authorization stays.
  await remove('Billing').click();
  await confirm.getByRole('button', { name: 'Remove role' }).click();
  await expect(remove('Billing')).toHaveCount(0);
  await expect.poll(() => categoryOptions(alex), { timeout: 20_000 }).toEqual([
    'Scheduling',
    'Authorization',
    'Referral',
    'Staffing',
  ]);

  // Every change is on record, newest first, signed by the admin who made it (the homeserver's
  // membership history of the role spaces, read again after each change).
  const record = admin.getByRole('list', { name: 'Role changes' });
  const lines = record.getByRole('listitem').filter({ hasText: display });
  await expect(lines.first()).toContainText(`Morgan Reyes took the role Billing from ${display}`);
  await expect(lines.nth(1)).toContainText(`Morgan Reyes gave ${display} the role Front desk`);
  await expect(lines.nth(2)).toContainText(`Morgan Reyes took the role Front desk from ${display}`);
  await expect(lines.nth(3)).toContainText(`Morgan Reyes gave ${display} the role Front desk`);
  await expect(lines.nth(4)).toContainText(`Morgan Reyes gave ${display} the role Billing`);
  // The export for the clinic's records names the accounts as well as the people.
  const downloading = admin.waitForEvent('download');
  await admin.getByRole('button', { name: 'Export role changes' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^role-changes-.*\.txt$/);
  const text = readFileSync((await download.path())!).toString();
  expect(text).toContain('Rounds — role changes');
  expect(text).toMatch(new RegExp(`Morgan Reyes \\(@morgan:[^)]+\\) took the role Billing from ${display} \\(@${name}:`));
});

test('a non-admin opening /staff is told they lack access', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana');
  await expect(dana.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' })).toHaveCount(0);
  await dana.goto('/staff');
  await expect(dana.getByRole('alert')).toContainText("You don't have access to staff management");
});
