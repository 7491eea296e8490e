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
