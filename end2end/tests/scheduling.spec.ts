import { test, expect, type Browser, type Page } from './fixtures';
import { execFileSync } from 'node:child_process';
import { fhir, findThread, resetEhr, signedIn } from './helpers';

async function openThread(page: Page, text: string) {
  await (await findThread(page, text)).getByRole('link').click();
  await expect(page.getByRole('list', { name: 'Messages' })).toBeVisible();
}

/** Dana in the Maya R. thread with the first free slot chosen (not yet confirmed), and how many
 *  appointment cards the thread already shows. */
async function slotChosen(browser: Browser) {
  const dana = await signedIn(browser, 'dana', undefined, true);
  await openThread(dana, 'Client canceled');
  const patient = dana.getByRole('region', { name: 'Patient' });
  await patient.getByRole('button', { name: 'Reschedule' }).first().click();
  await patient.getByRole('list', { name: 'Free slots' }).getByRole('radio').first().check();
  return { dana, patient, cards: await dana.locator('.appointment-card').count() };
}

/** The soonest free slot in Jordan's schedule: the first time the picker offers. */
async function soonestFreeSlot() {
  const now = new Date().toISOString();
  const found = await fhir('GET', `Slot?schedule=Schedule/jordan&status=free&start=ge${now}&_sort=start&_count=1`);
  return found.json.entry[0].resource;
}

/** Someone edits a slot directly in the EHR (its version changes). */
async function touchSlot(id: string) {
  const current = await fhir('GET', `Slot/${id}`);
  const edited = { ...current.json, comment: 'Edited in the EHR' };
  expect((await fhir('PUT', `Slot/${id}`, edited, { 'If-Match': current.etag! })).status).toBe(200);
}

/** `instant` as the app shows a time: the browser's own Intl, in its locale (3:00 PM in en-US). */
async function shownTime(page: Page, instant: string): Promise<string> {
  return page.evaluate((at) => new Intl.DateTimeFormat(navigator.languages, { hour: 'numeric', minute: '2-digit' }).format(new Date(at)), instant);
}

test.beforeEach(resetEhr);

test('the front desk reschedules from a thread; the change lands in the EHR and in the thread', async ({ browser }) => {
  const [dana, jordan] = await Promise.all([signedIn(browser, 'dana', undefined, true), signedIn(browser, 'jordan', undefined, true)]);
  await openThread(dana, 'Client canceled');
  await openThread(jordan, 'Client canceled');

  const patient = dana.getByRole('region', { name: 'Patient' });
  await expect(patient.getByRole('heading', { name: 'Maya Rossi' })).toBeVisible();
  const before = (await fhir('GET', 'Appointment/maya-r-1')).json;
  await expect(patient.getByRole('listitem').filter({ hasText: await shownTime(dana, before.start) }).first()).toBeVisible();
  await patient.getByRole('button', { name: 'Reschedule' }).first().click();
  await patient.getByRole('group', { name: 'Day' }).getByRole('button').nth(1).click();
  const slots = patient.getByRole('list', { name: 'Free slots' });
  await expect(slots.getByRole('radio').first()).toBeVisible();
  await slots.getByRole('radio').nth(2).check();
  await patient.getByRole('button', { name: 'Confirm' }).click();
  await expect(patient.getByRole('status')).toContainText('Rescheduled Maya R. from');

  // The EHR has the new time, on a slot that is now busy, and the old slot is free again.
  const after = (await fhir('GET', 'Appointment/maya-r-1')).json;
  expect(after.start).not.toBe(before.start);
  const newSlot = (await fhir('GET', after.slot[0].reference)).json;
  expect(newSlot.status).toBe('busy');
  expect(newSlot.start).toBe(after.start);
  expect((await fhir('GET', before.slot[0].reference)).json.status).toBe('free');

  // The therapist sees the update card live.
  await expect(jordan.locator('.appointment-card').last()).toContainText(`Rescheduled Maya R. from`);
  await expect(jordan.locator('.appointment-card').last()).toContainText(`to`);

  // The schedule view shows the new time for that day.
  await dana.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedule' }).click();
  const day = (d: string) => { const x = new Date(d); x.setHours(0, 0, 0, 0); return x.getTime(); };
  const offset = Math.round((day(after.start) - day(new Date().toISOString())) / 86_400_000);
  for (let i = 0; i < offset; i++) await dana.getByRole('button', { name: 'Next day' }).click();
  const column = dana.getByRole('region', { name: 'Jordan Ellis' });
  await expect(column).toContainText(await shownTime(dana, after.start));
  // Rows read `17:00–18:00 Maya Rossi`: match the start, not an earlier row's end.
  await expect(column.getByRole('listitem').filter({ hasText: `${await shownTime(dana, after.start)}–` })).toContainText('Maya Rossi');
});

