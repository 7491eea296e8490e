"""Invitations: an admin creates a user who sets their own password from an emailed link,
and can send a fresh link while the invitation is pending."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.auth import services
from crm.auth.links.addresses import email_problems
from crm.auth.links.store import INVITE, LinkSettings, _issue
from crm.auth.models import AuthLink, User
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid


@dataclass(frozen=True)
class Invitation:
    user: User
    link: AuthLink
    url: str = field(repr=False)


def invite_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str | None,
    role: str,
    settings: LinkSettings,
) -> Invitation:
    """Create a user who sets their own password from an emailed invitation.

    The new account has no usable password (the hash of a random secret nobody keeps), so
    it cannot log in until the invitation is redeemed. The name defaults to the address's
    local part."""
    errors = FieldErrors()
    for problem in email_problems(email):
        errors.add("email", problem)
    address = services.normalise_email(email)
    display = (name or "").strip() or address.partition("@")[0]
    services._validate_profile(errors, name=display, role=role)
    errors.raise_if_any()
    if services.find_user_by_email(session, address):
        raise Invalid({"email": ["is already used by another user"]})
    user = User(
        email=address,
        name=display,
        role=role,
        password_hash=services.hash_password(secrets.token_urlsafe(32)),
        timezone="UTC",
        active=True,
        digest_opt_in=True,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        {"email": address, "role": role, "invited": True},
    )
    issued = _issue(session, actor, user, INVITE, settings)
    record(
        session,
        actor,
        "user.invite",
        "user",
        user.id,
        {"link_id": issued.link.id, "expires_at": issued.link.expires_at},
    )
    session.flush()
    return Invitation(user, issued.link, issued.url)


def pending_invitations(session: Session) -> set[int]:
    """Ids of the users who were invited and have not used any link yet."""
    invites = func.sum(case((AuthLink.purpose == INVITE, 1), else_=0))
    rows = session.scalars(
        select(AuthLink.user_id)
        .group_by(AuthLink.user_id)
        .having(invites > 0, func.count(AuthLink.used_at) == 0)
    )
    return set(rows)


def resend_invitation(
    session: Session, actor: Actor, user: User, settings: LinkSettings
) -> Invitation:
    """A fresh invitation for a user who has not accepted theirs (the old link stops working)."""
    if not user.active:
        raise Conflict("This user is deactivated; reactivate them first.")
    if user.id not in pending_invitations(session):
        raise Conflict(
            f"{user.email} has no pending invitation; they can use “Forgot your password?”."
        )
    issued = _issue(session, actor, user, INVITE, settings)
    record(
        session,
        actor,
        "user.invite",
        "user",
        user.id,
        {"link_id": issued.link.id, "expires_at": issued.link.expires_at, "resent": True},
    )
    session.flush()
    return Invitation(user, issued.link, issued.url)
