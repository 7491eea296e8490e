"""The creator portal under /portal/: its own login, its own navigation, and only the
logged-in creator's records (any other id answers 404, as if it did not exist)."""

from __future__ import annotations

from datetime import UTC

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie
from sqlalchemy import func, select

from crm.approvals import media as approval_media
from crm.approvals.models import Revision, Submission
from crm.approvals.pages import max_media_bytes, org_tz, revision_input
from crm.common import uploads
from crm.common.errors import Invalid, TooManyRequests
from crm.common.permissions import portal_only, public
from crm.common.timeutil import org_today, utcnow
from crm.db import get_session
from crm.portal import loading, pages
from crm.portal.forms import (
    USE_LABELS,
    AcceptForm,
    ConsentForm,
    DraftForm,
    EmptyForm,
    FeedbackForm,
    LinkRequestForm,
    LoginForm,
    PasswordForm,
    PasteForm,
    PortalRevisionForm,
    ProfileForm,
    SignForm,
    WorkForm,
)
from crm.portal.services import accounts, content, media, ndas
from crm.web.forms import apply_errors, choices, handle_action, handle_form
from crm.web.security import safe_next
from crm.web.uploads import with_upload

bp = Blueprint("portal", __name__, url_prefix="/portal")
bp.before_request(loading.load)


def _me() -> loading.PortalUser:
    return loading.current()


def _render(template: str, status: int = 200, **context):
    return render_template(template, preview=False, **context), status


def _begin(account, creator_id: int):
    """Start a portal session (nothing planted before login survives it)."""
    db = get_session()
    cookie.clear()
    cookie[loading.COOKIE_KEY] = accounts.start_session(
        db, account, creator_id, request.remote_addr, request.headers.get("User-Agent")
    )
    db.commit()
    cookie.permanent = False


# --------------------------------------------------------------------------- logging in


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next"), url_for("portal.home"))
    if not target.startswith("/portal/"):
        target = url_for("portal.home")
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            account = accounts.authenticate(
                db,
                form.email.data,
                form.password.data,
                request.remote_addr or "",
                loading.settings(),
            )
        except accounts.LoginFailed as exc:
            db.commit()
            form.password.errors = [exc.message]
            status = 401
        except TooManyRequests as exc:
            db.rollback()
            page = render_template("portal/login.html", form=form, error=exc.detail)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        else:
            _begin(account, accounts.first_creator_id(account))
            return redirect(target)
    elif request.method == "POST":
        status = 400
    return render_template("portal/login.html", form=form, error=None), status


@bp.route("/login-link", methods=["GET", "POST"])
@public
def login_link():
    form = LinkRequestForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            accounts.request_login_link(
                db, form.email.data, request.remote_addr, loading.settings()
            )
        except Invalid as exc:
            db.rollback()
            apply_errors(form, exc)
            return render_template("portal/login_link.html", form=form, sent=False), 422
        except TooManyRequests as exc:
            db.rollback()
            form.form_errors = [exc.detail]
            page = render_template("portal/login_link.html", form=form, sent=False)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        db.commit()
        return render_template("portal/login_link.html", form=form, sent=True)
    status = 400 if request.method == "POST" else 200
    return render_template("portal/login_link.html", form=form, sent=False), status


