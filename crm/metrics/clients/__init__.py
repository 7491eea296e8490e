"""Platform audience-metrics adapters (YouTube, Instagram, TikTok).

Pure library code: no Flask, no database. Each client wraps ONE ``requests.Session`` and turns
provider responses into :class:`Stats` or a classified :class:`ProviderError`, so the caller (a
CLI or scheduled job) can decide what to store, what to retry tomorrow and what needs a human.

Secrets never leave this module in text form: error messages are built from our own wording plus
the provider's (scrubbed) message, never from ``requests`` exception text or the request URL, and
urllib3's debug log line (which contains the full URL, including YouTube's ``key=``) is redacted.

Run-stopping errors: when an error makes every further call for the same platform pointless
(quota gone, shared credential invalid, rate limit still hit after retries), ``fetch`` does not
raise; it stops calling, marks every remaining key failed with the *same* error instance and sets
``FetchResult.stopped``. Only programming errors (bad arguments) raise.
"""

from crm.metrics.clients.base import (
    DEFAULT_TIMEOUT,
    INSTAGRAM_API_URL,
    TIKTOK_API_URL,
    YOUTUBE_API_URL,
    AuthError,
    BadPayload,
    FetchError,
    FetchResult,
    HttpError,
    NotFound,
    ProviderError,
    QuotaExceeded,
    RateLimited,
    Stats,
    Timeout,
    parse_retry_after,
    scrub,
)
from crm.metrics.clients.base import USER_AGENT as USER_AGENT
from crm.metrics.clients.instagram import InstagramClient
from crm.metrics.clients.tiktok import TikTokClient
from crm.metrics.clients.youtube import YOUTUBE_MAX_IDS as YOUTUBE_MAX_IDS
from crm.metrics.clients.youtube import YouTubeClient

__all__ = [
    "DEFAULT_TIMEOUT",
    "INSTAGRAM_API_URL",
    "TIKTOK_API_URL",
    "YOUTUBE_API_URL",
    "AuthError",
    "BadPayload",
    "FetchError",
    "FetchResult",
    "HttpError",
    "InstagramClient",
    "NotFound",
    "ProviderError",
    "QuotaExceeded",
    "RateLimited",
    "Stats",
    "TikTokClient",
    "Timeout",
    "YouTubeClient",
    "parse_retry_after",
    "scrub",
]
