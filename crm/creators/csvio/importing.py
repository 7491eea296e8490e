"""Creators CSV import: match the checked rows to existing creators with a handful of
bulk queries, check the rules that span rows, then write every row or none."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, selectinload

from crm.audit.services import record
from crm.auth.models import User
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors
from crm.common.permissions import ADMIN, EDITORS
from crm.creators import custom_fields, identity, services
from crm.creators.csvio import previews
from crm.creators.csvio.reading import (
    ImportReport,
    RowError,
    RowPlan,
    _parse_row,
    _Row,
    read_csv,
)
from crm.creators.models import Account, Creator, CreatorTag
from crm.db import utcnow

CHUNK = 500


def reserve_ids(session: Session, model, count: int) -> Iterator[int]:
    """Primary keys for `count` new rows, taken up front so the inserts go in batches.

    (Without known keys the ORM inserts one row at a time to read each key back.) PostgreSQL
    hands out a block of its sequence; SQLite transactions here start with BEGIN IMMEDIATE,
    so no other writer can take ids between this read and our insert."""
    if count <= 0:
        return iter(())
    table = model.__table__.name
    if session.get_bind().dialect.name == "postgresql":
        ids = session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table, "n": count},
        ).all()
        return iter(sorted(ids))
    start = (session.scalar(select(func.max(model.id))) or 0) + 1
    return iter(range(start, start + count))


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _shown(key: str, value, names: dict[int, str]) -> str:
    if value is None or value == "":
        return ""
    if key == "owner_id":
        return names.get(value, f"user #{value}")
    if key == "tags" or isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _plan(session: Session, rows: list[_Row], errors: list[RowError]) -> list[RowPlan]:
    """Each row's outcome, before anything is written: new, update (with what changes), or
    error (with why). One query for the owners' names."""
    by_row: dict[int, list[str]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(f"{e.field}: {e.message}")
    owner_ids = {r.values.get("owner_id") for r in rows} | {
        r.target.owner_id for r in rows if r.target is not None
    }
    owner_ids.discard(None)
    names: dict[int, str] = {}
    for chunk in _chunks(sorted(owner_ids)):
        names.update(session.execute(select(User.id, User.name).where(User.id.in_(chunk))).all())
    plan = []
    for row in rows:
        name = row.values.get("display_name") or (row.target.display_name if row.target else "")
        if row.number in by_row:
            plan.append(RowPlan(row.number, "error", name, errors=by_row[row.number]))
            continue
        creator = row.target
        if creator is None:
            plan.append(RowPlan(row.number, "new", name))
            continue
        changes = []
        for key, after in row.values.items():
            if key == "custom_fields":
                current = creator.custom_fields or {}
                for cf_key in sorted(set(current) | set(after)):
                    was, now = current.get(cf_key), after.get(cf_key)
                    if (was or None) != (now or None):
                        changes.append(
                            (f"cf.{cf_key}", _shown("cf", was, names), _shown("cf", now, names))
                        )
                continue
            before = creator.tag_names if key == "tags" else getattr(creator, key)
            if key == "tags":
                before, after = sorted(before), sorted(after)
            if (before or None) != (after or None):
                changes.append((key, _shown(key, before, names), _shown(key, after, names)))
        have = {(a.platform, a.handle_key) for a in creator.accounts}
        for acc in row.accounts:
            if (acc["platform"], identity.handle_key(acc["handle"])) not in have:
                changes.append(("accounts", "", f"+ {acc['platform']}:{acc['handle']}"))
        plan.append(RowPlan(row.number, "update", name, creator.id, creator.display_name, changes))
    return plan


def import_creators(
    session: Session,
    actor: Actor,
    data: bytes | str,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    expect: str | None = None,
) -> ImportReport:
    """Validate every row, then write all of them (unless `dry_run` or any row is wrong).

    With `expect` (a preview's `fingerprint()`), nothing is written unless the plan is still
    the one that preview showed (Conflict otherwise: the creators changed meanwhile)."""
    raw_rows = read_csv(data)
    report = ImportReport(rows=len(raw_rows), dry_run=dry_run)
    tick = progress or (lambda n: None)
    rows = []
    for i, raw in enumerate(raw_rows):
        rows.append(_parse_row(i + 2, raw, report))
        tick(1)

    # Bulk lookups: the creators named by id, the accounts named by handle, the owners.
    ids = sorted({r.creator_id for r in rows if r.creator_id})
    by_id: dict[int, Creator | None] = {}
    creator: Creator | None
    for chunk in _chunks(ids):
        for creator in session.scalars(
            select(Creator)
            .options(selectinload(Creator.accounts), selectinload(Creator.tags))
            .where(Creator.id.in_(chunk))
        ):
            by_id[creator.id] = creator
    keys = sorted({identity.handle_key(a["handle"]) for r in rows for a in r.accounts})
    holders: dict[tuple[str, str], tuple[int, str]] = {}
    for chunk in _chunks(keys):
        stmt = (
            select(Account.platform, Account.handle_key, Creator.id, Creator.display_name)
            .join(Creator, Creator.id == Account.creator_id)
            .where(Account.handle_key.in_(chunk))
        )
        for platform, handle, creator_id, name in session.execute(stmt):
            holders[(platform, handle)] = (creator_id, name)
    # Look-alike handles (same TR39 skeleton) are refused, never matched.
    skeletons = sorted({identity.handle_skeleton(a["handle"]) for r in rows for a in r.accounts})
    look_alikes: dict[tuple[str, str], tuple[int, str]] = {}
    for chunk in _chunks(skeletons):
        stmt = (
            select(Account.platform, Account.handle_skeleton, Creator.id, Creator.display_name)
            .join(Creator, Creator.id == Account.creator_id)
            .where(Account.handle_skeleton.in_(chunk))
        )
        for platform, skeleton, creator_id, name in session.execute(stmt):
            look_alikes.setdefault((platform, skeleton), (creator_id, name))
    emails = sorted({r.owner_email for r in rows if r.owner_email})
    owners: dict[str, User] = {}
    for chunk in _chunks(emails):
        for owner in session.scalars(select(User).where(User.email.in_(chunk))):
            owners[owner.email] = owner

    # Match each row to an existing creator or a new one, and check every cross-row rule.
    seen_handles: dict[tuple[str, str], int] = {}
    seen_targets: dict[int, int] = {}
    default_owner = actor.id if getattr(actor, "role", None) in EDITORS else None
    is_admin = getattr(actor, "role", None) == ADMIN
    for row in rows:
        tick(1)
        target_id = None
        if row.creator_id:
            if row.creator_id not in by_id:
                report.errors.append(RowError(row.number, "id", "no creator has this id"))
                continue
            target_id = row.creator_id
        for acc in row.accounts:
            key = (acc["platform"], identity.handle_key(acc["handle"]))
            label = f"{acc['platform']}:{acc['handle']}"
            if key in seen_handles:
                report.errors.append(
                    RowError(row.number, "accounts", f"{label} is also in row {seen_handles[key]}")
                )
                continue
            seen_handles[key] = row.number
            holder = holders.get(key)
            if holder is None:
                alike = look_alikes.get((acc["platform"], identity.handle_skeleton(acc["handle"])))
                if alike is not None and alike[0] != target_id:
                    report.errors.append(
                        RowError(
                            row.number,
                            "accounts",
                            services.clash_message(acc["platform"], acc["handle"], alike[1]),
                        )
                    )
                continue
            if target_id is None:
                target_id = holder[0]
            elif holder[0] != target_id:
                report.errors.append(
                    RowError(
                        row.number,
                        "accounts",
                        services.clash_message(acc["platform"], acc["handle"], holder[1]),
                    )
                )
        if target_id is not None:
            if target_id in seen_targets:
                report.errors.append(
                    RowError(
                        row.number, "id", f"row {seen_targets[target_id]} updates this creator too"
                    )
                )
            seen_targets[target_id] = row.number
            row.creator_id = target_id
        if target_id is not None and target_id not in by_id:
            by_id[target_id] = None  # matched by handle only: loaded with the others below
        if row.owner_email:
            user = owners.get(row.owner_email)
            if user is None or not user.active or user.role not in EDITORS:
                report.errors.append(
                    RowError(row.number, "owner_email", "must be an active admin or manager")
                )
            else:
                row.values["owner_id"] = user.id

    missing = sorted(k for k, v in by_id.items() if v is None)
    for chunk in _chunks(missing):
        for creator in session.scalars(
            select(Creator)
            .options(selectinload(Creator.accounts), selectinload(Creator.tags))
            .where(Creator.id.in_(chunk))
        ):
            by_id[creator.id] = creator
    for row in rows:
        if row.creator_id is not None and by_id.get(row.creator_id) is not None:
            row.target = by_id[row.creator_id]
        current_owner = row.target.owner_id if row.target is not None else default_owner
        wanted = row.values.get("owner_id", current_owner)
        if wanted != current_owner and not is_admin:
            report.errors.append(
                RowError(row.number, "owner_email", "only an admin can assign or change the owner")
            )

    definitions = custom_fields.list_fields(session, "creator")
    for row in rows:
        if not row.custom and (row.target is not None or not any(f.required for f in definitions)):
            continue
        cf_errors = FieldErrors()
        row.values["custom_fields"] = custom_fields.clean_values(
            session,
            "creator",
            row.custom,
            cf_errors,
            current=row.target.custom_fields if row.target is not None else None,
            creating=row.target is None,
            definitions=definitions,
        )
        for name, messages in cf_errors.errors.items():
            report.errors.extend(
                RowError(row.number, name.replace("custom_fields.", "cf."), m) for m in messages
            )

    report.errors.sort(key=lambda e: (e.row, e.field))
    report.created = sum(1 for r in rows if r.target is None)
    report.updated = len(rows) - report.created
    report.plan = _plan(session, rows, report.errors)
    if report.errors or dry_run:
        return report
    if expect is not None and report.fingerprint() != expect:
        raise Conflict(
            "The creators changed since the preview, so nothing was imported. "
            "Preview the file again to see what it would do now."
        )

    # Existing creators change through the ORM; new ones go in as bulk inserts (no objects),
    # which is what keeps 10,000 rows to seconds.
    new_accounts = sum(len(r.accounts) for r in rows)  # an upper bound is enough
    creator_ids = reserve_ids(session, Creator, report.created)
    account_ids = reserve_ids(session, Account, new_accounts)
    now = utcnow()
    creators: list[dict] = []
    tags: list[dict] = []
    accounts: list[dict] = []

    def account_row(creator_id: int, acc: dict) -> dict:
        return {
            "id": next(account_ids),
            "creator_id": creator_id,
            "platform": acc["platform"],
            "handle": acc["handle"],
            "handle_key": identity.handle_key(acc["handle"]),
            "handle_skeleton": identity.handle_skeleton(acc["handle"]),
            "url": services.profile_url(acc["platform"], acc["handle"]),
            "created_at": now,
        }

    for row in rows:
        creator = row.target
        if creator is not None:
            services._apply(creator, row.values)
            have = {(a.platform, a.handle_key) for a in creator.accounts}
            for acc in row.accounts:
                if (acc["platform"], identity.handle_key(acc["handle"])) not in have:
                    accounts.append(account_row(creator.id, acc))
            continue
        values = dict(row.values)
        creator_id = next(creator_ids)
        creators.append(
            {
                "id": creator_id,
                "display_name": values["display_name"],
                "search_name": values["display_name"].lower(),
                "legal_name": values.get("legal_name"),
                "email": values.get("email"),
                "country": values.get("country"),
                "status": values.get("status") or "prospect",
                "owner_id": values.get("owner_id", default_owner),
                "notes": values.get("notes") or "",
                "custom_fields": values.get("custom_fields") or {},
                "archived": False,
                "created_at": now,
                "updated_at": now,
            }
        )
        tags.extend({"creator_id": creator_id, "tag": t} for t in values.get("tags", []))
        accounts.extend(account_row(creator_id, acc) for acc in row.accounts)
    session.flush()
    for model, batch in ((Creator, creators), (CreatorTag, tags), (Account, accounts)):
        for chunk in _chunks(batch, 5000):
            session.execute(insert(model), chunk)
    session.flush()
    record(
        session,
        actor,
        "creator.import",
        "creator",
        None,
        {"rows": report.rows, "created": report.created, "updated": report.updated},
    )
    report.written = True
    return report


def _text(data: bytes | str) -> str:
    return data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")


def preview_import(
    session: Session, actor: Actor, data: bytes | str, where: previews.Where
) -> tuple[ImportReport, str | None]:
    """Check the file and say what each row would do; a clean file is kept in the upload
    storage (`where`) under a token (see `previews`) until it is confirmed or expires."""
    report = import_creators(session, actor, data, dry_run=True)
    if not report.ok:
        return report, None
    token = previews.store(where, actor.id, _text(data), report.fingerprint())
    return report, token


def confirm_import(
    session: Session, actor: Actor, token: str | None, where: previews.Where
) -> ImportReport:
    """Import the file previewed under `token`, if its plan has not changed since."""
    stored = previews.load(where, token, actor.id)
    report = import_creators(session, actor, stored.data, expect=stored.fingerprint)
    if report.written:
        previews.discard(where, stored.token)
    return report
