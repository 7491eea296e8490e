"""Scheduled work: the daily NDA and grant expiry (R2)."""

from __future__ import annotations

from datetime import date

from crm.agreements import services
from crm.common.timeutil import org_today
from crm.db import session_scope


def expire_agreements_job(today: date | None = None) -> dict:
    """Run inside an app context: expire grants, then NDAs (suspending their grants), one
    transaction. Safe to run twice, even at once: rows are locked and re-checked."""
    day = today or org_today()
    with session_scope() as db:
        return services.expire_agreements(db, day)
