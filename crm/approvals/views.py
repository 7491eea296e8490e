"""Pages: submissions (managers), the review queue and review page (legal), settings (admin)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from crm.agreements.models import Deal
from crm.approvals import media, queries, rulesets, services
from crm.approvals.checks import highlight
from crm.approvals.forms import (
    AudienceForm,
    DecisionForm,
    EmptyForm,
    PublishForm,
    RevisionForm,
    RuleSetForm,
    SettingsForm,
    SubmissionForm,
    WithdrawForm,
    countries_value,
    disclosure_value,
)
from crm.approvals.models import SUBMISSION_STATUSES, Revision
from crm.common import uploads
from crm.common.errors import Conflict, Invalid, NotFound
from crm.common.filenames import download_name
from crm.common.pagination import parse_limit
from crm.common.permissions import (
    ADMINS,
    ALL_ROLES,
    AUDITORS,
    EDITORS,
    EDITORS_AND_LEGAL,
    REVIEWERS,
    allow,
)
from crm.common.timeutil import org_today, org_zone, zone
from crm.creators.models import Creator
from crm.db import get_session
from crm.web.args import arg_id
from crm.web.forms import choices, handle_action, handle_form
from crm.web.uploads import with_upload

bp = Blueprint("approvals", __name__)


def _org_tz() -> str:
    return org_zone().key


def _org_today():
    return org_today()


def _max_media_bytes() -> int:
    return int(
        current_app.config.get("APPROVALS_MEDIA_MAX_BYTES")
        or current_app.config.get("MAX_CONTENT_LENGTH")
        or 25 * 1024 * 1024
    )


def _with_media(form, call):
    """The service call with the revision's uploaded media, if any (crm.web.uploads)."""
    upload_dir = current_app.config["UPLOAD_DIR"]
    return with_upload(
        form.media.data,
        allowance=lambda: uploads.allowance(get_session(), current_user, current_app.config),
        store=lambda stream, filename, quota: media.store(
            stream, filename, upload_dir, _max_media_bytes(), allowance=quota
        ),
        call=call,
        discard=lambda stored: media.discard(upload_dir, stored),
    )


def _revision_input(form, stored) -> services.RevisionInput:
    return services.RevisionInput(
        body=form.body.data or "",
        media_url=form.media_url.data,
        media=stored,
        disclosure_in_video=disclosure_value(form.disclosure_in_video.data),
        ai_label=disclosure_value(form.ai_label.data),
    )


# --------------------------------------------------------------------------- lists


@bp.get("/submissions/")
@allow(ALL_ROLES)
def index():
    status = request.args.get("status") or None
    if status and status not in SUBMISSION_STATUSES:
        raise Invalid({"status": [f"must be one of {', '.join(SUBMISSION_STATUSES)}"]})
    creator_id = arg_id("creator_id")
    page = queries.list_submissions(
        get_session(),
        status=status,
        creator_id=creator_id,
        cursor=request.args.get("cursor"),
        limit=parse_limit(request.args.get("limit")),
    )
    return render_template(
        "approvals/index.html", page=page, statuses=SUBMISSION_STATUSES, status=status
    )


@bp.get("/review/")
@allow(AUDITORS)
def queue():
    filters = queries.QueueFilters.parse(request.args)
    db = get_session()
    page = queries.review_queue(
        db, filters, request.args.get("cursor"), parse_limit(request.args.get("limit"))
    )
    from crm.creators.models import PLATFORMS

    return render_template("approvals/queue.html", page=page, filters=filters, platforms=PLATFORMS)


# --------------------------------------------------------------------------- create


def _creator_choices(db, form, creator_id):
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
    _creator_choices(db, form, creator_id or (form.creator_id.data if form.is_submitted() else 0))

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
            revision=_revision_input(form, stored),
            submit=form.submit_now.data,
            today=_org_today(),
            tz=_org_tz(),
            audience_countries=countries_value(form.audience_countries.data),
        )

    return handle_form(
        form,
        _with_media(form, call),
        render=lambda status: (render_template("approvals/new.html", form=form), status),
        success=lambda submission: (
            f"Submission “{submission.title}” created.",
            url_for("approvals.detail", submission_id=submission.id),
        ),
    )


