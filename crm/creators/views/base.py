"""The creator pages' blueprint and what its page groups share: the creator page's
sections and timeline (gathered from every domain through the registry) and the one form
page that the creator, channel, representative and interaction forms are built on."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, render_template

from crm.common.registry import registry

bp = Blueprint("creators", __name__, url_prefix="/creators")

TIMELINE_LIMIT = 50


def creator_timeline(session, creator, user, limit: int = TIMELINE_LIMIT) -> list:
    """Every domain's entries for this creator, merged by time, newest first."""
    entries = []
    for provider in registry(current_app).timeline:
        entries.extend(provider.entries(session, creator, user, limit))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def creator_sections(session, creator, user) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(anchor key, template, context) of each section shown to this user, in order."""
    sections = []
    for section in sorted(registry(current_app).creator_sections, key=lambda s: s.order):
        if user.role not in section.roles:
            continue
        context = section.build(session, creator, user)
        if context is not None:
            key = re.sub(r"[^a-z0-9]+", "-", section.name.lower()).strip("-")
            sections.append((key, section.template, context))
    return sections


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
