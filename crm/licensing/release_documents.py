"""The signed copy of a release: a PDF, size-limited, checked by content, stored under a
random name in the upload storage (crm/common/storage.py: the local folder outside the
static folder, or object storage) with its SHA-256, served only as an attachment — to staff
who handle agreements, and to the creator whose release it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.common.filenames import upload_name
from crm.common.pdfs import PayloadTooLarge as PayloadTooLarge
from crm.common.pdfs import save_pdf
from crm.common.storage import Storage, StoredFile, as_storage
from crm.licensing.models import Release

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


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
    relative, sha256, size = save_pdf(
        stream, where, "releases", max_bytes=max_bytes, allowance=allowance
    )
    return StoredDocument(upload_name(filename, "pdf", "release"), relative, sha256, size)


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
