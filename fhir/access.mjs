// Who may do what in the EHR: every request carries a person's SMART access token from the
// app's client (or, on a test instance, the test suite's backend client). The token is verified
// against the identity provider's keys; what it may do is the intersection of its SMART scopes
// and the person's role in the EHR's own records (PractitionerRole), so neither a broad token
// nor a forged role claim gets further.
import { createRemoteJWKSet, jwtVerify } from 'jose';

// The EHR's role codes (PractitionerRole.code) and what each role may do, per resource type:
// r read, s search, u update, c create, d delete (the SMART v2 letters).
export const ROLE_OF_CODE = { ot: 'clinician', slp: 'clinician', 'front-desk': 'front-desk', billing: 'billing', director: 'admin' };
const SCHEDULING = { Patient: 'rs', Practitioner: 'rs', PractitionerRole: 'rs', Schedule: 'rs' };
export const ROLE_ACCESS = {
  // Clinicians and admins file care-team threads to the chart (Communication).
  admin: { ...SCHEDULING, Slot: 'rsu', Appointment: 'rsu', Communication: 'rscu' },
  'front-desk': { ...SCHEDULING, Slot: 'rsu', Appointment: 'rsu' },
  clinician: { ...SCHEDULING, Slot: 'rs', Appointment: 'rs', Communication: 'rscu' },
  // Billing sees who a patient is (the name) and nothing else.
  billing: { Patient: 'rs' },
};
/** Elements of a resource a role may see (all when absent). */
const ROLE_ELEMENTS = { billing: { Patient: ['resourceType', 'id', 'meta', 'name'] } };
/**
 * Search parameters such a role may use: only what it may see. Searching by anything else
 * (`Patient?birthdate=…`) would tell it what the trimmed answer hides.
 */
const ROLE_SEARCH = { billing: { Patient: ['_id', 'name', 'family', 'given', '_count', '_elements'] } };

export class Refusal extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Verifies bearer tokens issued by `issuer` for `audience` (the FHIR base URL) to one of
 * `appClients` (people, user scopes) or `testClients` (backend, system scopes). A token the
 * provider issued to any other client (Synapse's, say) is not for this EHR.
 */
export function verifier({ issuer, audience, appClients, testClients }) {
  const keys = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new Refusal(401, 'invalid_token', 'sign in: this request carries no access token');
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], keys, { issuer, audience, typ: 'at+jwt', algorithms: ['RS256'] }));
    } catch (error) {
      throw new Refusal(401, 'invalid_token', `the access token is not valid (${error.code ?? error.message})`);
    }
    const client = payload.client_id ?? payload.azp;
    const known = [...appClients, ...testClients].includes(client);
    if (!known || (payload.azp !== undefined && payload.azp !== client)) {
      throw new Refusal(401, 'invalid_token', `the access token was issued to a client this EHR does not serve (${client})`);
    }
    return {
      scopes: String(payload.scope ?? '').split(' ').filter(Boolean),
      fhirUser: typeof payload.fhirUser === 'string' ? payload.fhirUser : null,
      client,
      system: testClients.includes(client),
    };
  };
}

/** The interaction letter and resource type of a REST request, or null for whole-system ones. */
export function interactionOf(method, path) {
  const [type, id, op] = path.split('/').filter(Boolean);
  if (!type || type.startsWith('_') || type === 'metadata') return null;
  if (method === 'GET') return { type, letter: id && id !== '_search' ? 'r' : 's', history: op === '_history' };
  if (method === 'POST') return { type, letter: id === '_search' ? 's' : 'c' };
  if (method === 'PUT' || method === 'PATCH') return { type, letter: 'u' };
  if (method === 'DELETE') return { type, letter: 'd' };
  return null;
}

/** Whether SMART `scopes` allow `letter` on `type` for a `context` (user or system). */
export function scopesAllow(scopes, context, type, letter) {
  return scopes.some((scope) => {
    const m = /^(user|patient|system)\/([A-Za-z*]+)\.([cruds]+|read|write|\*)$/.exec(scope);
    if (!m || m[1] !== context || (m[2] !== '*' && m[2] !== type)) return false;
    const letters = m[3] === 'read' ? 'rs' : m[3] === 'write' ? 'cud' : m[3] === '*' ? 'cruds' : m[3];
    return letters.includes(letter);
  });
}

/**
 * What this caller may do: `check(type, letter)` throws a Refusal when not allowed,
 * `filter(resource)` trims what the role may not see, `who` names the caller for the record.
 */
export async function access(token, roleOf) {
  if (token.system) {
    return {
      who: { display: `client ${token.client}` },
      check: (type, letter) => {
        if (!scopesAllow(token.scopes, 'system', type, letter)) throw refused(`client ${token.client}`, type, letter);
      },
      filter: (resource) => resource,
      system: true,
    };
  }
  if (!token.fhirUser) throw new Refusal(403, 'insufficient_scope', 'the access token names no person (fhirUser)');
  const role = await roleOf(token.fhirUser);
  const allowed = ROLE_ACCESS[role] ?? {};
  const elements = ROLE_ELEMENTS[role] ?? {};
  const searchable = ROLE_SEARCH[role] ?? {};
  return {
    who: { reference: token.fhirUser },
    role,
    // `search`: a search's parameters (null for a search whose parameters are in a body).
    check: (type, letter, search) => {
      if (!(allowed[type] ?? '').includes(letter)) throw refused(`the ${role ?? 'unknown'} role`, type, letter);
      if (!scopesAllow(token.scopes, 'user', type, letter)) throw refused('this sign-in (its scopes)', type, letter);
      const only = searchable[type];
      if (letter !== 's' || !only) return;
      if (!search) throw new Refusal(403, 'insufficient_scope', `the ${role} role may search ${type} only with GET`);
      for (const name of new Set([...search.keys()].map((k) => k.split(':')[0]))) {
        if (!only.includes(name)) throw new Refusal(403, 'insufficient_scope', `the ${role} role may not search ${type} by ${name}`);
      }
    },
    filter: (resource) => {
      const keep = elements[resource?.resourceType];
      return keep ? Object.fromEntries(Object.entries(resource).filter(([k]) => keep.includes(k))) : resource;
    },
    system: false,
  };
}

const VERBS = { r: 'read', s: 'search', u: 'change', c: 'create', d: 'delete' };
function refused(whom, type, letter) {
  return new Refusal(403, 'insufficient_scope', `${whom} may not ${VERBS[letter]} ${type}`);
}
