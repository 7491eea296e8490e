"""The signed NDA PDF: size-limited, checked by content, stored under a random name in the
upload storage (crm/common/storage.py: the local folder outside the static folder, or object
storage) with its SHA-256, served only as an attachment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import Nda
from crm.audit.models import AuditEvent
from crm.audit.services import record
from crm.common.errors import Conflict, Invalid
from crm.common.filenames import upload_name
from crm.common.labels import phrase
from crm.common.pdfs import PayloadTooLarge as PayloadTooLarge
from crm.common.pdfs import save_pdf
from crm.common.storage import LocalStorage, Storage, StoredFile, as_storage

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def _safe_name(filename: str | None, nda_id: int) -> str:
    return upload_name(filename, "pdf", f"nda-{nda_id}")


@dataclass
class StoredDocument:
    """A PDF written to the upload storage, not yet recorded on its NDA."""

    name: str  # the safe download name
    path: str  # the storage key, e.g. ndas/<random>.pdf
    sha256: str
    size: int


def _accepts_document(nda: Nda) -> None:
    if nda.status in ("expired", "terminated"):
        raise Conflict(f"An NDA that is {phrase(nda.status, 'nda_status')} takes no new document.")


def write_document(
    nda: Nda,
    stream: IO[bytes],
    filename: str | None,
    where: Storage | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowance=None,
) -> StoredDocument:
    """Save the PDF under a random name in the storage (`where`: a `Storage`, or the upload
    folder), checked by content; `allowance` (crm.common.uploads.Allowance) refuses a file
    that passes the user's daily quota. A refused file leaves nothing stored."""
    _accepts_document(nda)
    relative, sha256, size = save_pdf(
        stream, where, "ndas", max_bytes=max_bytes, allowance=allowance
    )
    return StoredDocument(_safe_name(filename, nda.id), relative, sha256, size)


def attach_document(session: Session, actor, nda: Nda, stored: StoredDocument | None) -> str | None:
    """Record a written PDF on the NDA; returns the previous file's path (relative to the
    upload folder) so the caller can remove it once the change is committed."""
    _accepts_document(nda)
    if stored is None:
        raise Invalid({"document": ["is required"]})
    previous = nda.document_path
    before = {"document_sha256": nda.document_sha256, "document_name": nda.document_name}
    nda.document_name = stored.name
    nda.document_path = stored.path
    nda.document_sha256 = stored.sha256
    nda.document_size = stored.size
    changes = {
        "document_sha256": [before["document_sha256"], nda.document_sha256],
        "document_name": [before["document_name"], nda.document_name],
        "document_size": stored.size,
    }
    if nda.needs_resignature:
        # A signed PDF uploaded after the terms changed is the new signature over them.
        changes["signed_terms_sha256"] = [nda.signed_terms_sha256, nda.terms_sha256]
        nda.signed_terms_sha256 = nda.terms_sha256
    session.flush()
    record(session, actor, "nda.document_upload", "nda", nda.id, changes)
    return previous


def store_document(
    session: Session,
    actor,
    nda: Nda,
    *,
    filename: str | None,
    stream: BinaryIO,
    upload_dir: Storage | str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowance=None,
) -> str | None:
    """Write the PDF and record it on the NDA (both steps of an upload at once); returns the
    previous file's path, to remove once the change is committed."""
    stored = write_document(
        nda, stream, filename, upload_dir, max_bytes=max_bytes, allowance=allowance
    )
    try:
        return attach_document(session, actor, nda, stored)
    except BaseException:
        remove_file(upload_dir, stored.path)
        raise


def document_file(upload_dir: str, nda: Nda) -> Path | None:
    """The stored file in the local upload folder, only when it is inside it and exists."""
    if not nda.document_path:
        return None
    try:
        path = LocalStorage(upload_dir).path(nda.document_path)
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


def open_document(where: Storage | str, nda: Nda) -> StoredFile | None:
    """The NDA's stored document, or None when it has none or the file is missing."""
    if not nda.document_path:
        return None
    try:
        return as_storage(where).open(nda.document_path)
    except FileNotFoundError:
        return None


def remove_file(where: Storage | str, relative: str | None) -> None:
    if not relative:
        return
    as_storage(where).delete(relative)


def documents_bytes_since(session: Session, user_id: int, since: datetime) -> int:
    """The upload quota's part of agreements: the signed NDA documents this user uploaded
    from `since` on. The NDA row keeps only its current document; the `nda.document_upload`
    audit events keep every upload with its size."""
    stored = 0
    for changes in session.scalars(
        select(AuditEvent.changes).where(
            AuditEvent.action == "nda.document_upload",
            AuditEvent.actor_id == user_id,
            AuditEvent.at >= since,
        )
    ):
        try:
            stored += int((changes or {}).get("document_size") or 0)
        except (TypeError, ValueError):
            continue
    return stored
