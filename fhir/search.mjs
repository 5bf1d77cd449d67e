// Search fixes layered over Medplum's search handlers.
//
// MemoryRepository's search has gaps Rounds trips over, so the router is asked
// only for the *matching* (all matches, no _sort/_count/_offset/_include) and
// this module does the rest:
//   - only parameters this module knows how to answer are taken (each type's own,
//     chained ones, and the general ones below); anything else (unknown names,
//     modifiers or values, `_has`, `_contained`) is a 400, never silently ignored;
//   - `string` parameters (Patient?name=jose) match accent- and case-folded at
//     a word start, so "jose" finds "José Hernández" and "sar" finds "Sara";
//   - _sort compares parsed instants for dates (Medplum compares JSON text and
//     lets the *last* key win) and honours `-` and several keys in order;
//   - paging: _count defaults to 20, is capped at 100, and `next`/`previous`
//     links carry _offset, so following `next` works;
//   - _include/_revinclude are resolved for the returned page only;
//   - _elements keeps the named elements of the matches.
// `planSearch` also says which parameters a search uses on which type and which types it can
// bring back, so that access can be checked before it runs.
import {
  badRequest, evalFhirPath, getSearchParameter, isOk, isResourceType, notFound, OperationOutcomeError, parseSearchRequest,
} from '@medplum/core';
import { getExtraEntries } from '@medplum/fhir-router';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 100;

// Result parameters we implement here (stripped before the router sees them).
const OURS = new Set(['_count', '_offset', '_sort', '_include', '_revinclude', '_summary', '_total', '_elements']);
// Accepted but ignored (harmless: the answer is JSON either way).
const IGNORED = new Set(['_format', '_pretty']);
// General parameters of every type the router matches (Medplum's own `_project` and
// `_compartment` are not FHIR's).
const GENERAL = new Set(['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source']);
// Modifiers answered, by parameter type; a type missing here (composite, special) is refused.
const MODIFIERS = {
  string: ['', 'exact', 'contains', 'missing'],
  token: ['', 'not', 'missing'],
  reference: ['', 'missing'],
  date: ['', 'missing'],
  number: ['', 'missing'],
  quantity: ['', 'missing'],
  uri: ['', 'missing'],
};
const STRING_MODIFIERS = new Set(['', 'contains', 'exact']);
const VALUES = { _summary: ['count', 'false'], _total: ['none', 'estimate', 'accurate'] };

export const fold = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

// What this module cannot answer is the client's error (400), named.
const unanswerable = (message) => new OperationOutcomeError(badRequest(message));

// Wraps the router's search-type handlers (GET Type, POST Type/_search).
export function wrapSearch(handler, { byPost, baseUrl }) {
  return async (req, repo, router, options) => {
    const type = req.params.resourceType;
    if (!isResourceType(type)) return [notFound]; // Medplum answers an empty 200
    const query = (byPost ? req.body : req.query) ?? {};
    let plan;
    try {
      plan = planSearch(type, query);
    } catch (err) {
      if (err instanceof OperationOutcomeError) return [err.outcome];
      throw err;
    }
    const inner = byPost ? { ...req, body: plan.rest } : { ...req, query: plan.rest };
    const [outcome, bundle] = await handler(inner, repo, router, options);
    if (!isOk(outcome)) return [outcome, bundle];

    let matches = (bundle.entry ?? []).map((e) => e.resource);
    matches = matches.filter((r) => plan.strings.every((f) => matchesString(r, f)));
    if (plan.sort.length) matches.sort((a, b) => compareBy(plan.sort, a, b));

    const base = baseUrl(req);
    const page = plan.summaryCount ? [] : matches.slice(plan.offset, plan.offset + plan.count);
    const entry = page.map((resource) => ({
      fullUrl: `${base}/${type}/${resource.id}`,
      resource: plan.elements ? pick(resource, plan.elements) : resource,
      search: { mode: 'match' },
    }));
    if (plan.includes && page.length) {
      await getExtraEntries(repo, parseSearchRequest(type, plan.includes), page, entry, {
        fullUrl: (t, id) => `${base}/${t}/${id}`,
      });
    }
    return [outcome, {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link: pageLinks(`${base}/${type}`, query, plan, matches.length),
      ...(entry.length ? { entry } : {}),
    }];
  };
}

