"""One-time form nonces: a form posted twice creates one record.

A form whose view calls `handle_form(..., once=True)` carries a hidden `form_nonce` field
(`{{ form_nonce() }}` in its template, `{{ form_nonce(action) }}` on a page of several: a
fresh random value, or the posted one again when the form is shown back with errors). When
the call succeeds, the nonce is stored as a row of `form_nonces` in the same transaction,
with the page the user was sent to. The second
of two identical posts, sent at once or later, cannot store it again (primary key): its
transaction is rolled back and the user is sent to the record the first one made, with a
note that the form was already submitted. A post without a nonce (a script, an old page)
is handled as before.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import request
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import ForeignKey, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.db import Base, UTCDateTime, rowcount, utcnow

FIELD = "form_nonce"
_VALID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class FormNonce(Base):
    """A form post that created something: its nonce, who sent it and where it led."""

    __tablename__ = "form_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AlreadySubmitted(Exception):
    """This form's nonce was used by an earlier post."""


def posted() -> str | None:
    """The nonce the request carries, when it is well-formed."""
    raw = request.form.get(FIELD) if request.method == "POST" else None
    return raw if raw and _VALID.match(raw) else None


def field(action: str | None = None) -> Markup:
    """The hidden input for a form's template: the posted nonce again, else a new one.

    A page with more than one such form names each form's `action`: only the form that
    was posted (and is shown again with its errors) gets the posted nonce back."""
    again = posted()
    if again is not None and action is not None and urlsplit(action).path != request.path:
        again = None
    value = again or secrets.token_urlsafe(24)
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(value))


def _user_id() -> int | None:
    raw = current_user.get_id() if current_user and current_user.is_authenticated else None
    return int(raw) if raw is not None else None


def claim(session: Session, nonce: str) -> FormNonce:
    """Store the nonce in the caller's transaction; AlreadySubmitted if another post has
    (the second of two concurrent posts waits for the first and then finds it)."""
    row = FormNonce(nonce=nonce, user_id=_user_id())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise AlreadySubmitted() from None
    return row


def earlier_url(session: Session, nonce: str) -> str | None:
    """Where the earlier post of this nonce led, when the same user sent it."""
    row = session.get(FormNonce, nonce)
    if row is None or row.user_id != _user_id():
        return None
    return row.url


def purge(session: Session, older_than: timedelta = timedelta(days=30)) -> int:
    """Forget nonces of forms posted long ago (a page that old is not posted again)."""
    cutoff = utcnow() - older_than
    return rowcount(session.execute(delete(FormNonce).where(FormNonce.created_at < cutoff)))
