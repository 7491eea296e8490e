"""Template filters and globals: labels and plurals, money, local times, navigation, role
checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, current_app, g
from flask_login import current_user
from sqlalchemy import select

from crm.common import labels, money
from crm.common.permissions import can, can_see_money
from crm.common.registry import registry
from crm.common.timefmt import viewer_zone
from crm.web import nonces, times
from crm.web.badges import tone


def init_app(app: Flask) -> None:
    # A global, not a context value, so macros imported without context see it too.
    app.jinja_env.globals["status_tone"] = tone
    app.jinja_env.globals["form_nonce"] = nonces.field

    # Every code a person reads goes through `label` (crm/common/labels.py); counts with a
    # noun through `plural`.
    app.jinja_env.filters["label"] = labels.label
    app.jinja_env.filters["plural"] = labels.plural

    @app.template_filter("money")
    def money_filter(minor: int | None, currency: str | None) -> str:
        """Amounts only for roles that may see money; a viewer gets a dash."""
        if not can_see_money(current_user):
            return "—"
        return money.format_money(minor, currency)

    # Times for people: <time> elements labelled with the viewer's zone (crm/web/times.py).
    app.add_template_filter(times.localtime, "localtime")
    app.add_template_filter(times.localdate, "localdate")
    app.add_template_filter(times.day, "day")

    @app.template_filter("isodate")
    def isodate(value: date | None) -> str:
        """YYYY-MM-DD for form values and attributes; `day` is the one for people."""
        return value.isoformat() if value else ""

    @app.context_processor
    def globals_() -> dict[str, Any]:
        return {
            "can": lambda *roles: can(current_user, roles),
            "can_see_money": lambda: can_see_money(current_user),
            "nav_items": _nav_items,
            "viewer_zone": lambda: viewer_zone(current_user),
        }


def _nav_items() -> list[dict[str, Any]]:
    """The navigation entries this user may open, with their counts (cached per request).

    Entries that give a count statement are counted together in one SELECT of scalar
    subqueries, so the navigation costs one statement whatever the number of badges."""
    if "nav_items" in g:
        return g.nav_items
    items = []
    if current_user and current_user.is_authenticated:
        from crm.db import get_session

        counts = []
        for item in sorted(registry(current_app).nav, key=lambda i: (i.order, i.label)):
            if current_user.role not in item.roles:
                continue
            entry = {
                "endpoint": item.endpoint,
                "label": item.label,
                "badge": None,
                "group": item.group,
            }
            if item.count is not None:
                stmt = item.count(current_user)
                if stmt is not None:
                    counts.append((entry, stmt))
            items.append(entry)
        if counts:
            row = (
                get_session()
                .execute(
                    select(
                        *[s.scalar_subquery().label(f"b{i}") for i, (_e, s) in enumerate(counts)]
                    )
                )
                .one()
            )
            for (entry, _stmt), value in zip(counts, row, strict=True):
                entry["badge"] = value or None
    g.nav_items = items
    return items
