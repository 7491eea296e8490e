"""The audit log (R6): append-only events, a page and an API list for admin and legal."""

from flask import Flask

from crm.common.permissions import AUDITORS
from crm.common.registry import NavItem, registry


def register(app: Flask) -> None:
    from crm.audit import api, views  # noqa: F401 (api adds its route to the API blueprint)

    app.register_blueprint(views.bp)
    registry(app).nav.append(NavItem("audit.index", "Audit", AUDITORS, order=95))
