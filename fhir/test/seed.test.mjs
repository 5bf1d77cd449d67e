// The demo clinic "Riverside Therapy" (seed.mjs) as the server loads it: its people, patients,
// schedules, four weeks of slots and nine bookings, all relative to the day the server started.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { buildSeedResources, closedDay } from '../seed.mjs';
import { ok, reset, resources } from './ehr.mjs';

const DAY = 86_400_000;
const all = async (query) => resources(await ok('GET', `${query}${query.includes('?') ? '&' : '?'}_count=100`));
const allSlots = async (schedule) => {
  const found = [];
  for (let offset = 0; ; offset += 100) {
    const page = resources(await ok('GET', `Slot?schedule=Schedule/${schedule}&_count=100&_offset=${offset}`));
    found.push(...page);
    if (page.length < 100) return found;
  }
};
const isWeekday = (iso) => ![0, 6].includes(new Date(iso).getUTCDay());

describe('the seeded clinic', () => {
  let anchor; // midnight UTC of the seed's day
  before(async () => {
    await reset();
    anchor = Date.parse((await ok('GET', 'Schedule/jordan')).planningHorizon.start);
  });

  test('is anchored on the day the server started (today, UTC)', () => {
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    // The suite may have started just before midnight.
    assert.ok(anchor === today || anchor === today - DAY, new Date(anchor).toISOString());
  });

  test('has the demo staff, each with the role the EHR grants access by', async () => {
    const roles = Object.fromEntries((await all('PractitionerRole')).map((r) => [r.practitioner.reference, r.code[0].coding[0].code]));
    assert.deepEqual(roles, {
      'Practitioner/priya': 'ot', 'Practitioner/jordan': 'slp', 'Practitioner/dana': 'front-desk',
      'Practitioner/sam': 'billing', 'Practitioner/morgan': 'director',
    });
    const matrixIds = (await all('Practitioner')).map((p) => p.identifier[0].value).sort();
    assert.deepEqual(matrixIds, ['@dana:localhost', '@jordan:localhost', '@morgan:localhost', '@priya:localhost', '@sam:localhost']);
    assert.equal((await ok('GET', 'Organization/riverside')).name, 'Riverside Therapy');
  });

  test('has the patients of the demo threads (two of them "Sara M."), with their short labels and record numbers', async () => {
    const patients = await all('Patient');
    assert.deepEqual(patients.map((p) => p.id).sort(), ['ava-p', 'ethan-w', 'jose-h', 'liam-k', 'maya-r', 'noah-t', 'oliver-g', 'sara-m', 'sara-me']);
    const saras = patients.filter((p) => p.name[1].text === 'Sara M.');
    assert.equal(saras.length, 2);
    const mrns = saras.map((p) => p.identifier.find((i) => i.type?.coding?.[0]?.code === 'MR').value);
    assert.equal(new Set(mrns).size, 2);
    const jose = patients.find((p) => p.id === 'jose-h');
    assert.deepEqual(jose.name.map((n) => n.text), ['José Hernández', 'José H.']);
    assert.equal(jose.generalPractitioner[0].reference, 'Practitioner/priya');
  });

  test('gives both clinicians four weeks of weekday slots in clinic hours, from today', async () => {
    for (const who of ['priya', 'jordan']) {
      const schedule = await ok('GET', `Schedule/${who}`);
      assert.equal(Date.parse(schedule.planningHorizon.end) - anchor, 28 * DAY);
      const slots = await allSlots(who);
      const weekdays = Array.from({ length: 28 }, (_, i) => new Date(anchor + i * DAY).toISOString()).filter(isWeekday);
      assert.equal(slots.length, weekdays.length * 8, who);
      for (const slot of slots) {
        const start = new Date(slot.start);
        assert.ok(start >= anchor && start < anchor + 28 * DAY && isWeekday(slot.start), slot.id);
        assert.ok(start.getUTCHours() >= 13 && start.getUTCHours() <= 20, slot.id);
        assert.equal(Date.parse(slot.end) - start, 3_600_000);
      }
    }
  });

  test('books nine upcoming visits, each in a busy slot of its clinician', async () => {
    const appointments = await all('Appointment');
    assert.equal(appointments.length, 9);
    const busy = (await all('Slot?status=busy')).map((s) => s.id).sort();
    assert.deepEqual(appointments.map((a) => a.slot[0].reference.slice('Slot/'.length)).sort(), busy);
    for (const appointment of appointments) {
      const start = Date.parse(appointment.start);
      assert.ok(start > anchor + DAY && start < anchor + 28 * DAY, `${appointment.id} ${appointment.start}`);
      assert.equal(appointment.status, 'booked');
      const slot = await ok('GET', appointment.slot[0].reference);
      assert.equal(slot.start, appointment.start);
      const clinician = appointment.participant.find((p) => p.actor.reference.startsWith('Practitioner/')).actor.reference;
      assert.equal(slot.schedule.reference, clinician.replace('Practitioner/', 'Schedule/'));
    }
  });

  test('closes the clinic one weekday after the last booking: its slots blocked, none free', async () => {
    const day = closedDay(new Date(anchor)).toISOString().slice(0, 10);
    for (const who of ['priya', 'jordan']) {
      const slots = (await allSlots(who)).filter((s) => s.start.startsWith(day));
      assert.equal(slots.length, 8, who);
      for (const slot of slots) {
        assert.equal(slot.status, 'busy-unavailable', slot.id);
        assert.equal(slot.comment, 'Clinic closed — staff training');
      }
    }
    assert.ok((await all('Appointment')).every((a) => !a.start.startsWith(day)));
  });

  test('puts Maya\'s visit (the "confirm reschedule" thread) with Jordan on the next Tuesday at 14:00 UTC', async () => {
    const maya = await ok('GET', 'Appointment/maya-r-1');
    const start = new Date(maya.start);
    assert.deepEqual([start.getUTCDay(), start.getUTCHours()], [2, 14]);
    const days = (start - anchor) / DAY;
    assert.ok(days > 0 && days <= 7 + 14 / 24, `${days} days after the anchor`);
    assert.equal(maya.participant[1].actor.reference, 'Practitioner/jordan');
  });
});

