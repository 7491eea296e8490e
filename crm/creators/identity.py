"""How an account handle is compared: its key (uniqueness) and its skeleton (look-alikes).

- `handle_key`: what the user wrote without surrounding space or leading "@", in Unicode
  NFKC and case-folded, so fullwidth `ｆｏｏ`, mathematical bold `𝐟𝐨𝐨` and `FOO` are all
  `foo`, and `straße` is `strasse`. (platform, handle_key) is unique.
- `handle_skeleton`: the Unicode TR39 skeleton of the key: NFD, each character replaced by
  the prototype of its confusable class, NFD again. Two handles on one platform with the
  same skeleton look the same (Cyrillic `а` for Latin `a`, `I` for `l`), and the second is
  refused, naming the creator who holds the first.

The confusable classes come from the data of the `confusable-homoglyphs` package (Unicode's
confusables.txt, grouped): every character listed together is joined into one class, and a
class's prototype is its smallest ASCII member, else its smallest code point. Only
single-character entries are used; sequences such as "rn" for "m" are not folded.
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.creators.models import Account

_MARKS = {"\u200e", "\u200f"}


def normalise_handle(raw: object) -> str:
    """What the user wrote, without surrounding space or leading '@'."""
    text = "" if raw is None else str(raw)
    return text.strip().lstrip("@").strip()


def handle_key(raw: object) -> str:
    """What uniqueness compares: NFKC, case-folded, no leading '@' (after folding too, for a
    fullwidth '＠')."""
    folded = unicodedata.normalize("NFKC", normalise_handle(raw)).casefold()
    return unicodedata.normalize("NFKC", folded).strip().lstrip("@").strip()


def _clean(char: str) -> str:
    return "".join(c for c in char if c not in _MARKS)


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        parent.setdefault(c, c)
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for key, homoglyphs in data.items():
        key = _clean(key)
        if len(key) != 1:
            continue
        for entry in homoglyphs:
            other = _clean(entry["c"])
            if len(other) == 1:
                a, b = find(key), find(other)
                if a != b:
                    parent[b] = a
    classes: dict[str, list[str]] = {}
    for c in list(parent):
        classes.setdefault(find(c), []).append(c)
    table: dict[str, str] = {}
    for members in classes.values():
        ascii_members = [c for c in members if c.isascii()]
        prototype = min(ascii_members or members)
        for c in members:
            if c != prototype:
                table[c] = prototype
    return table


def skeleton(text: str) -> str:
    """The TR39 skeleton of `text` (see the module's docstring for the data used)."""
    table = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(table.get(c, c) for c in decomposed))


def handle_skeleton(raw: object) -> str:
    """The skeleton of a handle's key: what look-alike detection compares."""
    return skeleton(handle_key(raw))[:400]


def look_alike_holder(
    session: Session, platform: str, handle: str, account_id: int | None = None
) -> Account | None:
    """Another account on `platform` whose handle has the same skeleton as `handle`."""
    stmt = (
        select(Account)
        .options(selectinload(Account.creator))
        .where(Account.platform == platform, Account.handle_skeleton == handle_skeleton(handle))
        .order_by(Account.id)
        .limit(1)
    )
    if account_id is not None:
        stmt = stmt.where(Account.id != account_id)
    return session.scalar(stmt)
