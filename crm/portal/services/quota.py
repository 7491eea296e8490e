"""The staff daily upload quota (crm/common/uploads.py), counted per creator in the portal:
the revision media and the signed release documents they stored today, whichever portal
account of theirs stored them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.approvals.models import Revision, Submission
from crm.common import uploads
from crm.common.timeutil import utcnow
from crm.licensing.models import Release

SOURCE = "creator_request"


def creator_bytes_today(session: Session, creator_id: int, now: datetime) -> int:
    since = uploads.day_start(now)
    media = session.scalar(
        select(func.coalesce(func.sum(Revision.media_size), 0))
        .join(Submission, Submission.id == Revision.submission_id)
        .where(
            Submission.creator_id == creator_id,
            Revision.by_creator.is_(True),
            Revision.submitted_at >= since,
        )
    )
    documents = session.scalar(
        select(func.coalesce(func.sum(Release.document_size), 0)).where(
            Release.creator_id == creator_id,
            Release.source == SOURCE,
            Release.created_at >= since,
        )
    )
    return int(media or 0) + int(documents or 0)


def creator_allowance(
    session: Session, creator_id: int, limit: int | None, now: datetime | None = None
) -> uploads.Allowance:
    """What this creator may still upload today (`limit`: the configured daily bytes)."""
    now = now or utcnow()
    if limit is None:
        return uploads.Allowance(None, 0, now)
    return uploads.Allowance(limit, creator_bytes_today(session, creator_id, now), now)
