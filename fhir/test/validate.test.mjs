// Writes are validated before they are stored (validate.mjs): structure, cardinality, and codes
// against their required value sets (which Medplum's validator does not check); bodies must be
// JSON of a FHIR type and at most 10 MB (server.mjs).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BASE, ehr, JSON_PATCH, ok, reset } from './ehr.mjs';
import { personToken } from './tokens.mjs';

/** Asserts a 400 whose OperationOutcome has an issue `code` whose text or path matches `text`. */
function assertInvalid(res, code, text) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  const said = res.body.issue.filter((i) => i.code === code).map((i) => `${i.details?.text} at ${i.expression}`);
  assert.ok(said.some((s) => text.test(s)), `an issue "${code}" matching ${text} in ${JSON.stringify(res.body.issue)}`);
}

describe('validation of writes', () => {
  let dana;
  let appointment;
  before(async () => {
    await reset();
    dana = await personToken('dana');
    appointment = await ok('GET', 'Appointment/maya-r-1', { token: dana });
  });

  const put = (body) => ehr('PUT', 'Appointment/maya-r-1', { token: dana, body });

  test('a code outside its required value set is refused (Medplum alone would store it)', async () => {
    const res = await put({ ...appointment, status: 'bogus' });
    assertInvalid(res, 'code-invalid', /"bogus" is not in the required value set .*\/ValueSet\/appointmentstatus at Appointment.status/);
    const nested = await put({ ...appointment, participant: [{ ...appointment.participant[0], status: 'maybe' }] });
    assertInvalid(nested, 'code-invalid', /participationstatus/);
  });

  test('missing required elements, unknown elements and wrong types are refused', async () => {
    const { participant, ...withoutParticipant } = appointment;
    assertInvalid(await put(withoutParticipant), 'structure', /Missing required property at Appointment.participant/);
    assertInvalid(await put({ ...appointment, colour: 'blue' }), 'structure', /colour/);
    assertInvalid(await put({ ...appointment, minutesDuration: 'sixty' }), 'structure', /minutesDuration/);
  });

  test('a patch is validated as the resource it makes', async () => {
    const ops = [{ op: 'replace', path: '/status', value: 'bogus' }];
    const res = await ehr('PATCH', 'Appointment/maya-r-1', { token: dana, body: ops, headers: JSON_PATCH });
    assertInvalid(res, 'code-invalid', /bogus/);
  });

  test('a valid change goes through, and nothing invalid was stored before it', async () => {
    assert.equal((await ok('GET', 'Appointment/maya-r-1')).meta.versionId, appointment.meta.versionId);
    assert.equal((await put({ ...appointment, status: 'cancelled' })).status, 200);
  });

  test('every entry of a batch is validated', async () => {
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', gender: 'unknown' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', gender: 'sometimes' }, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const answer = await ok('POST', BASE, { body: batch });
    assert.deepEqual(answer.entry.map((e) => e.response.status.slice(0, 3)), ['201', '400']);
  });

  test('a body must be one FHIR resource in JSON, of a JSON type, under 10 MB', async () => {
    const priya = await personToken('priya');
    const post = (body, headers) => ehr('POST', 'Communication', { token: priya, body, headers });
    assertInvalid(await post('{"resourceType": "Communication",'), 'invalid', /not valid JSON/);
    assertInvalid(await post('[]'), 'invalid', /Incorrect resource type/);
    assertInvalid(await post({ status: 'completed' }), 'invalid', /Incorrect resource type/);
    assert.equal((await post('{}', { 'Content-Type': 'text/plain' })).status, 415);
    const tooLarge = await post(JSON.stringify({ resourceType: 'Communication', padding: 'x'.repeat(10 * 1024 * 1024) }));
    assert.equal(tooLarge.status, 413);
  });
});
