// The outgoing check (egress.mjs) on its own: whatever the checks on the way in let through,
// it sends only what the caller may read, cut to what the role may see.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { access } from '../access.mjs';
import { egress } from '../egress.mjs';

const caller = (role, scope = 'user/*.rs') => access({ scopes: [scope], fhirUser: 'Practitioner/x', client: 'rounds-app' }, async () => role);
const note = { resourceType: 'Communication', id: 'n', status: 'completed' };
const patient = {
  resourceType: 'Patient', id: 'p', meta: { versionId: '1' }, name: [{ text: 'Sara' }], birthDate: '2016-04-12',
  contained: [note],
};
const appointment = { resourceType: 'Appointment', id: 'a', status: 'booked', contained: [note, patient], participant: [] };
const entry = (resource, mode = 'match') => ({ fullUrl: `x/${resource.id}`, resource, search: { mode } });

describe('egress', () => {
  test('a search answer keeps its matches, drops includes the caller may not read, and its contained ones', async () => {
    const desk = await caller('front-desk');
    const answer = egress(desk, {
      resourceType: 'Bundle', type: 'searchset', total: 1,
      entry: [entry(appointment), entry(patient, 'include'), entry(note, 'include')],
    });
    assert.equal(answer.total, 1);
    assert.deepEqual(answer.entry.map((e) => e.resource.resourceType), ['Appointment', 'Patient']);
    assert.deepEqual(answer.entry[0].resource.contained.map((r) => r.resourceType), ['Patient']);
    assert.deepEqual(answer.entry[0].resource.contained[0].contained, []);
  });

  test('a dropped match takes the total with it: it would count what the caller may not see', async () => {
    const answer = egress(await caller('front-desk'), { resourceType: 'Bundle', type: 'searchset', total: 2, entry: [entry(note), entry(patient)] });
    assert.equal(answer.total, undefined);
    assert.deepEqual(answer.entry.map((e) => e.resource.id), ['p']);
  });

  test('billing gets the name only, wherever the patient is (a history, a batch entry, a stored bundle)', async () => {
    const billing = await caller('billing');
    const history = egress(billing, { resourceType: 'Bundle', type: 'history', entry: [{ resource: patient }] });
    assert.deepEqual(Object.keys(history.entry[0].resource).sort(), ['id', 'meta', 'name', 'resourceType']);
    const batch = egress(billing, {
      resourceType: 'Bundle', type: 'batch-response',
      entry: [{ resource: patient, response: { status: '200' } }, { resource: appointment, response: { status: '200' } }],
    });
    assert.equal(batch.entry[0].resource.birthDate, undefined);
    // A batch answers entry for entry: the refused one keeps its place, without its resource.
    assert.equal(batch.entry[1].resource, undefined);
    assert.equal(batch.entry[1].response.status, '403');
    const nested = egress(billing, { resourceType: 'Bundle', type: 'batch-response', entry: [{ resource: { resourceType: 'Bundle', type: 'searchset', entry: [entry(patient), entry(note)] } }] });
    assert.deepEqual(nested.entry[0].resource.entry.map((e) => e.resource.birthDate ?? e.resource.resourceType), ['Patient']);
  });

  test('a single resource the caller may not read is refused; the server\'s outcomes always go out', async () => {
    const billing = await caller('billing');
    assert.throws(() => egress(billing, appointment), { status: 403 });
    assert.throws(() => egress(billing, { resourceType: 'Bundle', type: 'collection', entry: [] }), { status: 403 }, 'a stored Bundle is a resource');
    const outcome = { resourceType: 'OperationOutcome', issue: [] };
    assert.equal(egress(billing, outcome), outcome);
  });

  test('the sign-in\'s scopes narrow what goes out, as they narrow what is asked', async () => {
    const admin = await caller('admin', 'user/Patient.rs');
    const answer = egress(admin, { resourceType: 'Bundle', type: 'searchset', entry: [entry(patient), entry(appointment, 'include')] });
    assert.deepEqual(answer.entry.map((e) => e.resource.resourceType), ['Patient']);
    assert.deepEqual(answer.entry[0].resource.contained, [], 'the contained note too');
  });
});
