// The clinic's identity provider, as the embedded default: an OpenID Connect provider on
// `oidc-provider` (OpenID Certified) with `jose` keys, for
//   - Synapse (single sign-on into Matrix: a confidential client, authorization code),
//   - Rounds in the browser (SMART on FHIR standalone launch: a public client, code + PKCE,
//     refresh tokens, JWT access tokens for the EHR with `fhirUser` and SMART scopes),
//   - rounds-watch, our service that reads the EHR (SMART backend services: client credentials,
//     authenticated by a JWT it signs with its own key; read-only system scopes), when its
//     public key is given,
//   - the test suite (a confidential client with system scopes, client credentials), in the
//     test instance only.
// A clinic points Synapse and Rounds at its own provider instead (docs/IDENTITY.md).
//
//   node idp/server.mjs            (scripts/idp.sh does this)
//
// Environment:
//   IDP_MODE          `demo` or `test`: this provider's staff share one password, so it starts
//                     only when told which stand-in it is (`test` adds the test suite's client)
//   PORT              listen port on 127.0.0.1
//   DATA              folder for the signing key, cookie keys and client secrets (kept)
//   FHIR_AUDIENCE     the EHR's FHIR base URL (the `aud` of SMART access tokens)
//   SYNAPSE_URL       the homeserver's public base URL (its OIDC callback)
//   APP_ORIGINS       comma-separated origins Rounds is served from (SMART redirect URIs)
//   REFRESH_MINUTES   a refresh token unused this long expires (the clinic's idle timeout)
//   SESSION_MINUTES   the provider's sign-in session
//   WATCH_PUBLIC_KEY  file holding rounds-watch's public key (a JWK; scripts/watch.sh makes it)
import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Provider, errors } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';
import { ALL_EHR_SCOPES, DEMO_PASSWORD, EHR_SCOPES, STAFF } from './staff.mjs';
import { logoutCsp, loginPage, logoutPage, signedOutPage, STYLE } from './page.mjs';
import { people } from './people.mjs';
import { policy } from './policy.mjs';

const MODE = process.env.IDP_MODE;
if (MODE !== 'demo' && MODE !== 'test') {
  console.error('rounds-idp is the demo and test stand-in (its staff share one password): start it with IDP_MODE=demo or IDP_MODE=test (scripts/idp.sh does). A clinic uses its own provider (docs/IDENTITY.md).');
  process.exit(2);
}

const PORT = Number(process.env.PORT || 18110);
const ISSUER = process.env.ISSUER || `http://127.0.0.1:${PORT}`;
const DATA = process.env.DATA || '.';
const FHIR_AUDIENCE = process.env.FHIR_AUDIENCE || 'http://127.0.0.1:18103/fhir/R4';
const SYNAPSE_URL = (process.env.SYNAPSE_URL || 'http://127.0.0.1:18008').replace(/\/$/, '');
const APP_ORIGINS = (process.env.APP_ORIGINS || 'http://127.0.0.1:18080').split(',').map((o) => o.trim()).filter(Boolean);
const REFRESH_MINUTES = Number(process.env.REFRESH_MINUTES || 15);
const SESSION_MINUTES = Number(process.env.SESSION_MINUTES || 15);
const WATCH_PUBLIC_KEY = process.env.WATCH_PUBLIC_KEY || '';
// What rounds-watch may read, and nothing more: it never writes to the EHR.
const WATCH_SCOPES = 'system/Appointment.rs system/ServiceRequest.rs system/Patient.r';

// --- Keys and secrets, made once and kept, so a restart does not invalidate every token.
mkdirSync(DATA, { recursive: true });
function kept(file, make) {
  const path = join(DATA, file);
  if (!existsSync(path)) writeFileSync(path, JSON.stringify(make()), { mode: 0o600 });
  return JSON.parse(readFileSync(path, 'utf8'));
}
const signing = existsSync(join(DATA, 'signing.json'))
  ? JSON.parse(readFileSync(join(DATA, 'signing.json'), 'utf8'))
  : await (async () => {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
      writeFileSync(join(DATA, 'signing.json'), JSON.stringify(jwk), { mode: 0o600 });
      return jwk;
    })();
const secrets = kept('secrets.json', () => ({
  cookies: randomBytes(32).toString('hex'),
  synapse: randomBytes(24).toString('hex'),
  tests: randomBytes(24).toString('hex'),
}));
// The administrator's key to turn people off (`scripts/idp.sh secret … admin`).
const adminKey = kept('admin.json', () => randomBytes(24).toString('hex'));

