"""Template filters and globals: labels and plurals, money, local times, navigation, role
checks."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask, current_app, g
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from crm.common import labels, money
from crm.common.permissions import ADMIN, can, can_see_money
from crm.common.registry import ADMIN_MENU, USER_MENU, registry
from crm.common.timefmt import viewer_zone
from crm.web import nonces, times
from crm.web.badges import tone

# An ISO date, with its time and zone if given ("2026-10-24", "2026-12-02 05:22 Europe/London").
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?(?: (?:[A-Z]{2,5}|[A-Z][a-z]+/[\w/+-]+))?)?"
)


def dates_nobreak(text: object) -> Markup:
    """The text, escaped, with each ISO date in it kept on one line: browsers break a line
    after a hyphen, so "2026-10-24" inside a task title could end a line at "2026-"."""
    safe = str(escape(text))  # escaped first; the pattern matches only digits, : and a zone
    marked = _DATE.sub(lambda m: f'<span class="text-date">{m.group(0)}</span>', safe)
    return Markup(marked)  # noqa: S704  # nosec B704


def init_app(app: Flask) -> None:
    # A global, not a context value, so macros imported without context see it too.
    app.jinja_env.globals["status_tone"] = tone
    app.jinja_env.globals["form_nonce"] = nonces.field
    app.jinja_env.filters["dates_nobreak"] = dates_nobreak

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
            "nav_bar": _nav_bar,
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
                # The Admin menu gathers admin work; another role allowed one of its pages
                # (legal's audit log, the products list) sees that page as a link of its own.
                "group": None
                if item.group == ADMIN_MENU and current_user.role != ADMIN
                else item.group,
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


def _nav_bar() -> dict[str, Any]:
    """The bar as the template draws it: `entries` in order, each a link or a menu (`children`,
    the summed `badge`, `active` when it holds the page shown), and `user`, the links of
    the user's own menu. A menu this user would see with one entry is that entry's link."""
    from flask import request

    groups: dict[str, list[dict[str, Any]]] = {}
    entries: list[dict[str, Any]] = []
    user: list[dict[str, Any]] = []
    for item in _nav_items():
        group = item["group"]
        if group == USER_MENU:
            user.append(item)
        elif group is None:
            entries.append(item)
        elif group in groups:
            groups[group].append(item)
        else:
            groups[group] = [item]
            entries.append({"menu": group, "children": groups[group]})
    bar = []
    for entry in entries:
        items = entry.get("children")
        if items is None:
            bar.append(entry)
        elif len(items) == 1:
            bar.append(items[0])
        else:
            bar.append(
                {
                    "label": entry["menu"],
                    "children": items,
                    "badge": sum(i["badge"] or 0 for i in items) or None,
                    "active": any(i["endpoint"] == request.endpoint for i in items),
                }
            )
    return {"entries": bar, "user": user}
