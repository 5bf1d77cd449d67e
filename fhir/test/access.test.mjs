// Who may do what (access.mjs): a person's role in the EHR's own records (PractitionerRole),
// intersected with the scopes of their sign-in; backend clients by their system scopes.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BASE, diagnostics, ehr, FORM, JSON_PATCH, note, ok, reset, resources } from './ehr.mjs';
import { MAY, NAME_ONLY, TYPES } from './rules.mjs';
import { forgedToken, personToken } from './tokens.mjs';

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

  test('a clinician may not rewrite a colleague\'s note by PUT, under her name or his', async () => {
    const { id } = await filedByPriya();
    const jordan = await personToken('jordan');
    const asHimself = await ehr('PUT', `Communication/${id}`, { token: jordan, body: { ...note('jordan', 'rewritten'), id } });
    assert.equal(asHimself.status, 403);
    assert.match(diagnostics(asHimself.body), /keeps its sender \(Practitioner\/priya\)/);
    const asHer = await ehr('PUT', `Communication/${id}`, { token: jordan, body: { ...note('priya', 'rewritten'), id } });
    assert.equal(asHer.status, 403);
    assert.match(diagnostics(asHer.body), /only its sender, Practitioner\/priya, may change/);
    assert.equal((await ok('GET', `Communication/${id}`)).payload[0].contentString, 'Parent asked to move the session');
  });

  test('the sender updates her own note (the app saves a thread again), but not its sender or patient', async () => {
    const priya = await personToken('priya');
    const filed = await filedByPriya();
    const again = { ...note('priya', 'and a second message'), id: filed.id };
    const res = await ehr('PUT', `Communication/${filed.id}`, { token: priya, body: again, headers: { 'If-Match': `W/"${filed.meta.versionId}"` } });
    assert.equal(res.status, 200);
    assert.equal(res.body.sender.reference, 'Practitioner/priya');
    const elsewhere = await ehr('PUT', `Communication/${filed.id}`, { token: priya, body: { ...note('priya', 'moved', 'liam-k'), id: filed.id } });
    assert.equal(elsewhere.status, 403);
    assert.match(diagnostics(elsewhere.body), /keeps its subject \(Patient\/sara-m\)/);
    // Not even the test client changes who filed it.
    assert.equal((await ehr('PUT', `Communication/${filed.id}`, { body: { ...note('morgan'), id: filed.id } })).status, 403);
  });

  test('nobody changes a note by PATCH: its result could not be held to the same rules', async () => {
    const { id } = await filedByPriya();
    const ops = [{ op: 'replace', path: '/sender/reference', value: 'Practitioner/morgan' }];
    for (const token of [await personToken('jordan'), await personToken('priya'), undefined]) {
      const res = await ehr('PATCH', `Communication/${id}`, { token, body: ops, headers: JSON_PATCH });
      assert.equal(res.status, 403);
      assert.match(diagnostics(res.body), /changed by PUT only/);
    }
    assert.equal((await ok('GET', `Communication/${id}`)).sender.reference, 'Practitioner/priya');
  });

  test('a new note by PUT (update as create) follows the rules of a create', async () => {
    const priya = await personToken('priya');
    const forged = await ehr('PUT', 'Communication/new-note', { token: priya, body: { ...note('jordan'), id: 'new-note' } });
    assert.equal(forged.status, 403);
    assert.equal((await ehr('PUT', 'Communication/new-note', { token: priya, body: { ...note('priya'), id: 'new-note' } })).status, 201);
  });
});

