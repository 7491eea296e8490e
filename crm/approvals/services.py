"""The approval rules (R3, R4, R5, R6): one state machine, checks on every revision.

Events (blinker, crm/approvals/signals.py): `decide` sends `decision_recorded` inside the
deciding transaction; the receivers (the email to the submitter, the submitter's task when
legal asks for changes) live in this domain and are connected by `crm.approvals.register`.

``on_product_release_moved(session, product, old, new)`` is R4: approvals connects it to the
agreements' `release_moved` signal (crm/approvals/receivers.py); approved submissions whose
latest revision names the product and that are planned before the new date return to
in_review.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.agreements.models import Deal, Grant, Product
from crm.approvals import rulesets
from crm.approvals.checks import DEFAULT_BANNED_CLAIMS, CheckSettings, find_phrase, run_checks
from crm.approvals.disclosure.engine import review_findings
from crm.approvals.disclosure.rules import normalise_country
from crm.approvals.media import StoredMedia
from crm.approvals.models import (
    DECISIONS,
    ApprovalSettings,
    Decision,
    Revision,
    RevisionCheck,
    RevisionProduct,
    StatusChange,
    Submission,
)
from crm.approvals.signals import decision_recorded
from crm.audit.services import SystemActor, actor_label, record, system_actor
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Forbidden, Invalid, NotFound
from crm.common.permissions import EDITORS, EDITORS_AND_LEGAL, LEGAL
from crm.common.timeutil import org_today, org_zone, zone
from crm.creators.models import PLATFORMS, Creator
from crm.creators.services import COUNTRIES
from crm.db import utcnow

# --------------------------------------------------------------------------- state machine

ACTIONS = (
    "submit",
    "add_revision",
    "approve",
    "request_changes",
    "reject",
    "publish",
    "withdraw",
    "reopen",  # R4: a named product's release moved later (the system does this)
)

# state × action → new state. Anything missing is refused with 409.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "in_review",
    ("draft", "add_revision"): "draft",
    ("draft", "withdraw"): "withdrawn",
    ("in_review", "add_revision"): "in_review",
    ("in_review", "approve"): "approved",
    ("in_review", "request_changes"): "changes_requested",
    ("in_review", "reject"): "rejected",
    ("in_review", "withdraw"): "withdrawn",
    ("changes_requested", "add_revision"): "in_review",
    ("changes_requested", "withdraw"): "withdrawn",
    ("approved", "add_revision"): "in_review",
    ("approved", "publish"): "published",
    ("approved", "withdraw"): "withdrawn",
    ("approved", "reopen"): "in_review",
    # rejected, published and withdrawn are final.
}

ACTION_LABELS = {
    "create": "created",
    "submit": "submitted for review",
    "add_revision": "new revision",
    "approve": "approved",
    "request_changes": "changes requested",
    "reject": "rejected",
    "publish": "published",
    "withdraw": "withdrawn",
    "reopen": "back to review",
}


def next_status(status: str, action: str) -> str:
    """The state after `action`, or Conflict when the state machine refuses it."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise Conflict(
            f"A submission that is {status.replace('_', ' ')} cannot be "
            f"{ACTION_LABELS.get(action, action)}."
        ) from None


def allowed_actions(status: str) -> set[str]:
    return {action for (state, action) in TRANSITIONS if state == status}


# --------------------------------------------------------------------------- settings


def load_settings(session: Session) -> CheckSettings:
    """The rule sets (defaults with the admins' edits) and the banned claims."""
    row = session.get(ApprovalSettings, 1)
    rule_sets = rulesets.effective(session)
    base = next(r for r in rule_sets if r.default)
    return CheckSettings(
        disclosure_markers=list(base.markers),
        vague_tags=list(base.vague),
        banned_claims=list(row.banned_claims) if row is not None else list(DEFAULT_BANNED_CLAIMS),
        rule_sets=rule_sets,
    )


def _clean_list(values, field: str, errors: FieldErrors) -> list[str]:
    out: list[str] = []
    for raw in values:
        value = " ".join(str(raw).split())
        if not value:
            continue
        if len(value) > 100:
            errors.add(field, f"“{value[:30]}…” is longer than 100 characters")
        elif value.casefold() not in {v.casefold() for v in out}:
            out.append(value)
    if len(out) > 200:
        errors.add(field, "at most 200 entries")
    return out


