// CORS (server.mjs): the browser app calls the EHR from its own origin. Any origin by default
// (the server listens on loopback only); one origin when FHIR_ALLOW_ORIGIN names it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP_ORIGIN, BASE, ehr, OTHER } from './ehr.mjs';

const preflight = (base, origin) => fetch(`${base}/Appointment/sara-m-1`, {
  method: 'OPTIONS',
  headers: {
    Origin: origin,
    'Access-Control-Request-Method': 'PUT',
    'Access-Control-Request-Headers': 'authorization, if-match, content-type',
  },
});
const list = (headers, name) => (headers.get(name) ?? '').split(',').map((s) => s.trim().toLowerCase());
const assertLists = (headers, name, expected) => {
  for (const item of expected) assert.ok(list(headers, name).includes(item), `${name}: ${item}`);
};

describe('CORS', () => {
  test('a preflight needs no token and allows what the app sends and reads', async () => {
    const res = await preflight(BASE, 'https://app.example');
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assertLists(res.headers, 'access-control-allow-methods', ['get', 'post', 'put', 'patch', 'delete']);
    assertLists(res.headers, 'access-control-allow-headers', ['authorization', 'content-type', 'if-match']);
    assertLists(res.headers, 'access-control-expose-headers', ['etag', 'location', 'last-modified', 'www-authenticate']);
    assert.equal(res.headers.get('access-control-max-age'), '600');
  });

  test('answers carry CORS headers, refusals too (the app must read the 401 to sign in again)', async () => {
    const origin = { Origin: 'https://app.example' };
    const read = await ehr('GET', 'Appointment/sara-m-1', { headers: origin });
    assert.equal(read.headers.get('access-control-allow-origin'), '*');
    assertLists(read.headers, 'access-control-expose-headers', ['etag']);
    const refused = await ehr('GET', 'Appointment/sara-m-1', { token: null, headers: origin });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), '*');
    const invalid = await ehr('GET', 'Appointment?colour=blue', { headers: origin });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.headers.get('access-control-allow-origin'), '*');
  });

  test('a request without an Origin gets no CORS headers', async () => {
    const res = await ehr('GET', 'Appointment/sara-m-1');
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  test('with FHIR_ALLOW_ORIGIN, that origin only (and Vary: Origin)', async () => {
    const allowed = await preflight(OTHER, APP_ORIGIN);
    assert.equal(allowed.headers.get('access-control-allow-origin'), APP_ORIGIN);
    assert.equal(allowed.headers.get('vary'), 'Origin');
    const other = await preflight(OTHER, 'https://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    assert.equal(other.headers.get('access-control-allow-headers'), null);
    const refused = await ehr('GET', 'Patient', { base: OTHER, token: null, headers: { Origin: 'https://evil.example' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });
});
