"""What every platform adapter shares: the one HTTP session with timeouts, retries and
backoff, the classification of errors, secret scrubbing and the result types."""

from __future__ import annotations

import email.utils
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import requests

from crm.metrics.clients.redaction import _install_log_redaction, scrub

log = logging.getLogger("crm.metrics.clients")

YOUTUBE_API_URL = "https://www.googleapis.com/youtube/v3"
INSTAGRAM_API_URL = "https://graph.facebook.com/v21.0"
TIKTOK_API_URL = "https://open.tiktokapis.com"

#: (connect, read) seconds; a hung provider must not stall the whole nightly run.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 20.0)
USER_AGENT = "crm-metrics/1.0"
_MAX_MESSAGE = 300


# --------------------------------------------------------------------------- results & errors


@dataclass(frozen=True)
class Stats:
    """Audience numbers for one account; ``None`` means "not published", never "zero"."""

    external_key: str
    followers: int | None
    views: int | None
    posts: int | None
    likes: int | None = None
    log_id: str | None = None  # provider request id (TikTok log_id, Graph x-fb-trace-id)


class ProviderError(Exception):
    """Base of all adapter failures; ``message`` is safe to log, store and show.

    ``retryable`` tells the retry loop whether another attempt could help; ``kind`` is a stable
    string for persistence (e.g. a ``last_error_kind`` column).
    """

    kind: ClassVar[str] = "provider"
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        platform: str = "",
        status: int | None = None,
        code: str | int | None = None,
        log_id: str | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        safe = scrub(str(message))
        if len(safe) > _MAX_MESSAGE:
            safe = safe[: _MAX_MESSAGE - 1] + "…"
        super().__init__(safe)
        self.message = safe
        self.platform = platform
        self.status = status
        self.code = code
        self.log_id = log_id
        self.retry_after = retry_after
        self.retryable = self.default_retryable if retryable is None else retryable

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, platform={self.platform!r}, "
            f"status={self.status!r}, code={self.code!r}, log_id={self.log_id!r})"
        )


#: Spec name for the per-account failure type.
FetchError = ProviderError


class RateLimited(ProviderError):
    """Too many requests; ``retry_after`` (seconds) is the provider's hint, if it sent one."""

    kind = "rate_limited"
    default_retryable = True


class QuotaExceeded(ProviderError):
    """Daily quota used up: stop this platform until the quota resets (no retry)."""

    kind = "quota_exceeded"


class AuthError(ProviderError):
    """Invalid/expired key or token, or missing permission: a human must fix credentials."""

    kind = "auth"


class NotFound(ProviderError):
    """The account does not exist (or is not visible to us)."""

    kind = "not_found"


class BadPayload(ProviderError):
    """The provider answered, but not in the documented shape; retrying will not help."""

    kind = "bad_payload"


class Timeout(ProviderError):
    """Connect or read timeout after all retries."""

    kind = "timeout"
    default_retryable = True


class HttpError(ProviderError):
    """Any other HTTP/transport failure; 5xx and connection errors are retryable."""

    kind = "http"

    def __init__(self, message: str, **kwargs: Any) -> None:
        if kwargs.get("retryable") is None:
            status = kwargs.get("status")
            kwargs["retryable"] = status is None or status >= 500
        super().__init__(message, **kwargs)


@dataclass
class FetchResult:
    """Per-account outcome of a run: every requested key lands in exactly one of the dicts."""

    ok: dict[str, Stats] = field(default_factory=dict)
    failed: dict[str, ProviderError] = field(default_factory=dict)
    #: The error that stopped the run early (quota / shared auth / rate limit), if any.
    stopped: ProviderError | None = None


# --------------------------------------------------------------------------- helpers


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse ``Retry-After`` (delta-seconds or HTTP-date) into non-negative seconds."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


_DIGITS_RE = re.compile(r"[0-9]+")


