"""Manual entry of one snapshot, and the checks of a count and a day it shares with the
CSV import."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import FieldErrors
from crm.creators.models import Account
from crm.metrics.models import Snapshot
from crm.metrics.services.snapshots import MAX_COUNT, METRICS, upsert_snapshot


def parse_count(raw: object, field: str, errors: FieldErrors, *, prefix: str = "") -> int | None:
    """Blank → None; otherwise a non-negative whole number (thousands separators allowed)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        errors.add(field, f"{prefix}must be a whole number")
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().replace(",", "").replace("_", "")
        if text == "":
            return None
        if not text.lstrip("-").isdigit() or not text.isascii():
            errors.add(field, f"{prefix}must be a whole number")
            return None
        value = int(text)
    if value < 0:
        errors.add(field, f"{prefix}must not be negative")
        return None
    if value > MAX_COUNT:
        errors.add(field, f"{prefix}is implausibly large")
        return None
    return value


def check_day(day: date | None, today: date, errors: FieldErrors, *, prefix: str = "") -> None:
    if day is None:
        errors.add("captured_on", f"{prefix}is required")
    elif day > today:
        errors.add("captured_on", f"{prefix}must not be in the future")


def record_manual_snapshot(
    session: Session,
    actor: Actor,
    account: Account,
    *,
    captured_on: date | None,
    followers: int | str | None,
    views: int | str | None,
    posts: int | str | None,
    today: date,
) -> tuple[Snapshot, bool]:
    """A person's figures for a day (validated); returns (snapshot, created)."""
    errors = FieldErrors()
    check_day(captured_on, today, errors)
    values = {
        name: parse_count(raw, name, errors)
        for name, raw in zip(METRICS, (followers, views, posts), strict=True)
    }
    if not errors and all(v is None for v in values.values()):
        errors.add("followers", "enter at least one of followers, views or posts")
    errors.raise_if_any()
    assert captured_on is not None  # check_day refused a missing day
    existed = session.scalar(
        select(Snapshot.id).where(
            Snapshot.account_id == account.id, Snapshot.captured_on == captured_on
        )
    )
    snapshot = upsert_snapshot(session, account, captured_on, source="manual", **values)
    record(
        session,
        actor,
        "snapshot.manual",
        "account",
        account.id,
        {"captured_on": captured_on, **values},
    )
    return snapshot, existed is None
