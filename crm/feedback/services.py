"""Feedback rules: capture, triage transitions, the similar-notes hint and the report.

Plain functions `(session, actor, ...)`: they validate, write, audit and flush; the caller
commits once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Date, Row, Select, func, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crm.agreements.models import Grant, Product
from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.ids import parse_id
from crm.common.pagination import Page, SortKey, keyset_page
from crm.creators.models import Creator
from crm.feedback.models import CATEGORIES, OPEN_STATUSES, SEVERITIES, STATUSES, Feedback

TITLE_MAX = 200
TEXT_MAX = 20000
TEAM_MAX = 200
BULK_MAX = 200

# Triage: from each state, the states a note may move to. Closed notes can be reopened
# (back to triaged); nothing returns to "new", which means "nobody has looked at it yet".
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"triaged", "forwarded", "resolved", "wont_fix"}),
    "triaged": frozenset({"forwarded", "resolved", "wont_fix"}),
    "forwarded": frozenset({"triaged", "resolved", "wont_fix"}),
    "resolved": frozenset({"triaged"}),
    "wont_fix": frozenset({"triaged"}),
}

S = TypeVar("S", bound="Select[*tuple[Any, ...]]")
M = TypeVar("M")

EDITABLE = ("product_id", "grant_id", "category", "severity", "title", "body", "reproduction")


# --------------------------------------------------------------------------- filters


@dataclass
class Filters:
    """What the board, the list, the report and the exports may be narrowed by."""

    product_id: int | None = None
    category: str | None = None
    severity: str | None = None
    status: str | None = None
    creator_id: int | None = None
    since: date | None = None
    until: date | None = None

    def apply(self, stmt: S) -> S:
        if self.product_id is not None:
            stmt = stmt.where(Feedback.product_id == self.product_id)
        if self.category:
            stmt = stmt.where(Feedback.category == self.category)
        if self.severity:
            stmt = stmt.where(Feedback.severity == self.severity)
        if self.status:
            stmt = stmt.where(Feedback.status == self.status)
        if self.creator_id is not None:
            stmt = stmt.where(Feedback.creator_id == self.creator_id)
        if self.since:
            stmt = stmt.where(Feedback.created_at >= datetime.combine(self.since, time(), UTC))
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time(), UTC)
            stmt = stmt.where(Feedback.created_at < end)
        return stmt

    def as_args(self) -> dict:
        """The filters as query-string arguments (for links and exports)."""
        out = {}
        for key, value in self.__dict__.items():
            if value is not None and value != "":
                out[key] = value.isoformat() if isinstance(value, date) else value
        return out


def parse_filters(args: Mapping[str, Any], *, ignore: tuple[str, ...] = ()) -> Filters:
    """Shared by pages and the API: a wrong value is a field error, never ignored silently."""
    errors = FieldErrors()
    filters = Filters()

    def text(name: str) -> str | None:
        raw = args.get(name)
        return raw.strip() if isinstance(raw, str) and raw.strip() and name not in ignore else None

    for name in ("product_id", "creator_id"):
        raw = text(name)
        if raw is not None:
            if parse_id(raw) is not None:
                setattr(filters, name, parse_id(raw))
            else:
                errors.add(name, "must be a whole number")
    for name, allowed in (("category", CATEGORIES), ("severity", SEVERITIES), ("status", STATUSES)):
        raw = text(name)
        if raw is not None:
            if raw in allowed:
                setattr(filters, name, raw)
            else:
                errors.add(name, f"must be one of {', '.join(allowed)}")
    for name in ("since", "until"):
        raw = text(name)
        if raw is not None:
            try:
                setattr(filters, name, date.fromisoformat(raw))
            except ValueError:
                errors.add(name, "must be a date YYYY-MM-DD")
    if filters.since and filters.until and filters.since > filters.until:
        errors.add("until", "must not be before the start date")
    errors.raise_if_any()
    return filters


# --------------------------------------------------------------------------- capture


def _snapshot(note: Feedback) -> dict:
    return {
        "creator_id": note.creator_id,
        "product_id": note.product_id,
        "grant_id": note.grant_id,
        "category": note.category,
        "severity": note.severity,
        "title": note.title,
        "status": note.status,
        "forwarded_to": note.forwarded_to,
        "duplicate_of": note.duplicate_of_id,
    }


def _check_fields(
    session: Session, values: dict, errors: FieldErrors, note_id: int | None = None
) -> None:
    """Validate a full set of note values (creating, or an existing note with changes)."""
    if values.get("category") not in CATEGORIES:
        errors.add("category", f"must be one of {', '.join(CATEGORIES)}")
    if values.get("severity") not in SEVERITIES:
        errors.add("severity", f"must be one of {', '.join(SEVERITIES)}")
    title = (values.get("title") or "").strip()
    if not title:
        errors.add("title", "is required")
    elif len(title) > TITLE_MAX:
        errors.add("title", f"must be at most {TITLE_MAX} characters")
    values["title"] = title
    for name in ("body", "reproduction"):
        values[name] = values.get(name) or ""
        if len(values[name]) > TEXT_MAX:
            errors.add(name, f"must be at most {TEXT_MAX} characters")

    creator = _get_or_none(session, Creator, values.get("creator_id"))
    if creator is None:
        errors.add("creator_id", "is not a known creator")
    product = _get_or_none(session, Product, values.get("product_id"))
    if product is None:
        errors.add("product_id", "is not a known product")
    if values.get("grant_id") is not None:
        grant = _get_or_none(session, Grant, values["grant_id"])
        if grant is None:
            errors.add("grant_id", "is not a known grant")
        else:
            if creator is not None and grant.creator_id != creator.id:
                errors.add("grant_id", "belongs to another creator")
            if product is not None and grant.product_id != product.id:
                errors.add("grant_id", "is for another product")
    if values.get("duplicate_of_id") is not None:
        original = _get_or_none(session, Feedback, values["duplicate_of_id"])
        if original is None:
            errors.add("duplicate_of", "is not a known feedback note")
        elif note_id is not None and original.id == note_id:
            errors.add("duplicate_of", "cannot be the note itself")
        elif product is not None and original.product_id != product.id:
            errors.add("duplicate_of", "is about another product")
        elif original.duplicate_of_id is not None and original.duplicate_of_id == note_id:
            errors.add("duplicate_of", "is already a duplicate of this note")


def _get_or_none(session: Session, model: type[M], ident: int | str | None) -> M | None:
    if ident is None or isinstance(ident, bool):
        return None
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        return None
    if not 0 < ident < 2**31:
        return None
    return session.get(model, ident)


def create_feedback(
    session: Session,
    actor: Actor,
    *,
    creator_id: int | str,
    product_id: int | str,
    category: str,
    severity: str,
    title: str,
    body: str = "",
    reproduction: str = "",
    grant_id: int | str | None = None,
    duplicate_of_id: int | str | None = None,
) -> Feedback:
    values = {
        "creator_id": creator_id,
        "product_id": product_id,
        "grant_id": grant_id,
        "category": category,
        "severity": severity,
        "title": title,
        "body": body,
        "reproduction": reproduction,
        "duplicate_of_id": duplicate_of_id,
    }
    errors = FieldErrors()
    _check_fields(session, values, errors)
    errors.raise_if_any()
    note = Feedback(
        creator_id=int(creator_id),
        product_id=int(product_id),
        grant_id=int(grant_id) if grant_id is not None else None,
        category=category,
        severity=severity,
        title=values["title"],
        body=values["body"],
        reproduction=values["reproduction"],
        duplicate_of_id=int(duplicate_of_id) if duplicate_of_id is not None else None,
        status="new",
        created_by_id=getattr(actor, "id", None),
    )
    session.add(note)
    session.flush()
    record(session, actor, "feedback.create", "feedback", note.id, _snapshot(note))
    return note


def get_feedback(session: Session, note_id: int) -> Feedback:
    note = session.scalar(
        select(Feedback)
        .where(Feedback.id == note_id)
        .options(
            joinedload(Feedback.creator),
            joinedload(Feedback.product),
            joinedload(Feedback.grant),
            joinedload(Feedback.created_by),
            joinedload(Feedback.duplicate_of),
        )
    )
    if note is None:
        raise NotFound("No such feedback note.")
    return note


def update_feedback(session: Session, actor: Actor, note: Feedback, changes: dict) -> Feedback:
    """Edit fields and/or move the status (through the triage table only)."""
    changes = dict(changes)
    unknown = set(changes) - {*EDITABLE, "duplicate_of_id", "status", "forwarded_to"}
    if unknown:
        raise Invalid({name: ["is not a field you can set"] for name in sorted(unknown)})
    before = _snapshot(note)
    status = changes.pop("status", None)
    forwarded_to = changes.pop("forwarded_to", None)
    values = {
        "creator_id": note.creator_id,
        **{name: getattr(note, name) for name in EDITABLE},
        "duplicate_of_id": note.duplicate_of_id,
    }
    values.update(changes)
    errors = FieldErrors()
    _check_fields(session, values, errors, note_id=note.id)
    target = status if status is not None else note.status
    if status is not None:
        _check_transition(note, status, forwarded_to, errors)
    elif forwarded_to is not None and note.status != "forwarded":
        errors.add("forwarded_to", "can only be set when the note is forwarded")
    elif forwarded_to is not None and not forwarded_to.strip():
        errors.add("forwarded_to", "is required when forwarding")
    errors.raise_if_any()
    for name in EDITABLE:
        setattr(note, name, values[name])
    note.duplicate_of_id = values["duplicate_of_id"]
    _move(note, target, forwarded_to)
    session.flush()
    changed = {k: [before[k], v] for k, v in _snapshot(note).items() if before[k] != v}
    if changed:
        action = (
            "feedback.status" if set(changed) <= {"status", "forwarded_to"} else "feedback.update"
        )
        record(session, actor, action, "feedback", note.id, changed)
    return note


def _check_transition(
    note: Feedback, status: str, forwarded_to: str | None, errors: FieldErrors
) -> None:
    if status not in STATUSES:
        errors.add("status", f"must be one of {', '.join(STATUSES)}")
        return
    if status != note.status and status not in TRANSITIONS[note.status]:
        raise Conflict(transition_refusal(note, status))
    if status == "forwarded" and not (forwarded_to or "").strip():
        if status != note.status or forwarded_to is not None:
            errors.add("forwarded_to", "is required when forwarding: name the team")
    if forwarded_to and len(forwarded_to.strip()) > TEAM_MAX:
        errors.add("forwarded_to", f"must be at most {TEAM_MAX} characters")
    if forwarded_to and forwarded_to.strip() and status != "forwarded":
        errors.add("forwarded_to", "only applies when forwarding")


def transition_refusal(note: Feedback, status: str) -> str:
    allowed = ", ".join(sorted(TRANSITIONS[note.status])) or "nothing"
    return (
        f"Feedback #{note.id} is {note.status} and cannot move to {status} "
        f"(from {note.status} it can move to: {allowed})."
    )


def _move(note: Feedback, status: str, forwarded_to: str | None) -> None:
    note.status = status
    if status == "forwarded" and forwarded_to is not None:
        note.forwarded_to = forwarded_to.strip()


def change_status(
    session: Session, actor: Actor, note: Feedback, status: str, forwarded_to: str | None = None
) -> Feedback:
    return update_feedback(
        session,
        actor,
        note,
        {"status": status, **({"forwarded_to": forwarded_to} if forwarded_to else {})},
    )


def bulk_change_status(
    session: Session,
    actor: Actor,
    note_ids: Iterable[int | str],
    status: str,
    forwarded_to: str | None = None,
) -> list[Feedback]:
    """All or nothing: if any note may not move, none moves and the refusal names them."""
    ids = sorted({int(i) for i in note_ids})
    errors = FieldErrors()
    if not ids:
        errors.add("ids", "choose at least one note")
    elif len(ids) > BULK_MAX:
        errors.add("ids", f"at most {BULK_MAX} notes at once")
    if status not in STATUSES:
        errors.add("status", f"must be one of {', '.join(STATUSES)}")
    forwarded_to = (forwarded_to or "").strip() or None
    if status == "forwarded" and not forwarded_to:
        errors.add("forwarded_to", "is required when forwarding: name the team")
    if forwarded_to and status != "forwarded":
        errors.add("forwarded_to", "only applies when forwarding")
    if forwarded_to and len(forwarded_to) > TEAM_MAX:
        errors.add("forwarded_to", f"must be at most {TEAM_MAX} characters")
    errors.raise_if_any()
    notes = list(
        session.scalars(select(Feedback).where(Feedback.id.in_(ids)).order_by(Feedback.id))
    )
    missing = sorted(set(ids) - {n.id for n in notes})
    if missing:
        raise Invalid({"ids": [f"unknown feedback notes: {', '.join(map(str, missing))}"]})
    refused = [n for n in notes if n.status != status and status not in TRANSITIONS[n.status]]
    if refused:
        names = "; ".join(f"#{n.id} is {n.status}" for n in refused)
        raise Conflict(
            f"Nothing was changed: {len(refused)} note(s) cannot move to {status} ({names})."
        )
    for note in notes:
        before = {"status": note.status, "forwarded_to": note.forwarded_to}
        _move(note, status, forwarded_to)
        changed = {
            k: [before[k], getattr(note, k)]
            for k in ("status", "forwarded_to")
            if before[k] != getattr(note, k)
        }
        if changed:
            record(session, actor, "feedback.status", "feedback", note.id, changed)
    session.flush()
    return notes


# --------------------------------------------------------------------------- similar notes

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


# --------------------------------------------------------------------------- lists and board

BOARD_COLUMN_LIMIT = 50


def list_feedback(
    session: Session, filters: Filters, *, cursor: str | None = None, limit: int = 50
) -> Page:
    stmt = filters.apply(select(Feedback))
    order = [SortKey(Feedback.created_at, "created_at", True), SortKey(Feedback.id, "id", True)]
    return keyset_page(session, stmt, order, cursor, limit)


@dataclass
class Board:
    columns: list[tuple[str, list[Feedback], int]]  # (status, newest notes, total in status)


def board(session: Session, filters: Filters, per_column: int = BOARD_COLUMN_LIMIT) -> Board:
    """Every status column in two queries: counts by status, and the newest notes of each
    status (one LIMITed branch per status, UNION ALL, each served by the status index)."""
    counts = dict(
        session.execute(
            filters.apply(select(Feedback.status, func.count()).group_by(Feedback.status))
        ).all()
    )
    statuses = [filters.status] if filters.status else list(STATUSES)
    branches = [
        select(
            filters.apply(select(Feedback.id).where(Feedback.status == status))
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(per_column)
            .subquery()
            .c.id
        )
        for status in statuses
        if counts.get(status)
    ]
    notes: list[Feedback] = []
    if branches:
        newest = union_all(*branches).subquery()
        notes = list(
            session.scalars(
                select(Feedback)
                .where(Feedback.id.in_(select(newest.c.id)))
                .options(joinedload(Feedback.creator), joinedload(Feedback.product))
                .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            )
        )
    by_status: dict[str, list[Feedback]] = {s: [] for s in STATUSES}
    for note in notes:
        by_status[note.status].append(note)
    return Board([(s, by_status[s], counts.get(s, 0)) for s in statuses])


def creator_notes(session: Session, creator_id: int, limit: int = 10) -> tuple[list, int]:
    notes = session.scalars(
        select(Feedback)
        .where(Feedback.creator_id == creator_id)
        .options(joinedload(Feedback.product))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(limit)
    ).all()
    total = session.scalar(
        select(func.count()).select_from(Feedback).where(Feedback.creator_id == creator_id)
    )
    return list(notes), total or 0


def new_critical(session: Session, limit: int = 10) -> tuple[list, int]:
    stmt = select(Feedback).where(Feedback.status == "new", Feedback.severity == "critical")
    notes = session.scalars(
        stmt.options(joinedload(Feedback.creator), joinedload(Feedback.product))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    return list(notes), total or 0


def count_new_stmt() -> Select[int]:
    return select(func.count()).select_from(Feedback).where(Feedback.status == "new")


# --------------------------------------------------------------------------- report


class week_start(FunctionElement):
    """The Monday (UTC) of a timestamp's ISO week, as a date, on each backend."""

    type = Date()
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    # 'weekday 0' moves forward to Sunday (or stays on one); 6 days back is that week's Monday.
    arg = compiler.process(element.clauses, **kw)
    return f"date({arg}, 'weekday 0', '-6 days')"


