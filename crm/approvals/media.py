"""Uploaded images and videos of a revision: size limit, type by content, random names.

The browser's filename and Content-Type are never trusted: the first bytes decide the type,
against a short allowlist. Files live in the upload storage (crm/common/storage.py) under
`approvals/` (the local folder UPLOAD_DIR/approvals, outside the static folder, or object
storage) and are served only as attachments.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from werkzeug.exceptions import RequestEntityTooLarge

from crm.common.errors import Invalid
from crm.common.filenames import upload_name
from crm.common.storage import LocalStorage, Storage, StoredFile, as_storage, check_key

SUBDIR = "approvals"
CHUNK = 64 * 1024

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
}


def sniff(head: bytes) -> str | None:
    """The media type from the first bytes, or None when it is not on the allowlist."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "video/webm"
    return None


@dataclass
class StoredMedia:
    name: str
    path: str  # the storage key, e.g. approvals/<random>.png
    media_type: str
    size: int
    sha256: str


def store(
    stream,
    filename: str | None,
    where: Storage | str,
    max_bytes: int,
    allowance=None,
) -> StoredMedia:
    """Copy an upload to a random name in the storage (`where`: a `Storage`, or the upload
    folder), refusing oversize (413), unknown types (422) and, with an `allowance`
    (crm.common.uploads.Allowance), a file past the user's daily quota. A refused file
    leaves nothing stored."""
    head = stream.read(64)
    media_type = sniff(head)
    if media_type is None:
        raise Invalid(
            {"media": ["must be a JPEG, PNG, GIF or WebP image, or an MP4, MOV or WebM video"]}
        )
    random_name = f"{secrets.token_hex(16)}.{EXTENSIONS[media_type]}"
    key = f"{SUBDIR}/{random_name}"
    digest = hashlib.sha256()

    def chunks():
        size = 0
        chunk = head
        while chunk:
            size += len(chunk)
            if size > max_bytes:
                raise RequestEntityTooLarge()
            if allowance is not None and allowance.exceeded_by(size):
                raise allowance.refuse()
            digest.update(chunk)
            yield chunk
            chunk = stream.read(CHUNK)

    size = as_storage(where).save(key, chunks())
    safe_name = upload_name(filename, EXTENSIONS[media_type], "media")
    return StoredMedia(
        name=safe_name,
        path=key,
        media_type=media_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def _check(relative: str) -> str:
    check_key(relative)
    if not relative.startswith(f"{SUBDIR}/"):
        raise FileNotFoundError(relative)
    return relative


def resolve(upload_dir: str, relative: str) -> Path:
    """The absolute path of a file in the local upload folder, refusing anything outside
    the media folder."""
    return LocalStorage(upload_dir).path(_check(relative))


def open_media(where: Storage | str, relative: str) -> StoredFile:
    """The stored media file; FileNotFoundError when it is missing or not a media key."""
    return as_storage(where).open(_check(relative))


def discard(where: Storage | str, stored: StoredMedia | None) -> None:
    """Remove a file whose transaction failed, so nothing half-written stays."""
    if stored is not None:
        try:
            as_storage(where).delete(_check(stored.path))
        except FileNotFoundError:
            pass
