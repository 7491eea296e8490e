"""Choosing one creator by name on a form, whatever the number of creators.

A form cannot offer every creator in a list (10,000 options is neither usable nor fast), so
it takes the name as typed, matched like the creator filters of the lists
(`crm.creators.search.matches`: any part of the name, a handle or the email). One match is
the creator; several are offered as a short list (at most PICK_OPTIONS) to choose from; none
is a field error. An id sent with the name (a link from the creator's page, or a choice made
from that short list) stands as long as that creator matches the name, so retyping the name
picks again rather than keeping a stale id. At most two queries.

Suggestions while typing (`suggest_creators`, the JSON behind `data-creator-suggest`) are
the same candidates in the same order (`_ranked`), so what the box suggests is what a submit
would pick among.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session

from crm.common.ids import parse_id
from crm.creators.models import Account, Creator
from crm.creators.search import like_pattern, matches

PICK_OPTIONS = 20
NAME_MAX = 200
SUGGEST_LIMIT = 10
SUGGEST_MIN = 2


@dataclass
class Candidate:
    id: int
    name: str
    email: str | None


@dataclass
class Pick:
    """The outcome: the creator (id and name), or the reason and the candidates to offer."""

    creator_id: int | None = None
    name: str = ""
    error: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    # True when more than PICK_OPTIONS creators match (the list shows the first ones).
    more: bool = False


def _ranked(query: str, *extra: Any) -> Select:
    """The creators a (lower-cased) text may mean: not archived, matched by the creator
    search; a whole name first, then by name. The one rule of the picker and the
    suggestions."""
    exact = case((Creator.search_name == query, 0), else_=1)
    return (
        select(Creator.id, Creator.display_name, Creator.email, exact.label("exact"), *extra)
        .where(Creator.archived.is_(False), matches(query))
        .order_by(exact, Creator.search_name, Creator.id)
    )


def pick_creator(session: Session, typed: str | None, creator_id: object = None) -> Pick:
    text = (typed or "").strip()
    if len(text) > NAME_MAX:
        return Pick(error=f"must be at most {NAME_MAX} characters")
    sent = str(creator_id).strip() if creator_id is not None else ""
    wanted = parse_id(sent)
    query = text.lower()
    if wanted is not None:
        stmt = select(Creator.id, Creator.display_name).where(Creator.id == wanted)
        if query:
            stmt = stmt.where(matches(query))
        row = session.execute(stmt).first()
        if row is not None:
            return Pick(creator_id=row.id, name=row.display_name)
    if sent and not query:
        return Pick(error="is not a known creator")
    if not query:
        return Pick(error="is required: type a name, a handle or an email")
    rows = session.execute(_ranked(query).limit(PICK_OPTIONS + 1)).all()
    if not rows:
        return Pick(error=f"No creator matches “{text}”.")
    # One creator whose whole name is the text wins over the others that merely contain it.
    only_exact = rows[0].exact == 0 and (len(rows) == 1 or rows[1].exact == 1)
    if len(rows) == 1 or only_exact:
        return Pick(creator_id=rows[0].id, name=rows[0].display_name)
    more = len(rows) > PICK_OPTIONS
    shown = rows[:PICK_OPTIONS]
    count = f"More than {PICK_OPTIONS}" if more else str(len(rows))
    return Pick(
        error=f"{count} creators match “{text}”: choose one below, or type more of the name.",
        candidates=[Candidate(r.id, r.display_name, r.email) for r in shown],
        more=more,
    )


@dataclass
class Suggestion:
    id: int
    name: str
    email: str | None
    # The handle the text matched, else the creator's first one (for creators without email).
    handle: str | None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "email": self.email, "handle": self.handle}


class BadQuery(ValueError):
    """A suggestion query no name can contain (too long, control characters)."""


def suggest_creators(session: Session, typed: str | None) -> list[Suggestion]:
    """Up to SUGGEST_LIMIT creators the text may mean, in the picker's order; nothing for
    fewer than SUGGEST_MIN characters (too many to be of use). One query."""
    text = (typed or "").strip()
    if len(text) > NAME_MAX:
        raise BadQuery(f"must be at most {NAME_MAX} characters")
    # Control characters (the search index's field separator among them) are never typed.
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise BadQuery("must not contain control characters")
    if len(text) < SUGGEST_MIN:
        return []
    query = text.lower()
    handle_pattern = like_pattern(query.lstrip("@"))
    handle = (
        select(Account.handle)
        .where(Account.creator_id == Creator.id)
        .order_by(
            case((Account.handle_key.like(handle_pattern, escape="\\"), 0), else_=1),
            Account.id,
        )
        .limit(1)
        .correlate(Creator)
        .scalar_subquery()
    )
    rows = session.execute(_ranked(query, handle.label("handle")).limit(SUGGEST_LIMIT)).all()
    return [Suggestion(r.id, r.display_name, r.email, r.handle) for r in rows]
