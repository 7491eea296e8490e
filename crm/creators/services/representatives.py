"""Representatives: the agents and managers who speak for a creator."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from crm.audit.services import diff, record
from crm.common.actor import Actor
from crm.common.errors import FieldErrors, NotFound
from crm.creators.models import Creator, Representative
from crm.creators.services._common import EMAIL_RE, _has_control, _text


def clean_representative(data: dict, errors: FieldErrors) -> dict[str, str | None]:
    name = _text(data.get("name"))
    if not name:
        errors.add("name", "is required")
    out: dict[str, str | None] = {"name": name}
    for key, limit in (("agency", 200), ("phone", 50)):
        value = _text(data.get(key))
        if len(value) > limit or _has_control(value):
            errors.add(key, f"must be {limit} characters at most")
        out[key] = value or None
    if len(name) > 200:
        errors.add("name", "must be 200 characters at most")
    email = _text(data.get("email")).lower()
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        errors.add("email", "must be a valid email address")
    out["email"] = email or None
    phone = out["phone"] or ""
    if phone and not re.match(r"^[0-9+()./ \-]{3,50}$", phone):
        errors.add("phone", "may hold digits, spaces and + ( ) . / -")
    return out


def get_representative(session: Session, creator: Creator, rep_id: int) -> Representative:
    rep = session.get(Representative, rep_id)
    if rep is None or rep.creator_id != creator.id:
        raise NotFound("No such representative.")
    return rep


def add_representative(
    session: Session, actor: Actor, creator: Creator, data: dict
) -> Representative:
    errors = FieldErrors()
    values = clean_representative(data, errors)
    errors.raise_if_any()
    rep = Representative(creator_id=creator.id, **values)
    session.add(rep)
    session.flush()
    record(session, actor, "representative.create", "creator", creator.id, values)
    return rep


def update_representative(
    session: Session, actor: Actor, rep: Representative, data: dict
) -> Representative:
    errors = FieldErrors()
    values = clean_representative(data, errors)
    errors.raise_if_any()
    before = {k: getattr(rep, k) for k in values}
    for key, value in values.items():
        setattr(rep, key, value)
    session.flush()
    record(session, actor, "representative.update", "creator", rep.creator_id, diff(before, values))
    return rep


def delete_representative(session: Session, actor: Actor, rep: Representative) -> None:
    record(session, actor, "representative.delete", "creator", rep.creator_id, {"name": rep.name})
    session.delete(rep)
    session.flush()