// --- Clients
const APP = 'rounds-app';
const FIRST_PARTY = new Set(['synapse', APP]);
const clients = [
  {
    client_id: 'synapse',
    client_secret: secrets.synapse,
    client_name: 'Matrix homeserver',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [`${SYNAPSE_URL}/_synapse/client/oidc/callback`],
    // Ending a sign-in here ends the Matrix sessions it opened (Synapse matches the `sid`).
    backchannel_logout_uri: `${SYNAPSE_URL}/_synapse/client/oidc/backchannel_logout`,
    backchannel_logout_session_required: true,
  },
  {
    // The browser app: public (no secret can be kept in a browser), so PKCE is required.
    client_id: APP,
    client_name: 'Rounds',
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: APP_ORIGINS.map((o) => `${o}/auth/ehr`),
    // Sign out and idle logoff end the sign-in here too, then come back to Rounds' sign-in page.
    post_logout_redirect_uris: APP_ORIGINS.map((o) => `${o}/`),
  },
];
if (WATCH_PUBLIC_KEY) {
  clients.push({
    client_id: 'rounds-watch',
    client_name: 'Rounds EHR watch',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [JSON.parse(readFileSync(WATCH_PUBLIC_KEY, 'utf8'))] },
  });
}
const BACKEND_SCOPES = { 'rounds-tests': 'system/*.cruds', 'rounds-watch': WATCH_SCOPES };
if (MODE === 'test') {
  clients.push({
    // The test suite's own reads and checks of the EHR (SMART backend-services style).
    client_id: 'rounds-tests',
    client_secret: secrets.tests,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_post',
  });
}

const provider = new Provider(ISSUER, {
  clients,
  jwks: { keys: [signing] },
  cookies: { keys: [secrets.cookies] },
  scopes: ['openid', 'profile', 'fhirUser', 'online_access'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    fhirUser: ['fhirUser'],
  },
  // Synapse and SMART read the ID token's claims.
  conformIdTokenClaims: false,
  // SMART's `aud` names the FHIR server the token is for (RFC 8707's `resource`).
  extraParams: ['aud'],
  pkce: { required: (ctx, client) => client.clientAuthMethod === 'none' },
  interactions: { policy: policy() },
  // The provider refuses to call private addresses (SSRF protection); the clinic's own
  // homeserver, which it tells of ended sign-ins, is the one exception.
  fetch(url, options) {
    if (new URL(url).origin === new URL(SYNAPSE_URL).origin) delete options.dispatcher;
    return globalThis.fetch(url, options);
  },
  async findAccount(ctx, id) {
    const person = STAFF[id];
    // A person turned off is nobody: no sign-in, no renewal of any token.
    if (!person || staff.isDisabled(id)) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: person.name, fhirUser: person.fhirUser };
      },
    };
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.set('Content-Security-Policy', logoutCsp(APP_ORIGINS));
        ctx.body = logoutPage(form);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = signedOutPage();
      },
    },
    resourceIndicators: {
      enabled: true,
      async defaultResource(ctx, client, oneOf) {
        if (oneOf) return oneOf;
        if (BACKEND_SCOPES[client.clientId]) return FHIR_AUDIENCE;
        return ctx.oidc.params.aud ?? undefined;
      },
      async getResourceServerInfo(ctx, resource, client) {
        if (resource !== FHIR_AUDIENCE) throw new errors.InvalidTarget();
        const scope = BACKEND_SCOPES[client.clientId] ?? ALL_EHR_SCOPES.join(' ');
        return { scope, audience: FHIR_AUDIENCE, accessTokenFormat: 'jwt', accessTokenTTL: 5 * 60, jwt: { sign: { alg: 'RS256' } } };
      },
      // SMART clients do not repeat the resource at the token endpoint.
      async useGrantedResource() {
        return true;
      },
    },
  },
  async extraTokenClaims(ctx, token) {
    const person = token.accountId && STAFF[token.accountId];
    return person ? { fhirUser: person.fhirUser } : undefined;
  },
  // The browser app gets a refresh token (rotated at every use): it keeps it encrypted and
  // renews its access token with it while the person is active.
  async issueRefreshToken(ctx, client, code) {
    return client.clientId === APP && client.grantTypeAllowed('refresh_token') && code.scopes.has('openid');
  },
  rotateRefreshToken: true,
  ttl: {
    AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL ?? 5 * 60,
    ClientCredentials: 5 * 60,
    IdToken: 5 * 60,
    // Each rotation starts a new window: a refresh token unused for the idle time expires.
    RefreshToken: REFRESH_MINUTES * 60,
    Session: SESSION_MINUTES * 60,
    Grant: SESSION_MINUTES * 60,
    Interaction: 10 * 60,
  },
  // First-party clients need no consent screen; a person is granted the EHR scopes their role
  // allows, whatever the client asked for.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const id = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    let grant = id ? await oidc.provider.Grant.find(id) : undefined;
    if (!FIRST_PARTY.has(oidc.client.clientId)) return grant;
    grant ??= new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
    if (oidc.requestParamOIDCScopes.size) grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
    const allowed = new Set(EHR_SCOPES[STAFF[oidc.session.accountId]?.role] ?? []);
    for (const [indicator] of Object.entries(oidc.resourceServers)) {
      const requested = [...oidc.requestParamScopes];
      const granted = requested.filter((s) => allowed.has(s));
      // Scopes beyond the role are refused here, not left pending: no consent screen, and the
      // token names only what the person may do (the EHR checks again on every request).
      const refused = requested.filter((s) => !allowed.has(s) && s.includes('/'));
      if (granted.length) grant.addResourceScope(indicator, granted.join(' '));
      if (refused.length) grant.rejectResourceScope(indicator, refused.join(' '));
    }
    await grant.save();
    return grant;
  },
  clientBasedCORS(ctx, origin, client) {
    return client.clientId === APP && APP_ORIGINS.includes(origin);
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = loginPage({ error: `Sign-in could not continue: ${out.error_description || out.error}.` });
  },
});
// Behind the clinic's TLS proxy the provider must trust X-Forwarded-Proto.
provider.proxy = true;
const staff = people(provider, DATA);

