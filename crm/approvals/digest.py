"""The approvals' digest sections (R8), registered by `crm.approvals.register`:

- `review_queue` (legal only, order 20): how many submissions wait for a decision, how many
  of them have failed checks, and the longest waiting few with their waiting time. It is
  the queue as it stands when the digest is composed (not as of the digest's Monday), so
  waiting times are counted up to now. Two queries.
- `published_submissions` (every role, order 60): what went live over the previous week
  (`looking_back`, whole days in CRM_TIMEZONE). Scoped like the other creator sections: a
  manager hears about the creators they own, everyone else about all (`creator_scope`).
  Nothing about money is shown, so a viewer gets the same list. Two queries.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.approvals.models import Submission
from crm.common.permissions import ALL_ROLES, REVIEWERS
from crm.common.registry import DigestSection
from crm.creators.models import Creator
from crm.creators.scope import creator_scope
from crm.db import utcnow
from crm.digest.sections import looking_back, looking_back_instants, org_date

QUEUE_OLDEST = 5
PUBLISHED_LIMIT = 20


def _waiting(seconds: float) -> str:
    hours = int(seconds // 3600)
    if hours < 24:
        return f"{hours} hour{'' if hours == 1 else 's'}" if hours else "less than an hour"
    days = hours // 24
    return f"{days} day{'' if days == 1 else 's'}"


def build_review_queue(session: Session, user, week_start: date, week_end: date):
    in_review = Submission.status == "in_review"
    total, failing = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Submission.failed_checks > 0, 1), else_=0)), 0),
        ).where(in_review)
    ).one()
    if not total:
        return None
    rows = session.execute(
        select(
            Submission.id,
            Submission.title,
            Submission.platform,
            Submission.in_review_since,
            Submission.failed_checks,
            Creator.display_name,
        )
        .join(Creator, Creator.id == Submission.creator_id)
        .where(in_review)
        .order_by(Submission.in_review_since, Submission.id)
        .limit(QUEUE_OLDEST)
    ).all()
    now = utcnow()
    return {
        "total": int(total),
        "failing": int(failing),
        "oldest": [
            {
                "id": sid,
                "title": title,
                "platform": platform,
                "creator": creator,
                "since": org_date(since) if since else None,
                "waiting": _waiting((now - since).total_seconds()) if since else "unknown",
                "failed_checks": failed or 0,
            }
            for sid, title, platform, since, failed, creator in rows
        ],
        "more": int(total) - len(rows),
    }


def _web_url(url: str | None) -> str | None:
    """The post's address, only when it is a plain web address (never javascript: etc.)."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None


def build_published(session: Session, user, week_start: date, week_end: date):
    start, end = looking_back_instants(week_start)
    where = (
        Submission.status == "published",
        Submission.published_at >= start,
        Submission.published_at < end,
        *creator_scope(user),
    )
    total = session.scalar(
        select(func.count())
        .select_from(Submission)
        .join(Creator, Creator.id == Submission.creator_id)
        .where(*where)
    )
    if not total:
        return None
    rows = session.execute(
        select(
            Submission.id,
            Submission.title,
            Submission.platform,
            Submission.published_at,
            Submission.published_url,
            Submission.creator_id,
            Creator.display_name,
        )
        .join(Creator, Creator.id == Submission.creator_id)
        .where(*where)
        .order_by(Submission.published_at, Submission.id)
        .limit(PUBLISHED_LIMIT)
    ).all()
    first, last = looking_back(week_start)
    return {
        "from": first,
        "to": last,
        "total": int(total),
        "more": int(total) - len(rows),
        "submissions": [
            {
                "id": sid,
                "title": title,
                "platform": platform,
                # The WHERE clause leaves out NULL published_at, which the row type cannot show.
                "published_on": org_date(published_at),  # type: ignore[arg-type]
                "published_url": _web_url(url),
                "creator": creator,
                "creator_id": creator_id,
            }
            for sid, title, platform, published_at, url, creator_id, creator in rows
        ],
    }


SECTIONS = (
    DigestSection(
        "review_queue",
        build_review_queue,
        "email/digest/review_queue.html",
        "email/digest/review_queue.txt",
        roles=REVIEWERS,
        order=20,
    ),
    DigestSection(
        "published_submissions",
        build_published,
        "email/digest/published_submissions.html",
        "email/digest/published_submissions.txt",
        roles=ALL_ROLES,
        order=60,
    ),
)
