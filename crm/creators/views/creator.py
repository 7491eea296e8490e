"""A creator's page, the creator form (new, edit) and archive / restore."""

from __future__ import annotations

import re

from flask import render_template, request, url_for
from flask_login import current_user

from crm.common.permissions import ALL_ROLES, EDITORS, allow, can
from crm.common.timeutil import org_today
from crm.creators import custom_fields, services
from crm.creators.forms import PLATFORM_LABELS, CreatorForm, EmptyForm
from crm.creators.views.base import _render_form, bp, creator_sections, creator_timeline
from crm.db import get_session
from crm.reminders import services as reminders
from crm.web.forms import choices, handle_action, handle_form


def initials(name: str) -> str:
    """Up to two letters for the avatar: the first letters of the first two words."""
    words = [w for w in re.split(r"\W+", name or "") if w]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _next_due(sections) -> object | None:
    """The creator's open task due first, from the tasks section already built (its items
    are ordered by due date): no query of its own."""
    for key, _template, context in sections:
        if key == "tasks" and context.get("items"):
            return context["items"][0]
    return None


@bp.get("/<int:creator_id>")
@allow(ALL_ROLES)
def detail(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id, details=True)
    sections = creator_sections(db, creator, current_user)
    today = org_today()
    return render_template(
        "creators/detail.html",
        creator=creator,
        next_due=_next_due(sections),
        overdue_text=lambda day: reminders.overdue_text(day, today),
        initials=initials(creator.display_name),
        platform_names=dict(PLATFORM_LABELS),
        sections=sections,
        timeline=creator_timeline(db, creator, current_user),
        button_form=EmptyForm(),
    )


def _creator_form(creator=None) -> CreatorForm:
    fields = custom_fields.list_fields(get_session(), "creator")
    form_type = custom_fields.form_class(CreatorForm, fields) if fields else CreatorForm
    form = form_type(obj=creator if request.method == "GET" else None)
    form.custom = fields
    if request.method == "GET" and creator is not None:
        custom_fields.fill_form(form, fields, creator.custom_fields)
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
    if creator is not None:
        del form.channels
    if request.method == "GET" and creator is not None:
        form.tags.data = ", ".join(creator.tag_names)
    return form


def _creator_data(form: CreatorForm) -> dict:
    names = ("display_name", "legal_name", "email", "country", "status", "tags", "notes")
    data = {name: getattr(form, name).data for name in names}
    if "owner_id" in form:
        data["owner_id"] = form.owner_id.data or None
    if "channels" in form:
        data["channels"] = form.channels.data or ""
    if form.custom:
        data["custom_fields"] = custom_fields.form_data(form, form.custom)
    return data


CREATOR_HELP = {
    "tags": "Separate tags with commas.",
    "country": "Two letters, e.g. US, GB, DE.",
    "owner_id": "Only an admin assigns owners.",
    "channels": "One per line: paste the profile address (https://www.youtube.com/@name, "
    "instagram.com/name, tiktok.com/@name …) or write platform:handle.",
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
        on_invalid=lambda exc: custom_fields.show_errors(form, exc),
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
        on_invalid=lambda exc: custom_fields.show_errors(form, exc),
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
