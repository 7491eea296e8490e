"""/api/v1/me: the user the token acts for."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.api.base import ApiRoutes, OutModel, doc
from crm.common.permissions import ALL_ROLES, allow
from crm.common.registry import registry
from crm.db import get_session

routes = ApiRoutes()


class MeOut(OutModel):
    id: int
    email: str
    name: str
    role: str
    timezone: str
    digest_opt_in: bool
    # Added by other domains through `registry(app).me_fields` (the calendar's feed link).
    calendar_feed_url: str | None = None


def user_json(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "timezone": user.timezone,
        "digest_opt_in": user.digest_opt_in,
    }


@routes.get("/me")
@allow(ALL_ROLES)
@doc("The user the token acts for", response=MeOut)
def me():
    out = user_json(current_user)
    db = get_session()
    for item in registry().me_fields:
        out[item.name] = item.value(db, current_user)
    return jsonify(out)
