// Requests to the FHIR servers under test (started by run.mjs, named by its environment).
import { backendToken } from './tokens.mjs';

export const BASE = process.env.ROUNDS_FHIR_TEST_BASE;
/** The second server: its own audience, one allowed origin, no /reset. */
export const OTHER = process.env.ROUNDS_FHIR_TEST_OTHER;
export const APP_ORIGIN = process.env.ROUNDS_FHIR_TEST_APP_ORIGIN;
export const ORIGIN = new URL(BASE).origin;

/**
 * `method path` on the EHR: `path` relative to the FHIR base (or a full URL), `token` the
 * bearer token (default: the test client's; null: none), `body` JSON (or a string, sent as is).
 * Resolves to { status, headers, body } with the body parsed when it is JSON.
 */
export async function ehr(method, path, { token, body, headers = {}, base = BASE } = {}) {
  const bearer = token === undefined ? await backendToken() : token;
  const res = await fetch(/^https?:/.test(path) ? path : `${base}/${path}`, {
    method,
    headers: {
      ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/fhir+json' } : {}),
      ...headers,
    },
    body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** `ehr` that expects a 2xx and resolves to the body. */
export async function ok(method, path, options) {
  const res = await ehr(method, path, options);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Reloads the seed (the test server's POST /reset, as the test client). */
export async function reset() {
  await ok('POST', `${ORIGIN}/reset`);
}

/** The resources of a search bundle. */
export const resources = (bundle) => (bundle.entry ?? []).map((e) => e.resource);

/** The diagnostics of an OperationOutcome, for assertion messages. */
export const diagnostics = (outcome) => (outcome?.issue ?? []).map((i) => i.diagnostics ?? i.details?.text).join('; ');

/** A chart note about a patient filed by `person` (a Practitioner id), as the app files one. */
export const note = (person, text = 'Parent asked to move the session', patient = 'sara-m') => ({
  resourceType: 'Communication',
  status: 'completed',
  subject: { reference: `Patient/${patient}` },
  sender: { reference: `Practitioner/${person}` },
  payload: [{ contentString: text }],
});

/** Headers of a JSON Patch body (PATCH). */
export const JSON_PATCH = { 'Content-Type': 'application/json-patch+json' };
/** Headers of a form body (POST Type/_search). */
export const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
