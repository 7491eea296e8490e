"""JSON API under /api/v1: bearer tokens, problem documents, cursor lists, OpenAPI 3.1.

Domains add their routes to `crm.api.base.bp` from their own `api.py`, imported by their
`register(app)`; this package registers the blueprint last, once every route is on it.
"""

from flask import Flask

from crm.api.base import bp


def register(app: Flask) -> None:
    from crm.api import (
        core,  # noqa: F401  (routes attach to the blueprint on import)
        idempotency,
    )
    from crm.extensions import csrf

    idempotency.init_blueprint(bp)
    csrf.exempt(bp)
    app.register_blueprint(bp)
