"""Role changes and (de)activation by an admin, with the guards that keep an admin in
charge: nobody changes their own role or deactivates themself, and the last active admin
stays one. Deactivating ends the user's sessions, tokens and open links."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.auth.models import User
from crm.auth.services.account_links import close_open_links
from crm.auth.services.sessions import end_all_sessions
from crm.auth.services.tokens import revoke_all_tokens
from crm.common.actor import Actor
from crm.common.errors import Conflict, Invalid
from crm.common.permissions import ROLES


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