def save_settings(
    session: Session, actor, *, disclosure_markers, vague_tags, banned_claims
) -> ApprovalSettings:
    """The banned claims, and the markers of the default rule set (an edit of that rule
    set, audited as such)."""
    if getattr(actor, "role", None) != "admin":
        raise Forbidden("Only admins change the check settings.")
    errors = FieldErrors()
    markers = _clean_list(disclosure_markers, "disclosure_markers", errors)
    vague = _clean_list(vague_tags, "vague_tags", errors)
    banned = _clean_list(banned_claims, "banned_claims", errors)
    if not markers:
        errors.add("disclosure_markers", "at least one marker is needed")
    overlap = {m.casefold() for m in markers} & {v.casefold() for v in vague}
    if overlap:
        errors.add("vague_tags", f"{', '.join(sorted(overlap))} cannot be both clear and vague")
    errors.raise_if_any()
    before = load_settings(session)
    base = next(r for r in before.rule_sets if r.default)
    rulesets.save(session, actor, base.code, {"markers": markers, "vague": vague})
    row = session.get(ApprovalSettings, 1)
    if row is None:
        row = ApprovalSettings(id=1)
        session.add(row)
    row.banned_claims = banned
    row.updated_by = getattr(actor, "id", None)
    row.updated_at = utcnow()
    if before.banned_claims != banned:
        record(
            session,
            actor,
            "approval_settings.update",
            "approval_settings",
            1,
            {"banned_claims": [before.banned_claims, banned]},
        )
    session.flush()
    return row


# --------------------------------------------------------------------------- R3 and checks


def planned_day(planned_for: datetime, tz: str | None = None) -> date:
    return planned_for.astimezone(zone(tz) if tz else org_zone()).date()


def material_connection(session: Session, creator_id: int, day: date) -> bool:
    """R3: an active deal or an active grant on `day` (FTC 16 CFR 255.5)."""
    deal = exists().where(
        Deal.creator_id == creator_id,
        Deal.status.in_(("signed", "active")),
        or_(Deal.starts_on.is_(None), Deal.starts_on <= day),
        or_(Deal.ends_on.is_(None), Deal.ends_on >= day),
    )
    grant = exists().where(
        Grant.creator_id == creator_id,
        Grant.status == "active",
        Grant.starts_on <= day,
        Grant.ends_on >= day,
    )
    return bool(session.scalar(select(or_(deal, grant))))


def named_products(text: str, products) -> list:
    return [p for p in products if find_phrase(text or "", [p.name, *(p.aliases or [])])]


def active_grant(session: Session, creator_id: int, day: date) -> bool:
    """The creator has access to one of our products on `day`."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Grant.creator_id == creator_id,
                    Grant.status == "active",
                    Grant.starts_on <= day,
                    Grant.ends_on >= day,
                )
            )
        )
    )


def deal_terms(deal: Deal | None) -> str:
    """What the review-terms check reads of a deal: its title and deliverables (the brief)."""
    if deal is None:
        return ""
    return "\n".join(part for part in (deal.title, deal.deliverables) if part)


def deal_review_findings(session: Session, deal: Deal) -> list:
    """16 CFR 465.4: the deal's terms that tie payment or access to an opinion."""
    return review_findings(deal_terms(deal), load_settings(session).effective_rule_sets)


def clean_countries(values: Iterable[str] | None, field: str, errors: FieldErrors) -> list[str]:
    """ISO 3166 alpha-2 codes, upper-cased, without duplicates ("UK" reads GB)."""
    out: list[str] = []
    for raw in values or []:
        code = normalise_country(str(raw))
        if not code:
            continue
        if code not in COUNTRIES:
            errors.add(field, f"“{str(raw)[:10]}” is not an ISO 3166 alpha-2 country code")
        elif code not in out:
            out.append(code)
    if len(out) > 50:
        errors.add(field, "at most 50 countries")
    return out


