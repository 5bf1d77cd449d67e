"""Rounds' retraction window, enforced by Synapse (a standard Synapse module).

Clinic staff may retract (redact) their own messages only within the clinic's window; admins
(whoever the room's power levels allow to redact others' events) may retract any message at any
time. The power levels already keep members from redacting anyone else's events; this module adds
the time limit, which power levels cannot express.

The window is per room, in the state event `app.rounds.retraction` (`{"window_minutes": N}`),
which Rounds' provisioning writes into every category room and only admins can change. A room
without it is left to the power levels alone (the module does not touch other rooms).

A file belongs to the first message that named it. In such a room a later message naming the
same file (this homeserver's, by its `mxc://` address) is refused, unless it is an edit of that
first message; so a record's file cannot be taken over, and retracting a copy cannot delete it.
A retracted message's attachment goes with it. Once a retraction in such a room is stored and
applies (the redacted message is the sender's own, or the sender may redact any), the files the
message pointed at (and its thumbnail) are removed from this homeserver, if they belong to that
message and its sender uploaded them (a message naming someone else's file removes nothing;
files named before this rule existed belong to whoever uploaded them). Where the media repository
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
# Which message each file belongs to (the first one that named it).
OWNERS = "rounds_media_owner"

logger = logging.getLogger(__name__)


def local_media_ids(content: dict, server_name: str):
    """The ids of this homeserver's files a message names (its file and thumbnail)."""
    info = content.get("info") if isinstance(content.get("info"), dict) else {}
    for uri in (content.get("url"), info.get("thumbnail_url")):
        if not isinstance(uri, str) or not uri.startswith("mxc://"):
            continue
        server, _, media_id = uri[len("mxc://"):].partition("/")
        if server == server_name and media_id:
            yield media_id


def _create_owners(txn) -> None:
    txn.execute(
        f"CREATE TABLE IF NOT EXISTS {OWNERS} (media_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, room_id TEXT NOT NULL)"
    )


class RetractionWindow:
    def __init__(self, config: dict, api: ModuleApi):
        self._api = api
        self._owners_ready = False
        api.register_spam_checker_callbacks(check_event_for_spam=self.check_event_for_spam)
        api.register_third_party_rules_callbacks(on_new_event=self.on_new_event)

    @staticmethod
    def parse_config(config: dict) -> dict:
        return config or {}

    async def _owners(self):
        """The store, with the owners' table made (once)."""
        store = self._api._store
        if not self._owners_ready:
            await store.db_pool.runInteraction("rounds_media_owner_table", _create_owners)
            self._owners_ready = True
        return store

    async def _owner_of(self, media_id: str):
        store = await self._owners()
        return await store.db_pool.simple_select_one_onecol(
            OWNERS, {"media_id": media_id}, "event_id", allow_none=True, desc="rounds_media_owner"
        )

    async def check_event_for_spam(self, event):
        if event.type == "m.room.message":
            return await self._check_files(event)
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

    async def _check_files(self, event):
        """A message may name a file only if no other message owns it (edits of the owner may)."""
        state = await self._api.get_room_state(event.room_id, [(WINDOW_STATE, "")])
        if (WINDOW_STATE, "") not in state:
            return NOT_SPAM
        relates = event.content.get("m.relates_to")
        edited = relates.get("event_id") if isinstance(relates, dict) and relates.get("rel_type") == "m.replace" else None
        named = set(local_media_ids(event.content, self._api.server_name))
        new_content = event.content.get("m.new_content")
        if isinstance(new_content, dict):
            named |= set(local_media_ids(new_content, self._api.server_name))
        for media_id in named:
            owner = await self._owner_of(media_id)
            if owner is not None and owner not in (event.event_id, edited):
                return (Codes.FORBIDDEN, {REFUSAL_KEY: "file_belongs_to_another_message"})
        return NOT_SPAM

    async def on_new_event(self, event, state_events) -> None:
        """A message was stored: it owns the files nobody owned yet. A retraction was stored:
        if it applies, the retracted message's files go too."""
        if event.type == "m.room.message" and (WINDOW_STATE, "") in state_events:
            await self._own_files(event)
            return
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
        media_ids = []
        for media_id in local_media_ids(target.content or {}, self._api.server_name):
            owner = await self._owner_of(media_id)
            media = await store.get_local_media(media_id)
            # Only the sender's own upload, and only from the message it belongs to.
            if media is not None and media.user_id == target.sender and owner in (None, target.event_id):
                media_ids.append(media_id)
        if media_ids:
            await self._remove_media(media_ids, target.event_id, event.sender)

    async def _own_files(self, event) -> None:
        """The first stored message naming a file owns it (an edit owns nothing new)."""
        relates = event.content.get("m.relates_to")
        if isinstance(relates, dict) and relates.get("rel_type") == "m.replace":
            return
        store = await self._owners()
        for media_id in local_media_ids(event.content, self._api.server_name):
            await store.db_pool.simple_upsert(
                OWNERS,
                {"media_id": media_id},
                values={},
                insertion_values={"event_id": event.event_id, "room_id": event.room_id},
                desc="rounds_media_owner",
            )

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
