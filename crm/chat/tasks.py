"""The scheduled jobs: deliver due chat messages; look for new consent conflicts."""

from __future__ import annotations

from crm.chat import receivers, services
from crm.db import get_db, session_scope


def deliver_due() -> str:
    return str(services.deliver(get_db().session_factory))


def consent_conflicts() -> str:
    with session_scope() as session:
        return f"{receivers.announce_consent_conflicts(session)} queued"
