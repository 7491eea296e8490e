"""What the agreements services share: lifecycles, field parsing, the creator lookup."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from crm.common import money
from crm.common.errors import Conflict, FieldErrors, Invalid
from crm.common.labels import phrase
from crm.common.states import StateMachine
from crm.creators.models import Creator

# One lifecycle per aggregate; each action is the state it leads to. People move NDAs along
# theirs; `expired` is reached only through `expire_ndas` (the dates decide), never by hand.
NDA_TRANSITIONS = StateMachine.by_target(
    "NDA",
    {
        "draft": ("sent",),
        "sent": ("draft", "signed", "terminated"),
        "signed": ("terminated",),
        "expired": (),
        "terminated": (),
    },
)
DEAL_TRANSITIONS = StateMachine.by_target(
    "deal",
    {
        "proposed": ("negotiating", "signed", "cancelled"),
        "negotiating": ("proposed", "signed", "cancelled"),
        "signed": ("active", "cancelled"),
        "active": ("completed", "cancelled"),
        "completed": (),
        "cancelled": (),
    },
)
# Grants: revoke has its own action with a reason; expiry and suspension are the system's.
GRANT_TRANSITIONS = StateMachine.by_target(
    "grant",
    {
        "active": ("revoked",),
        "suspended": ("active", "revoked"),
        "revoked": (),
        "expired": (),
    },
)
NDA_EDITABLE = ("draft", "sent", "signed")


class _Unset(Enum):
    """A keyword left out, as distinct from one given as None."""

    UNSET = "unset"


_UNSET = _Unset.UNSET
Amount = str | int | Decimal | None  # a decimal amount as it arrives (form, JSON, code)
MAX_TEXT = 20000


def _refuse_transition(lifecycle: StateMachine, current: str, target: str) -> None:
    """Conflict unless `lifecycle` allows moving from `current` to `target`; the message
    names the record by the lifecycle's name and lists what is allowed instead."""
    if not lifecycle.allows(current, target):
        kind = f"{lifecycle.name.lower()}_status"
        allowed = [phrase(t, kind) for t in lifecycle.targets(current)]
        options = ", ".join(allowed) if allowed else "none (it is final)"
        now, then = phrase(current, kind), phrase(target, kind)
        raise Conflict(
            f"Cannot change this {lifecycle.name} from {now} to {then}. "
            f"Allowed from {now}: {options}."
        )


def _dec(minor: int | None, currency: str | None) -> str | None:
    """An amount in minor units as a decimal string; None when there is none."""
    return None if minor is None or not currency else money.to_decimal_string(minor, currency)


def _money_field(
    errors: FieldErrors, field: str, amount: Amount, currency: str | None, *, positive: bool = True
) -> int | None:
    """Parse one decimal-string amount of the given currency; None when empty."""
    if amount in (None, ""):
        return None
    if not currency:
        errors.add("currency", "is required with an amount")
        return None
    try:
        minor = money.to_minor(amount, currency)
    except money.MoneyError as exc:
        errors.add(field, str(exc))
        return None
    if positive and minor <= 0:
        errors.add(field, "must be above zero")
    elif minor < 0:
        errors.add(field, "cannot be negative")
    return minor


def _currency(errors: FieldErrors, currency: str | None) -> str | None:
    if currency in (None, ""):
        return None
    try:
        return money.validate_currency(currency)
    except money.MoneyError as exc:
        errors.add("currency", str(exc))
        return None


def _text(errors: FieldErrors, field: str, value: str | None, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors.add(field, f"must be at most {limit} characters")
    return value


def _creator(session: Session, creator_id: object) -> Creator:
    creator = session.get(Creator, creator_id) if isinstance(creator_id, int) else None
    if creator is None:
        raise Invalid({"creator_id": ["is not a known creator"]})
    return creator


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}