test('a change made meanwhile in the EHR gives a conflict, not a silent overwrite', async ({ browser }) => {
  const { dana, patient, cards } = await slotChosen(browser);

  // Someone edits the appointment directly in the EHR before Dana confirms.
  const current = await fhir('GET', 'Appointment/maya-r-1');
  const edited = { ...current.json, comment: 'Family called the office' };
  expect((await fhir('PUT', 'Appointment/maya-r-1', edited, { 'If-Match': current.etag! })).status).toBe(200);

  await patient.getByRole('button', { name: 'Confirm' }).click();
  await expect(patient.getByRole('alert')).toContainText('changed by someone else meanwhile');
  const after = (await fhir('GET', 'Appointment/maya-r-1')).json;
  expect(after.start).toBe(current.json.start);
  expect(after.comment).toBe('Family called the office');
  // Nothing was announced in the thread.
  await dana.waitForTimeout(1000);
  await expect(dana.locator('.appointment-card')).toHaveCount(cards);
});

test('billing sees the patient name but no appointments or actions', async ({ browser }) => {
  const sam = await signedIn(browser, 'sam', undefined, true);
  await openThread(sam, 'Authorization renewal pending');
  const patient = sam.getByRole('region', { name: 'Patient' });
  await expect(patient.getByRole('heading', { name: 'Sara Martinez' })).toBeVisible();
  await expect(patient).toContainText('Appointments are not available for your role.');
  await expect(patient.getByRole('button')).toHaveCount(0);
  // The EHR gave billing the name and nothing else (the birth date is not shown because the
  // EHR did not send it).
  await expect(patient).not.toContainText('Born');
  await expect(sam.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedule' })).toHaveCount(0);
});

test('the New thread dialog offers matching patients from the EHR, told apart, and says when it cannot', async ({ browser }) => {
  // Signed in by password: the EHR is not connected, and the field says so in place.
  const unconnected = await signedIn(browser, 'jordan');
  await unconnected.getByRole('button', { name: 'New thread' }).click();
  const their = unconnected.getByRole('dialog', { name: 'New thread' });
  await their.getByRole('textbox', { name: 'Patient' }).fill('sara');
  await expect(their).toContainText("Sign in to the EHR to find the patient's record.");
  await expect(their.getByRole('button', { name: 'Sign in to the EHR' })).toBeVisible();
  await expect(their.getByRole('listbox', { name: 'Matching patients' }).getByRole('option')).toHaveCount(0);

  const priya = await signedIn(browser, 'priya', undefined, true);
  await priya.getByRole('button', { name: 'New thread' }).click();
  const dialog = priya.getByRole('dialog', { name: 'New thread' });
  // Two patients called "Sara M.": birth date and record number tell them apart.
  await dialog.getByRole('textbox', { name: 'Patient' }).fill('sara');
  const options = dialog.getByRole('listbox', { name: 'Matching patients' }).getByRole('option');
  await expect(options).toHaveText([
    /^Sara Martinez · born 04\/12\/2016 · MRN RT-\d+$/,
    /^Sara Mendes · born 10\/02\/2012 · MRN RT-\d+$/,
  ]);
  await expect(dialog).not.toContainText('Sign in to the EHR');
  await dialog.getByRole('textbox', { name: 'Patient' }).fill('jose');
  await dialog.getByRole('option', { name: /^José Hernández/ }).click();
  await expect(dialog.getByRole('textbox', { name: 'Patient' })).toHaveValue('José H.');
  await dialog.getByRole('textbox', { name: 'Topic' }).fill('Intake paperwork');
  await dialog.getByRole('textbox', { name: 'Message' }).fill('Paperwork is incomplete.');
  await dialog.getByRole('button', { name: 'Create thread' }).click();
  const region = priya.getByRole('region', { name: 'Patient' });
  // The EHR's record, not the label typed in the thread.
  await expect(region.getByRole('heading', { name: 'José Hernández' })).toBeVisible();
  await expect(region).toContainText(/Born 03\/05\/2014 · MRN RT-\d+/);
  // A clinician reads appointments; changing them is the front desk's, and the place says why.
  await expect(region.getByRole('list').getByRole('listitem').first()).toBeVisible();
  await expect(region.getByRole('button', { name: 'Reschedule' })).toHaveCount(0);
  await expect(region).toContainText("Your role's EHR access does not include rescheduling or cancelling");
});

test('with the EHR down, nothing is changed and nothing is posted', async ({ browser }) => {
  const { dana, patient, cards } = await slotChosen(browser);
  execFileSync('bash', ['../scripts/fhir.sh', 'stop', 'test'], { stdio: 'inherit' });
  try {
    await patient.getByRole('button', { name: 'Confirm' }).click();
    await expect(patient.getByRole('alert')).toContainText('Nothing was changed: the EHR could not be reached');
    await dana.waitForTimeout(1000);
    await expect(dana.locator('.appointment-card')).toHaveCount(cards);
  } finally {
    execFileSync('bash', ['../scripts/fhir.sh', 'start', 'test'], { stdio: 'inherit' });
  }
});

test('with the EHR down, a sign-in says the EHR is unreachable and staff still get in', async ({ browser }) => {
  execFileSync('bash', ['../scripts/fhir.sh', 'stop', 'test'], { stdio: 'inherit' });
  try {
    const dana = await signedIn(browser, 'dana', { width: 390, height: 844 }, true);
    const said = dana.getByRole('alert').filter({ hasText: 'the EHR could not be reached' });
    await expect(said).toBeVisible();
    await expect(dana.locator('body')).not.toContainText(/TypeError|Connection\(|M_[A-Z_]+|HTTP \d{3}/);
    await expect(dana.getByRole('list', { name: 'Threads' })).toBeVisible();
  } finally {
    execFileSync('bash', ['../scripts/fhir.sh', 'start', 'test'], { stdio: 'inherit' });
  }
});

test('the front desk moves an appointment to a day weeks ahead', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana', undefined, true);
  await openThread(dana, 'Client canceled');
  const patient = dana.getByRole('region', { name: 'Patient' });
  await patient.getByRole('button', { name: 'Reschedule' }).first().click();
  const days = patient.getByRole('group', { name: 'Day' }).getByRole('button');
  await expect(days.first()).toBeVisible();
  // Every working day of the coming weeks is offered, not just the next dozen times.
  expect(await days.count()).toBeGreaterThanOrEqual(10);
  await days.last().click();
  await expect(days.last()).toHaveAttribute('aria-pressed', 'true');
  const label = (await days.last().getAttribute('aria-label'))!.split(':')[0];
  await patient.getByRole('list', { name: 'Free slots' }).getByRole('radio').last().check();
  await patient.getByRole('button', { name: 'Confirm' }).click();
  await expect(patient.getByRole('status')).toContainText('Rescheduled Maya R. from');

  const after = (await fhir('GET', 'Appointment/maya-r-1')).json;
  const daysAhead = (new Date(after.start).getTime() - Date.now()) / 86_400_000;
  expect(daysAhead).toBeGreaterThan(9);
  const shown = new Date(after.start).toLocaleDateString('en-US', { weekday: 'short', month: 'short', day: 'numeric' });
  expect(shown).toBe(label);
});

for (const [device, viewport] of [
  ['phone', { width: 390, height: 844 }],
  ['tablet', { width: 820, height: 1180 }],
] as const) {
  test(`every offered day and time is reachable on a ${device} without sideways scrolling`, async ({ browser }) => {
    const dana = await signedIn(browser, 'dana', viewport, true);
    await openThread(dana, 'Client canceled');
    const patient = dana.getByRole('region', { name: 'Patient' });
    // A phone shows the patient in one line; the appointments on demand.
    const appointments = patient.getByRole('button', { name: 'Appointments', exact: true });
    if (await appointments.isVisible()) await appointments.click();
    await patient.getByRole('button', { name: 'Reschedule' }).first().click();
    const days = patient.getByRole('group', { name: 'Day' }).getByRole('button');
    await expect(days.first()).toBeVisible();
    const within = async (locator: import('@playwright/test').Locator) => {
      await locator.scrollIntoViewIfNeeded();
      const box = (await locator.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    };
    for (const day of await days.all()) await within(day);
    for (const day of [days.first(), days.last()]) {
      await day.click();
      const times = patient.getByRole('list', { name: 'Free slots' }).getByRole('listitem');
      await expect(times.first()).toBeVisible();
      for (const time of await times.all()) await within(time);
    }
    const overflow = await dana.evaluate(() => {
      const scrollers = [...document.querySelectorAll<HTMLElement>('*')].filter(
        (el) => el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX),
      );
      return { page: document.documentElement.scrollWidth > innerWidth, hidden: scrollers.map((e) => e.className) };
    });
    expect(overflow).toEqual({ page: false, hidden: [] });
  });
}

test('cancelling asks for confirmation and a reason, which the EHR records', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana', undefined, true);
  await openThread(dana, 'Client canceled');
  const patient = dana.getByRole('region', { name: 'Patient' });
  const before = (await fhir('GET', 'Appointment/maya-r-1')).json;

  await patient.getByRole('button', { name: 'Cancel appointment' }).first().click();
  await expect(patient).toContainText('Cancel the appointment on');
  await patient.getByRole('button', { name: 'Keep appointment' }).click();
  expect((await fhir('GET', 'Appointment/maya-r-1')).json.status).toBe('booked');

  await patient.getByRole('button', { name: 'Cancel appointment' }).first().click();
  await patient.getByRole('button', { name: 'Confirm cancellation' }).click();
  await expect(patient.getByRole('alert')).toContainText('Give a reason');
  expect((await fhir('GET', 'Appointment/maya-r-1')).json.status).toBe('booked');

  await patient.getByRole('textbox', { name: 'Reason' }).fill('Family is travelling for two weeks');
  await patient.getByRole('button', { name: 'Confirm cancellation' }).click();
  await expect(patient.getByRole('status')).toContainText("Cancelled Maya R.'s appointment");
  const after = (await fhir('GET', 'Appointment/maya-r-1')).json;
  expect(after.status).toBe('cancelled');
  expect(after.cancelationReason).toEqual({ text: 'Family is travelling for two weeks' });
  expect((await fhir('GET', before.slot[0].reference)).json.status).toBe('free');
  await expect(dana.locator('.appointment-card').last()).toContainText("Cancelled Maya R.'s appointment");
});

