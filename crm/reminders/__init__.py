"""Reminders (R7): the daily scan's rules, manual tasks, the "My tasks" page and the API.

Hooks for other domains (see services.py): `remind(...)`, `register_rule(fn)`,
`add_assigned_hook(fn)` / `on_reminder_assigned`. Job: `reminders.scan` (daily 06:00 in
CRM_TIMEZONE). When the agreements domain suspends grants (R2), their owners get a task; when
the mail domain is there, a reminder assigned to someone else is emailed to them.
"""

from flask import Flask

from crm.common.permissions import ALL_ROLES
from crm.common.registry import (
    CreatorSection,
    DemoLoader,
    HomePanel,
    Job,
    NavItem,
    registry,
)

SCAN_JOB = "reminders.scan"


def register(app: Flask) -> None:
    import crm.scheduler  # noqa: F401  (adds `crm scheduler` and `crm jobs` to the CLI)
    from crm.reminders import api, cli, demo, digest, integration, tasks, views  # noqa: F401

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.nav.append(
        NavItem("reminders.index", "Tasks", ALL_ROLES, order=15, count=views.badge_count)
    )
    reg.home_panels.append(
        HomePanel("reminders/_home_panel.html", views.home_panel, ALL_ROLES, order=10)
    )
    reg.creator_sections.append(
        CreatorSection(
            "tasks", "reminders/_creator_section.html", views.creator_section, ALL_ROLES, order=80
        )
    )
    reg.demo_loaders.append(DemoLoader("reminders", demo.load, order=60))
    reg.jobs.append(Job(SCAN_JOB, tasks.scan_job, "cron", {"hour": 6, "minute": 0}))
    integration.connect()
    digest.register_section()  # the digest's "your tasks" section (R8)