def run_revision_checks(
    session: Session,
    submission: Submission,
    revision: Revision,
    *,
    today: date,
    tz: str | None = None,
    settings: CheckSettings | None = None,
) -> list[RevisionCheck]:
    """Run every check on a revision and store the flags and the products it names."""
    settings = settings or load_settings(session)
    day = planned_day(submission.planned_for, tz)
    products = named_products(revision.body, session.scalars(select(Product)).all())
    creator = session.get(Creator, submission.creator_id)
    deal = session.get(Deal, submission.deal_id) if submission.deal_id else None
    results = run_checks(
        revision.body or "",
        material_connection=material_connection(session, submission.creator_id, day),
        is_video=submission.is_video,
        disclosure_in_video=revision.disclosure_in_video,
        products=products,
        planned_for=day,
        today=today,
        settings=settings,
        jurisdictions=settings.select(
            creator.country if creator else None, submission.audience_countries or ()
        ),
        # Made with one of our products: the creator's access, or a product it names.
        ai_made=bool(products) or active_grant(session, submission.creator_id, day),
        ai_label=revision.ai_label,
        platform=submission.platform,
        deal_terms=deal_terms(deal),
    )
    if revision.id is not None:
        session.execute(delete(RevisionCheck).where(RevisionCheck.revision_id == revision.id))
        session.execute(delete(RevisionProduct).where(RevisionProduct.revision_id == revision.id))
    session.flush()
    rows = [
        RevisionCheck(
            revision_id=revision.id,
            code=r.code,
            message=r.message,
            spans=[list(s) for s in r.spans],
            product_id=r.product_id,
            jurisdiction=r.jurisdiction,
            remedy=r.remedy,
            source=r.source,
        )
        for r in results
    ]
    session.add_all(rows)
    session.add_all(RevisionProduct(revision_id=revision.id, product_id=p.id) for p in products)
    if submission.latest_revision == revision.number:
        submission.failed_checks = len(rows)
    session.flush()
    return rows


# --------------------------------------------------------------------------- input


@dataclass
class RevisionInput:
    body: str = ""
    media_url: str | None = None
    media: StoredMedia | None = None
    disclosure_in_video: bool | None = None
    ai_label: bool | None = None


MAX_BODY = 20000


def _valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _check_revision_input(data: RevisionInput, errors: FieldErrors) -> RevisionInput:
    body = (data.body or "").replace("\r\n", "\n")
    media_url = (data.media_url or "").strip() or None
    if len(body) > MAX_BODY:
        errors.add("body", f"must be at most {MAX_BODY} characters")
    if media_url is not None and (len(media_url) > 500 or not _valid_url(media_url)):
        errors.add("media_url", "must be an http(s) address of at most 500 characters")
    if not body.strip() and media_url is None and data.media is None:
        errors.add("body", "give the caption or script, a media URL, or upload the media")
    return RevisionInput(body, media_url, data.media, data.disclosure_in_video, data.ai_label)


def content_hash(body: str, media_url: str | None, media_sha256: str | None) -> str:
    """SHA-256 over what legal approves: the text, the media URL and the uploaded file."""
    digest = hashlib.sha256()
    for part in (body or "", media_url or "", media_sha256 or ""):
        encoded = part.encode()
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def _require_editor(actor) -> None:
    if getattr(actor, "role", None) not in EDITORS:
        raise Forbidden("Only managers and admins change submissions.")


# --------------------------------------------------------------------------- transitions


def _history(session, actor, submission, action, before, after, revision_number, note=""):
    session.add(
        StatusChange(
            submission_id=submission.id,
            action=action,
            from_status=before,
            to_status=after,
            revision_number=revision_number,
            actor_id=None if isinstance(actor, SystemActor) else getattr(actor, "id", None),
            actor_label=actor_label(actor),
            note=note,
        )
    )
    changes = {"status": [before, after], "revision": revision_number}
    if note:
        changes["note"] = note
    record(session, actor, f"submission.{action}", "submission", submission.id, changes)


def get_submission(session: Session, submission_id: int, *, lock: bool = False) -> Submission:
    stmt = select(Submission).where(Submission.id == submission_id)
    if lock:
        stmt = stmt.with_for_update()
    submission = session.scalar(stmt)
    if submission is None:
        raise NotFound("No such submission.")
    return submission


