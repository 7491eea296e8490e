"""The portal's submissions: listing, drafting with media, submitting and revising.
Attached to the portal blueprint (views_base.bp); views.py imports this module after its
own routes to keep the route order."""

from __future__ import annotations

from datetime import UTC

from flask import (
    current_app,
    url_for,
)

from crm.approvals import media as approval_media
from crm.approvals.pages import max_media_bytes, org_tz, revision_input
from crm.common import uploads
from crm.common.permissions import portal_only
from crm.db import get_session
from crm.portal import pages
from crm.portal.forms import (
    DraftForm,
    EmptyForm,
    PortalRevisionForm,
)
from crm.portal.services import content, quota
from crm.portal.views_base import _me, _render, bp
from crm.web.forms import handle_action, handle_form
from crm.web.uploads import with_upload

# --------------------------------------------------------------------------- submissions


def _creator_allowance(creator_id: int) -> uploads.Allowance:
    """The staff daily upload quota, counted per creator (crm.portal.services.quota)."""
    limit = uploads.quota_bytes(current_app.config)
    return quota.creator_allowance(get_session(), creator_id, limit)


def _with_media(form, call, creator_id: int):
    upload_dir = current_app.config["UPLOAD_DIR"]
    return with_upload(
        form.media.data,
        allowance=lambda: _creator_allowance(creator_id),
        store=lambda stream, filename, quota: approval_media.store(
            stream, filename, upload_dir, max_media_bytes(), allowance=quota
        ),
        call=call,
        discard=lambda stored: approval_media.discard(upload_dir, stored),
    )


@bp.get("/submissions/")
@portal_only
def submissions():
    return _render("portal/submissions.html", **pages.submission_list(get_session(), _me().creator))


@bp.route("/submissions/new", methods=["GET", "POST"])
@portal_only
def new_submission():
    me = _me()
    form = DraftForm()

    def call(db, stored):
        planned = form.planned_for.data
        return content.create_draft(
            db,
            me.actor,
            platform=form.platform.data,
            title=form.title.data,
            planned_for=planned.replace(tzinfo=UTC) if planned else None,
            revision=revision_input(form, stored),
            is_video=form.is_video.data,
            tz=org_tz(),
        )

    return handle_form(
        form,
        _with_media(form, call, me.creator_id),
        render=lambda status: _render(
            "portal/submission_new.html", status, form=form, creator=me.creator
        ),
        success=lambda s: (
            "Draft saved. Check it below, then send it for review.",
            url_for("portal.submission", submission_id=s.id),
        ),
    )


@bp.get("/submissions/<int:submission_id>")
@portal_only
def submission(submission_id: int):
    me = _me()
    context = pages.submission_detail(get_session(), me.creator, submission_id)
    return _render(
        "portal/submission.html", form=PortalRevisionForm(), button=EmptyForm(), **context
    )


@bp.post("/submissions/<int:submission_id>/submit")
@portal_only
def submit(submission_id: int):
    me = _me()
    db = get_session()
    sub = content.own_submission(db, me.creator_id, submission_id)
    back = url_for("portal.submission", submission_id=sub.id)
    return handle_action(
        lambda db: content.submit(db, me.actor, sub),
        success=("Sent to legal for review.", back),
        back=back,
        form=EmptyForm(),
    )


@bp.post("/submissions/<int:submission_id>/revisions")
@portal_only
def revise(submission_id: int):
    me = _me()
    db = get_session()
    sub = content.own_submission(db, me.creator_id, submission_id)
    form = PortalRevisionForm()
    back = url_for("portal.submission", submission_id=sub.id)

    def render(status: int):
        context = pages.submission_detail(get_session(), me.creator, submission_id)
        return _render("portal/submission.html", status, form=form, button=EmptyForm(), **context)

    return handle_form(
        form,
        _with_media(
            form,
            lambda db, stored: content.revise(
                db, me.actor, sub, revision_input(form, stored), tz=org_tz()
            ),
            me.creator_id,
        ),
        render=render,
        success=lambda r: (f"Revision {r.number} sent to legal for review.", back),
    )
