// Starts the suite's own identity provider and FHIR servers as child processes, on ports no
// other run on this machine uses (scripts/idp.sh and scripts/fhir.sh use 8110/8103 for the demo
// and 18110/18103 for scripts/test.sh), and stops them. FHIR_TEST_PORT_BASE=38100 moves them all
// (idp +10, servers +3 and +4, app origin +80, Synapse's callback +8), so two runs can share a
// machine.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const HOST = 'http://127.0.0.1';
const PORT_BASE = Number(process.env.FHIR_TEST_PORT_BASE || 28100);
const PORTS = { idp: PORT_BASE + 10, fhir: PORT_BASE + 3, other: PORT_BASE + 4, own: PORT_BASE + 5 };
// Where the browser app would be served: its SMART redirect URI, and the one allowed origin of
// the second FHIR server. Nothing listens there; the suite reads the redirects itself.
const APP_ORIGIN = `${HOST}:${PORT_BASE + 80}`;
// Where the provider sends Synapse's sign-ins back to; nothing listens there either.
const SYNAPSE_URL = `${HOST}:${PORT_BASE + 8}`;
const fhirBase = (port) => `${HOST}:${port}/fhir/R4`;

/**
 * Starts `node args` in `dir` and resolves once it prints `ready`. Waiting for its
 * own words, not for the port to answer, so a foreign server on a taken port is never mistaken
 * for ours (ours then exits with EADDRINUSE and this rejects).
 */
function start(name, dir, args, env, ready) {
  // Only what we set: a FHIR_SEED_DATE or FHIR_ALLOW_ORIGIN in the caller's shell must not leak in.
  const child = spawn(process.execPath, args, { cwd: join(ROOT, dir), env: { PATH: process.env.PATH, ...env }, stdio: 'pipe' });
  let log = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${log}`)), 30_000);
    const read = (chunk) => {
      log += chunk;
      if (!log.includes(ready)) return;
      clearTimeout(timer);
      // Once it runs, its request log is noise (drained) and its errors go with the suite's.
      child.stdout.off('data', read).resume();
      child.stderr.off('data', read).pipe(process.stderr);
      resolve();
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${log}`));
    });
  });
  return { child, exited, started };
}

/**
 * One more FHIR server (on the port kept for a test's own), trusting the suite's identity
 * provider, with `env` added: for tests that restart a server. Resolves to it and its base URL
 * once it listens; `stop` it.
 */
export async function ownFhirServer(env) {
  const base = fhirBase(PORTS.own);
  const server = start(`fhir:${PORTS.own}`, 'fhir', ['--experimental-websocket', 'server.mjs'], {
    PORT: String(PORTS.own), IDP_ISSUER: process.env.ROUNDS_FHIR_TEST_IDP, FHIR_AUDIENCE: base, ...env,
  }, 'listening on');
  await server.started;
  return { base, stop: () => stop(server) };
}

async function stop({ child, exited }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timeout = new Promise((resolve) => setTimeout(resolve, 5_000, 'timeout'));
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * The identity provider, the FHIR server under test (a test instance: the test client's and
 * rounds-watch's tokens accepted, reset enabled, any origin) and a second one configured like a deployment (its own
 * audience, one allowed origin, people's tokens only, no reset).
 * Resolves to the environment the test files read (ehr.mjs, tokens.mjs) and a `stop` function.
 */
export async function startServers() {
  const data = mkdtempSync(join(tmpdir(), 'rounds-fhir-test-'));
  const idpUrl = `${HOST}:${PORTS.idp}`;
  const servers = [];
  const stopAll = async () => {
    await Promise.all(servers.map(stop));
    rmSync(data, { recursive: true, force: true });
  };
  // An exit without stop() (a crash, an interrupted start) must not leave the servers behind.
  const killAll = () => {
    servers.forEach(({ child }) => child.kill('SIGKILL'));
    rmSync(data, { recursive: true, force: true });
  };
  process.once('exit', killAll);
  // rounds-watch's key pair, as scripts/watch.sh makes it: the provider gets the public half.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(data, 'watch-private.jwk'), JSON.stringify({ ...privateKey.export({ format: 'jwk' }), alg: 'ES256' }));
  writeFileSync(join(data, 'watch-public.jwk'), JSON.stringify({ ...publicKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig' }));
  try {
    const idp = start('idp', 'idp', ['server.mjs'], {
      IDP_MODE: 'test', PORT: String(PORTS.idp), DATA: data, FHIR_AUDIENCE: fhirBase(PORTS.fhir), APP_ORIGINS: APP_ORIGIN,
      SYNAPSE_URL, WATCH_PUBLIC_KEY: join(data, 'watch-public.jwk'),
    }, 'rounds-idp:');
    servers.push(idp);
    await idp.started;
    const fhir = (port, env) => start(`fhir:${port}`, 'fhir', ['--experimental-websocket', 'server.mjs'], {
      PORT: String(port), IDP_ISSUER: idpUrl, FHIR_AUDIENCE: fhirBase(port), ...env,
    }, 'listening on');
    servers.push(
      fhir(PORTS.fhir, { FHIR_ALLOW_RESET: '1', FHIR_TEST_CLIENTS: 'rounds-tests', FHIR_BACKEND_CLIENTS: 'rounds-watch' }),
      fhir(PORTS.other, { FHIR_ALLOW_ORIGIN: APP_ORIGIN }),
    );
    await Promise.all(servers.map((s) => s.started));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    env: {
      ROUNDS_FHIR_TEST_BASE: fhirBase(PORTS.fhir),
      ROUNDS_FHIR_TEST_OTHER: fhirBase(PORTS.other),
      ROUNDS_FHIR_TEST_IDP: idpUrl,
      ROUNDS_FHIR_TEST_IDP_DATA: data,
      ROUNDS_FHIR_TEST_APP_ORIGIN: APP_ORIGIN,
      ROUNDS_FHIR_TEST_SYNAPSE: SYNAPSE_URL,
    },
    stop: async () => {
      process.off('exit', killAll);
      await stopAll();
    },
  };
}
