"""Model and property releases: recording them against works, their signed document, and
revocation."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.licensing.models import RELEASE_KINDS, USES, WORK_KINDS, Release, Work, release_works
from crm.licensing.services.territory import parse_territory

MAX_RELEASE_WORKS = 1000


def get_release(session: Session, release_id: int) -> Release:
    release = session.scalar(
        select(Release).where(Release.id == release_id).options(selectinload(Release.works))
    )
    if release is None:
        raise NotFound("No such release.")
    return release


def list_releases_stmt(
    creator_id: int | None = None, work_id: int | None = None, kind: str | None = None
) -> Select[Release]:
    stmt = select(Release).options(selectinload(Release.works))
    if creator_id is not None:
        stmt = stmt.where(Release.creator_id == creator_id)
    if kind is not None:
        stmt = stmt.where(Release.kind == kind)
    if work_id is not None:
        stmt = stmt.where(
            Release.id.in_(
                select(release_works.c.release_id)
                .where(release_works.c.work_id == work_id)
                .scalar_subquery()
            )
        )
    return stmt


def _audit_view(release: Release) -> dict:
    return {
        "creator_id": release.creator_id,
        "kind": release.kind,
        "subject": release.subject,
        "uses": list(release.uses),
        "media": list(release.media),
        "territory": release.territory,
        "signed_on": release.signed_on,
        "expires_on": release.expires_on,
        "work_ids": [w.id for w in release.works],
        "document_sha256": release.document_sha256,
    }


def create_release(
    session: Session,
    actor: Actor,
    *,
    kind: str | None,
    subject: str | None,
    uses: list[str] | None,
    work_ids: list[int] | None,
    territory: str | list[str] | None = None,
    media: list[str] | None = None,
    signed_on: date | None = None,
    expires_on: date | None = None,
    creator_id: int | None = None,
    document: Any = None,
    source: str | None = None,
) -> Release:
    """A release of one creator's works; `document` (a stored file with name, path, sha256
    and size) is its signed copy, when there is one; `source` says who recorded it
    (`creator_request`: the creator, in the portal)."""
    errors = FieldErrors()
    if kind not in RELEASE_KINDS:
        errors.add("kind", f"must be one of {', '.join(RELEASE_KINDS)}")
    subject = (subject or "").strip()
    if not subject:
        errors.add("subject", "name the person (model) or the property or brand")
    elif len(subject) > 300:
        errors.add("subject", "must be at most 300 characters")
    elif "\x00" in subject:
        errors.add("subject", "must not contain NUL characters")
    uses = list(dict.fromkeys(uses or []))
    if not uses:
        errors.add("uses", "choose at least one use")
    elif any(u not in USES for u in uses):
        errors.add("uses", f"must be among {', '.join(USES)}")
    media = list(dict.fromkeys(media or []))
    if any(m not in WORK_KINDS for m in media):
        errors.add("media", f"must be among {', '.join(WORK_KINDS)}")
    where = parse_territory(territory, "territory", errors)
    if signed_on and expires_on and expires_on < signed_on:
        errors.add("expires_on", "must be on or after the day it was signed")
    ids = sorted(set(work_ids or []))
    works: list[Work] = []
    if not ids:
        errors.add("work_ids", "attach the release to at least one work")
    elif len(ids) > MAX_RELEASE_WORKS:
        errors.add("work_ids", f"at most {MAX_RELEASE_WORKS} works per release")
    else:
        works = list(session.scalars(select(Work).where(Work.id.in_(ids)).order_by(Work.id)))
        missing = sorted(set(ids) - {w.id for w in works})
        if missing:
            errors.add("work_ids", f"not known works: {', '.join(map(str, missing))}")
        creators = {w.creator_id for w in works}
        if creator_id is not None and creators - {creator_id}:
            errors.add("work_ids", "must all be works of this creator")
        elif len(creators) > 1:
            errors.add("work_ids", "must all be works of one creator")
    errors.raise_if_any()
    release = Release(
        creator_id=works[0].creator_id,
        kind=kind,
        subject=subject,
        uses=[u for u in USES if u in uses],
        media=[m for m in WORK_KINDS if m in media],
        territory=where.text,
        signed_on=signed_on,
        expires_on=expires_on,
        created_by_id=getattr(actor, "id", None),
        source=source,
    )
    if document is not None:
        release.document_name = document.name
        release.document_path = document.path
        release.document_sha256 = document.sha256
        release.document_size = document.size
    release.works = works
    session.add(release)
    session.flush()
    changes = _audit_view(release)
    if document is not None:
        changes["document_size"] = document.size
    if source:
        changes["source"] = source
    record(session, actor, "release.create", "release", release.id, changes)
    return release


def revoke_release(
    session: Session,
    actor: Actor,
    release: Release,
    revoked_on: date,
    *,
    source: str | None = None,
) -> Release:
    """From `revoked_on` the release covers nothing; manifests already frozen keep it.
    `source` says who asked (`creator_request`: the creator withdrew it in the portal)."""
    if release.revoked_on is not None:
        raise Conflict(f"Release #{release.id} was already revoked on {release.revoked_on}.")
    if revoked_on is None:
        raise Invalid({"revoked_on": ["is required"]})
    release.revoked_on = revoked_on
    session.flush()
    changes: dict[str, Any] = {"revoked_on": [None, revoked_on]}
    if source:
        changes["source"] = source
    record(session, actor, "release.revoke", "release", release.id, changes)
    return release
