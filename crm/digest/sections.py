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

Sections still to be added by their domains (their data does not exist in this package):
open and overdue reminders (reminders, order 10, all roles: the user's own), the review
queue (approvals, order 20, legal), new feedback by product and severity (feedback,
order 40), submissions published over the week (approvals, order 60).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import BigInteger, Date, column, inspect, select, table
from sqlalchemy.orm import Session

from crm.agreements.models import Grant, Nda
from crm.common.money import format_money
from crm.common.permissions import ALL_ROLES, MANAGER, can_see_money
from crm.creators.models import Account, Creator

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

_snapshots = table(
    "snapshots",
    column("account_id"),
    column("captured_on", Date),
    column("followers", BigInteger),
)


def build_audience_movers(session: Session, user, week_start: date, week_end: date):
    """Follower change per creator between the first and last snapshot of last week.

    Needs the metrics domain's `snapshots` table (DESIGN: account_id, captured_on,
    followers); until it exists the section is left out instead of guessing from the
    current follower counts, which carry no history.
    """
    if not inspect(session.connection()).has_table("snapshots"):
        return None
    start, _ = looking_back(week_start)
    end = week_start  # Monday's snapshot, when the daily job already ran, counts too
    rows = session.execute(
        select(
            _snapshots.c.account_id,
            _snapshots.c.followers,
            Account.creator_id,
            Creator.display_name,
        )
        .join(Account, Account.id == _snapshots.c.account_id)
        .join(Creator, Creator.id == Account.creator_id)
        .where(
            _snapshots.c.captured_on.between(start, end),
            _snapshots.c.followers.is_not(None),
            *creator_scope(user),
        )
        .order_by(_snapshots.c.account_id, _snapshots.c.captured_on)
    ).all()
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    owner: dict[int, tuple[int, str]] = {}
    for account_id, followers, creator_id, name in rows:
        first.setdefault(account_id, followers)
        last[account_id] = followers
        owner[account_id] = (creator_id, name)
    before: dict[tuple[int, str], int] = defaultdict(int)
    change: dict[tuple[int, str], int] = defaultdict(int)
    for account_id, start_followers in first.items():
        key = owner[account_id]
        before[key] += start_followers
        change[key] += last[account_id] - start_followers
    movers = sorted(
        (key for key, delta in change.items() if delta),
        key=lambda key: (-abs(change[key]), key[1].lower(), key[0]),
    )[:MOVERS_LIMIT]
    if not movers:
        return None
    return {
        "from": start,
        "to": end,
        "movers": [
            {
                "creator": name,
                "creator_id": creator_id,
                "followers": before[(creator_id, name)] + change[(creator_id, name)],
                "change": change[(creator_id, name)],
                "percent": (
                    round(100 * change[(creator_id, name)] / before[(creator_id, name)], 1)
                    if before[(creator_id, name)]
                    else None
                ),
            }
            for creator_id, name in movers
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
