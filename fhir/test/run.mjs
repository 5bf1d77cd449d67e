// The FHIR server's test suite: starts its own identity provider and FHIR servers (servers.mjs),
// runs every test/*.test.mjs against them with Node's test runner, and stops them however the
// run ends.
//
//   node test/run.mjs                      (npm test; scripts/test.sh runs this)
//   node test/run.mjs test/search.test.mjs (only some files)
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { startServers } from './servers.mjs';

const here = new URL('.', import.meta.url).pathname;
const files = process.argv.slice(2);
if (!files.length) files.push(...readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => here + f));

let runner;
let stop = async () => {}; // servers still starting are killed by servers.mjs's exit hook
// Interrupted (Ctrl-C, a kill of this process alone): stop the tests and the servers too.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    runner?.kill(signal);
    await stop();
    process.exit(130);
  });
}

let env;
try {
  ({ env, stop } = await startServers());
} catch (error) {
  console.error(`fhir tests: could not start the servers: ${error.message}`);
  process.exit(1);
}
let code = 1;
try {
  // One file at a time: they share the servers, and some reset the EHR.
  runner = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  code = await new Promise((resolve) => runner.once('exit', (status) => resolve(status ?? 1)));
} finally {
  await stop();
}
process.exit(code);