def _count(value: Any, name: str, *, platform: str) -> int | None:
    """Coerce a provider count (int or digit string) to int; anything else is a BadPayload."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadPayload(f"{platform}: {name} is not an integer", platform=platform)
    if isinstance(value, int):
        if value < 0:
            raise BadPayload(f"{platform}: {name} is negative", platform=platform)
        return value
    if isinstance(value, str) and _DIGITS_RE.fullmatch(value.strip()):
        return int(value.strip())
    raise BadPayload(f"{platform}: {name} is not an integer", platform=platform)


@dataclass
class _Reply:
    body: dict[str, Any]
    headers: Mapping[str, str]
    status: int


class _BaseClient:
    """Shared transport: one session, timeouts, bounded retries with backoff, safe errors."""

    platform: ClassVar[str] = ""
    #: Error types after which further calls in the same run are pointless.
    stop_on: ClassVar[tuple[type[ProviderError], ...]] = (QuotaExceeded, RateLimited)

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url:
            raise ValueError(f"{self.platform}: base_url is required")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        if self._owns_session:
            self.session.headers["User-Agent"] = USER_AGENT
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self._secrets: tuple[str, ...] = ()
        _install_log_redaction()

    def __repr__(self) -> str:  # never show credentials
        return f"<{type(self).__name__} base_url={self.base_url!r}>"

    def close(self) -> None:
        """Close the session if we created it (a caller-provided one is theirs to close)."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------

    def _error(
        self, cls: type[ProviderError], message: str, secrets: Iterable[str] = (), **kwargs: Any
    ) -> ProviderError:
        text = scrub(f"{self.platform}: {message}", (*self._secrets, *secrets))
        return cls(text, platform=self.platform, **kwargs)

    def _delay(self, error: ProviderError, attempt: int) -> float:
        if error.retry_after is not None:
            return max(0.0, min(error.retry_after, self.backoff_cap))
        return max(0.0, min(self.backoff_base * (2**attempt), self.backoff_cap))

    def _get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
    ) -> _Reply:
        """GET with retries; returns a parsed JSON object or raises a classified error."""
        secrets = tuple(secrets)
        path = urlsplit(url).path  # the only URL part we ever log (no query = no key)
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            error: ProviderError
            try:
                resp = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
            except requests.Timeout as exc:
                # Never use str(exc): requests puts the full URL (with key) into it.
                error = self._error(Timeout, f"request timed out ({type(exc).__name__})")
            except requests.RequestException as exc:
                error = self._error(HttpError, f"request failed ({type(exc).__name__})")
            else:
                body = _json_object(resp.content)
                error_or_none = self._classify(resp.status_code, resp.headers, body, secrets)
                if error_or_none is None:
                    if body is None:
                        raise self._error(BadPayload, f"malformed JSON (HTTP {resp.status_code})")
                    return _Reply(body, resp.headers, resp.status_code)
                error = error_or_none
            if not error.retryable or attempt + 1 >= attempts:
                log.warning("%s GET %s failed: %s", self.platform, path, error.message)
                raise error
            delay = self._delay(error, attempt)
            log.info(
                "%s GET %s: %s; retry %d/%d in %.1fs",
                self.platform,
                path,
                error.kind,
                attempt + 1,
                self.max_retries,
                delay,
            )
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _classify(
        self,
        status: int,
        headers: Mapping[str, str],
        body: dict[str, Any] | None,
        secrets: tuple[str, ...],
    ) -> ProviderError | None:
        """Return None for success, else the error this response represents."""
        raise NotImplementedError

    def _status_error(
        self,
        status: int,
        headers: Mapping[str, str],
        message: str,
        secrets: tuple[str, ...],
        **kwargs: Any,
    ) -> ProviderError:
        """Fallback classification from the HTTP status alone."""
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if status == 429:
            return self._error(
                RateLimited, message, secrets, status=status, retry_after=retry_after, **kwargs
            )
        if status == 401:
            return self._error(AuthError, message, secrets, status=status, **kwargs)
        if status == 404:
            return self._error(NotFound, message, secrets, status=status, **kwargs)
        return self._error(
            HttpError,
            message,
            secrets,
            status=status,
            retry_after=retry_after if status >= 500 else None,
            **kwargs,
        )

    def _run(
        self, keys: Iterable[str], one: Callable[[str], Stats], result: FetchResult | None = None
    ) -> FetchResult:
        """Call ``one`` per key, collecting outcomes and stopping on run-stopping errors."""
        result = result or FetchResult()
        pending = list(dict.fromkeys(keys))
        for index, key in enumerate(pending):
            try:
                result.ok[key] = one(key)
            except ProviderError as err:
                result.failed[key] = err
                if isinstance(err, self.stop_on):
                    self._stop(result, pending[index + 1 :], err)
                    break
        return result

    def _stop(self, result: FetchResult, rest: Iterable[str], err: ProviderError) -> None:
        log.warning("%s: stopping run after %s: %s", self.platform, err.kind, err.message)
        result.stopped = err
        for key in rest:
            result.failed[key] = err


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
