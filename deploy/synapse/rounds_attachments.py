"""Rounds' attachment types, enforced by Synapse (a standard Synapse module).

Rounds accepts photos (JPEG, PNG, WebP, GIF) and PDF documents, judged by their bytes, and checks
before uploading. This module makes the homeserver refuse any other upload the same way, whatever
client sends it: the first bytes of every uploaded file must be one of the accepted formats
(Synapse answers `400` and keeps nothing). The homeserver's own `max_upload_size` limits the size.

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
SNIFF_BYTES = 12
DEFAULT_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"]


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
        self._types = set(config["types"])
        api.register_spam_checker_callbacks(check_media_file_for_spam=self.check_media_file_for_spam)

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
            if len(head) < SNIFF_BYTES:
                head.extend(chunk[: SNIFF_BYTES - len(head)])

        await file_wrapper.write_chunks_to(keep_head)
        if sniff(bytes(head)) in self._types:
            return NOT_SPAM
        return Codes.FORBIDDEN
