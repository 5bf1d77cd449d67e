// Starts the app without an inline script, so the Content-Security-Policy can forbid them.
// Trunk writes the hashed file names into this tag's data attributes (see Trunk.toml) and
// preloads both files with Subresource Integrity, which this import reuses.
const tag = document.querySelector('script[data-js][data-wasm]');
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });

// Service worker: the app starts offline. A new version waits until the user chooses to reload
// (the app shows "Update available — Reload"), so one page never mixes two versions.
if ('serviceWorker' in navigator) {
  // Every release stamps a new sw.js; never take it from the HTTP cache.
  const registration = await navigator.serviceWorker.register('/sw.js', { updateViaCache: 'none' });
  // A tablet may keep Rounds open for days: look for a new release every hour as well.
  setInterval(() => registration.update().catch(() => undefined), 60 * 60 * 1000);
  const announce = () => {
    if (registration.waiting && navigator.serviceWorker.controller) {
      // Kept on the page as well, for an app that starts listening only later.
      document.documentElement.dataset.updateAvailable = 'true';
      dispatchEvent(new CustomEvent('rounds-update-available'));
    }
  };
  announce();
  registration.addEventListener('updatefound', () => {
    registration.installing?.addEventListener('statechange', announce);
  });
  // Reload only when the person chose the update (not when the first worker takes over).
  let updating = false;
  addEventListener('rounds-apply-update', () => {
    updating = true;
    registration.waiting?.postMessage('skip-waiting');
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (updating) {
      updating = false;
      location.reload();
    }
  });
}
