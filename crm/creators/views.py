"""Creator pages: the list, a creator's page, forms, import and export. Thin: parse, call a
service, commit, redirect."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

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
from flask_login import current_user

from crm.common.errors import NotFound
from crm.common.pagination import parse_limit
from crm.common.permissions import ADMINS, ALL_ROLES, EDITORS, allow, can
from crm.common.registry import registry
from crm.common.timeutil import org_today, user_today, zone
from crm.creators import csvio, erasure, listing, services
from crm.creators.forms import (
    AccountForm,
    CreatorForm,
    EmptyForm,
    EraseForm,
    ImportForm,
    InteractionForm,
    RepresentativeForm,
    SaveViewForm,
)
from crm.creators.models import CREATOR_STATUSES, PLATFORMS
from crm.db import get_session, utcnow
from crm.web.forms import Stay, choices, handle_action, handle_form
from crm.web.security import recent_login_required

bp = Blueprint("creators", __name__, url_prefix="/creators")

TIMELINE_LIMIT = 50


def creator_timeline(session, creator, user, limit: int = TIMELINE_LIMIT) -> list:
    """Every domain's entries for this creator, merged by time, newest first."""
    entries = []
    for provider in registry(current_app).timeline:
        entries.extend(provider.entries(session, creator, user, limit))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def creator_sections(session, creator, user) -> list[tuple[str, Mapping[str, Any]]]:
    sections = []
    for section in sorted(registry(current_app).creator_sections, key=lambda s: s.order):
        if user.role not in section.roles:
            continue
        context = section.build(session, creator, user)
        if context is not None:
            sections.append((section.template, context))
    return sections


# --- list, export, saved views --------------------------------------------------------------


@bp.get("/")
@allow(ALL_ROLES)
def index():
    db = get_session()
    filters = listing.parse_filters(request.args, current_user, default_mine=True)
    page = listing.list_creators(
        db,
        current_user,
        filters,
        request.args.get("cursor"),
        parse_limit(request.args.get("limit")),
    )
    return render_template(
        "creators/index.html",
        page=page,
        filters=filters,
        args=filters.as_args(),
        owners=services.owner_choices(db),
        views=services.saved_views(db, current_user),
        sorts=listing.SORTS,
        statuses=CREATOR_STATUSES,
        platforms=PLATFORMS,
        view_form=SaveViewForm(),
    )


@bp.get("/export.csv")
@allow(ALL_ROLES)
def export():
    db = get_session()
    filters = listing.parse_filters(request.args, current_user, default_mine=False)
    body = "".join(csvio.export_lines(db, current_user, filters))
    name = f"creators-{user_today(current_user).isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/views")
@allow(ALL_ROLES)
def save_view():
    form = SaveViewForm()
    filters = listing.parse_filters(request.form, current_user)
    back = url_for("creators.index", **filters.as_args())
    if not form.validate_on_submit():
        flash("Give the view a name (100 characters at most).", "danger")
        return redirect(back)
    return handle_action(
        lambda db: services.save_view(db, current_user, form.name.data, filters.as_args()),
        success=(f"Saved the view “{form.name.data.strip()}”.", back),
        back=back,
        refusals=(),
    )


@bp.post("/views/<int:view_id>/delete")
@allow(ALL_ROLES)
def delete_view(view_id: int):
    back = url_for("creators.index")
    return handle_action(
        lambda db: services.delete_view(db, current_user, view_id),
        success=("Saved view deleted.", back),
        back=back,
        refusals=(),
    )


# --- a creator ------------------------------------------------------------------------------


@bp.get("/<int:creator_id>")
@allow(ALL_ROLES)
def detail(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id, details=True)
    return render_template(
        "creators/detail.html",
        creator=creator,
        sections=creator_sections(db, creator, current_user),
        timeline=creator_timeline(db, creator, current_user),
        button_form=EmptyForm(),
    )


def _creator_form(creator=None) -> CreatorForm:
    form = CreatorForm(obj=creator if request.method == "GET" else None)
    if can(current_user, ["admin"]):
        form.owner_id.choices = choices(
            [("", "— nobody —")]
            + [(str(u.id), f"{u.name} ({u.email})") for u in services.owner_choices(get_session())]
        )
        if request.method == "GET":
            owner = creator.owner_id if creator else current_user.id
            form.owner_id.data = str(owner or "")
    else:
        del form.owner_id
    if request.method == "GET" and creator is not None:
        form.tags.data = ", ".join(creator.tag_names)
    return form


def _creator_data(form: CreatorForm) -> dict:
    names = ("display_name", "legal_name", "email", "country", "status", "tags", "notes")
    data = {name: getattr(form, name).data for name in names}
    if "owner_id" in form:
        data["owner_id"] = form.owner_id.data or None
    return data