@compiles(week_start, "postgresql")
def _week_start_pg(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(date_trunc('week', ({arg}) AT TIME ZONE 'UTC') AS DATE)"


@compiles(week_start)
def _week_start_default(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(date_trunc('week', {arg}) AS DATE)"


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


TOP_CREATORS = 10
OPEN_CRITICAL_LIMIT = 50
TREND_MAX_WEEKS = 104


@dataclass
class Report:
    product: Product
    filters: Filters
    total: int
    matrix: dict[str, dict[str, int]]  # category -> severity -> count
    category_totals: dict[str, int]
    severity_totals: dict[str, int]
    weekly: list[tuple[str, date, int]]  # (ISO week, its Monday, count)
    top_creators: list[tuple[int, str, int]]  # (creator id, name, count)
    open_critical: list[Feedback]

    def as_json(self) -> dict:
        return {
            "product": {"id": self.product.id, "name": self.product.name},
            "filters": self.filters.as_args(),
            "total": self.total,
            "by_category_severity": self.matrix,
            "by_category": self.category_totals,
            "by_severity": self.severity_totals,
            "weekly": [
                {"week": week, "starts_on": monday.isoformat(), "count": count}
                for week, monday, count in self.weekly
            ],
            "top_creators": [
                {"creator_id": cid, "display_name": name, "count": count}
                for cid, name, count in self.top_creators
            ],
            "open_critical": [
                {
                    "id": n.id,
                    "title": n.title,
                    "category": n.category,
                    "status": n.status,
                    "creator_id": n.creator_id,
                    "created_at": n.created_at.isoformat(),
                }
                for n in self.open_critical
            ],
        }


def product_report(session: Session, product_id: int, filters: Filters) -> Report:
    """Counts computed by the database (GROUP BY), in four queries whatever the volume."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    filters.product_id = product.id

    matrix = {c: dict.fromkeys(SEVERITIES, 0) for c in CATEGORIES}
    rows = session.execute(
        filters.apply(
            select(Feedback.category, Feedback.severity, func.count()).group_by(
                Feedback.category, Feedback.severity
            )
        )
    ).all()
    for category, severity, count in rows:
        matrix.setdefault(category, dict.fromkeys(SEVERITIES, 0))[severity] = count
    category_totals = {c: sum(matrix[c].values()) for c in matrix}
    severity_totals = {s: sum(matrix[c][s] for c in matrix) for s in SEVERITIES}
    total = sum(category_totals.values())

    week = week_start(Feedback.created_at).label("week")
    weekly_rows = session.execute(
        filters.apply(select(week, func.count()).group_by(week).order_by(week))
    ).all()
    weekly = _fill_weeks(weekly_rows, filters)

    top = session.execute(
        filters.apply(
            select(Feedback.creator_id, Creator.display_name, func.count().label("n"))
            .join(Creator, Creator.id == Feedback.creator_id)
            .group_by(Feedback.creator_id, Creator.display_name)
            .order_by(func.count().desc(), Creator.display_name, Feedback.creator_id)
            .limit(TOP_CREATORS)
        )
    ).all()

    open_filters = Filters(**{**filters.__dict__, "severity": None, "status": None})
    critical_stmt = open_filters.apply(select(Feedback)).where(
        Feedback.severity == "critical", Feedback.status.in_(OPEN_STATUSES)
    )
    if filters.severity not in (None, "critical") or (
        filters.status is not None and filters.status not in OPEN_STATUSES
    ):
        open_critical: list[Feedback] = []
    else:
        if filters.status:
            critical_stmt = critical_stmt.where(Feedback.status == filters.status)
        open_critical = list(
            session.scalars(
                critical_stmt.options(joinedload(Feedback.creator))
                .order_by(Feedback.created_at.desc(), Feedback.id.desc())
                .limit(OPEN_CRITICAL_LIMIT)
            )
        )
    return Report(
        product=product,
        filters=filters,
        total=total,
        matrix=matrix,
        category_totals=category_totals,
        severity_totals=severity_totals,
        weekly=weekly,
        top_creators=[(cid, name, n) for cid, name, n in top],
        open_critical=open_critical,
    )


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _fill_weeks(rows: Iterable[Sequence[Any]], filters: Filters) -> list[tuple[str, date, int]]:
    """Every week of the span with its count, zero weeks included, so the trend is honest."""
    counts = {_as_date(monday): n for monday, n in rows}
    if not counts:
        return []
    first = min(counts)
    last = max(counts)
    if filters.since:
        first = min(first, filters.since - timedelta(days=filters.since.weekday()))
    if filters.until:
        last = max(last, filters.until - timedelta(days=filters.until.weekday()))
    if (last - first).days // 7 >= TREND_MAX_WEEKS:
        first = last - timedelta(weeks=TREND_MAX_WEEKS - 1)
    out = []
    day = first
    while day <= last:
        out.append((iso_week(day), day, counts.get(day, 0)))
        day += timedelta(weeks=1)
    return out


def export_rows(session: Session, filters: Filters) -> Sequence[Row[Feedback, str]]:
    """The notes behind a report, oldest first (for CSV)."""
    stmt = (
        filters.apply(select(Feedback, Creator.display_name))
        .join(Creator, Creator.id == Feedback.creator_id)
        .order_by(Feedback.created_at, Feedback.id)
    )
    return session.execute(stmt).all()
