import { test, expect } from './fixtures';
import { Api, findThread, signedIn, unique } from './helpers';

test('a template fills what the thread knows, goes in at the cursor, and Tab walks its placeholders', async ({ browser }) => {
  const priya = await signedIn(browser, 'priya');
  const jordanApi = await Api.login('jordan');
  const scheduling = await jordanApi.roomId('rounds.scheduling');
  const template = priya.getByRole('combobox', { name: 'Template' });
  const message = priya.getByRole('textbox', { name: 'Message' });
  const cancelled = '{patient} canceled {day} at {time}: please confirm a reschedule';

  // A thread linked to Maya R. whose appointment was moved from the thread: the template
  // says her name and the appointment's day and time.
  const linked = unique('Reschedule ');
  const root = await jordanApi.send(scheduling, {
    msgtype: 'm.text',
    body: `Maya R. – ${linked}`,
    'app.rounds.thread': { topic: linked, patient: { display: 'Maya R.', id: 'Patient/maya-r' }, priority: 'routine' },
  });
  await jordanApi.send(
    scheduling,
    {
      body: 'Moved Maya R.',
      appointment: 'Appointment/maya-r-1',
      old_start: '2030-12-30T09:00:00Z',
      new_start: '2031-01-06T09:00:00Z',
      status: 'booked',
      'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
    },
    'app.rounds.appointment',
  );
  await (await findThread(priya, linked)).getByRole('link').click();
  await expect(priya.getByRole('list', { name: 'Messages' })).toContainText('Moved Maya R.');
  await template.selectOption({ label: cancelled });
  await expect(message).toBeFocused();
  const filled = await message.inputValue();
  expect(filled).toMatch(/^Maya R\. canceled .+ at .+: please confirm a reschedule$/);
  expect(filled).not.toContain('{');
  const [day, time] = await priya.evaluate(() => {
    const at = new Date('2031-01-06T09:00:00Z');
    return [at.getDate(), String(at.getMinutes()).padStart(2, '0')];
  });
  expect(filled).toContain(`Jan ${day}`);
  expect(filled).toMatch(new RegExp(`at \\d{1,2}:${time}`));

  // Written text is kept: the template goes in at the cursor, not after it.
  await message.fill('Update:  Thanks');
  await message.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(8, 8));
  await template.selectOption({ label: 'Patient has arrived' });
  await expect(message).toHaveValue('Update: Patient has arrived Thanks');
  await message.fill('');

  // A thread without a patient: the placeholders stay, the first selected, and Tab moves on.
  const topic = unique('Waiting room update ');
  await jordanApi.send(scheduling, { msgtype: 'm.text', body: topic, 'app.rounds.thread': { topic, patient: null, priority: 'routine' } });
  await (await findThread(priya, topic)).getByRole('link').click();
  await template.selectOption({ label: cancelled });
  await priya.keyboard.type('Maya R.');
  await priya.keyboard.press('Tab');
  await priya.keyboard.type('Tue');
  await priya.keyboard.press('Tab');
  await priya.keyboard.type('8:30');
  await expect(message).toHaveValue('Maya R. canceled Tue at 8:30: please confirm a reschedule');
  // With no placeholder left, Tab leaves the box as usual.
  await priya.keyboard.press('Tab');
  await expect(message).not.toBeFocused();
  await priya.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(priya.getByRole('list', { name: 'Messages' })).toContainText('Maya R. canceled Tue at 8:30');

  // A category without templates offers none.
  const billingTopic = unique('Statement question ');
  const samApi = await Api.login('sam');
  const billing = await samApi.roomId('rounds.billing');
  await samApi.send(billing, { msgtype: 'm.text', body: billingTopic, 'app.rounds.thread': { topic: billingTopic, patient: null, priority: 'routine' } });
  const sam = await signedIn(browser, 'sam');
  await (await findThread(sam, billingTopic)).getByRole('link').click();
  await expect(sam.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await expect(sam.getByRole('combobox', { name: 'Template' })).toHaveCount(0);
});
