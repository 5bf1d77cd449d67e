import { test, expect, SCALED } from './fixtures';
import { Api, categoryOptions, findThread, hostileStrings, signedIn, threadItem, unique } from './helpers';

test('a thread created by one therapist appears live for another, who replies and is seen', SCALED, async ({ browser }) => {
  const [priya, jordan] = await Promise.all([signedIn(browser, 'priya'), signedIn(browser, 'jordan')]);
  const topic = unique('Goals review ');
  const patient = unique('Pat ');

  await priya.getByRole('button', { name: 'New thread' }).click();
  const dialog = priya.getByRole('dialog', { name: 'New thread' });
  await dialog.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Clinical' });
  await dialog.getByRole('textbox', { name: 'Patient' }).fill(patient);
  await dialog.getByRole('textbox', { name: 'Topic' }).fill(topic);
  await dialog.getByRole('checkbox', { name: 'Urgent' }).check();
  await dialog.getByRole('textbox', { name: 'Message' }).fill('Can we agree goals before Monday?');
  await dialog.getByRole('button', { name: 'Create thread' }).click();
  await expect(dialog).toBeHidden();
  await expect(priya.getByRole('heading', { name: `${patient} – ${topic}` })).toBeVisible();

  // Jordan never reloads: the thread arrives through the live sync.
  const item = threadItem(jordan, topic);
  await expect(item).toBeVisible();
  await expect(item).toContainText('Urgent');
  await expect(item).toContainText('1 unread');
  await item.getByRole('link').click();
  const jordanMessages = jordan.getByRole('list', { name: 'Messages' });
  await expect(jordanMessages).toContainText('Can we agree goals before Monday?');
  await expect(item).not.toContainText('unread');
  await jordan.getByRole('textbox', { name: 'Message' }).fill('Yes, Friday at noon works.');
  await jordan.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(jordanMessages).toContainText('Yes, Friday at noon works.');

  const priyaMessages = priya.getByRole('list', { name: 'Messages' });
  await expect(priyaMessages).toContainText('Yes, Friday at noon works.');
  await expect(priyaMessages).toContainText('Seen by Jordan Ellis');

  // Priya answers; Jordan has the thread open, so his receipt moves under her new message.
  await priya.getByRole('textbox', { name: 'Message' }).fill('Great, booked.');
  await priya.getByRole('button', { name: 'Send' }).click();
  await expect(jordanMessages).toContainText('Great, booked.');
  await expect(priyaMessages.locator('li').last()).toHaveText('Seen by Jordan Ellis');
  await expect(priyaMessages.locator('li.message').last()).toContainText('Great, booked.');
  await expect(priyaMessages.getByText('Sending…')).toHaveCount(0);

  // Marking it resolved is seen by everyone in the thread.
  await priya.getByRole('button', { name: 'Mark resolved' }).click();
  await expect(priya.getByRole('button', { name: 'Reopen' })).toBeVisible();
  await expect(jordan.getByRole('button', { name: 'Reopen' })).toBeVisible();
  // Resolved, it has left For me; it is found among all threads.
  await expect(await findThread(jordan, topic)).toContainText('Resolved');
});

