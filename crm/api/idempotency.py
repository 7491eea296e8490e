"""Idempotent creates: the `Idempotency-Key` request header on every API POST that creates
(a route documented with status 201).

The first request with a key reserves it (a row of `idempotency_keys`, unique per user and
key, committed before the handler runs) and stores its response when it succeeds (2xx).
Within 24 hours, the same key with the same request (method, path and body) replays that
response with `Idempotent-Replayed: true`; the same key with another request is a 422; a
request whose key is still reserved by one in progress is a 409. A request that fails
(4xx, 5xx) releases its key, so it can be sent again, corrected, with the same key.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, g, request
from flask_login import current_user
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.common.errors import Conflict, Invalid
from crm.db import Base, UTCDateTime, get_session, rowcount, utcnow

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
LIFETIME = timedelta(hours=24)
_VALID = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, as a header value

HEADER_DOC = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "A key of your choice (up to 200 visible ASCII characters). Sent again within 24 "
        "hours with the same request, the first response is replayed (with "
        "`Idempotent-Replayed: true`); with a different request, 422; while the first is "
        "still in progress, 409."
    ),
    "schema": {"type": "string", "maxLength": 200},
}


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def creates(view: object) -> bool:
    route_doc = getattr(view, "crm_openapi", None)
    return getattr(route_doc, "status", None) == 201


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.full_path.rstrip("?").encode())
    digest.update(b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> Response:
    response = Response(row.body or "", status=row.status or 200, mimetype=None)
    response.headers["Content-Type"] = row.content_type or "application/json"
    if row.location:
        response.headers["Location"] = row.location
    response.headers[REPLAYED] = "true"
    return response


def before() -> Response | None:
    """Replay, refuse or reserve; None lets the handler run."""
    if request.method != "POST" or HEADER not in request.headers:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not creates(view) or not current_user.is_authenticated:
        return None  # the handler answers (401/403 …) as without the header
    key = request.headers[HEADER]
    if not _VALID.match(key):
        raise Invalid({HEADER: ["must be 1 to 200 visible ASCII characters"]})
    user_id = int(current_user.get_id())
    fingerprint = _fingerprint()
    db = get_session()
    db.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at < utcnow() - LIFETIME,
        )
    )
    row = IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint)
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
        db.commit()
    except IntegrityError:
        db.rollback()
        earlier = db.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        )
        db.rollback()
        if earlier is None:  # released meanwhile: the client may try again
            raise Conflict(
                "A request with this Idempotency-Key just failed; send it again."
            ) from None
        if earlier.fingerprint != fingerprint:
            raise Invalid({HEADER: ["was already used with a different request"]}) from None
        if earlier.status is None:
            raise Conflict("A request with this Idempotency-Key is still in progress.") from None
        return _replay(earlier)
    g.crm_idempotency_id = row.id
    return None


def after(response: Response) -> Response:
    row_id = g.pop("crm_idempotency_id", None)
    if row_id is None:
        return response
    db = get_session()
    db.rollback()  # whatever the handler left open; it committed what it made
    row = db.get(IdempotencyKey, row_id)
    if row is not None:
        if 200 <= response.status_code < 300 and not response.is_streamed:
            row.status = response.status_code
            row.body = response.get_data(as_text=True)
            row.content_type = response.headers.get("Content-Type")
            row.location = (response.headers.get("Location") or "")[:500] or None
        else:
            db.delete(row)
        db.commit()
    return response


def init_blueprint(bp: Blueprint) -> None:
    """Add the idempotency hooks to the API blueprint (once, however often it is called)."""
    if before not in bp.before_request_funcs.get(None, []):
        bp.before_request(before)
        bp.after_request(after)


def purge(session: Session, older_than: timedelta = LIFETIME) -> int:
    """Forget keys past their lifetime (and reservations a crashed request left behind)."""
    cutoff = utcnow() - older_than
    return rowcount(
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    )