// --- The sign-in page (the only interaction: consent is implied for first-party clients)
async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function html(res, status, body) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
  if (action === 'abort') {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'Sign-in was cancelled' }, { mergeWithLastSubmission: false });
  }
  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const user = (form.get('username') || '').trim().toLowerCase();
    if (!Object.hasOwn(STAFF, user) || form.get('password') !== DEMO_PASSWORD) {
      return html(res, 401, loginPage({ uid, user, error: 'Wrong username or password.' }));
    }
    if (staff.isDisabled(user)) {
      return html(res, 403, loginPage({ uid, user, error: 'This account is turned off. Ask the clinic’s administrator.' }));
    }
    // A browser-session cookie: closing the browser ends it (shared clinic workstations).
    return provider.interactionFinished(req, res, { login: { accountId: user, remember: false } }, { mergeWithLastSubmission: false });
  }
  if (details.prompt.name === 'login') return html(res, 200, loginPage({ uid }));
  // Consent for a first-party client: already granted by loadExistingGrant.
  const grantId = details.grantId ?? (await new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id }).save());
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** `POST /admin/people/<id>/disable|enable`, with the administrator's key as bearer token. */
async function admin(req, res, id, action) {
  const given = Buffer.from(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const key = Buffer.from(adminKey);
  const json = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'POST') return json(405, { error: 'POST only' });
  if (given.length !== key.length || !timingSafeEqual(given, key)) return json(401, { error: 'the administrator key is needed' });
  if (!Object.hasOwn(STAFF, id)) return json(404, { error: `no one called ${id}` });
  if (action === 'disable') await staff.disable(id);
  else staff.enable(id);
  return json(200, { id, disabled: staff.isDisabled(id) });
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, ISSUER).pathname;
  try {
    if (path === '/health') return html(res, 200, 'ok');
    if (path === '/style.css') {
      res.writeHead(200, { 'Content-Type': 'text/css', 'Cache-Control': 'max-age=3600' });
      return res.end(STYLE);
    }
    const person = path.match(/^\/admin\/people\/([\w-]+)\/(disable|enable)$/);
    if (person) return await admin(req, res, person[1], person[2]);
    const match = path.match(/^\/interaction\/([\w-]+)(?:\/(login|abort))?$/);
    if (match) return await interaction(req, res, match[1], match[2]);
    return callback(req, res);
  } catch (error) {
    // An expired or forged interaction: say so and offer a way back, never a blank page.
    if (!res.headersSent) html(res, 400, loginPage({ error: `This sign-in page has expired (${error.message}). Go back to Rounds and sign in again.` }));
  }
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(PORT, '127.0.0.1', () => {
  console.log(`rounds-idp: ${ISSUER} (EHR audience ${FHIR_AUDIENCE}; apps ${APP_ORIGINS.join(', ')})`);
});
