"""Read side: the review queue, lists and the data of the submission and review pages.

Every function runs a fixed number of queries whatever the number of rows (the tests count).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, cast, exists, func, literal_column, null, select, union_all
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from crm.agreements.models import Deal, Grant, Nda
from crm.approvals.models import (
    SUBMISSION_STATUSES,
    Decision,
    Revision,
    RevisionCheck,
    StatusChange,
    Submission,
)
from crm.common.errors import Invalid, NotFound
from crm.common.ids import MAX_ID, parse_int
from crm.common.pagination import Page, SortKey, count_up_to, keyset_page
from crm.creators.models import PLATFORMS, Creator
from crm.creators.search import matches as creator_matches

CREATOR_QUERY_MAX = 200


@dataclass
class QueueFilters:
    platform: str | None = None
    creator_id: int | None = None
    failed_only: bool = False
    within_days: int | None = None
    # A creator by name as typed (any part of the name, a handle or the email); the id,
    # from links and older bookmarks, still works.
    creator: str = ""

    @classmethod
    def parse(cls, args) -> QueueFilters:
        errors: dict[str, list[str]] = {}
        platform = args.get("platform") or None
        if platform and platform not in PLATFORMS:
            errors["platform"] = [f"must be one of {', '.join(PLATFORMS)}"]
        creator_id = _int(args.get("creator_id"), "creator_id", errors)
        within = _int(args.get("within_days"), "within_days", errors)
        if within is not None and not 0 <= within <= 3650:
            errors["within_days"] = ["must be between 0 and 3650"]
        failed = (args.get("failed") or "") in ("1", "true", "on", "yes")
        creator = (args.get("creator") or "").strip()
        if len(creator) > CREATOR_QUERY_MAX:
            errors["creator"] = [f"must be at most {CREATOR_QUERY_MAX} characters"]
        if errors:
            raise Invalid(errors)
        return cls(platform, creator_id, failed, within, creator)


def _int(raw, name, errors):
    if raw in (None, ""):
        return None
    value = parse_int(raw)
    if value is None:
        errors[name] = ["must be a whole number"]
        return None
    if abs(value) > MAX_ID:
        errors[name] = [f"must be at most {MAX_ID}"]
        return None
    return value


def _queue_where(filters: QueueFilters, now=None) -> list:
    where = [Submission.status == "in_review"]
    if filters.platform:
        where.append(Submission.platform == filters.platform)
    if filters.creator_id:
        where.append(Submission.creator_id == filters.creator_id)
    if filters.creator:
        named = select(Creator.id).where(creator_matches(filters.creator.lower()))
        where.append(Submission.creator_id.in_(named))
    if filters.failed_only:
        where.append(Submission.failed_checks > 0)
    if filters.within_days is not None:
        now = now or datetime.now(UTC)
        where.append(Submission.planned_for <= now + timedelta(days=filters.within_days))
    return where


QUEUE_ORDER = [
    SortKey(Submission.in_review_since, "in_review_since"),
    SortKey(Submission.id, "id"),
]


def review_queue(
    session: Session, filters: QueueFilters, cursor: str | None, limit: int, now=None
) -> Page:
    """In-review submissions, the longest waiting first, with their creators; one query per
    page."""
    stmt = (
        select(Submission)
        .options(joinedload(Submission.creator))
        .where(*_queue_where(filters, now))
    )
    return keyset_page(session, stmt, QUEUE_ORDER, cursor, limit)


def review_queue_rows(
    session: Session, filters: QueueFilters, cursor: str | None, limit: int, now=None
) -> Page:
    """The review queue page: what `review_queue` lists, as rows of the columns the page
    shows (the creator's name joined in), not submissions with their creators loaded."""
    stmt = (
        select(
            Submission.id,
            Submission.title,
            Submission.platform,
            Submission.by_creator,
            Submission.in_review_since,
            Submission.planned_for,
            Submission.latest_revision,
            Submission.failed_checks,
            Creator.display_name.label("creator_name"),
        )
        .join(Creator, Creator.id == Submission.creator_id)
        .where(*_queue_where(filters, now))
    )
    return keyset_page(session, stmt, QUEUE_ORDER, cursor, limit, scalars=False)


def count_queue(session: Session, filters: QueueFilters, now=None) -> int:
    """How many in-review submissions match the filters (up to pagination.COUNT_CAP + 1)."""
    return count_up_to(session, select(Submission).where(*_queue_where(filters, now)))


def next_for_reviewer(session: Session, reviewer_id: int | None) -> int | None:
    """The id of the submission a reviewer should look at next: the longest waiting in
    review (the queue's order) that is not their own (R5), or None when there is none."""
    own_revision = exists().where(
        Revision.submission_id == Submission.id, Revision.submitted_by == reviewer_id
    )
    stmt = (
        select(Submission.id)
        .where(Submission.status == "in_review", ~own_revision)
        .order_by(Submission.in_review_since, Submission.id)
        .limit(1)
    )
    if reviewer_id is not None:
        stmt = stmt.where(Submission.submitted_by != reviewer_id)
    return session.scalar(stmt)


def queue_count_stmt():
    return select(func.count()).select_from(Submission).where(Submission.status == "in_review")


def queue_count(session: Session) -> int:
    return session.scalar(queue_count_stmt())


@dataclass
class SubmissionFilters:
    """The submissions list's filters (GET arguments: links and bookmarks keep them)."""

    status: str | None = None
    platform: str | None = None
    creator_id: int | None = None
    # A creator by name as typed, the review queue's criterion (`QueueFilters.creator`).
    creator: str = ""

    @classmethod
    def parse(cls, args, *, creator_arg: str = "creator") -> SubmissionFilters:
        """A wrong value is a field error (422 with the reason), like the other lists.

        The page and the API read the same filters by the same rules; only the name of the
        creator's box differs (`creator` on the page, `q` in the API, as on
        `GET /api/v1/creators`), and its errors carry the name the caller sent."""
        errors: dict[str, list[str]] = {}
        status = (args.get("status") or "").strip() or None
        if status and status not in SUBMISSION_STATUSES:
            errors["status"] = [f"must be one of {', '.join(SUBMISSION_STATUSES)}"]
        platform = (args.get("platform") or "").strip() or None
        if platform and platform not in PLATFORMS:
            errors["platform"] = [f"must be one of {', '.join(PLATFORMS)}"]
        creator_id = _int(args.get("creator_id"), "creator_id", errors)
        if creator_id is not None and creator_id < 1:
            errors["creator_id"] = ["must be a positive whole number"]
        creator = (args.get(creator_arg) or "").strip()
        if len(creator) > CREATOR_QUERY_MAX:
            errors[creator_arg] = [f"must be at most {CREATOR_QUERY_MAX} characters"]
        elif any(ord(ch) < 32 or ch == "\x7f" for ch in creator):
            errors[creator_arg] = ["must not contain control characters"]
        if errors:
            raise Invalid(errors)
        return cls(status, platform, creator_id, creator)


def list_submissions(
    session: Session,
    *,
    status: str | None = None,
    creator_id: int | None = None,
    filters: SubmissionFilters | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Newest first, with their creators (one query). `filters` (the page's and the API's)
    or just a status and a creator id."""
    stmt = _submissions_matching(filters or SubmissionFilters(status, None, creator_id))
    order = [SortKey(Submission.created_at, "created_at", True), SortKey(Submission.id, "id", True)]
    return keyset_page(session, stmt.options(joinedload(Submission.creator)), order, cursor, limit)


def count_submissions(
    session: Session,
    *,
    status: str | None = None,
    creator_id: int | None = None,
    filters: SubmissionFilters | None = None,
) -> int:
    """How many submissions match (up to pagination.COUNT_CAP + 1)."""
    return count_up_to(
        session, _submissions_matching(filters or SubmissionFilters(status, None, creator_id))
    )


def _submissions_matching(filters: SubmissionFilters):
    stmt = select(Submission)
    if filters.status:
        stmt = stmt.where(Submission.status == filters.status)
    if filters.platform:
        stmt = stmt.where(Submission.platform == filters.platform)
    if filters.creator_id:
        stmt = stmt.where(Submission.creator_id == filters.creator_id)
    if filters.creator:
        named = select(Creator.id).where(creator_matches(filters.creator.lower()))
        stmt = stmt.where(Submission.creator_id.in_(named))
    return stmt


def load_submission(session: Session, submission_id: int) -> Submission:
    """A submission with creator, deal, revisions (and their checks) and decisions. The
    creator's tags, which the review page does not show, load only if asked for."""
    submission = session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            joinedload(Submission.creator).lazyload(Creator.tags),
            joinedload(Submission.deal),
            selectinload(Submission.revisions).selectinload(Revision.checks),
            selectinload(Submission.revisions).selectinload(Revision.products),
            selectinload(Submission.revisions).joinedload(Revision.submitter),
            selectinload(Submission.decisions).joinedload(Decision.reviewer),
        )
    )
    if submission is None:
        raise NotFound("No such submission.")
    return submission