/** The search parameter `code` of `type`, if this module answers it (a 400 otherwise). */
function parameter(type, code, what = 'search parameter') {
  if (code === '_has') throw unanswerable('_has (reverse chaining) is not supported: search the other type');
  const param = !code.startsWith('_') || GENERAL.has(code) ? getSearchParameter(type, code) : undefined;
  if (!param || !MODIFIERS[param.type]) throw unanswerable(`Unknown ${what} "${code}" for ${type}`);
  return param;
}

/**
 * A parameter name with its modifier, or a chain of one link to one type
 * (`patient.name`, `subject:Patient.name:exact`): what the router matches faithfully. Records
 * the parameters used on each type and the type a chain reaches (it tells about its resources).
 */
function checkChain(plan, type, key) {
  const [first, next, ...more] = key.split('.');
  if (more.length) throw unanswerable(`Chains of more than one link are not supported ("${key}")`);
  const [code, modifier = ''] = first.split(':');
  const param = parameter(type, code);
  plan.uses.push([type, code]);
  if (next === undefined) {
    const typed = param.type === 'reference' && param.target?.includes(modifier);
    if (!typed && !MODIFIERS[param.type].includes(modifier)) throw unanswerable(`Unsupported modifier "${first}" for ${type}`);
    return;
  }
  const targets = modifier ? [modifier] : param.target ?? [];
  if (param.type !== 'reference' || targets.length !== 1 || !param.target.includes(targets[0])) {
    throw unanswerable(`Cannot chain through "${first}" of ${type} (a reference to one named type)`);
  }
  plan.reaches.add(targets[0]);
  checkChain(plan, targets[0], next);
}

/**
 * Splits a query into what the router matches and what we do, refusing (a 400) what we
 * cannot answer. `uses` lists [type, parameter] pairs, `reaches` the other types involved.
 */
export function planSearch(type, query) {
  const plan = {
    rest: {}, strings: [], sort: [], includes: null, elements: null, offset: 0, count: DEFAULT_COUNT, summaryCount: false,
    uses: [], reaches: new Set(),
  };
  for (const [key, raw] of Object.entries(query)) {
    const values = [raw].flat().filter((v) => v !== undefined).map(String);
    const [name, modifier = ''] = key.split(':');
    if (OURS.has(name) || IGNORED.has(name)) {
      const iterating = (name === '_include' || name === '_revinclude') && modifier === 'iterate';
      if (key !== name && !iterating) throw unanswerable(`Unsupported modifier "${key}"`);
      plan.uses.push([type, name]);
      if (OURS.has(name)) applyControl(type, plan, key, name, values);
      continue;
    }
    checkChain(plan, type, key);
    const param = !key.includes('.') && getSearchParameter(type, name);
    if (param?.type === 'string' && STRING_MODIFIERS.has(modifier)) {
      values.forEach((v) => plan.strings.push({ param, modifier, raw: v.split(','), alternatives: v.split(',').map(fold) }));
    } else {
      plan.rest[key] = raw;
    }
  }
  return plan;
}

// `_include=Source:param[:Target]` brings in targets, `_revinclude=Source:param` sources.
function checkInclusion(plan, name, value) {
  const [source, code, target, extra] = value.split(':');
  if (!isResourceType(source) || !code || extra !== undefined) throw unanswerable(`Unsupported ${name} "${value}"`);
  const param = parameter(source, code);
  if (param.type !== 'reference' || (target && !param.target?.includes(target))) throw unanswerable(`Unsupported ${name} "${value}"`);
  const brought = name === '_revinclude' ? [source] : target ? [target] : param.target ?? [];
  brought.forEach((t) => plan.reaches.add(t));
}

