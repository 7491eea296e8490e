"""The audit log as people read it: "Status: Draft → Sent", not `{"status": ["draft", "sent"]}`.

Events store what the services recorded (a field's [before, after] pair for a change, or the
value alone for a creation); the JSON API returns that as it is. The page turns each field
into one line with the field's name in words and coded values through the label table, and
leaves free text (titles, notes, addresses) as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit.models import AuditEvent
from crm.audit.services import shown_changes
from crm.common.labels import LABELS, humanize, kind_for, label

# Field names whose words are not the name with its underscores gone.
_FIELD_WORDS = {
    "owner_id": "Owner",
    "user_id": "User",
    "creator_id": "Creator",
    "product_id": "Product",
    "grant_id": "Grant",
    "grant_ids": "Grants",
    "nda_id": "NDA",
    "deal_id": "Deal",
    "work_id": "Work",
    "work_ids": "Works",
    "licence_id": "Licence",
    "assignee_id": "Assignee",
    "fee_minor": "Fee",
    "in_kind_value_minor": "In-kind value",
    "amount_minor": "Amount",
    "monthly_value_minor": "Monthly value",
    "url": "Address",
    "ip": "IP address",
    "sha256": "SHA-256",
    "via": "Via",
}
_VERBS = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "archive": "archived",
    "restore": "restored",
    "revoke": "revoked",
    "erase": "erased",
    "sign": "signed",
    "send": "sent",
    "expire": "expired",
    "terminate": "terminated",
    "suspend": "suspended",
    "resume": "resumed",
    "approve": "approved",
    "reject": "rejected",
    "publish": "published",
    "withdraw": "withdrawn",
    "submit": "submitted for review",
    "reopen": "back to review",
    "request_changes": "changes requested",
    "add_revision": "new revision",
    "activate": "activated",
    "deactivate": "deactivated",
    "role_change": "role changed",
    "password_change": "password changed",
    "password_reset": "password reset",
    "profile_update": "profile updated",
    "success": "succeeded",
    "failure": "failed",
    "reauth": "signed in again",
    "reauth_failure": "failed to sign in again",
    "resolve": "resolved",
    "snooze": "snoozed",
    "reassign": "reassigned",
    "done": "done",
    "dismiss": "dismissed",
}
_ENTITY_WORDS = {
    "user": "User",
    "api_token": "API token",
    "login": "Sign-in",
    "logout": "Sign-out",
    "creator": "Creator",
    "account": "Channel",
    "portal_account": "Portal account",
    "nda": "NDA",
    "grant": "Grant",
    "deal": "Deal",
    "payment": "Payment",
    "product": "Product",
    "submission": "Submission",
    "decision": "Decision",
    "feedback": "Feedback",
    "work": "Work",
    "consent": "Consent",
    "release": "Release",
    "licence": "Licence",
    "payout": "Payout",
    "fund_run": "Fund run",
    "custom_field": "Custom field",
    "webhook": "Webhook",
    "chat_channel": "Chat channel",
    "snapshot": "Audience snapshot",
    "bulk_job": "Bulk change",
    "reminder": "Task",
    "token": "API token",
    "approval_settings": "Review settings",
}
ENTITIES = tuple(sorted(_ENTITY_WORDS, key=lambda e: _ENTITY_WORDS[e]))


@dataclass(frozen=True)
class ChangeLine:
    field: str
    before: str | None  # None for a value recorded alone (a creation)
    after: str


def field_words(name: str) -> str:
    if name in _FIELD_WORDS:
        return _FIELD_WORDS[name]
    if name.endswith("_id"):
        return humanize(name[:-3])
    return humanize(name)


def entity_words(entity: str) -> str:
    return _ENTITY_WORDS.get(entity) or humanize(entity)


def action_words(action: str) -> str:
    """ "nda.update" → "NDA updated"; "login.success" → "Sign-in succeeded"."""
    head, _, verb = action.partition(".")
    if not verb:
        return entity_words(head)
    done = _VERBS.get(verb) or verb.replace("_", " ")
    return f"{entity_words(head)} {done}"


def value_words(entity: str, field: str, value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    kind = kind_for(entity, field)
    if isinstance(value, list):
        return ", ".join(value_words(entity, field, v) for v in value) or "(none)"
    if isinstance(value, dict):
        return "; ".join(
            f"{field_words(str(k))}: {value_words(entity, str(k), v)}" for k, v in value.items()
        )
    if kind is not None and kind in LABELS and isinstance(value, str):
        return label(value, kind)
    return str(value)


def change_lines(event: AuditEvent, user: Any) -> list[ChangeLine]:
    """One line per field the event records, as `user` may see it."""
    lines = []
    for name, value in shown_changes(event, user).items():
        if _is_pair(name, value):
            before, after = value
            lines.append(
                ChangeLine(
                    field_words(name),
                    value_words(event.entity, name, before),
                    value_words(event.entity, name, after),
                )
            )
        else:
            lines.append(
                ChangeLine(field_words(name), None, value_words(event.entity, name, value))
            )
    return lines


_LIST_FIELDS = ("_ids", "uses", "media", "tags", "sites", "products", "co_holders", "events")


def _is_pair(name: str, value: Any) -> bool:
    """A change is stored as [before, after]. A field that holds a list itself, recorded
    alone at creation, may also have two items: its change is a pair of lists (or None)."""
    if not isinstance(value, list) or len(value) != 2:
        return False
    if name.endswith(_LIST_FIELDS):
        return all(v is None or isinstance(v, list) for v in value)
    return True


def user_choices(session: Session, limit: int = 500) -> list[tuple[int, str]]:
    """The people an audit event may name, for the "who" filter (staff accounts are few;
    the list stops at `limit`). The users table is read through the metadata: the audit
    log sits below the accounts domain and does not import it."""
    users = AuditEvent.metadata.tables["users"]
    rows = session.execute(
        select(users.c.id, users.c.name, users.c.email)
        .order_by(users.c.name, users.c.id)
        .limit(limit)
    )
    return [(row.id, f"{row.name} ({row.email})" if row.name else row.email) for row in rows]
