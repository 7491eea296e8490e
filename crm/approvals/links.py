"""How other domains name and link a submission (`RecordLink("submission", …)`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.approvals.models import Submission
from crm.common.registry import RecordLink, request_url


def _submissions(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
    rows = session.execute(select(Submission.id, Submission.title).where(Submission.id.in_(ids)))
    return {
        row.id: (
            f"Submission “{row.title}”",
            request_url("approvals.detail", submission_id=row.id),
        )
        for row in rows
    }


LINKS = (RecordLink("submission", _submissions),)
