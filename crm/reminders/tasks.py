"""Scheduled jobs of this domain (registered in `crm.reminders.register`).

`agreements.expiry` runs R2: it calls `crm.agreements.services.expire_ndas(session, today)`
and `expire_grants(session, today)` when the agreements domain provides them (it is built
separately; until then the job does nothing and says so). Both must be idempotent.
"""

from __future__ import annotations

import importlib
import importlib.util
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


def agreements_expiry_job():
    """Daily: expire NDAs and grants past their end (R2), if the agreements domain has it."""
    if importlib.util.find_spec("crm.agreements.services") is None:
        log.info("agreements.expiry: crm.agreements.services is not installed; nothing to do")
        return {}
    services = importlib.import_module("crm.agreements.services")
    today = today_in(current_app.config.get("CRM_TIMEZONE", "UTC"))
    done = {}
    for name in ("expire_ndas", "expire_grants"):
        fn = getattr(services, name, None)
        if fn is None:
            log.info("agreements.expiry: %s is not provided yet; skipped", name)
            continue
        # One transaction each: NDAs first (their end suspends grants), then grants.
        with session_scope() as session:
            done[name] = fn(session, today)
    return done
