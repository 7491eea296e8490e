"""Closing a user's open invitation and reset links when access is taken back another way.

The links themselves (issuing, redeeming) are crm.auth.links, which builds on these
services; this one statement is here so a password change or a deactivation, which live in
this package, can close them without importing the higher module."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from crm.auth.models import AuthLink, User
from crm.common.timeutil import utcnow


def close_open_links(session: Session, user: User, except_id: int | None = None) -> None:
    """Invitation and reset links of the user stop working (a password was set another way,
    or the account was deactivated)."""
    stmt = update(AuthLink).where(
        AuthLink.user_id == user.id, AuthLink.used_at.is_(None), AuthLink.revoked_at.is_(None)
    )
    if except_id is not None:
        stmt = stmt.where(AuthLink.id != except_id)
    session.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session=False))
