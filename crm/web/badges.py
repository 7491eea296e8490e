"""One colour per meaning for every status-like value, so a badge reads the same everywhere.

Templates call `status_badge(value)` from `_macros/badges.html`; the tone comes from here.
Four meanings, so a list can be read by colour alone: ok (green: done, in force, allowed),
waiting (amber: on someone's desk, not yet in force), refused or at risk (red: refused,
ended by force, overdue), neutral (grey: not started, closed quietly). `primary` marks a
published post; priorities keep their own scale (low grey, medium blue, high amber, critical
red).
"""

from __future__ import annotations

_TONES: dict[str, tuple[str, ...]] = {
    "success": ("signed", "active", "approved", "allowed", "resolved", "paid", "done"),
    "warning": (
        "in_review",
        "sent",
        "negotiating",
        "changes_requested",
        "triaged",
        "forwarded",
        "scheduled",
        "contacted",
        "proposed",
        "new",
        "pending",
        "open",
        "due",
        "paused",
        "suspended",
        "constrained",
        "high",
    ),
    "danger": (
        "terminated",
        "revoked",
        "rejected",
        "not_allowed",
        "critical",
        "overdue",
        "failed",
        "do_not_contact",
    ),
    "secondary": (
        "draft",
        "expired",
        "cancelled",
        "completed",
        "low",
        "wont_fix",
        "ended",
        "dismissed",
        "prospect",
        "withdrawn",
    ),
    "primary": ("published",),
    "info": ("medium",),
}

TONE_OF: dict[str, str] = {value: tone for tone, values in _TONES.items() for value in values}


def tone(value: str | None) -> str:
    """The Bootstrap colour name for a status value ("secondary" when it has none)."""
    return TONE_OF.get(value or "", "secondary")
