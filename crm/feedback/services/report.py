"""The product report: counts by category and severity, the weekly trend, the exports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Row, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crm.agreements.models import Product
from crm.common.errors import NotFound
from crm.creators.models import Creator
from crm.feedback.models import CATEGORIES, OPEN_STATUSES, SEVERITIES, Feedback
from crm.feedback.services.filters import Filters


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
