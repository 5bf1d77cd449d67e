// The record of who read or changed what: one AuditEvent per request that succeeded, naming
// the person (agent.who = their fhirUser; a backend client by name), the interaction, and the
// records read (what was sent, after the outgoing check) or written (with their version).
const ACTIONS = {
  read: 'R', vread: 'R', 'history-instance': 'R', 'search-type': 'E', create: 'C', update: 'U', patch: 'U', delete: 'D',
};
/** Records named per event: a whole page of 100 with its includes is rare, and the query is kept too. */
export const MAX_ENTITIES = 100;

// Unversioned references, so `AuditEvent?entity=Appointment/x` finds every event; the version is a detail.
const entity = (resource) => ({
  what: { reference: `${resource.resourceType}/${resource.id}` },
  ...(resource.meta?.versionId ? { detail: [{ type: 'versionId', valueString: resource.meta.versionId }] } : {}),
});

/** The records an answer carries: a bundle's resources, or the one resource. */
function recordsIn(body) {
  if (body?.resourceType === 'Bundle') return (body.entry ?? []).map((e) => e.resource).filter((r) => r?.id);
  return body?.id && body.resourceType !== 'OperationOutcome' ? [body] : [];
}

/**
 * The AuditEvent of `asked` (see interaction.mjs) done by `caller`: `sent` is the answer's body,
 * `search` the query of a search.
 */
export function auditEvent(caller, asked, sent, search) {
  const records = asked.name === 'delete' ? [{ resourceType: asked.type, id: asked.id }] : recordsIn(sent);
  const entities = records.slice(0, MAX_ENTITIES).map(entity);
  if (asked.name === 'search-type') {
    entities.push({
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      description: `${asked.type}?${search} (${records.length} records sent${records.length > MAX_ENTITIES ? `, the first ${MAX_ENTITIES} named` : ''})`,
    });
  }
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: asked.name }],
    action: ACTIONS[asked.name],
    recorded: new Date().toISOString(),
    outcome: '0',
    agent: [{ who: caller.who, requestor: true }],
    source: { observer: { display: 'Rounds demo EHR' } },
    ...(entities.length ? { entity: entities } : {}),
  };
}
