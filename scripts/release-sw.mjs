// Trunk post-build hook (Trunk.toml): stamps the service worker with this build's release id
// and the list of files it may keep, so that every release is a new worker (browsers notice it
// and the app offers "Update available — Reload") and no other response is ever cached.
//
// The release id is a hash of every file of the build except config.json (the clinic's, not
// the release's) and sw.js itself: the same sources give the same id, any change a new one.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('release-sw: TRUNK_STAGING_DIR is not set (run through trunk build)');
  process.exit(1);
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const all = files(staging)
  .map((path) => '/' + relative(staging, path).split(sep).join('/'))
  .filter((url) => url !== '/sw.js' && !url.startsWith('/.'))
  .sort();

const hash = createHash('sha256');
for (const url of all.filter((u) => u !== '/config.json')) {
  hash.update(url).update('\0').update(readFileSync(join(staging, url))).update('\0');
}
const release = hash.digest('hex').slice(0, 16);
// The index page is cached under "/", the path every navigation falls back to offline.
const precache = all.map((url) => (url === '/index.html' ? '/' : url));

const swPath = join(staging, 'sw.js');
const source = readFileSync(swPath, 'utf8');
const stamped = source
  .replace(/^const RELEASE = .*;$/m, `const RELEASE = '${release}';`)
  .replace(/^const PRECACHE = .*;$/m, `const PRECACHE = ${JSON.stringify(precache)};`);
if (stamped === source || !stamped.includes(release)) {
  console.error('release-sw: sw.js has no RELEASE/PRECACHE lines to stamp');
  process.exit(1);
}
writeFileSync(swPath, stamped);
console.log(`release-sw: release ${release}, ${precache.length} files`);
