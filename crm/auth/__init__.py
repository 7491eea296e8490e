"""Users, roles, sessions and API tokens."""

from importlib import import_module

from flask import Flask

from crm.common.permissions import ADMINS
from crm.common.registry import Job, NavItem, registry


def register(app: Flask) -> None:
    from crm.auth import admin_views, cli, demo, tasks, views  # noqa: F401 (cli adds commands)

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(import_module("crm.auth.recovery").bp)
    reg = registry(app)
    reg.nav.append(NavItem("admin_users.index", "Users", ADMINS, order=90))
    reg.demo_loaders.append(demo.LOADER)
    reg.jobs.append(Job("auth.purge", tasks.purge_job, "cron", {"hour": 2, "minute": 30}))
