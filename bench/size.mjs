// Sizes of the built app: every file in the dist folder raw, `gzip -9` and `brotli -q 11`
// (the command-line tools, as a static host would precompress), split into the shell
// (wasm, js, css, index.html) and everything else.
//
//   node bench/size.mjs DIST_DIR > size.json
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

const dist = process.argv[2];
if (!dist) {
  console.error('usage: node bench/size.mjs DIST_DIR');
  process.exit(2);
}
const compressed = (tool, args, file) => execFileSync(tool, [...args, '-c', file], { maxBuffer: 64 << 20 }).length;

function list(dir, prefix = '') {
  return readdirSync(join(dir, prefix)).flatMap((name) => {
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, rel)).isDirectory() ? list(dir, rel) : [rel];
  });
}

// The shell is what the first render needs: the wasm, its JS glue and loader, the CSS and
// index.html. The service worker (fetched after start), config, manifest and icons are "other".
const files = list(dist)
  .sort()
  .map((name) => {
    const file = join(dist, name);
    const ext = extname(name);
    const shell = name === 'index.html' || (!name.includes('/') && ['.wasm', '.js', '.css'].includes(ext) && name !== 'sw.js');
    return {
      name,
      kind: shell ? (ext === '.html' ? 'html' : ext.slice(1)) : 'other',
      shell,
      raw: readFileSync(file).length,
      gzip: compressed('gzip', ['-9', '-n'], file),
      brotli: compressed('brotli', ['-q', '11'], file),
    };
  });
const sum = (list, k) => list.reduce((a, f) => a + f[k], 0);
const shell = files.filter((f) => f.shell);
// What the sign-in form needs before it works: the page, its CSS and the early sign-in script
// when index.html carries the form (public/signin.js); otherwise the whole shell.
const earlyForm = readFileSync(join(dist, 'index.html'), 'utf8').includes('id="early-signin"');
const early = earlyForm ? files.filter((f) => f.name === 'index.html' || f.name === 'signin.js' || f.kind === 'css') : shell;
console.log(
  JSON.stringify(
    {
      dist,
      files,
      shell: { raw: sum(shell, 'raw'), gzip: sum(shell, 'gzip'), brotli: sum(shell, 'brotli') },
      before_form: { files: early.map((f) => f.name), raw: sum(early, 'raw'), brotli: sum(early, 'brotli') },
    },
    null,
    2,
  ),
);
