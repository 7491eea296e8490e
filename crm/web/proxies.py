"""Trusted reverse proxies: with `CRM_TRUSTED_PROXIES = n` (hops, default 0 = none),
Werkzeug's ProxyFix takes the client's address and scheme from the last n entries of
`X-Forwarded-For` / `X-Forwarded-Proto`, so per-address limits count the client, not the
proxy. Set it to the number of proxies in front of the app, never more: an untrusted
client can write those headers itself."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = int(app.config.get("CRM_TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops
        )
