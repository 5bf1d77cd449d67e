// Versioned writes as the wrapper serves them (server.mjs): ETag and Last-Modified on what is
// read or written, Location on what is created, If-Match as a weak ETag only (Medplum skips
// the check on any other form), 201 for a PUT that creates, and an AuditEvent (audit.mjs) per
// change and per read, naming the person.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BASE, ehr, JSON_PATCH, note, ok, reset, resources } from './ehr.mjs';
import { MAX_ENTITIES } from '../audit.mjs';
import { personToken } from './tokens.mjs';

const etagOf = (resource) => `W/"${resource.meta.versionId}"`;
const cancelled = (appointment) => ({ ...appointment, status: 'cancelled', cancelationReason: { text: 'Family emergency' } });

// The front desk reschedules and cancels: the app's writes are hers.
const dana = await personToken('dana');

describe('versions and their headers', () => {
  before(reset);

  test('a read carries its version as a weak ETag and when it was written', async () => {
    const res = await ehr('GET', 'Appointment/sara-m-1', { token: dana });
    assert.equal(res.headers.get('etag'), etagOf(res.body));
    assert.equal(res.headers.get('last-modified'), new Date(res.body.meta.lastUpdated).toUTCString());
    assert.equal(res.headers.get('location'), null, 'Location only on a create');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('an update with the current ETag makes a new version; the old one stays readable', async () => {
    const before = await ok('GET', 'Appointment/sara-m-1', { token: dana });
    const res = await ehr('PUT', 'Appointment/sara-m-1', { token: dana, body: cancelled(before), headers: { 'If-Match': etagOf(before) } });
    assert.equal(res.status, 200);
    assert.notEqual(res.body.meta.versionId, before.meta.versionId);
    assert.equal(res.headers.get('etag'), etagOf(res.body));
    assert.equal(res.headers.get('location'), null);
    assert.equal((await ok('GET', `Appointment/sara-m-1/_history/${before.meta.versionId}`, { token: dana })).status, 'booked');
    const history = resources(await ok('GET', 'Appointment/sara-m-1/_history', { token: dana }));
    assert.deepEqual(history.map((v) => v.status), ['cancelled', 'booked'], 'newest first');
  });

  test('a stale ETag is a 412 and changes nothing (no lost update)', async () => {
    const first = await ok('GET', 'Appointment/liam-k-1', { token: dana });
    await ok('PUT', 'Appointment/liam-k-1', { token: dana, body: { ...first, comment: 'moved' }, headers: { 'If-Match': etagOf(first) } });
    const stale = await ehr('PUT', 'Appointment/liam-k-1', { token: dana, body: cancelled(first), headers: { 'If-Match': etagOf(first) } });
    assert.equal(stale.status, 412);
    const patch = await ehr('PATCH', 'Appointment/liam-k-1', {
      token: dana, body: [{ op: 'replace', path: '/status', value: 'noshow' }], headers: { ...JSON_PATCH, 'If-Match': etagOf(first) },
    });
    assert.equal(patch.status, 412);
    const now = await ok('GET', 'Appointment/liam-k-1', { token: dana });
    assert.equal(now.status, 'booked');
    assert.equal(now.comment, 'moved');
  });

  test('If-Match in any other form than W/"<version>" is a 400, not a silently skipped check', async () => {
    const current = await ok('GET', 'Appointment/ava-p-1', { token: dana });
    for (const value of [current.meta.versionId, `"${current.meta.versionId}"`, '*', 'W/1']) {
      const put = await ehr('PUT', 'Appointment/ava-p-1', { token: dana, body: cancelled(current), headers: { 'If-Match': value } });
      assert.equal(put.status, 400, `PUT If-Match: ${value}`);
      const patch = await ehr('PATCH', 'Appointment/ava-p-1', {
        token: dana, body: [{ op: 'replace', path: '/status', value: 'cancelled' }], headers: { ...JSON_PATCH, 'If-Match': value },
      });
      assert.equal(patch.status, 400, `PATCH If-Match: ${value}`);
    }
    assert.equal((await ehr('DELETE', 'Appointment/ava-p-1', { headers: { 'If-Match': current.meta.versionId } })).status, 400);
    assert.equal((await ok('GET', 'Appointment/ava-p-1')).meta.versionId, current.meta.versionId, 'unchanged');
  });

  test('a create answers 201 with the new version\'s Location and ETag', async () => {
    const res = await ehr('POST', 'Communication', { token: await personToken('priya'), body: note('priya') });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `${BASE}/Communication/${res.body.id}/_history/${res.body.meta.versionId}`);
    assert.equal(res.headers.get('etag'), etagOf(res.body));
  });

  test('a PUT that creates answers 201 (FHIR), one that updates 200', async () => {
    const patient = { resourceType: 'Patient', id: 'new-client', name: [{ family: 'Novak', given: ['Ida'] }] };
    const created = await ehr('PUT', 'Patient/new-client', { body: patient });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), `${BASE}/Patient/new-client/_history/${created.body.meta.versionId}`);
    const updated = await ehr('PUT', 'Patient/new-client', { body: { ...patient, gender: 'female' } });
    assert.equal(updated.status, 200);
    assert.equal(updated.headers.get('location'), null);
  });

  test('a search bundle has no ETag', async () => {
    const res = await ehr('GET', 'Appointment?_count=1', { token: dana });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), null);
  });
});

