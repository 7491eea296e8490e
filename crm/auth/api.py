"""/api/v1/me: the user the token acts for."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.api.base import ApiRoutes, OutModel, doc
from crm.common.permissions import ALL_ROLES, allow

routes = ApiRoutes()


class MeOut(OutModel):
    id: int
    email: str
    name: str
    role: str
    timezone: str
    digest_opt_in: bool


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
    return jsonify(user_json(current_user))
