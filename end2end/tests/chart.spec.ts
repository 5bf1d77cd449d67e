import { test, expect } from './fixtures';
import { Api, FHIR, fhir, findThread, HOMESERVER, resetEhr, signedIn, unique } from './helpers';

test.beforeEach(resetEhr);

test('a clinician saves a thread to the chart: one Communication in the EHR, updated by a second save', async ({ browser }) => {
  const topic = unique('Fine-motor goals ');
  const priyaApi = await Api.login('priya');
  const clinical = await priyaApi.roomId('rounds.clinical');
  const root = await priyaApi.send(clinical, {
    msgtype: 'm.text',
    body: `Sara M. – ${topic}\n\nNew goals agreed with the parents`,
    'app.rounds.thread': { topic, patient: { display: 'Sara M.', id: 'Patient/sara-m' }, priority: 'routine' },
  });
  const reply = (text: string) =>
    priyaApi.send(clinical, { msgtype: 'm.text', body: text, 'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } } });
  // A photo of the exercise sheet, attached as any Matrix client does.
  const sheet = await fetch(`${HOMESERVER}/_matrix/media/v3/upload?filename=sheet.pdf`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${priyaApi.token}`, 'Content-Type': 'application/pdf' },
    body: '%PDF-1.4 exercise sheet',
  }).then((r) => r.json());
  await priyaApi.send(clinical, {
    msgtype: 'm.file', body: 'sheet.pdf', url: sheet.content_uri, info: { mimetype: 'application/pdf', size: 23 },
    'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
  });
  const edited = await reply('Three sets of twelve, twice a day');
  await priyaApi.send(clinical, {
    msgtype: 'm.text',
    body: '* Three sets of twelve, three times a day',
    'm.new_content': { msgtype: 'm.text', body: 'Three sets of twelve, three times a day' },
    'm.relates_to': { rel_type: 'm.replace', event_id: edited },
  });

  const [priya, jordan] = await Promise.all([signedIn(browser, 'priya', undefined, true), signedIn(browser, 'jordan')]);
  // Priya's own EHR token, as her browser sends it.
  const ehrTokens: string[] = [];
  priya.on('request', (request) => {
    const auth = request.headers()['authorization'];
    if (request.url().startsWith(FHIR) && auth?.startsWith('Bearer ')) ehrTokens.push(auth.slice(7));
  });
  for (const page of [priya, jordan]) await (await findThread(page, topic)).getByRole('link').click();
  const patient = priya.getByRole('region', { name: 'Patient' });
  await patient.getByRole('button', { name: 'Save to chart' }).click();
  await expect(patient.getByRole('status')).toHaveText("The thread was saved to the patient's chart.");
  // Everyone in the thread sees it was filed, and by whom.
  await expect(jordan.getByRole('list', { name: 'Messages' })).toContainText('Saved to chart by Priya Shah');

  // In the EHR: one Communication about Sara, sent by Priya, with the thread's messages.
  const thread = `matrix:roomid/${encodeURIComponent(clinical.slice(1))}/e/${encodeURIComponent(root.slice(1))}`;
  const search = () => fhir('GET', `Communication?identifier=${encodeURIComponent(`urn:ietf:rfc:3986|${thread}`)}`);
  let found = await search();
  expect(found.status).toBe(200);
  expect(found.json.entry).toHaveLength(1);
  let record = found.json.entry[0].resource;
  expect(record).toMatchObject({
    status: 'completed',
    subject: { reference: 'Patient/sara-m' },
    sender: { reference: 'Practitioner/priya' },
    topic: { text: topic },
  });
  expect(record.payload.map((p: any) => p.contentString)).toEqual([
    expect.stringMatching(/^Priya Shah · \d{4}-\d\d-\d\dT[\d:]+Z\nNew goals agreed with the parents$/),
    expect.stringMatching(/\nFile: sheet.pdf \(application\/pdf, 23 bytes\)$/),
    // The file itself, by reference: its authenticated address on the homeserver.
    undefined,
    // The newest version, marked as edited.
    expect.stringMatching(/\nThree sets of twelve, three times a day \(edited\)$/),
  ]);
  const [server, mediaId] = sheet.content_uri.slice('mxc://'.length).split('/');
  expect(record.payload[2].contentAttachment).toEqual({
    contentType: 'application/pdf',
    title: 'sheet.pdf',
    size: 23,
    url: `${HOMESERVER}/_matrix/client/v1/media/download/${server}/${mediaId}`,
  });
  expect((await fhir('GET', `Communication/${record.id}`)).status).toBe(200);
  // The EHR takes a Communication in Priya's name only, even with her own token.
  const forged = { ...record, id: undefined, meta: undefined, identifier: undefined, sender: { reference: 'Practitioner/jordan' } };
  expect((await fhir('POST', 'Communication', forged, {}, ehrTokens.at(-1)!)).status).toBe(403);

  // Saving again after another message updates the same record.
  await reply('Parents will send a video of the exercises');
  await expect(priya.getByRole('list', { name: 'Messages' })).toContainText('Parents will send a video');
  await patient.getByRole('button', { name: 'Save to chart' }).click();
  await expect(patient.getByRole('status')).toHaveText("The thread's record in the chart was updated.");
  await expect(jordan.getByRole('list', { name: 'Messages' })).toContainText('Chart record updated by Priya Shah');
  found = await search();
  expect(found.json.entry).toHaveLength(1);
  record = found.json.entry[0].resource;
  expect(record.meta.versionId).not.toBe('1');
  expect(record.payload.at(-1).contentString).toMatch(/Parents will send a video of the exercises$/);

  // Or only the messages chosen: the same record then holds those.
  await patient.getByRole('button', { name: 'Choose messages…' }).click();
  const video = priya.getByRole('list', { name: 'Messages' }).locator('li.message').filter({ hasText: 'Parents will send' });
  await video.getByRole('checkbox', { name: 'Include in chart' }).check();
  await patient.getByRole('button', { name: 'Save 1 chosen to chart' }).click();
  await expect(patient.getByRole('status')).toHaveText("The thread's record in the chart was updated.");
  await expect(priya.getByRole('checkbox', { name: 'Include in chart' })).toHaveCount(0);
  found = await search();
  expect(found.json.entry).toHaveLength(1);
  expect(found.json.entry[0].resource.payload.map((p: any) => p.contentString)).toEqual([
    expect.stringMatching(/\nParents will send a video of the exercises$/),
  ]);

  // Jordan files the same thread: a record of his own; Priya's keeps her name and her choice.
  const hisPatient = jordan.getByRole('region', { name: 'Patient' });
  await hisPatient.getByRole('button', { name: 'Sign in to the EHR' }).click();
  await jordan.getByRole('textbox', { name: 'Username' }).fill('jordan');
  await jordan.getByLabel('Password').fill('rounds-demo');
  await jordan.getByRole('button', { name: 'Sign in', exact: true }).click();
  await (await findThread(jordan, topic)).getByRole('link').click();
  await hisPatient.getByRole('button', { name: 'Save to chart' }).click();
  await expect(hisPatient.getByRole('status')).toHaveText("The thread was saved to the patient's chart.");
  found = await search();
  const bySender = Object.fromEntries(found.json.entry.map((e: any) => [e.resource.sender.reference, e.resource.payload.length]));
  expect(bySender).toEqual({ 'Practitioner/priya': 1, 'Practitioner/jordan': 5 });
});
