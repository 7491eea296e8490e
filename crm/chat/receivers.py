"""What the chat notifications hear: signals of approvals, feedback and agreements, and the
consent-conflict check (a scheduled job). Each receiver queues messages in the sender's
transaction; nothing is sent until it commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crm.agreements.models import Nda, Product
from crm.chat.services import Announcement, announce
from crm.common.labels import label
from crm.common.money import format_money
from crm.common.timeutil import org_today
from crm.creators.models import Creator


def _creator_name(session: Session, creator_id: int) -> str:
    creator = session.get(Creator, creator_id)
    return creator.display_name if creator is not None else f"creator #{creator_id}"


def _actor_name(actor: Any) -> str:
    return getattr(actor, "name", None) or "the system"


def on_decision(submission: Any, *, session: Session, actor: Any, decision: Any, **_: Any) -> None:
    decided = label(decision.decision, "submission_decision")
    announce(
        session,
        Announcement(
            "decision_recorded",
            f"decision:{decision.id}",
            f"{decided}: “{submission.title}” ({_creator_name(session, submission.creator_id)}, "
            f"{label(submission.platform, 'platform')}), revision {decision.revision_number}, "
            f"by {_actor_name(actor)}.",
        ),
    )


def on_feedback(note: Any, *, session: Session, actor: Any, **_: Any) -> None:
    if note.severity != "critical":
        return
    product = session.get(Product, note.product_id)
    announce(
        session,
        Announcement(
            "critical_feedback",
            f"feedback:{note.id}",
            f"Critical feedback on {product.name if product else 'a product'}: “{note.title}” "
            f"from {_creator_name(session, note.creator_id)} ({note.category.replace('_', ' ')}).",
        ),
    )


def on_nda_ended(
    nda: Nda, *, session: Session, actor: Any, reason: str, suspended: list, **_: Any
) -> None:
    for grant in suspended:
        product = session.get(Product, grant.product_id)
        money = ""
        if grant.monthly_value_minor is not None and grant.currency:
            money = f"Monthly value: {format_money(grant.monthly_value_minor, grant.currency)}."
        announce(
            session,
            Announcement(
                "grant_suspended",
                f"grant-suspended:{grant.id}:{nda.id}",
                f"Grant #{grant.id} suspended: {product.name if product else 'a product'} for "
                f"{_creator_name(session, grant.creator_id)} (NDA #{nda.id} {reason}).",
                money,
            ),
        )


def announce_consent_conflicts(session: Session) -> int:
    """Queue a message for each open consent conflict not told before (keyed by creator,
    site, use and source)."""
    from crm.licensing.signals_scan import conflicts

    queued = 0
    for found in conflicts(session, org_today()):
        key = (f"conflict:{found['creator_id']}:{found['use']}:{found['source']}:{found['site']}")[
            :200
        ]
        queued += announce(
            session,
            Announcement(
                "consent_conflict",
                key,
                f"Consent conflict: {found['site']} ({found['source']}), a site of "
                f"{_creator_name(session, found['creator_id'])}, refuses "
                f"{found['use'].replace('_', ' ')}, which we record as {found['recorded']}.",
            ),
        )
    return queued
