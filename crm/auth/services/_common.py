"""What the modules of this package share: how an email address is normalised before it
is stored or looked up, and how a secret (session key, API token, link token) is hashed, so
only the hash ever reaches the database."""

from __future__ import annotations

import hashlib
import re

EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$")


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
