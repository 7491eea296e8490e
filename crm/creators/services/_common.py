"""What the creators services share: the text cleaning every field check starts with and
the email pattern creators and representatives are held to."""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _has_control(value: str) -> bool:
    return any(ord(c) < 32 and c not in "\n\r\t" for c in value)
