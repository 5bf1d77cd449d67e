// What rounds-watch uses of the EHR: its own sign-in as a backend service (a JWT assertion
// signed with its key; read-only system scopes, nothing more), and search by _lastUpdated from
// a checkpoint, oldest change first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { ehr, ok, ORIGIN, reset } from './ehr.mjs';
import { watchToken } from './tokens.mjs';

const WATCH_SCOPES = 'system/Appointment.rs system/ServiceRequest.rs system/Patient.r';

test('the watch signs in with its key and gets only its read scopes', async () => {
  const granted = await watchToken(WATCH_SCOPES);
  assert.equal(granted.scope, WATCH_SCOPES);
  const token = granted.access_token;
  assert.equal((await ehr('GET', 'Appointment/maya-r-1', { token })).status, 200);
  assert.equal((await ehr('GET', 'Patient/maya-r', { token })).status, 200);
  assert.equal((await ehr('GET', 'ServiceRequest?_count=1', { token })).status, 200);
  // Never a write, nothing else of the chart, no reset.
  const visit = await ok('GET', 'Appointment/maya-r-1');
  assert.equal((await ehr('PUT', 'Appointment/maya-r-1', { token, body: { ...visit, status: 'noshow' } })).status, 403);
  assert.equal((await ehr('GET', 'Slot?_count=1', { token })).status, 403);
  assert.equal((await ehr('GET', 'Communication?_count=1', { token })).status, 403);
  assert.equal((await ehr('POST', `${ORIGIN}/reset`, { token })).status, 403);
});

test('asking for more than the watch may have gets nothing more', async () => {
  for (const scope of ['system/*.cruds', 'system/Appointment.u', 'system/Appointment.rs system/Slot.rs']) {
    const granted = await watchToken(scope);
    const token = granted.access_token;
    assert.ok((granted.scope ?? '').split(' ').every((s) => !s || WATCH_SCOPES.split(' ').includes(s)), `${scope} => ${granted.scope}`);
    assert.equal((await ehr('GET', 'Slot?_count=1', { token })).status, 403, scope);
    const visit = await ok('GET', 'Appointment/maya-r-1');
    assert.equal((await ehr('PUT', 'Appointment/maya-r-1', { token, body: visit })).status, 403, scope);
  }
});

test('an assertion signed with another key gets no token', async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256' };
  await assert.rejects(watchToken(WATCH_SCOPES, stranger), /invalid_client|401/);
});

test('search by _lastUpdated from a checkpoint brings each change once, oldest first', async () => {
  await reset();
  const token = (await watchToken(WATCH_SCOPES)).access_token;
  const since = async (checkpoint) =>
    (await ok('GET', `Appointment?_lastUpdated=ge${encodeURIComponent(checkpoint)}&_sort=_lastUpdated&_count=100`, { token })).entry ?? [];
  const all = await since('2000-01-01T00:00:00Z');
  assert.ok(all.length >= 9, `the seed's appointments: ${all.length}`);
  const times = all.map((e) => Date.parse(e.resource.meta.lastUpdated));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest change first');
  const checkpoint = all.at(-1).resource.meta.lastUpdated;

  // Nothing changed: only what changed at the checkpoint itself comes back.
  const quiet = await since(checkpoint);
  assert.ok(quiet.every((e) => e.resource.meta.lastUpdated === checkpoint), JSON.stringify(quiet.map((e) => e.resource.id)));

  // A change after the checkpoint comes back, with its new version, and the unchanged do not.
  const visit = await ok('GET', 'Appointment/liam-k-1');
  await new Promise((resolve) => setTimeout(resolve, 5));
  const changed = await ok('PUT', 'Appointment/liam-k-1', { body: { ...visit, status: 'noshow' }, headers: { 'If-Match': `W/"${visit.meta.versionId}"` } });
  const after = (await since(checkpoint)).filter((e) => e.resource.meta.lastUpdated !== checkpoint);
  assert.deepEqual(after.map((e) => [e.resource.id, e.resource.meta.versionId, e.resource.status]), [['liam-k-1', changed.meta.versionId, 'noshow']]);
  await reset();
});
