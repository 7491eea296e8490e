"""The weekly digest (R8): sections by role, exactly once per user and ISO week.

An engine: the sections are the domains' contributions (`registry(app).digest_sections`,
see crm/digest/sections.py); this package composes, claims and sends.
"""

from flask import Flask

from crm.common.permissions import ALL_ROLES
from crm.common.registry import USER_MENU, Job, NavItem, registry


def register(app: Flask) -> None:
    from crm.digest import cli, tasks, views

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.nav.append(
        NavItem("digest.preview", "Digest preview", ALL_ROLES, order=85, group=USER_MENU)
    )
    timezone = app.config.get("CRM_TIMEZONE") or "UTC"
    reg.jobs.append(
        Job(
            "digest.weekly",
            tasks.weekly_digest,
            "cron",
            {"day_of_week": "mon", "hour": 8, "minute": 0, "timezone": timezone},
        )
    )
    reg.jobs.append(Job("digest.resume", tasks.resume_digest, "interval", {"minutes": 15}))
    reg.cli_commands.append(cli.digest_group)
