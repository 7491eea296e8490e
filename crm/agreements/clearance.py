"""Need-to-know for unreleased products: who is cleared, and which rows that hides.

A product is restricted while it is unreleased (no `public_on`, or one after the
organisation's today): computed from the date, so the restriction lifts by itself on the
public date with no job and no admin. While restricted, admins are always cleared, legal is
cleared unless an admin turned `legal_cleared` off for that product, and everyone else only
when an admin listed them in `product_clearances`.

The mechanism is crm/common/clearance.py; this module contributes the provider of a user's
hidden set (one statement) and the rules for the agreements' own rows (products, NDAs that
cover only hidden products, grants of hidden products) and for the audit entries and the
reminders about them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import String as SqlString
from sqlalchemy import and_, cast, delete, exists, literal, not_, or_, select, text, true, union_all
from sqlalchemy.orm import Session

from crm.agreements.models import Grant, Nda, Product, ProductClearance, nda_products
from crm.audit.models import AuditEvent
from crm.audit.services import record
from crm.auth.models import User
from crm.common.actor import Actor
from crm.common.clearance import (
    ALL_PRODUCTS,
    EMPTY,
    ClearanceRule,
    HiddenSet,
    forget_hidden,
    hidden_for,
    sees_everything,
)
from crm.common.errors import FieldErrors, Forbidden
from crm.common.permissions import ADMIN, LEGAL
from crm.common.timeutil import org_today
from crm.db import utcnow
from crm.reminders.models import Reminder

_products = Product.__table__
_clearances = ProductClearance.__table__
_grants = Grant.__table__


def restricted_on(day: date) -> Any:
    """SQL: the product is unreleased on `day` (no public date, or a later one)."""
    return or_(_products.c.public_on.is_(None), _products.c.public_on > day)


def hidden_products(session: Session, user: Any, today: date) -> HiddenSet:
    """The provider: the unreleased products `user` is not cleared for, with their names.

    Core tables (not the ORM entities), so the clearance rules never apply to this read."""
    if sees_everything(user):
        return EMPTY
    listed = exists().where(
        _clearances.c.product_id == _products.c.id, _clearances.c.user_id == user.id
    )
    cleared: Any = listed
    if getattr(user, "role", None) == LEGAL:
        cleared = or_(listed, _products.c.legal_cleared == true())
    rows = session.execute(
        select(_products.c.id, _products.c.name, _products.c.aliases).where(
            restricted_on(today), not_(cleared)
        ),
        execution_options={ALL_PRODUCTS: True},
    ).all()
    if not rows:
        return EMPTY
    terms: list[str] = []
    for _id, name, aliases in rows:
        terms.append(name)
        terms.extend(a for a in (aliases or []) if isinstance(a, str))
    return HiddenSet(frozenset(r[0] for r in rows), tuple(terms))


def hidden_product_ids(session: Session, user: Any) -> frozenset[int]:
    """Ids of the products `user` may not see today (cached per request)."""
    return hidden_for(session, user).ids


def cleared_product_ids(session: Session, user: Any) -> set[int]:
    """Ids of every product `user` may see today (all of them for an admin)."""
    ids = session.scalars(select(_products.c.id), execution_options={ALL_PRODUCTS: True})
    hidden = hidden_product_ids(session, user)
    return {i for i in ids if i not in hidden}


def is_cleared(session: Session, user: Any, product_id: int) -> bool:
    return product_id not in hidden_product_ids(session, user)


def require_cleared(session: Session, actor: Actor, product_ids: Iterable[int]) -> None:
    """Acts on a hidden product are refused as if it did not exist (the caller's 404)."""
    hidden = hidden_product_ids(session, actor)
    if any(pid in hidden for pid in product_ids):
        from crm.common.errors import NotFound

        raise NotFound("No such product.")


def covers_hidden(session: Session, user: Any, nda: Nda) -> bool:
    """The NDA also covers a product `user` may not see (its document and terms name it)."""
    hidden = hidden_product_ids(session, user)
    return bool(hidden) and any(p.id in hidden for p in nda.products)


# --------------------------------------------------------------------------- the rules


def _visible_product(entity: Any, ids: tuple[int, ...]) -> Any:
    return entity.id.not_in(ids)


def _visible_nda(entity: Any, ids: tuple[int, ...]) -> Any:
    """An NDA is about hidden products only when every product it covers is hidden; one
    that also covers a product the user may see stays, that product named."""
    covers = exists().where(nda_products.c.nda_id == entity.id)
    covers_visible = exists().where(
        nda_products.c.nda_id == entity.id, nda_products.c.product_id.not_in(ids)
    )
    return or_(not_(covers), covers_visible)


def _visible_grant(entity: Any, ids: tuple[int, ...]) -> Any:
    return entity.product_id.not_in(ids)


def _visible_audit(entity: Any, ids: tuple[int, ...]) -> Any:
    """Audit entries about a record that does not exist for the user (a hidden product, a
    grant of one, an NDA covering only hidden ones) are left out; the others are redacted
    as every response is."""
    product_keys = [str(i) for i in ids]
    nda = Nda.__table__
    hidden_grants = select(cast(_grants.c.id, SqlString)).where(_grants.c.product_id.in_(ids))
    hidden_ndas = select(cast(nda.c.id, SqlString)).where(not_(_visible_nda(nda.c, ids)))
    return not_(
        or_(
            and_(entity.entity == "product", entity.entity_id.in_(product_keys)),
            and_(entity.entity == "grant", entity.entity_id.in_(hidden_grants)),
            and_(entity.entity == "nda", entity.entity_id.in_(hidden_ndas)),
        )
    )


def _visible_reminder(entity: Any, ids: tuple[int, ...]) -> Any:
    """A task about a grant of a hidden product, or an NDA covering only hidden ones, goes
    with its record: listed with its title redacted it would still say the record exists."""
    nda = Nda.__table__
    hidden_grants = select(_grants.c.id).where(_grants.c.product_id.in_(ids))
    hidden_ndas = select(nda.c.id).where(not_(_visible_nda(nda.c, ids)))
    # A task about nothing (NULL subject) must compare false, not NULL, or NOT would drop it.
    return not_(
        and_(
            entity.subject_type.is_not(None),
            entity.subject_id.is_not(None),
            or_(
                and_(entity.subject_type == "grant", entity.subject_id.in_(hidden_grants)),
                and_(entity.subject_type == "nda", entity.subject_id.in_(hidden_ndas)),
            ),
        )
    )


RULES = (
    # An NDA's products keep the hidden one (shown as "a restricted product").
    ClearanceRule(Product, _visible_product, propagate=False),
    ClearanceRule(Nda, _visible_nda),
    ClearanceRule(Grant, _visible_grant),
    ClearanceRule(AuditEvent, _visible_audit),
    ClearanceRule(Reminder, _visible_reminder),
)


# --------------------------------------------------------------------------- restricted rows


@dataclass(frozen=True)
class RestrictedRecord:
    """A record of the creator's the user may not see: only its kind and when it changed."""

    kind: str  # "nda" or "grant"
    at: datetime


@dataclass(frozen=True)
class RestrictedCounts:
    """How many of a creator's records the user may not see: shown as placeholder rows."""

    ndas: int = 0
    grants: int = 0

    @property
    def total(self) -> int:
        return self.ndas + self.grants


def restricted_records(session: Session, user: Any, creator_id: int) -> list[RestrictedRecord]:
    """The creator's NDAs covering only hidden products and grants of hidden products, newest
    first: one statement, only for a user with a hidden set (none for an admin)."""
    ids = tuple(sorted(hidden_product_ids(session, user)))
    if not ids:
        return []
    nda = Nda.__table__
    ndas = select(literal("nda").label("kind"), nda.c.updated_at.label("at")).where(
        nda.c.creator_id == creator_id, not_(_visible_nda(nda.c, ids))
    )
    grants = select(literal("grant").label("kind"), _grants.c.updated_at.label("at")).where(
        _grants.c.creator_id == creator_id, _grants.c.product_id.in_(ids)
    )
    rows = session.execute(
        union_all(ndas, grants).order_by(text("at DESC")),
        execution_options={ALL_PRODUCTS: True},
    ).all()
    return [RestrictedRecord(kind, _aware(at)) for kind, at in rows]


def _aware(value: Any) -> datetime:
    """An aware UTC datetime, however the driver hands back a UNION's column."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def count_restricted(records: Iterable[RestrictedRecord]) -> RestrictedCounts:
    records = list(records)
    return RestrictedCounts(
        ndas=sum(1 for r in records if r.kind == "nda"),
        grants=sum(1 for r in records if r.kind == "grant"),
    )


# --------------------------------------------------------------------------- the lists


@dataclass(frozen=True)
class ClearanceView:
    """A product's clearance as an admin sees it."""

    product: Product
    restricted: bool
    legal_cleared: bool
    users: list[User]
    granted: dict[int, tuple[int | None, datetime]]


def clearance_of(session: Session, product: Product) -> ClearanceView:
    rows = session.execute(
        select(ProductClearance, User)
        .join(User, User.id == ProductClearance.user_id)
        .where(ProductClearance.product_id == product.id)
        .order_by(User.name, User.id)
    ).all()
    return ClearanceView(
        product=product,
        restricted=not product.released_on(org_today()),
        legal_cleared=bool(product.legal_cleared),
        users=[u for _c, u in rows],
        granted={c.user_id: (c.granted_by, c.granted_at) for c, _u in rows},
    )


def set_clearance(
    session: Session,
    actor: Actor,
    product: Product,
    *,
    user_ids: Iterable[Any] | None = None,
    legal_cleared: bool | None = None,
) -> ClearanceView:
    """Replace the product's list of cleared users and/or the legal default (admins only),
    audited with who was added and removed."""
    if getattr(actor, "role", None) != ADMIN:
        raise Forbidden("Only admins change who is cleared for a product.")
    errors = FieldErrors()
    changes: dict[str, Any] = {}
    if user_ids is not None:
        wanted: set[int] = set()
        for raw in user_ids:
            if isinstance(raw, bool) or not isinstance(raw, int):
                errors.add("user_ids", "must be a list of user ids")
                break
            wanted.add(raw)
        if len(wanted) > 1000:
            errors.add("user_ids", "at most 1000 users")
        known = (
            set(session.scalars(select(User.id).where(User.id.in_(wanted)))) if wanted else set()
        )
        unknown = sorted(wanted - known)
        if unknown:
            errors.add("user_ids", f"unknown users: {', '.join(map(str, unknown[:20]))}")
        errors.raise_if_any()
        current = set(
            session.scalars(
                select(ProductClearance.user_id).where(ProductClearance.product_id == product.id)
            )
        )
        added, removed = sorted(wanted - current), sorted(current - wanted)
        if removed:
            session.execute(
                delete(ProductClearance).where(
                    ProductClearance.product_id == product.id,
                    ProductClearance.user_id.in_(removed),
                )
            )
        now = utcnow()
        session.add_all(
            ProductClearance(
                product_id=product.id, user_id=uid, granted_by=actor.id, granted_at=now
            )
            for uid in added
        )
        if added:
            changes["added_user_ids"] = added
        if removed:
            changes["removed_user_ids"] = removed
    errors.raise_if_any()
    if legal_cleared is not None and bool(legal_cleared) != bool(product.legal_cleared):
        changes["legal_cleared"] = [bool(product.legal_cleared), bool(legal_cleared)]
        product.legal_cleared = bool(legal_cleared)
    session.flush()
    forget_hidden(session)
    if changes:
        record(session, actor, "product.clearance", "product", product.id, changes)
    return clearance_of(session, product)


def clearance_history(session: Session, product: Product, limit: int = 20) -> list[AuditEvent]:
    """The latest changes to this product's clearance, for the admin's product page."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.entity == "product",
                AuditEvent.entity_id == str(product.id),
                AuditEvent.action == "product.clearance",
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def assignable_users(session: Session) -> list[User]:
    """Who an admin may clear: active staff who are not admins (admins always are)."""
    return list(
        session.scalars(
            select(User)
            .where(User.active.is_(True), User.role != ADMIN)
            .order_by(User.name, User.id)
        )
    )


__all__ = [
    "RULES",
    "ClearanceView",
    "RestrictedCounts",
    "RestrictedRecord",
    "assignable_users",
    "clearance_history",
    "clearance_of",
    "cleared_product_ids",
    "count_restricted",
    "covers_hidden",
    "hidden_product_ids",
    "hidden_products",
    "is_cleared",
    "require_cleared",
    "restricted_records",
    "set_clearance",
]
