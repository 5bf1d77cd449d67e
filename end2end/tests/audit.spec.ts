import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';
import { Api, findThread, signedIn, unique } from './helpers';

const inThread = (root: string, latest = root) => ({
  rel_type: 'm.thread',
  event_id: root,
  is_falling_back: true,
  'm.in_reply_to': { event_id: latest },
});

test('an admin exports a thread’s full history: every kind of event, and read receipts with times', async ({ browser }) => {
  const [morgan, dana] = await Promise.all([signedIn(browser, 'morgan'), signedIn(browser, 'dana')]);
  const topic = unique('Payer call ');
  const jordanApi = await Api.login('jordan');
  const danaApi = await Api.login('dana');
  const referral = await jordanApi.roomId('rounds.referral');
  const root = await jordanApi.send(referral, {
    msgtype: 'm.text',
    body: `Sara M. – ${topic}\n\nExpires Friday, who calls the payer?`,
    'app.rounds.thread': { topic, patient: { display: 'Sara M.' }, priority: 'urgent', to_roles: ['front-desk'] },
  });
  await danaApi.send(referral, { 'm.relates_to': inThread(root) }, 'app.rounds.thread.ack');
  const reply = await danaApi.send(referral, { msgtype: 'm.text', body: 'I will call at 2', 'm.relates_to': inThread(root) });
  await danaApi.send(referral, {
    msgtype: 'm.text',
    body: '* I will call at 3',
    'm.new_content': { msgtype: 'm.text', body: 'I will call at 3' },
    'm.relates_to': { rel_type: 'm.replace', event_id: reply },
  });
  await danaApi.send(referral, { msgtype: 'm.text', body: 'Her member ID is 55-1234', 'm.relates_to': inThread(root, reply) });
  await jordanApi.send(
    referral,
    {
      appointment: 'Appointment/demo-1',
      old_start: '2026-12-01T14:00:00Z',
      new_start: '2026-12-02T15:00:00Z',
      status: 'booked',
      body: 'Moved Sara M. to Wednesday 3 pm',
      'm.relates_to': inThread(root, reply),
    },
    'app.rounds.appointment',
  );

  // Dana, not an admin, is not offered the export.
  await (await findThread(dana, topic)).getByRole('link').click();
  await expect(dana.getByRole('list', { name: 'Messages' })).toContainText('Moved Sara M.');
  await expect(dana.getByRole('button', { name: 'Export history' })).toHaveCount(0);

  // Morgan retracts the member ID (with the reason everyone reads) and resolves the thread.
  await (await findThread(morgan, topic)).getByRole('link').click();
  const messages = morgan.getByRole('list', { name: 'Messages' });
  const wrong = messages.locator('li.message').filter({ hasText: 'member ID' });
  await wrong.getByRole('button', { name: 'Retract' }).click();
  await wrong.getByRole('textbox', { name: 'Reason' }).fill('No member IDs in threads');
  await wrong.getByRole('button', { name: 'Retract message' }).click();
  await expect(messages).toContainText('Message removed by Morgan Reyes: No member IDs in threads');
  await morgan.getByRole('button', { name: 'Mark resolved' }).click();
  await expect(messages).toContainText('Morgan Reyes marked this thread resolved');
  await expect(dana.getByRole('list', { name: 'Messages' })).toContainText('Morgan Reyes marked this thread resolved');

  // Dana's receipt has reached Morgan before the export.
  await expect(messages).toContainText('Seen by Dana Brooks');
  const download = morgan.waitForEvent('download');
  await morgan.getByRole('button', { name: 'Export history' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^thread-history-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.txt$/);
  const text = readFileSync((await file.path())!, 'utf8');
  // In the clinic's time zone, with its offset.
  const stamp = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d`;
  expect(text).toContain(`Thread: Sara M. – ${topic}`);
  expect(text).toContain('Category: Referral');
  expect(text).toContain('Urgency: urgent');
  expect(text).toContain('Addressed to: Front desk');
  expect(text).toMatch(new RegExp(`#1 ${stamp} Jordan Ellis: message\\n    Expires Friday, who calls the payer\\?`));
  expect(text).toMatch(new RegExp(`#2 ${stamp} Dana Brooks: acknowledged the thread`));
  expect(text).toMatch(new RegExp(`#3 ${stamp} Dana Brooks: message\\n    I will call at 2`));
  expect(text).toMatch(new RegExp(`#4 ${stamp} Dana Brooks: edited #3\\n    I will call at 3`));
  expect(text).toMatch(new RegExp(`#5 ${stamp} Dana Brooks: message \\(content removed by a retraction\\)`));
  expect(text).toMatch(new RegExp(`#6 ${stamp} Jordan Ellis: appointment change\\n    Moved Sara M. to Wednesday 3 pm`));
  expect(text).toMatch(new RegExp(`#7 ${stamp} Morgan Reyes: retracted #5: No member IDs in threads`));
  expect(text).toMatch(new RegExp(`#8 ${stamp} Morgan Reyes: marked the thread resolved`));
  expect(text).not.toContain('55-1234');
  // Receipts: Dana read the latest while she had the thread open; when, too.
  expect(text).toMatch(new RegExp(`Read receipts[^]*Dana Brooks read up to #8 at ${stamp}`));
});