def create_submission(
    session: Session,
    actor,
    *,
    creator_id: int,
    platform: str,
    title: str,
    planned_for: datetime | None,
    revision: RevisionInput,
    deal_id: int | None = None,
    is_video: bool = False,
    submit: bool = True,
    today: date | None = None,
    tz: str | None = None,
    audience_countries: Iterable[str] | None = None,
) -> Submission:
    """A submission with its first revision; submitted for review at once unless a draft."""
    _require_editor(actor)
    errors = FieldErrors()
    creator = session.get(Creator, creator_id) if creator_id else None
    if creator is None or creator.archived:
        errors.add("creator_id", "choose an existing, not archived creator")
    if deal_id is not None:
        deal = session.get(Deal, deal_id)
        if deal is None or (creator is not None and deal.creator_id != creator.id):
            errors.add("deal_id", "must be one of this creator's deals")
    if platform not in PLATFORMS:
        errors.add("platform", f"must be one of {', '.join(PLATFORMS)}")
    title = " ".join((title or "").split())
    if not title:
        errors.add("title", "is required")
    elif len(title) > 200:
        errors.add("title", "must be at most 200 characters")
    if planned_for is None:
        errors.add("planned_for", "is required")
    elif planned_for.tzinfo is None:
        errors.add("planned_for", "must include a time zone")
    data = _check_revision_input(revision, errors)
    audience = clean_countries(audience_countries, "audience_countries", errors)
    errors.raise_if_any()

    submission = Submission(
        creator_id=creator_id,
        deal_id=deal_id,
        platform=platform,
        title=title,
        planned_for=planned_for.astimezone(UTC),
        is_video=bool(is_video),
        status="draft",
        submitted_by=actor.id,
        latest_revision=0,
        review_round=0,
        failed_checks=0,
        audience_countries=audience,
    )
    session.add(submission)
    session.flush()
    _history(session, actor, submission, "create", None, "draft", 1)
    _insert_revision(session, actor, submission, 1, data, today=today, tz=tz)
    submission.latest_revision = 1
    session.flush()
    if submit:
        submit_for_review(session, actor, submission)
    return submission


def _insert_revision(session, actor, submission, number, data, *, today, tz) -> Revision:
    media = data.media
    revision = Revision(
        submission_id=submission.id,
        number=number,
        body=data.body,
        media_url=data.media_url,
        media_name=media.name if media else None,
        media_path=media.path if media else None,
        media_type=media.media_type if media else None,
        media_size=media.size if media else None,
        media_sha256=media.sha256 if media else None,
        content_hash=content_hash(data.body, data.media_url, media.sha256 if media else None),
        disclosure_in_video=data.disclosure_in_video if submission.is_video else None,
        ai_label=data.ai_label,
        submitted_by=actor.id,
        submitted_at=utcnow(),
    )
    session.add(revision)
    session.flush()
    submission.latest_revision = number
    run_revision_checks(session, submission, revision, today=today or org_today(), tz=tz)
    return revision


def submit_for_review(session: Session, actor, submission: Submission) -> Submission:
    _require_editor(actor)
    before = submission.status
    after = next_status(before, "submit")
    submission.status = after
    submission.review_round += 1
    submission.in_review_since = utcnow()
    submission.decided_revision = None
    _history(session, actor, submission, "submit", before, after, submission.latest_revision)
    session.flush()
    return submission


def add_revision(
    session: Session,
    actor,
    submission: Submission,
    revision: RevisionInput,
    *,
    today: date | None = None,
    tz: str | None = None,
) -> Revision:
    """R5: a new revision replaces the one under review and returns it to in_review."""
    _require_editor(actor)
    before = submission.status
    after = next_status(before, "add_revision")
    errors = FieldErrors()
    data = _check_revision_input(revision, errors)
    errors.raise_if_any()
    number = submission.latest_revision + 1
    now = utcnow()
    values: dict = {"latest_revision": number, "status": after, "updated_at": now}
    if after == "in_review":
        values["review_round"] = Submission.review_round + 1
        values["decided_revision"] = None
        if before != "in_review":
            values["in_review_since"] = now
    # Conditional on the revision we read: a concurrent revision or decision makes it miss.
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == submission.id,
            Submission.latest_revision == submission.latest_revision,
            Submission.status == before,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("The submission changed meanwhile; reload it and try again.")
    session.refresh(submission)
    new = _insert_revision(session, actor, submission, number, data, today=today, tz=tz)
    _history(session, actor, submission, "add_revision", before, after, number)
    session.flush()
    return new


def is_own_submission(session: Session, actor: Actor, submission: Submission) -> bool:
    """R5: the actor submitted this submission or one of its revisions."""
    if submission.submitted_by == actor.id:
        return True
    own_revision = exists().where(
        Revision.submission_id == submission.id, Revision.submitted_by == actor.id
    )
    return bool(session.scalar(select(own_revision)))


