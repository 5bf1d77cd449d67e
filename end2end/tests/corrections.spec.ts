import { test, expect } from './fixtures';
import { Api, findThread, signedIn, unique } from './helpers';

// Corrections seen live by others: edits with their earlier versions, a sender's retraction,
// an admin's retraction of someone else's message. The homeserver enforces who may retract.

test('an edit and a retraction by the sender are seen live by another person', async ({ browser }) => {
  const [priya, jordan] = await Promise.all([signedIn(browser, 'priya'), signedIn(browser, 'jordan')]);
  const topic = unique('Home program ');
  const priyaApi = await Api.login('priya');
  const clinical = await priyaApi.roomId('rounds.clinical');
  await priyaApi.send(clinical, {
    msgtype: 'm.text',
    body: `${topic}\n\nNew sheet for this week`,
    'app.rounds.thread': { topic, patient: null, priority: 'routine' },
  });
  for (const page of [priya, jordan]) await (await findThread(page, topic)).getByRole('link').click();
  const mine = priya.getByRole('list', { name: 'Messages' });
  const theirs = jordan.getByRole('list', { name: 'Messages' });

  await priya.getByRole('textbox', { name: 'Message' }).fill('Three sets of ten, twice a day');
  await priya.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(theirs).toContainText('Three sets of ten, twice a day');
  // Jordan is offered no correction of Priya's messages.
  await expect(theirs.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await expect(theirs.getByRole('button', { name: 'Retract' })).toHaveCount(0);

  // Priya fixes a typo in place; Jordan sees the new text, marked edited, and the earlier one.
  const sent = mine.locator('li.message').filter({ hasText: 'Three sets of ten' });
  await sent.getByRole('button', { name: 'Edit' }).click();
  // While editing, the text is in the box (one edit at a time).
  await mine.getByRole('textbox', { name: 'Edited message' }).fill('Three sets of twelve, twice a day');
  await mine.getByRole('button', { name: 'Save edit' }).click();
  const edited = theirs.locator('li.message').filter({ hasText: 'Three sets of twelve, twice a day' });
  await expect(edited).toBeVisible();
  await expect(theirs).not.toContainText('Three sets of ten');
  await edited.getByRole('button', { name: 'edited' }).click();
  const versions = edited.getByRole('list', { name: 'Earlier versions' });
  await expect(versions.locator('li')).toHaveCount(2);
  await expect(versions.locator('li').first()).toContainText('Three sets of ten, twice a day');
  await expect(versions.locator('li').last()).toContainText('Three sets of twelve, twice a day');

  // Priya posts a patient detail in the wrong thread and retracts it with a reason.
  const detail = unique('member ID ');
  await priya.getByRole('textbox', { name: 'Message' }).fill(`DOB 02/03/1990, ${detail}`);
  await priya.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(theirs).toContainText(detail);
  const wrong = mine.locator('li.message').filter({ hasText: detail });
  // She first corrects it (an edit holds the text too), then sees it should not be here at all.
  await wrong.getByRole('button', { name: 'Edit' }).click();
  await mine.getByRole('textbox', { name: 'Edited message' }).fill(`DOB 02/03/1991, ${detail}`);
  await mine.getByRole('button', { name: 'Save edit' }).click();
  await expect(theirs).toContainText('DOB 02/03/1991');
  await wrong.getByRole('button', { name: 'Retract' }).click();
  await wrong.getByRole('button', { name: 'Retract message' }).click();
  await expect(wrong.getByRole('alert')).toHaveText(/Give a reason/);
  await wrong.getByRole('textbox', { name: 'Reason' }).fill('Wrong thread');
  await wrong.getByRole('button', { name: 'Retract message' }).click();
  // Jordan's open session drops the content at once and says who removed it and why.
  await expect(theirs).toContainText('Message removed by Priya Shah: Wrong thread');
  await expect(theirs).not.toContainText(detail);
  await expect(mine).toContainText('Message removed by Priya Shah: Wrong thread');
  await expect(jordan.getByText(detail)).toHaveCount(0);

  // The homeserver has the retraction, not the text.
  const events = await priyaApi.messages(clinical, 30);
  const redaction = events.find((e) => e.type === 'm.room.redaction' && e.content.reason === 'Wrong thread');
  expect(redaction?.sender).toBe(priyaApi.userId);
  // Neither version: the edit was retracted with the message.
  expect(JSON.stringify(events)).not.toContain(detail);

  // A reload keeps it removed (nothing of it stayed on the device).
  await jordan.reload();
  await expect(jordan.getByRole('list', { name: 'Messages' })).toContainText('Three sets of twelve');
  await expect(jordan.getByText(detail)).toHaveCount(0);
});

test("an admin retracts someone else's message; the sender cannot retract others'", async ({ browser }) => {
  const [morgan, dana] = await Promise.all([signedIn(browser, 'morgan'), signedIn(browser, 'dana')]);
  const topic = unique('Front desk note ');
  const jordanApi = await Api.login('jordan');
  const referral = await jordanApi.roomId('rounds.referral');
  await jordanApi.send(referral, {
    msgtype: 'm.text',
    body: `${topic}\n\nPatient's card number is 4111 1111 1111 1111`,
    'app.rounds.thread': { topic, patient: null, priority: 'routine' },
  });
  for (const page of [morgan, dana]) await (await findThread(page, topic)).getByRole('link').click();
  const danaMessages = dana.getByRole('list', { name: 'Messages' });
  await expect(danaMessages).toContainText('4111 1111');
  await expect(danaMessages.getByRole('button', { name: 'Retract' })).toHaveCount(0);

  const root = morgan.getByRole('list', { name: 'Messages' }).locator('li.message').first();
  await root.getByRole('button', { name: 'Retract' }).click();
  await root.getByRole('textbox', { name: 'Reason' }).fill('Card numbers never go in Rounds');
  await root.getByRole('button', { name: 'Retract message' }).click();
  await expect(danaMessages).toContainText("Message removed by Morgan Reyes: Card numbers never go in Rounds");
  await expect(dana.getByText('4111 1111')).toHaveCount(0);

  // Dana, not an admin, is refused by the homeserver when she tries anyway.
  const danaApi = await Api.login('dana');
  const reply = await jordanApi.send(referral, { msgtype: 'm.text', body: 'Not Dana’s to remove' });
  const refused = await danaApi.call('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(referral)}/redact/${encodeURIComponent(reply)}/${unique('t')}`, { reason: 'try' });
  expect(refused.status).toBe(403);
});

test('an edit made offline shows as saving and reaches others once, back online', async ({ browser }) => {
  const [priya, jordan] = await Promise.all([signedIn(browser, 'priya'), signedIn(browser, 'jordan')]);
  const topic = unique('Session plan ');
  const priyaApi = await Api.login('priya');
  const clinical = await priyaApi.roomId('rounds.clinical');
  const root = await priyaApi.send(clinical, {
    msgtype: 'm.text',
    body: `${topic}\n\nWarm-up, then the obstacle course`,
    'app.rounds.thread': { topic, patient: null, priority: 'routine' },
  });
  for (const page of [priya, jordan]) await (await findThread(page, topic)).getByRole('link').click();
  const mine = priya.getByRole('list', { name: 'Messages' });
  const theirs = jordan.getByRole('list', { name: 'Messages' });

  await priya.context().setOffline(true);
  await mine.getByRole('button', { name: 'Edit' }).click();
  await mine.getByRole('textbox', { name: 'Edited message' }).fill('Warm-up, then the swing and the obstacle course');
  await mine.getByRole('button', { name: 'Save edit' }).click();
  // Kept in the outbox and shown at once, marked as not yet saved.
  await expect(mine).toContainText('Warm-up, then the swing and the obstacle course');
  await expect(mine.getByText('Saving edit…')).toBeVisible();
  await expect(theirs).toContainText('Warm-up, then the obstacle course');

  await priya.context().setOffline(false);
  await expect(theirs).toContainText('Warm-up, then the swing and the obstacle course');
  await expect(mine.getByText('Saving edit…')).toHaveCount(0);
  await expect(mine.getByRole('button', { name: 'edited' })).toBeVisible();
  const edits = (await priyaApi.messages(clinical, 30)).filter((e) => e.content?.['m.relates_to']?.rel_type === 'm.replace' && e.content['m.relates_to'].event_id === root);
  expect(edits).toHaveLength(1);
});
