"""The domain packages, in registration order. Each exposes `register(app)`, the one place
where it adds its contributions to the app's registry and connects its signal receivers.

Lower layers first (see the import-linter contract in pyproject.toml); `api` comes last, so
every domain has added its routes to `registry(app).api_routes` when the API's blueprint is
built from them.
"""

DOMAINS = (
    "auth",
    "audit",
    "home",
    "creators",
    "agreements",
    "approvals",
    "feedback",
    "metrics",
    "licensing",
    "reminders",
    "mail",
    "webhooks",
    "digest",
    "calendar",
    "chat",
    "portal",
    "api",
)
