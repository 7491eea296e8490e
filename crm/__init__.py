"""Creator Relations CRM: the application factory."""

from __future__ import annotations

import importlib

from flask import Flask

from config import WEAK_SECRET_KEYS, load_config
from crm.common.paths import INSTANCE, STATIC, TEMPLATES
from crm.domains import DOMAINS


def create_app(config: dict | str | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES),
        static_folder=str(STATIC),
        instance_path=str(INSTANCE),
    )
    register_config(app, config)
    register_converters(app)
    register_database(app)
    register_extensions(app)
    register_domains(app)
    register_security(app)
    register_errors(app)
    register_templates(app)
    register_cli(app)
    from crm.common.permissions import check_declared

    check_declared(app)
    return app


def register_config(app: Flask, config: dict | str | None) -> None:
    if isinstance(config, dict):
        settings = load_config(config.get("ENV_NAME"))
        settings.update(config)
    else:
        settings = load_config(config)
    app.config.update(settings)
    if app.config["ENV_NAME"] not in ("development", "testing"):
        key = app.config.get("SECRET_KEY") or ""
        if key.strip().lower() in WEAK_SECRET_KEYS or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of 32+ characters in production "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
            )
    if app.config["SESSION_COOKIE_NAME"].startswith("__Host-"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_DOMAIN"] = None


def register_converters(app: Flask) -> None:
    from crm.web import converters

    converters.register(app)


def register_database(app: Flask) -> None:
    from crm import db

    db.init_app(app)


def register_extensions(app: Flask) -> None:
    from crm.extensions import csrf, login_manager

    csrf.init_app(app)
    login_manager.init_app(app)


def register_domains(app: Flask) -> None:
    """Each domain adds its contributions to the app's registry (crm/common/registry.py)."""
    for name in DOMAINS:
        importlib.import_module(f"crm.{name}").register(app)


def register_security(app: Flask) -> None:
    from crm.web import proxies, redaction, security

    proxies.init_app(app)
    security.init_app(app)
    redaction.init_app(app)


def register_errors(app: Flask) -> None:
    from crm.web import errors

    errors.init_app(app)


def register_templates(app: Flask) -> None:
    from crm.web import templating

    templating.init_app(app)


def register_cli(app: Flask) -> None:
    from crm.cli import build_cli

    app.cli.add_command(build_cli(app))
