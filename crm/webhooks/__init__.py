"""Webhooks: subscriptions and signed deliveries of events that domains enqueue."""

from flask import Flask

from crm.common.permissions import ADMINS
from crm.common.registry import ADMIN_MENU, Job, NavItem, registry


def register(app: Flask) -> None:
    from crm.webhooks import api, cli, tasks, views

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.nav.append(NavItem("webhooks.index", "Webhooks", ADMINS, order=93, group=ADMIN_MENU))
    reg.api_routes.extend(api.routes)
    reg.jobs.append(Job("webhooks.deliver", tasks.deliver_due, "interval", {"minutes": 1}))
    reg.cli_commands.append(cli.webhooks_group)