def _redeem_page(purpose: str, token: str, template: str):
    db = get_session()
    form = AcceptForm() if purpose == accounts.INVITE else EmptyForm()
    try:
        link = accounts.check_link(db, purpose, token)
    except accounts.LinkUnusable as exc:
        return render_template("portal/link_unusable.html", message=exc.detail), exc.status
    needs_password = purpose == accounts.INVITE and link.account.password_hash is None
    if form.validate_on_submit():
        try:
            account, creator_id = accounts.redeem(
                db, purpose, token, getattr(form, "password", None) and form.password.data
            )
        except Invalid as exc:
            db.rollback()
            apply_errors(form, exc)
            return render_template(
                template, form=form, account=link.account, needs_password=needs_password
            ), 422
        except accounts.LinkUnusable as exc:
            db.rollback()
            return render_template("portal/link_unusable.html", message=exc.detail), exc.status
        db.commit()
        _begin(account, creator_id)
        flash("Welcome to your creator portal.", "success")
        return redirect(url_for("portal.home"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        template, form=form, account=link.account, needs_password=needs_password
    ), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    return _redeem_page(accounts.INVITE, token, "portal/accept.html")


@bp.route("/link/<token>", methods=["GET", "POST"])
@public
def link(token: str):
    return _redeem_page(accounts.LOGIN, token, "portal/link.html")


@bp.post("/logout")
@portal_only
def logout():
    everywhere = request.form.get("everywhere") == "1"
    db = get_session()
    accounts.log_out(db, _me().actor, cookie.get(loading.COOKIE_KEY), everywhere)
    db.commit()
    cookie.clear()
    flash("You are logged out on every device." if everywhere else "You are logged out.", "info")
    return redirect(url_for("portal.login"))


@bp.post("/switch/<int:creator_id>")
@portal_only
def switch(creator_id: int):
    me = _me()
    return handle_action(
        lambda db: accounts.switch_creator(db, me.row, creator_id),
        success=(None, url_for("portal.home")),
        back=url_for("portal.home"),
        form=EmptyForm(),
    )


# --------------------------------------------------------------------------- pages


@bp.get("/")
@portal_only
def home():
    return _render("portal/home.html", **pages.home(get_session(), _me().creator))


@bp.get("/ndas/")
@portal_only
def ndas_index():
    return _render("portal/ndas.html", **pages.nda_list(get_session(), _me().creator))


@bp.route("/ndas/<int:nda_id>", methods=["GET", "POST"])
@portal_only
def nda(nda_id: int):
    me = _me()
    db = get_session()
    context = pages.nda_detail(db, me.creator, nda_id)
    form = SignForm()
    if request.method == "GET":
        form.version.data = context["version"]
    evidence = ndas.Evidence(
        typed_name=form.typed_name.data or "",
        version_seen=form.version.data or "",
        agreed=bool(form.agree.data),
        ip=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
    )

    def render(status: int):
        fresh = pages.nda_detail(get_session(), me.creator, nda_id)
        if status == 409:
            form.version.data = fresh["version"]
        return _render("portal/nda.html", status, form=form, **fresh)

    return handle_form(
        form,
        lambda db: ndas.sign(db, me.actor, context["nda"], evidence, org_today()),
        render=render,
        success=(
            "Signed. Thank you — your signed copy is below.",
            url_for("portal.nda", nda_id=nda_id),
        ),
    )


@bp.get("/ndas/<int:nda_id>/signed-copy")
@portal_only
def nda_copy(nda_id: int):
    me = _me()
    db = get_session()
    nda = ndas.own_nda(db, me.creator_id, nda_id)
    return signed_copy_response(db, nda, me.creator.display_name)


def signed_copy_response(db, nda, creator_name: str) -> Response:
    from crm.common.errors import NotFound

    signature = ndas.latest_signature(db, nda.id)
    if signature is None:
        raise NotFound("This NDA has no signature recorded in the portal.")
    text = ndas.signed_copy(nda, signature, creator_name)
    return Response(
        text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="nda-{nda.id}-signed-copy.txt"'},
    )


@bp.get("/access/")
@portal_only
def access():
    return _render("portal/access.html", **pages.access(get_session(), _me().creator))


# --------------------------------------------------------------------------- submissions


def _creator_allowance(creator_id: int) -> uploads.Allowance:
    """The staff daily upload quota, counted per creator from the media they uploaded."""
    db = get_session()
    now = utcnow()
    limit = uploads.quota_bytes(current_app.config)
    if limit is None:
        return uploads.Allowance(None, 0, now)
    used = db.scalar(
        select(func.coalesce(func.sum(Revision.media_size), 0))
        .join(Submission, Submission.id == Revision.submission_id)
        .where(
            Submission.creator_id == creator_id,
            Revision.by_creator.is_(True),
            Revision.submitted_at >= uploads.day_start(now),
        )
    )
    return uploads.Allowance(limit, int(used or 0), now)


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


# --------------------------------------------------------------------------- feedback


@bp.get("/feedback/")
@portal_only
def feedback():
    return _render("portal/feedback.html", **pages.feedback_list(get_session(), _me().creator))


@bp.route("/feedback/new", methods=["GET", "POST"])
@portal_only
def new_feedback():
    me = _me()
    db = get_session()
    today = org_today()
    products = content.reportable_products(db, me.creator_id, today)
    form = FeedbackForm()
    form.product_id.choices = choices([(p.id, p.name) for p in products])
    return handle_form(
        form,
        lambda db: content.report_feedback(
            db,
            me.actor,
            product_id=form.product_id.data,
            category=form.category.data,
            severity=form.severity.data,
            title=form.title.data,
            body=form.body.data or "",
            reproduction=form.reproduction.data or "",
            today=today,
            products=products,
        ),
        render=lambda status: _render(
            "portal/feedback_new.html", status, form=form, creator=me.creator
        ),
        success=("Thank you — your report reached the team.", url_for("portal.feedback")),
    )


# --------------------------------------------------------------------------- media manager


def _consent_form(db, creator_id: int) -> ConsentForm:
    form = ConsentForm()
    scope = [("all", "All my works"), *((f"kind:{k}", f"All my {k} works") for k in
             ("video", "image", "text", "audio", "other"))]  # fmt: skip
    scope += [(f"work:{w.id}", f"Work: {w.title}") for w in media.own_works(db, creator_id)]
    form.scope.choices = choices(scope)
    return form


def _works_page(status: int = 200, **forms):
    me = _me()
    db = get_session()
    context = pages.works(db, me.creator)
    return _render(
        "portal/works.html",
        status,
        work_form=forms.get("work_form") or WorkForm(formdata=None),
        paste_form=forms.get("paste_form") or PasteForm(formdata=None),
        consent_form=forms.get("consent_form") or _consent_form(db, me.creator_id),
        button=EmptyForm(),
        use_labels=USE_LABELS,
        **context,
    )


@bp.get("/works/")
@portal_only
def works():
    return _works_page()


@bp.post("/works/")
@portal_only
def add_work():
    me = _me()
    form = WorkForm()
    return handle_form(
        form,
        lambda db: media.add_work(
            db, me.actor, kind=form.kind.data, title=form.title.data, url=form.url.data
        ),
        render=lambda status: _works_page(status, work_form=form),
        success=lambda w: (f"“{w.title}” added.", url_for("portal.works")),
    )


@bp.post("/works/paste")
@portal_only
def paste_works():
    me = _me()
    form = PasteForm()
    return handle_form(
        form,
        lambda db: media.paste_works(db, me.actor, kind=form.kind.data, urls=form.urls.data),
        render=lambda status: _works_page(status, paste_form=form),
        success=lambda ws: (f"{len(ws)} works added.", url_for("portal.works")),
    )


@bp.post("/consents/")
@portal_only
def set_consent():
    me = _me()
    form = _consent_form(get_session(), me.creator_id)
    return handle_form(
        form,
        lambda db: media.set_consent(
            db,
            me.actor,
            media.ConsentChoice(
                scope=form.scope.data,
                uses=list(form.uses.data or []),
                decision=form.decision.data,
                constraint=form.constraint.data or "",
            ),
            ip=request.remote_addr,
            today=org_today(),
        ),
        render=lambda status: _works_page(status, consent_form=form),
        success=("Your choice is recorded and applies from today.", url_for("portal.works")),
    )


@bp.post("/consents/<int:consent_id>/revoke")
@portal_only
def revoke_consent(consent_id: int):
    me = _me()
    media.own_consent(get_session(), me.creator_id, consent_id)
    back = url_for("portal.works")
    return handle_action(
        lambda db: media.revoke(db, me.actor, consent_id, today=org_today()),
        success=("Revoked. It no longer applies from today.", back),
        back=back,
        form=EmptyForm(),
    )


# --------------------------------------------------------------------------- profile


def _profile_page(status: int = 200, form=None, password_form=None):
    me = _me()
    return _render(
        "portal/profile.html",
        status,
        form=form or ProfileForm(obj=me.account, formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        button=EmptyForm(),
        account=me.account,
        creator=me.creator,
    )


@bp.route("/profile", methods=["GET", "POST"])
@portal_only
def profile():
    me = _me()
    form = ProfileForm(obj=me.account)
    return handle_form(
        form,
        lambda db: accounts.update_profile(
            db,
            me.actor,
            me.account,
            name=form.name.data,
            phone=form.phone.data or "",
            notify_decisions=form.notify_decisions.data,
        ),
        render=lambda status: _profile_page(status, form=form),
        success=("Profile saved.", url_for("portal.profile")),
    )


@bp.post("/profile/password")
@portal_only
def change_password():
    me = _me()
    form = PasswordForm()
    return handle_form(
        form,
        lambda db: accounts.change_password(
            db,
            me.actor,
            me.account,
            current=form.current_password.data,
            new=form.new_password.data,
            keep_session_key=cookie.get(loading.COOKIE_KEY),
        ),
        render=lambda status: _profile_page(status, password_form=form),
        success=(
            "Password changed. Your other sessions were ended.",
            url_for("portal.profile"),
        ),
    )
