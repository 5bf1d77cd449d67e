import { test, expect } from './fixtures';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, FHIR, HOMESERVER, fhir, findThread, signedIn, signInSso, unique } from './helpers';

/** How the homeserver notified `api`'s person of `eventId`: not at all, or with these actions. */
async function notification(api: Api, eventId: string): Promise<unknown[] | null> {
  const { json } = await api.call('GET', '/_matrix/client/v3/notifications?limit=50');
  return (json.notifications ?? []).find((n: any) => n.event.event_id === eventId)?.actions ?? null;
}

test('with a patient: colleagues see it, and only urgent threads reach the person at once', async ({ browser }) => {
  const [priya, dana] = await Promise.all([signedIn(browser, 'priya'), signedIn(browser, 'dana')]);
  const topic = unique('Room 3 needs the wedge ');
  const [priyaApi, danaApi] = await Promise.all([Api.login('priya'), Api.login('dana')]);
  const scheduling = await danaApi.roomId('rounds.scheduling');
  const root = await danaApi.send(scheduling, { msgtype: 'm.text', body: topic, 'app.rounds.thread': { topic, patient: null, priority: 'routine' } });
  await priyaApi.send(scheduling, {
    msgtype: 'm.text',
    body: 'I will bring it after my session.',
    'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
  });

  await priya.getByRole('combobox', { name: 'Availability' }).selectOption('With a patient');
  await (await findThread(dana, topic)).getByRole('link').click();
  const priyasMessage = dana.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'I will bring it' });
  await expect(priyasMessage).toContainText('With a patient');

  // On the homeserver: a rule right after the urgent one holds back ordinary messages.
  const rules = async () => {
    const { json } = await priyaApi.call('GET', '/_matrix/client/v3/pushrules/');
    return (json.global.override as any[]).map((r) => r.rule_id).filter((id: string) => id.startsWith('app.rounds.'));
  };
  expect(await rules()).toEqual(['app.rounds.urgent', 'app.rounds.hold']);
  const ordinary = await danaApi.send(scheduling, {
    msgtype: 'm.text',
    body: 'No rush, thanks Priya',
    'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
  });
  const urgentTopic = unique('Fire drill in ten minutes ');
  const urgent = await danaApi.send(scheduling, { msgtype: 'm.text', body: urgentTopic, 'app.rounds.thread': { topic: urgentTopic, patient: null, priority: 'urgent' } });
  await expect.poll(() => notification(priyaApi, urgent)).not.toBeNull();
  expect(await notification(priyaApi, ordinary)).toBeNull();

  // Back to Available: the hold goes, and colleagues see her available again.
  await priya.getByRole('combobox', { name: 'Availability' }).selectOption('Available');
  await expect(priyasMessage).not.toContainText('With a patient');
  await expect.poll(rules).toEqual(['app.rounds.urgent']);

  // Changed quickly, as someone trying the picker out: nothing refused, no protocol text, and
  // the last choice is what colleagues see and what the homeserver keeps through later syncs.
  const picker = priya.getByRole('combobox', { name: 'Availability' });
  for (const choice of ['Off duty', 'With a patient', 'Available', 'Off duty']) await picker.selectOption(choice);
  // Synapse limits how often presence may change (one change per 10 s after a burst, by
  // default): a change made right after others waits for it, then lands.
  await expect(picker).toHaveValue('Off duty');
  await expect(priyasMessage).toContainText('Off duty', { timeout: 30_000 });
  await priya.waitForTimeout(3000);
  await expect(priyasMessage).toContainText('Off duty');
  await expect(priya.getByRole('alert')).toHaveCount(0);
  await expect(priya.locator('body')).not.toContainText(/M_LIMIT|429|could not be changed/);
  // The homeserver keeps it. Its presence is the most online of the person's devices, and a
  // device closed in the last half minute (earlier tests' windows) still counts as online until
  // it times out, so the presence itself is waited for.
  const presence = async () =>
    (await danaApi.call('GET', `/_matrix/client/v3/presence/${encodeURIComponent(priyaApi.userId)}/status`)).json;
  await expect.poll(async () => (await presence()).status_msg).toBe('Off duty');
  await expect.poll(async () => (await presence()).presence, { timeout: 60_000 }).toBe('unavailable');
  await picker.selectOption('Available');
  await expect(priyasMessage).not.toContainText('Off duty', { timeout: 30_000 });
});

test('a clinician in an appointment on the EHR schedule is shown with a patient', async ({ browser }) => {
  const port = 18090;
  const config = join(tmpdir(), 'rounds-e2e-config-schedule.json');
  writeFileSync(config, JSON.stringify({
    clinic_name: 'Riverside Therapy',
    homeserver: HOMESERVER,
    clinic: 'rounds',
    sso: { name: 'Riverside staff account' },
    fhir: { base_url: FHIR, client_id: 'rounds-app', with_patient_from_schedule: true },
  }));
  const server: ChildProcess = spawn('node', ['serve.mjs'], { env: { ...process.env, PORT: String(port), ROUNDS_CONFIG: config } });
  // Jordan is seeing Sara M. right now.
  const now = Date.now();
  const created = await fhir('POST', 'Appointment', {
    resourceType: 'Appointment',
    status: 'booked',
    start: new Date(now - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    end: new Date(now + 25 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    participant: [
      { actor: { reference: 'Patient/sara-m' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/jordan' }, status: 'accepted' },
    ],
  });
  expect(created.status).toBe(201);
  try {
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/config.json`).catch(() => null))?.status).toBe(200);
    const context = await browser.newContext({ baseURL: `http://127.0.0.1:${port}` });
    const page = await context.newPage();
    await signInSso(page, 'jordan');
    await expect(page.getByRole('combobox', { name: 'Availability' })).toHaveValue('With a patient', { timeout: 30_000 });
    // Colleagues see it through the homeserver.
    const jordanApi = await Api.login('jordan');
    const statusMessage = async () =>
      (await jordanApi.call('GET', `/_matrix/client/v3/presence/${encodeURIComponent(jordanApi.userId)}/status`)).json.status_msg;
    // The picker shows the choice at once; the homeserver has it a moment later.
    await expect.poll(statusMessage).toBe('With a patient');
    await page.getByRole('combobox', { name: 'Availability' }).selectOption('Available');
    await context.close();
  } finally {
    server.kill();
    await fhir('DELETE', `Appointment/${created.json.id}`);
  }
});
