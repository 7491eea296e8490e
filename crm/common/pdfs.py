"""Signed documents (NDAs, model and property releases) arrive as PDFs and are stored the same
way: checked by content (the file must start with `%PDF-`, whatever its name says), streamed
into the upload storage under a random name while it is hashed and measured, and refused
part-way when it passes the size limit or the uploader's daily quota, which leaves nothing
stored (the storage discards a save whose chunks raise)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from typing import IO, Any

from crm.common.errors import DomainError, Invalid
from crm.common.storage import Storage, as_storage

PDF_MAGIC = b"%PDF-"
CHUNK = 64 * 1024


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"


def save_pdf(
    stream: IO[bytes],
    where: Storage | str,
    folder: str,
    *,
    max_bytes: int,
    allowance: Any = None,
) -> tuple[str, str, int]:
    """Store the PDF under `folder/<random>.pdf`; (its relative path, SHA-256, size).
    `allowance` (crm.common.uploads.Allowance) refuses a file that passes the daily quota."""
    head = stream.read(len(PDF_MAGIC))
    if not head:
        raise Invalid({"document": ["is empty"]})
    if head != PDF_MAGIC:
        raise Invalid({"document": ["is not a PDF (its content does not start with %PDF-)"]})
    relative = f"{folder}/{secrets.token_hex(16)}.pdf"
    digest = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        size = 0
        chunk = head
        while chunk:
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(
                    f"The document is larger than {max_bytes // (1024 * 1024)} MB."
                )
            if allowance is not None and allowance.exceeded_by(size):
                raise allowance.refuse()
            digest.update(chunk)
            yield chunk
            chunk = stream.read(CHUNK)

    size = as_storage(where).save(relative, chunks())
    return relative, digest.hexdigest(), size
