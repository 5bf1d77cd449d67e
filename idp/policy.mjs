// When the provider asks for the password again, whatever the browser sends: a clinic's
// workstations are shared, so a sign-in left at the provider must never carry the next person
// into Rounds or into Matrix.
//   - Synapse's single sign-on: every time (a replayed redirect without `prompt=login` gets
//     the sign-in form too).
//   - Rounds' own authorization for the EHR: every time it is interactive ("Sign in to the
//     EHR"); the silent step right after single sign-on (`prompt=none`) only while that sign-in
//     is fresh, else `login_required`.
import { interactionPolicy } from 'oidc-provider';

const { Check, base } = interactionPolicy;

/** How old, in seconds, a sign-in may be for a silent authorization of Rounds. */
export const SILENT_WITHIN_SECONDS = 120;

/** The oldest sign-in (seconds) `client` may reuse for this request; 0: none. */
function reusableFor(ctx) {
  const { client, params } = ctx.oidc;
  if (client.clientId === 'rounds-app' && params.prompt === 'none') return SILENT_WITHIN_SECONDS;
  return 0;
}

/** The provider's interaction policy: its defaults plus a fresh sign-in where Rounds needs one. */
export function policy() {
  const prompts = base();
  prompts.get('login').checks.add(
    new Check('fresh_sign_in', 'a fresh sign-in is required on a shared workstation', (ctx) => {
      const { oidc } = ctx;
      // Signed in during this very request: fresh by definition.
      if (oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
      const within = reusableFor(ctx);
      return within > 0 && oidc.session.accountId && !oidc.session.past(within)
        ? Check.NO_NEED_TO_PROMPT
        : Check.REQUEST_PROMPT;
    }),
  );
  return prompts;
}
