// The REST interactions this server offers, and the SMART letter each needs. Anything else
// (operations, whole-system or type-level history and search, conditional writes,
// transactions, parameters on a read) is refused with a 400 before anything runs: what the
// server does not offer, nobody can reach data through.
import { badRequest, OperationOutcomeError } from '@medplum/core';

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/; // FHIR's id; excludes `$operation` and `_history`

const refuse = (what) => new OperationOutcomeError(badRequest(`${what} is not offered by this server`));

/**
 * What `method path` asks for: `{ name, letter, type, id, vid }` (name as in FHIR's
 * CapabilityStatement). `search` holds the URL's query parameters; `body`, `headers` the rest.
 */
export function interactionOf({ method, path, search, headers, body, inBatch }) {
  const [type, id, history, vid, ...more] = path.split('/').filter(Boolean);
  const queried = search.size > 0;
  const named = { type, id, vid };
  if (!type) {
    if (method !== 'POST' || queried) throw refuse(`${method} on the base (search across types, history)`);
    if (inBatch || body?.resourceType !== 'Bundle' || body.type !== 'batch') {
      throw refuse(`${body?.resourceType === 'Bundle' ? `a ${body.type} Bundle` : 'this'} at the base (send a batch)`);
    }
    return { name: 'batch' };
  }
  if (!TYPE.test(type) || more.length || (id !== undefined && id !== '_search' && !ID.test(id))) throw refuse(`${method} ${path}`);
  if (id === '_search') {
    if (method !== 'POST' || history !== undefined || queried) throw refuse(`${method} ${path}`);
    return { name: 'search-type', letter: 's', type };
  }
  if (id === undefined) {
    if (method === 'GET') return { name: 'search-type', letter: 's', type };
    if (method !== 'POST' || queried) throw refuse(`${method} by search (a conditional write)`);
    if (headers['if-none-exist'] !== undefined) throw refuse('a conditional create (If-None-Exist)');
    return { name: 'create', letter: 'c', type };
  }
  if (queried) throw refuse(`search parameters on ${method} ${type}/${id}`);
  if (history === undefined) {
    const single = { GET: ['read', 'r'], PUT: ['update', 'u'], PATCH: ['patch', 'u'], DELETE: ['delete', 'd'] }[method];
    if (!single) throw refuse(`${method} ${path}`);
    return { name: single[0], letter: single[1], ...named };
  }
  if (method !== 'GET' || history !== '_history' || (vid !== undefined && !ID.test(vid))) throw refuse(`${method} ${path}`);
  return { name: vid === undefined ? 'history-instance' : 'vread', letter: 'r', ...named };
}