describe('billing sees who a patient is, nothing else', () => {
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
    assert.ok(found.length >= 1);
    for (const patient of found) assert.deepEqual(keys(patient), NAME_ONLY);
    // The same read by the front desk has the rest.
    assert.equal((await ok('GET', 'Patient/sara-m', { token: await personToken('dana') })).birthDate, '2016-04-12');
  });

  test('billing searches by name only: anything else would reveal what the answer hides', async () => {
    for (const query of ['name=sara', 'family=martinez', 'given:contains=ar', '_id=sara-m', '_count=5', '_elements=name']) {
      assert.equal((await ehr('GET', `Patient?${query}`, { token: sam })).status, 200, query);
    }
    const revealing = [
      'birthdate=2016-04-12', 'gender=female', 'identifier=RT-1001', 'name=sara&_sort=birthdate',
      'general-practitioner=Practitioner/priya', 'general-practitioner:Practitioner.name=priya', 'name:missing=false&birthdate:missing=true',
    ];
    for (const query of revealing) {
      const res = await ehr('GET', `Patient?${query}`, { token: sam });
      assert.equal(res.status, 403, query);
      assert.match(diagnostics(res.body), /the billing role may not search Patient by/);
    }
    const byPost = await ehr('POST', 'Patient/_search', { token: sam, body: 'birthdate=2016-04-12', headers: FORM });
    assert.equal(byPost.status, 403);
  });

  test('billing can follow the links of its own search', async () => {
    const page = await ok('GET', 'Patient?given:contains=a&_count=2', { token: sam });
    for (const relation of ['self', 'first', 'next']) {
      const url = page.link.find((l) => l.relation === relation).url;
      const followed = await ehr('GET', url, { token: sam });
      assert.equal(followed.status, 200, relation);
      assert.ok(resources(followed.body).length > 0);
      for (const patient of resources(followed.body)) assert.deepEqual(keys(patient), NAME_ONLY);
    }
  });

  test('whatever brings a patient back, billing gets the name only: a contained one is cut too', async () => {
    await ok('PUT', 'Patient/with-contained', {
      body: {
        resourceType: 'Patient', id: 'with-contained', name: [{ text: 'Ida Novak' }], birthDate: '2015-01-01',
        contained: [{ resourceType: 'Practitioner', id: 'p', name: [{ text: 'Dr. Contained' }] }],
        generalPractitioner: [{ reference: '#p' }],
      },
    });
    for (const query of ['Patient/with-contained', 'Patient?name=ida', 'Patient?_id=with-contained&_elements=birthDate,contained']) {
      const found = await ok('GET', query, { token: sam });
      for (const patient of found.resourceType === 'Bundle' ? resources(found) : [found]) {
        assert.deepEqual(keys(patient).filter((k) => !NAME_ONLY.includes(k)), [], query);
      }
    }
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

  test('a batch is served entry by entry, each as if it came alone', async () => {
    const morgan = await personToken('morgan');
    const dana = await personToken('dana');
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: ['Communication', 'AuditEvent', 'Patient/sara-m', 'Patient?_id=sara-m&_revinclude=Communication:subject']
        .map((url) => ({ request: { method: 'GET', url } })),
    };
    const statuses = async (token) => (await ok('POST', BASE, { token, body: batch })).entry.map((e) => e.response.status);
    assert.deepEqual(await statuses(dana), ['403', '403', '200', '403']);
    assert.deepEqual(await statuses(morgan), ['200', '403', '200', '200']);
    assert.deepEqual(await statuses(undefined), ['200', '200', '200', '200'], 'the test client may read everything');
    const refused = (await ok('POST', BASE, { token: dana, body: batch })).entry[0];
    assert.equal(refused.resource, undefined);
    assert.match(diagnostics(refused.response.outcome), /the front-desk role may not search Communication/);
    // Malformed entries are the client's error, each in its place; a batch without a list is refused whole.
    const malformed = { resourceType: 'Bundle', type: 'batch', entry: [null, {}, { request: { method: 'GET', url: 'http://elsewhere/Patient' } }] };
    assert.deepEqual((await ok('POST', BASE, { token: dana, body: malformed })).entry.map((e) => e.response.status), ['400', '400', '400']);
    assert.equal((await ehr('POST', BASE, { token: dana, body: { ...malformed, entry: {} } })).status, 400);
    assert.equal((await ehr('POST', 'Patient/_search', { token: dana, body: [] })).status, 400);
  });

  test('what the server does not offer is refused for everyone: search every type, operations, transactions', async () => {
    const transaction = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: 'Communication' } }] };
    const nested = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: '' }, resource: { ...transaction, type: 'batch' } }] };
    for (const token of [await personToken('morgan'), undefined]) {
      const refusals = [
        ['GET', `${BASE}?_type=Communication`], ['POST', '$graphql', { query: '{ CommunicationList { id } }' }],
        ['GET', 'Patient/$everything'], ['POST', 'Patient/sara-m/$validate', {}], ['GET', 'Patient/_history'],
        ['POST', BASE, transaction], ['PUT', 'Appointment?identifier=x', {}], ['DELETE', 'Communication?subject=Patient/sara-m'],
        ['GET', 'Patient/sara-m?_elements=birthDate'],
      ];
      for (const [method, path, body] of refusals) {
        const res = await ehr(method, path, { token, body });
        assert.equal(res.status, 400, `${method} ${path}`);
        assert.match(diagnostics(res.body), /not offered by this server/);
      }
      const inner = await ok('POST', BASE, { token, body: nested });
      assert.equal(inner.entry[0].response.status, '400', 'a batch inside a batch');
      const conditional = await ehr('POST', 'Patient', { token, body: { resourceType: 'Patient' }, headers: { 'If-None-Exist': 'birthdate=2016-04-12' } });
      assert.equal(conditional.status, 400);
    }
  });

  test('_include and _revinclude bring in only types the person may search', async () => {
    const dana = await personToken('dana');
    const included = await ok('GET', 'Appointment?_id=sara-m-1&_include=Appointment:patient', { token: dana });
    assert.deepEqual(resources(included).map((r) => r.resourceType), ['Appointment', 'Patient']);
    await ok('POST', 'Communication', { body: note('priya') });
    // Appointment:actor may be a Device, a Location...: types the front desk may not read.
    for (const query of ['Appointment?_include=Appointment:actor', 'Patient?_revinclude=Communication:subject']) {
      const res = await ehr('GET', query, { token: dana });
      assert.equal(res.status, 403, query);
      assert.match(diagnostics(res.body), /the front-desk role may not search/);
    }
    assert.equal((await ehr('GET', 'Appointment?_include=Appointment:patient:Communication', { token: dana })).status, 400);
    // An admin may search chart notes anyway: through _revinclude too.
    const notes = await ok('GET', 'Patient?_id=sara-m&_revinclude=Communication:subject', { token: await personToken('morgan') });
    assert.ok(resources(notes).some((r) => r.resourceType === 'Communication'));
  });

  test('the front desk cannot reach chart notes through _revinclude:iterate', async () => {
    await ok('POST', 'Communication', { body: note('priya') });
    const dana = await personToken('dana');
    for (const query of [
      'Patient?_id=sara-m&_revinclude:iterate=Communication:subject',
      'Appointment?_id=sara-m-1&_include=Appointment:patient&_revinclude:iterate=Communication:subject',
      'Appointment?_id=sara-m-1&_include:iterate=Appointment:patient&_revinclude:iterate=AuditEvent:entity',
    ]) {
      const res = await ehr('GET', query, { token: dana });
      assert.equal(res.status, 403, query);
      assert.equal(res.body.resourceType, 'OperationOutcome');
    }
  });

  test('the front desk cannot reach chart notes through _revinclude in a POST search', async () => {
    await ok('POST', 'Communication', { body: note('priya') });
    const dana = await personToken('dana');
    for (const body of ['_id=sara-m&_revinclude=Communication:subject', '_id=sara-m&_revinclude:iterate=Communication:subject']) {
      const res = await ehr('POST', 'Patient/_search', { token: dana, body, headers: FORM });
      assert.equal(res.status, 403, body);
      assert.match(diagnostics(res.body), /the front-desk role may not search Communication/);
    }
    // What GET allows, POST allows: the same rules read the same parameters.
    const allowed = await ok('POST', 'Appointment/_search', { token: dana, body: '_id=sara-m-1&_include=Appointment:patient', headers: FORM });
    assert.deepEqual(resources(allowed).map((r) => r.resourceType), ['Appointment', 'Patient']);
  });

  test('a role that may only update cannot create by PUT', async () => {
    const appointment = {
      resourceType: 'Appointment', id: 'made-up', status: 'proposed',
      participant: [{ actor: { reference: 'Patient/sara-m' }, status: 'needs-action' }],
    };
    const res = await ehr('PUT', 'Appointment/made-up', { token: await personToken('dana'), body: appointment });
    assert.equal(res.status, 403);
    assert.match(diagnostics(res.body), /the front-desk role may not create Appointment/);
    assert.equal((await ehr('GET', 'Appointment/made-up')).status, 404);
  });

  test('a refusal says why in any characters, and its header carries them encoded', async () => {
    // A client id the EHR does not serve is quoted in the refusal (401).
    const client = 'caf\u00e9 \u2713\r\nX-Injected: yes';
    const res = await ehr('GET', 'Patient/sara-m', { token: await forgedToken({ client_id: client }) });
    assert.equal(res.status, 401);
    assert.ok(diagnostics(res.body).includes(client), 'the body says it as it is');
    assert.equal(res.headers.get('x-injected'), null);
    assert.match(res.headers.get('www-authenticate'), /error_description="[^"]*caf%C3%A9 %E2%9C%93%0D%0AX-Injected: yes\)"$/);
    // A stored sender is quoted in a 403.
    const { id } = await ok('POST', 'Communication', { body: note('jos\u00e9-\u2713') });
    const put = await ehr('PUT', `Communication/${id}`, { token: await personToken('priya'), body: { ...note('priya'), id } });
    assert.equal(put.status, 403);
    assert.match(put.headers.get('www-authenticate'), /Practitioner%2Fjos%C3%A9-%E2%9C%93|Practitioner\/jos%C3%A9-%E2%9C%93/);
  });
});

