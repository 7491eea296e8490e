"""Pages: submissions (managers), the review queue and review page (legal). The check
settings (admin) are in crm/approvals/admin_views.py, on the same blueprint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from crm.approvals import media, queries, services
from crm.approvals.forms import (
    AudienceForm,
    DecisionForm,
    EmptyForm,
    PublishForm,
    RevisionForm,
    SubmissionForm,
    WithdrawForm,
    countries_value,
)
from crm.approvals.models import SUBMISSION_STATUSES, Revision
from crm.approvals.pages import (
    audience_form,
    creator_choices,
    detail_page,
    embargoes,
    org_tz,
    page_today,
    revision_input,
    revision_view,
    with_media,
)
from crm.common.errors import Conflict, Invalid, NotFound
from crm.common.filenames import download_name
from crm.common.labels import phrase
from crm.common.pagination import parse_limit
from crm.common.permissions import (
    ALL_ROLES,
    AUDITORS,
    EDITORS,
    EDITORS_AND_LEGAL,
    REVIEWERS,
    allow,
)
from crm.common.storage import storage_for
from crm.common.timeutil import zone
from crm.creators.models import PLATFORMS, Creator
from crm.db import get_session
from crm.web.args import arg_id
from crm.web.forms import beside, handle_action, handle_form
from crm.web.uploads import send_stored

bp = Blueprint("approvals", __name__)


# --------------------------------------------------------------------------- lists


@bp.get("/submissions/")
@allow(ALL_ROLES)
def index():
    filters = queries.SubmissionFilters.parse(request.args)
    db = get_session()
    page = queries.list_submissions(
        db,
        filters=filters,
        cursor=request.args.get("cursor"),
        limit=parse_limit(request.args.get("limit")),
    )
    # A link with the creator's id shows their name in the box (typing replaces it).
    chosen = db.get(Creator, filters.creator_id) if filters.creator_id else None
    return render_template(
        "approvals/index.html",
        page=page,
        filters=filters,
        statuses=SUBMISSION_STATUSES,
        platforms=PLATFORMS,
        chosen_creator=chosen,
        total=queries.count_submissions(db, filters=filters),
    )


@bp.get("/review/")
@allow(AUDITORS)
def queue():
    filters = queries.QueueFilters.parse(request.args)
    db = get_session()
    page = queries.review_queue_rows(
        db, filters, request.args.get("cursor"), parse_limit(request.args.get("limit"))
    )
    # A link with the creator's id shows their name in the box (typing replaces it).
    chosen = db.get(Creator, filters.creator_id) if filters.creator_id else None
    return render_template(
        "approvals/queue.html",
        page=page,
        filters=filters,
        platforms=PLATFORMS,
        chosen_creator=chosen,
        total=queries.count_queue(db, filters),
    )


# --------------------------------------------------------------------------- create


@bp.route("/submissions/new", methods=["GET", "POST"])
@allow(EDITORS)
def create():
    db = get_session()
    form = SubmissionForm()
    creator_id = arg_id("creator_id", refuse=False)
    if request.method == "GET":
        if creator_id:
            form.creator_id.data = creator_id
        deal_id = arg_id("deal_id", refuse=False)
        if deal_id:
            form.deal_id.data = str(deal_id)
    creator_choices(db, form, creator_id or (form.creator_id.data if form.is_submitted() else 0))

    def call(db, stored):
        return services.create_submission(
            db,
            current_user,
            creator_id=form.creator_id.data,
            deal_id=int(form.deal_id.data) if form.deal_id.data else None,
            platform=form.platform.data,
            title=form.title.data,
            planned_for=form.planned_for.data.replace(tzinfo=zone(current_user.timezone)),
            is_video=form.is_video.data,
            revision=revision_input(form, stored),
            submit=form.submit_now.data,
            today=page_today(),
            tz=org_tz(),
            audience_countries=countries_value(form.audience_countries.data),
        )

    return handle_form(
        form,
        with_media(form, call),
        render=lambda status: (render_template("approvals/new.html", form=form), status),
        success=lambda submission: (
            f"Submission “{submission.title}” created.",
            url_for("approvals.detail", submission_id=submission.id),
        ),
        once=True,
    )


# --------------------------------------------------------------------------- one submission


@bp.get("/submissions/<int:submission_id>")
@allow(ALL_ROLES)
def detail(submission_id: int):
    return detail_page(submission_id)


def _submission_form(
    submission_id: int, key: str, form, call, done: str | Callable[[Any], tuple[str, str]]
):
    """One of the submission page's forms: the service call, then back to the page; a
    refusal shows the same page with this form as typed and the reason beside it."""
    back = url_for("approvals.detail", submission_id=submission_id)
    return handle_form(
        form,
        call,
        render=lambda status: detail_page(submission_id, status, **{key: form}),
        success=done if callable(done) else (done, back),
        code=303,
    )


@bp.post("/submissions/<int:submission_id>/revisions")
@allow(EDITORS)
def add_revision(submission_id: int):
    submission = services.get_submission(get_session(), submission_id)
    form = RevisionForm()
    back = url_for("approvals.detail", submission_id=submission_id)
    call = with_media(
        form,
        lambda db, stored: services.add_revision(
            db,
            current_user,
            submission,
            revision_input(form, stored),
            today=page_today(),
            tz=org_tz(),
        ),
    )
    return _submission_form(
        submission_id,
        "revision_form",
        form,
        call,
        lambda revision: (
            f"Revision {revision.number} added; the submission is now "
            f"{phrase(submission.status, 'submission_status')}.",
            back,
        ),
    )


@bp.post("/submissions/<int:submission_id>/audience")
@allow(EDITORS_AND_LEGAL)
def audience(submission_id: int):
    """Legal (or a manager) adds the countries the post is aimed at; the checks run again."""
    submission = services.get_submission(get_session(), submission_id)
    form = AudienceForm()
    on_review = form.back.data == "review"
    endpoint = "approvals.review" if on_review else "approvals.detail"

    def render(status: int):
        if on_review:
            return _review_page(submission_id, status=status, audience=form)
        return detail_page(submission_id, status, audience_form=form)

    return handle_form(
        form,
        lambda db: services.set_audience_countries(
            db,
            current_user,
            submission,
            countries_value(form.audience_countries.data),
            today=page_today(),
            tz=org_tz(),
        ),
        render=render,
        on_invalid=beside(form.audience_countries),
        success=(
            "Audience countries saved; the latest revision was checked again.",
            url_for(endpoint, submission_id=submission_id),
        ),
    )


@bp.post("/submissions/<int:submission_id>/submit")
@allow(EDITORS)
def submit(submission_id: int):
    submission = services.get_submission(get_session(), submission_id)
    back = url_for("approvals.detail", submission_id=submission_id)
    return handle_action(
        lambda db: services.submit_for_review(db, current_user, submission),
        success=("Submitted for legal review.", back),
        back=back,
        form=EmptyForm(),
        refusals=(Conflict,),
        code=303,
    )


@bp.post("/submissions/<int:submission_id>/publish")
@allow(EDITORS)
def publish(submission_id: int):
    submission = services.get_submission(get_session(), submission_id)
    form = PublishForm()
    return _submission_form(
        submission_id,
        "publish_form",
        form,
        lambda db: services.publish(
            db, current_user, submission, form.published_url.data, today=page_today()
        ),
        "Marked as published.",
    )


@bp.post("/submissions/<int:submission_id>/withdraw")
@allow(EDITORS)
def withdraw(submission_id: int):
    submission = services.get_submission(get_session(), submission_id)
    form = WithdrawForm()
    return _submission_form(
        submission_id,
        "withdraw_form",
        form,
        lambda db: services.withdraw(db, current_user, submission, form.note.data or ""),
        "Submission withdrawn.",
    )


@bp.get("/submissions/<int:submission_id>/revisions/<int:number>/media")
@allow(EDITORS_AND_LEGAL)
def revision_media(submission_id: int, number: int):
    db = get_session()
    revision = db.scalar(
        select(Revision).where(Revision.submission_id == submission_id, Revision.number == number)
    )
    if revision is None or not revision.media_path:
        raise NotFound("No uploaded media for this revision.")
    try:
        stored = media.open_media(storage_for(), revision.media_path)
    except FileNotFoundError:
        raise NotFound("The uploaded file is missing.") from None
    return send_stored(
        stored,
        mimetype=revision.media_type or "application/octet-stream",
        download_name=download_name(revision.media_name, revision.media_path.rsplit("/", 1)[-1]),
    )


# --------------------------------------------------------------------------- review page


def _review_page(
    submission_id: int,
    form: DecisionForm | None = None,
    status: int = 200,
    audience: AudienceForm | None = None,
):
    db = get_session()
    submission = queries.load_submission(db, submission_id)
    revisions = submission.revisions
    if not revisions:
        raise NotFound("This submission has no revision.")
    latest = revisions[-1]
    previous = revisions[-2] if len(revisions) > 1 else None
    form = form or DecisionForm(revision=latest.number)
    own = services.is_own_submission(db, current_user, submission)
    return render_template(
        "approvals/review.html",
        submission=submission,
        current=revision_view(latest),
        previous=previous,
        diff=queries.word_diff(previous.body if previous else None, latest.body),
        agreements=queries.creator_agreements(db, submission.creator_id),
        embargoes=embargoes(submission),
        history=queries.status_history(db, submission.id),
        form=form,
        audience_form=audience or audience_form(submission, "review"),
        can_decide=not own and services.may_decide(db, current_user, submission),
        own=own,
    ), status


@bp.post("/review/approve")
@allow(REVIEWERS)
def approve_selected():
    """Approve every ticked submission whose latest revision has no failed check; each is a
    decision of its own (R5 unchanged)."""
    from crm.approvals.services import bulk

    back = url_for("approvals.queue")

    def summary(outcome: bulk.ApproveOutcome) -> tuple[str, str, str]:
        text = f"Approved: {len(outcome.done)}."
        if outcome.refused:
            reasons = "; ".join(f"#{k}: {v}" for k, v in list(outcome.refused.items())[:20])
            text += f" Not approved: {len(outcome.refused)} ({reasons})"
        return text, back, "warning" if outcome.refused else "success"

    return handle_action(
        lambda db: bulk.approve_many(
            db, current_user, bulk.parse_items(request.form.getlist("items"))
        ),
        success=summary,
        back=back,
        refusals=(Invalid,),
        code=303,
    )


@bp.get("/review/<int:submission_id>")
@allow(AUDITORS)
def review(submission_id: int):
    return _review_page(submission_id)


def _after_decision(label: str, decision) -> tuple[str, str]:
    """Where the reviewer lands: the next submission waiting for them, else the queue."""
    message = f"{label}: revision {decision.revision_number}."
    following = queries.next_for_reviewer(get_session(), current_user.id)
    if following is None:
        return f"{message} The queue is empty.", url_for("approvals.queue")
    return f"{message} Here is the next one in the queue.", url_for(
        "approvals.review", submission_id=following
    )


@bp.post("/review/<int:submission_id>/decision")
@allow(REVIEWERS)
def decide(submission_id: int):
    services.get_submission(get_session(), submission_id)
    form = DecisionForm()
    labels = {"approve": "Approved", "request_changes": "Changes requested", "reject": "Rejected"}
    return handle_form(
        form,
        lambda db: services.decide(
            db,
            current_user,
            submission_id,
            form.revision.data,
            form.decision.data,
            form.comment.data or "",
        ),
        render=lambda status: _review_page(submission_id, form, status),
        success=lambda decision: _after_decision(labels[decision.decision], decision),
        code=303,
    )
