"""Users, roles, sessions and API tokens.

`register(app)` also loads the user of every request: the server-side session of a browser,
the bearer token of an API call (crm/auth/loading.py); `crm.web.security` then checks the
route's declared roles.
"""

from flask import Flask

from crm.common.permissions import ADMINS
from crm.common.registry import ADMIN_MENU, Job, NavItem, registry


def register(app: Flask) -> None:
    from crm.auth import admin_views, api, cli, demo, loading, recovery, tasks, views

    loading.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(recovery.bp)
    reg = registry(app)
    reg.api_routes.extend(api.routes)
    reg.nav.append(NavItem("admin_users.index", "Users", ADMINS, order=90, group=ADMIN_MENU))
    reg.demo_loaders.append(demo.LOADER)
    reg.jobs.append(Job("auth.purge", tasks.purge_job, "cron", {"hour": 2, "minute": 30}))
    reg.cli_commands.extend([cli.create_user, cli.invite_user, cli.create_token])
