"""Rounds' direct conversations, kept private and within the clinic's role rules by Synapse
(a standard Synapse module).

A direct conversation is an invite-only room created with `m.room.create` content
`{"type": "app.rounds.conversation"}` and the state event `app.rounds.conversation`
(`{"members": [user ids]}`) naming everyone in it. Synapse keeps it private to its members (join
rule `invite`, guests forbidden); this module adds what power levels cannot say:

- It is made as Rounds makes it, or not at all: invite only, no guests, history for members,
  no encryption (this module reads what is said), the member list naming the creator, invites
  only to those members, and power levels that give nobody kick, ban, redaction of others'
  messages or later state changes (the creator holds 50, enough for the room's first state).
- Its people are fixed when it is made: only those `members` may be invited or join, and nobody
  may change any state afterwards (join rule, history, power levels, the member list itself),
  nor retract a state event (which would empty it) or someone else's message.
- What may be said about a patient follows the clinic's roles: a thread root naming a patient,
  or a later patient link, must name one of the clinic's categories (`category`), and every one
  of the conversation's members must hold a role the clinic's policy allows in that category
  (membership of the role's space). Otherwise the homeserver refuses it.

The clinic's policy is the `app.rounds.clinic` state of the clinic space, found by its alias
(`clinic_alias`). A homeserver for one clinic (every deployment) must set it. Without it, the
module takes the clinic space the conversation itself names (`clinic` in its state): only for a
test homeserver that hosts many throwaway clinics, since whoever makes a room could name a space
of their own.

Install: put this file on Synapse's PYTHONPATH and add to homeserver.yaml (every worker loads it):

    modules:
      - module: rounds_conversations.ConversationRules
        config:
          clinic_alias: "#rounds:example.org"
"""

import logging

from synapse.module_api import NOT_SPAM, ModuleApi
from synapse.module_api.errors import Codes

CONVERSATION_TYPE = "app.rounds.conversation"
MEMBERS_STATE = "app.rounds.conversation"
CLINIC_STATE = "app.rounds.clinic"
THREAD_KEY = "app.rounds.thread"
PATIENT_LINK = "app.rounds.patient_link"
# Power a conversation's creator holds: enough to send its first state (at event level 50), not
# enough for kicks, bans, others' messages, upgrades or power levels (100).
CREATOR_POWER = 50
ADMIN_POWER = 100
# What a conversation's power levels must keep at the admin level nobody in it holds.
ADMIN_ONLY = ("kick", "ban", "redact", "state_default")
ADMIN_ONLY_EVENTS = ("m.room.power_levels", "m.room.tombstone", "m.room.encryption", "m.room.server_acl")
# In the refusal, for clients and logs that want the reason in machine form.
REFUSAL_KEY = "app.rounds.refusal"

logger = logging.getLogger(__name__)


def named_patient_categories(event):
    """The categories a message names patients under (``""`` for a patient named without one):
    every one of them, the edited content's included."""
    if event.type == PATIENT_LINK:
        category = event.content.get("category")
        return [category if isinstance(category, str) else ""]
    if event.type != "m.room.message":
        return []
    contents = [event.content]
    if isinstance(event.content.get("m.new_content"), dict):
        contents.append(event.content["m.new_content"])
    named = []
    for content in contents:
        meta = content.get(THREAD_KEY)
        if isinstance(meta, dict) and meta.get("patient"):
            category = meta.get("category")
            named.append(category if isinstance(category, str) else "")
    return named


def _level(value, default=0):
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def creation_problem(user_id: str, config: dict):
    """Why a `createRoom` request for a conversation is not one Rounds would make (None: fine)."""
    if config.get("visibility") == "public" or config.get("preset") == "public_chat":
        return "public"
    if config.get("invite_3pid"):
        return "third_party_invites"
    state = {}
    for entry in config.get("initial_state") or []:
        if isinstance(entry, dict):
            state[(entry.get("type"), entry.get("state_key", ""))] = entry.get("content") or {}
    if ("m.room.encryption", "") in state:
        return "encrypted"
    if state.get(("m.room.join_rules", ""), {}).get("join_rule") != "invite":
        return "join_rule"
    if state.get(("m.room.guest_access", ""), {}).get("guest_access") != "forbidden":
        return "guest_access"
    if state.get(("m.room.history_visibility", ""), {}).get("history_visibility") not in ("shared", "invited", "joined"):
        return "history_visibility"
    members = state.get((MEMBERS_STATE, ""), {}).get("members")
    if not isinstance(members, list) or user_id not in members:
        return "members"
    if any(invitee not in members for invitee in config.get("invite") or []):
        return "invite"
    levels = config.get("power_level_content_override")
    if not isinstance(levels, dict):
        return "power_levels"
    users = levels.get("users") if isinstance(levels.get("users"), dict) else {}
    if _level(users.get(user_id)) > CREATOR_POWER or any(_level(p) > 0 for u, p in users.items() if u != user_id):
        return "power_levels"
    if _level(levels.get("users_default")) > 0:
        return "power_levels"
    if any(_level(levels.get(key), 0) < ADMIN_POWER for key in ADMIN_ONLY):
        return "power_levels"
    events = levels.get("events") if isinstance(levels.get("events"), dict) else {}
    if any(_level(events.get(kind), ADMIN_POWER) < ADMIN_POWER for kind in ADMIN_ONLY_EVENTS):
        return "power_levels"
    return None


