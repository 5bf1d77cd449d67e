// Screens give the conversation the room: in a thread linked to a patient the conversation has at
// least 60 % of the height on a 1024×768 tablet and a 390×844 phone (the Patient region is one
// line until asked for), primary buttons are reachable without scrolling, phones fold the inbox
// filters away and show whether Rounds is live.
import { test, expect } from './fixtures';
import { findThread, signedIn } from './helpers';

for (const [device, size] of [
  ['phone', { width: 390, height: 844 }],
  ['tablet', { width: 1024, height: 768 }],
] as const) {
  test(`a linked thread leaves the conversation the room on a ${device}`, async ({ browser }) => {
    const dana = await signedIn(browser, 'dana', size, true);
    const notNow = dana.getByRole('button', { name: 'Not now' });
    if (await notNow.isVisible()) await notNow.click();
    if (device === 'phone') {
      await expect(dana.getByText('Live', { exact: true })).toBeVisible();
      // The filters fold away; the list starts high on the screen.
      await expect(dana.getByRole('combobox', { name: 'Category' })).toBeHidden();
      const firstRow = await dana.getByRole('list', { name: 'Threads' }).getByRole('listitem').first().boundingBox();
      expect(firstRow!.y).toBeLessThan(size.height / 3);
    }
    await (await findThread(dana, 'Client canceled')).getByRole('link').click();
    const patient = dana.getByRole('region', { name: 'Patient' });
    await expect(patient.getByRole('heading', { name: 'Maya Rossi' })).toBeVisible();
    // One summary line; the appointments on demand.
    await expect(patient.getByRole('button', { name: 'Reschedule' })).toBeHidden();
    await dana.waitForTimeout(500);
    const conversation = await dana.locator('.messages-scroll').boundingBox();
    expect(conversation!.height / size.height).toBeGreaterThanOrEqual(0.6);

    // Rescheduling: Confirm is on the screen once a time is chosen.
    await patient.getByRole('button', { name: 'Appointments' }).click();
    await patient.getByRole('button', { name: 'Reschedule' }).first().click();
    await patient.getByRole('group', { name: 'Day' }).getByRole('button').nth(1).click();
    await patient.getByRole('list', { name: 'Free slots' }).getByRole('radio').first().check();
    const confirm = await patient.getByRole('button', { name: 'Confirm' }).boundingBox();
    expect(confirm!.y + confirm!.height).toBeLessThanOrEqual(size.height);
    await patient.getByRole('button', { name: 'Back' }).click();

    // New thread: Create thread is reachable without scrolling.
    if (device === 'phone') await dana.getByRole('link', { name: '‹ Inbox' }).click();
    await dana.getByRole('button', { name: 'New thread' }).click();
    const create = await dana.getByRole('dialog', { name: 'New thread' }).getByRole('button', { name: 'Create thread' }).boundingBox();
    expect(create!.y + create!.height).toBeLessThanOrEqual(size.height);
  });
}

test('the "Address to" choices line up, on a phone and a tablet', async ({ browser }) => {
  for (const size of [{ width: 390, height: 844 }, { width: 1024, height: 768 }]) {
    const morgan = await signedIn(browser, 'morgan', size);
    await morgan.getByRole('button', { name: 'New thread' }).click();
    const dialog = morgan.getByRole('dialog', { name: 'New thread' });
    await dialog.getByLabel('Category').selectOption({ label: 'Scheduling' });
    const boxes = dialog.getByRole('group', { name: 'Address to' }).getByRole('checkbox');
    expect(await boxes.count()).toBeGreaterThan(1);
    const places = await boxes.evaluateAll((all) => all.map((b) => b.getBoundingClientRect()).map((r) => ({ x: Math.round(r.left), y: Math.round(r.top) })));
    // Boxes side by side sit at exactly one height (no near misses), and every row starts its
    // columns at the first row's left edges.
    for (const a of places) for (const b of places) if (Math.abs(a.y - b.y) < 20) expect(a.y).toBe(b.y);
    const firstRow = places.filter((p) => p.y === places[0].y).map((p) => p.x);
    for (const p of places) expect(firstRow).toContain(p.x);
    await morgan.context().close();
  }
});
