// Every FHIR request needs an access token the identity provider issued for this server
// (access.mjs `verifier`); anything else is a 401 that tells the client to sign in.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ehr, OTHER } from './ehr.mjs';
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

  test('a write with a bad token changes nothing', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'refused-write' }] };
    const expired = await forgedToken({ exp: now() - 1, iat: now() - 60, scope: 'system/*.cruds' });
    const res = await ehr('POST', 'Patient', { token: expired, body });
    assert.equal(res.status, 401);
    assert.equal((await ehr('GET', 'Patient?identifier=urn:test|refused-write')).body.total, 0);
  });
});
