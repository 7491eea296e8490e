"""What the feedback pages share: labels for templates, query arguments, the form's choices."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from crm.agreements.models import Grant, Product
from crm.common.ids import parse_id
from crm.creators.models import Creator
from crm.creators.picker import Pick
from crm.feedback.forms import FeedbackForm
from crm.feedback.models import (
    CATEGORIES,
    CATEGORY_LABELS,
    SEVERITIES,
    STATUS_LABELS,
    STATUSES,
    Feedback,
)
from crm.web.forms import choices

GRANT_CHOICES_MAX = 500


def label_context():
    return {
        "category_labels": CATEGORY_LABELS,
        "status_labels": STATUS_LABELS,
        "categories": CATEGORIES,
        "severities": SEVERITIES,
        "statuses": STATUSES,
    }


def int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name))


def product_options(db):
    return db.execute(select(Product.id, Product.name).order_by(Product.name)).all()


REPORT_CREATOR_OPTIONS = 200


def report_creator_options(db, product_id: int, chosen: int | None = None):
    """The report's creator filter: the creators with notes about this product (at most
    REPORT_CREATOR_OPTIONS, by name), and the chosen one; one query, whatever the number of
    creators in the CRM."""
    stmt = (
        select(Creator.id, Creator.display_name)
        .where(
            Creator.id.in_(
                select(Feedback.creator_id).where(Feedback.product_id == product_id).distinct()
            )
        )
        .order_by(Creator.search_name, Creator.id)
        .limit(REPORT_CREATOR_OPTIONS)
    )
    if chosen is not None:
        stmt = (
            select(Creator.id, Creator.display_name)
            .where((Creator.id == chosen) | Creator.id.in_(select(stmt.subquery().c.id)))
            .order_by(Creator.search_name, Creator.id)
        )
    return db.execute(stmt).all()


def fill_choices(
    db, form: FeedbackForm, creator_id: int | None, similar=(), pick: Pick | None = None
) -> None:
    """The form's lists, each bounded: the creator is typed by name (crm.creators.picker), so
    only the few candidates of an ambiguous name are offered, never every creator."""
    candidates = pick.candidates if pick is not None else []
    form.creator_id.choices = choices(
        [("", "— choose one —")]
        + [(str(c.id), f"{c.name} ({c.email})" if c.email else c.name) for c in candidates]
    )
    products = product_options(db)
    form.product_id.choices = choices([("", "— choose —")] + [(str(i), n) for i, n in products])
    stmt = (
        select(
            Grant.id, Grant.starts_on, Grant.ends_on, Grant.tier, Product.name, Creator.display_name
        )
        .join(Product, Product.id == Grant.product_id)
        .join(Creator, Creator.id == Grant.creator_id)
        .order_by(Creator.search_name, Grant.starts_on.desc())
        .limit(GRANT_CHOICES_MAX)
    )
    if creator_id is not None:
        stmt = stmt.where(Grant.creator_id == creator_id)
    else:
        stmt = stmt.where(Grant.status == "active")
    grants = [
        (str(gid), f"{cname} — {pname} ({start:%Y-%m-%d} to {end:%Y-%m-%d}) {tier}".strip())
        for gid, start, end, tier, pname, cname in db.execute(stmt)
    ]
    form.grant_id.choices = choices([("", "— none —"), *grants])
    dupes = [(str(s.note.id), f"#{s.note.id} {s.note.title}") for s in similar]
    current = form.duplicate_of.data
    if current and current not in {v for v, _l in dupes}:
        dupes.append((current, f"#{current}"))
    form.duplicate_of.choices = choices([("", "Not a duplicate: file a new note"), *dupes])


def submitted_id(value) -> int | str | None:
    """A submitted id: an int when it looks like one, else the raw text (the service names
    it as unknown)."""
    if value in (None, ""):
        return None
    value = str(value).strip()
    number = parse_id(value)
    return number if number is not None else value


def errors_text(form) -> str:
    return " ".join(f"{name}: {m}" for name, messages in form.errors.items() for m in messages)
