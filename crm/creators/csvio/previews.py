"""Import previews kept on the server until confirmed: the checked file is stored under a
random token, for the user who previewed it, for `PREVIEW_TTL`; confirming imports that file
(no second upload) if its plan is still the one the preview showed. The owner is a staff
user's id, or a text key for another kind of principal (the portal's works import names the
creator and portal account), so one never loads another's preview.

Stored as files in the upload folder's `import-previews/` (shared by every process of the
app); each store removes the expired ones, and a confirmation removes its own.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from crm.common.errors import Conflict
from crm.db import utcnow

PREVIEW_TTL = timedelta(minutes=30)
FOLDER = "import-previews"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class StoredPreview:
    token: str
    user_id: int | str | None
    fingerprint: str
    data: str
    created_at: datetime


def _folder(upload_dir: str) -> Path:
    folder = Path(upload_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _expired(created_at: datetime, now: datetime) -> bool:
    return now - created_at > PREVIEW_TTL


def purge(upload_dir: str, now: datetime | None = None) -> int:
    """Remove the expired previews; the count removed."""
    now = now or utcnow()
    removed = 0
    for path in _folder(upload_dir).glob("*.json"):
        try:
            created = datetime.fromisoformat(json.loads(path.read_text("utf-8"))["created_at"])
        except (OSError, ValueError, KeyError, TypeError):
            created = None
        if created is None or _expired(created, now):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def store(upload_dir: str, user_id: int | str | None, data: str, fingerprint: str) -> str:
    """Keep a checked file for its user; the token that names it."""
    purge(upload_dir)
    token = secrets.token_urlsafe(24)
    payload = {
        "user_id": user_id,
        "fingerprint": fingerprint,
        "data": data,
        "created_at": utcnow().isoformat(),
    }
    path = _folder(upload_dir) / f"{token}.json"
    path.write_text(json.dumps(payload), "utf-8")
    return token


def load(upload_dir: str, token: str | None, user_id: int | str | None) -> StoredPreview:
    """The preview of this user under `token`; refused (Conflict) when unknown, someone
    else's or expired (the same answer for all three)."""
    gone = Conflict("This preview has expired or does not exist; upload the file again.")
    if not token or not TOKEN_RE.match(token):
        raise gone
    path = _folder(upload_dir) / f"{token}.json"
    try:
        payload = json.loads(path.read_text("utf-8"))
        created = datetime.fromisoformat(payload["created_at"])
        stored = StoredPreview(
            token, payload["user_id"], payload["fingerprint"], payload["data"], created
        )
    except (OSError, ValueError, KeyError, TypeError):
        raise gone from None
    if stored.user_id != user_id or _expired(created, utcnow()):
        raise gone
    return stored


def discard(upload_dir: str, token: str) -> None:
    if TOKEN_RE.match(token or ""):
        (_folder(upload_dir) / f"{token}.json").unlink(missing_ok=True)
