// Seeds the benchmark data into the demo clinic ("Riverside Therapy", alias prefix `rounds`) on
// the homeserver, and remembers what it seeded in .local/bench/seed.json so later runs skip it.
//
//   node bench/seed.mjs check   exit 0 when the cache matches the homeserver, 1 when not
//   node bench/seed.mjs seed    seed what is missing (the demo clinic must exist: seed-demo first)
//
// Two accounts, two sizes:
//   dana (front desk: scheduling, authorization, referral, staffing) sees the ~12 demo threads of
//     her categories plus SMALL_COUNT bench threads: the "200-thread account" of the start-up test.
//   morgan (admin: all 7 categories) sees exactly TOTAL_FOR_ADMIN threads: the demo ones, the
//     small set, and the bulk set, which goes into the categories dana cannot see (clinical,
//     billing, documentation) so her account stays at ~200.
// Everything is posted by morgan through the ordinary client API, a few requests at a time.
import { statSync } from 'node:fs';
import { Api, BENCH_LOCAL, CLINIC, HOMESERVER, LOCAL, log, pool, readJson, replyContent, rootContent, writeJson } from './lib.mjs';

const CACHE = `${BENCH_LOCAL}/seed.json`;
const DB = process.env.ROUNDS_BENCH_DB ?? `${LOCAL}/synapse/test/homeserver.db`;
const SMALL_COUNT = 200;
const TOTAL_FOR_ADMIN = 10_000;
const SMALL_ROOMS = ['scheduling', 'authorization', 'referral', 'staffing'];
const BULK_ROOMS = ['clinical', 'billing', 'documentation'];
const ALL_ROOMS = ['clinical', 'scheduling', 'authorization', 'billing', 'referral', 'documentation', 'staffing'];
const CONCURRENCY = 4;
const VERSION = 1; // bump when the seeded shape changes

const PATIENTS = [
  'Sara M.', 'Liam K.', 'Maya R.', 'Noah T.', 'Ethan W.', 'Ava P.', 'Oliver G.', 'Emma L.', 'Lucas B.',
  'Mia C.', 'José H.', 'Zoë F.', 'Amara N.', 'Kai D.', 'Hana S.', 'Mateo V.', 'Isla J.', 'Theo Q.',
  'Nora E.', 'Ravi P.', 'Chloé A.', 'Finn O.', 'Leah Z.', 'Omar Y.', 'Ivy U.', 'Sami I.', 'Elif K.',
  'Jonas W.', 'Priyanka R.', 'Wren T.',
];
const TOPICS = [
  'Authorization renewal pending', 'Client canceled — please confirm reschedule', 'Progress note missing',
  'Evaluation findings to review', 'Home program update', 'Insurance card expired', 'Copay question from family',
  'Referral needs follow-up', 'Move to a morning slot?', 'Goals review before re-evaluation',
  'Denied claim — corrected codes needed', 'Plan of care signature', 'Equipment order status',
  'School meeting request', 'Transportation problem for next visit', 'Waitlist update',
  'Discharge summary draft', 'Parent asked about frequency', 'Coverage needed for Friday', 'Intake paperwork incomplete',
];
const MESSAGES = [
  'Can someone take a look today? Details are in the chart.',
  'The family called this morning and asked for an update by Thursday.',
  'Payer asked for the latest progress note before they approve more visits.',
  'I left a voicemail; we should hear back tomorrow.',
  'Flagging this so it does not slip — no action needed before Monday.',
];

function thread(n, room) {
  const patient = n % 7 === 3 ? null : PATIENTS[(n * 7) % PATIENTS.length];
  const topic = `${TOPICS[(n * 3) % TOPICS.length]} (b${String(n).padStart(5, '0')})`;
  const priority = n % 10 === 0 ? 'urgent' : 'routine';
  return { room, content: rootContent(topic, patient, MESSAGES[n % MESSAGES.length], priority), reply: n % 4 === 1 };
}

function dbIdentity() {
  try {
    const s = statSync(DB);
    return { ino: s.ino, birth: Math.round(s.birthtimeMs) };
  } catch {
    return null;
  }
}

async function categoryRooms(api) {
  const rooms = {};
  for (const id of ALL_ROOMS) rooms[id] = await api.roomId(`${CLINIC}.${id}`);
  return rooms;
}

/** Threads (roots) a category room holds, counted through the server's thread list. */
async function countThreads(api, roomId) {
  let from = null;
  let n = 0;
  for (;;) {
    const q = new URLSearchParams({ include: 'all', limit: '500' });
    if (from) q.set('from', from);
    const page = await api.ok('GET', `/_matrix/client/v1/rooms/${encodeURIComponent(roomId)}/threads?${q}`);
    n += page.chunk.length;
    if (!page.next_batch) return n;
    from = page.next_batch;
  }
}