# --------------------------------------------------------------------------- one submission


def _revision_view(revision: Revision) -> dict:
    checks = list(revision.checks)
    return {
        "revision": revision,
        "checks": checks,
        "text": highlight(revision.body or "", queries.spans_of(checks)),
    }


@bp.get("/submissions/<int:submission_id>")
@allow(ALL_ROLES)
def detail(submission_id: int):
    db = get_session()
    submission = queries.load_submission(db, submission_id)
    revisions = [_revision_view(r) for r in reversed(submission.revisions)]
    return render_template(
        "approvals/detail.html",
        submission=submission,
        revisions=revisions,
        history=queries.status_history(db, submission.id),
        allowed=services.allowed_actions(submission.status),
        revision_form=RevisionForm(),
        audience_form=_audience_form(submission, "detail"),
        publish_form=PublishForm(),
        withdraw_form=WithdrawForm(),
        submit_form=EmptyForm(),
    )


@bp.post("/submissions/<int:submission_id>/revisions")
@allow(EDITORS)
def add_revision(submission_id: int):
    submission = services.get_submission(get_session(), submission_id)
    form = RevisionForm()
    if not form.validate_on_submit():
        raise Invalid({k: list(v) for k, v in form.errors.items()} or {"body": ["is invalid"]})
    back = url_for("approvals.detail", submission_id=submission_id)
    call = _with_media(
        form,
        lambda db, stored: services.add_revision(
            db,
            current_user,
            submission,
            _revision_input(form, stored),
            today=_org_today(),
            tz=_org_tz(),
        ),
    )
    return handle_action(
        call,
        success=lambda revision: (
            f"Revision {revision.number} added; the submission is {submission.status}.",
            back,
        ),
        back=back,
        refusals=(Conflict,),
        code=303,
    )


def _audience_form(submission, back: str) -> AudienceForm:
    form = AudienceForm(formdata=None)
    form.audience_countries.data = " ".join(submission.audience_countries or [])
    form.back.data = back
    return form


@bp.post("/submissions/<int:submission_id>/audience")
@allow(EDITORS_AND_LEGAL)
def audience(submission_id: int):
    """Legal (or a manager) adds the countries the post is aimed at; the checks run again."""
    submission = services.get_submission(get_session(), submission_id)
    form = AudienceForm()
    endpoint = "approvals.review" if form.back.data == "review" else "approvals.detail"
    return handle_action(
        lambda db: services.set_audience_countries(
            db,
            current_user,
            submission,
            countries_value(form.audience_countries.data),
            today=_org_today(),
            tz=_org_tz(),
        ),
        success=(
            "Audience countries saved; the latest revision was checked again.",
            url_for(endpoint, submission_id=submission_id),
        ),
        back=url_for(endpoint, submission_id=submission_id),
        form=form,
    )


def _simple_action(submission_id: int, action, done: str):
    submission = services.get_submission(get_session(), submission_id)
    back = url_for("approvals.detail", submission_id=submission_id)
    return handle_action(
        lambda db: action(db, submission),
        success=(done, back),
        back=back,
        refusals=(Conflict,),
        code=303,
    )


@bp.post("/submissions/<int:submission_id>/submit")
@allow(EDITORS)
def submit(submission_id: int):
    if not EmptyForm().validate_on_submit():
        raise Invalid({"form": ["is invalid"]})
    return _simple_action(
        submission_id,
        lambda db, s: services.submit_for_review(db, current_user, s),
        "Submitted for legal review.",
    )


@bp.post("/submissions/<int:submission_id>/publish")
@allow(EDITORS)
def publish(submission_id: int):
    form = PublishForm()
    if not form.validate_on_submit():
        raise Invalid({"published_url": form.published_url.errors or ["is required"]})
    return _simple_action(
        submission_id,
        lambda db, s: services.publish(
            db, current_user, s, form.published_url.data, today=_org_today()
        ),
        "Marked as published.",
    )


