// Search as search.mjs serves it over Medplum's matching: unknown parameters, modifiers and
// values refused, chains checked link by link, names
// matched accent- and case-folded at a word start, _sort on parsed instants and several keys,
// paging (20 by default, at most 100) with working links, _include for the page only.
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import { BASE, diagnostics, ehr, FORM, ok, reset, resources } from './ehr.mjs';
import { backendToken } from './tokens.mjs';

const ids = (bundle) => resources(bundle).map((r) => r.id);
const link = (bundle, relation) => bundle.link.find((l) => l.relation === relation)?.url;
const SLOTS = 'Slot?schedule=Schedule/priya';

describe('search', () => {
  before(reset);

  test('an unknown parameter, sort key or resource type is refused, not answered empty', async () => {
    const unknown = {
      'Patient?colour=blue': /Unknown search parameter "colour" for Patient/,
      'Patient?_sort=colour': /Unknown sort parameter "colour"/,
    };
    for (const [query, said] of Object.entries(unknown)) {
      const res = await ehr('GET', query);
      assert.equal(res.status, 400, query);
      assert.match(diagnostics(res.body), said);
    }
    assert.equal((await ehr('GET', 'Colour')).status, 404);
  });

  test('what the server would not answer faithfully is refused, not ignored', async () => {
    const unanswerable = {
      'Patient?name:fuzzy=sara': /Unsupported modifier "name:fuzzy"/,
      'Patient?_summary=true': /Unsupported _summary "true"/,
      'Patient?_contained=true': /Unknown search parameter "_contained"/,
      'Patient?_text=sara': /Unknown search parameter "_text"/,
      'Patient?_project=x': /Unknown search parameter "_project"/,
      'Patient?_count:x=1': /Unsupported modifier "_count:x"/,
      'Appointment?_include=*': /Unsupported _include "\*"/,
      'Appointment?_include=Appointment:status': /Unsupported _include/,
      'Appointment?_include=Appointment:patient:Practitioner': /Unsupported _include/,
      'Appointment?status.name=x': /Cannot chain through "status"/,
      'Appointment?patient.colour=x': /Unknown search parameter "colour" for Patient/,
      'Patient?_has:Appointment:patient:status=booked': /_has \(reverse chaining\) is not supported/,
    };
    for (const [query, said] of Object.entries(unanswerable)) {
      const res = await ehr('GET', query);
      assert.equal(res.status, 400, query);
      assert.match(diagnostics(res.body), said, query);
    }
  });

  test('chained parameters follow references to the types they name', async () => {
    assert.deepEqual(ids(await ok('GET', 'Appointment?patient.name=Sara&_sort=date')), ['sara-m-1', 'sara-m-2']);
    assert.deepEqual(ids(await ok('GET', 'Appointment?patient:Patient.birthdate=2016-04-12&_sort=date')), ['sara-m-1', 'sara-m-2']);
    assert.deepEqual(ids(await ok('GET', 'Schedule?actor:Practitioner.name=Jordan')), ['jordan']);
    for (const query of ['Schedule?actor.name=Jordan', 'Slot?schedule.actor:Practitioner.name=Priya']) {
      assert.equal((await ehr('GET', query)).status, 400, `${query}: Medplum would answer it wrong`);
    }
  });

  test('_elements keeps what it names (and id, meta) of the matches', async () => {
    const [patient] = resources(await ok('GET', 'Patient?_id=sara-m&_elements=birthDate,gender'));
    assert.deepEqual(Object.keys(patient).sort(), ['birthDate', 'gender', 'id', 'meta', 'resourceType']);
  });

  test('a POST search reads its form body exactly as a GET reads its query', async () => {
    for (const query of ['name=sara&_elements=name', '_id=sara-m-1&_include=Appointment:patient', 'name:fuzzy=sara']) {
      const type = query.includes('Appointment') ? 'Appointment' : 'Patient';
      const get = await ehr('GET', `${type}?${query}`);
      const post = await ehr('POST', `${type}/_search`, { body: query, headers: FORM });
      assert.equal(post.status, get.status, query);
      assert.deepEqual(resources(post.body ?? {}), resources(get.body ?? {}), query);
    }
    assert.equal((await ehr('POST', 'Patient/_search?name=sara', { body: '', headers: FORM })).status, 400, 'parameters in the URL of a POST');
    assert.equal((await ehr('POST', 'Patient/_search', { body: { resourceType: 'Parameters' } })).status, 400, 'a JSON body');
  });

  test('names match folded at the start of a word; :contains anywhere; :exact as written', async () => {
    const cases = {
      'name=jose': ['jose-h'], 'name=HERNANDEZ': ['jose-h'], 'name=sar': ['sara-m', 'sara-me'], 'name=ara': [],
      'name:contains=ara': ['sara-m', 'sara-me'], 'name:exact=Sara': ['sara-m', 'sara-me'], 'name:exact=sara': [],
      'name=liam,noah': ['liam-k', 'noah-t'], 'family=kim&given=liam': ['liam-k'], 'name=M.': ['sara-m', 'sara-me'],
      'name=martinez': ['sara-m'],
    };
    for (const [query, expected] of Object.entries(cases)) {
      assert.deepEqual(ids(await ok('GET', `Patient?${query}&_sort=_id`)).sort(), expected, query);
    }
  });

  test('_sort orders dates as instants (time zones included), descending with -', async () => {
    const at = ['2031-05-01T10:00:00+05:00', '2031-05-01T06:00:00Z', '2031-05-01T04:00:00-03:00']; // 05:00, 06:00, 07:00 UTC
    for (const [i, start] of at.entries()) {
      await ok('PUT', `Appointment/tz-${i}`, {
        body: {
          resourceType: 'Appointment', id: `tz-${i}`, status: 'proposed', start, end: '2031-05-02T00:00:00Z',
          identifier: [{ system: 'urn:test', value: 'tz' }],
          participant: [{ status: 'needs-action', actor: { reference: 'Patient/sara-m' } }],
        },
      });
    }
    assert.deepEqual(ids(await ok('GET', 'Appointment?identifier=urn:test|tz&_sort=date')), ['tz-0', 'tz-1', 'tz-2']);
    assert.deepEqual(ids(await ok('GET', 'Appointment?identifier=urn:test|tz&_sort=-date')), ['tz-2', 'tz-1', 'tz-0']);
  });

  test('_sort takes several keys, the first deciding', async () => {
    const slots = resources(await ok('GET', 'Slot?_sort=-schedule,start&_count=100&start=ge2000-01-01'));
    const keys = slots.map((s) => [s.schedule.reference, Date.parse(s.start)]);
    const expected = [...keys].sort(([a, x], [b, y]) => (a === b ? x - y : a < b ? 1 : -1));
    assert.deepEqual(keys, expected);
    assert.equal(keys[0][0], 'Schedule/priya');
  });

  test('a page has 20 entries by default and at most 100; the total counts every match', async () => {
    const all = await ok('GET', `${SLOTS}&_count=0`);
    assert.ok(all.total > 100, `priya has ${all.total} slots`);
    assert.equal(resources(all).length, 0);
    assert.equal(resources(await ok('GET', SLOTS)).length, 20);
    assert.equal(resources(await ok('GET', `${SLOTS}&_count=500`)).length, 100);
    const summary = await ok('GET', `${SLOTS}&_summary=count`);
    assert.deepEqual([summary.total, resources(summary).length], [all.total, 0]);
  });

  test('next and previous links page through every match once, in order', async () => {
    const expected = ids(await ok('GET', `${SLOTS}&_sort=start&_count=100`)).slice(0, 30);
    const first = await ok('GET', `${SLOTS}&_sort=start&_count=12`);
    assert.equal(link(first, 'previous'), undefined);
    const second = await ok('GET', link(first, 'next'));
    const third = await ok('GET', link(second, 'next'));
    assert.deepEqual([...ids(first), ...ids(second), ...ids(third)].slice(0, 30), expected);
    assert.deepEqual(ids(await ok('GET', link(second, 'previous'))), ids(first));
    assert.equal(link(second, 'self'), `${BASE}/Slot?schedule=Schedule%2Fpriya&_sort=start&_count=12&_offset=12`);
    const last = await ok('GET', `${SLOTS}&_count=10&_offset=${first.total - 5}`);
    assert.equal(resources(last).length, 5);
    assert.equal(link(last, 'next'), undefined);
  });

  test('_count and _offset must be non-negative integers', async () => {
    for (const query of ['_count=ten', '_count=-1', '_offset=1.5']) {
      assert.equal((await ehr('GET', `${SLOTS}&${query}`)).status, 400, query);
    }
  });

  test('_include brings in what the returned page references, not what other pages do', async () => {
    const page = await ok('GET', 'Appointment?_sort=date&_count=2&_include=Appointment:patient');
    const matched = page.entry.filter((e) => e.search.mode === 'match').map((e) => e.resource);
    const included = page.entry.filter((e) => e.search.mode === 'include').map((e) => `Patient/${e.resource.id}`);
    const referenced = matched.flatMap((a) => a.participant.map((p) => p.actor.reference)).filter((r) => r.startsWith('Patient/'));
    assert.equal(matched.length, 2);
    assert.deepEqual(included.sort(), [...new Set(referenced)].sort());
  });

  test('links point back at the server as the client addressed it', async () => {
    const token = await backendToken();
    const host = new URL(BASE).host.replace('127.0.0.1', 'localhost');
    const bundle = await new Promise((resolve, reject) => {
      http.get(`${BASE}/Patient?_count=1`, { headers: { Host: host, Authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.on('data', (chunk) => { text += chunk; }).on('end', () => resolve(JSON.parse(text)));
      }).on('error', reject);
    });
    assert.ok(link(bundle, 'self').startsWith(`http://${host}/fhir/R4/Patient?`), link(bundle, 'self'));
    assert.ok(bundle.entry[0].fullUrl.startsWith(`http://${host}/fhir/R4/Patient/`));
  });

  test('_has is refused rather than answered empty', async () => {
    const res = await ehr('GET', 'Patient?_has:Appointment:patient:status=booked');
    assert.equal(res.status, 400);
    assert.match(diagnostics(res.body), /_has \(reverse chaining\) is not supported/);
  });
});
