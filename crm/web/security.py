"""Access for every request, and the security headers of every response.

Who the user is, is the auth domain's business (crm/auth/loading.py: the server-side
session of a browser, the bearer token of an API call). Here the route's declared roles
decide: nothing without a declaration runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from crm.common.errors import Forbidden
from crm.common.permissions import ANY_USER, PORTAL, PUBLIC, access_of
from crm.web.errors import problem
from crm.web.requests import is_api_request


def init_app(app: Flask) -> None:
    @app.before_request
    def check_access() -> ResponseReturnValue | None:
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if request.endpoint == "static":
            return None
        access = access_of(view)
        if view is None:
            return None  # 404/405 handled by Flask
        if access in (PUBLIC, PORTAL):
            return None  # a portal route is checked by the portal's own loader
        if not current_user.is_authenticated:
            if is_api_request():
                return problem(
                    401,
                    "Unauthorized",
                    "A valid bearer token is required.",
                    headers={"WWW-Authenticate": 'Bearer realm="crm"'},
                )
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if access == ANY_USER or (access is not None and current_user.role in access):
            return None
        raise Forbidden("Your role does not allow this.")

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
            headers.add("Vary", "Cookie")
            if is_api_request():
                headers.add("Vary", "Authorization")
        mimetype = response.mimetype or ""
        if (mimetype.startswith("text/") or mimetype.endswith("json")) and (
            "charset" not in (response.content_type or "")
        ):
            response.content_type = f"{mimetype}; charset=utf-8"
        return response


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths: `next=https://elsewhere` or `//host` fall back."""
    if not target:
        return default
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target


def needs_recent_login(app: Flask) -> bool:
    """True when a sensitive action must first re-ask the password (SECURITY item 25)."""
    login_at = g.get("login_at")  # set by the auth domain when it loads a browser's session
    if login_at is None:
        return False  # API tokens are already a deliberate credential
    from crm.common.timeutil import utcnow

    return utcnow() - login_at > timedelta(minutes=app.config["RECENT_LOGIN_MINUTES"])


def recent_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send the user to re-enter their password when their login is older than the limit."""
    from functools import wraps

    from flask import current_app, flash

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if needs_recent_login(current_app):
            flash("Please confirm your password to continue.", "warning")
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            if back is None and request.referrer:
                ref = urlsplit(request.referrer)
                back = ref.path + (f"?{ref.query}" if ref.query else "")
            return redirect(url_for("auth.reauth", next=safe_next(back, "/")))
        return view(*args, **kwargs)

    # Read by the tests that list every privileged act.
    wrapper.crm_recent_login = True  # type: ignore[attr-defined]
    return wrapper
