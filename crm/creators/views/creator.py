"""A creator's page, the creator form (new, edit) and archive / restore."""

from __future__ import annotations

import re

from flask import render_template, request, url_for
from flask_login import current_user

from crm.common.errors import NotFound
from crm.common.permissions import ALL_ROLES, EDITORS, allow, can
from crm.common.timeutil import org_today
from crm.creators import custom_fields, services
from crm.creators.forms import CreatorForm, EmptyForm
from crm.creators.panels import interaction_entries
from crm.creators.views.base import (
    OVERVIEW,
    TIMELINE,
    _render_form,
    bp,
    creator_tabs,
    creator_timeline,
)
from crm.db import get_session
from crm.reminders import services as reminders
from crm.web.forms import choices, handle_action, handle_form

RECENT_INTERACTIONS = 5


def initials(name: str) -> str:
    """Up to two letters for the avatar: the first letters of the first two words."""
    words = [w for w in re.split(r"\W+", name or "") if w]
    return "".join(w[0] for w in words[:2]).upper() or "?"


@bp.get("/<int:creator_id>")
@allow(ALL_ROLES)
def detail(creator_id: int):
    """The creator page, one tab at a time (`?tab=`): the overview by default, the timeline,
    or one domain's section."""
    db = get_session()
    tabs = creator_tabs(current_user)
    slug = request.args.get("tab") or OVERVIEW
    tab = next((t for t in tabs if t.slug == slug), None)
    if tab is None:
        raise NotFound("The creator page has no such tab.")
    creator, next_due = services.get_creator_page(db, creator_id, details=tab.slug == OVERVIEW)
    today = org_today()
    page: dict = {
        "creator": creator,
        "tabs": tabs,
        "tab": tab,
        "button_form": EmptyForm(),
        "next_due": next_due,
        "overdue_text": lambda day: reminders.overdue_text(day, today),
        "initials": initials(creator.display_name),
    }
    if tab.slug == OVERVIEW:
        page["recent"] = interaction_entries(db, creator, current_user, RECENT_INTERACTIONS)
    elif tab.slug == TIMELINE:
        page["timeline"] = creator_timeline(db, creator, current_user)
    elif tab.section is not None:
        page["section"] = tab.section.build(db, creator, current_user)
    return render_template("creators/detail.html", **page)


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
