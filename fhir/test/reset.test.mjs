// POST /reset (server.mjs): reloads the seed, for test runs. Only where FHIR_ALLOW_RESET=1
// (scripts/fhir.sh's test instance), and only for the test clients (FHIR_TEST_CLIENTS).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BASE, diagnostics, ehr, JSON_PATCH, ok, ORIGIN, OTHER, reset } from './ehr.mjs';
import { forgedToken, personToken } from './tokens.mjs';

const RESET = `${ORIGIN}/reset`;

describe('reset', () => {
  test('brings back the seed: changes undone, additions and the audit trail gone', async () => {
    const appointment = await ok('GET', 'Appointment/sara-m-1');
    await ok('PUT', 'Appointment/sara-m-1', { body: { ...appointment, status: 'cancelled' } });
    await ok('PUT', 'Patient/walk-in', { body: { resourceType: 'Patient', id: 'walk-in' } });
    const res = await ehr('POST', RESET);
    assert.equal(res.status, 200);
    assert.match(diagnostics(res.body), /^reset: \d+ resources$/);
    // First, before this suite's own reads are recorded.
    assert.equal((await ok('GET', 'AuditEvent?_summary=count')).total, 0);
    assert.equal((await ok('GET', 'Appointment/sara-m-1')).status, 'booked');
    assert.equal((await ehr('GET', 'Patient/walk-in')).status, 404);
  });

  test('forgets the roles it read, so a role changed in the EHR counts at once', async () => {
    const director = [{ op: 'replace', path: '/code/0/coding/0/code', value: 'director' }];
    await reset();
    await ok('PATCH', 'PractitionerRole/sam', { body: director, headers: JSON_PATCH });
    // Sam signed in with every scope the app asks for: only the EHR's role limits him.
    const sam = await forgedToken({ sub: 'sam', fhirUser: 'Practitioner/sam' });
    assert.equal((await ehr('GET', 'Appointment/sara-m-1', { token: sam })).status, 200, 'billing made director');
    await reset();
    assert.equal((await ehr('GET', 'Appointment/sara-m-1', { token: sam })).status, 403, 'billing again');
  });

  test('is for the test client only, not for any token with system scopes', async () => {
    assert.equal((await ehr('POST', RESET, { token: null })).status, 401);
    assert.equal((await ehr('POST', RESET, { token: await forgedToken({ exp: 1, iat: 0, scope: 'system/*.cruds' }) })).status, 401);
    const admin = await ehr('POST', RESET, { token: await personToken('morgan') });
    assert.equal(admin.status, 403);
    assert.match(diagnostics(admin.body), /only the test suite's client may reset/);
    const appAsSystem = await forgedToken({ fhirUser: undefined, scope: 'system/*.cruds' });
    assert.equal((await ehr('POST', RESET, { token: appAsSystem })).status, 403, 'the app\'s client, with system scopes');
    const otherAsSystem = await forgedToken({ client_id: 'synapse', fhirUser: undefined, scope: 'system/*.cruds' });
    assert.equal((await ehr('POST', RESET, { token: otherAsSystem })).status, 401, 'another client, with system scopes');
  });

  test('is a POST beside the FHIR base, and absent where it is not enabled', async () => {
    assert.equal((await ehr('GET', RESET)).status, 404);
    assert.equal((await ehr('POST', `${BASE}/reset`)).status, 400, 'in the FHIR base it is an unknown resource type');
    const other = await ehr('POST', `${new URL(OTHER).origin}/reset`, { token: null });
    assert.equal(other.status, 404);
  });
});