test('a move whose slot write fails says exactly what was written, and can be undone or finished', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana', undefined, true);
  await openThread(dana, 'Client canceled');
  const patient = dana.getByRole('region', { name: 'Patient' });
  const cards = await dana.locator('.appointment-card').count();
  const original = (await fhir('GET', 'Appointment/maya-r-1')).json;

  // The chosen time is edited in the EHR between choosing it and confirming.
  const choose = async () => {
    await patient.getByRole('button', { name: 'Reschedule' }).first().click();
    await patient.getByRole('list', { name: 'Free slots' }).getByRole('radio').first().check();
    const slot = await soonestFreeSlot();
    await touchSlot(slot.id);
    await patient.getByRole('button', { name: 'Confirm' }).click();
    return slot;
  };
  let slot = await choose();
  await expect(patient.getByRole('alert')).toContainText('The appointment was moved to');
  await expect(patient.getByRole('alert')).toContainText('its new time could not be marked as taken');
  // The EHR really holds the half-done move; nothing was announced.
  expect((await fhir('GET', 'Appointment/maya-r-1')).json.start).toBe(slot.start);
  await expect(dana.locator('.appointment-card')).toHaveCount(cards);

  await patient.getByRole('button', { name: 'Undo the move' }).click();
  await expect(patient.getByRole('status')).toContainText('The move was undone');
  expect((await fhir('GET', 'Appointment/maya-r-1')).json.start).toBe(original.start);
  expect((await fhir('GET', `Slot/${slot.id}`)).json.status).toBe('free');
  await expect(dana.locator('.appointment-card')).toHaveCount(cards);

  slot = await choose();
  await expect(patient.getByRole('alert')).toContainText('its new time could not be marked as taken');
  await patient.getByRole('button', { name: 'Finish the change' }).click();
  await expect(patient.getByRole('status')).toContainText('Rescheduled Maya R. from');
  expect((await fhir('GET', 'Appointment/maya-r-1')).json.start).toBe(slot.start);
  expect((await fhir('GET', `Slot/${slot.id}`)).json.status).toBe('busy');
  expect((await fhir('GET', original.slot[0].reference)).json.status).toBe('free');
  await expect(dana.locator('.appointment-card')).toHaveCount(cards + 1);
});

