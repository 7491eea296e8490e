"""What the licensing services share: the organisation's day, URL and hash
normalisation, bounded IN lists and payout periods."""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable, Sequence
from datetime import date
from urllib.parse import urlsplit, urlunsplit

from crm.common.errors import Invalid
from crm.common.timeutil import org_today

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_SPACE = re.compile(r"\s")
# An http(s) URL whose host is plain letters, digits, dots and hyphens, with no port and no
# user: urlsplit would only lower-case the scheme and host and cut the fragment, so that is
# done here directly (the consent check normalises up to 10,000 URLs per call). Anything
# else goes through urlsplit.
_PLAIN_URL = re.compile(r"(https?)://([a-z0-9.-]+)(?=[/?#]|\Z)", re.IGNORECASE | re.ASCII)
MAX_URL = 2000
MAX_TITLE = 300
# Keep IN lists well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
IN_CHUNK = 10_000
WORK_FILTER_MAX = 500
DECISION_ORDER = {"not_allowed": 0, "constrained": 1, "allowed": 2}


def today() -> date:
    return org_today()


# --- normalisation -------------------------------------------------------------------------


def normalise_url(raw: str | None) -> str:
    """Lower-case scheme and host, drop default ports and the fragment; keep path and query.

    Raises ValueError for anything that is not an absolute http(s) URL."""
    text = (raw or "").strip()
    if not text or len(text) > MAX_URL or _SPACE.search(text):
        raise ValueError("must be an absolute http(s) URL without spaces")
    plain = _PLAIN_URL.match(text)
    if plain:
        path, _, query = text[plain.end() :].partition("#")[0].partition("?")
        tail = f"{path or '/'}?{query}" if query else path or "/"
        return f"{plain[1].lower()}://{plain[2].lower()}{tail}"
    return _normalise_by_urlsplit(text)


def _normalise_by_urlsplit(text: str) -> str:
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    host = parts.hostname.lower()
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has an invalid port") from None
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username or parts.password:
        raise ValueError("must not contain a user name or password")
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def normalise_sha256(raw: str | None) -> str | None:
    text = (raw or "").strip().lower()
    if not text:
        return None
    if not SHA256_RE.match(text):
        raise ValueError("must be 64 hexadecimal characters (a SHA-256 digest)")
    return text


def in_chunks(values: Sequence, size: int = IN_CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str | None) -> tuple[str, date, date]:
    """`2026-11` (a month), `2026-Q4` (a quarter) or `2026` (a year) → (label, first, last)."""
    raw = (text or "").strip().upper()
    if m := _MONTH.match(raw):
        y, mo = int(m[1]), int(m[2])
        return raw, date(y, mo, 1), date(y, mo, monthrange(y, mo)[1])
    if m := _QUARTER.match(raw):
        y, q = int(m[1]), int(m[2])
        last_month = q * 3
        return raw, date(y, last_month - 2, 1), date(y, last_month, monthrange(y, last_month)[1])
    if m := _YEAR.match(raw):
        y = int(m[1])
        return raw, date(y, 1, 1), date(y, 12, 31)
    raise Invalid({"period": ["must be a month (2026-11), a quarter (2026-Q4) or a year (2026)"]})