test('the front desk never sees clinical threads, and the server refuses them the room', SCALED, async ({ browser }) => {
  const topic = unique('Clinical only ');
  const priyaApi = await Api.login('priya');
  const clinical = await priyaApi.roomId('rounds.clinical');
  await priyaApi.send(clinical, {
    msgtype: 'm.text',
    body: `${topic}\n\nPrivate clinical note`,
    'app.rounds.thread': { topic, patient: null, priority: 'routine' },
  });

  const dana = await signedIn(browser, 'dana');
  expect(await categoryOptions(dana)).not.toContain('Clinical');
  await findThread(dana, 'Client canceled');
  await dana.getByRole('searchbox', { name: 'Search threads' }).fill(topic);
  await expect(dana.getByText('No threads match these filters.')).toBeVisible();
  for (const view of ['Mine', 'Urgent', 'Open', 'Resolved', 'All']) {
    await dana.getByRole('button', { name: view, exact: true }).click();
    await expect(dana.getByRole('list', { name: 'Threads' }).getByRole('listitem')).toHaveCount(0);
  }

  const danaApi = await Api.login('dana');
  const join = await danaApi.call('POST', `/_matrix/client/v3/join/${encodeURIComponent(clinical)}`, {});
  expect(join.status).toBe(403);
  const read = await danaApi.call('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(clinical)}/messages?dir=b&limit=5`);
  expect(read.status).toBe(403);
});

test('messages from a plain Matrix client show up, and hostile text renders as text', async ({ browser }) => {
  const dana = await signedIn(browser, 'dana');
  const api = await Api.login('jordan');
  const scheduling = await api.roomId('rounds.scheduling');
  const plain = unique('Plain client says hello ');
  await api.send(scheduling, { msgtype: 'm.text', body: plain });
  const hostile = hostileStrings();
  const marker = unique('hostile');
  await api.send(scheduling, {
    msgtype: 'm.text',
    body: `${hostile[0]} – ${hostile[1]}\n\n${hostile.join('\n')}`,
    'app.rounds.thread': { topic: `${hostile[1]} ${marker}`, patient: { display: hostile[0] }, priority: 'urgent' },
  });

  await findThread(dana, plain);
  const item = await findThread(dana, marker);
  await expect(item).toContainText(hostile[0]);
  await item.getByRole('link').click();
  await expect(dana.getByRole('heading', { level: 1 })).toContainText(hostile[1]);
  const messages = dana.getByRole('list', { name: 'Messages' });
  for (const text of hostile.filter((s) => s.trim().length > 0 && !s.includes('\u0000'))) {
    const firstLine = text.split('\n').find((l) => l.trim().length > 0)!.trim();
    await expect(messages).toContainText(firstLine);
  }
  expect(await dana.evaluate(() => (window as any).__pwned)).toBeUndefined();
  await expect(messages.locator('img, script, svg, iframe')).toHaveCount(0);
});

test('phones show one pane, tablets two', async ({ browser }) => {
  const phone = await signedIn(browser, 'priya', { width: 390, height: 844 });
  await expect(phone.getByRole('list', { name: 'Threads' })).toBeVisible();
  await (await findThread(phone, 'Friday coverage')).getByRole('link').click();
  await expect(phone.getByRole('list', { name: 'Messages' })).toBeVisible();
  await expect(phone.getByRole('list', { name: 'Threads' })).toBeHidden();
  await phone.getByRole('link', { name: '‹ Inbox' }).click();
  await expect(phone.getByRole('list', { name: 'Threads' })).toBeVisible();

  const tablet = await signedIn(browser, 'priya', { width: 1024, height: 768 });
  await (await findThread(tablet, 'Friday coverage')).getByRole('link').click();
  await expect(tablet.getByRole('list', { name: 'Messages' })).toBeVisible();
  await expect(tablet.getByRole('list', { name: 'Threads' })).toBeVisible();
  // Arrow keys move between threads in the list.
  await tablet.getByRole('searchbox', { name: 'Search threads' }).fill('');
  const links = tablet.getByRole('list', { name: 'Threads' }).getByRole('link');
  await links.first().focus();
  await tablet.keyboard.press('ArrowDown');
  await expect(tablet.locator('li[aria-posinset="2"] a')).toBeFocused();
  await tablet.keyboard.press('ArrowUp');
  await expect(tablet.locator('li[aria-posinset="1"] a')).toBeFocused();

  // Deep links survive a reload (the session is restored from the encrypted store).
  const url = tablet.url();
  await tablet.reload();
  await expect(tablet.getByRole('heading', { level: 1 })).toContainText('Friday coverage needed');
  expect(tablet.url()).toBe(url);
});

test('someone typing is shown to the others, and no longer once they empty the box', async ({ browser }) => {
  const [priya, jordan] = await Promise.all([signedIn(browser, 'priya'), signedIn(browser, 'jordan')]);
  for (const page of [priya, jordan]) await (await findThread(page, 'Friday coverage')).getByRole('link').click();
  const box = jordan.getByRole('textbox', { name: 'Message' });
  await box.fill('I could take the 11:00');
  await expect(priya.getByText('Jordan Ellis is typing…')).toBeVisible();
  await box.fill('');
  await expect(priya.getByText('Jordan Ellis is typing…')).toBeHidden({ timeout: 5_000 });
});