def may_decide(session: Session, actor: Actor, submission: Submission) -> bool:
    """Whether `decide` hears this actor on this submission now (R5): legal, not their own
    submission, and the submission in review. The review page asks before showing the form."""
    return (
        getattr(actor, "role", None) == LEGAL
        and submission.status == "in_review"
        and not is_own_submission(session, actor, submission)
    )


AUDIENCE_EDITABLE = ("draft", "in_review", "changes_requested", "approved")


def set_audience_countries(
    session: Session,
    actor: Actor,
    submission: Submission,
    countries: Iterable[str],
    *,
    today: date | None = None,
    tz: str | None = None,
) -> Submission:
    """Legal (or a manager) names the countries a post is aimed at; their rule sets apply
    from now on, so the latest revision's checks run again."""
    if getattr(actor, "role", None) not in EDITORS_AND_LEGAL:
        raise Forbidden("Only legal, managers and admins set the audience countries.")
    if submission.status not in AUDIENCE_EDITABLE:
        raise Conflict(
            f"A submission that is {submission.status.replace('_', ' ')} keeps its audience."
        )
    errors = FieldErrors()
    audience = clean_countries(countries, "audience_countries", errors)
    errors.raise_if_any()
    before = list(submission.audience_countries or [])
    if audience == before:
        return submission
    submission.audience_countries = audience
    record(
        session,
        actor,
        "submission.audience",
        "submission",
        submission.id,
        {"audience_countries": [before, audience]},
    )
    session.flush()
    revision = session.scalar(
        select(Revision).where(
            Revision.submission_id == submission.id,
            Revision.number == submission.latest_revision,
        )
    )
    if revision is not None:
        run_revision_checks(session, submission, revision, today=today or org_today(), tz=tz)
    return submission


