"""Secrets hygiene: scrubbing of provider text and redaction of urllib3's debug log."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

_SECRET_PARAM_RE = re.compile(
    r"(?i)\b(key|api_key|apikey|access_token|refresh_token|client_secret|token)=([^&\s\"'<>]+)"
)
_BEARER_RE = re.compile(r"(?i)\bbearer\s+[^\s\"',;]+")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove credentials from text that may end up in logs, the DB or a UI.

    Known secrets are replaced verbatim (and URL-encoded), then any ``key=``/``access_token=``
    query value and ``Bearer`` token is masked as a second line of defence.
    """
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, "***")
    text = _SECRET_PARAM_RE.sub(r"\1=***", text)
    return _BEARER_RE.sub("Bearer ***", text)


class _RedactingFilter(logging.Filter):
    """Mask query secrets in urllib3's debug line (``"GET /channels?...&key=..." 200``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def _install_log_redaction() -> None:
    """Idempotently attach the redacting filter to urllib3's connection-pool logger."""
    pool_log = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _RedactingFilter) for f in pool_log.filters):
        pool_log.addFilter(_RedactingFilter())
