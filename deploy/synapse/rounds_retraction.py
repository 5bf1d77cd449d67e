"""Rounds' retraction window, enforced by Synapse (a standard Synapse module).

Clinic staff may retract (redact) their own messages only within the clinic's window; admins
(whoever the room's power levels allow to redact others' events) may retract any message at any
time. The power levels already keep members from redacting anyone else's events; this module adds
the time limit, which power levels cannot express.

The window is per room, in the state event `app.rounds.retraction` (`{"window_minutes": N}`),
which Rounds' provisioning writes into every category room and only admins can change. A room
without it is left to the power levels alone (the module does not touch other rooms).

A retracted message's attachment goes with it. Once a retraction in such a room is stored and
applies (the redacted message is the sender's own, or the sender may redact any), the file the
message pointed at (and its thumbnail) is removed from this homeserver, if the message's sender
uploaded it (a message naming someone else's file removes nothing). Where the media repository
runs (the main process) the file is deleted; elsewhere (an event persister) it is made unreadable:
that one file is quarantined after its content hash is unlinked, so the same photo posted before
or again elsewhere is not quarantined with it, and a warning says the bytes remain on disk.

Install: put this file on Synapse's PYTHONPATH and add to homeserver.yaml (every worker loads it):

    modules:
      - module: rounds_retraction.RetractionWindow
"""

import logging
import time

from synapse.module_api import NOT_SPAM, ModuleApi
from synapse.module_api.errors import Codes
from synapse.storage.databases.main.events_worker import EventRedactBehaviour

WINDOW_STATE = "app.rounds.retraction"
# In the refusal, for clients and logs that want the reason in machine form.
REFUSAL_KEY = "app.rounds.refusal"

logger = logging.getLogger(__name__)


class RetractionWindow:
    def __init__(self, config: dict, api: ModuleApi):
        self._api = api
        api.register_spam_checker_callbacks(check_event_for_spam=self.check_event_for_spam)
        api.register_third_party_rules_callbacks(on_new_event=self.on_new_event)

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

    async def on_new_event(self, event, state_events) -> None:
        """A retraction was stored: if it applies, the retracted message's file goes too."""
        if event.type != "m.room.redaction":
            return
        redacts = event.redacts or event.content.get("redacts")
        window = state_events.get((WINDOW_STATE, ""))
        if not redacts or window is None:
            return
        store = self._api._store
        # The message as it was sent (a stored redaction hides its content from ordinary reads).
        target = await store.get_event(redacts, redact_behaviour=EventRedactBehaviour.as_is, allow_none=True)
        if target is None or target.room_id != event.room_id:
            return
        levels = state_events.get(("m.room.power_levels", ""))
        levels = levels.content if levels else {}
        mine = levels.get("users", {}).get(event.sender, levels.get("users_default", 0))
        # The homeserver stores a redaction of someone else's message but applies only these.
        if target.sender != event.sender and mine < levels.get("redact", 50):
            return
        content = target.content or {}
        info = content.get("info") if isinstance(content.get("info"), dict) else {}
        media_ids = []
        for uri in (content.get("url"), info.get("thumbnail_url")):
            if not isinstance(uri, str) or not uri.startswith("mxc://"):
                continue
            server, _, media_id = uri[len("mxc://"):].partition("/")
            if server != self._api.server_name or not media_id:
                continue
            media = await store.get_local_media(media_id)
            # Only the sender's own upload: a message may name anyone's file.
            if media is not None and media.user_id == target.sender:
                media_ids.append(media_id)
        if media_ids:
            await self._remove_media(media_ids, target.event_id, event.sender)

    async def _remove_media(self, media_ids, retracted: str, by: str) -> None:
        hs = self._api._hs
        store = self._api._store
        try:
            if hs.config.media.can_load_media_repo:
                await hs.get_media_repository().delete_local_media_ids(media_ids)
                return
            for media_id in media_ids:
                # Quarantine matches content hashes: unlink this file's first, so only it goes.
                await store.db_pool.simple_update(
                    "local_media_repository", {"media_id": media_id}, {"sha256": None}, desc="rounds_retraction"
                )
                await store.quarantine_media_by_id(self._api.server_name, media_id, by)
            logger.warning(
                "files %s of retracted %s made unreadable; their bytes stay on disk until the media "
                "repository purges quarantined media",
                media_ids,
                retracted,
            )
        except Exception:  # the retraction stands; say what could not be removed
            logger.exception("could not remove files %s of retracted %s", media_ids, retracted)
