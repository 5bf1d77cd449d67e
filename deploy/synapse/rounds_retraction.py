"""Rounds' retraction window, enforced by Synapse (a standard Synapse module).

Clinic staff may retract (redact) their own messages only within the clinic's window; admins
(whoever the room's power levels allow to redact others' events) may retract any message at any
time. The power levels already keep members from redacting anyone else's events; this module adds
the time limit, which power levels cannot express.

The window is per room, in the state event `app.rounds.retraction` (`{"window_minutes": N}`),
which Rounds' provisioning writes into every category room and only admins can change. A room
without it is left to the power levels alone (the module does not touch other rooms).

A retracted message's attachment goes with it: when a retraction in such a room is allowed (the
sender's own message within the window, or anyone's by who may redact), the file it points at
(and its thumbnail) is deleted from this homeserver's media store, so its `mxc://` address no
longer serves the bytes to anyone who saw it (Synapse answers 404). Deleting needs the media
repository, which the main process has; route `/redact` there when running workers (the shipped
`deploy/nginx/synapse-workers.conf` does). A worker without it still makes the file unreadable
(it quarantines that one file, after unlinking its content hash so that the same photo sent
again elsewhere, or sent before, is not quarantined with it) and logs that the bytes remain.

Install: put this file on Synapse's PYTHONPATH and add to homeserver.yaml (every worker loads it):

    modules:
      - module: rounds_retraction.RetractionWindow
"""

import logging
import time

from synapse.module_api import NOT_SPAM, ModuleApi
from synapse.module_api.errors import Codes

WINDOW_STATE = "app.rounds.retraction"
# In the refusal, for clients and logs that want the reason in machine form.
REFUSAL_KEY = "app.rounds.refusal"

logger = logging.getLogger(__name__)


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
        may_redact_any = mine >= levels.get("redact", 50)
        # Synapse has no public call for one event; its store's is what its own modules use.
        target = await self._api._store.get_event(redacts, allow_none=True) if redacts else None
        if target is not None and target.room_id != event.room_id:
            # A redaction names an event of its own room; the homeserver applies no other.
            target = None
        own = target is not None and target.sender == event.sender
        if own and not may_redact_any:
            age_ms = int(time.time() * 1000) - target.origin_server_ts
            if age_ms > minutes * 60_000:
                return (Codes.FORBIDDEN, {REFUSAL_KEY: "retraction_window", "window_minutes": minutes})
        # Someone else's event without the power to redact it: the power levels refuse it.
        if target is not None and (own or may_redact_any):
            await self._remove_attachment(target, event.sender)
        return NOT_SPAM

    async def _remove_attachment(self, target, by: str) -> None:
        content = target.content or {}
        info = content.get("info") if isinstance(content.get("info"), dict) else {}
        media_ids = []
        for uri in (content.get("url"), info.get("thumbnail_url")):
            if not isinstance(uri, str) or not uri.startswith("mxc://"):
                continue
            server, _, media_id = uri[len("mxc://"):].partition("/")
            if server == self._api.server_name and media_id:
                media_ids.append(media_id)
        if not media_ids:
            return
        hs = self._api._hs
        try:
            if hs.config.media.can_load_media_repo:
                await hs.get_media_repository().delete_local_media_ids(media_ids)
                return
            store = self._api._store
            for media_id in media_ids:
                # Quarantine matches content hashes: unlink this file's first, so only it goes.
                await store.db_pool.simple_update(
                    "local_media_repository", {"media_id": media_id}, {"sha256": None}, desc="rounds_retraction"
                )
                await store.quarantine_media_by_id(self._api.server_name, media_id, by)
            logger.warning(
                "media %s of retracted %s made unreadable but kept on disk: route /redact to the media repository",
                media_ids,
                target.event_id,
            )
        except Exception:  # never block a retraction; the message's content goes anyway
            logger.exception("could not remove %s retracted with %s", media_ids, target.event_id)
