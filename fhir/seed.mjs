// Demo data for the "Riverside Therapy" clinic as a FHIR R4 `batch` Bundle.
//
//   import { buildSeedBundle } from './seed.mjs'   (what server.mjs does, in memory)
//   node fhir/seed.mjs [YYYY-MM-DD] > seed.json     (to look at it)
//
// Everything is relative to one anchor day (today in UTC unless given), so the
// schedule always looks current. America/New_York is not available here, so
// times are UTC on the hour: clinic hours 13:00–21:00 UTC (9–5 US Eastern in
// summer). Ids are stable and readable (Patient/sara-m, Practitioner/jordan,
// Slot/jordan-20250107-1400, Appointment/maya-r-1) so tests can name them.
// A batch, not a transaction: Medplum refuses transactions over 50 writes.

const MATRIX = 'https://rounds.example/matrix';
const ROLE = 'https://rounds.example/role';
const MRN = 'https://rounds.example/mrn';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const ORG = { reference: 'Organization/riverside', display: 'Riverside Therapy' };

const CLINIC_HOURS = [13, 14, 15, 16, 17, 18, 19, 20]; // slot start hours, UTC
const SLOT_DAYS = 28; // today and the 27 days after it: four weeks to reschedule into

// The same people as the demo Matrix users (see the Synapse seed).
const STAFF = [
  { id: 'priya', given: 'Priya', family: 'Shah', role: 'ot', title: 'Occupational therapist' },
  { id: 'jordan', given: 'Jordan', family: 'Ellis', role: 'slp', title: 'Speech-language pathologist' },
  { id: 'dana', given: 'Dana', family: 'Brooks', role: 'front-desk', title: 'Front desk' },
  { id: 'sam', given: 'Sam', family: 'Ortiz', role: 'billing', title: 'Billing' },
  { id: 'morgan', given: 'Morgan', family: 'Reyes', role: 'director', title: 'Clinic director' },
];

// Clinicians who see clients and so have a Schedule and Slots.
const CLINICIANS = {
  priya: 'Occupational therapy',
  jordan: 'Speech-language pathology',
};

// Named like the demo threads ("Sara M."); José exercises accents.
const PATIENTS = [
  { id: 'sara-m', given: 'Sara', family: 'Martinez', gender: 'female', birthDate: '2016-04-12', pcp: 'priya' },
  { id: 'liam-k', given: 'Liam', family: 'Kim', gender: 'male', birthDate: '2018-09-03', pcp: 'jordan' },
  { id: 'maya-r', given: 'Maya', family: 'Rossi', gender: 'female', birthDate: '2015-01-27', pcp: 'jordan' },
  { id: 'noah-t', given: 'Noah', family: 'Turner', gender: 'male', birthDate: '2017-06-30', pcp: 'priya' },
  { id: 'ethan-w', given: 'Ethan', family: 'Walsh', gender: 'male', birthDate: '1958-11-08', pcp: 'jordan' },
  { id: 'ava-p', given: 'Ava', family: 'Patel', gender: 'female', birthDate: '2019-02-14', pcp: 'priya' },
  { id: 'oliver-g', given: 'Oliver', family: 'Grant', gender: 'male', birthDate: '1991-07-21', pcp: 'jordan' },
  { id: 'jose-h', given: 'José', family: 'Hernández', gender: 'male', birthDate: '2014-03-05', pcp: 'priya' },
  // A second "Sara M.": the patient picker tells the two apart by birth date and record number.
  { id: 'sara-me', given: 'Sara', family: 'Mendes', gender: 'female', birthDate: '2012-10-02', pcp: 'jordan' },
];

const DAY = 86_400_000;
const TUESDAY = 2;

// Midnight UTC of the anchor day; `YYYY-MM-DD` or today.
function anchorDay(dateStr) {
  if (dateStr) {
    const day = new Date(`${dateStr}T00:00:00Z`);
    // The round trip also rejects dates that Date would roll over (2025-02-30).
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== dateStr) {
      throw new Error(`seed date must be a real YYYY-MM-DD day, got "${dateStr}"`);
    }
    return day;
  }
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

