"""The password policy and password changes.

Setting a password, by the user or for them, ends every other way into the account: its
sessions, its API tokens and its open emailed links (SECURITY item 6)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from crm.audit.services import record
from crm.auth.models import User
from crm.auth.services._common import _sha256, normalise_email
from crm.auth.services.account_links import close_open_links
from crm.auth.services.sessions import end_all_sessions
from crm.auth.services.tokens import revoke_all_tokens
from crm.common.actor import Actor
from crm.common.errors import Invalid

PASSWORD_MIN = 12


PASSWORD_MAX = 128


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).parent.parent / "common_passwords.txt"
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line)


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
