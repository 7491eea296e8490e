"""Approving many submissions from the review queue at once.

Each selected item names a submission and the revision the reviewer saw. Every one is its own
decision through `decide` (R5 unchanged: legal only, never on one's own submission, only on
the latest revision), in its own savepoint; a submission whose latest revision has a failed
check is refused and left for a review of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm.approvals.models import Submission
from crm.approvals.services.decisions import decide
from crm.common.actor import Actor
from crm.common.errors import DomainError, Forbidden, Invalid
from crm.common.labels import plural
from crm.common.permissions import LEGAL

MAX_ITEMS = 200


@dataclass
class ApproveOutcome:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def parse_items(raw: Iterable[str]) -> list[tuple[int, int]]:
    """`"<submission id>:<revision number>"` values from the queue's check boxes."""
    out: list[tuple[int, int]] = []
    for value in raw:
        sub, _, rev = str(value).partition(":")
        if not (sub.isdigit() and rev.isdigit() and len(sub) < 19 and len(rev) < 10):
            raise Invalid({"items": ["must be submission:revision pairs"]})
        pair = (int(sub), int(rev))
        if pair not in out:
            out.append(pair)
    if not out:
        raise Invalid({"items": ["select at least one submission"]})
    if len(out) > MAX_ITEMS:
        raise Invalid({"items": [f"{MAX_ITEMS} submissions at most"]})
    return out


def approve_many(
    session: Session, actor: Actor, items: Iterable[tuple[int, int]]
) -> ApproveOutcome:
    if getattr(actor, "role", None) != LEGAL:
        raise Forbidden("Only legal decides on submissions.")
    outcome = ApproveOutcome()
    for submission_id, revision_number in items:
        submission = session.get(Submission, submission_id)
        if submission is None:
            outcome.refused[submission_id] = "no such submission"
            continue
        if submission.latest_revision == revision_number and submission.failed_checks:
            outcome.refused[submission_id] = (
                f"revision {revision_number} has "
                f"{plural(submission.failed_checks, 'failed check')}; review it on its own"
            )
            continue
        try:
            with session.begin_nested():
                decide(session, actor, submission_id, revision_number, "approve", "")
        except DomainError as exc:
            outcome.refused[submission_id] = exc.detail
        else:
            outcome.done.append(submission_id)
    return outcome
