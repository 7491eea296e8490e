"""The API's request and response models for submissions (crm/approvals/api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from crm.api.base import ApiModel, OutModel

Country = Annotated[str, Field(max_length=10, description="ISO 3166 alpha-2, e.g. DE")]


class RevisionIn(ApiModel):
    body: str = Field(default="", max_length=20000)
    media_url: str | None = Field(default=None, max_length=500)
    disclosure_in_video: bool | None = None
    ai_label: bool | None = Field(
        default=None,
        description="Made with our AI products: is the platform's AI label set? null = not asked",
    )
    images_retouched: bool | None = Field(
        default=None,
        description="Were the images retouched (a face or a body reshaped)? null = not stated",
    )
    shows_person_body: bool | None = Field(
        default=None,
        description="Do the images or the video show a person's face or body? null = not stated",
    )


class SubmissionIn(ApiModel):
    creator_id: int
    deal_id: int | None = None
    platform: str
    title: str = Field(max_length=200)
    planned_for: datetime
    is_video: bool = False
    submit: bool = True
    body: str = Field(default="", max_length=20000)
    media_url: str | None = Field(default=None, max_length=500)
    disclosure_in_video: bool | None = None
    ai_label: bool | None = None
    images_retouched: bool | None = None
    shows_person_body: bool | None = None
    audience_countries: list[Country] = Field(default_factory=list, max_length=50)


class SubmissionPatch(ApiModel):
    audience_countries: list[Country] = Field(max_length=50)


class DecisionIn(ApiModel):
    revision: int
    decision: str
    comment: str = Field(default="", max_length=5000)


class PublishIn(ApiModel):
    published_url: str = Field(max_length=500)


class RevisionCheckOut(OutModel):
    code: str
    message: str
    spans: list[list[int]]
    product_id: int | None
    jurisdiction: str | None = Field(description="US, UK, FR, DE or EU; null for other checks")
    remedy: str | None = Field(description="What would satisfy the rule set")
    source: str | None = Field(description="The law or guidance the rule cites")


class RevisionOut(OutModel):
    number: int
    body: str
    media_url: str | None
    media_type: str | None
    content_hash: str
    disclosure_in_video: bool | None
    ai_label: bool | None
    images_retouched: bool | None
    shows_person_body: bool | None
    submitted_by: int | None
    submitted_at: str
    checks: list[RevisionCheckOut]


class DecisionOut(OutModel):
    revision_number: int
    decision: str
    comment: str
    reviewer_id: int | None
    decided_at: str
    content_hash: str


class SubmissionOut(OutModel):
    id: int
    creator_id: int
    deal_id: int | None
    platform: str
    title: str
    planned_for: str
    is_video: bool
    status: str
    published_url: str | None
    submitted_by: int | None
    latest_revision: int
    failed_checks: int
    audience_countries: list[str]
    created_at: str


class SubmissionDetailOut(SubmissionOut):
    revisions: list[RevisionOut]
    decisions: list[DecisionOut]
