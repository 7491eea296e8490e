"""Saved views: a user's named filters for the creators list."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.common.errors import Invalid, NotFound
from crm.creators.models import SavedView
from crm.creators.services._common import _has_control, _text


def saved_views(session: Session, user: User) -> list[SavedView]:
    return list(
        session.scalars(
            select(SavedView)
            .where(SavedView.user_id == user.id)
            .order_by(SavedView.position, SavedView.name)
        )
    )


def save_view(session: Session, user: User, name: str, query: dict) -> SavedView:
    """Save the filters under a name; saving an existing name replaces its filters."""
    name = _text(name)
    if not name or len(name) > 100 or _has_control(name):
        raise Invalid({"name": ["is required (100 characters at most, without control codes)"]})
    clean = {str(k): str(v) for k, v in query.items() if v not in (None, "") and k != "cursor"}
    view = session.scalar(
        select(SavedView).where(SavedView.user_id == user.id, SavedView.name == name)
    )
    if view is None:
        view = SavedView(user_id=user.id, name=name, query=clean)
        session.add(view)
    else:
        view.query = clean
    session.flush()
    return view


def delete_view(session: Session, user: User, view_id: int) -> None:
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        raise NotFound("No such saved view.")
    session.delete(view)
    session.flush()
