// The outgoing check: every FHIR body the server answers with passes through `egress` before it
// is sent, whatever request made it (read, search with its includes, history, a batch entry,
// a write's echo). Checks on the way in name what may be asked; this one holds whatever the
// router found: a resource leaves only if the caller may read its type, cut to the elements
// the role may see, and so does everything it contains.
import { Refusal } from './access.mjs';

// Bundles of the kinds that answer a request: containers whose entries are each checked.
const ANSWERS = new Set(['searchset', 'history', 'batch-response', 'transaction-response']);

/** `body` as `caller` may see it; a Refusal (403) for a single resource it may not. */
export function egress(caller, body) {
  const out = visible(caller, body);
  if (!out) throw new Refusal(403, 'insufficient_scope', `this sign-in may not read ${body.resourceType}`);
  return out;
}

/** The resource trimmed for `caller`, or null when it may not leave at all. */
function visible(caller, resource) {
  // The server's own messages (a refusal, a batch entry's outcome) carry no one's data.
  if (resource.resourceType === 'OperationOutcome') return resource;
  if (resource.resourceType === 'Bundle' && ANSWERS.has(resource.type)) return bundle(caller, resource);
  if (!caller.mayRead(resource.resourceType)) return null;
  const out = caller.trim(resource);
  const contained = out.contained?.map((r) => visible(caller, r)).filter(Boolean);
  const checked = contained ? { ...out, contained } : out;
  // A stored Bundle (a document, a collection) is checked entry by entry like an answer.
  return checked.resourceType === 'Bundle' ? bundle(caller, checked) : checked;
}

function bundle(caller, answer) {
  const aligned = answer.type === 'batch-response' || answer.type === 'transaction-response';
  const { total, entry: given = [], ...rest } = answer;
  const entry = [];
  let droppedMatch = false;
  for (const e of given) {
    const resource = e.resource && visible(caller, e.resource);
    const outcome = e.response?.outcome && visible(caller, e.response.outcome);
    if (!e.resource || resource) {
      entry.push({ ...e, ...(resource ? { resource } : {}), ...(e.response ? { response: { ...e.response, outcome } } : {}) });
    } else if (aligned) {
      // A batch answers entry for entry: the place stays, the resource does not.
      entry.push({ response: { status: '403', outcome: forbidden(e.resource.resourceType) } });
    } else {
      droppedMatch ||= e.search?.mode === 'match';
    }
  }
  // A total that counted what was dropped would tell what the caller may not see.
  return { ...rest, ...(total !== undefined && !droppedMatch ? { total } : {}), ...(entry.length ? { entry } : {}) };
}

const forbidden = (type) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'forbidden', diagnostics: `this sign-in may not read ${type}` }],
});