def status_history(session: Session, submission_id: int) -> list[StatusChange]:
    return list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.submission_id == submission_id)
            .order_by(StatusChange.id)
        )
    )


@dataclass
class DiffLine:
    kind: str  # "add", "del", "same", "gap"
    text: str


# A word with the whitespace after it (leading whitespace on its own): spaces alone never
# anchor a match, so "new Nova" → "Nova Pro" reads as one word out, one word in.
_WORDS = re.compile(r"^\s+|\S+\s*")


def word_diff(old: str | None, new: str) -> list[DiffLine]:
    """The review page's diff, word by word: runs of kept, removed ("del") and added ("add")
    words, whitespace kept as it was. Empty when there is no earlier revision or nothing
    changed. Plain text: the template escapes it."""
    if old is None or (old or "") == (new or ""):
        return []
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    out: list[DiffLine] = []
    # Words compare without their whitespace; what is kept is shown as it is now.
    keys_a, keys_b = [t.strip() or t for t in a], [t.strip() or t for t in b]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(DiffLine("same", "".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            out.append(DiffLine("del", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(DiffLine("add", "".join(b[j1:j2])))
    return out


@dataclass
class Agreements:
    deals: list = field(default_factory=list)
    grants: list = field(default_factory=list)
    ndas: list = field(default_factory=list)


def creator_agreements(session: Session, creator_id: int) -> Agreements:
    """The creator's deals, grants and NDAs at a glance (three queries plus eager loads)."""
    return Agreements(
        deals=list(
            session.scalars(
                select(Deal)
                .options(lazyload(Deal.payments), lazyload(Deal.grants))  # not shown here
                .where(Deal.creator_id == creator_id)
                .order_by(Deal.starts_on.desc(), Deal.id.desc())
                .limit(20)
            )
        ),
        grants=list(
            session.scalars(
                select(Grant)
                .where(Grant.creator_id == creator_id)
                .order_by(Grant.ends_on.desc(), Grant.id.desc())
                .limit(20)
            ).unique()
        ),
        ndas=list(
            session.scalars(
                select(Nda)
                .options(joinedload(Nda.products))
                .where(Nda.creator_id == creator_id)
                .order_by(Nda.effective_on.desc(), Nda.id.desc())
                .limit(20)
            ).unique()
        ),
    )


def checks_of(revision: Revision) -> list[RevisionCheck]:
    return list(revision.checks)


def spans_of(checks) -> list[tuple[int, int]]:
    return [(s[0], s[1]) for c in checks for s in (c.spans or [])]


def decisions_for_submitter(session: Session, user, limit: int = 10) -> list:
    """Recent decisions on submissions this user submitted (home panel)."""
    return list(
        session.execute(
            select(Decision, Submission)
            .join(Submission, Submission.id == Decision.submission_id)
            .where(Submission.submitted_by == user.id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
            .limit(limit)
        )
    )


def creator_submissions(session: Session, creator_id: int, limit: int = 20) -> list[Submission]:
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.creator_id == creator_id)
            .order_by(Submission.created_at.desc(), Submission.id.desc())
            .limit(limit)
        )
    )


def creator_timeline_rows(session: Session, creator_id: int, limit: int) -> list:
    """The creator's newest `limit` submissions and newest `limit` decisions as rows, in one
    statement (the timeline tab is held to 12 statements with every domain's entries):
    submissions first, newest first, then decisions, newest first. `part` says which."""
    submissions = (
        select(
            literal_column("0", Integer).label("part"),
            Submission.id.label("row_id"),
            Submission.id.label("submission_id"),
            Submission.title,
            Submission.platform,
            Submission.created_at.label("at"),
            Submission.published_at,
            # Typed NULLs: PostgreSQL reads an untyped NULL in a subquery as text.
            cast(null(), Decision.decision.type).label("decision"),
            cast(null(), Integer).label("revision_number"),
        )
        .where(Submission.creator_id == creator_id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(limit)
        .subquery()
    )
    decisions = (
        select(
            literal_column("1", Integer).label("part"),
            Decision.id.label("row_id"),
            Submission.id.label("submission_id"),
            Submission.title,
            Submission.platform,
            Decision.decided_at.label("at"),
            cast(null(), Submission.published_at.type).label("published_at"),
            Decision.decision,
            Decision.revision_number,
        )
        .join(Submission, Submission.id == Decision.submission_id)
        .where(Submission.creator_id == creator_id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .limit(limit)
        .subquery()
    )
    both = union_all(select(submissions), select(decisions)).subquery()
    return list(
        session.execute(select(both).order_by(both.c.part, both.c.at.desc(), both.c.row_id.desc()))
    )


def media_bytes_since(session: Session, user_id: int, since: datetime) -> int:
    """The upload quota's part of approvals: the media of the revisions this user submitted
    from `since` on (`revisions.media_size`)."""
    stored = session.scalar(
        select(func.coalesce(func.sum(Revision.media_size), 0)).where(
            Revision.submitted_by == user_id,
            Revision.submitted_at >= since,
            Revision.media_size.is_not(None),
        )
    )
    return int(stored or 0)
