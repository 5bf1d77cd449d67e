// The CapabilityStatement served at GET /fhir/R4/metadata. FhirRouter has no
// metadata route of its own; clients (and scripts/fhir.sh's health check) need one.
import { readFileSync } from 'node:fs';
import { getSearchParameters, globalSchema, isResourceType } from '@medplum/core';

// Types the clinic data uses; listed with their search parameters. Every other
// R4 type works the same way and is listed without them, to keep this small.
const DETAILED = [
  'Appointment', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole', 'Schedule', 'Slot',
];
// What interaction.mjs offers (who may use which is the access rules' matter, per person).
const INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'];

function medplumVersion() {
  const pkg = new URL('./node_modules/@medplum/fhir-router/package.json', import.meta.url);
  return JSON.parse(readFileSync(pkg, 'utf8')).version;
}

function resourceEntry(type) {
  const entry = {
    type,
    interaction: INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: false,
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
  };
  if (DETAILED.includes(type)) {
    entry.searchParam = Object.entries(getSearchParameters(type) ?? {})
      .filter(([code]) => !code.startsWith('_'))
      .map(([name, p]) => ({ name, type: p.type }));
  }
  return entry;
}

export function capabilityStatement() {
  const types = Object.keys(globalSchema.types).filter(isResourceType).sort();
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Rounds local FHIR server (@medplum/fhir-router, in memory)', version: medplumVersion() },
    implementation: { description: 'Development and test server for Rounds; data is reset on restart' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [{
      mode: 'server',
      security: {
        service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
        description: 'SMART access tokens from the identity provider; what each person may read or change follows their role',
      },
      resource: types.map(resourceEntry),
      // No 'transaction': MemoryRepository does not roll back a failed one. No whole-system search.
      interaction: [{ code: 'batch' }],
    }],
  };
}
