"""User accounts: looking them up, creating them with a password, and the profile a user
edits themself. Roles and activation, which an admin changes, are in `roles`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.auth.models import User
from crm.auth.services._common import EMAIL_RE, normalise_email
from crm.auth.services.passwords import hash_password, password_problems
from crm.common.actor import Actor
from crm.common.errors import FieldErrors, Invalid, NotFound
from crm.common.permissions import ROLES
from crm.common.timeutil import valid_timezone


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


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name)))
