"""Scheduled jobs of this domain (registered in `crm.reminders.register`)."""

from __future__ import annotations

import logging

from crm.common.timeutil import org_today, org_zone
from crm.db import session_scope
from crm.reminders.rules import scan_reminders

log = logging.getLogger(__name__)


def scan_job():
    """Daily: raise the reminders of every R7 rule (idempotent by dedupe key)."""
    with session_scope() as session:
        result = scan_reminders(session, org_today(), tz_name=org_zone().key)
    log.info("reminder scan raised %d new reminders %s", result.total, result.raised)
    return result
