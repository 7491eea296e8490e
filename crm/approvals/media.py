"""Uploaded images and videos of a revision: size limit, type by content, random names.

The browser's filename and Content-Type are never trusted: the first bytes decide the type,
against a short allowlist. Files live under UPLOAD_DIR/approvals (outside the static folder)
and are served only as attachments.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from werkzeug.exceptions import RequestEntityTooLarge

from crm.common.errors import Invalid
from crm.common.filenames import upload_name

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
    path: str  # relative to UPLOAD_DIR
    media_type: str
    size: int
    sha256: str


def store(
    stream, filename: str | None, upload_dir: str, max_bytes: int, allowance=None
) -> StoredMedia:
    """Copy an upload to a random name, refusing oversize (413), unknown types (422) and,
    with an `allowance` (crm.common.uploads.Allowance), a file past the user's daily quota."""
    head = stream.read(64)
    media_type = sniff(head)
    if media_type is None:
        raise Invalid(
            {"media": ["must be a JPEG, PNG, GIF or WebP image, or an MP4, MOV or WebM video"]}
        )
    folder = Path(upload_dir) / SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    random_name = f"{secrets.token_hex(16)}.{EXTENSIONS[media_type]}"
    target = folder / random_name
    digest = hashlib.sha256()
    size = 0
    try:
        with open(target, "xb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise RequestEntityTooLarge()
                if allowance is not None and allowance.exceeded_by(size):
                    raise allowance.refuse()
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(CHUNK)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    safe_name = upload_name(filename, EXTENSIONS[media_type], "media")
    return StoredMedia(
        name=safe_name,
        path=f"{SUBDIR}/{random_name}",
        media_type=media_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def resolve(upload_dir: str, relative: str) -> Path:
    """The absolute path of a stored file, refusing anything outside the upload folder."""
    base = (Path(upload_dir) / SUBDIR).resolve()
    path = (Path(upload_dir) / relative).resolve()
    if base not in path.parents:
        raise FileNotFoundError(relative)
    return path


def discard(upload_dir: str, stored: StoredMedia | None) -> None:
    """Remove a file whose transaction failed, so nothing half-written stays."""
    if stored is not None:
        try:
            resolve(upload_dir, stored.path).unlink(missing_ok=True)
        except FileNotFoundError:
            pass
