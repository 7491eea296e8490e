"""The scheduled job: deliver what is due, every minute."""

from __future__ import annotations

from crm.db import get_db
from crm.webhooks.services import deliver


def deliver_due() -> str:
    return str(deliver(get_db().session_factory))
