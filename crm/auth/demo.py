"""Demo users: one per role, with passwords printed by `crm demo`."""

from __future__ import annotations

from crm.audit.services import system_actor
from crm.common.registry import DemoLoader

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (printed demo login)
DEMO_USERS = [
    ("admin@example.com", "Ada Admin", "admin"),
    ("manager@example.com", "Morgan Manager", "manager"),
    ("manager2@example.com", "Riley Relations", "manager"),
    ("legal@example.com", "Lee Legal", "legal"),
    ("viewer@example.com", "Vic Viewer", "viewer"),
]


def load(session, context: dict) -> None:
    from crm.auth.services import create_user

    actor = system_actor("demo")
    users = {}
    for email, name, role in DEMO_USERS:
        users[email] = create_user(
            session,
            actor,
            email=email,
            name=name,
            role=role,
            password=DEMO_PASSWORD,
            timezone="Europe/London" if role == "legal" else "America/New_York",
        )
    context["users"] = users
    context["logins"] = [(email, role, DEMO_PASSWORD) for email, _n, role in DEMO_USERS]


LOADER = DemoLoader("users", load, order=0)
