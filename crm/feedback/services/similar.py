"""The similar-notes hint: open notes of the same product sharing title words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from crm.feedback.models import OPEN_STATUSES, Feedback

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can cannot could did do does doing down during each few for
    from further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our out over own same she
    should so some such than that the their them then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would
    you your yours model models doesn't don't isn't can't won't get gets got""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
SIMILAR_LIMIT = 5
SIMILAR_CANDIDATES = 300


def title_words(title: str) -> set[str]:
    """Significant words of a title: lower-cased, stopwords and short words removed,
    a plural "s" trimmed so "voices" meets "voice"."""
    words = set()
    for word in _WORD.findall((title or "").lower()):
        if word in STOPWORDS or (len(word) < 3 and not any(ch.isdigit() for ch in word)):
            continue  # short words are noise, but "4k" or "3d" carry meaning
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return words


@dataclass
class SimilarNote:
    note: Feedback
    score: int
    shared: list[str] = field(default_factory=list)


def similar_notes(
    session: Session,
    product_id: int | str | None,
    title: str,
    *,
    exclude_id: int | None = None,
    limit: int = SIMILAR_LIMIT,
) -> list[SimilarNote]:
    """Open notes of the same product sharing title words, best first (one query).

    SQL narrows to open notes of the product whose title contains any of the words; the
    score (shared whole words) is counted here, so "art" does not match "start"."""
    words = sorted(title_words(title))[:12]
    if not words or product_id is None:
        return []
    lowered = func.lower(Feedback.title)

    stmt = (
        select(Feedback)
        .where(
            Feedback.product_id == product_id,
            Feedback.status.in_(OPEN_STATUSES),
            or_(*[lowered.contains(w, autoescape=True) for w in words]),
        )
        .options(joinedload(Feedback.creator))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(SIMILAR_CANDIDATES)
    )
    if exclude_id is not None:
        stmt = stmt.where(Feedback.id != exclude_id)
    wanted = set(words)
    scored = []
    for note in session.scalars(stmt).unique():
        shared = sorted(wanted & title_words(note.title))
        if shared:
            scored.append(SimilarNote(note, len(shared), shared))
    scored.sort(key=lambda s: (-s.score, -s.note.created_at.timestamp(), -s.note.id))
    return scored[:limit]
