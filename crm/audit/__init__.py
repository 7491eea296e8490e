"""The audit log (R6): append-only events, a page and an API list for admin and legal."""

from flask import Flask

from crm.common.permissions import AUDITORS
from crm.common.registry import ADMIN_MENU, NavItem, registry


def register(app: Flask) -> None:
    from crm.audit import api, views

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.api_routes.extend(api.routes)
    reg.nav.append(NavItem("audit.index", "Audit", AUDITORS, order=95, group=ADMIN_MENU))
