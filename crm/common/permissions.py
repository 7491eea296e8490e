"""Who may use a route: one declaration per view, checked centrally before every request.

Every endpoint must carry `@allow(...)` or `@public`; `check_declared()` refuses to start an app
with an undeclared endpoint, and the route-walk test reads the same declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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

PUBLIC = "public"
ANY_USER = "any_user"


def allow(*roles: str | Iterable[str]) -> Callable:
    """Declare the roles that may call this view (strings or role sets)."""
    allowed: set[str] = set()
    for role in roles:
        allowed.update([role] if isinstance(role, str) else role)
    unknown = allowed - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorate(view: Callable) -> Callable:
        view.crm_access = frozenset(allowed)
        return view

    return decorate


def public(view: Callable) -> Callable:
    """Reachable without logging in (login page, health check, static files)."""
    view.crm_access = PUBLIC
    return view


def access_of(view: Callable | None):
    return getattr(view, "crm_access", None)


def can(user, roles: Iterable[str]) -> bool:
    return bool(user) and getattr(user, "role", None) in set(roles)


def can_see_money(user) -> bool:
    return can(user, MONEY_READERS)


def check_declared(app) -> None:
    missing = [
        name
        for name, view in app.view_functions.items()
        if name != "static" and access_of(view) is None
    ]
    if missing:
        raise RuntimeError(f"routes without an access rule: {', '.join(sorted(missing))}")
