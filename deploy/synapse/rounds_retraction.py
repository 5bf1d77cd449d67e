"""Rounds' retraction window, enforced by Synapse (a standard Synapse module).

Clinic staff may retract (redact) their own messages only within the clinic's window; admins
(whoever the room's power levels allow to redact others' events) may retract any message at any
time. The power levels already keep members from redacting anyone else's events; this module adds
the time limit, which power levels cannot express.

The window is per room, in the state event `app.rounds.retraction` (`{"window_minutes": N}`),
which Rounds' provisioning writes into every category room and only admins can change. A room
without it is left to the power levels alone (the module does not touch other rooms).

Install: put this file on Synapse's PYTHONPATH and add to homeserver.yaml (every worker loads it):

    modules:
      - module: rounds_retraction.RetractionWindow
"""

import time

from synapse.module_api import NOT_SPAM, ModuleApi
from synapse.module_api.errors import Codes

WINDOW_STATE = "app.rounds.retraction"
# In the refusal, for clients and logs that want the reason in machine form.
REFUSAL_KEY = "app.rounds.refusal"


class RetractionWindow:
    def __init__(self, config: dict, api: ModuleApi):
        self._api = api
        api.register_spam_checker_callbacks(check_event_for_spam=self.check_event_for_spam)

    @staticmethod
    def parse_config(config: dict) -> dict:
        return config or {}

    async def check_event_for_spam(self, event):
        if event.type != "m.room.redaction":
            return NOT_SPAM
        redacts = event.redacts or event.content.get("redacts")
        state = await self._api.get_room_state(
            event.room_id, [(WINDOW_STATE, ""), ("m.room.power_levels", "")]
        )
        window = state.get((WINDOW_STATE, ""))
        minutes = window.content.get("window_minutes") if window else None
        if not isinstance(minutes, int) or isinstance(minutes, bool):
            return NOT_SPAM
        levels = state.get(("m.room.power_levels", ""))
        levels = levels.content if levels else {}
        users = levels.get("users", {})
        mine = users.get(event.sender, levels.get("users_default", 0))
        if mine >= levels.get("redact", 50):
            return NOT_SPAM
        # Synapse has no public call for one event; its store's is what its own modules use.
        target = await self._api._store.get_event(redacts, allow_none=True) if redacts else None
        if target is None or target.sender != event.sender:
            # Someone else's event: the power levels refuse it already.
            return NOT_SPAM
        age_ms = int(time.time() * 1000) - target.origin_server_ts
        if age_ms <= minutes * 60_000:
            return NOT_SPAM
        return (Codes.FORBIDDEN, {REFUSAL_KEY: "retraction_window", "window_minutes": minutes})