describe('the seed for a pinned day (FHIR_SEED_DATE)', () => {
  test('names slots by clinician, day and hour, and skips weekends', () => {
    const seed = buildSeedResources('2025-01-04'); // a Saturday
    const ids = new Set(seed.map((r) => `${r.resourceType}/${r.id}`));
    assert.ok(ids.has('Slot/jordan-20250106-1300'), 'Monday\'s first slot');
    assert.ok(!ids.has('Slot/jordan-20250104-1300'), 'no slot on Saturday');
    assert.equal(seed.find((r) => r.id === 'maya-r-1').start, '2025-01-07T14:00:00Z');
  });

  test('the demo\'s adds work for rounds-watch: a visit missed the weekday before, one the patient cancelled, a referral', () => {
    assert.ok(!buildSeedResources('2025-01-06').some((r) => ['noshow', 'cancelled'].includes(r.status)), 'none in the tests\' seed');
    const seed = buildSeedResources('2025-01-06', { work: true }); // a Monday
    const missed = seed.filter((r) => r.status === 'noshow');
    assert.deepEqual(missed.map((r) => [r.id, r.start]), [['liam-k-0', '2025-01-03T16:00:00Z']]);
    const cancelled = seed.filter((r) => r.status === 'cancelled');
    assert.deepEqual(cancelled.map((r) => [r.id, r.cancelationReason.coding[0].code]), [['noah-t-2', 'pat-crs']]);
    const slot = seed.find((r) => `Slot/${r.id}` === cancelled[0].slot[0].reference);
    assert.equal(slot.status, 'free', 'a cancelled visit holds no slot');
    const referrals = seed.filter((r) => r.resourceType === 'ServiceRequest');
    assert.deepEqual(referrals.map((r) => [r.id, r.status, r.intent, r.subject.reference]), [['ava-p-referral', 'active', 'order', 'Patient/ava-p']]);
  });

  test('refuses a day that does not exist', () => {
    assert.throws(() => buildSeedResources('2025-02-30'), /real YYYY-MM-DD day/);
    assert.throws(() => buildSeedResources('tomorrow'), /real YYYY-MM-DD day/);
  });
});
