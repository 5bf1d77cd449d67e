// Sign-in before the app has downloaded (progressive enhancement).
//
// index.html carries the sign-in form as plain HTML. This script (a few KB) makes that form work
// while the app's wasm (hundreds of KB) is still downloading. It:
//   - brands the page from config.json;
//   - offers single sign-on (a redirect that needs no app);
//   - sends a password sign-in to the homeserver.
// When the app starts it calls `roundsEarly.take()` (src/ui/early.rs). It takes what was typed
// and the homeserver's answer to a sign-in in flight. The app reads that answer itself, so every
// message and every step after the answer has one implementation. This form and the app's
// (src/ui/signin.rs) have the same markup and accessible names.

const SSO_NONCE = 'rounds-sso-nonce'; // the same keys as src/session/browser/sso.rs
const SSO_HOMESERVER = 'rounds-sso-homeserver';

const main = document.getElementById('early-signin');
const form = main.querySelector('form');
const field = (id) => form.querySelector(`#${id}`);
const alert = form.querySelector('[role=alert]');
const submit = form.querySelector('button[type=submit]');
const ssoButton = form.querySelector('button.sso');

// config.json is fetched once, here; the app reuses this answer.
const config = fetch('/config.json').then(
  async (response) => ({ status: response.status, text: await response.text() }),
  (error) => ({ status: 0, text: String(error) }),
);

let login = null; // the homeserver's answer to a password sign-in, once one was sent
let taken = false;

globalThis.roundsEarly = {
  config,
  /** The app has started: hand over what was typed and any sign-in in flight, then step aside. */
  take() {
    taken = true;
    const shown = !main.hidden;
    const handover = {
      shown,
      homeserver: field('homeserver').value,
      username: field('username').value,
      password: field('password').value,
      // Someone typing when the app arrives keeps typing in the same field of the app's form.
      focused: form.contains(document.activeElement) ? document.activeElement.id : '',
      login,
    };
    main.remove();
    return handover;
  },
};

const homeserverOf = () => field('homeserver').value.trim().replace(/\/+$/, '');

async function answer(request) {
  try {
    const response = await request;
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (taken || login) return;
  const [user, password] = [field('username').value.trim(), field('password').value];
  if (!user || !password) {
    alert.textContent = 'Enter your username and password.';
    alert.hidden = false;
    return;
  }
  alert.hidden = true;
  submit.disabled = true;
  ssoButton.disabled = true;
  submit.textContent = 'Signing in…';
  // The same request as the app's (src/api/auth.rs): refresh tokens, so the server can end
  // unused sessions.
  login = answer(
    fetch(`${homeserverOf()}/_matrix/client/v3/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user },
        password,
        initial_device_display_name: 'Rounds',
        refresh_token: true,
      }),
    }),
  );
});

function random() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Single sign-on, as the app does it (src/session/browser/sso.rs): a nonce kept in this tab,
// then to the homeserver, which sends the browser to the clinic's identity provider.
async function offerSso(homeserver, chosen) {
  let flows;
  try {
    const response = await fetch(`${homeserver}/_matrix/client/v3/login`);
    flows = response.ok ? (await response.json()).flows ?? [] : [];
  } catch {
    return;
  }
  const sso = flows.find((f) => f.type === 'm.login.sso');
  const providers = sso?.identity_providers ?? [];
  const provider = chosen?.provider ? providers.find((p) => p.id === chosen.provider) : providers[0];
  if (!provider || taken) return;
  ssoButton.textContent = `Sign in with ${chosen?.name ?? provider.name}`;
  ssoButton.hidden = false;
  form.querySelector('.divider').hidden = false;
  form.querySelector('.password-signin').classList.toggle('hidden', !flows.some((f) => f.type === 'm.login.password'));
  ssoButton.onclick = () => {
    const nonce = random();
    sessionStorage.setItem(SSO_NONCE, nonce);
    sessionStorage.setItem(SSO_HOMESERVER, homeserver);
    const back = `${location.origin}/auth/matrix?n=${nonce}`;
    ssoButton.disabled = true;
    location.assign(
      `${homeserver}/_matrix/client/v3/login/sso/redirect/${encodeURIComponent(provider.id)}` +
        `?redirectUrl=${encodeURIComponent(back)}&prompt=login`,
    );
  };
}

function brand(clinic) {
  document.title = clinic.clinic_name;
  form.querySelector('.brand span').textContent = clinic.clinic_name;
  if (clinic.logo) {
    const logo = Object.assign(document.createElement('img'), { className: 'logo', src: clinic.logo, alt: '' });
    form.querySelector('.brand').prepend(logo);
  }
  // Only a plain #rrggbb here; the app checks every colour (and explains a bad one) when it starts.
  const color = /^#[0-9a-f]{6}$/i.test(clinic.primary_color ?? '') ? clinic.primary_color : null;
  if (color) {
    const strong = '#' + [1, 3, 5].map((i) => Math.round(parseInt(color.slice(i, i + 2), 16) * 0.8).toString(16).padStart(2, '0')).join('');
    const style = document.documentElement.style;
    style.setProperty('--brand', color);
    style.setProperty('--brand-strong', strong);
    style.setProperty('--on-brand', '#ffffff');
  }
}

// The app keeps this hint (no data) while a session is kept (KEPT_HINT in src/store/db.rs): then
// it opens that session itself, and this form would only flash.
function someoneKept() {
  try {
    return localStorage.getItem('rounds-session-kept') === '1';
  } catch {
    return false;
  }
}

// Returns from single sign-on and the EHR are the app's to complete.
if (!location.pathname.startsWith('/auth/')) {
  const kept = someoneKept();
  const { status, text } = await config;
  let clinic = null;
  try {
    clinic = status === 200 ? JSON.parse(text) : null;
  } catch {
    // The app shows what is wrong with config.json.
  }
  if (clinic?.clinic_name && clinic?.homeserver && !kept && !taken) {
    brand(clinic);
    field('homeserver').value = clinic.homeserver;
    // Staff are not asked for a server address unless the clinic lets them choose one.
    field('homeserver').closest('.homeserver-field').hidden = clinic.allow_homeserver_change !== true;
    main.hidden = false;
    offerSso(homeserverOf(), clinic.sso);
  }
}
