"""The agreements API's request bodies and response documents (pydantic), and the
serialisers that fill the documents.

Money is a decimal string plus its currency (`"fee": "1500.00", "currency": "USD"`); for a
viewer every amount field, and its currency, is left out of the JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_login import current_user
from pydantic import Field

from crm.agreements import services
from crm.api.base import (
    ApiModel,
    OutModel,
    iso,
)
from crm.common import money
from crm.common.clearance import visible_product_ids
from crm.common.permissions import EDITORS_AND_LEGAL, can
from crm.common.permissions import can_see_money as _can_see_money
from crm.common.timeutil import org_today


def _today() -> date:
    return org_today()


def _amounts(payload: dict, currency: str | None, **amounts) -> dict:
    """Add amount fields as decimal strings, unless the caller may not see money."""
    if not _can_see_money(current_user):
        return payload
    payload["currency"] = currency
    for key, minor in amounts.items():
        payload[key] = (
            None if minor is None or not currency else money.to_decimal_string(minor, currency)
        )
    return payload


# --- bodies and responses ------------------------------------------------------------------


class ProductIn(ApiModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    public_on: date | None = None


class ProductPatch(ApiModel):
    name: str | None = None
    aliases: list[str] | None = None
    public_on: date | None = None


class ProductOut(OutModel):
    id: int
    name: str
    aliases: list[str]
    public_on: str | None
    released: bool


class NdaIn(ApiModel):
    creator_id: int
    product_ids: list[int] = Field(default_factory=list)
    effective_on: date | None = None
    expires_on: date | None = None
    terms: str = ""


class NdaPatch(ApiModel):
    product_ids: list[int] | None = None
    effective_on: date | None = None
    expires_on: date | None = None
    terms: str | None = None
    status: str | None = None
    # With `status: "signed"`: the day it was signed, and (no PDF stored) the paper on file.
    signed_on: date | None = None
    signed_on_paper: bool | None = None


class NdaOut(OutModel):
    id: int
    creator_id: int
    status: str
    effective_on: str | None
    expires_on: str | None
    signed_on: str | None = None
    needs_resignature: bool = False  # terms changed after signing: R1 refuses new grants
    product_ids: list[int]
    terms: str | None = None  # NDA content: left out for viewers
    has_document: bool | None = None
    allowed_transitions: list[str]


class GrantIn(ApiModel):
    creator_id: int
    product_id: int
    nda_id: int | None = None
    starts_on: date
    ends_on: date
    tier: str = ""
    monthly_value: str | None = None
    currency: str | None = None


class GrantPatch(ApiModel):
    nda_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    tier: str | None = None
    monthly_value: str | None = None
    currency: str | None = None
    status: str | None = None


class GrantRevokeIn(ApiModel):
    reason: str


class GrantOut(OutModel):
    id: int
    creator_id: int
    product_id: int
    nda_id: int | None
    starts_on: str
    ends_on: str
    tier: str
    status: str
    monthly_value: str | None = None
    currency: str | None = None


class DealIn(ApiModel):
    creator_id: int
    title: str
    kind: str
    fee: str | None = None
    in_kind_value: str | None = None
    currency: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    deliverables: str = ""
    usage_rights: str = ""
    usage_rights_until: date | None = None
    grant_ids: list[int] = Field(default_factory=list)
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=50)


class DealPatch(ApiModel):
    title: str | None = None
    kind: str | None = None
    fee: str | None = None
    in_kind_value: str | None = None
    currency: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    deliverables: str | None = None
    usage_rights: str | None = None
    usage_rights_until: date | None = None
    grant_ids: list[int] | None = None
    status: str | None = None
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=50)


class PaymentIn(ApiModel):
    due_on: date
    amount: str
    currency: str | None = None
    paid_on: date | None = None
    note: str = ""


class PaymentPatch(ApiModel):
    """A correction (any of the fields) or, with `voided: true`, a void; `reason` always."""

    reason: str
    due_on: date | None = None
    amount: str | None = None
    paid_on: date | None = None
    note: str | None = None
    voided: bool | None = None


class PaymentOut(OutModel):
    id: int
    deal_id: int
    due_on: str
    paid_on: str | None
    note: str
    voided: bool = False
    void_reason: str | None = None
    amount: str | None = None
    currency: str | None = None


class DealOut(OutModel):
    id: int
    creator_id: int
    title: str
    kind: str
    status: str
    starts_on: str | None
    ends_on: str | None
    deliverables: str
    usage_rights: str
    usage_rights_until: str | None
    grant_ids: list[int]
    payments: list[PaymentOut]
    custom_fields: dict[str, Any]
    fee: str | None = None
    in_kind_value: str | None = None
    currency: str | None = None


# --- serializers ---------------------------------------------------------------------------


def product_json(p) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "aliases": list(p.aliases or []),
        "public_on": iso(p.public_on),
        "released": services.product_is_released(p, _today()),
    }


def nda_json(n) -> dict:
    payload = {
        "id": n.id,
        "creator_id": n.creator_id,
        "status": n.status,
        "effective_on": iso(n.effective_on),
        "expires_on": iso(n.expires_on),
        "signed_on": iso(n.signed_on),
        "needs_resignature": n.needs_resignature,
        "product_ids": visible_product_ids(p.id for p in n.products),
        "allowed_transitions": list(services.NDA_TRANSITIONS.targets(n.status)),
    }
    if can(current_user, EDITORS_AND_LEGAL):  # terms and the document are NDA content
        payload["terms"] = n.terms
        payload["has_document"] = bool(n.document_path)
    return payload


def grant_json(g) -> dict:
    payload = {
        "id": g.id,
        "creator_id": g.creator_id,
        "product_id": g.product_id,
        "nda_id": g.nda_id,
        "starts_on": iso(g.starts_on),
        "ends_on": iso(g.ends_on),
        "tier": g.tier,
        "status": g.status,
        "revoked_reason": g.revoked_reason,
    }
    return _amounts(payload, g.currency, monthly_value=g.monthly_value_minor)


def payment_json(p) -> dict:
    payload = {
        "id": p.id,
        "deal_id": p.deal_id,
        "due_on": iso(p.due_on),
        "paid_on": iso(p.paid_on),
        "note": p.note,
        "voided": p.voided_at is not None,
        "void_reason": p.void_reason,
    }
    return _amounts(payload, p.currency, amount=p.amount_minor)


def deal_json(d) -> dict:
    payload = {
        "id": d.id,
        "creator_id": d.creator_id,
        "title": d.title,
        "kind": d.kind,
        "status": d.status,
        "starts_on": iso(d.starts_on),
        "ends_on": iso(d.ends_on),
        "deliverables": d.deliverables,
        "usage_rights": d.usage_rights,
        "usage_rights_until": iso(d.usage_rights_until),
        "grant_ids": sorted(g.id for g in d.grants),
        "payments": [payment_json(p) for p in d.payments],
        "custom_fields": dict(d.custom_fields or {}),
    }
    return _amounts(payload, d.currency, fee=d.fee_minor, in_kind_value=d.in_kind_value_minor)
