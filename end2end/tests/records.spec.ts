// Cards that say something was done in the EHR ("Saved to chart", "Schedule change") are their
// sender's word until the EHR, read with the reader's own access, shows the record: a card
// anyone can post through the Matrix API (a forged filing, someone else's record, a change that
// never happened) reads as what it is.
import { test, expect } from './fixtures';
import { Api, fhir, findThread, resetEhr, signedIn, unique } from './helpers';

test.beforeEach(resetEhr);

test('a card is its sender’s word until the EHR shows the record it names', async ({ browser }) => {
  const topic = unique('Home program ');
  const [priyaApi, jordanApi] = await Promise.all([Api.login('priya'), Api.login('jordan')]);
  const clinical = await priyaApi.roomId('rounds.scheduling');
  const root = await priyaApi.send(clinical, {
    msgtype: 'm.text',
    body: `Sara M. – ${topic}\n\nExercises agreed with the parents`,
    'app.rounds.thread': { topic, patient: { display: 'Sara M.', id: 'Patient/sara-m' }, priority: 'routine' },
  });
  const inThread = (fields: object, body: string) => ({
    ...fields,
    body,
    'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
  });

  // Priya (signed in to the EHR) files it: her card is confirmed by the EHR.
  const priya = await signedIn(browser, 'priya', undefined, true);
  await (await findThread(priya, topic)).getByRole('link').click();
  const patient = priya.getByRole('region', { name: 'Patient' });
  await patient.getByRole('button', { name: 'Save to chart' }).click();
  await expect(patient.getByRole('status')).toHaveText("The thread was saved to the patient's chart.");
  const messages = priya.getByRole('list', { name: 'Messages' });
  const card = (by: string) => messages.locator('li.charted').filter({ hasText: `Saved to chart by ${by}` });
  await expect(card('Priya Shah')).toContainText('✓ In the EHR, filed by Priya Shah');
  const thread = `matrix:roomid/${encodeURIComponent(clinical.slice(1))}/e/${encodeURIComponent(root.slice(1))}`;
  const record = (await fhir('GET', `Communication?identifier=${encodeURIComponent(`urn:ietf:rfc:3986|${thread}`)}`)).json.entry[0].resource;

  // Jordan posts cards through the API: Priya's record as his, one that does not exist, and a
  // schedule change the EHR never saw.
  await jordanApi.send(clinical, inThread({ record: `Communication/${record.id}`, updated: false }, 'Saved to chart'), 'app.rounds.chart');
  await expect(card('Jordan Ellis')).toContainText('The EHR names Priya Shah as the author of this record, not Jordan Ellis.');
  await jordanApi.send(clinical, inThread({ record: 'Communication/made-up', updated: true }, 'Chart record updated'), 'app.rounds.chart');
  await expect(messages.locator('li.charted').filter({ hasText: 'Chart record updated by Jordan Ellis' })).toContainText(
    "Not found in the EHR: this is Jordan Ellis's word only.",
  );
  const booked = (await fhir('GET', 'Appointment/maya-r-1')).json;
  await jordanApi.send(
    clinical,
    inThread({ appointment: 'Appointment/maya-r-1', old_start: booked.start, new_start: '2031-01-06T09:00:00Z', status: 'booked' }, 'Moved Maya R. to Mon 6 Jan 9:00'),
    'app.rounds.appointment',
  );
  const change = messages.locator('li.appointment-card').filter({ hasText: 'Moved Maya R. to Mon 6 Jan' });
  await expect(change).toContainText('The EHR shows this appointment at');
  await expect(change.getByText('✓')).toHaveCount(0);

  // The front desk reads the thread but may not read chart records: those cards say they were
  // not checked, never "verified"; the schedule change it can check.
  const dana = await signedIn(browser, 'dana', undefined, true);
  await (await findThread(dana, topic)).getByRole('link').click();
  const danaMessages = dana.getByRole('list', { name: 'Messages' });
  await expect(danaMessages.locator('li.charted').first()).toContainText("Priya Shah's note, not checked in the EHR");
  await expect(danaMessages.locator('li.appointment-card').filter({ hasText: 'Moved Maya R.' })).toContainText('The EHR shows this appointment at');
  await priya.screenshot({ path: 'test-results/records-priya.png', fullPage: true });
  for (const page of [priya, dana]) await page.context().close();
});
