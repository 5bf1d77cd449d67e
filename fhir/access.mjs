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
const ROLE_SEARCH = { billing: { Patient: ['_id', 'name', 'family', 'given', '_count', '_offset', '_elements'] } };

export class Refusal extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Verifies bearer tokens issued by `issuer` for `audience` (the FHIR base URL) to one of
 * `appClients` (people, user scopes) or `backendClients` (services of ours and the test suite:
 * system scopes). A token the provider issued to any other client (Synapse's, say) is not for
 * this EHR.
 */
export function verifier({ issuer, audience, appClients, backendClients }) {
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
    const known = [...appClients, ...backendClients].includes(client);
    if (!known || (payload.azp !== undefined && payload.azp !== client)) {
      throw new Refusal(401, 'invalid_token', `the access token was issued to a client this EHR does not serve (${client})`);
    }
    return {
      scopes: String(payload.scope ?? '').split(' ').filter(Boolean),
      fhirUser: typeof payload.fhirUser === 'string' ? payload.fhirUser : null,
      client,
      system: backendClients.includes(client),
    };
  };
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

const VERBS = { r: 'read', s: 'search', u: 'change', c: 'create', d: 'delete' };
const refused = (whom, type, letter) => new Refusal(403, 'insufficient_scope', `${whom} may not ${VERBS[letter]} ${type}`);

/**
 * What this caller may do: `check(type, letter)` throws a Refusal when not allowed,
 * `checkSearch(type, names)` when a search parameter would reveal what the role may not see,
 * `mayRead(type)` says whether a resource of that type may leave the server at all, `trim`
 * cuts it to the elements the role may see, and `who` names the caller for the record.
 */
export async function access(token, roleOf) {
  if (token.system) {
    const whom = `client ${token.client}`;
    const may = (type, letter) => scopesAllow(token.scopes, 'system', type, letter);
    return {
      who: { display: whom },
      system: true,
      client: token.client,
      check: (type, letter) => {
        if (!may(type, letter)) throw refused(whom, type, letter);
      },
      checkSearch: () => {},
      mayRead: (type) => may(type, 'r') || may(type, 's'),
      trim: (resource) => resource,
    };
  }
  if (!token.fhirUser) throw new Refusal(403, 'insufficient_scope', 'the access token names no person (fhirUser)');
  const role = await roleOf(token.fhirUser);
  const allowed = ROLE_ACCESS[role] ?? {};
  const elements = ROLE_ELEMENTS[role] ?? {};
  const searchable = ROLE_SEARCH[role] ?? {};
  const byRole = (type, letter) => (allowed[type] ?? '').includes(letter);
  const byScopes = (type, letter) => scopesAllow(token.scopes, 'user', type, letter);
  return {
    who: { reference: token.fhirUser },
    role,
    system: false,
    check: (type, letter) => {
      if (!byRole(type, letter)) throw refused(`the ${role ?? 'unknown'} role`, type, letter);
      if (!byScopes(type, letter)) throw refused('this sign-in (its scopes)', type, letter);
    },
    checkSearch: (type, names) => {
      const only = searchable[type];
      const outside = only && names.find((name) => !only.includes(name));
      if (outside) throw new Refusal(403, 'insufficient_scope', `the ${role} role may not search ${type} by ${outside}`);
    },
    mayRead: (type) => ['r', 's'].some((letter) => byRole(type, letter) && byScopes(type, letter)),
    trim: (resource) => {
      const keep = elements[resource.resourceType];
      return keep ? Object.fromEntries(Object.entries(resource).filter(([k]) => keep.includes(k))) : resource;
    },
  };
}
