"""The licensing API's request bodies and response documents (pydantic)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from crm.api.base import ApiModel, OutModel
from crm.licensing.services import SCOPE_FORMS

MAX_CHECK_ITEMS = 10_000


class WorkIn(ApiModel):
    creator_id: int
    kind: str
    title: str
    url: str
    sha256: str | None = None
    created_on: date | None = None


class WorkPatch(ApiModel):
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
    url: str | None = Field(default=None, max_length=2000)
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


class CheckOut(OutModel):
    use: str
    as_of: str
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


class LicencePatch(ApiModel):
    title: str | None = None
    ends_on: date | None = None
    rate: str | None = None
    work_ids: list[int] | None = None
    all_allowed_works: bool | None = None


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
    uses: list[str]
    items: list[dict]
    next_cursor: str | None
