// A clinic's morning, walked by the five demo staff at once on phone, tablet and desktop (#25):
// an urgent handoff to the clinicians, a late patient link, a direct message with a staged photo
// and its caption, a reschedule from a thread, and an admin's role change taken back with Undo.
// Each outcome is checked on the servers (homeserver, EHR) as well as on screen, and the people
// each step is not for are checked to see nothing of it.
import { test, expect, type Page } from './fixtures';
import { Api, fhir, findThread, photo, resetEhr, signedIn, threadItem, topRow, unique } from './helpers';

const PHONE = { width: 390, height: 844 };
const TABLET = { width: 1024, height: 768 };
const DESKTOP = { width: 1280, height: 900 };

/** The events of the thread `root` in `room` (newest first). */
async function inThread(api: Api, room: string, root: string): Promise<any[]> {
  return (await api.messages(room, 100)).filter((e) => e.content?.['m.relates_to']?.event_id === root);
}

/** The root of the thread titled `topic` in `room`. */
async function rootOf(api: Api, room: string, topic: string): Promise<string> {
  const root = (await api.messages(room, 100)).find((e) => e.content?.['app.rounds.thread']?.topic === topic);
  expect(root, `thread ${topic} on the homeserver`).toBeTruthy();
  return root.event_id;
}

/** The direct conversation `api`'s person is in whose threads include `topic`. */
async function conversationWith(api: Api, topic: string): Promise<string> {
  const rooms = (await api.call('GET', '/_matrix/client/v3/joined_rooms')).json.joined_rooms as string[];
  for (const room of rooms) {
    const listed = await api.call('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/state/app.rounds.conversation/`);
    if (listed.status !== 200) continue;
    if ((await api.messages(room, 100)).some((e) => e.content?.['app.rounds.thread']?.topic === topic)) return room;
  }
  throw new Error(`no conversation holds ${topic}`);
}

/** Back to the inbox from a thread (a phone shows one or the other). */
async function toInbox(page: Page) {
  const back = page.getByRole('link', { name: '‹ Inbox' });
  if (await back.isVisible()) await back.click();
}

/** Nothing titled `topic` in `page`'s inbox, whatever its filters. */
async function notListed(page: Page, topic: string) {
  await page.getByRole('group', { name: 'Quick views' }).getByRole('button', { name: 'All', exact: true }).click();
  const folded = page.getByRole('button', { name: 'Filters', expanded: false });
  if (await folded.isVisible()) await folded.click();
  await page.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'All' });
  await page.getByRole('searchbox', { name: 'Search threads' }).fill(topic);
  await expect(threadItem(page, topic)).toHaveCount(0);
  await page.getByRole('searchbox', { name: 'Search threads' }).fill('');
}

test.beforeEach(resetEhr);

