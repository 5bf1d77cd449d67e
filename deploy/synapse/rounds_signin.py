"""Rounds' sign-in rule, enforced by Synapse (a standard Synapse module).

Where the clinic signs staff in through its identity provider (single sign-on), a Matrix
password must not be a second way in: it would skip the provider's rules (re-authentication on
shared workstations, turning a person off, the provider's own second factor). This module
refuses the password login of every account linked to the clinic's provider (an account single
sign-on created, or one an administrator linked to the person's subject), except the accounts
named in `password_allowed` (a break-glass administrator kept for when the provider is down).
Accounts with no clinic identity (the escalation service, the provisioning account) keep their
passwords; logins through single sign-on are not touched.

A refused login is `403 M_FORBIDDEN` with `app.rounds.refusal: "single_sign_on_only"`, which
Rounds turns into "sign in with the clinic's sign-in button".

Install: put this file on Synapse's PYTHONPATH and add to homeserver.yaml (every worker loads it):

    modules:
      - module: rounds_signin.SingleSignOnOnly
        config:
          provider: oidc-clinic            # "oidc-" + the idp_id in oidc_providers
          password_allowed: ["@breakglass:clinic.example"]
"""

import logging

from synapse.module_api import NOT_SPAM, ModuleApi
from synapse.module_api.errors import Codes

REFUSAL_KEY = "app.rounds.refusal"
REFUSAL = "single_sign_on_only"

logger = logging.getLogger(__name__)


class SingleSignOnOnly:
    def __init__(self, config: dict, api: ModuleApi):
        self._api = api
        self._provider = config["provider"]
        self._allowed = set(config["password_allowed"])
        api.register_spam_checker_callbacks(check_login_for_spam=self.check_login_for_spam)

    @staticmethod
    def parse_config(config: dict) -> dict:
        config = dict(config or {})
        if not isinstance(config.get("provider"), str) or not config["provider"]:
            raise ValueError("rounds_signin: 'provider' must name the identity provider (oidc-<idp_id>)")
        allowed = config.get("password_allowed", [])
        if not isinstance(allowed, list) or not all(isinstance(u, str) and u.startswith("@") for u in allowed):
            raise ValueError("rounds_signin: 'password_allowed' must be a list of full user ids")
        config["password_allowed"] = allowed
        return config

    async def _linked(self, user_id: str) -> bool:
        def query(txn) -> bool:
            txn.execute(
                "SELECT 1 FROM user_external_ids WHERE user_id = ? AND auth_provider = ?",
                (user_id, self._provider),
            )
            return txn.fetchone() is not None

        return await self._api.run_db_interaction("rounds_signin_linked", query)

    async def check_login_for_spam(self, user_id, device_id, initial_display_name, request_info, auth_provider_id):
        # Single sign-on (and any other provider-backed login) names its provider.
        if auth_provider_id is not None or user_id in self._allowed:
            return NOT_SPAM
        if not await self._linked(user_id):
            return NOT_SPAM
        logger.info("refused a password login of %s: the account signs in through %s", user_id, self._provider)
        return (Codes.FORBIDDEN, {REFUSAL_KEY: REFUSAL})
