// Seeds the benchmark data into the demo clinic ("Riverside Therapy", alias prefix `rounds`) on
// the homeserver, and remembers what it seeded in .local/bench/seed.json so later runs skip it.
//
//   node bench/seed.mjs check   exit 0 when the cache matches the homeserver, 1 when not
//   node bench/seed.mjs seed    seed what is missing (the demo clinic must exist: seed-demo first)
//
// Two accounts, two sizes:
//   dana (front desk: scheduling, authorization, referral, staffing) sees the 7 demo threads of
//     her categories plus SMALL_COUNT bench threads: the "200-thread account" of the start-up test.
//   morgan (admin: all 7 categories) sees TOTAL_FOR_ADMIN threads: the demo ones, the small set
//     and the bulk set, which goes into the categories dana cannot see (clinical, billing,
//     documentation) so that her account stays at ~200.
// Roots are posted by morgan through the ordinary client API, a few requests at a time; every
// bulk thread gets one reply (from priya or sam), because the server's thread list, through which
// the app pages older threads, only lists roots that have a reply. About 65 events/s on 2 cores:
// the first seed of an empty homeserver takes ~5 minutes.
import { statSync } from 'node:fs';
import { Api, BENCH_LOCAL, CLINIC, HOMESERVER, LOCAL, log, pool, readJson, replyContent, rootContent, writeJson } from './lib.mjs';

const CACHE = `${BENCH_LOCAL}/seed.json`;
const DB = process.env.ROUNDS_BENCH_DB ?? `${LOCAL}/synapse/bench/homeserver.db`;
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

const BENCH_TOPIC = / \(b(\d{5})\)$/;

/**
 * What a category room holds: its thread roots (top-level messages, which the app shows as
 * threads), which of them have a reply, and the bench numbers already used. Read through
 * /messages, because the server's thread list (/threads) only knows roots that have a reply.
 */
