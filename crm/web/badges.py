"""One colour per meaning for every status-like value, so a badge reads the same everywhere.

Templates call `status_badge(value)` from `_macros/badges.html`; the tone comes from here:
good (done, in force, allowed), attention (waiting on someone), warning (at risk), bad
(refused, ended by force), neutral (not started, closed quietly), and `primary` for published.
"""

from __future__ import annotations

_TONES: dict[str, tuple[str, ...]] = {
    "success": ("signed", "active", "approved", "allowed", "resolved", "paid", "done"),
    "info": (
        "sent",
        "negotiating",
        "changes_requested",
        "triaged",
        "forwarded",
        "medium",
        "scheduled",
        "contacted",
    ),
    "warning": ("in_review", "suspended", "constrained", "high", "due", "paused", "open"),
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
    ),
    "primary": ("published",),
    "dark": ("withdrawn",),
    "light": ("proposed", "new", "pending"),
}

TONE_OF: dict[str, str] = {value: tone for tone, values in _TONES.items() for value in values}


def tone(value: str | None) -> str:
    """The Bootstrap colour name for a status value ("secondary" when it has none)."""
    return TONE_OF.get(value or "", "secondary")