@bp.post("/submissions/<int:submission_id>/withdraw")
@allow(EDITORS)
def withdraw(submission_id: int):
    form = WithdrawForm()
    if not form.validate_on_submit():
        raise Invalid({k: list(v) for k, v in form.errors.items()} or {"note": ["is invalid"]})
    return _simple_action(
        submission_id,
        lambda db, s: services.withdraw(db, current_user, s, form.note.data or ""),
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
        path = media.resolve(current_app.config["UPLOAD_DIR"], revision.media_path)
        if not path.is_file():
            raise FileNotFoundError(path)
    except FileNotFoundError:
        raise NotFound("The uploaded file is missing.") from None
    return send_file(
        path,
        mimetype=revision.media_type or "application/octet-stream",
        as_attachment=True,
        download_name=download_name(revision.media_name, path.name),
    )


# --------------------------------------------------------------------------- review page


def _review_page(submission_id: int, form: DecisionForm | None = None, status: int = 200):
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
        current=_revision_view(latest),
        previous=previous,
        diff=queries.line_diff(previous.body if previous else None, latest.body),
        agreements=queries.creator_agreements(db, submission.creator_id),
        history=queries.status_history(db, submission.id),
        form=form,
        audience_form=_audience_form(submission, "review"),
        can_decide=not own and services.may_decide(db, current_user, submission),
        own=own,
    ), status


@bp.get("/review/<int:submission_id>")
@allow(AUDITORS)
def review(submission_id: int):
    return _review_page(submission_id)


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
        success=lambda decision: (
            f"{labels[decision.decision]}: revision {decision.revision_number}.",
            url_for("approvals.queue"),
        ),
        code=303,
        conflict_back=url_for("approvals.review", submission_id=submission_id),
    )


# --------------------------------------------------------------------------- settings


@bp.route("/admin/approval-settings", methods=["GET", "POST"])
@allow(ADMINS)
def settings():
    form = SettingsForm()
    if request.method == "GET":
        current = services.load_settings(get_session())
        form.disclosure_markers.data = "\n".join(current.disclosure_markers)
        form.vague_tags.data = "\n".join(current.vague_tags)
        form.banned_claims.data = "\n".join(current.banned_claims)
    return handle_form(
        form,
        lambda db: services.save_settings(
            db,
            current_user,
            disclosure_markers=(form.disclosure_markers.data or "").splitlines(),
            vague_tags=(form.vague_tags.data or "").splitlines(),
            banned_claims=(form.banned_claims.data or "").splitlines(),
        ),
        render=lambda status: _settings_page(get_session(), form, status),
        success=(
            "Check settings saved; they apply to revisions checked from now on.",
            url_for("approvals.settings"),
        ),
        code=303,
    )


def _settings_page(db, form, status: int):
    rule_sets = [(r, rulesets.version(db, r.code)) for r in rulesets.effective(db)]
    return render_template(
        "approvals/settings.html",
        form=form,
        rule_sets=rule_sets,
        history=rulesets.history(db),
        reset_form=EmptyForm(),
    ), status


@bp.route("/admin/approval-settings/rules/<code>", methods=["GET", "POST"])
@allow(ADMINS)
def rule_set(code: str):
    db = get_session()
    current = rulesets.get(db, code)
    form = RuleSetForm()
    if request.method == "GET":
        form.fill(current)
    return handle_form(
        form,
        lambda db: rulesets.save(db, current_user, code, form.document()),
        render=lambda status: (
            render_template(
                "approvals/rule_set.html",
                form=form,
                rule_set=current,
                version=rulesets.version(db, code),
                history=rulesets.history(db, code),
            ),
            status,
        ),
        success=(
            f"Rule set {code} saved; it applies to revisions checked from now on.",
            url_for("approvals.settings"),
        ),
    )


@bp.post("/admin/approval-settings/rules/<code>/reset")
@allow(ADMINS)
def rule_set_reset(code: str):
    rulesets.get(get_session(), code)  # 404 for an unknown code
    return handle_action(
        lambda db: rulesets.reset(db, current_user, code),
        success=(f"Rule set {code} is back to the shipped default.", url_for("approvals.settings")),
        back=url_for("approvals.settings"),
        form=EmptyForm(),
    )
