import { test, expect } from './fixtures';
import { Api, findThread, signedIn, unique } from './helpers';

/** Whether the homeserver raised `eventId` for `user` as a highlight (a mention), or at all. */
async function notified(api: Api, eventId: string): Promise<'highlight' | 'plain' | 'none'> {
  const { json } = await api.call('GET', '/_matrix/client/v3/notifications?limit=50');
  const found = (json.notifications ?? []).find((n: any) => n.event.event_id === eventId);
  if (!found) return 'none';
  return found.actions.some((a: any) => a?.set_tweak === 'highlight' && a.value !== false) ? 'highlight' : 'plain';
}

test('the front desk addresses an urgent thread to clinicians: they are mentioned, no one else is, and one takes it on', async ({ browser }) => {
  const [dana, priya] = await Promise.all([signedIn(browser, 'dana'), signedIn(browser, 'priya')]);
  const topic = unique('Client in the waiting room needs help ');

  // The homeserver's default rules decide below. Rounds' own (made when notifications or
  // availability are turned on, maybe by earlier tests) sound for every urgent thread before
  // the mention rule is reached.
  for (const api of await Promise.all([Api.login('priya'), Api.login('morgan')])) {
    for (const rule of ['app.rounds.hold', 'app.rounds.urgent']) await api.call('DELETE', `/_matrix/client/v3/pushrules/global/override/${rule}`);
  }
  await dana.getByRole('button', { name: 'New thread' }).click();
  const dialog = dana.getByRole('dialog', { name: 'New thread' });
  await dialog.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Scheduling' });
  await dialog.getByRole('textbox', { name: 'Topic' }).fill(topic);
  await dialog.getByRole('checkbox', { name: 'Urgent' }).check();
  const addressTo = dialog.getByRole('group', { name: 'Address to' });
  await expect(addressTo.getByRole('checkbox')).toHaveCount(3); // the roles that see Scheduling
  await addressTo.getByRole('checkbox', { name: 'Clinician' }).check();
  await dialog.getByRole('textbox', { name: 'Message' }).fill('Who can come to the front?');
  await dialog.getByRole('button', { name: 'Create thread' }).click();
  await expect(dialog).toBeHidden();
  await expect(dana.getByText('For Clinician', { exact: true })).toBeVisible();

  // Priya (a clinician) finds it under "For my role"; on the server its root mentions the
  // clinicians only: not the sender, not the admin, not billing.
  await priya.getByRole('group', { name: 'Quick views' }).getByRole('button', { name: 'For my role' }).click();
  const row = await findThread(priya, topic);
  const danaApi = await Api.login('dana');
  const scheduling = await danaApi.roomId('rounds.scheduling');
  const root = (await danaApi.messages(scheduling, 50)).find((e) => e.content['app.rounds.thread']?.topic === topic);
  expect(root.content['app.rounds.thread'].to_roles).toEqual(['clinician']);
  const mentioned: string[] = root.content['m.mentions'].user_ids;
  expect(mentioned).toEqual(expect.arrayContaining([expect.stringMatching(/^@priya:/), expect.stringMatching(/^@jordan:/)]));
  expect(mentioned.some((u) => /^@(dana|morgan|sam):/.test(u))).toBe(false);

  // The homeserver's own push rules: a mention (highlight) for Priya, none for Morgan.
  const [priyaApi, morganApi] = await Promise.all([Api.login('priya'), Api.login('morgan')]);
  await expect.poll(() => notified(priyaApi, root.event_id)).toBe('highlight');
  expect(await notified(morganApi, root.event_id)).not.toBe('highlight');

  // Priya takes it on; Dana, who sent it, sees that live.
  await row.getByRole('link').click();
  await priya.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await expect(dana.getByText(/^Acknowledged by Priya Shah at \d/)).toBeVisible();

  // `@` in a reply offers roles and people; choosing one mentions its members.
  const message = priya.getByRole('textbox', { name: 'Message' });
  await message.fill('On my way. @fr');
  await message.press('End'); // the input event above leaves the caret at the end
  await message.pressSequentially('o');
  const suggestions = priya.getByRole('listbox', { name: 'Suggestions' });
  await expect(suggestions.getByRole('option')).toHaveText([/@Front desk/]);
  await message.press('Enter');
  await expect(message).toHaveValue('On my way. @Front desk ');
  await message.press('Enter');
  await expect(priya.getByRole('list', { name: 'Messages' })).toContainText('On my way. @Front desk');
  await expect
    .poll(async () => {
      const reply = (await danaApi.messages(scheduling, 50)).find(
        (e) => e.content.body === 'On my way. @Front desk' && e.content['m.relates_to']?.event_id === root.event_id,
      );
      return reply?.content['m.mentions']?.user_ids ?? null;
    })
    .toEqual(expect.arrayContaining([expect.stringMatching(/^@dana:/)]));
  const reply = (await danaApi.messages(scheduling, 50)).find((e) => e.content.body === 'On my way. @Front desk');
  // Admins stay in every role space but are addressed as admins only; the writer never.
  expect(reply.content['m.mentions'].user_ids.some((u: string) => /^@(morgan|priya|jordan|sam):/.test(u))).toBe(false);
});
