"""What the last platform fetch of an account left: its error or its success."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from crm.creators.models import Account
from crm.db import utcnow

if TYPE_CHECKING:
    from crm.metrics.clients import ProviderError


def record_failure(account: Account, error: ProviderError, at: datetime | None = None) -> None:
    """Keep an account's last fetch error (already scrubbed of secrets) and when it happened."""
    at = at or utcnow()
    account.last_error = f"{error.kind}: {error.message}"[:500]
    account.last_error_at = at
    state = dict(account.fetch_state or {})
    state["last_error_kind"] = error.kind
    if getattr(error, "log_id", None):
        state["last_log_id"] = error.log_id
    account.fetch_state = state


def record_success(account: Account, at: datetime | None = None, log_id: str | None = None) -> None:
    at = at or utcnow()
    state = dict(account.fetch_state or {})
    state.pop("last_error_kind", None)
    state["last_ok_at"] = at.isoformat()
    if log_id:
        state["last_log_id"] = log_id
    account.fetch_state = state
    account.last_error = None
    account.last_error_at = None
