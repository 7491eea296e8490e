"""Webhooks: subscriptions and signed deliveries of events that domains enqueue."""

from flask import Flask

from crm.common.registry import Job, registry


def register(app: Flask) -> None:
    from crm.webhooks import api, cli, tasks

    reg = registry(app)
    reg.api_routes.extend(api.routes)
    reg.jobs.append(Job("webhooks.deliver", tasks.deliver_due, "interval", {"minutes": 1}))
    reg.cli_commands.append(cli.webhooks_group)
