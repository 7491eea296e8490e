"""Creators CSV export: one row per creator, streamed a line at a time."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy.orm import Session

from crm.creators.csvio._common import COLUMNS, neutralise
from crm.creators.custom_fields import list_fields
from crm.creators.listing import CreatorFilters, iter_creators
from crm.creators.models import Creator


def creator_row(creator: Creator) -> list[str]:
    return [
        str(creator.id),
        creator.display_name,
        creator.legal_name or "",
        creator.email or "",
        creator.country or "",
        creator.status,
        creator.owner.email if creator.owner else "",
        "; ".join(creator.tag_names),
        "; ".join(f"{a.platform}:{a.handle}" for a in creator.accounts),
        creator.notes or "",
    ]


def export_lines(session: Session, user, filters: CreatorFilters) -> Iterator[str]:
    """The CSV text, a line at a time (streamable)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    extra = list_fields(session, "creator")
    writer.writerow([*COLUMNS, *(f"cf.{f.key}" for f in extra)])
    yield flush()
    for creator in iter_creators(session, user, filters):
        row = creator_row(creator) + custom_cells(creator, extra)
        writer.writerow([neutralise(cell) for cell in row])
        yield flush()


def custom_cells(creator: Creator, fields: list) -> list[str]:
    """The custom field values as CSV cells (several choices joined with "; ")."""
    values = creator.custom_fields or {}
    out = []
    for f in fields:
        value = values.get(f.key)
        if value is None:
            out.append("")
        elif isinstance(value, list):
            out.append("; ".join(str(v) for v in value))
        else:
            out.append(str(value))
    return out
