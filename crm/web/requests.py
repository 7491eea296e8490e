"""Which requests are API calls: they authenticate with a bearer token, never the session
cookie, and get problem documents (RFC 9457) instead of error pages."""

from __future__ import annotations

from flask import request

API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)
