"""The signed copy of a release: a PDF, size-limited, checked by content, stored under a
random name in the upload storage (crm/common/storage.py: the local folder outside the
static folder, or object storage) with its SHA-256, served only as an attachment — to staff
who handle agreements, and to the creator whose release it is."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.common.errors import DomainError, Invalid
from crm.common.filenames import upload_name
from crm.common.storage import Storage, StoredFile, as_storage
from crm.licensing.models import Release

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
CHUNK = 64 * 1024


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"


@dataclass
class StoredDocument:
    name: str  # the safe download name
    path: str  # relative to the upload folder
    sha256: str
    size: int


def write_document(
    stream: IO[bytes],
    filename: str | None,
    where: Storage | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowance=None,
) -> StoredDocument:
    """Save the PDF under a random name in the storage (`where`: a `Storage`, or the upload
    folder); a file refused part-way (size, quota) leaves nothing stored."""
    head = stream.read(len(PDF_MAGIC))
    if not head:
        raise Invalid({"document": ["is empty"]})
    if head != PDF_MAGIC:
        raise Invalid({"document": ["is not a PDF (its content does not start with %PDF-)"]})
    relative = f"releases/{secrets.token_hex(16)}.pdf"
    digest = hashlib.sha256()

    def chunks():
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
    return StoredDocument(
        upload_name(filename, "pdf", "release"), relative, digest.hexdigest(), size
    )


def open_document(where: Storage | str, release: Release) -> StoredFile | None:
    """The release's stored document, or None when it has none or the file is missing."""
    if not release.document_path:
        return None
    try:
        return as_storage(where).open(release.document_path)
    except FileNotFoundError:
        return None


def remove_file(where: Storage | str, relative: str | None) -> None:
    if relative:
        as_storage(where).delete(relative)


def documents_bytes_since(session: Session, user_id: int, since: datetime) -> int:
    """The upload quota's part of licensing: release documents this user stored."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Release.document_size), 0)).where(
                Release.created_by_id == user_id, Release.created_at >= since
            )
        )
        or 0
    )
