// What the app asks (src/fhir/schedule.rs, chart.rs, smart.rs, session/ehr): every request Rounds
// makes of the EHR, as it makes it, by every role with the scopes the app asks for. Each one
// works for the roles that may do it and is a 403 for the others: deny by default must not
// deny the app.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BASE, diagnostics, ehr, ok, reset, resources } from './ehr.mjs';
import { MAY } from './rules.mjs';
import { personToken } from './tokens.mjs';

const DAY = 86_400_000;
// The app's instants: UTC, whole seconds (src/fhir/instant.rs).
const instant = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
// The app percent-encodes every value (src/api/client.rs `encode`).
const query = (pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
const etag = (resource) => ({ 'If-Match': `W/"${resource.meta.versionId}"` });
const THREAD = 'matrix:roomid/abc%3Aclinic.example/e/Root%2F1';

/**
 * The app's requests in the order a session makes them: [what, needs ([type, letter] pairs),
 * request(person) → [method, path, body, headers]]. What a request is built from (versions,
 * links) is read fresh by the test client, so that each request stands alone.
 */
const ASKS = [
  ['discovery: SMART configuration', [], () => ['GET', '.well-known/smart-configuration']],
  ['discovery: capabilities', [], () => ['GET', 'metadata']],
  ['find patients by name (New thread)', [['Patient', 's']], () => ['GET', `Patient?${query([['name', 'sar'], ['_count', '10']])}`]],
  ['the patient of a thread', [['Patient', 'r']], () => ['GET', 'Patient/sara-m']],
  ['the patient\'s next appointments', [['Appointment', 's']], () => ['GET', `Appointment?${query([
    ['patient', 'Patient/sara-m'], ['date', `ge${instant(Date.now())}`], ['status', 'booked'], ['_sort', 'date'], ['_count', '10'],
  ])}`]],
  ['the day\'s schedule with its patients and practitioners', [['Appointment', 's'], ['Patient', 's'], ['Practitioner', 's']],
    () => ['GET', `Appointment?${query([
      ['date', `ge${instant(Date.now() - DAY)}`], ['date', `lt${instant(Date.now() + 28 * DAY)}`], ['_sort', 'date'], ['_count', '100'],
      ['_include', 'Appointment:patient'], ['_include', 'Appointment:practitioner'],
    ])}`]],
  ['the slot of an appointment', [['Slot', 'r']], async () => ['GET', (await ok('GET', 'Appointment/sara-m-1')).slot[0].reference]],
  ['the schedule of a practitioner', [['Schedule', 's']], () => ['GET', `Schedule?${query([['actor', 'Practitioner/priya']])}`]],
  ['free slots to move to', [['Slot', 's']], () => ['GET', freeSlots()]],
  ['the next page of free slots', [['Slot', 's']], async () => {
    const first = await ok('GET', freeSlots());
    return ['GET', first.link.find((l) => l.relation === 'next').url];
  }],
  ['move the appointment (If-Match)', [['Appointment', 'u']], async () => {
    const [appointment, slot] = [await ok('GET', 'Appointment/sara-m-1'), await aFreeSlot()];
    const moved = { ...appointment, start: slot.start, end: slot.end, slot: [{ reference: `Slot/${slot.id}` }] };
    return ['PUT', 'Appointment/sara-m-1', moved, etag(appointment)];
  }],
  ['take the new slot (If-Match)', [['Slot', 'u']], async () => {
    const slot = await aFreeSlot();
    return ['PUT', `Slot/${slot.id}`, { ...slot, status: 'busy' }, etag(slot)];
  }],
  ['free the old slot (If-Match)', [['Slot', 'u']], async () => {
    const slot = await ok('GET', (await ok('GET', 'Appointment/liam-k-1')).slot[0].reference);
    return ['PUT', `Slot/${slot.id}`, { ...slot, status: 'free' }, etag(slot)];
  }],
  ['cancel an appointment (If-Match)', [['Appointment', 'u']], async () => {
    const appointment = await ok('GET', 'Appointment/noah-t-1');
    return ['PUT', 'Appointment/noah-t-1', { ...appointment, status: 'cancelled', cancelationReason: { text: 'Family moved' } }, etag(appointment)];
  }],
  ['find a thread\'s chart record', [['Communication', 's']], () => ['GET', `Communication?${query([['identifier', `urn:ietf:rfc:3986|${THREAD}`]])}`]],
  ['save a thread to the chart', [['Communication', 'c']], (person) => ['POST', 'Communication', record(person)]],
  ['save it again (If-Match)', [['Communication', 'u']], async (person) => {
    // Filed earlier in the person's name (by the test client, so that every role has one).
    const filed = await ok('POST', 'Communication', { body: record(person) });
    return ['PUT', `Communication/${filed.id}`, { ...record(person, 'and a later message'), id: filed.id }, etag(filed)];
  }],
];

const freeSlots = () => `Slot?${query([
  ['schedule', 'Schedule/priya'], ['status', 'free'], ['start', `ge${instant(Date.now())}`], ['start', `lt${instant(Date.now() + 28 * DAY)}`],
  ['_sort', 'start'], ['_count', '100'],
])}`;
const aFreeSlot = async () => resources(await ok('GET', freeSlots()))[0];

/** A thread as the app files it (src/fhir/chart.rs `communication`). */
const record = (person, text = 'First message') => ({
  resourceType: 'Communication',
  identifier: [{ system: 'urn:ietf:rfc:3986', value: THREAD }],
  status: 'completed',
  category: [{ text: 'Care team thread' }],
  subject: { reference: 'Patient/sara-m', display: 'Sara M.' },
  topic: { text: 'Home exercises' },
  sent: instant(Date.now()),
  sender: { reference: `Practitioner/${person}` },
  payload: [{ contentString: `Someone · ${instant(Date.now())}\n${text}` }],
});

describe('what the app asks', () => {
  for (const [person, may] of Object.entries(MAY)) {
    describe(person, () => {
      let token;
      before(async () => {
        [token] = await Promise.all([personToken(person), reset()]);
      });
      for (const [what, needs, request] of ASKS) {
        const allowed = needs.every(([type, letter]) => (may[type] ?? '').includes(letter));
        test(`${what}: ${allowed ? 'answered' : 'refused (403)'}`, async () => {
          const [method, path, body, headers] = await request(person);
          const res = await ehr(method, path, { token: needs.length ? token : null, body, headers });
          if (allowed) assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${diagnostics(res.body)}`);
          else assert.equal(res.status, 403, `${method} ${path}`);
        });
      }
    });
  }

  test('the day\'s schedule brings its patients and practitioners along', async () => {
    const [, , request] = ASKS.find(([what]) => what.startsWith('the day'));
    const [, path] = await request();
    const day = await ok('GET', path, { token: await personToken('dana') });
    const types = new Set(resources(day).map((r) => r.resourceType));
    assert.deepEqual([...types].sort(), ['Appointment', 'Patient', 'Practitioner']);
    assert.ok(day.link.every((l) => l.url.startsWith(`${BASE}/Appointment?`)));
  });
});
