"""Raising a role asks to confirm: one more page that says what the new role may do.

A role is raised when the new one gives powers the old one lacked: a higher rank, or a
sideways move between legal and manager (each can do things the other cannot). A new user
starts from viewer, so inviting anyone with a role above viewer is confirmed too. Lowering a
role needs no confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user

from crm.auth import services
from crm.common.permissions import ADMIN, LEGAL, MANAGER, VIEWER
from crm.db import get_session

RANK = {VIEWER: 0, LEGAL: 1, MANAGER: 1, ADMIN: 2}
POWERS = {
    ADMIN: "do everything a manager can, and manage users, roles, products and settings",
    MANAGER: "create and change creators, agreements, deals and payments, and see money amounts",
    LEGAL: "decide on submissions, keep NDAs current, and read NDA documents and money amounts",
    VIEWER: "only read; they never see money amounts or NDA documents",
}
CONFIRM_FIELD = "confirm_role"


def raises(old: str | None, new: str | None) -> bool:
    """True when moving from `old` (None: a new user) to `new` gives more power."""
    old = old or VIEWER
    if new not in RANK or old not in RANK or new == old:
        return False
    return RANK[new] >= RANK[old]


def confirmed() -> bool:
    return request.form.get(CONFIRM_FIELD) == "yes"


def confirmation_page(
    *, email: str, old_role: str | None, new_role: str, fields: Mapping[str, str], back: str
):
    """The page that asks; it posts `fields` again to the same URL with the confirmation."""
    page = render_template(
        "admin/role_confirm.html",
        email=email,
        old_role=old_role,
        new_role=new_role,
        powers=POWERS,
        fields=dict(fields),
        confirm_field=CONFIRM_FIELD,
        action=request.path,
        back=back,
    )
    return page, 200


def confirm_role_raise(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view that changes the role of the user `user_id` to the posted `role`: when
    that raises the role and the post does not carry the confirmation, show the page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        role = request.form.get("role")
        if request.method == "POST" and not confirmed() and role in RANK:
            user = services.get_user(get_session(), kwargs["user_id"])
            if user.id != current_user.id and raises(user.role, role):
                return confirmation_page(
                    email=user.email,
                    old_role=user.role,
                    new_role=role,
                    fields={"role": role},
                    back=url_for("admin_users.index"),
                )
        return view(*args, **kwargs)

    return wrapper
