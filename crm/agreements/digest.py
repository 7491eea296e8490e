"""The agreements' digest section (R8), registered by `crm.agreements.register`: signed
NDAs and active grants ending in the next 14 days (`looking_ahead`), scoped by
`creator_scope`. Grant values only for the roles that may see money. Two queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import Grant, Nda
from crm.common.money import format_money
from crm.common.permissions import ALL_ROLES, can_see_money
from crm.common.registry import DigestSection
from crm.creators.models import Creator
from crm.creators.scope import creator_scope
from crm.digest.sections import looking_ahead

EXPIRY_DAYS = 14


def build_expiring_agreements(session: Session, user, week_start: date, week_end: date):
    start, end = looking_ahead(week_start, EXPIRY_DAYS)
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
                "days_left": (nda.expires_on - week_start).days if nda.expires_on else None,
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


SECTION = DigestSection(
    "expiring_agreements",
    build_expiring_agreements,
    "email/digest/expiring_agreements.html",
    "email/digest/expiring_agreements.txt",
    roles=ALL_ROLES,
    order=30,
)
