"""CSV import of works in the media manager: preview every row, then confirm.

The file has the header `title,url,kind` and any of `sha256, description, tags, language,
duration_s, width, height, people_present, property_present, created_on` (tags separated by
`;`). The preview says of each row whether it is new, a duplicate (the address is already
one of the creator's works, someone else's, or an earlier row) or an error, and why — with
the licensing domain's own checks (`check_works`), so the preview and the import never
disagree. A file without errors and with something new is kept on the server under a
token, for this creator and account only, for `PREVIEW_TTL` (the staff creators import's
previews, crm.creators.csvio.previews); confirming imports its new rows, all or none, only
if the plan is still the one the preview showed. Works start with rights `unknown`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm.common.actor import CreatorActor
from crm.common.csvfiles import csv_text
from crm.common.errors import Conflict, Invalid
from crm.creators.csvio import previews
from crm.creators.csvio._common import unneutralise
from crm.licensing.models import Work
from crm.licensing.services import create_works
from crm.licensing.services.works import check_works
from crm.portal.services import activity

SOURCE = "creator_request"
MAX_BYTES = 1024 * 1024
MAX_ROWS = 1000
REQUIRED = ("title", "url", "kind")
OPTIONAL = (
    "sha256",
    "description",
    "tags",
    "language",
    "duration_s",
    "width",
    "height",
    "people_present",
    "property_present",
    "created_on",
)
COLUMNS = REQUIRED + OPTIONAL


@dataclass
class PreviewRow:
    line: int  # the CSV line: the header is line 1
    action: str  # "new" | "duplicate" | "error"
    title: str
    url: str
    kind: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class WorksPreview:
    rows: list[PreviewRow]
    token: str | None = None

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def new(self) -> int:
        return self.count("new")

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for r in self.rows:
            digest.update(repr((r.line, r.action, r.url, r.reasons)).encode())
        return digest.hexdigest()


def owner_key(actor: CreatorActor) -> str:
    """Whose preview it is: this account acting for this creator (never a staff user id)."""
    return f"portal:{actor.creator_id}:{actor.account_id}"


def read_rows(data: bytes | str) -> list[dict[str, str]]:
    """Decode and parse; a file that is too big, not UTF-8 text or without our header is
    refused whole (the field `file`)."""
    if isinstance(data, bytes) and len(data) > MAX_BYTES:
        raise Invalid({"file": [f"is larger than {MAX_BYTES // 1024} KB; split it"]})
    data = csv_text(data)
    reader = csv.DictReader(io.StringIO(data, newline=""))
    try:
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise Invalid(
                {"file": [f"needs a header row with {', '.join(REQUIRED)} (missing: "
                          f"{', '.join(missing)})"]}
            )  # fmt: skip
        unknown = [h for h in header if h not in COLUMNS]
        if unknown:
            raise Invalid(
                {"file": [f"unknown columns: {', '.join(unknown)} (allowed: "
                          f"{', '.join(COLUMNS)})"]}
            )  # fmt: skip
        reader.fieldnames = header
        rows = []
        for row in reader:
            # Cells past the header (a None key) are dropped with `if k`.
            rows.append({k: unneutralise((v or "").strip()) for k, v in row.items() if k})
            if len(rows) > MAX_ROWS:
                raise Invalid({"file": [f"has more than {MAX_ROWS:,} rows; split it"]})
    except csv.Error as exc:
        raise Invalid({"file": [f"line {reader.line_num}: not valid CSV ({exc})"]}) from None
    if not rows:
        raise Invalid({"file": ["has no rows below the header"]})
    return rows


def _items(actor: CreatorActor, rows: list[dict[str, str]]) -> list[dict]:
    items = []
    for row in rows:
        item: dict = {k: v for k, v in row.items() if v != ""}
        item["creator_id"] = actor.creator_id
        item["title"] = row.get("title", "")
        item["url"] = row.get("url", "")
        item["kind"] = (row.get("kind") or "").lower()
        items.append(item)
    return items


def plan(session: Session, actor: CreatorActor, rows: list[dict[str, str]]) -> WorksPreview:
    """What importing each row would do, without writing."""
    items = _items(actor, rows)
    out = []
    for n, (row, check) in enumerate(zip(rows, check_works(session, items), strict=True)):
        line = n + 2
        shown = (row.get("title", ""), row.get("url", ""), row.get("kind", ""))
        if check.errors:
            out.append(PreviewRow(line, "error", *shown, reasons=check.errors))
        elif check.duplicate_of_item is not None:
            earlier = check.duplicate_of_item + 2
            out.append(
                PreviewRow(line, "duplicate", *shown, [f"the same address as line {earlier}"])
            )
        elif check.duplicate_work is not None:
            work = check.duplicate_work
            reason = (
                f"already one of your works (“{work.title}”)"
                if work.creator_id == actor.creator_id
                else "this address is already registered as a work"
            )
            out.append(PreviewRow(line, "duplicate", *shown, [reason]))
        else:
            out.append(PreviewRow(line, "new", *shown))
    return WorksPreview(out)


def preview(
    session: Session, actor: CreatorActor, data: bytes, upload_dir: previews.Where
) -> tuple[WorksPreview, str]:
    """Check the file and plan every row; a file with no errors and something new is kept
    under a token (returned with the preview) until confirmed. Returns the decoded text too
    for the caller's page."""
    rows = read_rows(data)
    found = plan(session, actor, rows)
    text = data.decode("utf-8-sig")
    if not found.errors and found.new:
        found.token = previews.store(upload_dir, owner_key(actor), text, found.fingerprint())
    return found, text


def confirm(
    session: Session, actor: CreatorActor, token: str | None, upload_dir: previews.Where
) -> list[Work]:
    """Import the new rows of the file previewed under `token`, all or none, if its plan
    is still the one shown; duplicates are left out."""
    stored = previews.load(upload_dir, token, owner_key(actor))
    rows = read_rows(stored.data)
    found = plan(session, actor, rows)
    if found.fingerprint() != stored.fingerprint:
        raise Conflict(
            "Your works changed since this preview (an address was registered meanwhile); "
            "upload the file again to see the new preview."
        )
    items = _items(actor, rows)
    new = [item for item, row in zip(items, found.rows, strict=True) if row.action == "new"]
    works = create_works(session, actor, new, indexed=True, source=SOURCE)
    activity.note(
        session, actor, "work.import", f"imported {len(works)} works from a CSV file", "work", None
    )
    previews.discard(upload_dir, stored.token)
    return works
