"""A seeded world for fuzzing: the demo data, loaded once, every example rolled back.

The package loads every domain's demo data (so path ids point at real creators, NDAs,
submissions…) and commits it; each fuzzed request then runs in its own transaction on the
same connection, rolled back afterwards, so one example's writes never change what the next
one sees. At the end every table is emptied again, leaving the database as the rest of the
suite expects it. (One outer transaction with a savepoint per example would pile up
thousands of subtransactions, which makes PostgreSQL crawl.)
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from crm.common.registry import registry
from crm.db import Base, get_db

ROLES = ("admin", "manager", "legal", "viewer")
DEMO_EMAILS = {
    "admin": "admin@example.com",
    "manager": "manager@example.com",
    "legal": "legal@example.com",
    "viewer": "viewer@example.com",
}
# Path parameter name → table whose ids fill it.
ID_TABLES = {
    "account_id": "accounts",
    "channel_id": "chat_channels",
    "consent_id": "consents",
    "creator_id": "creators",
    "deal_id": "deals",
    "feedback_id": "feedback",
    "field_id": "custom_fields",
    "grant_id": "grants",
    "interaction_id": "interactions",
    "job_id": "bulk_jobs",
    "licence_id": "licences",
    "membership_id": "portal_memberships",
    "message_id": "outbox_messages",
    "note_id": "feedback",
    "nda_id": "ndas",
    "payment_id": "payments",
    "payout_id": "payouts",
    "release_id": "releases",
    "product_id": "products",
    "reminder_id": "reminders",
    "rep_id": "representatives",
    "revision_id": "revisions",
    "submission_id": "submissions",
    "token_id": "api_tokens",
    "user_id": "users",
    "view_id": "saved_views",
    "webhook_id": "webhooks",
    "work_id": "works",
    "token": "auth link tokens",  # not a table: the raw tokens of the links made below
    "code": "rule set codes",  # not a table: the disclosure rule sets' jurisdiction codes
}
LINK_TOKENS = ID_TABLES["token"]
RULE_SET_CODES = ID_TABLES["code"]
SKIPPED_TABLES = {"alembic_version"}


@dataclass
class World:
    connection: object
    users: dict = field(default_factory=dict)  # role → User
    tokens: dict = field(default_factory=dict)  # role → raw bearer token
    ids: dict = field(default_factory=dict)  # table → [ids]

    @contextmanager
    def example(self):
        """One fuzzed example: everything it writes is rolled back afterwards."""
        if self.connection.in_transaction():  # a read between examples autobegan one
            self.connection.rollback()
        transaction = self.connection.begin()
        try:
            yield
        finally:
            if transaction.is_active:
                transaction.rollback()


def empty_every_table(connection) -> None:
    tables = [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]
    with connection.begin():
        if connection.dialect.name == "postgresql":
            names = ", ".join(connection.dialect.identifier_preparer.quote(t.name) for t in tables)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture(scope="package")
def world(app):
    from crm.auth import links
    from crm.auth.services import create_token
    from crm.creators.services import save_view
    from crm.webhooks.services import create_webhook

    database = get_db(app)
    connection = database.engine.connect()
    database.bind_to(connection)
    try:
        with app.app_context():
            session = database.session_factory()
            context: dict = {}
            for loader in sorted(registry(app).demo_loaders, key=lambda d: d.order):
                loader.load(session, context)
                session.flush()
            fuzz_world = World(connection)
            for role, email in DEMO_EMAILS.items():
                user = context["users"][email]
                _token, raw = create_token(session, user, user, "fuzz")
                fuzz_world.users[role] = user
                fuzz_world.tokens[role] = raw
                save_view(session, user, "Fuzz view", {"q": "a"})
            # A live reset link and a live invitation, so their pages show their forms.
            settings = links.settings_from(app.config)
            session.flush()
            reset = links._issue(
                session, None, context["users"][DEMO_EMAILS["viewer"]], links.RESET, settings
            )
            invite = links.invite_user(
                session,
                fuzz_world.users["admin"],
                email="invited@example.com",
                name=None,
                role="viewer",
                settings=settings,
            )
            # A webhook, so the admin's webhook pages (and their rotate form) are reached.
            create_webhook(
                session,
                fuzz_world.users["admin"],
                "https://hooks.example.com/crm",
                ["consent.changed"],
            )
            session.commit()
            session.close()
            fuzz_world.ids[LINK_TOKENS] = [
                issued.url.rsplit("/", 1)[1] for issued in (reset, invite)
            ]
            fuzz_world.ids[RULE_SET_CODES] = ["US", "UK", "FR", "DE", "EU"]
            for name in set(ID_TABLES.values()) - {LINK_TOKENS, RULE_SET_CODES}:
                fuzz_world.ids[name] = list(
                    connection.scalars(text(f"SELECT id FROM {name} ORDER BY id"))  # noqa: S608
                )
            connection.commit()
        yield fuzz_world
    finally:
        if connection.in_transaction():
            connection.rollback()
        empty_every_table(connection)
        connection.close()
        database.reset_binding()
