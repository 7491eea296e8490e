"""The licensing API's request bodies and response documents (pydantic), and the
serialisers that fill the documents."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from flask_login import current_user
from pydantic import BaseModel, Field, model_validator

from crm.api.base import ApiModel, OutModel, iso
from crm.common.money import to_decimal_string
from crm.common.permissions import EDITORS_AND_LEGAL, can, can_see_money
from crm.licensing import licences as lic
from crm.licensing.models import Consent, Licence, Release, Work
from crm.licensing.services import SCOPE_FORMS
from crm.licensing.services.rights import NOT_KNOWN

MAX_CHECK_ITEMS = 10_000
MAX_CHECK_URL = 2000

TerritoryIn = (
    Annotated[str, Field(max_length=1000)]
    | Annotated[list[Annotated[str, Field(max_length=20)]], Field(max_length=300)]
    | None
)
TERRITORY_DOC = "worldwide, or ISO 3166 alpha-2 country codes (a list, or comma-separated)"
TERRITORY_QUERY = {
    "type": "string",
    "description": "releases must cover this territory: " + TERRITORY_DOC + "; default worldwide",
}


RELICENSE_DOC = (
    "client works, a tri-state: true, the contract lets the creator license the work again; "
    "false, it does not; null, not known yet (the work is not licensable until someone "
    "finds out). Left out: unchanged when editing, false for a new work. Read it back as "
    "relicense_allowed and relicense_known"
)


def with_relicense_not_known(body: BaseModel, values: dict[str, Any]) -> dict[str, Any]:
    """`values` (the body's dump) for the services, with an explicit JSON null for
    `relicense_allowed` as their "not known". Only a field that was sent is in
    `model_fields_set`, so a field left out keeps its meaning (unchanged, or the default):
    pydantic gives both the same None, and a PATCH must not turn "left out" into "not
    known" — nor "null" into "no", as it did when the services read None as false."""
    if "relicense_allowed" in body.model_fields_set and values.get("relicense_allowed") is None:
        values["relicense_allowed"] = NOT_KNOWN
    return values


class WorkRightsIn(ApiModel):
    """The rights, what a work shows and its training metadata (all optional)."""

    rights: str | None = Field(
        default=None, max_length=10, description="creator, shared, client or unknown"
    )
    rights_evidence: str | None = Field(default=None, max_length=5000)
    relicense_allowed: bool | None = Field(default=None, description=RELICENSE_DOC)
    co_holders: list[str] | None = Field(
        default=None, max_length=20, description="shared works: the other holders"
    )
    client_name: str | None = Field(default=None, max_length=300)
    people_present: bool | None = None
    people_count: int | None = Field(default=None, description="identifiable people shown")
    property_present: bool | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    language: str | None = Field(default=None, max_length=35)
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    description: str | None = Field(default=None, max_length=2000)


class WorkIn(WorkRightsIn):
    creator_id: int
    kind: str
    title: str
    url: str
    sha256: str | None = None
    created_on: date | None = None


class WorkPatch(WorkRightsIn):
    kind: str | None = None
    title: str | None = None
    url: str | None = None
    sha256: str | None = None
    created_on: date | None = None


class WorkOut(OutModel):
    id: int
    creator_id: int
    kind: str
    title: str
    url: str
    sha256: str | None
    created_on: str | None
    rights: str
    rights_evidence: str | None = Field(default=None, description="not shown to viewers")
    relicense_allowed: bool
    relicense_known: bool = True  # false: client work, nobody knows yet
    co_holders: list[str]
    client_name: str | None
    people_present: bool
    people_count: int | None
    property_present: bool
    tags: list[str]
    language: str | None
    duration_s: float | None
    width: int | None
    height: int | None
    description: str


class LicensableOut(OutModel):
    work_id: int
    uses: list[str]
    territory: str | None = Field(default=None, description="when asked")
    as_of: str
    licensable: bool
    reasons: list[str]


class ReleaseIn(ApiModel):
    kind: str = Field(max_length=10, description="model or property")
    subject: str = Field(max_length=300, description="the person, or the property or brand")
    uses: list[str] = Field(max_length=4)
    work_ids: list[int] = Field(max_length=1000)
    territory: TerritoryIn = Field(default=None, description=TERRITORY_DOC)
    media: list[str] | None = Field(
        default=None, max_length=5, description="work kinds covered; empty: all"
    )
    signed_on: date | None = None
    expires_on: date | None = None


class ReleaseRevokeIn(ApiModel):
    revoked_on: date | None = None


class ReleaseOut(OutModel):
    id: int
    creator_id: int
    kind: str
    subject: str
    uses: list[str]
    media: list[str]
    territory: str
    signed_on: str | None
    expires_on: str | None
    revoked_on: str | None
    work_ids: list[int]
    has_document: bool | None = Field(default=None, description="not shown to viewers")
    document_sha256: str | None
    created_at: str


class ConsentIn(ApiModel):
    creator_id: int
    work_id: int | None = None
    kind: str | None = None
    scope: str | None = Field(
        default=None,
        max_length=40,
        description=f"instead of work_id / kind: {SCOPE_FORMS}, as the consent form writes it",
    )
    use: str
    decision: str
    constraint: str = ""
    source: str
    evidence: str = ""
    effective_on: date


class ConsentRevokeIn(ApiModel):
    revoked_on: date | None = None


class ConsentOut(OutModel):
    id: int
    creator_id: int
    work_id: int | None
    kind: str | None
    scope: str
    use: str
    decision: str
    constraint: str
    source: str
    evidence: str
    effective_on: str
    revoked_on: str | None
    created_at: str


class CheckItem(ApiModel):
    url: str | None = Field(default=None, max_length=MAX_CHECK_URL)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")

    @model_validator(mode="after")
    def one_key(self):
        if (self.url is None) == (self.sha256 is None):
            raise ValueError("give either url or sha256")
        return self


class CheckIn(ApiModel):
    use: Literal["data_mining", "ai_inference", "ai_training", "ai_generative_training"]
    items: list[CheckItem] = Field(max_length=MAX_CHECK_ITEMS)
    as_of: date | None = None
    territory: TerritoryIn = Field(
        default=None, description="releases must cover it (default worldwide): " + TERRITORY_DOC
    )


_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def plain_check_items(raw: Any) -> list[dict] | None:
    """The items of a check body as `{"url", "sha256"}` dicts when every one is plainly what
    `CheckItem` accepts unchanged, else None: then `CheckItem` decides and names the errors.

    Validating 10,000 items one model at a time was a third of a large check; this reads
    the same shapes in one loop, and leaves every doubtful case (other keys or types,
    surrounding spaces, an empty URL) to pydantic."""
    if type(raw) is not list:
        return None
    out = []
    for item in raw:
        if type(item) is not dict:
            return None
        url, sha256 = item.get("url"), item.get("sha256")
        if len(item) != ("url" in item) + ("sha256" in item):
            return None  # another key
        if url is not None:
            if (
                sha256 is not None
                or type(url) is not str
                or not url
                or len(url) > MAX_CHECK_URL
                or url[0].isspace()
                or url[-1].isspace()
            ):
                return None
        elif type(sha256) is not str or not _HEX64.fullmatch(sha256):
            return None
        out.append({"url": url, "sha256": sha256})
    return out


class CheckOut(OutModel):
    use: str
    as_of: str
    territory: str
    items: list[dict]


class LicenceIn(ApiModel):
    creator_id: int
    title: str
    uses: list[str]
    fee_model: str
    rate: str = Field(description="money for flat and per_work; a percentage for revenue_share")
    currency: str
    starts_on: date
    ends_on: date | None = None
    work_ids: list[int] | None = None
    all_allowed_works: bool = False
    territory: TerritoryIn = Field(default=None, description=TERRITORY_DOC + "; default worldwide")


class LicencePatch(ApiModel):
    title: str | None = None
    ends_on: date | None = None
    rate: str | None = None
    work_ids: list[int] | None = None
    all_allowed_works: bool | None = None
    territory: TerritoryIn = Field(default=None, description=TERRITORY_DOC)


class LicenceOut(OutModel):
    id: int
    creator_id: int
    title: str
    uses: list[str]
    fee_model: str
    rate: str | None = None
    rate_unit: str | None = None
    currency: str
    starts_on: str
    ends_on: str | None
    territory: str
    all_allowed_works: bool
    work_ids: list[int]


class PayoutIn(ApiModel):
    period: str
    revenue: str | None = None


class PaidIn(ApiModel):
    paid_on: date | None = None


class PayoutOut(OutModel):
    id: int
    licence_id: int
    period: str
    period_start: str
    period_end: str
    works_count: int
    work_ids: list[int]
    amount: str | None = None
    revenue: str | None = None
    currency: str
    status: str
    paid_on: str | None


class RegistryOut(OutModel):
    as_of: str
    territory: str
    uses: list[str]
    items: list[dict]
    next_cursor: str | None


# --- serialisers ---------------------------------------------------------------------------


def work_json(w: Work) -> dict:
    out = {
        "id": w.id,
        "creator_id": w.creator_id,
        "kind": w.kind,
        "title": w.title,
        "url": w.url,
        "sha256": w.sha256,
        "created_on": iso(w.created_on),
        "rights": w.rights,
        "relicense_allowed": w.relicense_allowed,
        "relicense_known": w.relicense_known,
        "co_holders": list(w.co_holders or []),
        "client_name": w.client_name,
        "people_present": w.people_present,
        "people_count": w.people_count,
        "property_present": w.property_present,
        "tags": w.tags,
        "language": w.language,
        "duration_s": w.duration_s,
        "width": w.width,
        "height": w.height,
        "description": w.description,
    }
    # The contract or statement behind the rights is for staff who handle agreements.
    if can(current_user, EDITORS_AND_LEGAL):
        out["rights_evidence"] = w.rights_evidence
    return out


def release_json(r: Release) -> dict:
    out = {
        "id": r.id,
        "creator_id": r.creator_id,
        "kind": r.kind,
        "subject": r.subject,
        "uses": list(r.uses),
        "media": list(r.media),
        "territory": r.territory,
        "signed_on": iso(r.signed_on),
        "expires_on": iso(r.expires_on),
        "revoked_on": iso(r.revoked_on),
        "work_ids": [w.id for w in r.works],
        "document_sha256": r.document_sha256,
        "created_at": iso(r.created_at),
    }
    if can(current_user, EDITORS_AND_LEGAL):
        out["has_document"] = bool(r.document_path)
    return out


def consent_json(c: Consent) -> dict:
    return {
        "id": c.id,
        "creator_id": c.creator_id,
        "work_id": c.work_id,
        "kind": c.kind,
        "scope": c.scope,
        "use": c.use,
        "decision": c.decision,
        "constraint": c.constraint,
        "source": c.source,
        "evidence": c.evidence,
        "effective_on": iso(c.effective_on),
        "revoked_on": iso(c.revoked_on),
        "created_at": iso(c.created_at),
    }


def licence_json(licence: Licence, work_ids: list[int]) -> dict:
    out = {
        "id": licence.id,
        "creator_id": licence.creator_id,
        "title": licence.title,
        "uses": list(licence.uses),
        "fee_model": licence.fee_model,
        "currency": licence.currency,
        "starts_on": iso(licence.starts_on),
        "ends_on": iso(licence.ends_on),
        "territory": licence.territory,
        "all_allowed_works": licence.all_allowed_works,
        "work_ids": work_ids,
    }
    if can_see_money(current_user):
        out["rate"] = lic.rate_text(licence)
        out["rate_unit"] = "percent" if licence.fee_model == "revenue_share" else "money"
    return out


def payout_json(p) -> dict:
    out = {
        "id": p.id,
        "licence_id": p.licence_id,
        "period": p.period,
        "period_start": iso(p.period_start),
        "period_end": iso(p.period_end),
        "works_count": p.works_count,
        "work_ids": list(p.work_ids or []),
        "currency": p.currency,
        "status": p.status,
        "paid_on": iso(p.paid_on),
    }
    if can_see_money(current_user):
        out["amount"] = to_decimal_string(p.amount_minor, p.currency)
        if p.revenue_minor is not None:
            out["revenue"] = to_decimal_string(p.revenue_minor, p.currency)
    return out
