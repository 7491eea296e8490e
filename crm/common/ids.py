"""Ids typed by people (forms, query strings, CSV files) that fit the database's id columns.

Ids are INTEGER columns, so anything past 2**31 - 1 is no id at all: PostgreSQL refuses the
value ("integer out of range") and SQLite overflows past 2**63.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1
MAX_BIGINT = 2**63 - 1


def _at_most(limit: int) -> str:
    """A regex for the decimal numbers 0..limit (a few leading zeros allowed, not 60,000)."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(digits) - i - 1
            tail = rf"\d{{{rest}}}" if rest else ""
            options.append(f"{digits[:i]}[{low}-{int(digit) - 1}]{tail}")
    options.append(digits)
    return "0{0,9}(?:" + "|".join(options) + ")"


ID_PATTERN = _at_most(MAX_ID)
_ID_TEXT = re.compile(ID_PATTERN, re.ASCII)


def parse_id(raw: object) -> int | None:
    """An id from text, or None when it is not one.

    ASCII digits only (`str.isdigit` also accepts "²", which `int` refuses) and never past
    MAX_ID, so the number always fits the column and never hits Python's digit limit.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    return int(text) if _ID_TEXT.fullmatch(text) else None


_INT_TEXT = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)


def parse_int(raw: object, *, low: int = -MAX_BIGINT, high: int = MAX_BIGINT) -> int | None:
    """A whole number from text, or None: optional sign and ASCII digits, within low..high.

    `int()` also takes "1_2", "١٢" (Arabic-Indic digits) and thousands of digits; none of
    them is a number a person typed into this app, and a huge one overflows the column.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if not _INT_TEXT.fullmatch(text):
            return None
        value = int(text)
    return value if low <= value <= high else None