describe('the role comes from the EHR\'s own records, as they are now', () => {
  before(reset);
  const change = (id, ops) => ok('PATCH', `PractitionerRole/${id}`, { body: ops, headers: JSON_PATCH });

  test('an inactive role grants nothing, from the moment it is changed', async () => {
    const dana = await personToken('dana');
    assert.equal((await ehr('GET', 'Appointment/sara-m-1', { token: dana })).status, 200);
    await change('dana', [{ op: 'replace', path: '/active', value: false }]);
    const res = await ehr('GET', 'Appointment/sara-m-1', { token: dana });
    assert.equal(res.status, 403);
    assert.match(diagnostics(res.body), /the unknown role may not read Appointment/);
    await change('dana', [{ op: 'replace', path: '/active', value: true }]);
    assert.equal((await ehr('GET', 'Appointment/sara-m-1', { token: dana })).status, 200);
  });

  test('a role outside its period grants nothing', async () => {
    const priya = await personToken('priya');
    await change('priya', [{ op: 'add', path: '/period', value: { end: '2020-01-01T00:00:00Z' } }]);
    assert.equal((await ehr('GET', 'Patient/sara-m', { token: priya })).status, 403, 'ended');
    await change('priya', [{ op: 'replace', path: '/period', value: { start: '2999-01-01T00:00:00Z' } }]);
    assert.equal((await ehr('GET', 'Patient/sara-m', { token: priya })).status, 403, 'not begun');
    await change('priya', [{ op: 'replace', path: '/period', value: { start: '2020-01-01T00:00:00Z' } }]);
    assert.equal((await ehr('GET', 'Patient/sara-m', { token: priya })).status, 200, 'begun');
  });
});
