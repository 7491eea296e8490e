"""How agreements reacts to events (connected by `crm.agreements.register`). Receivers run
inside the sender's transaction: they add rows and flush.

- `nda_ended` (agreements, R2): each grant suspended because its NDA ended becomes a task
  for the creator's owner: renew the NDA or revoke the grant.
- `erasure_check` (creators): the NDAs and deals in force make an erasure need an admin's
  confirmation (the contract may still need the legal name).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm.agreements.models import Deal, Nda
from crm.common.timeutil import org_today
from crm.creators.reminder_rules import remind_about

DEALS_IN_FORCE = ("signed", "active")


def task_for_suspended_grants(nda, *, session: Session, suspended, **_kwargs) -> None:
    for grant in suspended:
        remind_about(
            session,
            grant.creator_id,
            title=f"Grant #{grant.id} was suspended: its NDA ended. Renew the NDA or revoke.",
            due_on=org_today(),
            subject=("grant", grant.id),
            rule="grant-suspended",
            dedupe_key=f"grant-suspended:{grant.id}:{grant.nda_id}",
        )


def agreements_in_force(creator, *, session: Session, today: date, **_kwargs) -> list[str]:
    """Human labels of the NDAs and deals that bind this creator today."""
    labels = []
    ndas = session.scalars(
        select(Nda).where(Nda.creator_id == creator.id, Nda.status == "signed").order_by(Nda.id)
    )
    labels += [f"NDA #{n.id}" for n in ndas if n.in_force_on(today)]
    deals = session.scalars(
        select(Deal)
        .where(
            Deal.creator_id == creator.id,
            Deal.status.in_(DEALS_IN_FORCE),
            or_(Deal.ends_on.is_(None), Deal.ends_on >= today),
        )
        .order_by(Deal.id)
    )
    labels += [f"deal #{d.id} ({d.status})" for d in deals]
    return labels
