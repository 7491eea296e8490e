"""POST /api/v1/creators/{id}/invitations: invite a creator (or their agent) to the portal.

`register(app)` adds these routes to the app's API; a creator's portal session never reaches
them (the API reads bearer tokens only)."""

from __future__ import annotations

from typing import Literal

from flask import current_app
from flask_login import current_user

from crm.api.base import ApiModel, ApiRoutes, OutModel, created, doc, parse_body
from crm.common.permissions import EDITORS, allow
from crm.db import get_session
from crm.portal.services import accounts

routes = ApiRoutes()


class InvitationIn(ApiModel):
    email: str
    relation: Literal["creator", "representative"] = "creator"
    name: str | None = None


class InvitationOut(OutModel):
    account_id: int
    creator_id: int
    email: str
    relation: str
    expires_at: str


@routes.post("/creators/<int:creator_id>/invitations")
@allow(EDITORS)
@doc(
    "Invite a creator, or their representative, to the creator portal (emailed link)",
    body=InvitationIn,
    response=InvitationOut,
    status=201,
    errors=(404, 409, 422),
)
def creator_invitations(creator_id: int):
    body = parse_body(InvitationIn)
    db = get_session()
    invitation = accounts.invite(
        db,
        current_user,
        creator_id=creator_id,
        email=body.email,
        relation=body.relation,
        name=body.name,
        settings=accounts.settings_from(current_app.config),
    )
    db.commit()
    return created(
        {
            "account_id": invitation.account.id,
            "creator_id": creator_id,
            "email": invitation.account.email,
            "relation": invitation.membership.relation,
            "expires_at": invitation.link.expires_at.isoformat(),
        }
    )
