// Turning a person's access off at the provider, as a clinic's administrator does when someone
// leaves: the provider stops signing them in and renewing their tokens, and every sign-in they
// have is ended now — including the Matrix sessions it opened (back-channel logout to Synapse)
// and the EHR refresh tokens it issued.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The people turned off, kept in `data` across restarts, and their live sign-ins. */
export function people(provider, data) {
  const file = join(data, 'disabled.json');
  const disabled = new Set(existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : []);
  const save = () => writeFileSync(file, JSON.stringify([...disabled]), { mode: 0o600 });
  /** Session uids per account: which sign-ins to end. */
  const sessions = new Map();
  provider.on('authorization.accepted', (ctx) => {
    const { accountId, uid } = ctx.oidc.session ?? {};
    if (!accountId) return;
    if (!sessions.has(accountId)) sessions.set(accountId, new Set());
    sessions.get(accountId).add(uid);
  });

  /** Ends one sign-in: tells each client that wants to know, revokes what it granted. */
  async function end(accountId, uid) {
    const session = await provider.Session.findByUid(uid);
    if (!session || session.accountId !== accountId) return;
    for (const [clientId, { sid, grantId }] of Object.entries(session.authorizations ?? {})) {
      const client = await provider.Client.find(clientId);
      if (client?.backchannelLogoutUri) {
        await client.backchannelLogout(accountId, sid).catch((error) => console.error(`rounds-idp: back-channel logout to ${clientId} failed: ${error.message}`));
      }
      if (grantId) {
        await Promise.all([provider.AccessToken, provider.RefreshToken, provider.AuthorizationCode].map((model) => model.revokeByGrantId(grantId)));
        await provider.Grant.adapter.destroy(grantId);
      }
    }
    await session.destroy();
  }

  return {
    isDisabled: (accountId) => disabled.has(accountId),
    async disable(accountId) {
      disabled.add(accountId);
      save();
      await Promise.all([...(sessions.get(accountId) ?? [])].map((uid) => end(accountId, uid)));
      sessions.delete(accountId);
    },
    enable(accountId) {
      disabled.delete(accountId);
      save();
    },
  };
}
