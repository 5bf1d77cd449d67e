import { test, expect } from './fixtures';
import { execFileSync } from 'node:child_process';
import { Api, findThread, signedIn, unique } from './helpers';

const OFFLINE = 'Offline — messages will be sent when you reconnect';

const synapse = (cmd: string) =>
  execFileSync('bash', ['../scripts/synapse.sh', cmd, 'test'], { stdio: 'inherit', timeout: 60_000 });

test('sync survives the homeserver going away and coming back', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana');
  await findThread(dana, 'Client canceled');
  await expect(dana.getByText('Live', { exact: true })).toBeVisible();

  synapse('stop');
  try {
    await expect(dana.getByRole('status').filter({ hasText: OFFLINE })).toHaveText(
      'Offline — messages will be sent when you reconnect',
      { timeout: 45_000 },
    );
  } finally {
    synapse('start');
  }
  // Someone else writes while Dana's app is still reconnecting.
  const jordan = await Api.login('jordan');
  const scheduling = await jordan.roomId('rounds.scheduling');
  const text = unique('Written during the outage ');
  await jordan.send(scheduling, { msgtype: 'm.text', body: text });

  await expect(dana.getByText('Live', { exact: true })).toBeVisible({ timeout: 45_000 });
  await expect(dana.getByRole('status').filter({ hasText: OFFLINE })).toHaveCount(0);
  await findThread(dana, text);
});

test('a homeserver asking to wait a day is waited for at most five minutes, and the wait is shown', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana');
  await expect(dana.getByText('Live', { exact: true })).toBeVisible();
  // From now on the homeserver refuses every sync for a day (Retry-After is not readable
  // across origins; retry_after_ms in the body is what the app sees).
  await dana.route(/\/_matrix\/client\/v3\/sync\?/, (route) =>
    route.fulfill({
      status: 429,
      headers: { 'Access-Control-Allow-Origin': '*', 'Retry-After': '86400' },
      contentType: 'application/json',
      body: JSON.stringify({ errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retry_after_ms: 86_400_000 }),
    }),
  );
  // Wake the pending long-poll so the next sync request meets the refusal.
  const jordan = await Api.login('jordan');
  await jordan.send(await jordan.roomId('rounds.scheduling'), { msgtype: 'm.text', body: unique('Wake up ') });
  const waiting = dana.getByRole('status').filter({ hasText: 'The homeserver is busy' });
  await expect(waiting).toHaveText('The homeserver is busy — trying again in 5 min', { timeout: 45_000 });

  // Coming back online (or the wait ending) resumes syncing.
  await dana.unroute(/\/_matrix\/client\/v3\/sync\?/);
  await dana.evaluate(() => window.dispatchEvent(new Event('online')));
  await expect(dana.getByText('Live', { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(waiting).toHaveCount(0);
});
