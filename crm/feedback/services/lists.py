"""The list, the board, the creator page's notes and the home panel's counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import Session, joinedload

from crm.common.pagination import Page, SortKey, keyset_page
from crm.feedback.models import STATUSES, Feedback
from crm.feedback.services.filters import Filters

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