def _render_form(form, **page):
    """The `render` of handle_form for a page built on creators/form.html."""
    return lambda status: _form_page(form, status=status, **page)


def _form_page(form, *, title, action, cancel, submit, status=200, fields=None, help=None):
    return render_template(
        "creators/form.html",
        form=form,
        title=title,
        action=action,
        cancel=cancel,
        submit=submit,
        fields=fields or [f.name for f in form if f.name != "csrf_token"],
        help=help or {},
    ), status


CREATOR_HELP = {
    "tags": "Separate tags with commas.",
    "country": "Two letters, e.g. US, GB, DE.",
    "owner_id": "Only an admin assigns owners.",
}


@bp.route("/new", methods=["GET", "POST"])
@allow(EDITORS)
def new():
    form = _creator_form()
    return handle_form(
        form,
        lambda db: services.create_creator(db, current_user, _creator_data(form)),
        render=_render_form(
            form,
            title="New creator",
            action=url_for("creators.new"),
            cancel=url_for("creators.index"),
            submit="Add creator",
            help=CREATOR_HELP,
        ),
        success=lambda creator: (
            f"{creator.display_name} added.",
            url_for("creators.detail", creator_id=creator.id),
        ),
        once=True,
    )


@bp.route("/<int:creator_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    form = _creator_form(creator)
    return handle_form(
        form,
        lambda db: services.update_creator(db, current_user, creator, _creator_data(form)),
        render=_render_form(
            form,
            title=f"Edit {creator.display_name}",
            action=url_for("creators.edit", creator_id=creator_id),
            cancel=url_for("creators.detail", creator_id=creator_id),
            submit="Save",
            help=CREATOR_HELP,
        ),
        success=("Saved.", url_for("creators.detail", creator_id=creator.id)),
    )


@bp.post("/<int:creator_id>/archive")
@allow(EDITORS)
def archive(creator_id: int):
    back = url_for("creators.detail", creator_id=creator_id)
    return handle_action(
        lambda db: services.archive_creator(db, current_user, services.get_creator(db, creator_id)),
        success=lambda creator: (
            f"{creator.display_name} archived: out of lists and reminders, history kept.",
            back,
        ),
        back=back,
        refusals=(),
    )


@bp.post("/<int:creator_id>/restore")
@allow(EDITORS)
def restore(creator_id: int):
    back = url_for("creators.detail", creator_id=creator_id)
    return handle_action(
        lambda db: services.restore_creator(db, current_user, services.get_creator(db, creator_id)),
        success=lambda creator: (f"{creator.display_name} restored.", back),
        back=back,
        refusals=(),
    )


# --- erasure (admins only; see crm.creators.erasure) ----------------------------------------


def _erase_page(creator, form, status=200):
    db = get_session()
    return render_template(
        "creators/erase.html",
        creator=creator,
        form=form,
        in_force=erasure.still_in_force(db, creator, org_today()),
        already=erasure.is_erased(db, creator.id),
    ), status


@bp.get("/<int:creator_id>/erase")
@allow(ADMINS)
def erase_confirm(creator_id: int):
    creator = services.get_creator(get_session(), creator_id)
    return _erase_page(creator, EraseForm())


@bp.post("/<int:creator_id>/erase")
@allow(ADMINS)
@recent_login_required
def erase(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    form = EraseForm()

    def render(status):
        # After a refusal the transaction was rolled back: read the creator again.
        shown = services.get_creator(db, creator_id) if status == 409 else creator
        return _erase_page(shown, form, status)

    return handle_form(
        form,
        lambda db: erasure.erase_creator(
            db,
            current_user,
            creator,
            today=org_today(),
            confirm_in_force=bool(form.confirm_in_force.data),
        ),
        render=render,
        success=lambda report: (
            f"Personal data erased: {report.accounts} channel(s), {report.representatives} "
            f"representative(s), {report.interactions} interaction(s); the audit trail records "
            "the erasure.",
            url_for("creators.detail", creator_id=creator_id),
        ),
    )


# --- accounts, representatives, interactions ------------------------------------------------


def _account_data(form: AccountForm) -> dict:
    return {k: getattr(form, k).data for k in ("platform", "handle", "external_id", "url")}


ACCOUNT_HELP = {
    "handle": "With or without the leading @; compared without case.",
    "url": "Derived for YouTube, Instagram, TikTok, X, Twitch and LinkedIn.",
}


@bp.route("/<int:creator_id>/accounts/new", methods=["GET", "POST"])
@allow(EDITORS)
def add_account(creator_id: int):
    creator = services.get_creator(get_session(), creator_id)
    form = AccountForm()
    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        lambda db: services.add_account(db, current_user, creator, _account_data(form)),
        render=_render_form(
            form,
            title=f"Add a channel for {creator.display_name}",
            action=url_for("creators.add_account", creator_id=creator_id),
            cancel=back,
            submit="Add channel",
            help=ACCOUNT_HELP,
        ),
        success=("Channel added.", back),
    )


@bp.route("/<int:creator_id>/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit_account(creator_id: int, account_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    account = services.get_account(db, account_id)
    if account.creator_id != creator.id:
        raise NotFound("No such account.")
    form = AccountForm(obj=account if request.method == "GET" else None)
    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        lambda db: services.update_account(db, current_user, account, _account_data(form)),
        render=_render_form(
            form,
            title=f"Edit channel {account.handle}",
            action=url_for("creators.edit_account", creator_id=creator_id, account_id=account_id),
            cancel=back,
            submit="Save",
            help=ACCOUNT_HELP,
        ),
        success=("Channel saved.", back),
    )


@bp.post("/<int:creator_id>/accounts/<int:account_id>/delete")
@allow(EDITORS)
def delete_account(creator_id: int, account_id: int):
    account = services.get_account(get_session(), account_id)
    if account.creator_id != creator_id:
        raise NotFound("No such account.")
    back = url_for("creators.detail", creator_id=creator_id)
    return handle_action(
        lambda db: services.delete_account(db, current_user, account),
        success=("Channel removed.", back),
        back=back,
        refusals=(),
    )


def _rep_data(form: RepresentativeForm) -> dict:
    return {k: getattr(form, k).data for k in ("name", "agency", "email", "phone")}


@bp.route("/<int:creator_id>/representatives/new", methods=["GET", "POST"])
@allow(EDITORS)
def add_representative(creator_id: int):
    creator = services.get_creator(get_session(), creator_id)
    form = RepresentativeForm()
    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        lambda db: services.add_representative(db, current_user, creator, _rep_data(form)),
        render=_render_form(
            form,
            title=f"Add a representative for {creator.display_name}",
            action=url_for("creators.add_representative", creator_id=creator_id),
            cancel=back,
            submit="Add representative",
        ),
        success=("Representative added.", back),
    )


