import { test, expect } from './fixtures';
import { Api, findThread, signedIn, unique } from './helpers';

// scripts/test.sh sets Staffing to escalate after 4 s (reminder) and 8 s (the admin), and runs
// the escalation service (rounds-escalation) beside Synapse.
const WINDOW_S = 4;

test('an unacknowledged urgent thread reminds its roles, then calls in the admin, once each', async ({ browser }) => {
  const [priya, morgan] = await Promise.all([signedIn(browser, 'priya'), signedIn(browser, 'morgan')]);
  const topic = unique('Client in lobby is dysregulated ');
  const danaApi = await Api.login('dana');
  const staffing = await danaApi.roomId('rounds.staffing');
  const sent = Date.now();
  const root = await danaApi.urgentThread(staffing, topic, 'Who can come?');

  // The clinicians see the reminder, the admin is called in: both as escalation notices.
  await (await findThread(priya, topic)).getByRole('link').click();
  const priyaNotes = priya.getByRole('list', { name: 'Messages' }).getByRole('note');
  await expect(priyaNotes.first()).toContainText('Reminding Clinician, Front desk', { timeout: 20_000 });
  await expect(priyaNotes.first()).toContainText('Priya Shah');
  await (await findThread(morgan, topic)).getByRole('link').click();
  const morganNotes = morgan.getByRole('list', { name: 'Messages' }).getByRole('note');
  await expect(morganNotes.filter({ hasText: 'Calling in Admin (Morgan Reyes)' })).toHaveCount(1, { timeout: 20_000 });
  const calledIn = Date.now();
  console.log(`urgent thread → admin called in: ${calledIn - sent} ms (windows end at ${2 * WINDOW_S * 1000} ms)`);

  // Past another window: still exactly one of each on the server, from the service account,
  // mentioning the people each step addresses (never the thread's sender).
  await morgan.waitForTimeout(WINDOW_S * 1000 + 1000);
  const notices = (await danaApi.messages(staffing, 100)).filter(
    (e) => e.content['app.rounds.escalation'] && e.content['m.relates_to']?.event_id === root,
  );
  const stages = notices.map((e) => e.content['app.rounds.escalation'].stage).sort();
  expect(stages).toEqual(['backup', 'reminder']);
  for (const notice of notices) expect(notice.sender).toMatch(/^@rounds-escalation:/);
  const mentions = (stage: string) =>
    notices.find((e) => e.content['app.rounds.escalation'].stage === stage).content['m.mentions'].user_ids as string[];
  expect(mentions('reminder')).toEqual(expect.arrayContaining([expect.stringMatching(/^@priya:/), expect.stringMatching(/^@jordan:/)]));
  expect(mentions('reminder').some((u) => /^@(dana|sam|morgan):/.test(u))).toBe(false);
  expect(mentions('backup')).toEqual([expect.stringMatching(/^@morgan:/)]);
});

test('an acknowledged urgent thread is not escalated, and a notice from a person is only text', async ({ browser }) => {
  const priya = await signedIn(browser, 'priya');
  const topic = unique('Cover the 3 pm group ');
  const danaApi = await Api.login('dana');
  const staffing = await danaApi.roomId('rounds.staffing');
  const root = await danaApi.urgentThread(staffing, topic, 'Can anyone cover?');
  await (await findThread(priya, topic)).getByRole('link').click();
  await priya.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await expect(priya.getByText(/^Acknowledged by Priya Shah at \d/)).toBeVisible();

  // A person posting something shaped like an escalation notice gets no escalation styling.
  const jordanApi = await Api.login('jordan');
  await jordanApi.send(staffing, {
    msgtype: 'm.notice',
    body: 'No acknowledgement yet. Calling in Admin.',
    'app.rounds.escalation': { stage: 'backup', roles: ['admin'] },
    'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
  });
  const messages = priya.getByRole('list', { name: 'Messages' });
  await expect(messages).toContainText('No acknowledgement yet. Calling in Admin.');
  await priya.waitForTimeout(2 * WINDOW_S * 1000 + 1500);
  await expect(messages.getByRole('note')).toHaveCount(0);
  const fromService = (await danaApi.messages(staffing, 100)).filter(
    (e) => e.content['app.rounds.escalation'] && e.content['m.relates_to']?.event_id === root && /^@rounds-escalation:/.test(e.sender),
  );
  expect(fromService).toHaveLength(0);
});

test('admins see how each category escalates on the Staff page', async ({ browser }) => {
  const morgan = await signedIn(browser, 'morgan');
  await morgan.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click();
  const table = morgan.getByRole('table', { name: 'How urgent threads escalate, by category' });
  await expect(table.getByRole('row', { name: /Staffing/ })).toContainText(`Reminder after ${WINDOW_S} s`);
  await expect(table.getByRole('row', { name: /Staffing/ })).toContainText(`Admin after ${2 * WINDOW_S} s`);
  await expect(table.getByRole('row', { name: /Billing/ })).toContainText('Does not escalate');
});
