"""Products: the models and tools creators may get access to, and their release dates (R4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.agreements.models import (
    Product,
)
from crm.agreements.signals import release_moved
from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import FieldErrors, NotFound


def product_is_released(product: Product, day: date) -> bool:
    """R2: a product is public from its `public_on`; then R1 no longer applies to it."""
    return product.released_on(day)


def get_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


def _clean_aliases(errors: FieldErrors, aliases: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for alias in aliases or []:
        if not isinstance(alias, str):
            errors.add("aliases", "must be text")
            continue
        alias = alias.strip()
        if not alias:
            continue
        if len(alias) > 100:
            errors.add("aliases", f"“{alias[:20]}…” is longer than 100 characters")
            continue
        if alias.lower() not in seen:
            seen.add(alias.lower())
            out.append(alias)
    if len(out) > 50:
        errors.add("aliases", "at most 50 aliases")
    return out


def _check_product_name(
    session: Session, errors: FieldErrors, name: str | None, product_id: int | None = None
) -> str:
    name = (name or "").strip()
    if not name:
        errors.add("name", "is required")
    elif len(name) > 200:
        errors.add("name", "must be at most 200 characters")
    else:
        stmt = select(Product.id).where(func.lower(Product.name) == name.lower())
        if product_id is not None:
            stmt = stmt.where(Product.id != product_id)
        if session.scalar(stmt) is not None:
            errors.add("name", "is already used by another product")
    return name


def create_product(
    session: Session,
    actor: Actor,
    *,
    name: str,
    aliases: Iterable[str] | None = None,
    public_on: date | None = None,
) -> Product:
    errors = FieldErrors()
    name = _check_product_name(session, errors, name)
    clean = _clean_aliases(errors, aliases)
    errors.raise_if_any()
    product = Product(name=name, aliases=clean, public_on=public_on)
    session.add(product)
    session.flush()
    record(
        session,
        actor,
        "product.create",
        "product",
        product.id,
        {"name": name, "aliases": clean, "public_on": public_on},
    )
    return product


def update_product(session: Session, actor: Actor, product: Product, **fields: Any) -> Product:
    """Change name, aliases or public_on; a moved release date is audited and announced."""
    errors = FieldErrors()
    changes: dict[str, list[Any]] = {}
    if "name" in fields:
        name = _check_product_name(session, errors, fields["name"], product.id)
        if name != product.name:
            changes["name"] = [product.name, name]
    if "aliases" in fields:
        clean = _clean_aliases(errors, fields["aliases"])
        if clean != list(product.aliases or []):
            changes["aliases"] = [list(product.aliases or []), clean]
    if "public_on" in fields and fields["public_on"] != product.public_on:
        changes["public_on"] = [product.public_on, fields["public_on"]]
    errors.raise_if_any()
    if not changes:
        return product
    for key, (_old, new) in changes.items():
        setattr(product, key, new)
    session.flush()
    record(session, actor, "product.update", "product", product.id, changes)
    if "public_on" in changes:
        before, after = changes["public_on"]
        release_moved.send(product, session=session, actor=actor, before=before, after=after)
    return product
