"""The agreements pages' blueprint, what its page groups share, and the agreements page
(what expires and what is due)."""

from __future__ import annotations

from flask import (
    Blueprint,
    render_template,
    request,
)

from crm.agreements import expiring, queries
from crm.common.errors import NotFound
from crm.common.ids import parse_id
from crm.common.permissions import (
    ALL_ROLES,
    allow,
)
from crm.common.timeutil import org_today
from crm.db import get_session
from crm.web.forms import choices

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


def today():
    return org_today()


def _creator(creator_id) -> object:
    creator_id = parse_id(creator_id)
    creator = queries.creator_of(get_session(), creator_id) if creator_id else None
    if creator is None:
        raise NotFound("Choose a creator first (from the creator's page).")
    return creator


# --- the agreements page: what expires and what is due ---------------------------------------


@bp.get("/")
@allow(ALL_ROLES)
def index():
    """NDAs and grants ending within 30 days and payments due by then, each block a page of
    rows with its count and (payments) its totals counted by the database."""
    days = 30
    cursors = {block: request.args.get(block) or None for block in EXPIRING_BLOCKS}
    soon = expiring.expiring_page(
        get_session(), today(), days, cursors=cursors, limit=queries.EXPIRING_PAGE
    )
    return render_template(
        "agreements/index.html", soon=soon, days=days, today=today(), cursors=cursors
    )


EXPIRING_BLOCKS = ("ndas", "grants", "payments")


def _product_choices():
    """Products by name, each marked released or unreleased (an unreleased one needs an NDA)."""
    day = today()

    def label(p) -> str:
        if p.released_on(day):
            return f"{p.name} (released)"
        when = f", public on {p.public_on.isoformat()}" if p.public_on else ""
        return f"{p.name} (unreleased{when})"

    return choices((p.id, label(p)) for p in queries.list_products(get_session()))