def decide(
    session: Session,
    actor,
    submission_id: int,
    revision_number: int,
    decision: str,
    comment: str = "",
) -> Decision:
    """R5: only legal, never on their own submission, only on the latest revision.

    The status change is one conditional UPDATE (status in_review, this revision still the
    latest, this review round): of two reviewers deciding at once, exactly one matches the
    row; the other gets Conflict. The unique (submission_id, review_round) is the backstop.
    """
    if getattr(actor, "role", None) != LEGAL:
        raise Forbidden("Only legal decides on submissions.")
    errors = FieldErrors()
    if decision not in DECISIONS:
        errors.add("decision", f"must be one of {', '.join(DECISIONS)}")
    comment = (comment or "").strip()
    if decision != "approve" and not comment:
        errors.add("comment", "is required to request changes or to reject")
    if len(comment) > 5000:
        errors.add("comment", "must be at most 5000 characters")
    errors.raise_if_any()
    submission = get_submission(session, submission_id)
    if is_own_submission(session, actor, submission):
        raise Forbidden("You cannot decide on a submission you submitted.")
    revision = session.scalar(
        select(Revision).where(
            Revision.submission_id == submission.id, Revision.number == revision_number
        )
    )
    if revision is None:
        raise Invalid({"revision": [f"this submission has no revision {revision_number}"]})
    stale = Conflict(
        f"Revision {revision_number} is no longer under review: the submission is now "
        f"{submission.status.replace('_', ' ')} with revision {submission.latest_revision} "
        "as the latest. Nothing was recorded; reload and review the latest revision."
    )
    if revision_number != submission.latest_revision:
        raise stale
    before = submission.status
    after = next_status(before, decision) if before == "in_review" else None
    if after is None:
        raise stale
    round_ = submission.review_round
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == submission.id,
            Submission.status == "in_review",
            Submission.latest_revision == revision_number,
            Submission.review_round == round_,
        )
        .values(
            status=after,
            decided_revision=revision_number,
            in_review_since=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(
            f"Revision {revision_number} was decided or replaced a moment ago by someone "
            "else. Nothing was recorded; reload to see the current state."
        )
    row = Decision(
        submission_id=submission.id,
        review_round=round_,
        revision_number=revision_number,
        content_hash=revision.content_hash,
        decision=decision,
        comment=comment,
        reviewer_id=actor.id,
        decided_at=utcnow(),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"Revision {revision_number} already has a decision. Nothing was recorded."
        ) from None
    session.refresh(submission)
    _history(session, actor, submission, decision, before, after, revision_number, comment)
    record(
        session,
        actor,
        f"decision.{decision}",
        "decision",
        row.id,
        {"submission_id": submission.id, "revision": revision_number, "hash": row.content_hash},
    )
    session.flush()
    decision_recorded.send(submission, session=session, actor=actor, decision=row)
    return row


def embargoed_products(session: Session, submission: Submission, today: date) -> list[Product]:
    """Products the latest revision names that are not public on `today` (R4)."""
    return list(
        session.scalars(
            select(Product)
            .join(RevisionProduct, RevisionProduct.product_id == Product.id)
            .join(Revision, Revision.id == RevisionProduct.revision_id)
            .where(
                Revision.submission_id == submission.id,
                Revision.number == submission.latest_revision,
                or_(Product.public_on.is_(None), Product.public_on > today),
            )
            .order_by(Product.name)
        )
    )


def publish(
    session: Session,
    actor,
    submission: Submission,
    published_url: str,
    *,
    today: date | None = None,
) -> Submission:
    """R5: only the latest approved revision; R4: not before a named product's release."""
    _require_editor(actor)
    before = submission.status
    after = next_status(before, "publish")
    url = (published_url or "").strip()
    if not url or len(url) > 500 or not _valid_url(url):
        raise Invalid({"published_url": ["must be the http(s) address of the published post"]})
    if submission.decided_revision != submission.latest_revision:
        raise Conflict("Only the latest approved revision may be published.")
    today = today or org_today()
    blocked = embargoed_products(session, submission, today)
    if blocked:
        names = "; ".join(
            f"{p.name} is public on {p.public_on.isoformat()}"
            if p.public_on
            else f"{p.name} has no public date yet"
            for p in blocked
        )
        raise Conflict(f"Embargo: the approved revision names unreleased products ({names}).")
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == submission.id,
            Submission.status == "approved",
            Submission.latest_revision == submission.latest_revision,
        )
        .values(status=after, published_url=url, published_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("The submission changed meanwhile; reload it and try again.")
    session.refresh(submission)
    _history(session, actor, submission, "publish", before, after, submission.latest_revision, url)
    session.flush()
    return submission


def withdraw(session: Session, actor, submission: Submission, note: str = "") -> Submission:
    _require_editor(actor)
    before = submission.status
    after = next_status(before, "withdraw")
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == before)
        .values(status=after, in_review_since=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("The submission changed meanwhile; reload it and try again.")
    session.refresh(submission)
    note = (note or "").strip()[:2000]
    _history(
        session, actor, submission, "withdraw", before, after, submission.latest_revision, note
    )
    session.flush()
    return submission


def on_product_release_moved(
    session: Session,
    product: Product,
    old: date | None,
    new: date | None,
    *,
    actor=None,
    today: date | None = None,
    tz: str | None = None,
) -> list[Submission]:
    """R4: after a product's `public_on` changed (the agreements' `release_moved` signal).

    When the date moved later (or was cleared), approved submissions whose latest revision
    names the product and that are planned before the new date go back to in_review, with
    their checks re-run (so legal sees the embargo flag). Returns those submissions.
    """
    later = (old is not None and new is None) or (old is not None and new is not None and new > old)
    if not later:
        return []
    actor = actor or system_actor("product-release-moved")
    stmt = (
        select(Submission)
        .join(
            Revision,
            and_(
                Revision.submission_id == Submission.id,
                Revision.number == Submission.latest_revision,
            ),
        )
        .join(RevisionProduct, RevisionProduct.revision_id == Revision.id)
        .where(Submission.status == "approved", RevisionProduct.product_id == product.id)
        .order_by(Submission.id)
    )
    if new is not None:
        stmt = stmt.where(Submission.planned_for < datetime.combine(new, time(), UTC))
    reopened = []
    settings = load_settings(session)
    for submission in session.scalars(stmt).all():
        before = submission.status
        after = next_status(before, "reopen")
        submission.status = after
        submission.review_round += 1
        submission.decided_revision = None
        submission.in_review_since = utcnow()
        note = (
            f"{product.name} is now public on {new.isoformat()}"
            if new
            else f"{product.name} no longer has a public date"
        )
        _history(
            session, actor, submission, "reopen", before, after, submission.latest_revision, note
        )
        revision = session.scalar(
            select(Revision).where(
                Revision.submission_id == submission.id,
                Revision.number == submission.latest_revision,
            )
        )
        run_revision_checks(
            session,
            submission,
            revision,
            today=today or org_today(),
            tz=tz,
            settings=settings,
        )
        reopened.append(submission)
    session.flush()
    return reopened
