// Who may do what (access.mjs): a person's role in the EHR's own records (PractitionerRole),
// intersected with the scopes of their sign-in; backend clients by their system scopes.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BASE, diagnostics, ehr, FORM, JSON_PATCH, note, ok, reset, resources } from './ehr.mjs';
import { forgedToken, personToken } from './tokens.mjs';

// What each role may do, written out again on purpose (not imported from access.mjs): a change
// of the rules must be a change of this test too. r read, s search, u update, c create, d delete.
const SCHEDULING = { Patient: 'rs', Practitioner: 'rs', PractitionerRole: 'rs', Schedule: 'rs' };
const MAY = {
  morgan: { ...SCHEDULING, Slot: 'rsu', Appointment: 'rsu', Communication: 'rscu' }, // admin
  dana: { ...SCHEDULING, Slot: 'rsu', Appointment: 'rsu' }, // front desk
  priya: { ...SCHEDULING, Slot: 'rs', Appointment: 'rs', Communication: 'rscu' }, // clinician
  sam: { Patient: 'rs' }, // billing
};
const TYPES = [
  'Patient', 'Practitioner', 'PractitionerRole', 'Schedule', 'Slot', 'Appointment', 'Communication', 'Organization', 'AuditEvent',
];
const SEEDED = {
  Patient: 'sara-m', Practitioner: 'priya', PractitionerRole: 'priya', Schedule: 'priya',
  Appointment: 'sara-m-1', Organization: 'riverside',
};

// The request of each interaction on a stored `resource` (a person's own note for Communication).
const REQUESTS = {
  r: (r) => ['GET', `${r.resourceType}/${r.id}`],
  s: (r) => ['GET', `${r.resourceType}?_count=1`],
  c: ({ id, meta, ...r }) => ['POST', r.resourceType, r],
  u: (r) => ['PUT', `${r.resourceType}/${r.id}`, r],
  d: (r) => ['DELETE', `${r.resourceType}/${r.id}`],
};

/** What `person` can do with `token`, per type, found by trying every interaction on `samples`. */
async function tryEverything(person, token, samples) {
  const found = {};
  for (const type of TYPES) {
    const resource = type === 'Communication' ? samples.notes[person] : samples[type];
    let letters = '';
    for (const [letter, request] of Object.entries(REQUESTS)) {
      const [method, path, body] = request(resource);
      const { status, body: answer } = await ehr(method, path, { token, body });
      if (status < 300) letters += letter;
      else assert.equal(status, 403, `${person} ${method} ${path}: ${status} ${diagnostics(answer)}`);
    }
    if (letters) found[type] = letters;
  }
  return found;
}

describe('access by role', () => {
  const samples = { notes: {} };
  before(async () => {
    await reset();
    for (const person of Object.keys(MAY)) samples.notes[person] = await ok('POST', 'Communication', { body: note(person) });
    for (const [type, id] of Object.entries(SEEDED)) samples[type] = await ok('GET', `${type}/${id}`);
    for (const type of ['Slot', 'AuditEvent']) samples[type] = resources(await ok('GET', `${type}?_count=1`))[0];
  });

  // Signed in, the provider grants the role's scopes; with every scope, only the EHR's own
  // record of the role stands between the person and the rest.
  const TOKENS = {
    'signed in': (person) => personToken(person),
    'with a token for everything': (person) => forgedToken({ sub: person, fhirUser: `Practitioner/${person}`, scope: 'user/*.cruds' }),
  };
  for (const [person, expected] of Object.entries(MAY)) {
    for (const [how, token] of Object.entries(TOKENS)) {
      test(`${person} ${how} may do exactly what the role allows (anything else is a 403)`, async () => {
        assert.deepEqual(await tryEverything(person, await token(person), samples), expected);
      });
    }
  }
});

