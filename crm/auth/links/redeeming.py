"""Using a link, for either kind: checking that it still works (the page shows its form or
says why not) and setting the password from it, claimed once with one conditional UPDATE."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.auth import services
from crm.auth.links.store import INVITE, RESET, LinkUnusable, _find
from crm.auth.models import AuthLink, User
from crm.common.errors import Invalid
from crm.common.timeutil import utcnow


def check_link(session: Session, purpose: str, raw: str | None) -> AuthLink:
    """The link if it can still be used; raises LinkUnusable (with the reason) otherwise."""
    return _find(session, purpose, raw, utcnow())


def redeem_link(session: Session, purpose: str, raw: str | None, password: str | None) -> User:
    """Set the user's password from a link, once; returns the user.

    The password policy is checked before the link is claimed, so a refused password does
    not use the link up. The claim is one conditional UPDATE; whoever loses a race gets
    LinkUnusable("used"). Every session of the user ends (whoever held one, the link's
    holder now owns the account) and their other open links stop working.

    API tokens: a reset revokes them all, as a password change does (SECURITY item 6): a
    reset is how an account is taken back after a password leaked, and a token minted by
    whoever had the password must not outlive it. Accepting an invitation keeps them: the
    account never had a usable password, so any token it has was minted deliberately for
    it by an operator (`crm create-token`) and no one else could have created one."""
    now = utcnow()
    link = _find(session, purpose, raw, now)
    user = link.user
    problems = services.password_problems(password, user.email)
    if problems:
        raise Invalid({"password": problems})
    new_hash = services.hash_password(password or "")  # slow: done before taking the row
    claimed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(AuthLink)
        .where(
            AuthLink.id == link.id,
            AuthLink.used_at.is_(None),
            AuthLink.revoked_at.is_(None),
            AuthLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise LinkUnusable("used", purpose)
    link_id = link.id
    session.expire(link)
    user.password_hash = new_hash
    services.end_all_sessions(session, user)
    if purpose == RESET:
        services.revoke_all_tokens(session, user)
    services.close_open_links(session, user, except_id=link_id)
    action = "user.invite_accept" if purpose == INVITE else "user.password_reset"
    record(session, user, action, "user", user.id, {"link_id": link_id, "via": "link"})
    session.flush()
    return user
