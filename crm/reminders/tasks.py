"""Scheduled jobs of this domain (registered in `crm.reminders.register`)."""

from __future__ import annotations

import logging

from flask import current_app

from crm.common.timeutil import today_in
from crm.db import session_scope
from crm.reminders.rules import scan_reminders

log = logging.getLogger(__name__)


def scan_job():
    """Daily: raise the reminders of every R7 rule (idempotent by dedupe key)."""
    tz_name = current_app.config.get("CRM_TIMEZONE", "UTC")
    with session_scope() as session:
        result = scan_reminders(session, today_in(tz_name), tz_name=tz_name)
    log.info("reminder scan raised %d new reminders %s", result.total, result.raised)
    return result