describe('a person acts in their own name', () => {
  before(reset);
  const filedByPriya = async () => ok('POST', 'Communication', { token: await personToken('priya'), body: note('priya') });

  test('a clinician files a note as herself, not as a colleague', async () => {
    const priya = await personToken('priya');
    assert.equal((await ehr('POST', 'Communication', { token: priya, body: note('priya') })).status, 201);
    const forged = await ehr('POST', 'Communication', { token: priya, body: note('jordan') });
    assert.equal(forged.status, 403);
    assert.match(diagnostics(forged.body), /sender must be Practitioner\/priya/);
    const unsigned = await ehr('POST', 'Communication', { token: priya, body: { ...note('priya'), sender: undefined } });
    assert.equal(unsigned.status, 403);
  });

  test('a clinician may not rewrite a colleague\'s note by PUT', {
    todo: 'LEAK: PUT over another person\'s Communication is allowed',
  }, async () => {
    const { id } = await filedByPriya();
    const res = await ehr('PUT', `Communication/${id}`, { token: await personToken('jordan'), body: { ...note('jordan', 'rewritten'), id } });
    assert.equal(res.status, 403);
  });

  test('a clinician may not change a colleague\'s note, or its sender, by PATCH', {
    todo: 'LEAK: PATCH skips the authorship check',
  }, async () => {
    const { id } = await filedByPriya();
    const ops = [{ op: 'replace', path: '/sender/reference', value: 'Practitioner/morgan' }];
    const res = await ehr('PATCH', `Communication/${id}`, { token: await personToken('jordan'), body: ops, headers: JSON_PATCH });
    assert.equal(res.status, 403);
  });
});

describe('billing sees who a patient is, nothing else', () => {
  const NAME_ONLY = ['id', 'meta', 'name', 'resourceType'];
  const keys = (resource) => Object.keys(resource).sort();
  let sam;
  before(async () => {
    [sam] = await Promise.all([personToken('sam'), reset()]);
  });

  test('a read, a version, the history and a search carry the name only', async () => {
    const read = await ok('GET', 'Patient/sara-m', { token: sam });
    assert.deepEqual(keys(read), NAME_ONLY);
    assert.equal(read.name[0].text, 'Sara Martinez');
    assert.deepEqual(keys(await ok('GET', `Patient/sara-m/_history/${read.meta.versionId}`, { token: sam })), NAME_ONLY);
    const history = await ok('GET', 'Patient/sara-m/_history', { token: sam });
    assert.ok(history.entry.length >= 1);
    for (const patient of resources(history)) assert.deepEqual(keys(patient), NAME_ONLY);
    const found = resources(await ok('GET', 'Patient?name=sara', { token: sam }));
    assert.deepEqual(found.map(keys), [NAME_ONLY]);
    // The same read by the front desk has the rest.
    assert.equal((await ok('GET', 'Patient/sara-m', { token: await personToken('dana') })).birthDate, '2016-04-12');
  });

  test('billing searches by name only: anything else would reveal what the answer hides', async () => {
    for (const query of ['name=sara', 'family=martinez', 'given:contains=ar', '_id=sara-m', '_count=5', '_elements=name']) {
      assert.equal((await ehr('GET', `Patient?${query}`, { token: sam })).status, 200, query);
    }
    const revealing = [
      'birthdate=2016-04-12', 'gender=female', 'identifier=RT-1001', 'name=sara&_sort=birthdate',
      'general-practitioner=Practitioner/priya', '_has:Appointment:patient:status=booked',
    ];
    for (const query of revealing) {
      const res = await ehr('GET', `Patient?${query}`, { token: sam });
      assert.equal(res.status, 403, query);
      assert.match(diagnostics(res.body), /the billing role may not search Patient by/);
    }
    const byPost = await ehr('POST', 'Patient/_search', { token: sam, body: 'birthdate=2016-04-12', headers: FORM });
    assert.equal(byPost.status, 403);
  });

  test('billing can follow the links of its own search', {
    todo: 'BUG: every bundle link carries _offset, which billing may not search by',
  }, async () => {
    const page = await ok('GET', 'Patient?name=sara', { token: sam });
    const self = page.link.find((l) => l.relation === 'self').url;
    assert.equal((await ehr('GET', self, { token: sam })).status, 200);
  });
});

