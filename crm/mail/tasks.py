"""Scheduled job: send what is due in the outbox (every minute)."""

from __future__ import annotations

import logging

from flask import current_app

from crm.db import get_db
from crm.mail.services import flush

log = logging.getLogger(__name__)


def flush_outbox() -> None:
    report = flush(current_app, get_db().session_factory)
    if report.sent or report.retry or report.failed or report.reclaimed:
        log.info("outbox flush: %s", report)
