// Access tokens for the tests, from the suite's own identity provider (servers.mjs):
//   - backendToken(): the test client's (system scopes, client credentials), as scripts/test.sh's;
//   - personToken(name): a person's, through the same SMART sign-in the app does (authorization
//     code with PKCE, the sign-in form, the token endpoint); signIn(name, scope, 'synapse'): the
//     same sign-in through Synapse's client, whose tokens are not for the EHR;
//   - forgedToken(claims): one made here, signed with the provider's own key or another, to try
//     what the provider would never issue (expired, another audience, no fhirUser, ...).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, importJWK, SignJWT } from 'jose';

const IDP = process.env.ROUNDS_FHIR_TEST_IDP;
const DATA = process.env.ROUNDS_FHIR_TEST_IDP_DATA;
const AUDIENCE = process.env.ROUNDS_FHIR_TEST_BASE;
if (!IDP || !DATA || !AUDIENCE) throw new Error('run the suite with `npm test` (test/run.mjs starts its servers)');

// Where each client's sign-in comes back to, and how it authenticates at the token endpoint.
const CLIENTS = {
  'rounds-app': { redirect: `${process.env.ROUNDS_FHIR_TEST_APP_ORIGIN}/auth/ehr`, headers: () => ({}) },
  synapse: {
    redirect: `${process.env.ROUNDS_FHIR_TEST_SYNAPSE}/_synapse/client/oidc/callback`,
    headers: () => ({ Authorization: `Basic ${Buffer.from(`synapse:${kept('secrets.json').synapse}`).toString('base64')}` }),
  },
};
// What the app asks for (src/fhir/smart.rs); the provider grants what the person's role allows.
const APP_SCOPES = 'openid fhirUser profile online_access user/Patient.rs user/Practitioner.rs ' +
  'user/PractitionerRole.rs user/Schedule.rs user/Slot.rs user/Slot.u user/Appointment.rs user/Appointment.u ' +
  'user/Communication.rs user/Communication.cu';
const PASSWORD = 'rounds-demo';

const kept = (file) => JSON.parse(readFileSync(join(DATA, file), 'utf8'));

async function tokenRequest(form, headers = {}) {
  const res = await fetch(`${IDP}/token`, { method: 'POST', headers, body: new URLSearchParams(form) });
  const body = await res.json();
  if (!res.ok) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const memo = new Map();
const once = (key, make) => {
  if (!memo.has(key)) memo.set(key, make());
  return memo.get(key);
};

/** The test client's token: system/*.cruds, no person. */
export function backendToken() {
  return once('backend', async () => (await tokenRequest({
    grant_type: 'client_credentials', client_id: 'rounds-tests', client_secret: kept('secrets.json').tests, scope: 'system/*.cruds',
  })).access_token);
}

/**
 * rounds-watch's token as the service gets it (SMART backend services: client credentials, a
 * client assertion signed with its key, or with `key` to try another), for `scope`.
 */
export async function watchToken(scope, key = kept('watch-private.jwk')) {
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer('rounds-watch')
    .setSubject('rounds-watch')
    .setAudience(`${IDP}/token`)
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti(randomBytes(8).toString('hex'))
    .sign(await importJWK(key, 'ES256'));
  return tokenRequest({
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
}

/** A browser that keeps cookies per name and follows no redirect by itself. */
function browser() {
  const jar = new Map();
  return async (url, init = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(new URL(url, IDP), { ...init, redirect: 'manual', headers: { ...init.headers, cookie } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
}

/**
 * The token response of `name` signing in to the app (client `rounds-app`, or `client`) with
 * `scope`: `access_token`, `scope` (what was granted), `id_token`.
 */
export function signIn(name, scope = APP_SCOPES, client = 'rounds-app') {
  return once(`${name} ${scope} ${client}`, async () => {
    const { redirect, headers } = CLIENTS[client];
    const get = browser();
    const verifier = randomBytes(32).toString('base64url');
    const auth = new URL(`${IDP}/auth`);
    auth.search = new URLSearchParams({
      client_id: client, response_type: 'code', redirect_uri: redirect, scope, aud: AUDIENCE, state: 'test',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    });
    let res = await get(auth);
    // Follow the provider's redirects, filling in its sign-in form when it shows it, until it
    // sends the browser back to the app with a code.
    for (let hops = 0; hops < 10; hops++) {
      const location = res.headers.get('location');
      if (location?.startsWith(redirect)) {
        const code = new URL(location).searchParams.get('code');
        if (!code) throw new Error(`sign-in of ${name} failed: ${location}`);
        return tokenRequest({
          grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: client, code_verifier: verifier,
        }, headers());
      }
      if (location) {
        res = await get(location);
        continue;
      }
      const page = await res.text();
      const form = page.match(/action="(\/interaction\/[\w-]+\/login)"/)?.[1];
      if (!form) throw new Error(`sign-in of ${name}: unexpected ${res.status} ${page}`);
      res = await get(form, { method: 'POST', body: new URLSearchParams({ username: name, password: PASSWORD }) });
    }
    throw new Error(`sign-in of ${name}: too many redirects`);
  });
}

/** `name`'s access token for the EHR, as the app gets it. */
export async function personToken(name, scope) {
  return (await signIn(name, scope)).access_token;
}

/** The provider's own signing key: what it signs, the EHR must take as genuine. */
async function providerKey() {
  const jwk = kept('signing.json');
  return { key: await importJWK(jwk, 'RS256'), kid: jwk.kid };
}

/**
 * A JWT access token with `claims` over sensible defaults (a person's token for this EHR, valid
 * for five minutes), signed by the provider's key unless `key: 'foreign'`; `header` overrides
 * the protected header (typ, alg, kid).
 */
export async function forgedToken(claims = {}, { key = 'provider', header = {} } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const signer = key === 'provider'
    ? await providerKey()
    // Another key that claims the provider's key id: only the signature tells them apart.
    : { key: (await generateKeyPair('RS256')).privateKey, kid: (await providerKey()).kid };
  const payload = {
    iss: IDP, aud: AUDIENCE, sub: 'dana', client_id: 'rounds-app', jti: randomBytes(8).toString('hex'),
    iat: now, exp: now + 300, scope: APP_SCOPES, fhirUser: 'Practitioner/dana', ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: signer.kid, ...header }).sign(signer.key);
}
