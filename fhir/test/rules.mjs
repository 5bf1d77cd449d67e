// The access rules as the tests state them, written out again on purpose (not imported from
// access.mjs): a change of the rules must be a change of the tests too.
// r read, s search, u update, c create, d delete (the SMART v2 letters).
const SCHEDULING = { Patient: 'rs', Practitioner: 'rs', PractitionerRole: 'rs', Schedule: 'rs' };
/** What each demo person may do, by the role the EHR's records give them. */
export const MAY = {
  morgan: { ...SCHEDULING, Slot: 'rsu', Appointment: 'rsu', Communication: 'rscu' }, // admin
  dana: { ...SCHEDULING, Slot: 'rsu', Appointment: 'rsu' }, // front desk
  priya: { ...SCHEDULING, Slot: 'rs', Appointment: 'rs', Communication: 'rscu' }, // clinician
  sam: { Patient: 'rs' }, // billing
};
/** The elements billing may see of a patient; everything of anything else it may read. */
export const NAME_ONLY = ['id', 'meta', 'name', 'resourceType'];
/** The types the tests try: the clinic's, the chart's, the audit trail and one nobody may read. */
export const TYPES = [
  'Patient', 'Practitioner', 'PractitionerRole', 'Schedule', 'Slot', 'Appointment', 'Communication', 'Organization', 'AuditEvent',
];
