"""Reading a creators CSV file into checked rows, without the database: the file checks
(encoding, header, size), each row's field checks with its row number, and the report
that collects them."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from crm.common.csvfiles import csv_text
from crm.common.errors import FieldErrors, Invalid
from crm.common.ids import parse_id
from crm.creators import services
from crm.creators.csvio._common import COLUMNS, unneutralise
from crm.creators.models import Creator

MAX_ROWS = 50_000


@dataclass
class RowError:
    row: int  # spreadsheet row number: the header is row 1
    field: str
    message: str


@dataclass
class RowPlan:
    """What importing one row will do: add a creator, update one (with each field that
    changes, before and after), or nothing because of its errors."""

    row: int
    action: str  # "new" | "update" | "error"
    name: str
    creator_id: int | None = None
    creator_name: str | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    plan: list[RowPlan] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return sum(1 for p in self.plan if p.action == "update" and not p.changes)

    def fingerprint(self) -> str:
        """A digest of the plan: a confirmation imports only what the preview showed."""
        digest = hashlib.sha256()
        for p in self.plan:
            digest.update(repr((p.row, p.action, p.creator_id, p.changes, p.errors)).encode())
        return digest.hexdigest()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    number: int
    values: dict
    accounts: list[dict]
    owner_email: str | None
    creator_id: int | None = None
    target: Creator | None = None
    # Custom field cells (`cf.<key>` columns), checked against the definitions on import.
    custom: dict = field(default_factory=dict)


def read_csv(data: bytes | str) -> list[dict]:
    """Decode and parse; a file that is not a UTF-8 CSV with our header is refused whole."""
    data = csv_text(data)
    reader = csv.DictReader(io.StringIO(data, newline=""))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise Invalid({"file": [f"is not a valid CSV file ({exc})"]}) from None
    if "display_name" not in header:
        raise Invalid({"file": ["needs a header row with at least a display_name column"]})
    unknown = [h for h in header if h not in COLUMNS and not h.startswith("cf.")]
    if unknown:
        raise Invalid(
            {"file": [f"unknown columns: {', '.join(unknown)} (allowed: {', '.join(COLUMNS)})"]}
        )
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if None in row:
                row.pop(None)
            rows.append({k: unneutralise((v or "").strip()) for k, v in row.items()})
            if len(rows) > MAX_ROWS:
                raise Invalid({"file": [f"has more than {MAX_ROWS:,} rows; split it"]})
    except csv.Error as exc:
        raise Invalid({"file": [f"is not a valid CSV file ({exc})"]}) from None
    return rows


def _parse_row(number: int, raw: dict, report: ImportReport) -> _Row:
    errors = FieldErrors()
    data = {k: v for k, v in raw.items() if k in services.CREATOR_FIELDS}
    if data.get("status") == "":
        data.pop("status")  # keep the current status; a new creator starts as prospect
    elif "status" in data:
        data["status"] = data["status"].lower()  # "Active" is active
    values = services.clean_creator(data, errors, partial=True)
    accounts = []
    for part in (raw.get("accounts") or "").split(";"):
        part = part.strip()
        if not part:
            continue
        platform, sep, handle = part.partition(":")
        if not sep:
            errors.add("accounts", f"“{part[:40]}” must be written platform:handle")
            continue
        acc_errors = FieldErrors()
        acc = services.clean_account({"platform": platform, "handle": handle}, acc_errors)
        for messages in acc_errors.errors.values():
            for message in messages:
                errors.add("accounts", f"{part[:40]}: {message}")
        if not acc_errors:
            accounts.append(acc)
    creator_id = None
    if raw.get("id"):
        if parse_id(raw["id"]) is not None:
            creator_id = parse_id(raw["id"])
        else:
            errors.add("id", "must be a creator id (a whole number) or empty")
    owner_email = (raw.get("owner_email") or "").strip().lower() or None
    for name, messages in errors.errors.items():
        for message in messages:
            report.errors.append(RowError(number, name, message))
    row = _Row(number, values, accounts, owner_email, creator_id)
    row.custom = {k[3:]: v for k, v in raw.items() if k.startswith("cf.")}
    return row