/** Whether the cache describes what this homeserver holds (a reset database invalidates it). */
async function check() {
  const cache = readJson(CACHE);
  if (!cache || cache.version !== VERSION || cache.homeserver !== HOMESERVER || !cache.complete) return 'no complete seed recorded';
  const db = dbIdentity();
  if (cache.db && db && (cache.db.ino !== db.ino || cache.db.birth !== db.birth)) return 'homeserver database was recreated';
  let api;
  try {
    api = await Api.login('morgan');
  } catch (e) {
    return `cannot sign in as morgan (${e.message.slice(0, 80)})`;
  }
  try {
    for (const [room, event] of cache.markers) {
      const r = await api.call('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/event/${encodeURIComponent(event)}`);
      if (r.status !== 200) return `seeded event ${event} is gone (${r.status})`;
    }
  } finally {
    await api.logout();
  }
  return null;
}

async function seed() {
  const started = Date.now();
  const morgan = await Api.login('morgan');
  const rooms = await categoryRooms(morgan);
  const missing = Object.entries(rooms).filter(([, r]) => !r);
  if (missing.length) throw new Error(`category rooms missing (${missing.map(([k]) => k)}): run seed-demo first`);

  let cache = readJson(CACHE);
  const db = dbIdentity();
  const sameDb = cache && cache.version === VERSION && cache.homeserver === HOMESERVER && cache.rooms?.clinical === rooms.clinical;
  if (!sameDb) cache = { version: VERSION, homeserver: HOMESERVER, db, rooms, posted: { small: 0, bulk: 0 }, markers: [], complete: false };
  cache.db = db;

  // How many threads morgan sees before the bulk set (demo threads + the small set).
  const counts = {};
  for (const id of ALL_ROOMS) counts[id] = await countThreads(morgan, rooms[id]);
  const seen = Object.values(counts).reduce((a, b) => a + b, 0);
  log(`threads per category before seeding: ${JSON.stringify(counts)} (total ${seen})`);

  let sent = 0;
  const progress = setInterval(() => {
    log(`seeding: ${sent} events in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    writeJson(CACHE, cache);
  }, 15_000);
  try {
    // Small set: dana's categories.
    const smallTodo = SMALL_COUNT - cache.posted.small;
    if (smallTodo > 0) {
      log(`posting ${smallTodo} threads into ${SMALL_ROOMS.join(', ')}`);
      const items = Array.from({ length: smallTodo }, (_, i) => cache.posted.small + i)
        .map((n) => thread(n, rooms[SMALL_ROOMS[n % SMALL_ROOMS.length]]));
      await pool(items, CONCURRENCY, async (t) => {
        const root = await morgan.send(t.room, t.content);
        sent++;
        if (t.reply) {
          await morgan.send(t.room, replyContent(root, root, 'Noted — I will follow up.'));
          sent++;
        }
        cache.posted.small++;
        if (cache.markers.length === 0) cache.markers.push([t.room, root]);
      });
    }
    // Bulk set: up to TOTAL_FOR_ADMIN threads in morgan's view, in the rooms dana cannot see.
    const after = { ...counts };
    for (const id of ALL_ROOMS) after[id] = await countThreads(morgan, rooms[id]);
    const total = Object.values(after).reduce((a, b) => a + b, 0);
    const bulkTodo = Math.max(0, TOTAL_FOR_ADMIN - total);
    if (bulkTodo > 0) {
      log(`posting ${bulkTodo} threads into ${BULK_ROOMS.join(', ')} (about ${Math.ceil(bulkTodo / 60)} s at 60/s)`);
      const base = SMALL_COUNT + cache.posted.bulk;
      const items = Array.from({ length: bulkTodo }, (_, i) => base + i).map((n) => {
        const t = thread(n, rooms[BULK_ROOMS[n % BULK_ROOMS.length]]);
        t.reply = false; // roots only: replies would double the seeding time
        return t;
      });
      let last = null;
      await pool(items, CONCURRENCY, async (t) => {
        last = [t.room, await morgan.send(t.room, t.content)];
        sent++;
        cache.posted.bulk++;
      });
      if (last) cache.markers.push(last);
    }
    const final = {};
    for (const id of ALL_ROOMS) final[id] = await countThreads(morgan, rooms[id]);
    cache.threads = final;
    cache.threads_admin = Object.values(final).reduce((a, b) => a + b, 0);
    cache.threads_dana = SMALL_ROOMS.reduce((a, id) => a + final[id], 0);
    cache.complete = true;
    cache.seeded_at = new Date().toISOString();
    cache.seed_seconds = Math.round((Date.now() - started) / 1000);
    log(`seeded ${sent} events in ${cache.seed_seconds} s; morgan sees ${cache.threads_admin} threads, dana ${cache.threads_dana}`);
  } finally {
    clearInterval(progress);
    writeJson(CACHE, cache);
    await morgan.logout();
  }
}

const cmd = process.argv[2];
if (cmd === 'check') {
  const problem = await check();
  if (problem) {
    log(`seed cache not usable: ${problem}`);
    process.exit(1);
  }
  const c = readJson(CACHE);
  log(`seed cache valid: morgan sees ${c.threads_admin} threads, dana ${c.threads_dana} (seeded ${c.seeded_at})`);
} else if (cmd === 'seed') {
  await seed();
} else {
  console.error('usage: node bench/seed.mjs check|seed');
  process.exit(2);
}
