"""Import previews kept until confirmed: the checked file is stored under a random token, for
the user who previewed it, for `PREVIEW_TTL`; confirming imports that file (no second
upload) if its plan is still the one the preview showed. The owner is a staff user's id, or a
text key for another kind of principal (the portal's works import names the creator and
portal account), so one never loads another's preview.

Stored through the upload storage (`crm/common/storage.py`) as `import-previews/<token>.json`:
the local folder on one host, the bucket with `CRM_STORAGE=s3`, so a confirmation that lands
on another web host than its preview finds the file. A preview older than `PREVIEW_TTL` is
refused when loaded, whatever is still stored; each new preview removes the expired ones
(by the time they were written), and a confirmation removes its own.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeAlias

from crm.common.errors import Conflict
from crm.common.storage import Storage, as_storage
from crm.db import utcnow

PREVIEW_TTL = timedelta(minutes=30)
FOLDER = "import-previews"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

#: The upload storage, or (local) the upload folder's path.
Where: TypeAlias = Storage | str | os.PathLike[str]


@dataclass
class StoredPreview:
    token: str
    user_id: int | str | None
    fingerprint: str
    data: str
    created_at: datetime


def _key(token: str) -> str:
    return f"{FOLDER}/{token}.json"


def _expired(created_at: datetime, now: datetime) -> bool:
    return now - created_at > PREVIEW_TTL


def purge(where: Where, now: datetime | None = None) -> int:
    """Remove the previews written more than PREVIEW_TTL ago; the count removed."""
    storage = as_storage(where)
    now = now or utcnow()
    stale = [key for key, written in storage.listing(FOLDER) if _expired(written, now)]
    for key in stale:
        storage.delete(key)
    return len(stale)


def store(where: Where, user_id: int | str | None, data: str, fingerprint: str) -> str:
    """Keep a checked file for its user; the token that names it."""
    storage = as_storage(where)
    purge(storage)
    token = secrets.token_urlsafe(24)
    payload = {
        "user_id": user_id,
        "fingerprint": fingerprint,
        "data": data,
        "created_at": utcnow().isoformat(),
    }
    storage.save(_key(token), [json.dumps(payload).encode("utf-8")])
    return token


def load(where: Where, token: str | None, user_id: int | str | None) -> StoredPreview:
    """The preview of this user under `token`; refused (Conflict) when unknown, someone
    else's or expired (the same answer for all three)."""
    gone = Conflict("This preview has expired or does not exist; upload the file again.")
    if not token or not TOKEN_RE.match(token):
        raise gone
    try:
        payload = json.loads(as_storage(where).open(_key(token)).read().decode("utf-8"))
        created = datetime.fromisoformat(payload["created_at"])
        stored = StoredPreview(
            token, payload["user_id"], payload["fingerprint"], payload["data"], created
        )
    except (OSError, ValueError, KeyError, TypeError):
        raise gone from None
    if stored.user_id != user_id or _expired(created, utcnow()):
        raise gone
    return stored


def discard(where: Where, token: str) -> None:
    if TOKEN_RE.match(token or ""):
        as_storage(where).delete(_key(token))