function applyControl(type, plan, key, name, values) {
  const last = values.at(-1) ?? '';
  if (VALUES[name] && !VALUES[name].includes(last)) throw unanswerable(`Unsupported ${name} "${last}"`);
  if (name === '_count' || name === '_offset') {
    if (!/^\d+$/.test(last)) throw unanswerable(`${name} must be a non-negative integer, got "${last}"`);
    const n = Number(last);
    if (name === '_count') plan.count = Math.min(n, MAX_COUNT);
    else plan.offset = n;
  } else if (name === '_sort') {
    plan.sort = last.split(',').filter(Boolean).map((s) => {
      const descending = s.startsWith('-');
      const code = descending ? s.slice(1) : s;
      plan.uses.push([type, code]);
      return { param: parameter(type, code, 'sort parameter'), descending };
    });
  } else if (name === '_include' || name === '_revinclude') {
    values.forEach((v) => checkInclusion(plan, name, v));
    plan.includes ??= {};
    plan.includes[key] = values;
  } else if (name === '_elements') {
    plan.elements = last.split(',').map((e) => e.trim()).filter(Boolean);
  } else if (name === '_summary') {
    plan.summaryCount = last === 'count';
  }
  // _total: we always report the exact total.
}

// The elements `_elements` names, and what every resource keeps.
function pick(resource, elements) {
  const keep = new Set(['resourceType', 'id', 'meta', ...elements]);
  return Object.fromEntries(Object.entries(resource).filter(([k]) => keep.has(k)));
}

// Text of a value for string matching: names and addresses as one phrase.
function textsOf(value) {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object') return [String(value)];
  const parts = ['prefix', 'given', 'family', 'suffix', 'line', 'city', 'district', 'state', 'postalCode', 'country']
    .flatMap((k) => [value[k] ?? []].flat());
  return [value.text, parts.join(' ')].filter(Boolean);
}

// Default string search: the folded query starts a word of the folded value.
function matchesString(resource, { param, modifier, alternatives, raw }) {
  const texts = evalFhirPath(param.expression, resource).flatMap(textsOf);
  if (modifier === 'exact') {
    const parts = evalFhirPath(param.expression, resource).flatMap((v) =>
      typeof v === 'object' ? [...textsOf(v), v.family, ...(v.given ?? [])] : [String(v)]);
    return raw.some((q) => parts.includes(q));
  }
  return texts.map(fold).some((t) => alternatives.some((q) =>
    modifier === 'contains' ? t.includes(q) : wordStartIndex(t, q)));
}

function wordStartIndex(text, q) {
  for (let i = text.indexOf(q); i !== -1; i = text.indexOf(q, i + 1)) {
    if (i === 0 || !/[\p{L}\p{N}]/u.test(text[i - 1])) return true;
  }
  return false;
}

// Sort key for one resource and one parameter; undefined sorts last either way.
function sortKey(resource, param) {
  const v = evalFhirPath(param.expression, resource)[0];
  if (v === undefined || v === null) return undefined;
  if (param.type === 'date') {
    const t = Date.parse(typeof v === 'object' ? v.start ?? v.end : v);
    return Number.isNaN(t) ? undefined : t;
  }
  if (param.type === 'number' || param.type === 'quantity') return Number(v.value ?? v);
  if (typeof v !== 'object') return fold(String(v));
  return fold(String(v.reference ?? v.value ?? v.code ?? v.coding?.[0]?.code ?? v.text ?? textsOf(v)[0] ?? ''));
}

// First key is primary; Array.prototype.sort is stable, so ties keep insertion order.
function compareBy(rules, a, b) {
  for (const { param, descending } of rules) {
    const x = sortKey(a, param);
    const y = sortKey(b, param);
    if (x === y) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    const c = x < y ? -1 : 1;
    return descending ? -c : c;
  }
  return 0;
}

// self/first/previous/next links, with the caller's parameters plus _count/_offset.
function pageLinks(url, query, plan, total) {
  const link = (relation, offset) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (k === '_count' || k === '_offset') continue;
      [v].flat().filter((x) => x !== undefined).forEach((x) => params.append(k, String(x)));
    }
    params.set('_count', String(plan.count));
    params.set('_offset', String(offset));
    return { relation, url: `${url}?${params}` };
  };
  const links = [link('self', plan.offset), link('first', 0)];
  if (plan.offset > 0) links.push(link('previous', Math.max(0, plan.offset - plan.count)));
  if (plan.count > 0 && plan.offset + plan.count < total) links.push(link('next', plan.offset + plan.count));
  return links;
}
