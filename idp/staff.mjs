// The demo clinic's staff as the identity provider knows them (the same people as the demo
// homeserver's and the demo EHR's). A clinic's real provider (Entra, Google, Okta) holds these.
//
// `role` decides which SMART scopes the provider grants Rounds for the EHR: what a person may
// ask of the EHR at all. The EHR checks again, against its own records, on every request.

export const DEMO_PASSWORD = 'rounds-demo';

export const STAFF = {
  morgan: { name: 'Morgan Reyes', role: 'admin', fhirUser: 'Practitioner/morgan' },
  priya: { name: 'Priya Shah', role: 'clinician', fhirUser: 'Practitioner/priya' },
  jordan: { name: 'Jordan Ellis', role: 'clinician', fhirUser: 'Practitioner/jordan' },
  dana: { name: 'Dana Brooks', role: 'front-desk', fhirUser: 'Practitioner/dana' },
  sam: { name: 'Sam Ortiz', role: 'billing', fhirUser: 'Practitioner/sam' },
};

// SMART v2 scopes per role: `rs` read and search, `c` create, `u` update. Reading and changing
// are separate scopes, so a role that may only read is granted `.rs` of the same request.
// Clinicians and admins file threads to the chart (Communication).
const SCHEDULING = ['user/Patient.rs', 'user/Practitioner.rs', 'user/PractitionerRole.rs', 'user/Schedule.rs'];
const CHART = ['user/Communication.rs', 'user/Communication.cu'];
export const EHR_SCOPES = {
  admin: [...SCHEDULING, ...CHART, 'user/Slot.rs', 'user/Slot.u', 'user/Appointment.rs', 'user/Appointment.u'],
  'front-desk': [...SCHEDULING, 'user/Slot.rs', 'user/Slot.u', 'user/Appointment.rs', 'user/Appointment.u'],
  clinician: [...SCHEDULING, ...CHART, 'user/Slot.rs', 'user/Appointment.rs'],
  billing: ['user/Patient.rs'],
};

/** Every EHR scope any role may be granted (what the EHR, as resource server, accepts). */
export const ALL_EHR_SCOPES = [...new Set(Object.values(EHR_SCOPES).flat())];
