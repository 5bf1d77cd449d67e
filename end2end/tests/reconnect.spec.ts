import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { Api, findThread, signedIn, unique } from './helpers';

const synapse = (cmd: string) =>
  execFileSync('bash', ['../scripts/synapse.sh', cmd, 'test'], { stdio: 'inherit', timeout: 60_000 });

test('sync survives the homeserver going away and coming back', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana');
  await findThread(dana, 'Client canceled');
  await expect(dana.getByText('Live', { exact: true })).toBeVisible();

  synapse('stop');
  try {
    await expect(dana.getByRole('status').filter({ hasText: 'Offline' })).toHaveText(
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
  await expect(dana.getByRole('status').filter({ hasText: 'Offline' })).toHaveCount(0);
  await findThread(dana, text);
});
