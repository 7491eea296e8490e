"""The scheduled job: run queued bulk actions on creators."""

from __future__ import annotations

from crm.creators.bulk import run_pending
from crm.db import get_db


def run_bulk_jobs() -> str:
    return f"{run_pending(get_db().session_factory)} bulk jobs run"
