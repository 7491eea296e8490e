"""CSV import of an account's history: every row checked first, then one upsert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.csvfiles import CsvReader
from crm.common.errors import FieldErrors, Invalid
from crm.common.ids import parse_id
from crm.creators import identity
from crm.creators.models import Account
from crm.metrics.services.manual import parse_count
from crm.metrics.services.snapshots import METRICS, SnapshotRow, upsert_rows

MAX_IMPORT_ROWS = 100_000
MAX_REPORTED_ERRORS = 100


@dataclass
class ImportResult:
    rows: int
    accounts: int


def _handle_key(handle: str) -> str:
    return identity.handle_key(handle)


def import_history_csv(
    session: Session, actor: Actor, data: bytes | str, *, today: date
) -> ImportResult:
    """Import snapshot history from CSV, all or nothing.

    Columns: `account_id` or `platform` + `handle`, then `date` (YYYY-MM-DD), `followers`,
    `views`, `posts` (blank = unknown). Every bad row is reported (as "line N"), and nothing
    is written unless every row is valid. Imported rows replace that day's figures.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid({"file": ["must be a UTF-8 CSV file"]}) from None
    reader = CsvReader(data)
    header = {(h or "").strip().lower() for h in reader.fieldnames or []}
    if "date" not in header or not ("account_id" in header or {"platform", "handle"} <= header):
        raise Invalid(
            {"file": ["needs a header row with date and account_id (or platform and handle)"]}
        )
    errors = FieldErrors()
    parsed: list[tuple[int, dict]] = []
    wanted_ids: set[int] = set()
    wanted_handles: set[tuple[str, str]] = set()
    for line, raw in enumerate(reader, start=2):
        if len(parsed) >= MAX_IMPORT_ROWS:
            raise Invalid({"file": [f"has more than {MAX_IMPORT_ROWS} rows; split it"]})
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        where = f"line {line}"
        local = FieldErrors()
        item: dict = {}
        if row.get("account_id"):
            if parse_id(row["account_id"]) is None:
                local.add(where, "account_id must be a whole number")
            else:
                item["account_id"] = parse_id(row["account_id"])
                wanted_ids.add(item["account_id"])
        elif row.get("platform") and row.get("handle"):
            item["key"] = (row["platform"].lower(), _handle_key(row["handle"]))
            wanted_handles.add(item["key"])
        else:
            local.add(where, "needs account_id, or platform and handle")
        try:
            item["day"] = date.fromisoformat(row.get("date", ""))
            if item["day"] > today:
                local.add(where, "date must not be in the future")
        except ValueError:
            local.add(where, "date must be a date YYYY-MM-DD")
        for name in METRICS:
            item[name] = parse_count(row.get(name), where, local, prefix=f"{name} ")
        for field, messages in local.errors.items():
            for message in messages:
                errors.add(field, message)
        if not local:
            parsed.append((line, item))
    if not parsed and not errors:
        raise Invalid({"file": ["has no rows"]})

    by_id: dict[int, int] = {}
    if wanted_ids:
        ids = sorted(wanted_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            by_id.update(
                {i: i for i in session.scalars(select(Account.id).where(Account.id.in_(chunk)))}
            )
    by_key: dict[tuple[str, str], int] = {}
    if wanted_handles:
        keys = sorted({k for _p, k in wanted_handles})
        for start in range(0, len(keys), 500):
            key_chunk = keys[start : start + 500]
            for acc_id, platform, key in session.execute(
                select(Account.id, Account.platform, Account.handle_key).where(
                    Account.handle_key.in_(key_chunk)
                )
            ):
                by_key[(platform, key)] = acc_id

    rows: list[SnapshotRow] = []
    seen: dict[tuple[int, date], int] = {}
    for line, item in parsed:
        where = f"line {line}"
        if "account_id" in item:
            account_id = by_id.get(item["account_id"])
            if account_id is None:
                errors.add(where, f"no account with id {item['account_id']}")
                continue
        else:
            account_id = by_key.get(item["key"])
            if account_id is None:
                errors.add(where, f"no {item['key'][0]} account with handle {item['key'][1]}")
                continue
        first = seen.setdefault((account_id, item["day"]), line)
        if first != line:
            errors.add(where, f"repeats the account and date of line {first}")
            continue
        rows.append(SnapshotRow(account_id, item["day"], *(item[m] for m in METRICS)))
    if len(errors.errors) > MAX_REPORTED_ERRORS:
        shown = dict(list(errors.errors.items())[:MAX_REPORTED_ERRORS])
        shown["file"] = [f"and {len(errors.errors) - MAX_REPORTED_ERRORS} more rows with errors"]
        raise Invalid(shown)
    errors.raise_if_any()
    upsert_rows(session, rows, "import")
    accounts = len({r.account_id for r in rows})
    record(
        session,
        actor,
        "snapshot.import",
        "snapshot",
        None,
        {"rows": len(rows), "accounts": accounts},
    )
    return ImportResult(rows=len(rows), accounts=accounts)
