"""The digest's sections: a registry other domains add to.

A section is `DigestSection(name, build, html_template, text_template, roles, order)`:

- `build(session, user, week_start, week_end) -> dict | None`: the data for one user.
  `week_start`/`week_end` are the Monday and Sunday of the digest's ISO week (the week it
  is sent in, on its Monday morning). Look back over the previous week with
  `looking_back(week_start)` and ahead with `looking_ahead(week_start, days)`. Return None
  (or an empty dict) to leave the section out; a digest with no section at all is not
  sent. Use a bounded number of queries (it runs once per user) and respect the user's
  role: a viewer never sees money (check `crm.common.permissions.can_see_money(user)`
  and leave amounts out of the dict; do not rely on the template to hide them).
- `html_template` / `text_template`: paths under templates/ (by convention
  `email/digest/<name>.html` and `.txt`). They get `data` (the dict), `user`, `link`
  (`link("creators.detail", creator_id=3)` → absolute URL or None when that page does not
  exist) and `base_url`. HTML is autoescaped; inline styles only, no scripts.
- `roles`: who gets it; `order`: position (lower first).

Other domains register theirs in their own `register(app)` (safe to call repeatedly):

    from crm.digest.sections import DigestSection, add_section
    add_section(DigestSection("review_queue", build_review_queue,
        "email/digest/review_queue.html", "email/digest/review_queue.txt",
        roles=REVIEWERS, order=20))

The sections that exist, and where each is defined and registered:

| order | name                  | roles     | defined in (registered by)                      |
|------:|-----------------------|-----------|-------------------------------------------------|
|    10 | reminders             | all       | crm/reminders/digest.py (crm.reminders.register) |
|    20 | review_queue          | legal     | crm/approvals/digest.py (crm.approvals.register) |
|    30 | expiring_agreements   | all       | this module                                     |
|    40 | new_feedback          | all       | crm/feedback/digest.py (crm.feedback.register)  |
|    50 | audience_movers       | all       | this module (the rule: crm/metrics/movers.py)   |
|    60 | published_submissions | all       | crm/approvals/digest.py (crm.approvals.register) |

Scope: reminders are the user's own; the review queue is the whole queue; the other
sections follow `creator_scope` (a manager hears about the creators they own, everyone
else about all; archived creators are left out). "The previous week" in a section means
`looking_back(week_start)`; timestamps are compared with `looking_back_instants`, i.e.
whole days in the organisation's time zone (`CRM_TIMEZONE`), the zone the digest's week
is taken in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import Grant, Nda
from crm.common.money import format_money
from crm.common.permissions import ALL_ROLES, MANAGER, can_see_money
from crm.common.timeutil import zone
from crm.creators.models import Creator

EXPIRY_DAYS = 14
MOVERS_LIMIT = 5


@dataclass(frozen=True)
class DigestSection:
    name: str
    build: Callable  # (session, user, week_start, week_end) -> dict | None
    html_template: str
    text_template: str
    roles: frozenset[str] = ALL_ROLES
    order: int = 50


def looking_back(week_start: date) -> tuple[date, date]:
    """The seven days before the digest's week (Monday to Sunday, inclusive)."""
    return week_start - timedelta(days=7), week_start - timedelta(days=1)


def looking_ahead(week_start: date, days: int = EXPIRY_DAYS) -> tuple[date, date]:
    """From the digest's Monday for `days` days, inclusive of the Monday."""
    return week_start, week_start + timedelta(days=days - 1)


def org_zone():
    """The organisation's time zone (`CRM_TIMEZONE`), the zone the digest's week is in."""
    return zone(current_app.config.get("CRM_TIMEZONE") if has_app_context() else None)


def org_date(moment: datetime) -> date:
    """The organisation's calendar day of a stored (UTC) timestamp."""
    return moment.astimezone(org_zone()).date()


def looking_back_instants(week_start: date) -> tuple[datetime, datetime]:
    """`looking_back(week_start)` as UTC instants [start, end): from the Monday 00:00 before
    to the digest's Monday 00:00, in the organisation's time zone (`CRM_TIMEZONE`)."""
    tz = org_zone()
    first, _last = looking_back(week_start)
    start = datetime.combine(first, time(), tz).astimezone(UTC)
    end = datetime.combine(week_start, time(), tz).astimezone(UTC)
    return start, end