test('the week view shows each practitioner\'s visits by day, and a visit leads to the threads about its patient', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana', undefined, true);
  await dana.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedule' }).click();
  await dana.getByRole('button', { name: 'Week', exact: true }).click();
  await expect(dana.getByRole('button', { name: 'Week', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(dana.getByRole('heading', { level: 1 })).toContainText('Schedule — week of');

  // Maya Rossi's visit (the EHR's Appointment/maya-r-1) in the week that holds it.
  const visit = (await fhir('GET', 'Appointment/maya-r-1')).json;
  const monday = (d: Date) => { const x = new Date(d); x.setHours(0, 0, 0, 0); x.setDate(x.getDate() - ((x.getDay() + 6) % 7)); return x.getTime(); };
  const weeks = Math.round((monday(new Date(visit.start)) - monday(new Date())) / (7 * 86_400_000));
  for (let i = 0; i < weeks; i++) await dana.getByRole('button', { name: 'Next week' }).click();
  const column = dana.getByRole('region', { name: 'Jordan Ellis' });
  const day = await dana.evaluate((at) => new Intl.DateTimeFormat(navigator.languages, { weekday: 'short', month: 'short', day: 'numeric' }).format(new Date(at)), visit.start);
  await expect(column.getByRole('heading', { level: 3, name: day })).toBeVisible();
  const row = column.getByRole('listitem').filter({ hasText: `${await shownTime(dana, visit.start)}–` }).filter({ hasText: 'Maya Rossi' });
  await expect(row).toBeVisible();

  // The thread about Maya R. is one tap away.
  await row.getByRole('link', { name: /^Open thread Maya R\. – Client canceled/ }).click();
  await expect(dana.getByRole('heading', { level: 1 })).toContainText('Client canceled');
  await expect(dana.getByRole('list', { name: 'Messages' })).toBeVisible();

  // Back to a single day.
  await dana.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedule' }).click();
  await expect(dana.getByRole('button', { name: 'Day', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(dana.getByRole('button', { name: 'Next day' })).toBeVisible();
});

test('the slot picker never offers a day the clinic is closed', async ({ browser }) => {
  const { dana, patient } = await slotChosen(browser);
  // The EHR blocks the clinic's training day (busy-unavailable): no free time on it.
  const blocked = (await fhir('GET', 'Slot?schedule=Schedule/jordan&status=busy-unavailable&_count=100')).json.entry.map((e: any) => e.resource);
  expect(blocked.length).toBe(8);
  expect(blocked[0].comment).toBe('Clinic closed — staff training');
  const closed = await dana.evaluate(
    (at) => new Intl.DateTimeFormat(navigator.languages, { weekday: 'short', month: 'short', day: 'numeric' }).format(new Date(at)),
    blocked[0].start,
  );
  const offered = await patient.getByRole('group', { name: 'Day' }).getByRole('button').evaluateAll((days) => days.map((d) => d.getAttribute('aria-label') ?? ''));
  expect(offered.length).toBeGreaterThan(5);
  expect(offered.filter((label) => label.startsWith(`${closed}:`))).toEqual([]);
});
