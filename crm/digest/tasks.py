"""Scheduled jobs: the Monday digest and a catch-up that finishes an interrupted run."""

from __future__ import annotations

import logging

from flask import current_app

from crm.db import get_db
from crm.digest.services import resume_current_week, send_weekly

log = logging.getLogger(__name__)


def weekly_digest() -> None:
    report = send_weekly(current_app, get_db().session_factory)
    log.info("digest: %s", report)


def resume_digest() -> None:
    report = resume_current_week(current_app, get_db().session_factory)
    if report is not None and (report.queued or report.resumed):
        log.info("digest catch-up: %s", report)
