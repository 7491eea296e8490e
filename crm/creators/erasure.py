"""Erase a creator's personal data on request (the right to erasure).

What goes: the display name (replaced by "Erased creator #<id>"), legal name, email,
country, notes, tags, every representative (deleted), every account's handle, profile
address, external id, last fetch error and fetch state (the platform and the audience
figures stay: numbers without a name), and every interaction's summary. The creator row
itself stays, archived and marked do-not-contact, so agreements, submissions and audience
history keep their links and totals.

Who: an admin only (it cannot be undone). While an NDA or a deal is in force the erasure is
refused unless the admin confirms (`confirm_in_force=True`): the contract may still need the
legal name. What is in force is asked of the other domains with the `erasure_check` signal
(agreements answers); once the creators' own rows are scrubbed, `creator_erased` lets every
higher domain scrub the personal data it keeps, and the reminders' task titles that name the
creator are renamed (`crm.reminders.services.rename_in_titles`).

The audit trail keeps *that* the erasure happened, when and by whom ("creator.erase", with
counts and field names only), and loses the personal data it held: earlier events about this
creator (entity "creator", its id) had names, emails, handles and notes in `changes`. Audit
events are append-only at the ORM level (crm.audit.models refuses ORM updates), so those
fields are overwritten here with one deliberate Core UPDATE per event on the audit table,
replacing only the personal values by "[erased]" and keeping every other field, the action,
the actor and the time. This is the only place that rewrites audit rows.

Left as they are (described in docs/OPERATIONS.md): free text other people wrote elsewhere
(feedback notes, submission captions, emails already sent or queued) and database backups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import cast

from sqlalchemy import Table, bindparam, delete, exists, select, update
from sqlalchemy.orm import Session

from crm.audit.models import AuditEvent
from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, Forbidden
from crm.common.permissions import ADMIN
from crm.creators.models import Account, Creator, Interaction, Representative
from crm.creators.signals import creator_erased, erasure_check
from crm.db import rowcount, utcnow
from crm.reminders.services import rename_in_titles

ERASED = "[erased]"
# Keys of audit `changes` that held personal data in the creators domain's events.
PERSONAL_KEYS = frozenset(
    {
        "display_name",
        "search_name",
        "legal_name",
        "email",
        "country",
        "notes",
        "tags",
        "name",
        "agency",
        "phone",
        "handle",
        "handle_key",
        "handle_skeleton",
        "url",
        "external_id",
        "summary",
    }
)
# What the "creator.erase" event lists (names of fields, never their values).
ERASED_FIELDS = [
    "accounts",
    "country",
    "display_name",
    "email",
    "interactions",
    "legal_name",
    "notes",
    "representatives",
    "tags",
]


@dataclass
class ErasureReport:
    creator_id: int
    accounts: int = 0
    representatives: int = 0
    interactions: int = 0
    tags: int = 0
    reminders: int = 0
    audit_events_scrubbed: int = 0
    in_force: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "creator_id": self.creator_id,
            "accounts": self.accounts,
            "representatives": self.representatives,
            "interactions": self.interactions,
            "tags": self.tags,
            "reminders": self.reminders,
            "audit_events_scrubbed": self.audit_events_scrubbed,
            "in_force": self.in_force,
        }


def erased_name(creator_id: int) -> str:
    return f"Erased creator #{creator_id}"


def is_erased(session: Session, creator_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    AuditEvent.action == "creator.erase",
                    AuditEvent.entity == "creator",
                    AuditEvent.entity_id == str(creator_id),
                )
            )
        )
    )


def still_in_force(session: Session, creator: Creator, today: date) -> list[str]:
    """Labels of what still binds this creator today (NDAs, deals …), from every domain
    connected to `erasure_check`."""
    labels: list[str] = []
    for _receiver, found in erasure_check.send(creator, session=session, today=today):
        labels += list(found or [])
    return labels


def scrub(value):
    """A copy of audit `changes` with every personal value replaced by "[erased]"."""
    if isinstance(value, dict):
        return {k: (ERASED if k in PERSONAL_KEYS else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _scrub_audit(session: Session, creator_id: int) -> int:
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.changes).where(
            AuditEvent.entity == "creator",
            AuditEvent.entity_id == str(creator_id),
            AuditEvent.action != "creator.erase",
        )
    ).all()
    params = []
    for event_id, changes in rows:
        cleaned = scrub(changes or {})
        if cleaned != (changes or {}):
            params.append({"event_id": event_id, "new_changes": cleaned})
    if params:
        # Deliberately Core, on the table: the ORM refuses to update audit events.
        table = cast(Table, AuditEvent.__table__)  # declared as a FromClause; it is a Table
        session.execute(
            update(table)
            .where(table.c.id == bindparam("event_id"))
            .values(changes=bindparam("new_changes")),
            params,
        )
    return len(params)


def erase_creator(
    session: Session,
    actor: Actor,
    creator: Creator,
    *,
    today: date,
    confirm_in_force: bool = False,
) -> ErasureReport:
    if getattr(actor, "role", None) != ADMIN:
        raise Forbidden("Only an admin can erase a creator's personal data.")
    if is_erased(session, creator.id):
        raise Conflict("This creator's personal data has already been erased.")
    report = ErasureReport(creator.id)
    report.in_force = still_in_force(session, creator, today)
    if report.in_force and not confirm_in_force:
        raise Conflict(
            f"{', '.join(report.in_force)} still in force for this creator: the contract may "
            "need the legal name. An admin must confirm to erase anyway."
        )
    old_name = creator.display_name

    accounts = list(session.scalars(select(Account).where(Account.creator_id == creator.id)))
    for account in accounts:
        account.handle = account.handle_key = f"erased-{account.id}"
        account.handle_skeleton = f"erased-{account.id}"
        account.url = None
        account.external_id = None
        account.last_error = None
        account.fetch_state = None
    report.accounts = len(accounts)
    report.representatives = (
        rowcount(
            session.execute(delete(Representative).where(Representative.creator_id == creator.id))
        )
        or 0
    )
    report.interactions = (
        rowcount(
            session.execute(
                update(Interaction)
                .where(Interaction.creator_id == creator.id)
                .values(summary=ERASED)
                .execution_options(synchronize_session=False)
            )
        )
        or 0
    )
    report.tags = len(creator.tags)
    creator.tags = []  # delete-orphan: the tag rows go at the next flush

    creator.display_name = erased_name(creator.id)
    creator.search_name = creator.display_name.lower()
    creator.legal_name = None
    creator.email = None
    creator.country = None
    creator.notes = ""
    creator.status = "do_not_contact"
    if not creator.archived:
        creator.archived = True
        creator.archived_at = utcnow()
    creator.updated_at = utcnow()
    report.reminders = rename_in_titles(session, creator.id, old_name, creator.display_name)
    session.flush()
    counts: dict = {}
    creator_erased.send(creator, session=session, actor=actor, counts=counts)
    session.flush()

    report.audit_events_scrubbed = _scrub_audit(session, creator.id)
    record(
        session,
        actor,
        "creator.erase",
        "creator",
        creator.id,
        {
            "erased": ERASED_FIELDS,
            "accounts": report.accounts,
            "representatives": report.representatives,
            "interactions": report.interactions,
            "audit_events_scrubbed": report.audit_events_scrubbed,
            "confirmed_in_force": bool(report.in_force),
            **counts,
        },
    )
    session.flush()
    return report
