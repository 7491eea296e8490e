"""TikTok Display API: the user info of each access token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.metrics.clients.base import (
    TIKTOK_API_URL,
    AuthError,
    BadPayload,
    FetchResult,
    HttpError,
    ProviderError,
    QuotaExceeded,
    RateLimited,
    Stats,
    _as_dict,
    _BaseClient,
    _count,
    parse_retry_after,
)

_TT_AUTH = {
    "access_token_invalid",
    "scope_not_authorized",
    "scope_permission_missed",
    "access_token_expired",
    "unauthorized",
}
_TT_FIELDS = "follower_count,likes_count,video_count"


class TikTokClient(_BaseClient):
    """TikTok API v2 ``/v2/user/info/``: returns the token owner's stats, so one token per account.

    Classifies from the ``error`` envelope (``code``/``log_id``) before the HTTP status. An
    AuthError only affects that account (each has its own token); RateLimited stops the run.
    """

    platform = "tiktok"
    stop_on = (QuotaExceeded, RateLimited)

    def __init__(self, base_url: str = TIKTOK_API_URL, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)

    def fetch(self, tokens: Mapping[str, str]) -> FetchResult:
        """Fetch stats for ``{account_key: access_token}``; results are keyed by account_key."""
        return self._run(tokens.keys(), lambda key: self.fetch_one(key, tokens[key]))

    def fetch_one(self, external_key: str, access_token: str) -> Stats:
        """One user-info call with the account's own token; raises a ProviderError on failure."""
        if not access_token:
            raise self._error(AuthError, "no access token for this account")
        reply = self._get(
            f"{self.base_url}/v2/user/info/",
            params={"fields": _TT_FIELDS},
            headers={"Authorization": f"Bearer {access_token}"},
            secrets=(access_token,),
        )
        log_id = _log_id(reply.body)
        user = _as_dict(reply.body.get("data")).get("user")
        if not isinstance(user, dict):
            raise self._error(BadPayload, "response has no 'data.user' object", log_id=log_id)
        p = self.platform
        try:
            return Stats(
                external_key=external_key,
                followers=_count(user.get("follower_count"), "follower_count", platform=p),
                views=None,
                posts=_count(user.get("video_count"), "video_count", platform=p),
                likes=_count(user.get("likes_count"), "likes_count", platform=p),
                log_id=log_id,
            )
        except BadPayload as exc:
            exc.log_id = log_id
            raise

    def _classify(
        self,
        status: int,
        headers: Mapping[str, str],
        body: dict[str, Any] | None,
        secrets: tuple[str, ...],
    ) -> ProviderError | None:
        err = _as_dict((body or {}).get("error"))
        code = err.get("code")
        if 200 <= status < 300 and (not err or code == "ok"):
            return None  # a missing envelope is caught as BadPayload by the parser
        log_id = _log_id(body or {})
        message = str(err.get("message") or code or f"HTTP {status}")
        common: dict[str, Any] = {"status": status, "code": code, "log_id": log_id}
        if code == "rate_limit_exceeded":
            return self._error(
                RateLimited,
                message,
                secrets,
                retry_after=parse_retry_after(headers.get("Retry-After")),
                **common,
            )
        if code in _TT_AUTH:
            return self._error(AuthError, message, secrets, **common)
        if code == "internal_error":
            return self._error(HttpError, message, secrets, retryable=True, **common)
        if isinstance(code, str) and code != "ok":
            return self._error(HttpError, message, secrets, retryable=status >= 500, **common)
        return self._status_error(status, headers, message, secrets, log_id=log_id)


def _log_id(body: Mapping[str, Any]) -> str | None:
    value = _as_dict(body.get("error")).get("log_id")
    return value if isinstance(value, str) and value else None