describe('crafted requests', () => {
  before(reset);

  test('the sign-in\'s scopes narrow the role: an admin signed in for patients only reads patients only', async () => {
    const morgan = await personToken('morgan', 'openid fhirUser user/Patient.rs');
    assert.equal((await ehr('GET', 'Patient/sara-m', { token: morgan })).status, 200);
    const res = await ehr('GET', 'Appointment/sara-m-1', { token: morgan });
    assert.equal(res.status, 403);
    assert.match(diagnostics(res.body), /this sign-in \(its scopes\) may not read Appointment/);
  });

  test('a token cannot widen the role: the EHR\'s own records decide it', async () => {
    const sam = await forgedToken({ sub: 'sam', fhirUser: 'Practitioner/sam', scope: 'user/*.cruds', role: 'admin' });
    const res = await ehr('GET', 'Appointment/sara-m-1', { token: sam });
    assert.equal(res.status, 403);
    assert.match(diagnostics(res.body), /the billing role may not read Appointment/);
    assert.equal((await ok('GET', 'Patient/sara-m', { token: sam })).birthDate, undefined);
  });

  test('a token naming no staff member gets nothing', async () => {
    const cases = {
      'no fhirUser': await forgedToken({ fhirUser: undefined }),
      'a patient': await forgedToken({ sub: 'sara', fhirUser: 'Patient/sara-m' }),
      'someone without a role': await forgedToken({ sub: 'nobody', fhirUser: 'Practitioner/nobody' }),
      'patient-context scopes': await forgedToken({ scope: 'patient/*.rs' }),
    };
    for (const [why, token] of Object.entries(cases)) {
      assert.equal((await ehr('GET', 'Patient/sara-m', { token })).status, 403, why);
    }
  });

  test('a backend client is held to its system scopes', async () => {
    const token = await forgedToken({ sub: 'rounds-tests', client_id: 'rounds-tests', fhirUser: undefined, scope: 'system/Patient.rs' });
    assert.equal((await ehr('GET', 'Patient/sara-m', { token })).status, 200);
    assert.equal((await ehr('GET', 'Appointment/sara-m-1', { token })).status, 403);
    assert.equal((await ehr('PUT', 'Patient/sara-m', { token, body: await ok('GET', 'Patient/sara-m') })).status, 403);
  });

  test('only backend clients send batches, search every type or use GraphQL', async () => {
    const morgan = await personToken('morgan');
    const batch = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Communication' } }] };
    assert.equal((await ehr('POST', BASE, { token: morgan, body: batch })).status, 403);
    assert.equal((await ehr('GET', `${BASE}?_type=Communication`, { token: morgan })).status, 403);
    assert.equal((await ehr('POST', '$graphql', { token: morgan, body: { query: '{ CommunicationList { id } }' } })).status, 403);
    assert.equal((await ehr('POST', BASE, { body: batch })).status, 200, 'the test client may');
  });

  test('_include brings in only types the person may read; _revinclude is for backend clients', async () => {
    const dana = await personToken('dana');
    const included = await ok('GET', 'Appointment?_id=sara-m-1&_include=Appointment:patient', { token: dana });
    assert.deepEqual(resources(included).map((r) => r.resourceType), ['Appointment', 'Patient']);
    await ok('POST', 'Communication', { body: note('priya') });
    const reaching = [
      'Appointment?_include=Appointment:actor', 'Appointment?_include=Appointment:patient:Communication',
      'Patient?_revinclude=Communication:subject',
    ];
    for (const query of reaching) {
      assert.equal((await ehr('GET', query, { token: dana })).status, 403, query);
    }
    assert.equal((await ehr('GET', 'Patient?_revinclude=Communication:subject', { token: await personToken('morgan') })).status, 403);
  });

  test('the front desk cannot reach chart notes through _revinclude:iterate', {
    todo: 'LEAK: only the exact key _revinclude is checked',
  }, async () => {
    await ok('POST', 'Communication', { body: note('priya') });
    const res = await ehr('GET', 'Patient?_id=sara-m&_revinclude:iterate=Communication:subject', { token: await personToken('dana') });
    assert.equal(res.status, 403);
  });

  test('the front desk cannot reach chart notes through _revinclude in a POST search', {
    todo: 'LEAK: _include/_revinclude in a POST body are not checked',
  }, async () => {
    await ok('POST', 'Communication', { body: note('priya') });
    const body = '_id=sara-m&_revinclude=Communication:subject';
    const res = await ehr('POST', 'Patient/_search', { token: await personToken('dana'), body, headers: FORM });
    assert.equal(res.status, 403);
  });

  test('a role that may only update cannot create by PUT', {
    todo: 'LEAK: update-as-create (PUT to a new id, conditional PUT) needs only u',
  }, async () => {
    const appointment = {
      resourceType: 'Appointment', id: 'made-up', status: 'proposed',
      participant: [{ actor: { reference: 'Patient/sara-m' }, status: 'needs-action' }],
    };
    assert.equal((await ehr('PUT', 'Appointment/made-up', { token: await personToken('dana'), body: appointment })).status, 403);
  });

  test('a refusal is a 403 whatever characters the request carries', {
    todo: 'BUG: a non-Latin-1 or CR/LF character in the refusal message makes it a 400',
  }, async () => {
    const res = await ehr('GET', 'Appointment?_include=%E2%9C%93', { token: await personToken('dana') });
    assert.equal(res.status, 403);
  });
});
