"""Instagram Graph API: business discovery, one account per call."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from crm.metrics.clients.base import (
    INSTAGRAM_API_URL,
    AuthError,
    BadPayload,
    FetchResult,
    HttpError,
    NotFound,
    ProviderError,
    QuotaExceeded,
    RateLimited,
    Stats,
    _as_dict,
    _BaseClient,
    _count,
    parse_retry_after,
)

_GRAPH_RATE = {4, 17, 32, 613, *range(80001, 80015)}
_GRAPH_AUTH = {190, 102, 10, *range(200, 300)}
_GRAPH_TRANSIENT = {1, 2}
_IG_USERNAME_RE = re.compile(r"[A-Za-z0-9._]{1,30}")


class InstagramClient(_BaseClient):
    """Instagram Graph API business discovery: one call per handle via our own IG business user.

    Stops the run on AuthError (one shared token) and on RateLimited once retries are exhausted.
    """

    platform = "instagram"
    stop_on = (QuotaExceeded, AuthError, RateLimited)

    def __init__(
        self, access_token: str, ig_user_id: str, base_url: str = INSTAGRAM_API_URL, **kwargs: Any
    ) -> None:
        if not access_token:
            raise ValueError("instagram: access_token is required")
        if not ig_user_id:
            raise ValueError("instagram: ig_user_id is required")
        super().__init__(base_url, **kwargs)
        self._access_token = access_token
        self._secrets = (access_token,)
        self.ig_user_id = ig_user_id

    def fetch(self, handles: Iterable[str]) -> FetchResult:
        """Fetch followers/media counts per handle (``@name`` or ``name``); keys as given."""
        return self._run(handles, self.fetch_one)

    def fetch_one(self, handle: str) -> Stats:
        """One business-discovery call; raises a ProviderError on failure."""
        username = handle.strip().lstrip("@")
        if not _IG_USERNAME_RE.fullmatch(username):
            # Also stops a crafted handle from injecting into the ``fields`` expression.
            raise self._error(NotFound, "not a valid Instagram username")
        reply = self._get(
            f"{self.base_url}/{quote(self.ig_user_id, safe='')}",
            params={
                "fields": f"business_discovery.username({username}){{followers_count,media_count}}",
                "access_token": self._access_token,
            },
        )
        disc = reply.body.get("business_discovery")
        if not isinstance(disc, dict):
            raise self._error(BadPayload, "response has no 'business_discovery' object")
        p = self.platform
        return Stats(
            external_key=handle,
            followers=_count(disc.get("followers_count"), "followers_count", platform=p),
            views=None,
            posts=_count(disc.get("media_count"), "media_count", platform=p),
            log_id=reply.headers.get("x-fb-trace-id"),
        )

    def _classify(
        self,
        status: int,
        headers: Mapping[str, str],
        body: dict[str, Any] | None,
        secrets: tuple[str, ...],
    ) -> ProviderError | None:
        err = _as_dict((body or {}).get("error"))
        if 200 <= status < 300 and not err:
            return None
        code = err.get("code")
        subcode = err.get("error_subcode")
        message = str(err.get("message") or f"HTTP {status}")
        trace = err.get("fbtrace_id")
        common: dict[str, Any] = {
            "status": status,
            "code": code,
            "log_id": trace if isinstance(trace, str) else None,
        }
        if code in _GRAPH_RATE:
            return self._error(
                RateLimited,
                message,
                secrets,
                retry_after=parse_retry_after(headers.get("Retry-After")),
                **common,
            )
        if code in _GRAPH_AUTH:
            return self._error(AuthError, message, secrets, **common)
        if code == 110 or (code == 100 and (subcode == 33 or "invalid user id" in message.lower())):
            return self._error(NotFound, message, secrets, **common)
        if code in _GRAPH_TRANSIENT or err.get("is_transient") is True:
            return self._error(HttpError, message, secrets, retryable=True, **common)
        if err:
            return self._error(HttpError, message, secrets, retryable=status >= 500, **common)
        return self._status_error(status, headers, message, secrets)
