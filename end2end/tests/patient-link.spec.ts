// A thread started without a patient record is linked later, by the person whose EHR access
// opens the record: everyone sees who linked it and the EHR's record; a crafted link whose label
// names someone else is called out; without the EHR, the finder says how to connect.
import { test, expect } from './fixtures';
import { Api, findThread, signedIn, unique } from './helpers';

test('a thread is linked to a patient after it was started, and everyone sees who linked it', async ({ browser }) => {
  const topic = unique('Thursday cover ');
  const danaApi = await Api.login('dana');
  const scheduling = await danaApi.roomId('rounds.scheduling');
  const root = await danaApi.send(scheduling, {
    msgtype: 'm.text',
    body: `${topic}\n\nWho can see her Friday?`,
    'app.rounds.thread': { topic, patient: null, priority: 'routine' },
  });
  const [dana, jordan] = await Promise.all([
    signedIn(browser, 'dana', { width: 1024, height: 768 }, true),
    signedIn(browser, 'jordan', { width: 390, height: 844 }, true),
  ]);
  await (await findThread(jordan, topic)).getByRole('link').click();
  await expect(jordan.getByRole('region', { name: 'Patient' })).toHaveCount(0);

  // Dana finds the right Sara M. (two share the label) and links her.
  await (await findThread(dana, topic)).getByRole('link').click();
  await dana.getByRole('button', { name: 'Link to a patient record' }).click();
  const finder = dana.getByRole('group', { name: 'Link to a patient record' });
  await finder.getByRole('searchbox', { name: 'Find patient' }).fill('sara');
  const options = finder.getByRole('listbox', { name: 'Matching patients' }).getByRole('option');
  await expect(options).toHaveCount(2);
  await options.filter({ hasText: 'Sara Mendes' }).click();
  const region = dana.getByRole('region', { name: 'Patient' });
  await expect(region.getByRole('heading', { name: 'Sara Mendes' })).toBeVisible();
  await expect(region).toContainText(/Born 10\/02\/2012 · MRN RT-\d+/);
  await expect(dana.getByRole('heading', { name: `Sara M. – ${topic}` })).toBeVisible();
  await expect(dana.getByRole('button', { name: 'Link to a patient record' })).toHaveCount(0);

  // Jordan, on his phone: the thread says who linked it, and shows the EHR's record.
  const theirs = jordan.getByRole('list', { name: 'Messages' });
  await expect(theirs).toContainText('Dana Brooks linked this thread to Sara M.');
  await expect(jordan.getByRole('region', { name: 'Patient' }).getByRole('heading', { name: 'Sara Mendes' })).toBeVisible();

  // On the homeserver: one link event in the thread, naming the record.
  const links = (await danaApi.messages(scheduling, 100)).filter(
    (e) => e.type === 'app.rounds.patient_link' && e.content['m.relates_to']?.event_id === root,
  );
  expect(links).toHaveLength(1);
  expect(links[0].content.patient).toEqual({ display: 'Sara M.', id: 'Patient/sara-me' });

  // A crafted link (a label naming one patient, a record of another) does not fool anyone:
  // the region shows the EHR's record and says the label does not match it.
  const jordanApi = await Api.login('jordan');
  const crafted = unique('Waitlist question ');
  const craftedRoot = await jordanApi.send(scheduling, {
    msgtype: 'm.text',
    body: crafted,
    'app.rounds.thread': { topic: crafted, patient: null, priority: 'routine' },
  });
  await jordanApi.send(
    scheduling,
    {
      body: 'Linked to patient Sara M.',
      patient: { display: 'Sara M.', id: 'Patient/maya-r' },
      'm.relates_to': { rel_type: 'm.thread', event_id: craftedRoot, is_falling_back: true, 'm.in_reply_to': { event_id: craftedRoot } },
    },
    'app.rounds.patient_link',
  );
  await (await findThread(dana, crafted)).getByRole('link').click();
  await expect(region.getByRole('heading', { name: 'Maya Rossi' })).toBeVisible();
  await expect(region.getByRole('alert')).toContainText('This thread says “Sara M.”, but the EHR record it points to is Maya Rossi');
});

test('without the EHR, linking says how to connect instead of finding nothing', async ({ browser }) => {
  const topic = unique('Intake call ');
  const api = await Api.login('priya');
  const clinical = await api.roomId('rounds.clinical');
  await api.send(clinical, { msgtype: 'm.text', body: topic, 'app.rounds.thread': { topic, patient: null, priority: 'routine' } });
  const priya = await signedIn(browser, 'priya');
  await (await findThread(priya, topic)).getByRole('link').click();
  await priya.getByRole('button', { name: 'Link to a patient record' }).click();
  const finder = priya.getByRole('group', { name: 'Link to a patient record' });
  await finder.getByRole('searchbox', { name: 'Find patient' }).fill('sara');
  await expect(finder).toContainText("Sign in to the EHR to find the patient's record.");
  await expect(finder.getByRole('button', { name: 'Sign in to the EHR' })).toBeVisible();
  await finder.getByRole('button', { name: 'Cancel' }).click();
  await expect(finder).toHaveCount(0);
  await expect(priya.getByRole('button', { name: 'Link to a patient record' })).toBeVisible();
});
