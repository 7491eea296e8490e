"""The creators API's request bodies and response documents (pydantic), and the
serialisers that fill the documents; the handlers are in crm/creators/api.py."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import AwareDatetime, Field

from crm.api.base import ApiModel, OutModel, iso
from crm.creators.models import INTERACTION_KINDS, Account, Interaction


class CreatorIn(ApiModel):
    display_name: str
    legal_name: str | None = None
    email: str | None = None
    country: str | None = None
    status: str | None = None
    owner_id: int | None = None
    tags: list[str] = Field(default_factory=list)
    notes: str | None = None
    sites: list[str] | None = None
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=50)


class CreatorPatch(ApiModel):
    display_name: str | None = None
    legal_name: str | None = None
    email: str | None = None
    country: str | None = None
    status: str | None = None
    owner_id: int | None = None
    tags: list[str] | None = None
    notes: str | None = None
    sites: list[str] | None = None
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=50)


class AccountIn(ApiModel):
    platform: str
    handle: str
    external_id: str | None = None
    url: str | None = None


class AccountPatch(ApiModel):
    platform: str | None = None
    handle: str | None = None
    external_id: str | None = None
    url: str | None = None


class InteractionIn(ApiModel):
    kind: Literal["email", "call", "meeting", "message", "event", "note"]
    occurred_at: AwareDatetime
    summary: str


class EraseIn(ApiModel):
    confirm_in_force: bool = False


class AccountOut(OutModel):
    id: int
    creator_id: int
    platform: str
    handle: str
    external_id: str | None
    url: str | None
    followers: int | None
    followers_on: str | None


class RepresentativeOut(OutModel):
    id: int
    name: str
    agency: str | None
    email: str | None
    phone: str | None


class CreatorOut(OutModel):
    id: int
    display_name: str
    legal_name: str | None
    email: str | None
    country: str | None
    status: str
    owner_id: int | None
    tags: list[str]
    notes: str
    sites: list[str]
    archived: bool
    archived_at: str | None
    created_at: str
    updated_at: str
    last_interaction_at: str | None
    followers_total: int | None
    accounts: list[AccountOut]
    custom_fields: dict[str, Any]
    representatives: list[RepresentativeOut] | None = None


class InteractionOut(OutModel):
    id: int
    creator_id: int
    kind: str
    occurred_at: str
    summary: str
    user_id: int | None


class ErasureOut(OutModel):
    creator_id: int
    accounts: int
    representatives: int
    interactions: int
    tags: int
    reminders: int
    audit_events_scrubbed: int
    in_force: list[str]


def account_json(account: Account) -> dict:
    return {
        "id": account.id,
        "creator_id": account.creator_id,
        "platform": account.platform,
        "handle": account.handle,
        "external_id": account.external_id,
        "url": account.url,
        "followers": account.followers,
        "followers_on": iso(account.followers_on),
    }


def creator_json(creator, *, details: bool = False) -> dict:
    out = {
        "id": creator.id,
        "display_name": creator.display_name,
        "legal_name": creator.legal_name,
        "email": creator.email,
        "country": creator.country,
        "status": creator.status,
        "owner_id": creator.owner_id,
        "tags": creator.tag_names,
        "notes": creator.notes or "",
        "sites": list(creator.sites or []),
        "archived": creator.archived,
        "archived_at": iso(creator.archived_at),
        "created_at": iso(creator.created_at),
        "updated_at": iso(creator.updated_at),
        "last_interaction_at": iso(creator.last_interaction_at),
        "followers_total": creator.followers_total,
        "accounts": [account_json(a) for a in creator.accounts],
        "custom_fields": dict(creator.custom_fields or {}),
    }
    if details:
        out["representatives"] = [
            {"id": r.id, "name": r.name, "agency": r.agency, "email": r.email, "phone": r.phone}
            for r in creator.representatives
        ]
    return out


def interaction_json(i: Interaction) -> dict:
    return {
        "id": i.id,
        "creator_id": i.creator_id,
        "kind": i.kind,
        "occurred_at": iso(i.occurred_at),
        "summary": i.summary,
        "user_id": i.user_id,
    }


assert set(get_args(InteractionIn.model_fields["kind"].annotation)) == set(INTERACTION_KINDS)
