"""Daily housekeeping: the session registry, the login throttle and the single-use links
keep only what they need."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from crm.api import idempotency
from crm.auth.links import purge_links
from crm.auth.models import UserSession
from crm.auth.services import purge_login_attempts
from crm.common.timeutil import utcnow
from crm.db import rowcount, session_scope
from crm.web import nonces

log = logging.getLogger(__name__)
KEEP_DAYS = 30


def purge_sessions(session: Session, older_than_days: int = KEEP_DAYS) -> int:
    """Delete sessions that ended, or could no longer be used, more than N days ago."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = session.execute(
        delete(UserSession).where(
            or_(UserSession.ended_at < cutoff, UserSession.last_seen_at < cutoff)
        )
    )
    return rowcount(result)


def purge_job() -> dict:
    with session_scope() as session:
        done = {
            "sessions": purge_sessions(session),
            "login_attempts": purge_login_attempts(session, KEEP_DAYS),
            "auth_links": purge_links(session, KEEP_DAYS),
            "form_nonces": nonces.purge(session, timedelta(days=KEEP_DAYS)),
            "idempotency_keys": idempotency.purge(session),
        }
    log.info("auth purge removed %s", done)
    return done
