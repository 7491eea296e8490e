"""Outbound email: the outbox (every email is a row first), SMTP or .eml delivery.

An engine: it knows no business domain. A domain that emails people on an event builds the
email itself with `rendering.render_email`, the helpers of `notifications.py` and
`services.enqueue` (approvals' decisions, reminders' assigned tasks)."""

from flask import Flask

from crm.common.permissions import ADMINS
from crm.common.registry import ADMIN_MENU, Job, NavItem, registry


def register(app: Flask) -> None:
    from crm.mail import account_links, cli, services, tasks, views

    app.register_blueprint(views.bp)
    account_links.connect()
    reg = registry(app)
    reg.nav.append(
        NavItem(
            "mail.outbox",
            "Outbox",
            ADMINS,
            order=92,
            count=services.failed_count_stmt,
            group=ADMIN_MENU,
        )
    )
    reg.jobs.append(Job("mail.flush", tasks.flush_outbox, "interval", {"minutes": 1}))
    reg.cli_commands.append(cli.mail_group)
