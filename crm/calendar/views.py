"""The launch calendar's pages: month and week views, and the secret iCalendar feed."""

from __future__ import annotations

import calendar as pycal
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.agreements.models import Product
from crm.auth.models import User
from crm.calendar import services
from crm.calendar.services import CalendarEvent, Filters
from crm.common.clearance import set_request_viewer
from crm.common.errors import NotFound
from crm.common.permissions import ALL_ROLES, allow, public
from crm.common.timeutil import user_today
from crm.db import get_session
from crm.web.forms import handle_action
from crm.web.security import recent_login_required

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

VIEWS = ("month", "week")
MAX_ID = 2**62


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_ID:
        abort(400, f"{name} must be a record id.")
    return int(raw)


def filters_from_args() -> Filters:
    return Filters(owner_id=_int_arg("owner_id"), product_id=_int_arg("product_id"))


def _range(view: str, on: date) -> tuple[date, date]:
    if view == "week":
        start = on - timedelta(days=on.weekday())
        return start, start + timedelta(days=6)
    first = on.replace(day=1)
    last = first.replace(day=pycal.monthrange(first.year, first.month)[1])
    # The grid runs from the Monday before the first to the Sunday after the last.
    return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())


def _step(view: str, on: date, sign: int) -> date:
    if view == "week":
        return on + timedelta(days=7 * sign)
    month = on.month - 1 + sign
    return date(on.year + month // 12, month % 12 + 1, 1)


def _urls(items: list[CalendarEvent], base: str = "") -> dict[str, str]:
    """Each event's page: a path on the page, an absolute URL (under CRM_BASE_URL) in the feed."""
    out = {}
    for item in items:
        if item.endpoint:
            values: dict[str, Any] = dict(item.values)
            out[item.uid] = base + url_for(item.endpoint, **values)
    return out


@bp.get("/")
@allow(ALL_ROLES)
def index():
    view = request.args.get("view", "month")
    if view not in VIEWS:
        abort(400, "view must be month or week.")
    raw_on = request.args.get("on", "").strip()
    try:
        on = date.fromisoformat(raw_on) if raw_on else user_today(current_user)
    except ValueError:
        abort(400, "on must be a date (YYYY-MM-DD).")
    if not date(1900, 1, 1) <= on <= date(9000, 12, 31):
        abort(400, "on is out of range.")
    filters = filters_from_args()
    db = get_session()
    start, end = _range(view, on)
    items = services.events(db, current_user, start, end, filters)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    owners = db.execute(
        select(User.id, User.name).where(User.active.is_(True)).order_by(User.name).limit(500)
    ).all()
    products = db.execute(select(Product.id, Product.name).order_by(Product.name).limit(500)).all()
    query = {
        k: v for k, v in (("owner_id", filters.owner_id), ("product_id", filters.product_id)) if v
    }
    return render_template(
        "calendar/index.html",
        view=view,
        on=on,
        start=start,
        end=end,
        weeks=[days[i : i + 7] for i in range(0, len(days), 7)],
        events_by_day=services.by_day(items),
        events=items,
        urls=_urls(items),
        filters=filters,
        owners=owners,
        products=products,
        today=user_today(current_user),
        prev_on=_step(view, on, -1),
        next_on=_step(view, on, 1),
        query=query,
        feed_url=services.feed_url(db, current_user),
        kinds=services.KIND_LABELS,
    )


@bp.post("/feed/reset")
@allow(ALL_ROLES)
@recent_login_required
def reset_feed():
    back = url_for("calendar.index")
    return handle_action(
        lambda db: services.reset_feed(db, current_user, current_user),
        success=(
            "Your calendar feed has a new address; the old one no longer works.",
            back,
            "success",
        ),
        back=back,
    )


@bp.get("/feed/<secret>.ics")
@public
def feed(secret: str):
    db = get_session()
    try:
        user = services.user_for_secret(db, secret[:100])
    except NotFound:
        abort(404)
    filters = filters_from_args()
    start, end = services.feed_window(user_today(user))
    # The feed reads as its owner: what they may not see is neither listed nor named.
    set_request_viewer(user)
    items = services.events(db, user, start, end, filters)
    body = services.to_ical(
        items, _urls(items, services.base_url()), f"Launch calendar: {user.name}"
    )
    return Response(
        body,
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": 'inline; filename="calendar.ics"',
            "Cache-Control": "no-store",
        },
    )
