"""The daily snapshot job (run by the scheduler inside an app context)."""

from __future__ import annotations

import logging

from flask import current_app

log = logging.getLogger(__name__)


def snapshot_job() -> None:
    """Safe to run twice, even at once: the (account, day) unique key keeps one row a day."""
    from crm.metrics.fetch import snapshot_all

    summary = snapshot_all(current_app._get_current_object())  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
    log.info(
        "metrics.snapshot: %d ok, %d failed, %d skipped",
        summary.ok,
        summary.failed,
        summary.skipped,
    )


def movers_job() -> None:
    """Start the day's stored movers for every account (the windows moved overnight, even
    for accounts without a new snapshot). Safe to run twice: it rewrites the same rows."""
    from crm.common.timeutil import org_today
    from crm.db import session_scope
    from crm.metrics.movers import refresh_movers

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
    with session_scope(app) as session:
        refresh_movers(session, org_today(app))
    log.info("metrics.movers: stored the movers to %s", org_today(app))
