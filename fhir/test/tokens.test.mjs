// Every FHIR request needs an access token the identity provider issued for this server, to a
// client it serves (access.mjs `verifier`): the app's, or on a test instance the test suite's.
// Anything else is a 401 that tells the client to sign in.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BASE, ehr, OTHER, resources } from './ehr.mjs';
import { backendToken, forgedToken, personToken, signIn } from './tokens.mjs';

const now = () => Math.floor(Date.now() / 1000);

async function assertSignInAsked(authorization, why) {
  const res = await ehr('GET', 'Patient/sara-m', { token: null, headers: authorization ? { Authorization: authorization } : {} });
  assert.equal(res.status, 401, `${why}: ${JSON.stringify(res.body)}`);
  assert.match(res.headers.get('www-authenticate'), /^Bearer realm="rounds-fhir", error="invalid_token"/);
  assert.equal(res.body.issue[0].code, 'login');
  assert.equal(res.body.resourceType, 'OperationOutcome', 'nothing of the patient is in the answer');
}

describe('tokens', () => {
  test('the provider\'s tokens are accepted: the test client\'s and a person\'s', async () => {
    assert.equal((await ehr('GET', 'Patient/sara-m', { token: await backendToken() })).status, 200);
    assert.equal((await ehr('GET', 'Patient/sara-m', { token: await personToken('dana') })).status, 200);
  });

  test('a request without a token, or with another scheme, is asked to sign in', async () => {
    await assertSignInAsked(undefined, 'no token');
    await assertSignInAsked(`Basic ${Buffer.from('dana:rounds-demo').toString('base64')}`, 'basic auth');
    await assertSignInAsked('Bearer', 'empty bearer');
    await assertSignInAsked('Bearer not-a-jwt', 'garbage');
  });

  test('tokens the provider did not issue for this server are refused', async () => {
    const cases = {
      'expired': await forgedToken({ iat: now() - 600, exp: now() - 300 }),
      'not valid yet': await forgedToken({ nbf: now() + 300 }),
      'for another server (aud)': await forgedToken({ aud: 'http://127.0.0.1:9/fhir/R4' }),
      'from another issuer': await forgedToken({ iss: 'http://127.0.0.1:9' }),
      'signed by another key under the provider\'s key id': await forgedToken({}, { key: 'foreign' }),
      'not an access token (typ JWT)': await forgedToken({}, { header: { typ: 'JWT' } }),
    };
    for (const [why, token] of Object.entries(cases)) await assertSignInAsked(`Bearer ${token}`, why);
  });

  test('an unsigned token (alg none) and a tampered one are refused', async () => {
    const genuine = await personToken('sam');
    const [header, payload, signature] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url'));
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const widened = b64({ ...claims, fhirUser: 'Practitioner/morgan', scope: 'system/*.cruds' });
    await assertSignInAsked(`Bearer ${b64({ alg: 'none', typ: 'at+jwt' })}.${widened}.`, 'alg none');
    await assertSignInAsked(`Bearer ${header}.${widened}.${signature}`, 'claims changed under the signature');
  });

  test('the ID token of a sign-in is not an access token', async () => {
    const { id_token: idToken } = await signIn('morgan');
    await assertSignInAsked(`Bearer ${idToken}`, 'id token');
  });

  test('a genuine token for this server is refused by another one (its audience)', async () => {
    const token = await backendToken();
    assert.equal((await ehr('GET', 'Patient/sara-m', { token })).status, 200);
    assert.equal((await ehr('GET', 'Patient/sara-m', { base: OTHER, token })).status, 401);
  });

  test('a token the provider issued to another of its clients (Synapse\'s) reads nothing', async () => {
    // Morgan signs in through Synapse's client and asks for a token for the EHR: the provider
    // grants it, the EHR must not take it.
    const { access_token: token } = await signIn('morgan', 'openid fhirUser user/Communication.rs', 'synapse');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
    assert.deepEqual([claims.client_id, claims.aud, claims.fhirUser], ['synapse', BASE, 'Practitioner/morgan'], 'genuine, for this EHR');
    await assertSignInAsked(`Bearer ${token}`, 'a token issued to synapse');
    const notes = await ehr('GET', 'Communication', { token });
    assert.equal(notes.status, 401);
    assert.deepEqual(resources(notes.body), []);
  });

  test('client_id and azp must name a client the EHR serves, and agree', async () => {
    const cases = {
      'another client': await forgedToken({ client_id: 'synapse' }),
      'no client': await forgedToken({ client_id: undefined }),
      'azp of another client': await forgedToken({ azp: 'synapse' }),
      'azp alone, of another client': await forgedToken({ client_id: undefined, azp: 'synapse' }),
    };
    for (const [why, token] of Object.entries(cases)) await assertSignInAsked(`Bearer ${token}`, why);
    assert.equal((await ehr('GET', 'Patient/sara-m', { token: await forgedToken({ azp: 'rounds-app' }) })).status, 200);
  });

  test('system scopes count for the test client only, and only on a test instance', async () => {
    // The app's client with system scopes is a person's token: no person, nothing.
    const appAsSystem = await forgedToken({ fhirUser: undefined, scope: 'system/*.cruds' });
    assert.equal((await ehr('GET', 'Patient/sara-m', { token: appAsSystem })).status, 403);
    // The second server is not a test instance: the test client's tokens are not for it.
    const forOther = await forgedToken({ aud: OTHER, client_id: 'rounds-tests', fhirUser: undefined, scope: 'system/*.cruds' });
    const res = await ehr('GET', 'Patient/sara-m', { base: OTHER, token: forOther });
    assert.equal(res.status, 401);
    assert.match(res.body.issue[0].diagnostics, /issued to a client this EHR does not serve \(rounds-tests\)/);
    // A person's token for the second server works there.
    const dana = await forgedToken({ aud: OTHER });
    assert.equal((await ehr('GET', 'Patient/sara-m', { base: OTHER, token: dana })).status, 200);
  });

  test('a write with a bad token changes nothing', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'refused-write' }] };
    const expired = await forgedToken({ exp: now() - 1, iat: now() - 60, scope: 'system/*.cruds' });
    const res = await ehr('POST', 'Patient', { token: expired, body });
    assert.equal(res.status, 401);
    assert.equal((await ehr('GET', 'Patient?identifier=urn:test|refused-write')).body.total, 0);
  });
});
