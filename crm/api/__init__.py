"""JSON API under /api/v1: bearer tokens, problem documents, cursor lists, OpenAPI 3.1.

Each domain records its routes on an `ApiRoutes` in its own `api.py` and adds them to
`registry(app).api_routes` in its `register(app)`. This package comes last: it builds the
app's `api` blueprint, puts every registered route on it (so the endpoints are
`api.<view name>`) and registers it. The blueprint is made per app, so apps built one after
another in a process (as the tests do) never share or double a route.
"""

from flask import Blueprint, Flask

from crm.common.registry import registry

URL_PREFIX = "/api/v1"


def register(app: Flask) -> None:
    from crm.api import core, idempotency
    from crm.api.base import refuse_deep_json
    from crm.extensions import csrf

    routes = registry(app).api_routes
    routes.extend(core.routes)
    bp = Blueprint("api", __name__, url_prefix=URL_PREFIX)
    bp.before_request(refuse_deep_json)
    idempotency.init_blueprint(bp)
    for route in routes:
        options = dict(route.options)
        bp.add_url_rule(route.rule, options.pop("endpoint", None), route.view, **options)
    # Every `api.*` endpoint is exempt (bearer tokens, no cookies). The extension is shared by
    # all apps, so it keeps one small blueprint object per app built; no routes, no app.
    csrf.exempt(bp)
    app.register_blueprint(bp)
