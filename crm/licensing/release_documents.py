"""The signed copy of a release: a PDF, size-limited, checked by content, stored under a
random name outside the static folder with its SHA-256, served only as an attachment to
staff who handle agreements."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.common.errors import DomainError, Invalid
from crm.common.filenames import upload_name
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
    upload_dir: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowance=None,
) -> StoredDocument:
    head = stream.read(len(PDF_MAGIC))
    if not head:
        raise Invalid({"document": ["is empty"]})
    if head != PDF_MAGIC:
        raise Invalid({"document": ["is not a PDF (its content does not start with %PDF-)"]})
    (Path(upload_dir) / "releases").mkdir(parents=True, exist_ok=True)
    relative = f"releases/{secrets.token_hex(16)}.pdf"
    target = Path(upload_dir) / relative
    digest = hashlib.sha256(head)
    size = len(head)
    try:
        with open(target, "xb") as out:
            out.write(head)
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        f"The document is larger than {max_bytes // (1024 * 1024)} MB."
                    )
                if allowance is not None and allowance.exceeded_by(size):
                    raise allowance.refuse()
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return StoredDocument(
        upload_name(filename, "pdf", "release"), relative, digest.hexdigest(), size
    )


def document_file(upload_dir: str, release: Release) -> Path | None:
    if not release.document_path:
        return None
    root = Path(upload_dir).resolve()
    path = (root / release.document_path).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def remove_file(upload_dir: str, relative: str | None) -> None:
    if not relative:
        return
    root = Path(upload_dir).resolve()
    path = (root / relative).resolve()
    if root in path.parents:
        path.unlink(missing_ok=True)


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
