"""Daily housekeeping of the portal's sessions and links (login attempts are purged with the
staff ones by `auth.purge`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from crm.common.timeutil import utcnow
from crm.db import rowcount, session_scope
from crm.portal.models import PortalLink, PortalSession

log = logging.getLogger(__name__)
KEEP_DAYS = 30


def purge(session: Session, older_than_days: int = KEEP_DAYS) -> dict[str, int]:
    """Sessions that ended or idled out, and links that expired, more than N days ago."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    sessions = session.execute(
        delete(PortalSession).where(
            or_(PortalSession.ended_at < cutoff, PortalSession.last_seen_at < cutoff)
        )
    )
    links = session.execute(delete(PortalLink).where(PortalLink.expires_at < cutoff))
    return {"portal_sessions": rowcount(sessions), "portal_links": rowcount(links)}


def purge_job() -> dict[str, int]:
    with session_scope() as session:
        done = purge(session)
    log.info("portal purge removed %s", done)
    return done
