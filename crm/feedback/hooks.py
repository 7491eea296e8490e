"""What feedback adds to other pages: the home panel, the creator section and timeline."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.common.labels import label
from crm.common.permissions import EDITORS
from crm.common.registry import TimelineEntry
from crm.feedback import services
from crm.feedback.models import CATEGORY_LABELS, STATUS_LABELS, Feedback


def home_panel(session, user) -> dict | None:
    notes, total = services.new_critical(session, limit=5)
    if not total:
        return None
    return {"notes": notes, "total": total}


def creator_section(session, creator, user) -> dict | None:
    notes, total = services.creator_notes(session, creator.id, limit=10)
    return {
        "notes": notes,
        "total": total,
        "can_add": user.role in EDITORS,
        "status_labels": STATUS_LABELS,
        "category_labels": CATEGORY_LABELS,
    }


def timeline_entries(session, creator, user, limit: int) -> list[TimelineEntry]:
    notes = session.scalars(
        select(Feedback)
        .where(Feedback.creator_id == creator.id)
        .options(joinedload(Feedback.product))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(limit)
    ).all()
    return [
        TimelineEntry(
            at=note.created_at,
            kind="feedback",
            title=f"Feedback on {note.product.name}: {note.title}",
            detail=(
                f"{label(note.category, 'feedback_category')}, "
                f"{label(note.severity, 'feedback_severity').lower()} "
                f"· {label(note.status, 'feedback_status')}"
            ),
            url=url_for("feedback.detail", note_id=note.id),
        )
        for note in notes
    ]
