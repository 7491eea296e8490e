"""Capturing a note: its fields checked, created, read back."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crm.agreements.models import Grant, Product
from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import FieldErrors, NotFound
from crm.creators.models import Creator
from crm.feedback.models import CATEGORIES, SEVERITIES, Feedback
from crm.feedback.signals import feedback_recorded

TITLE_MAX = 200
TEXT_MAX = 20000

M = TypeVar("M")

EDITABLE = ("product_id", "grant_id", "category", "severity", "title", "body", "reproduction")


def snapshot(note: Feedback) -> dict:
    return {
        "creator_id": note.creator_id,
        "product_id": note.product_id,
        "grant_id": note.grant_id,
        "category": note.category,
        "severity": note.severity,
        "title": note.title,
        "status": note.status,
        "forwarded_to": note.forwarded_to,
        "duplicate_of": note.duplicate_of_id,
    }


def check_fields(
    session: Session, values: dict, errors: FieldErrors, note_id: int | None = None
) -> None:
    """Validate a full set of note values (creating, or an existing note with changes)."""
    if values.get("category") not in CATEGORIES:
        errors.add("category", f"must be one of {', '.join(CATEGORIES)}")
    if values.get("severity") not in SEVERITIES:
        errors.add("severity", f"must be one of {', '.join(SEVERITIES)}")
    title = (values.get("title") or "").strip()
    if not title:
        errors.add("title", "is required")
    elif len(title) > TITLE_MAX:
        errors.add("title", f"must be at most {TITLE_MAX} characters")
    values["title"] = title
    for name in ("body", "reproduction"):
        values[name] = values.get(name) or ""
        if len(values[name]) > TEXT_MAX:
            errors.add(name, f"must be at most {TEXT_MAX} characters")

    creator = get_or_none(session, Creator, values.get("creator_id"))
    if creator is None:
        errors.add("creator_id", "is not a known creator")
    product = get_or_none(session, Product, values.get("product_id"))
    if product is None:
        errors.add("product_id", "is not a known product")
    if values.get("grant_id") is not None:
        grant = get_or_none(session, Grant, values["grant_id"])
        if grant is None:
            errors.add("grant_id", "is not a known grant")
        else:
            if creator is not None and grant.creator_id != creator.id:
                errors.add("grant_id", "belongs to another creator")
            if product is not None and grant.product_id != product.id:
                errors.add("grant_id", "is for another product")
    if values.get("duplicate_of_id") is not None:
        original = get_or_none(session, Feedback, values["duplicate_of_id"])
        if original is None:
            errors.add("duplicate_of", "is not a known feedback note")
        elif note_id is not None and original.id == note_id:
            errors.add("duplicate_of", "cannot be the note itself")
        elif product is not None and original.product_id != product.id:
            errors.add("duplicate_of", "is about another product")
        elif original.duplicate_of_id is not None and original.duplicate_of_id == note_id:
            errors.add("duplicate_of", "is already a duplicate of this note")


def get_or_none(session: Session, model: type[M], ident: int | str | None) -> M | None:
    if ident is None or isinstance(ident, bool):
        return None
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        return None
    if not 0 < ident < 2**31:
        return None
    return session.get(model, ident)


def create_feedback(
    session: Session,
    actor: Actor,
    *,
    creator_id: int | str,
    product_id: int | str,
    category: str,
    severity: str,
    title: str,
    body: str = "",
    reproduction: str = "",
    grant_id: int | str | None = None,
    duplicate_of_id: int | str | None = None,
) -> Feedback:
    values = {
        "creator_id": creator_id,
        "product_id": product_id,
        "grant_id": grant_id,
        "category": category,
        "severity": severity,
        "title": title,
        "body": body,
        "reproduction": reproduction,
        "duplicate_of_id": duplicate_of_id,
    }
    errors = FieldErrors()
    check_fields(session, values, errors)
    errors.raise_if_any()
    note = Feedback(
        creator_id=int(creator_id),
        product_id=int(product_id),
        grant_id=int(grant_id) if grant_id is not None else None,
        category=category,
        severity=severity,
        title=values["title"],
        body=values["body"],
        reproduction=values["reproduction"],
        duplicate_of_id=int(duplicate_of_id) if duplicate_of_id is not None else None,
        status="new",
        created_by_id=getattr(actor, "id", None),
    )
    session.add(note)
    session.flush()
    record(session, actor, "feedback.create", "feedback", note.id, snapshot(note))
    feedback_recorded.send(note, session=session, actor=actor)
    return note


def get_feedback(session: Session, note_id: int) -> Feedback:
    note = session.scalar(
        select(Feedback)
        .where(Feedback.id == note_id)
        .options(
            joinedload(Feedback.creator),
            joinedload(Feedback.product),
            joinedload(Feedback.grant),
            joinedload(Feedback.created_by),
            joinedload(Feedback.duplicate_of),
        )
    )
    if note is None:
        raise NotFound("No such feedback note.")
    return note
