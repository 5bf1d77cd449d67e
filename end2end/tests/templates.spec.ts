import { test, expect } from './fixtures';
import { Api, findThread, signedIn, unique } from './helpers';

test('a template fills the composer, its first placeholder ready to type over', async ({ browser }) => {
  const priya = await signedIn(browser, 'priya');
  const topic = unique('Waiting room update ');
  const jordanApi = await Api.login('jordan');
  const scheduling = await jordanApi.roomId('rounds.scheduling');
  await jordanApi.send(scheduling, { msgtype: 'm.text', body: topic, 'app.rounds.thread': { topic, patient: null, priority: 'routine' } });
  await (await findThread(priya, topic)).getByRole('link').click();

  // The demo clinic's Scheduling templates (rounds-admin templates scheduling).
  const template = priya.getByRole('combobox', { name: 'Template' });
  const message = priya.getByRole('textbox', { name: 'Message' });
  await template.selectOption({ label: 'Patient has arrived' });
  await expect(message).toHaveValue('Patient has arrived');
  await expect(message).toBeFocused();
  await template.selectOption({ label: '{patient} canceled {day} at {time}: please confirm a reschedule' });
  await priya.keyboard.type('Maya R.');
  await expect(message).toHaveValue('Patient has arrived\nMaya R. canceled {day} at {time}: please confirm a reschedule');
  await priya.getByRole('button', { name: 'Send' }).click();
  await expect(priya.getByRole('list', { name: 'Messages' })).toContainText('Maya R. canceled {day} at {time}');

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
