"""Rounds' attachment types, enforced by Synapse (a standard Synapse module).

Rounds accepts photos (JPEG, PNG, WebP, GIF) and PDF documents, judged by their bytes, and checks
before uploading. This module makes the homeserver refuse any other upload the same way, whatever
client sends it: the first bytes of every uploaded file must be one of the accepted formats, and
its first kilobyte must not carry markup a browser could take for a web page (a polyglot such as
a PDF header followed by HTML); Synapse answers `400` and keeps nothing. The homeserver's own
`max_upload_size` limits the size.

The type an upload declares must be the one its bytes are. Synapse gives modules no look at the
declared type while a file is uploaded, so what the bytes are is noted then, and a message
naming one of this homeserver's files is refused when the file was declared as anything else, or
the message says it is anything else (`info.mimetype`).

Keep `types` to the clinic policy's `attachments.types` (the defaults below match Rounds').

Install: put this file on Synapse's PYTHONPATH and add to homeserver.yaml (every worker loads it):

    modules:
      - module: rounds_attachments.AttachmentTypes
        config:
          types: [image/jpeg, image/png, image/webp, image/gif, application/pdf]
"""

from synapse.module_api import NOT_SPAM, ModuleApi
from synapse.module_api.errors import Codes

# The signatures Rounds recognises (src/domain/attachment.rs reads the same).
SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]
# How much of a file is read: its signature, and the first kilobyte browsers sniff for markup.
HEAD_BYTES = 1024
MARKUP = (b"<html", b"<head", b"<body", b"<script", b"<!doctype", b"<svg", b"<iframe")
# What each upload's bytes are, by media id.
SNIFFED = "rounds_media_sniffed"
DEFAULT_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"]


def carries_markup(head: bytes) -> bool:
    """Whether the first bytes hold something a browser could render as a page."""
    lowered = head.lower()
    return any(tag in lowered for tag in MARKUP)


def media_type_of(declared) -> str:
    """`image/png` of `Image/PNG; charset=x`."""
    return str(declared or "").split(";")[0].strip().lower()


def _create_sniffed(txn) -> None:
    txn.execute(f"CREATE TABLE IF NOT EXISTS {SNIFFED} (media_id TEXT PRIMARY KEY, media_type TEXT NOT NULL)")


def sniff(head: bytes):
    """The content type the first bytes are, or None."""
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


class AttachmentTypes:
    def __init__(self, config: dict, api: ModuleApi):
        self._api = api
        self._types = set(config["types"])
        self._sniffed_ready = False
        api.register_spam_checker_callbacks(
            check_media_file_for_spam=self.check_media_file_for_spam,
            check_event_for_spam=self.check_event_for_spam,
        )

    async def _store(self):
        """The store, with the table of what uploads are made (once)."""
        store = self._api._store
        if not self._sniffed_ready:
            await store.db_pool.runInteraction("rounds_media_sniffed_table", _create_sniffed)
            self._sniffed_ready = True
        return store

    @staticmethod
    def parse_config(config: dict) -> dict:
        config = dict(config or {})
        types = config.get("types", DEFAULT_TYPES)
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise ValueError("rounds_attachments: 'types' must be a list of content types")
        config["types"] = types
        return config

    async def check_media_file_for_spam(self, file_wrapper, file_info):
        head = bytearray()

        def keep_head(chunk: bytes) -> None:
            if len(head) < HEAD_BYTES:
                head.extend(chunk[: HEAD_BYTES - len(head)])

        await file_wrapper.write_chunks_to(keep_head)
        kind = sniff(bytes(head))
        if kind not in self._types or carries_markup(bytes(head)):
            return Codes.FORBIDDEN
        # Thumbnails and remote files are Synapse's own; only uploads (no server name) are noted.
        if file_info.server_name is None and not file_info.thumbnail:
            store = await self._store()
            await store.db_pool.simple_upsert(
                SNIFFED, {"media_id": file_info.file_id}, values={"media_type": kind}, desc="rounds_media_sniffed"
            )
        return NOT_SPAM

    async def check_event_for_spam(self, event):
        """A message may name this homeserver's file only as what its bytes are."""
        if event.type != "m.room.message":
            return NOT_SPAM
        content = event.content
        uri = content.get("url")
        if not isinstance(uri, str) or not uri.startswith("mxc://"):
            return NOT_SPAM
        server, _, media_id = uri[len("mxc://"):].partition("/")
        if server != self._api.server_name or not media_id:
            return NOT_SPAM
        store = await self._store()
        media = await store.get_local_media(media_id)
        sniffed = await store.db_pool.simple_select_one_onecol(
            SNIFFED, {"media_id": media_id}, "media_type", allow_none=True, desc="rounds_media_sniffed"
        )
        if media is None or sniffed is None:
            # Unknown here, or uploaded before this rule: nothing to compare with.
            return NOT_SPAM
        info = content.get("info") if isinstance(content.get("info"), dict) else {}
        said = media_type_of(info.get("mimetype")) if "mimetype" in info else sniffed
        if media_type_of(media.media_type) == sniffed and said == sniffed:
            return NOT_SPAM
        return (Codes.FORBIDDEN, {"app.rounds.refusal": "file_type_mismatch"})
