"""YouTube Data API v3: channel statistics, up to 50 channels per call."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from crm.metrics.clients.base import (
    YOUTUBE_API_URL,
    AuthError,
    BadPayload,
    FetchResult,
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

_YT_QUOTA = {"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"}
_YT_RATE = {"rateLimitExceeded", "userRateLimitExceeded"}
_YT_AUTH = {
    "keyInvalid",
    "keyExpired",
    "forbidden",
    "accessNotConfigured",
    "ipRefererBlocked",
    "authError",
    "unauthorized",
    "API_KEY_INVALID",
    "API_KEY_EXPIRED",
    "SERVICE_DISABLED",
    "API_KEY_SERVICE_BLOCKED",
    "API_KEY_IP_ADDRESS_BLOCKED",
    "API_KEY_HTTP_REFERRER_BLOCKED",
}
_YT_CHANNEL_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
YOUTUBE_MAX_IDS = 50


class YouTubeClient(_BaseClient):
    """YouTube Data API v3 ``channels.list`` (statistics), batched 50 ids per call (1 unit each).

    Stops the run on QuotaExceeded, AuthError (one key for everything) and exhausted RateLimited.
    """

    platform = "youtube"
    stop_on = (QuotaExceeded, AuthError, RateLimited)

    def __init__(
        self,
        api_key: str,
        base_url: str = YOUTUBE_API_URL,
        *,
        batch_size: int = YOUTUBE_MAX_IDS,
        **kwargs: Any,
    ) -> None:
        if not api_key:
            raise ValueError("youtube: api_key is required")
        super().__init__(base_url, **kwargs)
        self._api_key = api_key
        self._secrets = (api_key,)
        self.batch_size = max(1, min(batch_size, YOUTUBE_MAX_IDS))

    def fetch(self, channel_ids: Iterable[str]) -> FetchResult:
        """Fetch statistics for channel ids (``UC…``); unknown ids end up as NotFound."""
        result = FetchResult()
        valid: list[str] = []
        for cid in dict.fromkeys(channel_ids):
            if _YT_CHANNEL_ID_RE.fullmatch(cid):
                valid.append(cid)
            else:
                result.failed[cid] = self._error(NotFound, "not a valid channel id")
        batches = [valid[i : i + self.batch_size] for i in range(0, len(valid), self.batch_size)]
        for index, batch in enumerate(batches):
            try:
                self._fetch_batch(batch, result)
            except ProviderError as err:
                for cid in batch:
                    result.failed[cid] = err
                if isinstance(err, self.stop_on):
                    self._stop(result, [c for b in batches[index + 1 :] for c in b], err)
                    break
        return result

    def fetch_one(self, channel_id: str) -> Stats:
        """Single-channel convenience; raises the ProviderError instead of collecting it."""
        result = self.fetch([channel_id])
        if channel_id in result.ok:
            return result.ok[channel_id]
        raise result.failed[channel_id]

    def _fetch_batch(self, batch: list[str], result: FetchResult) -> None:
        reply = self._get(
            f"{self.base_url}/channels",
            params={
                "part": "statistics",
                "id": ",".join(batch),
                "maxResults": str(YOUTUBE_MAX_IDS),
                "key": self._api_key,
            },
        )
        items = reply.body.get("items", [])
        if not isinstance(items, list):
            raise self._error(BadPayload, "'items' is not a list")
        wanted = set(batch)
        for item in items:
            cid = _as_dict(item).get("id")
            if not isinstance(cid, str) or cid not in wanted:
                continue
            try:
                result.ok[cid] = self._stats(cid, item)
            except ProviderError as err:
                result.failed[cid] = err
        for cid in batch:
            if cid not in result.ok and cid not in result.failed:
                result.failed[cid] = self._error(NotFound, "channel not found")

    def _stats(self, cid: str, item: dict[str, Any]) -> Stats:
        stats = item.get("statistics")
        if not isinstance(stats, dict):
            raise self._error(BadPayload, "channel has no 'statistics' object")
        hidden = stats.get("hiddenSubscriberCount") is True
        p = self.platform
        return Stats(
            external_key=cid,
            followers=None
            if hidden
            else _count(stats.get("subscriberCount"), "subscriberCount", platform=p),
            views=_count(stats.get("viewCount"), "viewCount", platform=p),
            posts=_count(stats.get("videoCount"), "videoCount", platform=p),
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
        reasons = {str(_as_dict(e).get("reason")) for e in err.get("errors") or []}
        reasons |= {str(_as_dict(d).get("reason")) for d in err.get("details") or []}
        message = str(err.get("message") or f"HTTP {status}")
        code = next(iter(sorted(reasons - {"None"})), None)
        common = {"status": status, "code": code}
        if reasons & _YT_QUOTA:
            return self._error(QuotaExceeded, message, secrets, **common)
        if reasons & _YT_RATE or status == 429:
            return self._error(
                RateLimited,
                message,
                secrets,
                retry_after=parse_retry_after(headers.get("Retry-After")),
                **common,
            )
        if status == 401 or (status in (400, 403) and reasons & _YT_AUTH):
            return self._error(AuthError, message, secrets, **common)
        return self._status_error(status, headers, message, secrets, code=code)
