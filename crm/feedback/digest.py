"""The feedback digest section (R8), registered by `crm.feedback.register`: the notes filed
over the previous week (`looking_back`, whole days in CRM_TIMEZONE), counted per product and
severity, with the critical ones named.

Every role gets it (feedback carries no money). It is scoped like the other creator
sections: a manager hears about the feedback of the creators they own, everyone else about
all (`creator_scope`; archived creators are left out). Notes are counted whatever their
status now (a note triaged or resolved since still arrived that week). Two queries.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.agreements.models import Product
from crm.common.permissions import ALL_ROLES
from crm.common.registry import DigestSection
from crm.creators.models import Creator
from crm.creators.scope import creator_scope
from crm.digest.sections import looking_back, looking_back_instants
from crm.feedback.models import SEVERITIES, Feedback

# Worst first, as the digest lists them.
SEVERITY_ORDER = tuple(reversed(SEVERITIES))
CRITICAL_LIMIT = 10


def build_new_feedback(session: Session, user, week_start: date, week_end: date):
    start, end = looking_back_instants(week_start)
    where = (Feedback.created_at >= start, Feedback.created_at < end, *creator_scope(user))
    rows = session.execute(
        select(Product.id, Product.name, Feedback.severity, func.count())
        .select_from(Feedback)
        .join(Product, Product.id == Feedback.product_id)
        .join(Creator, Creator.id == Feedback.creator_id)
        .where(*where)
        .group_by(Product.id, Product.name, Feedback.severity)
    ).all()
    if not rows:
        return None
    products: dict[int, dict] = {}
    for product_id, name, severity, count in rows:
        entry = products.setdefault(
            product_id,
            {"id": product_id, "name": name, "total": 0, "by_severity": {}},
        )
        entry["by_severity"][severity] = entry["by_severity"].get(severity, 0) + count
        entry["total"] += count
    for entry in products.values():
        entry["severities"] = [
            (s, entry["by_severity"][s]) for s in SEVERITY_ORDER if entry["by_severity"].get(s)
        ]
    critical = session.execute(
        select(Feedback.id, Feedback.title, Product.name, Creator.display_name)
        .join(Product, Product.id == Feedback.product_id)
        .join(Creator, Creator.id == Feedback.creator_id)
        .where(*where, Feedback.severity == "critical")
        .order_by(Feedback.created_at, Feedback.id)
        .limit(CRITICAL_LIMIT)
    ).all()
    first, last = looking_back(week_start)
    by_product = sorted(products.values(), key=lambda p: (-p["total"], p["name"], p["id"]))
    critical_total = sum(p["by_severity"].get("critical", 0) for p in by_product)
    return {
        "from": first,
        "to": last,
        "total": sum(p["total"] for p in by_product),
        "products": by_product,
        "critical": [
            {"id": note_id, "title": title, "product": product, "creator": creator}
            for note_id, title, product, creator in critical
        ],
        "critical_more": critical_total - len(critical),
        "filters": {"since": first.isoformat(), "until": last.isoformat()},
    }


SECTION = DigestSection(
    "new_feedback",
    build_new_feedback,
    "email/digest/new_feedback.html",
    "email/digest/new_feedback.txt",
    roles=ALL_ROLES,
    order=40,
)
