// Discovery needs no token: the CapabilityStatement (capability.mjs) and the SMART
// configuration (server.mjs) tell a client what the server does and where to sign in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BASE, ehr, OTHER } from './ehr.mjs';

const MEDPLUM = JSON.parse(readFileSync(new URL('../node_modules/@medplum/fhir-router/package.json', import.meta.url), 'utf8')).version;
const IDP = process.env.ROUNDS_FHIR_TEST_IDP;

describe('discovery', () => {
  test('the CapabilityStatement is public and describes this server', async () => {
    const res = await ehr('GET', 'metadata', { token: null });
    assert.equal(res.status, 200);
    const cs = res.body;
    assert.equal(cs.resourceType, 'CapabilityStatement');
    assert.deepEqual([cs.status, cs.kind, cs.fhirVersion], ['active', 'instance', '4.0.1']);
    assert.equal(cs.software.version, MEDPLUM);
    assert.deepEqual(cs.patchFormat, ['application/json-patch+json']);
    const [rest] = cs.rest;
    // Batch, not transaction: MemoryRepository does not roll back a failed transaction. No
    // search across types: each search is of one type, checked against the caller's rules.
    assert.deepEqual(rest.interaction.map((i) => i.code), ['batch']);
    assert.equal(rest.security.service[0].coding[0].code, 'SMART-on-FHIR');
    const byType = Object.fromEntries(rest.resource.map((r) => [r.type, r]));
    for (const type of ['Appointment', 'Patient', 'Slot', 'Communication', 'AuditEvent']) assert.ok(byType[type], type);
    assert.equal(byType.Appointment.versioning, 'versioned-update');
    assert.deepEqual([byType.Appointment.conditionalCreate, byType.Appointment.conditionalUpdate, byType.Appointment.conditionalDelete],
      [false, false, 'not-supported']);
    assert.deepEqual(byType.Appointment.interaction.map((i) => i.code),
      ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type']);
  });

  test('the clinic\'s types list their search parameters, others only their interactions', async () => {
    const { body } = await ehr('GET', 'metadata', { token: null });
    const params = (type) => body.rest[0].resource.find((r) => r.type === type).searchParam?.map((p) => `${p.name}:${p.type}`);
    assert.ok(params('Appointment').includes('date:date'));
    assert.ok(params('Appointment').includes('patient:reference'));
    assert.ok(params('Patient').includes('name:string'));
    assert.ok(params('Slot').includes('schedule:reference'));
    assert.ok(!params('Patient').some((p) => p.startsWith('_')), 'common parameters are not repeated');
    assert.equal(params('Observation'), undefined);
  });

  test('the SMART configuration is public and points at the identity provider', async () => {
    const res = await ehr('GET', '.well-known/smart-configuration', { token: null });
    assert.equal(res.status, 200);
    const smart = res.body;
    assert.equal(smart.issuer, IDP);
    assert.equal(smart.authorization_endpoint, `${IDP}/auth`);
    assert.equal(smart.token_endpoint, `${IDP}/token`);
    assert.equal(smart.jwks_uri, `${IDP}/jwks`);
    assert.deepEqual(smart.code_challenge_methods_supported, ['S256']);
    for (const capability of ['launch-standalone', 'client-public', 'sso-openid-connect', 'permission-v2']) {
      assert.ok(smart.capabilities.includes(capability), capability);
    }
    // What it names must be real: the provider answers there.
    assert.equal((await fetch(smart.jwks_uri)).status, 200);
    // Backend clients only on a test instance.
    assert.ok(smart.scopes_supported.includes('system/*.cruds'));
    const deployed = (await ehr('GET', '.well-known/smart-configuration', { token: null, base: OTHER })).body;
    assert.ok(!deployed.scopes_supported.some((s) => s.startsWith('system/')));
    assert.ok(!deployed.grant_types_supported.includes('client_credentials'));
  });

  test('everything else in the FHIR base needs a token; outside it nothing is served', async () => {
    for (const path of ['Patient', 'metadata/extra', '', '$graphql']) {
      assert.equal((await ehr('GET', path, { token: null })).status, 401, path || 'the base');
    }
    assert.equal((await ehr('POST', 'metadata', { token: null, body: {} })).status, 401);
    const origin = new URL(BASE).origin;
    for (const path of ['/', '/fhir', '/fhir/R5/Patient', '/.well-known/smart-configuration']) {
      assert.equal((await ehr('GET', origin + path)).status, 404, path);
    }
  });
});
