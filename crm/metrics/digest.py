"""The metrics' digest section (R8), registered by `crm.metrics.register`: the accounts whose
followers moved most over the seven days before the digest.

The rule for comparing across gaps in the data lives in `crm.metrics.movers`; the section
only narrows it to the creators this user follows (`creator_scope`: a manager's own)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.labels import label
from crm.common.permissions import ALL_ROLES, MANAGER
from crm.common.registry import DigestSection
from crm.creators.models import Creator
from crm.creators.scope import creator_scope
from crm.metrics.movers import movers

MOVERS_LIMIT = 5


def build_audience_movers(session: Session, user, week_start: date, week_end: date):
    creator_ids = None
    if user.role == MANAGER:
        creator_ids = list(session.scalars(select(Creator.id).where(*creator_scope(user))))
        if not creator_ids:
            return None
    rows = movers(session, week_start, 7, limit=MOVERS_LIMIT, creator_ids=creator_ids)
    if not rows:
        return None
    return {
        "from": week_start - timedelta(days=7),
        "to": week_start,
        "movers": [
            {
                "creator": f"{m.creator_name} ({label(m.platform, 'platform')})",
                "creator_id": m.creator_id,
                "followers": m.current,
                "change": m.change,
                "percent": None if m.percent is None else round(m.percent, 1),
            }
            for m in rows
        ],
    }


SECTION = DigestSection(
    "audience_movers",
    build_audience_movers,
    "email/digest/audience_movers.html",
    "email/digest/audience_movers.txt",
    roles=ALL_ROLES,
    order=50,
)
