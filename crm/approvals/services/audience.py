"""The countries a post is aimed at: their rule sets apply to its checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.approvals.disclosure.rules import normalise_country
from crm.approvals.models import Revision, Submission
from crm.approvals.services.checking import run_revision_checks
from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Forbidden
from crm.common.labels import phrase
from crm.common.permissions import EDITORS_AND_LEGAL
from crm.common.timeutil import org_today
from crm.creators.services import COUNTRIES


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
            f"A submission that is {phrase(submission.status, 'submission_status')} "
            "keeps its audience."
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
