// Serves a built app like a production static host, for the benchmarks: SPA fallback to
// index.html, /config.json replaced by $ROUNDS_CONFIG, hashed assets cached for a year
// (`immutable`), everything else `no-cache` with an ETag (304 on revalidation), and bodies
// compressed (brotli q11 or gzip -9, precomputed) when the browser accepts it.
//
//   ROUNDS_DIST=dir PORT=18090 ROUNDS_CONFIG=file node bench/serve.mjs
//
// Unlike end2end/serve.mjs (always `no-cache`, no validators: every load refetches everything),
// this lets the browser's HTTP cache do what it does in production, so "warm" means warm.
import { createServer } from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join, normalize } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const root = normalize(process.env.ROUNDS_DIST ?? new URL('../dist', import.meta.url).pathname);
const port = Number(process.env.PORT ?? 18090);
const configFile = process.env.ROUNDS_CONFIG;
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};
const HASHED = /-[0-9a-f]{8,}(_bg)?\.(wasm|js|css)$/;

function entry(body, ext, name) {
  const compressible = !['.png'].includes(ext);
  return {
    body,
    type: types[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    immutable: HASHED.test(name),
    br: compressible ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) : null,
    gzip: compressible ? gzipSync(body, { level: 9 }) : null,
  };
}

// Everything is read once at start-up (the dist folder of one build).
const files = new Map();
(function load(prefix) {
  for (const name of readdirSync(join(root, prefix))) {
    const rel = `${prefix}/${name}`;
    const file = join(root, rel);
    if (statSync(file).isDirectory()) load(rel);
    else files.set(rel, entry(readFileSync(file), extname(name), name));
  }
})('');
if (configFile) files.set('/config.json', entry(readFileSync(configFile), '.json', 'config.json'));

// The policy a production host sends (as end2end/serve.mjs and docs/DEPLOYMENT.md do).
let homeserver = '';
try {
  homeserver = new URL(JSON.parse(files.get('/config.json').body).homeserver).origin;
} catch {}
const security = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
    `connect-src 'self' ${homeserver}; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; ` +
    "object-src 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

createServer((req, res) => {
  let path = new URL(req.url, 'http://localhost').pathname;
  if (path === '/') path = '/index.html';
  let f = files.get(path);
  if (!f && !extname(path)) f = files.get('/index.html');
  if (!f) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
    return;
  }
  const headers = {
    'Content-Type': f.type,
    ETag: f.etag,
    'Cache-Control': f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    Vary: 'Accept-Encoding',
    ...security,
  };
  if (req.headers['if-none-match'] === f.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const accept = String(req.headers['accept-encoding'] ?? '');
  let body = f.body;
  if (f.br && /\bbr\b/.test(accept)) {
    body = f.br;
    headers['Content-Encoding'] = 'br';
  } else if (f.gzip && /\bgzip\b/.test(accept)) {
    body = f.gzip;
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}).listen(port, '127.0.0.1', () => console.log(`serving ${root} on http://127.0.0.1:${port}`));
