"""Known devices: after a successful login the browser gets a signed, long-lived cookie
naming the user. The per-account lockout (crm.auth.services.authenticate) does not refuse
a login from a device that carries a valid cookie for that account, so someone else's bad
guesses cannot lock a user out; their failures still count, and the per-address limit
still applies to everyone.

The cookie also carries a fingerprint of the user's password hash, so a password change or
reset (which stores a new hash) ends every device's standing: a cookie made before it is no
longer honoured, whoever holds it.

The cookie is `__Host-crm_device` (HttpOnly, Secure, SameSite=Lax); in development and
tests, on plain http, `crm_device` without Secure, as for the session cookie.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from crm.auth.models import User

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


def _fingerprint(user: User) -> str:
    """Changes whenever the password does (a new hash has a new salt)."""
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:32]


def known_user_id(req: Request, session: Session) -> int | None:
    """The id of the user this device logged in as before, from a valid cookie made since
    that user's last password change; else None."""
    raw = req.cookies.get(_cookie_name())
    if not raw or len(raw) > 500:
        return None
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, fingerprint = data.get("u"), data.get("p")
    if (
        not isinstance(user_id, int)
        or isinstance(user_id, bool)
        or not isinstance(fingerprint, str)
    ):
        return None
    user = session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None or not hmac.compare_digest(fingerprint, _fingerprint(user)):
        return None
    return user_id


def remember(response: Response, user: User) -> Response:
    """Mark this device as one `user` logged in from (with the password they have now)."""
    name = _cookie_name()
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE")) or name.startswith("__Host-")
    response.set_cookie(
        name,
        _serializer().dumps({"u": user.id, "p": _fingerprint(user)}),
        max_age=MAX_AGE_DAYS * 86400,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    return response
