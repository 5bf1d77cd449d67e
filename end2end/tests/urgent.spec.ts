import { test, expect } from './fixtures';
import { Api, findThread, signedIn, unique } from './helpers';

test('an urgent thread waits for an acknowledgement, and its sender sees who took it on, live', async ({ browser }) => {
  const [jordan, dana] = await Promise.all([signedIn(browser, 'jordan'), signedIn(browser, 'dana')]);
  const topic = unique('Client in the lobby is dysregulated ');
  const jordanApi = await Api.login('jordan');
  const scheduling = await jordanApi.roomId('rounds.scheduling');
  const root = await jordanApi.urgentThread(scheduling, topic, 'Who can come?');

  // The front desk sees it waiting, in the list and in the thread, and takes it on.
  const row = await findThread(dana, topic);
  await expect(row).toContainText('Waiting for acknowledgement');
  await row.getByRole('link').click();
  await expect(dana.getByText(/^Waiting for acknowledgement · \d+ (s|min)$/)).toBeVisible();

  // Its sender sees the wait too, and cannot acknowledge their own thread.
  await (await findThread(jordan, topic)).getByRole('link').click();
  await expect(jordan.getByText(/^Waiting for acknowledgement · /)).toBeVisible();
  await expect(jordan.getByRole('button', { name: 'Acknowledge', exact: true })).toHaveCount(0);

  await dana.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  // Jordan never reloads: the acknowledgement arrives through the live sync.
  await expect(jordan.getByText(/^Acknowledged by Dana Brooks at \d/)).toBeVisible();
  await expect(jordan.getByRole('list', { name: 'Messages' })).toContainText('Dana Brooks acknowledged');
  await expect(await findThread(jordan, topic)).toContainText('Acknowledged');
  await expect(dana.getByRole('button', { name: 'Acknowledge', exact: true })).toHaveCount(0);

  // On the server: one acknowledgement event, by Dana, in the thread.
  const acks = (await jordanApi.messages(scheduling, 50)).filter(
    (e) => e.type === 'app.rounds.thread.ack' && e.content['m.relates_to']?.event_id === root,
  );
  expect(acks).toHaveLength(1);
  expect(acks[0].sender).toMatch(/^@dana:/);
  expect(acks[0].content['m.relates_to'].rel_type).toBe('m.thread');
});
