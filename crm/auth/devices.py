"""Known devices: after a successful login the browser gets a signed, long-lived cookie
naming the user. The per-account lockout (crm.auth.services.authenticate) does not refuse
a login from a device that carries a valid cookie for that account, so someone else's bad
guesses cannot lock a user out; their failures still count, and the per-address limit
still applies to everyone.

The cookie is `__Host-crm_device` (HttpOnly, Secure, SameSite=Lax); in development and
tests, on plain http, `crm_device` without Secure, as for the session cookie.
"""

from __future__ import annotations

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "crm.auth.device"
MAX_AGE_DAYS = 365


def _serializer() -> URLSafeTimedSerializer:
    cfg = current_app.config
    return URLSafeTimedSerializer(
        [*reversed(list(cfg.get("SECRET_KEY_FALLBACKS") or ())), cfg["SECRET_KEY"]],
        salt=SALT,
    )


def _cookie_name() -> str:
    return str(current_app.config.get("DEVICE_COOKIE_NAME") or "__Host-crm_device")


def known_user_id(req: Request) -> int | None:
    """The id of the user this device logged in as before, from a valid cookie; else None."""
    raw = req.cookies.get(_cookie_name())
    if not raw or len(raw) > 500:
        return None
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE_DAYS * 86400)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None


def remember(response: Response, user_id: int) -> Response:
    """Mark this device as one `user_id` logged in from."""
    name = _cookie_name()
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE")) or name.startswith("__Host-")
    response.set_cookie(
        name,
        _serializer().dumps({"u": user_id}),
        max_age=MAX_AGE_DAYS * 86400,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    return response
