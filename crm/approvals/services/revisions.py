"""Revisions (R5): the input, its content hash, and a new revision back to review."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.approvals.media import StoredMedia
from crm.approvals.models import Revision, Submission
from crm.approvals.services.checking import run_revision_checks
from crm.approvals.services.common import require_editor, valid_url, write_history
from crm.approvals.services.states import next_status
from crm.common.actor import Actor, acts_for_creator
from crm.common.clearance import hidden_for, names_hidden, unfiltered
from crm.common.errors import Conflict, FieldErrors, Forbidden
from crm.common.timeutil import org_today
from crm.db import rowcount, utcnow


@dataclass
class RevisionInput:
    body: str = ""
    media_url: str | None = None
    media: StoredMedia | None = None
    disclosure_in_video: bool | None = None
    ai_label: bool | None = None
    images_retouched: bool | None = None
    shows_person_body: bool | None = None


MAX_BODY = 20000


def check_revision_input(data: RevisionInput, errors: FieldErrors) -> RevisionInput:
    body = (data.body or "").replace("\r\n", "\n")
    media_url = (data.media_url or "").strip() or None
    if len(body) > MAX_BODY:
        errors.add("body", f"must be at most {MAX_BODY} characters")
    if media_url is not None and (len(media_url) > 500 or not valid_url(media_url)):
        errors.add("media_url", "must be an http(s) address of at most 500 characters")
    if not body.strip() and media_url is None and data.media is None:
        errors.add("body", "give the caption or script, a media URL, or upload the media")
    return RevisionInput(
        body,
        media_url,
        data.media,
        data.disclosure_in_video,
        data.ai_label,
        data.images_retouched,
        data.shows_person_body,
    )


def content_hash(body: str, media_url: str | None, media_sha256: str | None) -> str:
    """SHA-256 over what legal approves: the text, the media URL and the uploaded file."""
    digest = hashlib.sha256()
    for part in (body or "", media_url or "", media_sha256 or ""):
        encoded = part.encode()
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def insert_revision(
    session: Session,
    actor: Actor,
    submission: Submission,
    number: int,
    data: RevisionInput,
    *,
    today: date | None,
    tz: str | None,
) -> Revision:
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
        images_retouched=data.images_retouched,
        shows_person_body=data.shows_person_body,
        submitted_by=actor.id,
        submitted_at=utcnow(),
        by_creator=acts_for_creator(actor, submission.creator_id),
    )
    session.add(revision)
    session.flush()
    submission.latest_revision = number
    run_revision_checks(session, submission, revision, today=today or org_today(), tz=tz)
    return revision


def _latest_body(session: Session, submission: Submission) -> str | None:
    """The stored caption, not what the editor was shown: only it tells what saving loses."""
    return session.scalar(
        select(Revision.body)
        .where(
            Revision.submission_id == submission.id,
            Revision.number == submission.latest_revision,
        )
        .execution_options(**unfiltered())
    )


def add_revision(
    session: Session,
    actor: Actor,
    submission: Submission,
    revision: RevisionInput,
    *,
    today: date | None = None,
    tz: str | None = None,
) -> Revision:
    """R5: a new revision replaces the one under review and returns it to in_review."""
    require_editor(actor, submission.creator_id)
    before = submission.status
    after = next_status(before, "add_revision")
    if hidden_for(session, actor) and names_hidden(
        session, actor, _latest_body(session, submission)
    ):
        # The revision form is prefilled with the redacted caption: saving it would replace
        # the product's name with "a restricted product".
        raise Forbidden(
            "This submission's latest revision names a restricted product; an admin or a "
            "cleared colleague can add the next one."
        )
    errors = FieldErrors()
    data = check_revision_input(revision, errors)
    errors.raise_if_any()
    number = submission.latest_revision + 1
    now = utcnow()
    values: dict[str, Any] = {"latest_revision": number, "status": after, "updated_at": now}
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
    if rowcount(result) != 1:
        raise Conflict("The submission changed meanwhile; reload it and try again.")
    session.refresh(submission)
    new = insert_revision(session, actor, submission, number, data, today=today, tz=tz)
    write_history(session, actor, submission, "add_revision", before, after, number)
    session.flush()
    return new