async function inventory(api, roomId) {
  const roots = new Map(); // event id -> bench number or null
  const replied = new Set();
  const filter = encodeURIComponent(JSON.stringify({ types: ['m.room.message'], lazy_load_members: true }));
  let from = null;
  for (;;) {
    const q = `dir=b&limit=1000&filter=${filter}${from ? `&from=${encodeURIComponent(from)}` : ''}`;
    const page = await api.ok('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${q}`);
    for (const e of page.chunk) {
      const rel = e.content?.['m.relates_to'];
      if (rel?.rel_type === 'm.thread') replied.add(rel.event_id);
      else if (!rel && e.content?.body !== undefined) {
        const m = BENCH_TOPIC.exec(e.content?.['app.rounds.thread']?.topic ?? '');
        roots.set(e.event_id, m ? Number(m[1]) : null);
      }
    }
    if (!page.end || page.chunk.length === 0) break;
    from = page.end;
  }
  return { roots, replied };
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
  const sessions = { morgan: await Api.login('morgan'), priya: await Api.login('priya'), sam: await Api.login('sam') };
  const morgan = sessions.morgan;
  // Replies come from someone else, so morgan's inbox has unread threads like a real one.
  const replier = { clinical: 'priya', documentation: 'priya', billing: 'sam', scheduling: 'priya', authorization: 'sam', referral: 'priya', staffing: 'priya' };
  try {
    const rooms = await categoryRooms(morgan);
    const missing = Object.entries(rooms).filter(([, r]) => !r);
    if (missing.length) throw new Error(`category rooms missing (${missing.map(([k]) => k)}): run seed-demo first`);
    const db = dbIdentity();
    const cache = { version: VERSION, homeserver: HOMESERVER, db, rooms, markers: [], complete: false };

    const inv = {};
    for (const id of ALL_ROOMS) inv[id] = await inventory(morgan, rooms[id]);
    const benchNumbers = (ids) => ids.flatMap((id) => [...inv[id].roots.values()].filter((n) => n !== null));
    const total = () => ALL_ROOMS.reduce((a, id) => a + inv[id].roots.size, 0);
    log(`roots before seeding: ${ALL_ROOMS.map((id) => `${id} ${inv[id].roots.size}`).join(', ')} (total ${total()})`);

    let sent = 0;
    const progress = setInterval(() => log(`seeding: ${sent} events in ${((Date.now() - started) / 1000).toFixed(0)} s`), 15_000);
    try {
      const post = async (id, content) => {
        const root = await morgan.send(rooms[id], content);
        inv[id].roots.set(root, -1);
        sent++;
        return root;
      };
      const reply = async (id, root) => {
        await sessions[replier[id]].send(rooms[id], replyContent(root, root, 'Noted — I will follow up on this today.'));
        inv[id].replied.add(root);
        sent++;
      };
      // Small set: dana's categories (bench numbers 0..SMALL_COUNT-1); a quarter get a reply.
      const used = new Set(benchNumbers(SMALL_ROOMS));
      const small = [];
      for (let n = 0; n < SMALL_COUNT; n++) if (!used.has(n)) small.push(n);
      if (small.length) log(`posting ${small.length} threads into ${SMALL_ROOMS.join(', ')}`);
      await pool(small, CONCURRENCY, async (n) => {
        const id = SMALL_ROOMS[n % SMALL_ROOMS.length];
        const t = thread(n, id);
        const root = await post(id, t.content);
        if (t.reply) await reply(id, root);
      });
      // Bulk set: morgan sees TOTAL_FOR_ADMIN roots, each with a reply (so the server's thread
      // list, which the app pages older threads through, includes it).
      const bulkUsed = benchNumbers(BULK_ROOMS);
      let next = Math.max(SMALL_COUNT - 1, ...bulkUsed) + 1;
      const bulk = [];
      for (let k = total(); k < TOTAL_FOR_ADMIN; k++) bulk.push(next++);
      if (bulk.length) log(`posting ${bulk.length} threads with a reply each into ${BULK_ROOMS.join(', ')} (~${Math.ceil((bulk.length * 2) / 65)} s)`);
      await pool(bulk, CONCURRENCY, async (n) => {
        const id = BULK_ROOMS[n % BULK_ROOMS.length];
        await reply(id, await post(id, thread(n, id).content));
      });
      // Bench roots in the bulk rooms left without a reply (an interrupted run) get one now.
      const lonely = BULK_ROOMS.flatMap((id) =>
        [...inv[id].roots].filter(([e, n]) => n !== null && !inv[id].replied.has(e)).map(([e]) => [id, e]),
      );
      if (lonely.length) log(`replying in ${lonely.length} bench threads without a reply`);
      await pool(lonely, CONCURRENCY, async ([id, e]) => reply(id, e));
    } finally {
      clearInterval(progress);
    }

    // Markers: the newest root of each category, to notice a reset database next time.
    for (const id of ALL_ROOMS) {
      const ids = [...inv[id].roots.keys()];
      if (ids.length) cache.markers.push([rooms[id], ids[ids.length - 1]]);
    }
    cache.threads = Object.fromEntries(ALL_ROOMS.map((id) => [id, inv[id].roots.size]));
    cache.threads_admin = total();
    cache.threads_dana = SMALL_ROOMS.reduce((a, id) => a + inv[id].roots.size, 0);
    cache.threads_with_replies_admin = ALL_ROOMS.reduce((a, id) => a + [...inv[id].roots.keys()].filter((e) => inv[id].replied.has(e)).length, 0);
    cache.complete = true;
    cache.seeded_at = new Date().toISOString();
    cache.seed_seconds = Math.round((Date.now() - started) / 1000);
    cache.seed_events = sent;
    writeJson(CACHE, cache);
    log(`seeded ${sent} events in ${cache.seed_seconds} s; morgan sees ${cache.threads_admin} threads, dana ${cache.threads_dana}`);
  } finally {
    for (const s of Object.values(sessions)) await s.logout();
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
