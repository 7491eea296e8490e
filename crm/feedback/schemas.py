"""The API's request and response models for feedback notes (crm/feedback/api.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crm.api.base import ApiModel, OutModel
from crm.feedback import services

Category = Literal["limitation", "bug", "feature_request", "safety", "accessibility", "praise"]
Severity = Literal["low", "medium", "high", "critical"]
Status = Literal["new", "triaged", "forwarded", "resolved", "wont_fix"]


class FeedbackIn(ApiModel):
    creator_id: int
    product_id: int
    grant_id: int | None = None
    category: Category
    severity: Severity
    title: str = Field(min_length=1, max_length=services.TITLE_MAX)
    body: str = Field(default="", max_length=services.TEXT_MAX)
    reproduction: str = Field(default="", max_length=services.TEXT_MAX)
    duplicate_of: int | None = None


class FeedbackPatch(ApiModel):
    product_id: int | None = None
    grant_id: int | None = None
    category: Category | None = None
    severity: Severity | None = None
    title: str | None = Field(default=None, min_length=1, max_length=services.TITLE_MAX)
    body: str | None = Field(default=None, max_length=services.TEXT_MAX)
    reproduction: str | None = Field(default=None, max_length=services.TEXT_MAX)
    duplicate_of: int | None = None
    status: Status | None = None
    forwarded_to: str | None = Field(default=None, max_length=services.TEAM_MAX)


class SimilarOut(OutModel):
    id: int
    title: str
    status: str
    score: int


class FeedbackOut(OutModel):
    id: int
    creator_id: int
    product_id: int
    grant_id: int | None
    category: str
    severity: str
    title: str
    body: str
    body_html: str
    reproduction: str
    status: str
    forwarded_to: str | None
    duplicate_of: int | None
    created_by: int | None
    created_at: str
    updated_at: str
    similar: list[SimilarOut] | None = None
