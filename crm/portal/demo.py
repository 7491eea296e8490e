"""Demo portal logins: the first demo creator's own account and an agent for two others."""

from __future__ import annotations

from datetime import UTC, datetime

from crm.auth.demo import DEMO_PASSWORD
from crm.auth.services import hash_password
from crm.common.registry import DemoLoader
from crm.portal.models import PortalAccount, PortalMembership

DEMO_ACCOUNTS = [
    ("creator@example.com", None, "creator", (0,)),
    ("agent@example.com", "Alex Agent", "representative", (1, 2)),
]


def load(session, context: dict) -> None:
    creators = list(context.get("creators") or [])
    if len(creators) < 3:
        return
    now = datetime.now(UTC)
    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, relation, indexes in DEMO_ACCOUNTS:
        first = creators[indexes[0]]
        account = PortalAccount(
            email=email, name=name or first.display_name, password_hash=password_hash
        )
        session.add(account)
        session.flush()
        for i in indexes:
            session.add(
                PortalMembership(
                    account_id=account.id,
                    creator_id=creators[i].id,
                    relation=relation,
                    accepted_at=now,
                )
            )
        session.flush()
        context.setdefault("logins", []).append((email, f"portal {relation}", DEMO_PASSWORD))


LOADER = DemoLoader("portal", load, order=95)