const addDays = (day, n) => new Date(day.getTime() + n * DAY);
const isWeekday = (day) => day.getUTCDay() !== 0 && day.getUTCDay() !== 6;
const at = (day, hour) => new Date(day.getTime() + hour * 3_600_000).toISOString().replace('.000Z', 'Z');
const compact = (day) => day.toISOString().slice(0, 10).replaceAll('-', '');
const slotId = (who, day, hour) => `${who}-${compact(day)}-${String(hour).padStart(2, '0')}00`;
const fullName = (p) => `${p.given} ${p.family}`;

// The n-th weekday strictly after `day` (n = 1 is the next one).
function nthWeekdayAfter(day, n) {
  let d = day;
  while (n > 0) {
    d = addDays(d, 1);
    if (isWeekday(d)) n--;
  }
  return d;
}

// The first Tuesday strictly after `day` (a week on if `day` is a Tuesday).
function nextTuesday(day) {
  return addDays(day, ((TUESDAY - day.getUTCDay() + 6) % 7) + 1);
}

// Booked visits: [appointment id, patient, clinician, day, hour UTC].
// Jordan's and Priya's hours never collide; all fall inside the slot window.
function bookings(today) {
  const wd = (n) => nthWeekdayAfter(today, n);
  return [
    ['maya-r-1', 'maya-r', 'jordan', nextTuesday(today), 14], // the "client canceled, confirm reschedule" thread
    ['sara-m-1', 'sara-m', 'priya', wd(1), 15],
    ['sara-m-2', 'sara-m', 'priya', wd(3), 15],
    ['liam-k-1', 'liam-k', 'jordan', wd(2), 16],
    ['ava-p-1', 'ava-p', 'priya', wd(2), 18],
    ['noah-t-1', 'noah-t', 'priya', wd(4), 13],
    ['ethan-w-1', 'ethan-w', 'jordan', wd(3), 19],
    ['oliver-g-1', 'oliver-g', 'jordan', wd(5), 17],
    ['jose-h-1', 'jose-h', 'priya', wd(6), 20],
  ];
}

function organization() {
  return { resourceType: 'Organization', id: 'riverside', active: true, name: 'Riverside Therapy' };
}

function practitioner(s) {
  return {
    resourceType: 'Practitioner',
    id: s.id,
    active: true,
    identifier: [{ system: MATRIX, value: `@${s.id}:localhost` }],
    name: [{ use: 'official', given: [s.given], family: s.family, text: fullName(s) }],
    telecom: [{ system: 'email', value: `${s.id}@riverside.example`, use: 'work' }],
  };
}

function practitionerRole(s) {
  return {
    resourceType: 'PractitionerRole',
    id: s.id,
    active: true,
    practitioner: { reference: `Practitioner/${s.id}`, display: fullName(s) },
    organization: ORG,
    code: [{ coding: [{ system: ROLE, code: s.role, display: s.title }], text: s.title }],
  };
}

function patient(p, i) {
  return {
    resourceType: 'Patient',
    id: p.id,
    active: true,
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'MR' }], text: 'Medical record number' }, system: MRN, value: `RT-${1001 + i}` }],
    name: [
      { use: 'official', given: [p.given], family: p.family, text: fullName(p) },
      // The short label the care team uses in thread titles.
      { use: 'usual', text: `${p.given} ${p.family[0]}.` },
    ],
    gender: p.gender,
    birthDate: p.birthDate,
    generalPractitioner: [{ reference: `Practitioner/${p.pcp}` }],
    managingOrganization: ORG,
  };
}

function schedule(who, service, today) {
  const s = STAFF.find((x) => x.id === who);
  return {
    resourceType: 'Schedule',
    id: who,
    active: true,
    serviceType: [{ text: service }],
    actor: [
      { reference: `Practitioner/${who}`, display: fullName(s) },
      { reference: `PractitionerRole/${who}` },
    ],
    planningHorizon: { start: at(today, 0), end: at(addDays(today, SLOT_DAYS), 0) },
  };
}

// `state`: 'free', 'busy' (booked) or 'closed' (the clinic is shut: the EHR blocks the time).
function slot(who, day, hour, state) {
  return {
    resourceType: 'Slot',
    id: slotId(who, day, hour),
    schedule: { reference: `Schedule/${who}` },
    serviceType: [{ text: CLINICIANS[who] }],
    status: state === 'closed' ? 'busy-unavailable' : state,
    ...(state === 'closed' ? { comment: CLOSED_BECAUSE } : {}),
    start: at(day, hour),
    end: at(day, hour + 1),
  };
}