test('a clinic morning: five people, three sizes, every handoff lands where it should and nowhere else', async ({ browser }) => {
  test.setTimeout(300_000);
  const [dana, priya, jordan, sam, morgan] = await Promise.all([
    signedIn(browser, 'dana', DESKTOP, true), // front desk, EHR connected
    signedIn(browser, 'priya', TABLET, true), // clinician on a tablet, EHR connected
    signedIn(browser, 'jordan', PHONE), // clinician on a phone
    signedIn(browser, 'sam', PHONE), // billing on a phone
    signedIn(browser, 'morgan', DESKTOP), // the clinic's admin
  ]);
  const danaApi = await Api.login('dana');
  const samApi = await Api.login('sam');
  const scheduling = await danaApi.roomId('rounds.scheduling');

  await test.step('8:05 the urgent handoff: the front desk asks the clinicians, one takes it', async () => {
    const lobby = unique('Client in the lobby early ');
    await dana.getByRole('button', { name: 'New thread' }).click();
    const dialog = dana.getByRole('dialog', { name: 'New thread' });
    await dialog.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Scheduling' });
    await dialog.getByRole('textbox', { name: 'Topic' }).fill(lobby);
    await dialog.getByRole('checkbox', { name: 'Urgent' }).check();
    await dialog.getByRole('group', { name: 'Address to' }).getByRole('checkbox', { name: 'Clinician' }).check();
    await dialog.getByRole('textbox', { name: 'Message' }).fill('Her 9:00 is here at 8:05 and upset: who can come?');
    await dialog.getByRole('button', { name: 'Create thread' }).click();
    await expect(dialog).toBeHidden();

    // At the top of both clinicians' first screens, no control touched (tablet and phone).
    for (const page of [priya, jordan]) {
      await expect(topRow(page)).toContainText(lobby, { timeout: 20_000 });
      await expect(topRow(page)).toBeInViewport();
    }
    await topRow(jordan).getByRole('link').click();
    await jordan.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await expect(dana.getByText(/^Acknowledged by Jordan Ellis at \d/)).toBeVisible();

    const root = await rootOf(danaApi, scheduling, lobby);
    const acks = (await inThread(danaApi, scheduling, root)).filter((e) => e.type === 'app.rounds.thread.ack');
    expect(acks.map((e) => e.sender)).toEqual([expect.stringMatching(/^@jordan:/)]);
    // Billing sees none of it: not in Sam's inbox, and the homeserver will not show him the room.
    await notListed(sam, lobby);
    expect((await samApi.call('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(scheduling)}/messages?dir=b`)).status).toBe(403);

    // 8:20 a late patient link: the front desk finds the right Sara M. in the EHR.
    await dana.getByRole('button', { name: 'Link to a patient record' }).click();
    const finder = dana.getByRole('group', { name: 'Link to a patient record' });
    await finder.getByRole('searchbox', { name: 'Find patient' }).fill('sara');
    await finder.getByRole('listbox', { name: 'Matching patients' }).getByRole('option').filter({ hasText: 'Sara Mendes' }).click();
    await expect(dana.getByRole('heading', { name: `Sara M. – ${lobby}` })).toBeVisible();
    await expect(jordan.getByRole('list', { name: 'Messages' })).toContainText('Dana Brooks linked this thread to Sara M.');
    const links = (await inThread(danaApi, scheduling, root)).filter((e) => e.type === 'app.rounds.patient_link');
    expect(links.map((e) => [e.sender, e.content.patient.id])).toEqual([[expect.stringMatching(/^@dana:/), 'Patient/sara-me']]);
  });

  await test.step('8:30 a direct message with a staged photo: only its two people see it, and only once sent', async () => {
    const coverage = unique('Cover my Friday 3 pm ');
    await toInbox(jordan);
    await jordan.getByRole('button', { name: 'New thread' }).click();
    const dialog = jordan.getByRole('dialog', { name: 'New thread' });
    await dialog.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Staffing' });
    await dialog.getByRole('textbox', { name: 'Topic' }).fill(coverage);
    await dialog.getByRole('radio', { name: 'Only people I choose' }).check();
    await dialog.getByRole('group', { name: 'People' }).getByRole('checkbox', { name: /Priya Shah/ }).check();
    await dialog.getByRole('textbox', { name: 'Message' }).fill('Could you take my 3 pm on Friday?');
    await dialog.getByRole('button', { name: 'Create thread' }).click();
    await expect(dialog).toBeHidden();

    // Priya's inbox has it For me, beside the thread she is in (tablet: list and thread).
    await expect(threadItem(priya, coverage)).toContainText('Direct · Jordan Ellis', { timeout: 20_000 });
    await threadItem(priya, coverage).getByRole('link').click();
    await expect(priya.getByRole('heading', { name: coverage })).toBeVisible();

    // A photo of the rota, staged with its caption: nothing reaches Jordan before Send.
    const jordanApi = await Api.login('jordan');
    const room = await conversationWith(jordanApi, coverage);
    const root = await rootOf(jordanApi, room, coverage);
    await priya.getByLabel('Attach file').setInputFiles({ name: 'rota.png', mimeType: 'image/png', buffer: await photo(priya) });
    const staged = priya.getByRole('list', { name: 'Files to send' });
    await expect(staged.getByRole('img', { name: 'rota.png' })).toBeVisible();
    const caption = unique('Yes — here is Friday; I moved my 3 pm ');
    await priya.getByRole('textbox', { name: 'Message' }).fill(caption);
    await priya.waitForTimeout(1500);
    expect(await inThread(jordanApi, room, root)).toEqual([]);
    await priya.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(staged).toHaveCount(0, { timeout: 30_000 });

    const theirs = jordan.getByRole('list', { name: 'Messages' });
    await expect(theirs).toContainText(caption);
    await expect(theirs.getByRole('button', { name: 'Open photo rota.png' }).locator('img')).toHaveAttribute('src', /^blob:/);
    const sent = (await inThread(jordanApi, room, root)).reverse();
    expect(sent.map((e) => [e.sender.split(':')[0], e.content.msgtype, e.content.body])).toEqual([
      ['@priya', 'm.text', caption],
      ['@priya', 'm.image', 'rota.png'],
    ]);
    // Nobody else: not in Dana's or Sam's inbox, and the homeserver keeps them out.
    await notListed(dana, coverage);
    await notListed(sam, coverage);
    for (const outsider of [danaApi, samApi]) {
      expect((await outsider.call('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/messages?dir=b`)).status).toBe(403);
      expect((await outsider.call('POST', `/_matrix/client/v3/join/${encodeURIComponent(room)}`, {})).status).toBe(403);
    }
  });

  await test.step('9:00 a reschedule from the thread lands in the EHR and in the thread', async () => {
    const before = (await fhir('GET', 'Appointment/maya-r-1')).json;
    await (await findThread(dana, 'Client canceled')).getByRole('link').click();
    const patient = dana.getByRole('region', { name: 'Patient' });
    await patient.getByRole('button', { name: 'Reschedule' }).first().click();
    const slots = patient.getByRole('list', { name: 'Free slots' });
    await slots.getByRole('radio').nth(1).check();
    await expect(patient.getByRole('button', { name: 'Confirm' })).toBeInViewport();
    await patient.getByRole('button', { name: 'Confirm' }).click();
    await expect(patient.getByRole('status')).toContainText('Rescheduled Maya R. from');
    const after = (await fhir('GET', 'Appointment/maya-r-1')).json;
    expect(after.start).not.toBe(before.start);
    expect((await fhir('GET', after.slot[0].reference)).json.status).toBe('busy');
    // The clinician on the phone reads it in the thread.
    await toInbox(jordan);
    await (await findThread(jordan, 'Client canceled')).getByRole('link').click();
    await expect(jordan.locator('.appointment-card').last()).toContainText('Rescheduled Maya R. from');
  });

  await test.step('9:15 the admin takes a role by mistake and puts it back with Undo', async () => {
    const name = unique('temp');
    const display = `Casey ${name}`;
    const casey = await Api.register(name, display);
    await morgan.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click();
    await morgan.getByRole('textbox', { name: 'User name' }).fill(name);
    await morgan.getByRole('combobox', { name: 'Role', exact: true }).selectOption({ label: 'Billing' });
    await morgan.getByRole('button', { name: 'Add to staff' }).click();
    const row = morgan.getByRole('row').filter({ hasText: display });
    const remove = row.getByRole('button', { name: `Remove Billing from ${display}` });
    await expect(remove).toBeVisible();
    await remove.click();
    await morgan.getByRole('alertdialog', { name: 'Confirm removing a role' }).getByRole('button', { name: 'Remove role' }).click();
    await expect(remove).toHaveCount(0);
    await morgan.getByRole('button', { name: 'Undo' }).click();
    await expect(remove).toBeVisible();

    // On the homeserver Casey holds Billing again (invited back to its role space), and the
    // record says who did what.
    const morganApi = await Api.login('morgan');
    const space = await morganApi.roomId('rounds.role.billing');
    const membership = await morganApi.call('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(space)}/state/m.room.member/${encodeURIComponent(casey.userId)}`);
    expect(['invite', 'join']).toContain(membership.json.membership);
    const lines = morgan.getByRole('list', { name: 'Role changes' }).getByRole('listitem').filter({ hasText: display });
    await expect(lines.first()).toContainText(`Morgan Reyes gave ${display} the role Billing`);
    await expect(lines.nth(1)).toContainText(`Morgan Reyes took the role Billing from ${display}`);
    // Not an admin: the Staff page is not Jordan's to use.
    await expect(jordan.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' })).toHaveCount(0);
  });

  // Nobody met protocol text on the way.
  for (const page of [dana, priya, jordan, sam, morgan]) {
    await expect(page.locator('body')).not.toContainText(/M_[A-Z_]+|HTTP \d{3}|TypeError|Connection\(/);
  }
});
