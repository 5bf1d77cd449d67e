import { defineConfig } from '@playwright/test';

// The app is built by scripts/test.sh (trunk build --release) and served by serve.mjs;
// Synapse is started and seeded with the demo clinic by scripts/test.sh too.
const port = Number(process.env.ROUNDS_E2E_PORT ?? 18080);
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    },
  },
  projects: [
    // The release build on the tests' own static server (serve.mjs), against the test servers.
    { name: 'app', testIgnore: /deployment\.spec\.ts/ },
    // The same build behind Debian's nginx with deploy/nginx/rounds.conf (scripts/nginx.sh).
    {
      name: 'deployment',
      testMatch: /deployment\.spec\.ts/,
      use: {
        baseURL: process.env.ROUNDS_NGINX ?? 'https://127.0.0.1:18443',
        // The test certificate is self-signed; Chromium must accept it for the service worker too.
        ignoreHTTPSErrors: true,
        launchOptions: {
          executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
          args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'],
        },
      },
    },
  ],
  webServer: {
    command: `node serve.mjs`,
    url: `http://127.0.0.1:${port}/config.json`,
    reuseExistingServer: false,
    env: { PORT: String(port), ROUNDS_CONFIG: process.env.ROUNDS_CONFIG ?? '', ROUNDS_CONNECT_EXTRA: process.env.ROUNDS_CONNECT_EXTRA ?? '' },
  },
});
