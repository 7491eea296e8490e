"""Users, roles, passwords, sessions, login throttling and API tokens.

Every change here is audited (R6) without the secret itself. Sessions and tokens live in the
database so logout, deactivation and password changes take effect in every worker at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from werkzeug.security import check_password_hash, generate_password_hash

from crm.audit.services import record
from crm.auth.models import ApiToken, AuthLink, LoginAttempt, User, UserSession
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound, TooManyRequests
from crm.common.permissions import ROLES
from crm.common.timeutil import utcnow, valid_timezone
from crm.db import rowcount

PASSWORD_MIN = 12
PASSWORD_MAX = 128
TOKEN_PREFIX = "crm_"  # noqa: S105 (a public prefix)
EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$")
# A hash checked when the account does not exist, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all")


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line)


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def password_problems(password: str | None, email: str = "") -> list[str]:
    password = password or ""
    if len(password) < PASSWORD_MIN:
        return [f"must be at least {PASSWORD_MIN} characters"]
    if len(password) > PASSWORD_MAX:
        return [f"must be at most {PASSWORD_MAX} characters"]
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) < 4:
        return ["is too common; choose a phrase nobody else would"]
    if email and lowered == normalise_email(email):
        return ["must not be your email address"]
    return []


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def _validate_profile(
    errors: FieldErrors,
    *,
    name: str | None = None,
    role: str | None = None,
    timezone: str | None = None,
) -> None:
    if name is not None and not (1 <= len(name.strip()) <= 200):
        errors.add("name", "is required (200 characters at most)")
    if name is not None and any(ord(c) < 32 for c in name):
        errors.add("name", "must not contain control characters")
    if role is not None and role not in ROLES:
        errors.add("role", f"must be one of {', '.join(ROLES)}")
    if timezone is not None and not valid_timezone(timezone):
        errors.add("timezone", "is not a known time zone")


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    timezone: str = "UTC",
) -> User:
    errors = FieldErrors()
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors.add("email", "must be a valid email address")
    _validate_profile(errors, name=name, role=role, timezone=timezone)
    for problem in password_problems(password, email):
        errors.add("password", problem)
    errors.raise_if_any()
    if find_user_by_email(session, email):
        raise Invalid({"email": ["is already used by another user"]})
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        timezone=timezone,
        active=True,
        digest_opt_in=True,
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.create", "user", user.id, {"email": email, "role": role})
    return user


def change_role(session: Session, actor: Actor, user: User, role: str) -> User:
    if role not in ROLES:
        raise Invalid({"role": [f"must be one of {', '.join(ROLES)}"]})
    if user.id == getattr(actor, "id", None) and role != user.role:
        raise Conflict("You cannot change your own role; ask another admin.")
    if user.role == role:
        return user
    _refuse_last_admin(session, user, becoming=role)
    before = user.role
    user.role = role
    record(session, actor, "user.role_change", "user", user.id, {"role": [before, role]})
    session.flush()
    return user


def _refuse_last_admin(session: Session, user: User, becoming: str | None) -> None:
    if user.role != "admin" or becoming == "admin":
        return
    admins = session.execute(
        select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    ).scalar_one()
    if admins <= 1:
        raise Conflict("This is the last active admin; make someone else admin first.")


def set_active(session: Session, actor: Actor, user: User, active: bool) -> User:
    if user.active == active:
        return user
    if not active:
        if user.id == getattr(actor, "id", None):
            raise Conflict("You cannot deactivate yourself.")
        _refuse_last_admin(session, user, becoming=None)
        end_all_sessions(session, user)
        revoke_all_tokens(session, user)
        close_open_links(session, user)
    user.active = active
    record(session, actor, "user.activate" if active else "user.deactivate", "user", user.id)
    session.flush()
    return user


def update_profile(
    session: Session, user: User, *, name: str, timezone: str, digest_opt_in: bool
) -> User:
    errors = FieldErrors()
    _validate_profile(errors, name=name, timezone=timezone)
    errors.raise_if_any()
    before = {"name": user.name, "timezone": user.timezone, "digest_opt_in": user.digest_opt_in}
    user.name, user.timezone, user.digest_opt_in = name.strip(), timezone, bool(digest_opt_in)
    after = {"name": user.name, "timezone": user.timezone, "digest_opt_in": user.digest_opt_in}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        record(session, user, "user.profile_update", "user", user.id, changes)
    session.flush()
    return user


def change_password(
    session: Session, user: User, *, current: str, new: str, keep_session_key: str | None = None
) -> None:
    """Needs the current password; ends every other session and every API token."""
    if not check_password_hash(user.password_hash, current or ""):
        raise Invalid({"current_password": ["is not your current password"]})
    problems = password_problems(new, user.email)
    if problems:
        raise Invalid({"new_password": problems})
    user.password_hash = hash_password(new)
    keep = _sha256(keep_session_key) if keep_session_key else None
    end_all_sessions(session, user, except_hash=keep)
    revoke_all_tokens(session, user)
    close_open_links(session, user)
    record(session, user, "user.password_change", "user", user.id)
    session.flush()


def set_password(session: Session, actor: Actor, user: User, new: str) -> None:
    """An admin or the CLI sets a password (no current one needed); sessions end."""
    problems = password_problems(new, user.email)
    if problems:
        raise Invalid({"password": problems})
    user.password_hash = hash_password(new)
    end_all_sessions(session, user)
    revoke_all_tokens(session, user)
    close_open_links(session, user)
    record(session, actor, "user.password_reset", "user", user.id)
    session.flush()


# --- login and throttling ----------------------------------------------------------------


@dataclass
class ThrottleSettings:
    per_account: int = 5
    per_address: int = 20
    window_minutes: int = 15


class LoginFailed(Exception):
    """Unknown user and wrong password look the same to the caller."""

    message = "Email or password is incorrect."


def _retry_after(
    session: Session,
    column: InstrumentedAttribute[str],
    value: str,
    limit: int,
    window: timedelta,
    kind: str = "login",
) -> int | None:
    """Seconds to wait when `limit` failed attempts of this kind share `value` within
    `window`, else None. Password-reset requests count with kind="reset"."""
    since = utcnow() - window
    rows = session.scalars(
        select(LoginAttempt.at)
        .where(
            column == value,
            LoginAttempt.kind == kind,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= since,
        )
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    ).all()
    if len(rows) < limit:
        return None
    oldest = rows[-1]
    return max(1, int((oldest + window - utcnow()).total_seconds()) + 1)


def authenticate(
    session: Session,
    email: str,
    password: str,
    ip: str,
    settings: ThrottleSettings,
    known_device_user_id: int | None = None,
) -> User:
    """Check throttles, then the password. Raises TooManyRequests or LoginFailed.

    `known_device_user_id` is the user a device cookie names (crm.auth.devices): the
    per-account lock does not refuse that user's own device; the per-address limit does.
    The caller commits even on failure: the attempt row is the throttle's memory."""
    email = normalise_email(email)[:254]
    ip = (ip or "unknown")[:64]
    window = timedelta(minutes=settings.window_minutes)
    wait = _retry_after(session, LoginAttempt.email, email, settings.per_account, window)
    if wait and known_device_user_id is not None:
        holder = find_user_by_email(session, email)
        if holder is not None and holder.id == known_device_user_id:
            wait = 0
    wait = wait or _retry_after(session, LoginAttempt.ip, ip, settings.per_address, window)
    if wait:
        raise TooManyRequests("Too many failed logins. Try again later.", retry_after=wait)
    user = find_user_by_email(session, email)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if not (user and valid and user.active):
        session.add(LoginAttempt(email=email, ip=ip, succeeded=False))
        record(
            session,
            None,
            "login.failure",
            "user",
            user.id if user else None,
            {"email": email, "ip": ip},
        )
        session.flush()
        raise LoginFailed()
    session.add(LoginAttempt(email=email, ip=ip, succeeded=True))
    user.last_login_at = utcnow()
    record(session, user, "login.success", "user", user.id, {"ip": ip})
    session.flush()
    return user


