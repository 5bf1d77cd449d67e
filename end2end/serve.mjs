// Serves the built app (dist/) on 127.0.0.1 like a production static host (docs/DEPLOYMENT.md):
// SPA fallback to index.html for unknown paths, the Content-Security-Policy with connect-src
// limited to the configured homeserver, no-cache where files are not hashed, and /config.json
// replaced by $ROUNDS_CONFIG when set, so tests point the same build elsewhere without rebuilding.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const root = normalize(process.env.ROUNDS_DIST ?? new URL('../dist', import.meta.url).pathname);
const port = Number(process.env.PORT ?? 18080);
const configFile = process.env.ROUNDS_CONFIG;
// Origins the app must also reach (the identity provider's token endpoint), space-separated.
const connectExtra = process.env.ROUNDS_CONNECT_EXTRA ?? '';
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

async function load(path) {
  if (path === '/config.json' && configFile) return [await readFile(configFile), '.json'];
  const file = normalize(join(root, decodeURIComponent(path)));
  if (!file.startsWith(root)) throw new Error('outside root');
  try {
    return [await readFile(file), extname(file)];
  } catch {
    if (extname(path)) throw new Error('missing');
    return [await readFile(join(root, 'index.html')), '.html'];
  }
}

/** The policy for the homeserver currently configured. */
async function securityHeaders() {
  let homeserver = '';
  try {
    const [raw] = await load('/config.json');
    const config = JSON.parse(raw);
    homeserver = new URL(config.homeserver).origin;
    if (config.fhir?.base_url) homeserver += ` ${new URL(config.fhir.base_url).origin}`;
    if (connectExtra) homeserver += ` ${connectExtra}`;
  } catch {
    // A broken config.json still gets a policy; the app shows its error page.
  }
  return {
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
      `connect-src 'self' ${homeserver}; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; ` +
      "object-src 'none'; base-uri 'none'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

/** Hashed files never change; everything else must be revalidated. Trunk's hash is unpadded hex. */
function cacheControl(path) {
  return /-[0-9a-f]{8,16}(_bg)?\.(js|wasm|css)$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

createServer(async (req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  try {
    const [body, ext] = await load(path === '/' ? '/index.html' : path);
    res.writeHead(200, {
      'Content-Type': types[ext] ?? 'application/octet-stream',
      'Cache-Control': cacheControl(path),
      ...(await securityHeaders()),
    });
    res.end(body);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  }
}).listen(port, '127.0.0.1', () => console.log(`serving ${root} on http://127.0.0.1:${port}`));
