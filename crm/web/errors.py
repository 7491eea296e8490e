"""Errors as people and programs should see them: a page for browsers, RFC 9457 for the API.

Nothing a client sends may produce a traceback: unexpected errors get an error id that is
logged with the traceback and shown to the user, nothing more.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from crm.common.errors import DomainError, TooManyRequests
from crm.web.requests import is_api_request

log = logging.getLogger("crm.errors")

PROBLEM_BASE = "https://crm.invalid/problems/"


def problem(
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: object,
) -> Response:
    body = {
        "type": PROBLEM_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json; charset=utf-8"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _wants_json() -> bool:
    return is_api_request()


def _rollback() -> None:
    from flask import g

    db = g.get("db_session")
    if db is not None:
        try:
            db.rollback()
        except DBAPIError:  # the connection is gone: nothing to roll back on our side
            log.warning("rollback failed: the database connection is gone")


# Errors that mean "the database cannot be reached right now" (server down, network cut,
# SQLite file unavailable or locked past the busy timeout): a 503 the client may retry.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError)
RETRY_AFTER_SECONDS = 30


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> ResponseReturnValue:
        _rollback()
        headers = {}
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(exc.retry_after)
        if _wants_json():
            return problem(exc.status, exc.title, exc.detail, errors=exc.errors, headers=headers)
        page = render_template(
            "errors/error.html",
            status=exc.status,
            title=exc.title,
            detail=exc.detail,
            errors=exc.errors,
        )
        return page, exc.status, headers

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> ResponseReturnValue:
        _rollback()
        detail = "The form expired or was not sent from this site. Go back, reload and retry."
        if _wants_json():
            return problem(400, "Bad request", detail)
        return render_template(
            "errors/error.html", status=400, title="Bad request", detail=detail, errors={}
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        _rollback()
        status = exc.code or 500
        title = exc.name
        detail = exc.description or title
        if status == 413:
            detail = "The upload is larger than the limit."
        headers = {k: v for k, v in exc.get_headers() if k in ("Allow", "Retry-After")}
        if _wants_json():
            if status == 400 and "JSON" in detail:
                title = "Malformed JSON"
            return problem(status, title, detail, headers=headers)
        return (
            render_template(
                "errors/error.html", status=status, title=title, detail=detail, errors={}
            ),
            status,
            headers,
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def database_unavailable(exc: Exception) -> ResponseReturnValue:
        # The page is self-contained: base.html would ask the database for the user and
        # the navigation badges, which is exactly what is failing.
        _rollback()
        error_id = uuid.uuid4().hex[:12]
        log.error(
            "database unavailable %s on %s %s: %s",
            error_id,
            request.method,
            request.path,
            type(getattr(exc, "orig", None) or exc).__name__,
        )
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        detail = (
            "The database cannot be reached right now. Nothing was changed; "
            f"try again in a minute (error id {error_id})."
        )
        if _wants_json():
            return problem(503, "Service unavailable", detail, headers=headers, error_id=error_id)
        # Rendered without the context processors: Flask-Login's would load the user.
        template = app.jinja_env.get_template("errors/unavailable.html")
        return template.render(error_id=error_id), 503, headers

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        _rollback()
        error_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error %s on %s %s", error_id, request.method, request.path)
        if _wants_json():
            return problem(
                500,
                "Internal server error",
                f"Something went wrong on our side (error id {error_id}).",
                error_id=error_id,
            )
        return render_template("errors/500.html", error_id=error_id), 500