def purge_login_attempts(session: Session, older_than_days: int = 30) -> int:
    from sqlalchemy import delete

    cutoff = utcnow() - timedelta(days=older_than_days)
    return rowcount(session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)))


# --- sessions ----------------------------------------------------------------------------


def start_session(session: Session, user: User, ip: str | None, user_agent: str | None) -> str:
    """Create a server-side session and return its key (kept only in the signed cookie)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            key_hash=_sha256(key),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            authenticated_at=now,
            ip=(ip or "")[:64],
            user_agent=(user_agent or "")[:300],
        )
    )
    session.flush()
    return key


@dataclass
class SessionLimits:
    idle_minutes: int = 30
    absolute_hours: int = 12


def load_session(session: Session, key: str | None, limits: SessionLimits) -> UserSession | None:
    """The live session for this key, or None when it ended, idled out or aged out."""
    if not key:
        return None
    row = session.scalar(select(UserSession).where(UserSession.key_hash == _sha256(key)))
    if row is None or row.ended_at is not None or not row.user.active:
        return None
    now = utcnow()
    if now - row.last_seen_at > timedelta(minutes=limits.idle_minutes) or (
        now - row.created_at > timedelta(hours=limits.absolute_hours)
    ):
        row.ended_at = now
        return None
    return row


def touch_session(row: UserSession) -> bool:
    """Refresh last_seen_at at most once a minute, so reading pages does not write each time."""
    now = utcnow()
    if now - row.last_seen_at >= timedelta(seconds=60):
        row.last_seen_at = now
        return True
    return False


def end_session(session: Session, key: str | None) -> None:
    if not key:
        return
    session.execute(
        update(UserSession)
        .where(UserSession.key_hash == _sha256(key), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def log_out(session: Session, user: User, key: str | None) -> None:
    end_session(session, key)
    record(session, user, "logout", "user", user.id)


def end_all_sessions(session: Session, user: User, except_hash: str | None = None) -> None:
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_hash:
        stmt = stmt.where(UserSession.key_hash != except_hash)
    session.execute(stmt.values(ended_at=utcnow()))


def reauthenticate(session: Session, user: User, row: UserSession, password: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        record(session, user, "login.reauth_failure", "user", user.id)
        raise Invalid({"password": ["is not your password"]})
    row.authenticated_at = utcnow()
    record(session, user, "login.reauth", "user", user.id)


# --- API tokens --------------------------------------------------------------------------


def create_token(session: Session, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and the raw token, which is shown once and never stored."""
    name = (name or "").strip() or "API token"
    if len(name) > 100 or any(ord(c) < 32 for c in name):
        raise Invalid({"name": ["must be 100 printable characters at most"]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_sha256(raw), prefix=raw[:10])
    session.add(token)
    session.flush()
    record(
        session, actor, "token.create", "api_token", token.id, {"user_id": user.id, "name": name}
    )
    return token, raw


def revoke_token(session: Session, actor: Actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, actor, "token.revoke", "api_token", token.id, {"user_id": token.user_id})
        session.flush()


def close_open_links(session: Session, user: User, except_id: int | None = None) -> None:
    """Invitation and reset links of the user stop working (a password was set another way,
    or the account was deactivated)."""
    stmt = update(AuthLink).where(
        AuthLink.user_id == user.id, AuthLink.used_at.is_(None), AuthLink.revoked_at.is_(None)
    )
    if except_id is not None:
        stmt = stmt.where(AuthLink.id != except_id)
    session.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session=False))


def revoke_all_tokens(session: Session, user: User) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def user_for_token(session: Session, raw: str | None) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(raw)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= timedelta(minutes=1):
        token.last_used_at = now
    return token.user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name)))