def creator_scope(user):
    """Managers hear about the creators they own; admin, legal and viewers about all."""
    conditions = [Creator.archived.is_(False)]
    if user.role == MANAGER:
        conditions.append(Creator.owner_id == user.id)
    return conditions


# --- NDAs and grants expiring in the next 14 days ---------------------------------------


def build_expiring_agreements(session: Session, user, week_start: date, week_end: date):
    start, end = looking_ahead(week_start)
    scope = creator_scope(user)
    ndas = session.execute(
        select(Nda, Creator.display_name)
        .join(Creator, Creator.id == Nda.creator_id)
        .where(Nda.status == "signed", Nda.expires_on.between(start, end), *scope)
        .order_by(Nda.expires_on, Nda.id)
    ).all()
    grants = session.execute(
        select(Grant, Creator.display_name)
        .join(Creator, Creator.id == Grant.creator_id)
        .where(Grant.status == "active", Grant.ends_on.between(start, end), *scope)
        .order_by(Grant.ends_on, Grant.id)
    ).all()
    if not ndas and not grants:
        return None
    money = can_see_money(user)
    return {
        "until": end,
        "ndas": [
            {
                "creator": name,
                "creator_id": nda.creator_id,
                "expires_on": nda.expires_on,
                "days_left": (nda.expires_on - week_start).days,
                "products": [p.name for p in nda.products],
            }
            for nda, name in ndas
        ],
        "grants": [
            {
                "creator": name,
                "creator_id": grant.creator_id,
                "product": grant.product.name,
                "tier": grant.tier,
                "ends_on": grant.ends_on,
                "days_left": (grant.ends_on - week_start).days,
                # Only for roles that may see money: the dict a viewer gets has no amount.
                **(
                    {"monthly_value": format_money(grant.monthly_value_minor, grant.currency)}
                    if money and grant.monthly_value_minor is not None
                    else {}
                ),
            }
            for grant, name in grants
        ],
    }


# --- creators whose audience moved most over the week -----------------------------------


def build_audience_movers(session: Session, user, week_start: date, week_end: date):
    """The accounts whose followers moved most over the seven days before the digest.

    The rule for comparing across gaps in the data lives in `crm.metrics.movers`; the digest
    only narrows it to the creators this user follows (a manager's own).
    """
    from crm.metrics.movers import movers

    creator_ids = None
    if user.role == MANAGER:
        creator_ids = list(session.scalars(select(Creator.id).where(*creator_scope(user))))
        if not creator_ids:
            return None
    rows = movers(session, week_start, 7, limit=MOVERS_LIMIT, creator_ids=creator_ids)
    if not rows:
        return None
    return {
        "from": week_start - timedelta(days=7),
        "to": week_start,
        "movers": [
            {
                "creator": f"{m.creator_name} ({m.platform})",
                "creator_id": m.creator_id,
                "followers": m.current,
                "change": m.change,
                "percent": None if m.percent is None else round(m.percent, 1),
            }
            for m in rows
        ],
    }


SECTIONS: list[DigestSection] = [
    DigestSection(
        "expiring_agreements",
        build_expiring_agreements,
        "email/digest/expiring_agreements.html",
        "email/digest/expiring_agreements.txt",
        roles=ALL_ROLES,
        order=30,
    ),
    DigestSection(
        "audience_movers",
        build_audience_movers,
        "email/digest/audience_movers.html",
        "email/digest/audience_movers.txt",
        roles=ALL_ROLES,
        order=50,
    ),
]


def add_section(section: DigestSection) -> None:
    """Add or replace (by name) a section; idempotent, so `register(app)` may run twice."""
    for index, existing in enumerate(SECTIONS):
        if existing.name == section.name:
            SECTIONS[index] = section
            return
    SECTIONS.append(section)


def sections_for(user) -> list[DigestSection]:
    return sorted((s for s in SECTIONS if user.role in s.roles), key=lambda s: (s.order, s.name))
