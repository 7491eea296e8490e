"""Works: registration one by one or in batches (CSV import), edits and listings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from crm.audit.services import diff, record
from crm.common.actor import Actor
from crm.common.csvfiles import CsvReader
from crm.common.errors import FieldErrors, Invalid, NotFound
from crm.common.ids import parse_id
from crm.creators.models import Creator
from crm.licensing.models import (
    RIGHTS,
    WORK_KINDS,
    Work,
    WorkTag,
)
from crm.licensing.services.base import (
    MAX_TITLE,
    in_chunks,
    normalise_sha256,
    normalise_url,
)
from crm.licensing.services.rights import NOT_KNOWN, clean_rights, normalise_tag

# The fields of a work beyond its identity, with their values for a work that says nothing.
RIGHTS_FIELDS = (
    "rights",
    "rights_evidence",
    "relicense_allowed",
    "co_holders",
    "client_name",
    "people_present",
    "people_count",
    "property_present",
    "tags",
    "language",
    "duration_s",
    "width",
    "height",
    "description",
)


def get_work(session: Session, work_id: int) -> Work:
    work = session.scalar(
        select(Work).where(Work.id == work_id).options(selectinload(Work.tag_rows))
    )
    if work is None:
        raise NotFound("No such work.")
    return work


def get_creator(session: Session, creator_id: int | None) -> Creator:
    creator = session.get(Creator, creator_id) if creator_id else None
    if creator is None:
        raise NotFound("No such creator.")
    return creator


def _clean_work(data: dict, errors: FieldErrors, prefix: str = "") -> dict:
    clean: dict = {}
    kind = (data.get("kind") or "").strip()
    if kind not in WORK_KINDS:
        errors.add(prefix + "kind", f"must be one of {', '.join(WORK_KINDS)}")
    clean["kind"] = kind
    title = (data.get("title") or "").strip()
    if not title:
        errors.add(prefix + "title", "is required")
    elif len(title) > MAX_TITLE:
        errors.add(prefix + "title", f"must be at most {MAX_TITLE} characters")
    elif "\x00" in title:
        errors.add(prefix + "title", "must not contain NUL characters")
    clean["title"] = title
    try:
        clean["url"] = normalise_url(data.get("url"))
    except ValueError as exc:
        errors.add(prefix + "url", str(exc))
    try:
        clean["sha256"] = normalise_sha256(data.get("sha256"))
    except ValueError as exc:
        errors.add(prefix + "sha256", str(exc))
    created_on = data.get("created_on")
    if isinstance(created_on, str):
        try:
            created_on = date.fromisoformat(created_on.strip()) if created_on.strip() else None
        except ValueError:
            errors.add(prefix + "created_on", "must be a date YYYY-MM-DD")
            created_on = None
    clean["created_on"] = created_on
    clean.update(clean_rights(data, errors, prefix))
    return clean


def _new_work(clean: dict) -> Work:
    fields = dict(clean)
    tags = fields.pop("tags", [])
    work = Work(**fields)
    work.tag_rows = [WorkTag(tag=t) for t in tags]
    return work


def create_works(
    session: Session,
    actor: Actor,
    items: Sequence[dict],
    *,
    indexed: bool | None = None,
    source: str | None = None,
) -> list[Work]:
    """Validate every item first (fields, creators, duplicate URLs), then write all or none.

    Each item has `creator_id`, `kind`, `title`, `url`, optional `sha256`, `created_on`
    and the rights and metadata fields (RIGHTS_FIELDS; rights default to `unknown`).
    Field errors are keyed `items.N.field` (N from 0) when there is more than one item."""
    errors = FieldErrors()
    many = len(items) != 1 if indexed is None else indexed
    cleaned = []
    for n, data in enumerate(items):
        prefix = f"items.{n}." if many else ""
        clean = _clean_work(data, errors, prefix)
        clean["creator_id"] = data.get("creator_id")
        cleaned.append((prefix, clean))
    creator_ids = {c["creator_id"] for _p, c in cleaned if isinstance(c["creator_id"], int)}
    known: set[int] = set()
    for chunk in in_chunks(sorted(creator_ids)):
        known.update(session.scalars(select(Creator.id).where(Creator.id.in_(chunk))))
    seen: dict[str, str] = {}
    for prefix, clean in cleaned:
        if clean["creator_id"] not in known:
            errors.add(prefix + "creator_id", "is not a known creator")
        url = clean.get("url")
        if url:
            if url in seen:
                errors.add(prefix + "url", "appears more than once in this batch")
            seen.setdefault(url, prefix)
    taken: set[str] = set()
    for chunk in in_chunks(sorted(seen)):
        taken.update(session.scalars(select(Work.url).where(Work.url.in_(chunk))))
    for prefix, clean in cleaned:
        if clean.get("url") in taken:
            errors.add(prefix + "url", "is already registered as a work")
    errors.raise_if_any()
    works = [_new_work(clean) for _p, clean in cleaned]
    session.add_all(works)
    session.flush()
    extra = {"source": source} if source else {}
    if len(works) == 1:
        w = works[0]
        record(session, actor, "work.create", "work", w.id, {"url": w.url, "kind": w.kind} | extra)
    else:
        record(
            session,
            actor,
            "work.import",
            "work",
            None,
            {"count": len(works), "ids": [w.id for w in works][:1000]} | extra,
        )
    return works


@dataclass
class ItemCheck:
    """What registering one item would do, without writing: its field problems
    (`field: message`), or the work (or earlier item) it duplicates."""

    errors: list[str] = field(default_factory=list)
    duplicate_of_item: int | None = None  # index of an earlier item with the same URL
    duplicate_work: Work | None = None  # the registered work with the same URL


def check_works(session: Session, items: Sequence[dict]) -> list[ItemCheck]:
    """The checks of `create_works`, item by item, for a preview: every field, the creator,
    and duplicate URLs (in the batch, or already registered) in a fixed number of queries."""
    checks = []
    cleaned = []
    for data in items:
        errors = FieldErrors()
        clean = _clean_work(data, errors)
        check = ItemCheck([f"{name}: {m}" for name, ms in errors.errors.items() for m in ms])
        checks.append(check)
        cleaned.append(clean)
    creator_ids = {d.get("creator_id") for d in items if isinstance(d.get("creator_id"), int)}
    known: set[int] = set()
    for chunk in in_chunks(sorted(creator_ids)):
        known.update(session.scalars(select(Creator.id).where(Creator.id.in_(chunk))))
    first: dict[str, int] = {}
    for n, (data, clean, check) in enumerate(zip(items, cleaned, checks, strict=True)):
        if data.get("creator_id") not in known:
            check.errors.append("creator_id: is not a known creator")
        url = clean.get("url")
        if url and url in first:
            check.duplicate_of_item = first[url]
        elif url:
            first[url] = n
    taken: dict[str, Work] = {}
    for chunk in in_chunks(sorted(first)):
        taken.update((w.url, w) for w in session.scalars(select(Work).where(Work.url.in_(chunk))))
    for clean, check in zip(cleaned, checks, strict=True):
        if clean.get("url") in taken:
            check.duplicate_work = taken[clean["url"]]
    return checks


def create_work(session: Session, actor: Actor, **data: Any) -> Work:
    return create_works(session, actor, [data])[0]


def current_rights(work: Work) -> dict:
    """A work's rights fields as an edit merges its changes into them: re-licensing not
    known yet stays so unless `relicense_allowed` is among the changes."""
    current = {name: getattr(work, name) for name in RIGHTS_FIELDS}
    if not work.relicense_known:
        current["relicense_allowed"] = NOT_KNOWN
    return current


def _current(work: Work) -> dict:
    return {
        "kind": work.kind,
        "title": work.title,
        "url": work.url,
        "sha256": work.sha256,
        "created_on": work.created_on,
    } | current_rights(work)


def _apply(work: Work, clean: dict) -> None:
    for key, value in clean.items():
        if key == "tags":
            if value != work.tags:
                work.tag_rows = [WorkTag(tag=t) for t in value]
        else:
            setattr(work, key, value)


def update_work(
    session: Session, actor: Actor, work: Work, changes: dict, *, source: str | None = None
) -> Work:
    """Edit a work; `source` (e.g. `creator_request` from the portal) is kept in the audit."""
    errors = FieldErrors()
    work = get_work(session, work.id)
    merged = _current(work) | changes
    clean = _clean_work(merged, errors)
    errors.raise_if_any()
    if clean["url"] != work.url and session.scalar(
        select(Work.id).where(Work.url == clean["url"], Work.id != work.id)
    ):
        raise Invalid({"url": ["is already registered as a work"]})
    before = {k: getattr(work, k) for k in clean}
    _apply(work, clean)
    session.flush()
    after = {k: getattr(work, k) for k in clean}
    changed: dict[str, Any] = dict(diff(before, after))
    if source:
        changed["source"] = source
    record(session, actor, "work.update", "work", work.id, changed)
    return work


CSV_COLUMNS = ("creator_id", "kind", "title", "url", "sha256", "created_on", *RIGHTS_FIELDS)


def import_works_csv(session: Session, actor: Actor, text: str) -> list[Work]:
    """CSV with the header creator_id,kind,title,url and any of sha256, created_on and the
    rights and metadata columns (tags and co_holders separated by `;`). Every row is checked
    before anything is written; errors name the CSV line (the header is line 1)."""
    reader = CsvReader(text)
    header = [(h or "").strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("creator_id", "kind", "title", "url") if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing or unknown:
        msg = []
        if missing:
            msg.append(f"missing columns: {', '.join(missing)}")
        if unknown:
            msg.append(f"unknown columns: {', '.join(unknown)}")
        raise Invalid({"file": ["; ".join(msg)]})
    items = []
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        raw_id = row.get("creator_id", "")
        row["creator_id"] = parse_id(raw_id)
        items.append(row)
    if not items:
        raise Invalid({"file": ["has no rows"]})
    try:
        return create_works(session, actor, items, indexed=True)
    except Invalid as exc:
        out = FieldErrors()
        for key, messages in exc.errors.items():
            _items, n, name = key.split(".", 2)
            for m in messages:
                out.add(f"line {int(n) + 2}", f"{name} {m}")
        raise Invalid(out.errors) from None


def list_works_stmt(
    creator_id: int | None = None,
    kind: str | None = None,
    *,
    tags: Sequence[str] = (),
    language: str | None = None,
    rights: str | None = None,
    people_present: bool | None = None,
    min_duration_s: float | None = None,
) -> Select[Work]:
    """Works filtered in SQL; every tag given must be on the work."""
    stmt = select(Work)
    if creator_id is not None:
        stmt = stmt.where(Work.creator_id == creator_id)
    if kind is not None:
        stmt = stmt.where(Work.kind == kind)
    for tag in dict.fromkeys(normalise_tag(t) for t in tags if t.strip()):
        stmt = stmt.where(
            Work.id.in_(select(WorkTag.work_id).where(WorkTag.tag == tag).scalar_subquery())
        )
    if language:
        stmt = stmt.where(func.lower(Work.language) == language.strip().lower())
    if rights is not None:
        stmt = stmt.where(Work.rights == rights)
    if people_present is not None:
        stmt = stmt.where(Work.people_present.is_(people_present))
    if min_duration_s is not None:
        stmt = stmt.where(Work.duration_s >= min_duration_s)
    return stmt


def works_totals(session: Session, stmt: Select[Work]) -> dict:
    """How many works a filtered list holds and their total duration (seconds)."""
    sub = stmt.with_only_columns(Work.id, Work.duration_s).subquery()
    count, seconds = session.execute(
        select(func.count(), func.coalesce(func.sum(sub.c.duration_s), 0.0)).select_from(sub)
    ).one()
    return {"works": int(count), "duration_s": float(seconds or 0)}


def set_rights_in_bulk(
    session: Session,
    actor: Actor,
    creator_id: int,
    *,
    kind: str | None,
    created_from: date | None = None,
    created_to: date | None = None,
    changes: dict,
    source: str | None = None,
) -> int:
    """Set the rights of every work of a creator of one kind (or all kinds), optionally
    created within a date range; one audit event names the works changed (and `source`,
    e.g. `creator_request` from the portal)."""
    errors = FieldErrors()
    if kind is not None and kind not in WORK_KINDS:
        errors.add("kind", f"must be one of {', '.join(WORK_KINDS)}")
    if changes.get("rights") not in RIGHTS:
        errors.add("rights", f"must be one of {', '.join(RIGHTS)}")
    if created_from and created_to and created_to < created_from:
        errors.add("created_to", "must be on or after the start")
    keys = (
        "rights",
        "rights_evidence",
        "relicense_allowed",
        "relicense_known",
        "co_holders",
        "client_name",
    )
    clean = {k: v for k, v in clean_rights(changes, errors).items() if k in keys}
    errors.raise_if_any()
    stmt = list_works_stmt(creator_id, kind)
    if created_from:
        stmt = stmt.where(Work.created_on >= created_from)
    if created_to:
        stmt = stmt.where(Work.created_on <= created_to)
    works = list(session.scalars(stmt.order_by(Work.id)))
    for w in works:
        for key, value in clean.items():
            setattr(w, key, value)
    session.flush()
    record(
        session,
        actor,
        "work.rights_bulk",
        "creator",
        creator_id,
        {"kind": kind, "count": len(works), "ids": [w.id for w in works][:1000]}
        | {"created_from": created_from, "created_to": created_to}
        | ({"source": source} if source else {})
        | {k: v for k, v in clean.items()},
    )
    return len(works)


def count_works(session: Session, creator_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(Work).where(Work.creator_id == creator_id)
    ).scalar_one()
