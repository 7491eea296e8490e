"""Who may use a route: one declaration per view, checked centrally before every request.

Every endpoint must carry `@allow(...)` or `@public`; `check_declared()` refuses to start an app
with an undeclared endpoint, and the route-walk test reads the same declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask

ADMIN = "admin"
MANAGER = "manager"
LEGAL = "legal"
VIEWER = "viewer"
ROLES = (ADMIN, MANAGER, LEGAL, VIEWER)

ALL_ROLES = frozenset(ROLES)
EDITORS = frozenset({ADMIN, MANAGER})
EDITORS_AND_LEGAL = frozenset({ADMIN, MANAGER, LEGAL})
ADMINS = frozenset({ADMIN})
REVIEWERS = frozenset({LEGAL})
AUDITORS = frozenset({ADMIN, LEGAL})
MONEY_READERS = EDITORS_AND_LEGAL  # a viewer never sees an amount

V = TypeVar("V", bound=Callable[..., Any])

PUBLIC = "public"
ANY_USER = "any_user"
#: Portal routes: a creator's own session (crm.portal) decides, never a staff login.
PORTAL = "portal"


def allow(*roles: str | Iterable[str]) -> Callable[[V], V]:
    """Declare the roles that may call this view (strings or role sets)."""
    allowed: set[str] = set()
    for role in roles:
        allowed.update([role] if isinstance(role, str) else role)
    unknown = allowed - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorate(view: V) -> V:
        view.crm_access = frozenset(allowed)  # type: ignore[attr-defined]  # a function attribute
        return view

    return decorate


def public(view: V) -> V:
    """Reachable without logging in (login page, health check, static files)."""
    view.crm_access = PUBLIC  # type: ignore[attr-defined]  # a function attribute
    return view


def portal_only(view: V) -> V:
    """Reachable only with a creator's portal session; staff sessions and tokens do not count."""
    view.crm_access = PORTAL  # type: ignore[attr-defined]  # a function attribute
    return view


def access_of(view: Callable[..., Any] | None) -> frozenset[str] | str | None:
    return getattr(view, "crm_access", None)


def can(user: object, roles: Iterable[str]) -> bool:
    return bool(user) and getattr(user, "role", None) in set(roles)


def can_see_money(user: object) -> bool:
    return can(user, MONEY_READERS)


def check_declared(app: Flask) -> None:
    missing = [
        name
        for name, view in app.view_functions.items()
        if name != "static" and access_of(view) is None
    ]
    if missing:
        raise RuntimeError(f"routes without an access rule: {', '.join(sorted(missing))}")