class ConversationRules:
    def __init__(self, config: dict, api: ModuleApi):
        self._api = api
        self._clinic_alias = config.get("clinic_alias")
        api.register_spam_checker_callbacks(
            check_event_for_spam=self.check_event_for_spam,
            user_may_invite=self.user_may_invite,
            user_may_join_room=self.user_may_join_room,
            user_may_create_room=self.user_may_create_room,
        )

    @staticmethod
    def parse_config(config: dict) -> dict:
        return config or {}

    async def _conversation(self, room_id: str):
        """The conversation's `app.rounds.conversation` content (`{}` before it is set), or `None`
        if the room is not a conversation."""
        state = await self._api.get_room_state(room_id, [("m.room.create", ""), (MEMBERS_STATE, "")])
        create = state.get(("m.room.create", ""))
        if create is None or create.content.get("type") != CONVERSATION_TYPE:
            return None
        listed = state.get((MEMBERS_STATE, ""))
        return listed.content if listed else {}

    async def _members(self, room_id: str):
        """The conversation's fixed members, or `None` if the room is not a conversation."""
        conversation = await self._conversation(room_id)
        if conversation is None:
            return None
        members = conversation.get("members")
        return [m for m in members if isinstance(m, str)] if isinstance(members, list) else []

    async def user_may_invite(self, inviter: str, invitee: str, room_id: str):
        members = await self._members(room_id)
        if members is None or invitee in members:
            return NOT_SPAM
        return Codes.FORBIDDEN

    async def user_may_join_room(self, user_id: str, room_id: str, is_invited: bool):
        # The creator's own join, as the room is made, does not pass through here.
        members = await self._members(room_id)
        if members is None or user_id in members:
            return NOT_SPAM
        return Codes.FORBIDDEN

    async def user_may_create_room(self, user_id: str, config: dict):
        creation = config.get("creation_content") if isinstance(config.get("creation_content"), dict) else {}
        if creation.get("type") != CONVERSATION_TYPE:
            return NOT_SPAM
        problem = creation_problem(user_id, config)
        if problem is None:
            return NOT_SPAM
        return (Codes.FORBIDDEN, {REFUSAL_KEY: "conversation_shape", "problem": problem})

    async def check_event_for_spam(self, event):
        # Room creation does not pass through here: only what members send afterwards does.
        conversation = await self._conversation(event.room_id)
        if conversation is None:
            return NOT_SPAM
        members = conversation.get("members")
        members = [m for m in members if isinstance(m, str)] if isinstance(members, list) else []
        if event.is_state():
            return (Codes.FORBIDDEN, {REFUSAL_KEY: "conversation_fixed"})
        if event.type == "m.room.redaction":
            redacts = event.redacts or event.content.get("redacts")
            # Synapse has no public call for one event; its store's is what its own modules use.
            target = await self._api._store.get_event(redacts, allow_none=True) if redacts else None
            # A redacted state event would empty the member list, the retention or the window.
            if target is not None and (target.sender != event.sender or target.is_state()):
                return (Codes.FORBIDDEN, {REFUSAL_KEY: "not_your_message"})
            return NOT_SPAM
        for category in named_patient_categories(event):
            outside = await self._members_outside(category, members, conversation.get("clinic")) if members else None
            if outside is None or outside:
                return (
                    Codes.FORBIDDEN,
                    {REFUSAL_KEY: "patient_outside_roles", "category": category, "members": outside or []},
                )
        return NOT_SPAM

    async def _members_outside(self, category: str, members, named_clinic):
        """Members whose roles may not see `category` (`None`: no such category)."""
        policy = await self._policy(named_clinic)
        if policy is None:
            return None
        entry = next((c for c in policy.get("categories", []) if c.get("id") == category), None)
        if entry is None:
            return None
        allowed = set(entry.get("roles", []))
        spaces = [r.get("space") for r in policy.get("roles", []) if r.get("id") in allowed and r.get("space")]
        holders = set()
        for space in spaces:
            state = await self._api.get_room_state(space, [("m.room.member", m) for m in members])
            holders |= {
                key[1] for key, ev in state.items() if key[0] == "m.room.member" and ev.membership == "join"
            }
        return [m for m in members if m not in holders]

    async def _policy(self, named_clinic):
        if self._clinic_alias is None:
            room_id = named_clinic if isinstance(named_clinic, str) else None
        else:
            try:
                room_id, _ = await self._api.lookup_room_alias(self._clinic_alias)
            except Exception:  # noqa: BLE001 - an alias not yet made means no clinic yet
                room_id = None
        if room_id is None:
            logger.warning("no clinic space to check a patient link in a conversation against; refused")
            return None
        state = await self._api.get_room_state(room_id, [(CLINIC_STATE, "")])
        policy = state.get((CLINIC_STATE, ""))
        return policy.content if policy else None

