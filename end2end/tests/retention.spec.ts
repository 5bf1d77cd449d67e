import { execFileSync } from 'node:child_process';
import { test, expect } from './fixtures';
import { Api, DEMO_PASSWORD, findThread, HOMESERVER, signedIn, threadItem, unique } from './helpers';

/** `rounds-admin retention …` as the clinic's admin (built by the test command). */
const retention = (...args: string[]) =>
  execFileSync('../target/debug/rounds-admin', ['--homeserver', HOMESERVER, 'retention', ...args], {
    env: { ...process.env, ROUNDS_ADMIN_USER: 'morgan', ROUNDS_ADMIN_PASSWORD: DEMO_PASSWORD },
    encoding: 'utf8',
    timeout: 60_000,
  });

// Whatever becomes of the test (a timeout too), the category keeps messages again afterwards.
let retentionSet = false;
test.afterEach(() => {
  if (retentionSet) expect(retention('documentation', '--off')).toMatch(/documentation\s+as long as the homeserver keeps them/);
  retentionSet = false;
});

test('a category’s retention period: expired messages leave the screen, the device and the homeserver', async ({ browser }) => {
  test.setTimeout(240_000);
  const topic = unique('Progress note ');
  const priyaApi = await Api.login('priya');
  const documentation = await priyaApi.roomId('rounds.documentation');
  await priyaApi.send(documentation, {
    msgtype: 'm.text',
    body: `${topic}\n\nSession 4 notes are in`,
    'app.rounds.thread': { topic, patient: null, priority: 'routine' },
  });
  const priya = await signedIn(browser, 'priya');
  await findThread(priya, topic);

  retentionSet = true;
  expect(retention('documentation', '--minutes', '1')).toMatch(/documentation\s+1 minutes/);
  // Within a minute of being sent it stays; once older, it leaves the open inbox by itself.
  await expect(threadItem(priya, topic)).toBeVisible();
  await expect(threadItem(priya, topic)).toHaveCount(0, { timeout: 150_000 });
  // The homeserver gives it to nobody.
  const events = await priyaApi.messages(documentation, 100);
  expect(JSON.stringify(events)).not.toContain(topic);
  // A new message in the category is there, as long as it is younger.
  const fresh = unique('Fresh note ');
  await priyaApi.send(documentation, {
    msgtype: 'm.text',
    body: `${fresh}\n\nJust written`,
    'app.rounds.thread': { topic: fresh, patient: null, priority: 'routine' },
  });
  await findThread(priya, fresh);
  // Not kept on the device: after a reload (the kept inbox first, then sync) it stays gone.
  await priya.reload();
  await findThread(priya, fresh);
  await priya.getByRole('searchbox', { name: 'Search threads' }).fill(topic);
  await expect(threadItem(priya, topic)).toHaveCount(0);
});
