"""Who makes a request: the server-side session of a browser, or the bearer token of an API
call (a browser's cookie never drives the API, which has no CSRF token).

`init_app(app)` (from `crm.auth.register`) gives Flask-Login its two loaders. A browser's
user comes with their session row (`g.user_session`) and the time they last entered their
password (`g.login_at`, read by `crm.web.security.recent_login_required`).
"""

from __future__ import annotations

from flask import Flask, current_app, g, session

from crm.auth import services
from crm.db import get_session
from crm.extensions import login_manager
from crm.web.requests import API_PREFIX, is_api_request


def _session_limits(app: Flask) -> services.SessionLimits:
    return services.SessionLimits(
        idle_minutes=app.config["SESSION_IDLE_MINUTES"],
        absolute_hours=app.config["SESSION_ABSOLUTE_HOURS"],
    )


def load_user(user_id: str):
    if is_api_request():
        return None
    db = get_session()
    row = services.load_session(db, session.get("sid"), _session_limits(current_app))
    if row is None or str(row.user_id) != str(user_id):
        if session.get("sid"):
            db.commit()  # persist an idle/absolute expiry
        session.clear()
        return None
    if services.touch_session(row):
        db.commit()
    g.user_session = row
    g.login_at = row.authenticated_at
    return row.user


def load_user_from_request(req):
    if not req.path.startswith(API_PREFIX):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    db = get_session()
    user = services.user_for_token(db, raw.strip())
    if user is not None and db.dirty:
        db.commit()
    return user


def init_app(app: Flask) -> None:
    login_manager.session_protection = None  # the server-side session registry does this job
    login_manager.login_view = "auth.login"
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_user_from_request)
