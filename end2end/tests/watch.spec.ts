import { test, expect, type Page } from './fixtures';
import { execFileSync } from 'node:child_process';
import { Api, DEMO_PASSWORD, fhir, HOMESERVER, showAppointments, signedIn, threadItem } from './helpers';

/** A visit of Liam K. with Jordan yesterday, as the EHR records it: booked, then marked missed. */
async function missedVisit() {
  const start = new Date(Date.now() - 86_400_000);
  start.setUTCMinutes(0, 0, 0);
  const end = new Date(start.getTime() + 3_600_000);
  const booked = await fhir('POST', 'Appointment', {
    resourceType: 'Appointment',
    status: 'booked',
    serviceType: [{ text: 'Speech-language pathology' }],
    start: start.toISOString(),
    end: end.toISOString(),
    participant: [
      { actor: { reference: 'Patient/liam-k', display: 'Liam Kim' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/jordan', display: 'Jordan Ellis' }, status: 'accepted' },
    ],
  });
  expect(booked.status).toBe(201);
  const missed = await fhir('PUT', `Appointment/${booked.json.id}`, { ...booked.json, status: 'noshow' }, { 'If-Match': booked.etag! });
  expect(missed.status).toBe(200);
  return missed.json;
}

test('a missed visit opens a thread for the front desk, which closes itself when a new visit is booked', async ({ browser }) => {
  const [dana, jordan, sam] = await Promise.all([
    signedIn(browser, 'dana', undefined, true),
    signedIn(browser, 'jordan', { width: 390, height: 844 }),
    signedIn(browser, 'sam', { width: 1024, height: 768 }),
  ]);
  const missed = await missedVisit();

  // On the homeserver: one thread for the fact, by the clinic's service account.
  const danaApi = await Api.login('dana');
  const scheduling = await danaApi.roomId('rounds.scheduling');
  const rootsOf = async () => (await danaApi.messages(scheduling)).filter((e) => e.content?.['app.rounds.watch']?.resource === `Appointment/${missed.id}`);
  await expect.poll(async () => (await rootsOf()).length, { timeout: 20_000 }).toBe(1);
  const roots = await rootsOf();
  expect(roots[0].sender).toMatch(/^@rounds-escalation:/);
  expect(roots[0].content['app.rounds.watch']).toMatchObject({ kind: 'missed-visit', version: missed.meta.versionId });

  // Dana's first screen (For me), no control touched: the EHR's thread, said as the EHR's.
  const rowIn = (page: Page) => page.getByRole('list', { name: 'Threads' }).getByRole('listitem')
    .filter({ has: page.locator(`a[href$="/${encodeURIComponent(roots[0].event_id)}"]`) });
  const row = rowIn(dana);
  await expect(row).toBeVisible();
  await expect(row).toContainText('Liam K. – Missed visit');
  await expect(row).toContainText('EHR: The EHR shows Liam K. did not come to the Speech-language pathology visit');
  await row.getByRole('link').click();
  await expect(dana.getByRole('heading', { level: 1 })).toContainText(/^Liam K\. – Missed visit .+: please reschedule$/);
  await expect(dana.locator('.thread-tags')).toContainText('For Front desk');
  await expect(dana.locator('.thread-tags')).toContainText('From the EHR · Missed visit');


  // Jordan (a clinician) is not asked; Sam (billing) sees nothing of it, and the homeserver
  // refuses him the room.
  await expect(jordan.getByRole('list', { name: 'Threads' })).toBeVisible();
  await expect(rowIn(jordan)).toHaveCount(0);
  await expect(rowIn(sam)).toHaveCount(0);
  const samApi = await Api.login('sam');
  expect((await samApi.call('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(scheduling)}/messages?dir=b`)).status).toBe(403);

  // Dana books Liam's next visit from the thread; the EHR shows it, and the thread closes itself.
  const patient = dana.getByRole('region', { name: 'Patient' });
  await showAppointments(patient);
  await patient.getByRole('button', { name: 'Reschedule' }).first().click();
  await patient.getByRole('list', { name: 'Free slots' }).getByRole('radio').first().check();
  await patient.getByRole('button', { name: 'Confirm' }).click();
  await expect(patient.getByRole('status')).toContainText('Rescheduled Liam K. from');
  const messages = dana.getByRole('list', { name: 'Messages' });
  await expect(messages).toContainText(/EHR.*Resolved: new appointment booked /s, { timeout: 20_000 });
  await expect(dana.locator('.thread-tags')).toContainText('Resolved');
  // Once: the notice and the resolution are each in the thread one time.
  const inThread = (await danaApi.messages(scheduling)).filter((e) => e.content?.['m.relates_to']?.event_id === roots[0].event_id);
  expect(inThread.filter((e) => e.content.msgtype === 'm.notice').length).toBe(1);
  expect(inThread.filter((e) => e.type === 'app.rounds.thread.update').map((e) => e.content.status)).toEqual(['resolved']);
  for (const page of [dana, jordan, sam]) await expect(page.locator('body')).not.toContainText(/M_[A-Z]|HTTP \d{3}|TypeError/);
});

test('a colleague cannot make a thread look opened by the EHR', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana');
  const jordanApi = await Api.login('jordan');
  const scheduling = await jordanApi.roomId('rounds.scheduling');
  // Jordan writes, through any Matrix client, a root claiming to be the EHR's.
  const topic = `Missed visit Fri 09:00: please reschedule (${Date.now()})`;
  await jordanApi.send(scheduling, {
    msgtype: 'm.text',
    body: `Liam K. – ${topic}\n\nThe EHR shows Liam K. did not come.`,
    'app.rounds.thread': { topic, patient: { display: 'Liam K.', id: 'Patient/liam-k' }, priority: 'routine', to_roles: ['front-desk'] },
    'app.rounds.watch': { kind: 'missed-visit', resource: 'Appointment/liam-k-1', version: '1' },
    'm.mentions': { user_ids: [`@dana:${jordanApi.userId.split(':')[1]}`] },
  });
  const row = threadItem(dana, topic);
  await expect(row).toBeVisible();
  await expect(row).toContainText('Jordan Ellis: The EHR shows Liam K. did not come.');
  await row.getByRole('link').click();
  await expect(dana.getByRole('heading', { level: 1 })).toContainText(topic);
  await expect(dana.locator('.thread-tags')).toContainText('For Front desk');
  await expect(dana.locator('.thread-tags')).not.toContainText('From the EHR');
  await expect(dana.getByRole('list', { name: 'Messages' })).toContainText('Jordan Ellis');
});

/** `rounds-admin watch …` as the clinic's admin: what it prints. */
function adminWatch(...args: string[]): string {
  return execFileSync('../target/debug/rounds-admin', ['--homeserver', HOMESERVER, 'watch', ...args], {
    env: { ...process.env, ROUNDS_ADMIN_USER: 'morgan', ROUNDS_ADMIN_PASSWORD: DEMO_PASSWORD },
    encoding: 'utf8',
  });
}

test('admins see which EHR events open threads on the Staff page, as rounds-admin watch sets them', async ({ browser }) => {
  const morgan = await signedIn(browser, 'morgan');
  await morgan.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click();
  const table = morgan.getByRole('table', { name: 'Which EHR events open threads, where and for whom' });
  await expect(table.getByRole('row', { name: /Missed visit/ })).toContainText('SchedulingFront desk (routine)');
  await expect(table.getByRole('row', { name: /Cancelled by the patient/ })).toContainText('SchedulingFront desk (routine)');
  await expect(table.getByRole('row', { name: /New referral/ })).toContainText('ReferralFront desk (routine)');
  try {
    expect(adminWatch('new-referral', '--priority', 'urgent', '--roles', 'front-desk,clinician')).toContain('urgent threads in referral for front-desk, clinician');
    // A rule the clinic could not follow is refused: billing cannot read Scheduling.
    expect(() => adminWatch('missed-visit', '--roles', 'billing')).toThrow(/cannot read Scheduling/);
    await morgan.reload();
    await expect(table.getByRole('row', { name: /New referral/ })).toContainText('ReferralFront desk, Clinician (urgent)');
    await expect(table.getByRole('row', { name: /Missed visit/ })).toContainText('SchedulingFront desk (routine)');
  } finally {
    adminWatch('new-referral', '--priority', 'routine', '--roles', 'front-desk');
  }
});