// The day the clinic is closed (all staff at training): the weekday after the last booking.
export const closedDay = (today) => nthWeekdayAfter(today, 7);
const CLOSED_BECAUSE = 'Clinic closed — staff training';

function appointment([id, pid, who, day, hour]) {
  const p = PATIENTS.find((x) => x.id === pid);
  const s = STAFF.find((x) => x.id === who);
  return {
    resourceType: 'Appointment',
    id,
    status: 'booked',
    serviceType: [{ text: CLINICIANS[who] }],
    description: `${CLINICIANS[who]} session`,
    start: at(day, hour),
    end: at(day, hour + 1),
    minutesDuration: 60,
    slot: [{ reference: `Slot/${slotId(who, day, hour)}` }],
    participant: [
      { actor: { reference: `Patient/${pid}`, display: fullName(p) }, required: 'required', status: 'accepted' },
      { actor: { reference: `Practitioner/${who}`, display: fullName(s) }, required: 'required', status: 'accepted' },
    ],
  };
}

// Work the EHR shows, for rounds-watch to open threads about (docs/WATCH.md): Liam missed
// yesterday's visit, Noah's family cancelled the one the day after tomorrow, and Ava's
// pediatrician referred her for an evaluation. The demo's
// (scripts/fhir.sh demo), so a newcomer sees each kind at once; the tests make their own.
function workExamples(today) {
  let yesterday = addDays(today, -1);
  while (!isWeekday(yesterday)) yesterday = addDays(yesterday, -1);
  const missed = appointment(['liam-k-0', 'liam-k', 'jordan', yesterday, 16]);
  // Before the slot window: the visit took no slot the schedule still shows.
  delete missed.slot;
  const cancelled = appointment(['noah-t-2', 'noah-t', 'priya', nthWeekdayAfter(today, 2), 14]);
  return [
    { ...missed, status: 'noshow' },
    {
      ...cancelled,
      status: 'cancelled',
      cancelationReason: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason', code: 'pat-crs', display: 'Patient: Canceled via automated reminder system' }],
        text: 'Family cancelled',
      },
    },
    {
      resourceType: 'ServiceRequest',
      id: 'ava-p-referral',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/ava-p', display: 'Ava Patel' },
      code: { text: 'Occupational therapy evaluation (fine motor)' },
      requester: { display: 'Dr. Nguyen, pediatrics' },
      authoredOn: today.toISOString().slice(0, 10),
    },
  ];
}

// All resources for the clinic, in dependency order; `work`: with the work examples above.
export function buildSeedResources(dateStr, { work = false } = {}) {
  const today = anchorDay(dateStr);
  const booked = bookings(today);
  const busy = new Set(booked.map(([, , who, day, hour]) => slotId(who, day, hour)));
  const closed = closedDay(today).getTime();
  const slots = [];
  for (const who of Object.keys(CLINICIANS)) {
    for (let i = 0; i < SLOT_DAYS; i++) {
      const day = addDays(today, i);
      if (!isWeekday(day)) continue;
      for (const hour of CLINIC_HOURS) {
        const state = day.getTime() === closed ? 'closed' : busy.has(slotId(who, day, hour)) ? 'busy' : 'free';
        slots.push(slot(who, day, hour, state));
      }
    }
  }
  const missing = [...busy].filter((id) => !slots.some((s) => s.id === id));
  if (missing.length) throw new Error(`booked appointments outside the slot window: ${missing.join(', ')}`);
  return [
    organization(),
    ...STAFF.map(practitioner),
    ...STAFF.map(practitionerRole),
    ...PATIENTS.map(patient),
    ...Object.entries(CLINICIANS).map(([who, service]) => schedule(who, service, today)),
    ...slots,
    ...booked.map(appointment),
    ...(work ? workExamples(today) : []),
  ];
}

// PUT each resource at its id, so ids stay stable across restarts and resets.
export function buildSeedBundle(dateStr, options) {
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: buildSeedResources(dateStr, options).map((resource) => ({
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(buildSeedBundle(process.argv[2]), null, 2) + '\n');
}
