"""Outbound email: the outbox (every email is a row first), SMTP or .eml delivery,
event notifications other domains call (see notifications.py)."""

from importlib import import_module

from flask import Flask

from crm.common.permissions import ADMINS
from crm.common.registry import Job, NavItem, registry


def register(app: Flask) -> None:
    from crm.mail import cli, services, tasks, views  # noqa: F401 (cli adds commands)

    app.register_blueprint(views.bp)
    import_module("crm.mail.account_links").connect()
    reg = registry(app)
    reg.nav.append(
        NavItem("mail.outbox", "Outbox", ADMINS, order=92, count=services.failed_count_stmt)
    )
    reg.jobs.append(Job("mail.flush", tasks.flush_outbox, "interval", {"minutes": 1}))
