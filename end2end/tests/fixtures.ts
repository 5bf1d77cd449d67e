// Playwright's `test`, with one addition every spec relies on: the browser contexts a test opens
// (one per person signed in) are closed when it ends. Playwright leaves contexts made with
// `browser.newContext()` open; left open, every earlier test's Rounds keeps syncing in the same
// Chromium, and by the last specs a slow machine runs out of time signing in.
import { test as base } from '@playwright/test';

export * from '@playwright/test';

export const test = base.extend<{ closeContexts: void }>({
  closeContexts: [
    async ({ browser }, use) => {
      const before = new Set(browser.contexts());
      await use();
      await Promise.all(browser.contexts().filter((c) => !before.has(c)).map((c) => c.close()));
    },
    { auto: true },
  ],
});

/** Marks the acceptance path that also runs against the scaled homeserver (scripts/test-scaled.sh):
 * sign-in, live threads, receipts, the outbox's exactly-once delivery, role isolation, provisioning. */
export const SCALED = { tag: '@scaled' };
