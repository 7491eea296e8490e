"""The creators CSV file itself, shared by export and import: its columns, and the
formula neutralising that export adds and import removes again."""

from __future__ import annotations

COLUMNS = (
    "id",
    "display_name",
    "legal_name",
    "email",
    "country",
    "status",
    "owner_email",
    "tags",
    "accounts",
    "notes",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unneutralise(text: str) -> str:
    if len(text) >= 2 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text
