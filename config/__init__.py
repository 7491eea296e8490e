"""Settings classes, overridden by environment variables (DESIGN section 5).

`load_config()` picks the class from `CRM_ENV` (development, testing, production); the
environment wins over class defaults so one image runs anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

# Keys that must never be accepted as a production secret.
WEAK_SECRET_KEYS = {"", "dev", "development", "change-me", "changeme", "secret", "test", "testing"}


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


class BaseConfig:
    ENV_NAME = "base"
    DEBUG = False
    TESTING = False
    SECRET_KEY = ""
    SECRET_KEY_FALLBACKS: tuple[str, ...] = ()
    DATABASE_URL = f"sqlite:///{INSTANCE / 'crm.sqlite3'}"
    SQL_ECHO = False

    CRM_BASE_URL = "http://127.0.0.1:5000"
    CRM_TIMEZONE = "UTC"
    CRM_SCHEDULER = "off"
    # Two scheduler hosts on PostgreSQL: how often the waiting one asks for the leader lock.
    CRM_SCHEDULER_LEADER_POLL_SECONDS = 10

    CRM_SMTP_HOST = ""
    CRM_SMTP_PORT = 587
    CRM_SMTP_USER = ""
    CRM_SMTP_PASSWORD = ""
    CRM_SMTP_STARTTLS = True
    CRM_SMTP_TIMEOUT = 10
    CRM_MAIL_FROM = "crm@localhost"
    CRM_MAIL_DIR = str(INSTANCE / "mail")

    CRM_YOUTUBE_API_KEY = ""
    CRM_YOUTUBE_API_URL = "https://www.googleapis.com/youtube/v3"
    CRM_INSTAGRAM_ACCESS_TOKEN = ""
    CRM_INSTAGRAM_USER_ID = ""
    CRM_INSTAGRAM_API_URL = "https://graph.facebook.com/v21.0"
    CRM_TIKTOK_ACCESS_TOKEN = ""
    CRM_TIKTOK_API_URL = "https://open.tiktokapis.com"

    UPLOAD_DIR = str(INSTANCE / "uploads")
    # Where uploads are stored (crm/common/storage.py): "local" (UPLOAD_DIR) or "s3".
    CRM_STORAGE = "local"
    CRM_S3_BUCKET = ""
    CRM_S3_PREFIX = ""
    CRM_S3_ENDPOINT_URL = ""  # empty: AWS S3; else any S3-compatible server
    CRM_S3_REGION = "us-east-1"
    CRM_S3_ADDRESSING_STYLE = "path"
    CRM_S3_ACCESS_KEY_ID = ""  # empty: boto3's own credential chain (AWS_*, instance role)
    CRM_S3_SECRET_ACCESS_KEY = ""
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    NDA_MAX_BYTES = 10 * 1024 * 1024
    APPROVALS_MEDIA_MAX_BYTES = 25 * 1024 * 1024
    CRM_MAIL_MAX_ATTEMPTS = 8
    CRM_RECEIPT_KEY = ""  # a private EC P-256 JWK (JSON); empty: a key kept in the database
    CRM_METRICS_TIMEOUT = 20
    CRM_METRICS_MAX_RETRIES = 3
    # Per-user allowance of stored uploads (NDA documents + submission media) per UTC day.
    UPLOAD_QUOTA_BYTES_PER_DAY = 200 * 1024 * 1024

    # Sessions: server-side registry rows behind a signed cookie (crm.auth.sessions).
    SESSION_COOKIE_NAME = "__Host-crm_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Known devices (crm.auth.devices): not refused by the per-account login lock.
    DEVICE_COOKIE_NAME = "__Host-crm_device"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_PATH = "/"
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    RECENT_LOGIN_MINUTES = 15
    # Need-to-know for unreleased products (crm/common/clearance.py): on, only admins, legal
    # (unless turned off per product) and the users an admin cleared see an unreleased one.
    CRM_NEED_TO_KNOW = True
    REMEMBER_COOKIE_DURATION = 0

    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (hops).
    CRM_TRUSTED_PROXIES = 0

    # Single-use links sent by email (crm.auth.links): lifetimes and the reset throttle.
    AUTH_RESET_LINK_MINUTES = 60
    AUTH_INVITE_LINK_DAYS = 7
    PASSWORD_RESET_MAX_PER_ACCOUNT = 3
    PASSWORD_RESET_MAX_PER_ADDRESS = 20
    PASSWORD_RESET_WINDOW_MINUTES = 60
    # The creator portal's emailed one-time login links (crm.portal).
    PORTAL_LOGIN_LINK_MINUTES = 15

    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True
    HSTS = True
    PREFERRED_URL_SCHEME = "https"

    ENV_OVERRIDES = (
        ("SECRET_KEY", str),
        ("DATABASE_URL", str),
        ("CRM_BASE_URL", str),
        ("CRM_TIMEZONE", str),
        ("CRM_SCHEDULER", str),
        ("CRM_SCHEDULER_LEADER_POLL_SECONDS", int),
        ("CRM_SMTP_HOST", str),
        ("CRM_SMTP_PORT", int),
        ("CRM_SMTP_USER", str),
        ("CRM_SMTP_PASSWORD", str),
        ("CRM_SMTP_STARTTLS", bool),
        ("CRM_MAIL_FROM", str),
        ("CRM_YOUTUBE_API_KEY", str),
        ("CRM_YOUTUBE_API_URL", str),
        ("CRM_INSTAGRAM_ACCESS_TOKEN", str),
        ("CRM_INSTAGRAM_USER_ID", str),
        ("CRM_INSTAGRAM_API_URL", str),
        ("CRM_TIKTOK_ACCESS_TOKEN", str),
        ("CRM_TIKTOK_API_URL", str),
        ("UPLOAD_DIR", str),
        ("CRM_STORAGE", str),
        ("CRM_S3_BUCKET", str),
        ("CRM_S3_PREFIX", str),
        ("CRM_S3_ENDPOINT_URL", str),
        ("CRM_S3_REGION", str),
        ("CRM_S3_ADDRESSING_STYLE", str),
        ("CRM_S3_ACCESS_KEY_ID", str),
        ("CRM_S3_SECRET_ACCESS_KEY", str),
        ("CRM_MAIL_MAX_ATTEMPTS", int),
        ("CRM_NEED_TO_KNOW", bool),
        ("CRM_METRICS_TIMEOUT", int),
        ("CRM_METRICS_MAX_RETRIES", int),
        ("UPLOAD_QUOTA_BYTES_PER_DAY", int),
        ("CRM_TRUSTED_PROXIES", int),
    )


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 (refused outside dev)
    SESSION_COOKIE_NAME = "crm_session"  # __Host- needs Secure, which plain http lacks
    DEVICE_COOKIE_NAME = "crm_device"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_SSL_STRICT = False
    HSTS = False
    PREFERRED_URL_SCHEME = "http"
    CRM_SCHEDULER = "embedded"


class TestingConfig(DevelopmentConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105 (refused outside tests)
    CRM_SCHEDULER = "off"
    DATABASE_URL = "sqlite://"


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> dict:
    """Return the settings as a dict: the class chosen by `name` or `CRM_ENV`, then the env."""
    name = name or os.environ.get("CRM_ENV", "production")
    cls = CONFIGS.get(name)
    if cls is None:
        raise RuntimeError(f"CRM_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    for key, kind in cls.ENV_OVERRIDES:
        raw = os.environ.get(key)
        if raw is None:
            continue
        if kind is int:
            settings[key] = _int(raw, settings[key])
        elif kind is bool:
            settings[key] = _bool(raw, settings[key])
        else:
            settings[key] = raw
    fallbacks = os.environ.get("SECRET_KEY_FALLBACKS")
    if fallbacks:
        settings["SECRET_KEY_FALLBACKS"] = [k for k in fallbacks.split(",") if k]
    return settings
