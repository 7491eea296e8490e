"""What the approvals pages share: the organisation's day and zone, the media upload, the
revision input from a form, and the choices and views the submission pages fill in."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from crm.agreements.models import Deal
from crm.approvals import media, queries, services
from crm.approvals.checks import highlight
from crm.approvals.forms import (
    AudienceForm,
    EmptyForm,
    PublishForm,
    RevisionForm,
    WithdrawForm,
    disclosure_value,
)
from crm.approvals.models import Revision
from crm.common import uploads
from crm.common.storage import storage_for
from crm.common.timeutil import day_start_utc, org_today, org_zone
from crm.creators.models import Creator
from crm.db import get_session
from crm.web.forms import choices
from crm.web.uploads import with_upload


def org_tz() -> str:
    return org_zone().key


def page_today():
    return org_today()


def max_media_bytes() -> int:
    return int(
        current_app.config.get("APPROVALS_MEDIA_MAX_BYTES")
        or current_app.config.get("MAX_CONTENT_LENGTH")
        or 25 * 1024 * 1024
    )


def with_media(form, call):
    """The service call with the revision's uploaded media, if any (crm.web.uploads)."""
    storage = storage_for()
    return with_upload(
        form.media.data,
        allowance=lambda: uploads.allowance(get_session(), current_user, current_app.config),
        store=lambda stream, filename, quota: media.store(
            stream, filename, storage, max_media_bytes(), allowance=quota
        ),
        call=call,
        discard=lambda stored: media.discard(storage, stored),
    )


def revision_input(form, stored) -> services.RevisionInput:
    return services.RevisionInput(
        body=form.body.data or "",
        media_url=form.media_url.data,
        media=stored,
        disclosure_in_video=disclosure_value(form.disclosure_in_video.data),
        ai_label=disclosure_value(form.ai_label.data),
        images_retouched=disclosure_value(form.images_retouched.data),
        shows_person_body=disclosure_value(form.shows_person_body.data),
    )


def creator_choices(db, form, creator_id):
    creators = db.scalars(
        select(Creator)
        .where(Creator.archived.is_(False))
        .order_by(Creator.search_name, Creator.id)
        .limit(1000)
    ).all()
    form.creator_id.choices = choices([(c.id, c.display_name) for c in creators])
    deals_stmt = select(Deal).order_by(Deal.id.desc()).limit(500)
    if creator_id:
        deals_stmt = deals_stmt.where(Deal.creator_id == creator_id)
    deals = db.scalars(deals_stmt).all()
    form.deal_id.choices = choices([("", "No deal")] + [(str(d.id), d.title) for d in deals])


def revision_view(revision: Revision) -> dict:
    checks = list(revision.checks)
    return {
        "revision": revision,
        "checks": checks,
        "text": highlight(revision.body or "", queries.spans_of(checks)),
    }


def audience_form(submission, back: str) -> AudienceForm:
    form = AudienceForm(formdata=None)
    form.audience_countries.data = " ".join(submission.audience_countries or [])
    form.back.data = back
    return form


def _choice(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def prefilled_revision_form(submission) -> RevisionForm:
    """The "add a revision" form starting from the latest revision: its caption, media URL
    and answers, so only what changes is typed. An uploaded file is not carried over."""
    form = RevisionForm(formdata=None)
    latest = submission.revisions[-1] if submission.revisions else None
    if latest is not None:
        form.body.data = latest.body
        form.media_url.data = latest.media_url or ""
        form.disclosure_in_video.data = _choice(latest.disclosure_in_video)
        form.ai_label.data = _choice(latest.ai_label)
    return form


def embargoes(submission) -> list[dict]:
    """The products the latest revision names that are not public yet (R4's rule, from the
    revisions the page already loaded), each with the instant its embargo lifts: midnight of
    its release day in the organisation's zone, the day R4 counts, so whoever reads it in
    another zone sees both."""
    today = org_today()
    latest = next((r for r in submission.revisions if r.number == submission.latest_revision), None)
    return [
        {
            "product": product,
            "lifts_at": day_start_utc(product.public_on) if product.public_on else None,
        }
        for product in (latest.products if latest is not None else [])
        if not product.released_on(today)
    ]


def detail_page(submission_id: int, status: int = 200, **refused):
    """The submission page; a refused form among its forms is passed in (by its name in the
    template), bound to what was typed, so it is shown again with its messages."""
    db = get_session()
    submission = queries.load_submission(db, submission_id)
    revisions = [revision_view(r) for r in reversed(submission.revisions)]
    forms = {
        "revision_form": prefilled_revision_form(submission),
        "audience_form": audience_form(submission, "detail"),
        "publish_form": PublishForm(formdata=None),
        "withdraw_form": WithdrawForm(formdata=None),
        **refused,
    }
    return render_template(
        "approvals/detail.html",
        submission=submission,
        revisions=revisions,
        embargoes=embargoes(submission),
        history=queries.status_history(db, submission.id),
        allowed=services.allowed_actions(submission.status),
        submit_form=EmptyForm(),
        **forms,
    ), status
