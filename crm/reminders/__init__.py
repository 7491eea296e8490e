"""Reminders (R7): the daily scan's engine, manual tasks, the "My tasks" page and the API.

An engine: it knows no business domain. Domains contribute the scan's rules
(`ReminderRule`s in the registry), raise tasks with `services.remind(...)` and name what a
task is about through the registry's record links. Job: `reminders.scan` (daily 06:00 in
CRM_TIMEZONE). A reminder assigned to someone else is emailed to them (notifications.py).
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
    from crm.reminders import api, cli, demo, digest, tasks, views

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.api_routes.extend(api.routes)
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
    reg.digest_sections.append(digest.SECTION)  # the digest's "your tasks" section (R8)
    reg.cli_commands.append(cli.reminders_group)