@bp.route("/<int:creator_id>/representatives/<int:rep_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit_representative(creator_id: int, rep_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    rep = services.get_representative(db, creator, rep_id)
    form = RepresentativeForm(obj=rep if request.method == "GET" else None)
    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        lambda db: services.update_representative(db, current_user, rep, _rep_data(form)),
        render=_render_form(
            form,
            title=f"Edit representative {rep.name}",
            action=url_for("creators.edit_representative", creator_id=creator_id, rep_id=rep_id),
            cancel=back,
            submit="Save",
        ),
        success=("Representative saved.", back),
    )


@bp.post("/<int:creator_id>/representatives/<int:rep_id>/delete")
@allow(EDITORS)
def delete_representative(creator_id: int, rep_id: int):
    db = get_session()
    rep = services.get_representative(db, services.get_creator(db, creator_id), rep_id)
    back = url_for("creators.detail", creator_id=creator_id)
    return handle_action(
        lambda db: services.delete_representative(db, current_user, rep),
        success=("Representative removed.", back),
        back=back,
        refusals=(),
    )


@bp.route("/<int:creator_id>/interactions/new", methods=["GET", "POST"])
@allow(EDITORS)
def add_interaction(creator_id: int):
    creator = services.get_creator(get_session(), creator_id)
    form = InteractionForm()
    if request.method == "GET":
        now = utcnow().astimezone(zone(current_user.timezone))
        form.occurred_at.data = now.replace(tzinfo=None, second=0, microsecond=0)

    def call(db):
        local = form.occurred_at.data.replace(tzinfo=zone(current_user.timezone))
        return services.record_interaction(
            db,
            current_user,
            creator,
            kind=form.kind.data,
            occurred_at=local.astimezone(UTC),
            summary=form.summary.data,
        )

    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        call,
        render=_render_form(
            form,
            title=f"Record an interaction with {creator.display_name}",
            action=url_for("creators.add_interaction", creator_id=creator_id),
            cancel=back,
            submit="Record",
        ),
        success=("Interaction recorded.", back),
    )


# --- import ---------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@allow(EDITORS)
def import_page():
    form = ImportForm()
    shown = {"report": None, "error": None}

    def call(db):
        dry_run = request.form.get("action") != "import"
        shown["report"] = csvio.import_creators(
            db, current_user, form.file.data.read(), dry_run=dry_run
        )
        return shown["report"]

    def success(report):
        if not report.written:  # a dry run, or a file with errors: show the report
            return Stay(200 if report.ok else 422)
        return (
            f"Imported {report.rows} rows: {report.created} creators added, "
            f"{report.updated} updated.",
            url_for("creators.index", owner="any"),
        )

    return handle_form(
        form,
        call,
        render=lambda status: (
            render_template("creators/import.html", form=form, columns=csvio.COLUMNS, **shown),
            status,
        ),
        success=success,
        on_invalid=lambda exc: shown.update(error=exc.detail),
    )