describe('every change names who made it', () => {
  before(reset);

  // The changes only: reads of the same records are recorded too.
  const auditsOf = async (reference) => resources(await ok('GET', `AuditEvent?entity=${reference}&action=C,U,D&_sort=date`));

  test('an update, a patch and a create each leave an AuditEvent with the person and the version', async () => {
    const appointment = await ok('GET', 'Appointment/noah-t-1', { token: dana });
    const updated = await ok('PUT', 'Appointment/noah-t-1', { token: dana, body: cancelled(appointment) });
    const ops = [{ op: 'add', path: '/comment', value: 'called' }];
    const patched = await ok('PATCH', 'Appointment/noah-t-1', { token: dana, body: ops, headers: JSON_PATCH });
    const audits = await auditsOf('Appointment/noah-t-1');
    assert.deepEqual(audits.map((a) => a.action), ['U', 'U']);
    assert.deepEqual(audits.map((a) => a.agent[0].who.reference), ['Practitioner/dana', 'Practitioner/dana']);
    assert.deepEqual(audits.map((a) => a.entity[0].detail[0].valueString), [updated.meta.versionId, patched.meta.versionId]);

    const body = note('morgan', 'Called the family', 'noah-t');
    const created = await ok('POST', 'Communication', { token: await personToken('morgan'), body });
    const [audit] = await auditsOf(`Communication/${created.id}`);
    assert.equal(audit.action, 'C');
    assert.equal(audit.agent[0].who.reference, 'Practitioner/morgan');
  });

  test('a backend client\'s change names the client; a refused or failed one leaves nothing', async () => {
    const appointment = await ok('GET', 'Appointment/ethan-w-1');
    await ok('PUT', 'Appointment/ethan-w-1', { body: { ...appointment, comment: 'by the integration' } });
    const priya = await personToken('priya');
    assert.equal((await ehr('PUT', 'Appointment/ethan-w-1', { token: priya, body: cancelled(appointment) })).status, 403);
    assert.equal((await ehr('PUT', 'Appointment/ethan-w-1', { body: { ...appointment, status: 'bogus' } })).status, 400);
    const audits = await auditsOf('Appointment/ethan-w-1');
    assert.deepEqual(audits.map((a) => a.agent[0].who), [{ display: 'client rounds-tests' }]);
  });

  test('people may not read the audit trail', async () => {
    for (const person of ['morgan', 'dana', 'priya', 'sam']) {
      assert.equal((await ehr('GET', 'AuditEvent', { token: await personToken(person) })).status, 403, person);
    }
  });

  test('a delete leaves an AuditEvent', async () => {
    await ok('DELETE', 'Appointment/oliver-g-1');
    const audits = await auditsOf('Appointment/oliver-g-1');
    assert.deepEqual(audits.map((a) => [a.action, a.subtype[0].code, a.agent[0].who.display]), [['D', 'delete', 'client rounds-tests']]);
  });
});

describe('every read names who read what', () => {
  before(reset);

  /** The AuditEvents of `person`'s requests, oldest first. */
  const trail = async (person) => resources(await ok('GET', `AuditEvent?agent=Practitioner/${person}&_sort=date&_count=100`));
  const named = (audit) => audit.entity.filter((e) => e.what).map((e) => e.what.reference);

  test('a read, a version, a history and a search each leave one, with the records sent', async () => {
    const appointment = await ok('GET', 'Appointment/sara-m-1', { token: dana });
    await ok('GET', `Appointment/sara-m-1/_history/${appointment.meta.versionId}`, { token: dana });
    await ok('GET', 'Appointment/sara-m-1/_history', { token: dana });
    await ok('GET', 'Appointment?_id=sara-m-1&_include=Appointment:patient', { token: dana });
    const audits = await trail('dana');
    assert.deepEqual(audits.map((a) => [a.action, a.subtype[0].code]),
      [['R', 'read'], ['R', 'vread'], ['R', 'history-instance'], ['E', 'search-type']]);
    assert.deepEqual(audits.map(named), [['Appointment/sara-m-1'], ['Appointment/sara-m-1'], ['Appointment/sara-m-1'],
      ['Appointment/sara-m-1', 'Patient/sara-m']]);
    assert.equal(audits[0].entity[0].detail[0].valueString, appointment.meta.versionId);
    assert.match(audits[3].entity.at(-1).description, /^Appointment\?_id=sara-m-1&_include=Appointment%3Apatient \(2 records sent\)$/);
    assert.ok(audits.every((a) => a.agent[0].who.reference === 'Practitioner/dana'));
  });

  test('billing\'s reads too; a refused one leaves nothing (nothing was read)', async () => {
    const sam = await personToken('sam');
    await ok('POST', 'Patient/_search', { token: sam, body: 'name=martinez', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal((await ehr('GET', 'Appointment/sara-m-1', { token: sam })).status, 403);
    assert.equal((await ehr('GET', 'Patient?birthdate=2016-04-12', { token: sam })).status, 403);
    const audits = await trail('sam');
    assert.deepEqual(audits.map((a) => [a.action, named(a)]), [['E', ['Patient/sara-m']]]);
    assert.match(audits[0].entity.at(-1).description, /^Patient\?name=martinez /);
  });

  test('a large answer names its first records and says how many it sent', async () => {
    await ok('GET', 'Slot?_count=100&_include=Slot:schedule', { token: dana });
    const [audit] = (await trail('dana')).slice(-1);
    assert.equal(named(audit).length, MAX_ENTITIES);
    assert.match(audit.entity.at(-1).description, new RegExp(`\\(10[0-9] records sent, the first ${MAX_ENTITIES} named\\)$`));
  });
});
