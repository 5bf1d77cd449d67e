// The provider's pages: a plain, calm sign-in form (no script; the CSP allows none), and the
// sign-out step, which submits itself (one script, allowed by its hash).
import { createHash } from 'node:crypto';

const escape = (text) =>
  String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** The sign-in form of interaction `uid` (or just a message when there is none). */
export function loginPage({ uid, user = '', error = '' }) {
  const form = uid
    ? `<form method="post" action="/interaction/${escape(uid)}/login">
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" autocapitalize="none" required autofocus value="${escape(user)}">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
      </form>
      <form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit" class="quiet">Cancel</button></form>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clinic sign-in</title><link rel="stylesheet" href="/style.css"></head>
<body><main><h1>Clinic sign-in</h1><p class="hint">Sign in with your clinic account to continue to Rounds.</p>
${error ? `<p class="alert" role="alert">${escape(error)}</p>` : ''}
${form}</main></body></html>`;
}

const SUBMIT = "document.getElementById('op.logoutForm').submit()";
const SUBMIT_HASH = createHash('sha256').update(SUBMIT).digest('base64');
/**
 * The Content-Security-Policy of the sign-out step: its one script, by hash; its form goes
 * here and is sent on to the apps' sign-in pages (`form-action` covers the redirect too).
 */
export function logoutCsp(appOrigins) {
  return `default-src 'none'; style-src 'self'; script-src 'sha256-${SUBMIT_HASH}'; form-action 'self' ${appOrigins.join(' ')}; frame-ancestors 'none'; base-uri 'none'`;
}

/**
 * The sign-out step of an app's sign-out (`form` is the provider's, with its anti-forgery
 * field): it ends the sign-in here at once and goes back to the app. Without script, one button.
 */
export function logoutPage(form) {
  const confirmed = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signing out</title><link rel="stylesheet" href="/style.css"></head>
<body><main><h1>Signing out</h1><p class="hint">Ending your clinic sign-in on this device…</p>
${confirmed}<button type="submit" form="op.logoutForm">Finish signing out</button>
<script>${SUBMIT}</script></main></body></html>`;
}

/** After a sign-out that names no way back. */
export function signedOutPage() {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signed out</title><link rel="stylesheet" href="/style.css"></head>
<body><main><h1>Signed out</h1><p class="hint">Your clinic sign-in on this device has ended. You can close this page.</p></main></body></html>`;
}

export const STYLE = `
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f5f7f8; color: #1d2a33;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; }
main { width: min(400px, calc(100% - 2rem)); background: #fff; border: 1px solid #d9e1e5; border-radius: 16px; padding: 2rem; }
h1 { margin: 0; font-size: 1.5rem; color: #0f6e6e; }
.hint { color: #55646e; margin: .25rem 0 1rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
input { box-sizing: border-box; width: 100%; min-height: 44px; padding: .5rem .75rem; border: 1px solid #d9e1e5; border-radius: 10px; font: inherit; }
button { width: 100%; min-height: 44px; margin-top: 1.25rem; border-radius: 10px; border: 1px solid #0f6e6e; background: #0f6e6e; color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
button.quiet { background: transparent; color: #0f6e6e; margin-top: .5rem; }
.alert { padding: .75rem 1rem; border-radius: 10px; background: #fbeaea; color: #a3262a; border: 1px solid currentColor; }
`;
