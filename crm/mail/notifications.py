"""What every event email needs, whatever domain sends it.

A domain that emails people on an event (approvals: a decision; reminders: a task assigned)
keeps that email in its own module and builds it with these helpers and
`crm.mail.services.enqueue`, inside the caller's transaction (so the email exists exactly
when the change committed) and with a deterministic idempotency key (so the same event
never sends twice).

`url` arguments may be absolute or a path ("/submissions/7"): paths are joined to
`CRM_BASE_URL` (an app context is needed for that, as in views, jobs and CLI commands).
"""

from __future__ import annotations

import unicodedata

from crm.mail.rendering import Links, current_links


def subject_line(text: str, limit: int = 300) -> str:
    """A one-line subject from user text (titles, names): control and line-separator
    characters become spaces, so a title with a CR/LF queues a clean email instead of
    making `enqueue` refuse the header (which would fail the action that sent it)."""
    cleaned = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text or ""
    )
    return " ".join(cleaned.split())[:limit]


def absolute_url(url: str | None) -> str | None:
    """A path made absolute with `CRM_BASE_URL` (kept as it is outside an app context)."""
    if not url:
        return None
    links = current_links()
    return links.absolute(url) if links else url


def base_url() -> str | None:
    """`CRM_BASE_URL`, or None when it is not set or there is no app context."""
    links = current_links()
    return links.base_url if links and links.base_url else None


def page_url(endpoint: str, **values) -> str | None:
    """The absolute URL of one of the app's pages, or None outside an app context."""
    links: Links | None = current_links()
    return links(endpoint, **values) if links is not None else None
