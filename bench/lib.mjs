// Shared helpers for the benchmark scripts: a minimal Matrix client (plain fetch, like any other
// client would use), shared-secret registration, statistics and small file utilities.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const LOCAL = `${ROOT}/.local`;
export const BENCH_LOCAL = `${LOCAL}/bench`;
export const HOMESERVER = process.env.ROUNDS_BENCH_HOMESERVER ?? 'http://127.0.0.1:18028';
export const SECRET_FILE = process.env.ROUNDS_BENCH_SECRET_FILE ?? `${LOCAL}/synapse/bench/shared_secret`;
export const DEMO_PASSWORD = 'rounds-demo';
export const CLINIC = 'rounds';

/** Headless Chromium as the benchmarks launch it. */
export const LAUNCH = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    // performance.memory without the coarse bucketing Chrome applies by default.
    '--enable-precise-memory-info',
  ],
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function log(msg) {
  process.stderr.write(`  - ${msg}\n`);
}

/** A Matrix session for one device. */
export class Api {
  constructor(token, userId, deviceId) {
    this.token = token;
    this.userId = userId;
    this.deviceId = deviceId;
    this.txn = 0;
  }

  static async login(user, password = DEMO_PASSWORD) {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${HOMESERVER}/_matrix/client/v3/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user }, password }),
      });
      if (res.status === 429 && attempt < 10) {
        const body = await res.json().catch(() => ({}));
        await sleep(body.retry_after_ms ?? 1000);
        continue;
      }
      if (!res.ok) throw new Error(`login ${user}: ${res.status} ${await res.text()}`);
      const body = await res.json();
      return new Api(body.access_token, body.user_id, body.device_id);
    }
  }

  /** Registers an account with Synapse's shared secret (what rounds-admin does). */
  static async register(user, displayName, password = DEMO_PASSWORD) {
    const secret = readFileSync(SECRET_FILE, 'utf8').trim();
    const { nonce } = await (await fetch(`${HOMESERVER}/_synapse/admin/v1/register`)).json();
    const mac = createHmac('sha1', secret).update(`${nonce}\0${user}\0${password}\0notadmin`).digest('hex');
    const res = await fetch(`${HOMESERVER}/_synapse/admin/v1/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ nonce, username: user, displayname: displayName, password, admin: false, mac }),
    });
    if (!res.ok) throw new Error(`register ${user}: ${res.status} ${await res.text()}`);
    const body = await res.json();
    return new Api(body.access_token, body.user_id, body.device_id);
  }

  async call(method, path, body, { signal } = {}) {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${HOMESERVER}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      const text = await res.text();
      const json = text ? JSON.parse(text) : {};
      if (res.status === 429 && attempt < 20) {
        await sleep(json.retry_after_ms ?? 500);
        continue;
      }
      return { status: res.status, json };
    }
  }

  async ok(method, path, body) {
    const r = await this.call(method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }

  server() {
    return this.userId.split(':')[1];
  }

  async roomId(alias) {
    const r = await this.call('GET', `/_matrix/client/v3/directory/room/${encodeURIComponent(`#${alias}:${this.server()}`)}`);
    return r.status === 200 ? r.json.room_id : null;
  }

  sendPath(roomId, type = 'm.room.message') {
    return `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/${type}/bench-${randomUUID()}`;
  }

  async send(roomId, content, type = 'm.room.message') {
    return (await this.ok('PUT', this.sendPath(roomId, type), content)).event_id;
  }

  async logout() {
    await this.call('POST', '/_matrix/client/v3/logout', {}).catch(() => {});
  }
}

/** The content of a Rounds thread root (docs/PROTOCOL.md). */
export function rootContent(topic, patient, message, priority = 'routine') {
  const title = patient ? `${patient} – ${topic}` : topic;
  return {
    msgtype: 'm.text',
    body: `${title}\n\n${message}`,
    'app.rounds.thread': { topic, patient: patient ? { display: patient } : null, priority },
  };
}

/** The content of a plain-text reply in the thread of `root`. */
export function replyContent(root, latest, body) {
  return {
    msgtype: 'm.text',
    body,
    'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: latest } },
  };
}

// ---- statistics

export function quantile(values, q) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return {
    n: v.length,
    median: quantile(v, 0.5),
    p95: quantile(v, 0.95),
    min: v.length ? Math.min(...v) : null,
    max: v.length ? Math.max(...v) : null,
  };
}

// ---- files

export function readJson(file, fallback = null) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return fallback;
  }
}

export function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
export async function pool(items, concurrency, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(workers);
}
