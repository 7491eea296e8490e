"""Email bodies: Jinja templates under templates/email/, rendered without a request.

Emails are composed by jobs and CLI commands as often as by views, so they get their own
environment (HTML autoescaped, undefined names are errors) and absolute links built from
`CRM_BASE_URL` instead of the request's host.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from flask import Flask, current_app, has_app_context
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.routing import BuildError

from crm.common import labels
from crm.common.paths import TEMPLATES


@lru_cache(maxsize=1)
def email_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Emails speak in the same words as the pages.
    env.filters["label"] = labels.label
    env.filters["plural"] = labels.plural
    return env


def render_email(template: str, **context) -> str:
    return email_env().get_template(template).render(**context)


class Links:
    """Absolute URLs to the app's pages, from the configured base URL (no request needed)."""

    def __init__(self, app: Flask, base_url: str | None = None) -> None:
        self.base_url = (base_url or app.config.get("CRM_BASE_URL") or "").rstrip("/")
        parts = urlsplit(self.base_url or "http://localhost")
        self._adapter = app.url_map.bind(
            parts.netloc or "localhost",
            script_name=parts.path or "/",
            url_scheme=parts.scheme or "https",
        )

    def __call__(self, endpoint: str, **values) -> str | None:
        """The page's absolute URL, or None when that page does not exist (yet)."""
        try:
            return self._adapter.build(endpoint, values, force_external=True)
        except BuildError:
            return None

    def absolute(self, url: str) -> str:
        """Make a path like "/submissions/3" absolute; full URLs are kept as they are."""
        if urlsplit(url).scheme:
            return url
        return urljoin(self.base_url + "/", url.lstrip("/"))


def current_links() -> Links | None:
    return Links(current_app) if has_app_context() else None
