"""Platform adapters against a real loopback HTTP server answering the documented payloads.

No Flask, no database: only pytest-httpserver's ``httpserver`` fixture. Sleeps are recorded,
not slept, so retry/backoff behaviour is asserted without waiting.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from crm.metrics.clients import (
    AuthError,
    BadPayload,
    FetchResult,
    HttpError,
    InstagramClient,
    NotFound,
    ProviderError,
    QuotaExceeded,
    RateLimited,
    Stats,
    TikTokClient,
    Timeout,
    YouTubeClient,
    parse_retry_after,
    scrub,
)

YT_KEY = "AIzaSyTEST-secret-key_0123456789abcd"
IG_TOKEN = "EAAGtestSECRETtoken0123456789xyz"
IG_USER = "17841405309211844"
TT_TOKEN = "act.SECRETtiktoktoken0123456789"
TT_TOKEN_2 = "act.OTHERtiktoktoken9876543210"
TT_FIELDS = "follower_count,likes_count,video_count"

YT_PATH = "/yt/channels"
IG_PATH = f"/ig/{IG_USER}"
TT_PATH = "/tt/v2/user/info/"


# --------------------------------------------------------------------------- helpers


class Sleeps(list[float]):
    """Injected ``sleep``: records delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make(httpserver: HTTPServer, sleeps: Sleeps) -> Iterator[Callable[..., object]]:
    """Build a client pointed at the loopback server with tiny backoff; closes them afterwards."""
    clients: list = []
    defaults = {"max_retries": 2, "backoff_base": 0.01, "backoff_cap": 5.0, "sleep": sleeps}

    def factory(kind: str, **kwargs: object):
        opts = {**defaults, **kwargs}
        if kind == "yt":
            client = YouTubeClient(YT_KEY, httpserver.url_for("/yt"), **opts)
        elif kind == "ig":
            client = InstagramClient(IG_TOKEN, IG_USER, httpserver.url_for("/ig/"), **opts)
        else:
            client = TikTokClient(httpserver.url_for("/tt"), **opts)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


def yt_channel(cid: str, subs: str = "456", views: str = "123", videos: str = "7", hidden=False):
    stats = {"viewCount": views, "hiddenSubscriberCount": hidden, "videoCount": videos}
    if subs is not None:
        stats["subscriberCount"] = subs
    return {"kind": "youtube#channel", "etag": "x", "id": cid, "statistics": stats}


def yt_list(*items: dict) -> dict:
    return {
        "kind": "youtube#channelListResponse",
        "pageInfo": {"totalResults": len(items), "resultsPerPage": 50},
        "items": list(items),
    }


def yt_error(code: int, reason: str, message: str = "The request cannot be completed.") -> dict:
    domain = "youtube.quota" if "uota" in reason else "global"
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }


def graph_error(code: int, subcode: int | None = None, message: str = "boom") -> dict:
    err = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC123"}
    if subcode is not None:
        err["error_subcode"] = subcode
    return {"error": err}


def ig_fields(username: str) -> str:
    return f"business_discovery.username({username}){{followers_count,media_count}}"


def ig_ok(followers: object = 267793, media: object = 1205) -> dict:
    disc = {"followers_count": followers, "media_count": media, "id": "17841401441775531"}
    return {"business_discovery": disc, "id": IG_USER}


def tt_ok(followers: object = 123, likes: object = 456, videos: object = 7) -> dict:
    user = {"follower_count": followers, "likes_count": likes, "video_count": videos}
    return {"data": {"user": user}, "error": {"code": "ok", "message": "", "log_id": "LOG-OK-1"}}


def tt_error(code: str, log_id: str = "202310101234ABCD", message: str = "nope") -> dict:
    return {"data": {}, "error": {"code": code, "message": message, "log_id": log_id}}


def assert_safe(err: BaseException, *secrets: str) -> None:
    """No credential may appear in anything a caller could log, store or show."""
    texts = [str(err), repr(err), *(str(a) for a in err.args)]
    if isinstance(err, ProviderError):
        texts.append(err.message)
    for secret in secrets:
        for text in texts:
            assert secret not in text
            assert quote(secret, safe="") not in text
    assert err.__cause__ is None
    assert err.__context__ is None


# --------------------------------------------------------------------------- YouTube


def test_youtube_success_sends_documented_query(httpserver: HTTPServer, make) -> None:
    httpserver.expect_request(
        YT_PATH,
        method="GET",
        query_string={"part": "statistics", "id": "UCa,UCb", "maxResults": "50", "key": YT_KEY},
    ).respond_with_json(yt_list(yt_channel("UCa"), yt_channel("UCb", "1000", "2000000", "42")))

    result = make("yt").fetch(["UCa", "UCb"])

    assert result.failed == {}
    assert result.stopped is None
    assert result.ok["UCa"] == Stats("UCa", followers=456, views=123, posts=7)
    assert result.ok["UCb"] == Stats("UCb", followers=1000, views=2_000_000, posts=42)
    assert len(httpserver.log) == 1


def test_youtube_batches_more_than_50_ids(httpserver: HTTPServer, make) -> None:
    ids = [f"UC{i:04d}" for i in range(75)]

    def echo(request: Request) -> Response:
        items = [
            yt_channel(cid, subs=str(n)) for n, cid in enumerate(request.args["id"].split(","))
        ]
        return Response(json.dumps(yt_list(*items)), content_type="application/json")

    httpserver.expect_request(YT_PATH).respond_with_handler(echo)

    result = make("yt").fetch(ids)

    assert sorted(result.ok) == ids
    assert result.failed == {}
    sent = [req.args["id"].split(",") for req, _ in httpserver.log]
    assert [len(batch) for batch in sent] == [50, 25]
    assert sent[0] + sent[1] == ids


def test_youtube_hidden_subscriber_count_is_none_not_zero(httpserver: HTTPServer, make) -> None:
    hidden = yt_channel("UChid", subs="0", views="999", videos="3", hidden=True)
    httpserver.expect_request(YT_PATH).respond_with_json(yt_list(hidden))

    stats = make("yt").fetch_one("UChid")

    assert stats == Stats("UChid", followers=None, views=999, posts=3)


def test_youtube_unknown_channel_is_not_found(httpserver: HTTPServer, make) -> None:
    httpserver.expect_request(YT_PATH).respond_with_json(yt_list(yt_channel("UCknown")))

    result = make("yt").fetch(["UCknown", "UCghost"])

    assert set(result.ok) == {"UCknown"}
    assert isinstance(result.failed["UCghost"], NotFound)
    assert result.stopped is None


def test_youtube_missing_items_means_all_not_found(httpserver: HTTPServer, make) -> None:
    body = {"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0}}
    httpserver.expect_request(YT_PATH).respond_with_json(body)

    result = make("yt").fetch(["UCa"])

    assert isinstance(result.failed["UCa"], NotFound)


def test_youtube_invalid_ids_fail_without_a_request(httpserver: HTTPServer, make) -> None:
    result = make("yt").fetch(["UC,injected", ""])

    assert all(isinstance(e, NotFound) for e in result.failed.values())
    assert set(result.failed) == {"UC,injected", ""}
    assert httpserver.log == []


def test_youtube_quota_exceeded_stops_the_whole_fetch(
    httpserver: HTTPServer, make, sleeps: Sleeps
) -> None:
    ids = [f"UC{i:04d}" for i in range(60)]
    httpserver.expect_request(YT_PATH).respond_with_json(
        yt_error(
            403,
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your quota.",
        ),
        status=403,
    )

    result = make("yt").fetch(ids)

    assert isinstance(result.stopped, QuotaExceeded)
    assert result.ok == {}
    assert set(result.failed) == set(ids)
    assert all(e is result.stopped for e in result.failed.values())
    assert result.stopped.status == 403
    assert result.stopped.code == "quotaExceeded"
    assert len(httpserver.log) == 1  # no retry, second batch never sent
    assert sleeps == []


def test_youtube_key_invalid_is_auth_error_and_never_leaks_key(
    httpserver: HTTPServer, make
) -> None:
    # Worst case: the provider echoes the key back in its message.
    httpserver.expect_request(YT_PATH).respond_with_json(
        yt_error(400, "keyInvalid", f"API key not valid: {YT_KEY}"), status=400
    )

    result = make("yt").fetch(["UCa"])

    err = result.failed["UCa"]
    assert isinstance(err, AuthError)
    assert isinstance(result.stopped, AuthError)
    assert "API key not valid" in err.message
    assert_safe(err, YT_KEY)
    assert len(httpserver.log) == 1


def test_youtube_rate_limit_reason_is_retried(httpserver: HTTPServer, make, sleeps: Sleeps) -> None:
    httpserver.expect_oneshot_request(YT_PATH).respond_with_json(
        yt_error(403, "rateLimitExceeded"), status=403
    )
    httpserver.expect_request(YT_PATH).respond_with_json(yt_list(yt_channel("UCa")))

    result = make("yt").fetch(["UCa"])

    assert set(result.ok) == {"UCa"}
    assert sleeps == [0.01]


@pytest.mark.parametrize(
    ("retry_after", "cap", "expected"),
    [("2", 60.0, 2.0), ("120", 5.0, 5.0)],
    ids=["honoured", "capped"],
)
def test_429_with_retry_after_then_success(
    httpserver: HTTPServer, make, sleeps: Sleeps, retry_after: str, cap: float, expected: float
) -> None:
    httpserver.expect_oneshot_request(YT_PATH).respond_with_json(
        yt_error(429, "rateLimitExceeded"), status=429, headers={"Retry-After": retry_after}
    )
    httpserver.expect_request(YT_PATH).respond_with_json(yt_list(yt_channel("UCa")))

    result = make("yt", backoff_cap=cap).fetch(["UCa"])

    assert result.ok["UCa"].followers == 456
    assert sleeps == [expected]
    assert len(httpserver.log) == 2


def test_5xx_is_retried_with_backoff(httpserver: HTTPServer, make, sleeps: Sleeps) -> None:
    httpserver.expect_oneshot_request(YT_PATH).respond_with_data("upstream sad", status=503)
    httpserver.expect_oneshot_request(YT_PATH).respond_with_json(
        yt_error(500, "backendError"), status=500
    )
    httpserver.expect_request(YT_PATH).respond_with_json(yt_list(yt_channel("UCa")))

    result = make("yt").fetch(["UCa"])

    assert set(result.ok) == {"UCa"}
    assert sleeps == [0.01, 0.02]  # exponential from backoff_base


def test_5xx_exhausted_is_http_error_and_run_continues(
    httpserver: HTTPServer, make, sleeps: Sleeps
) -> None:
    httpserver.expect_request(YT_PATH).respond_with_data("<html>bad gateway</html>", status=502)

    result = make("yt", max_retries=1).fetch(["UCa"])

    err = result.failed["UCa"]
    assert type(err) is HttpError
    assert err.status == 502
    assert result.stopped is None
    assert len(httpserver.log) == 2
    assert sleeps == [0.01]


def test_youtube_malformed_json_is_bad_payload(httpserver: HTTPServer, make) -> None:
    httpserver.expect_request(YT_PATH).respond_with_data("<html>not json", status=200)

    result = make("yt").fetch(["UCa", "UCb"])

    assert all(isinstance(result.failed[c], BadPayload) for c in ("UCa", "UCb"))
    assert len(httpserver.log) == 1  # not retried


def test_youtube_unexpected_shape_is_bad_payload(httpserver: HTTPServer, make) -> None:
    httpserver.expect_request(YT_PATH).respond_with_json({"items": {"oops": 1}})

    result = make("yt").fetch(["UCa"])

    assert isinstance(result.failed["UCa"], BadPayload)


def test_youtube_non_integer_count_fails_only_that_channel(httpserver: HTTPServer, make) -> None:
    httpserver.expect_request(YT_PATH).respond_with_json(
        yt_list(yt_channel("UCgood"), yt_channel("UCbad", views="12a"))
    )

    result = make("yt").fetch(["UCgood", "UCbad"])

    assert set(result.ok) == {"UCgood"}
    assert isinstance(result.failed["UCbad"], BadPayload)
    assert "viewCount" in result.failed["UCbad"].message


# --------------------------------------------------------------------------- Instagram


def test_instagram_business_discovery_success(httpserver: HTTPServer, make) -> None:
    httpserver.expect_request(
        IG_PATH,
        method="GET",
        query_string={"fields": ig_fields("natgeo"), "access_token": IG_TOKEN},
    ).respond_with_json(ig_ok(), headers={"x-fb-trace-id": "TRACE1"})

    result = make("ig").fetch(["@natgeo"])

    assert result.ok["@natgeo"] == Stats(
        "@natgeo", followers=267793, views=None, posts=1205, log_id="TRACE1"
    )


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80002])
def test_instagram_rate_limit_stops_run_after_retries(
    httpserver: HTTPServer, make, sleeps: Sleeps, code: int
) -> None:
    httpserver.expect_request(IG_PATH).respond_with_json(graph_error(code), status=400)

    result = make("ig", max_retries=1).fetch(["alice", "bob", "carol"])

    assert isinstance(result.stopped, RateLimited)
    assert result.stopped.code == code
    assert result.stopped.log_id == "AbC123"
    assert set(result.failed) == {"alice", "bob", "carol"}
    assert all(isinstance(e, RateLimited) for e in result.failed.values())
    assert len(httpserver.log) == 2  # alice tried twice, nobody else called
    assert sleeps == [0.01]


def test_instagram_invalid_token_is_auth_error_and_stops(
    httpserver: HTTPServer, make, sleeps: Sleeps
) -> None:
    httpserver.expect_request(IG_PATH).respond_with_json(
        graph_error(190, 460, f"Error validating access token: {IG_TOKEN}"), status=400
    )

    result = make("ig").fetch(["alice", "bob"])

    assert isinstance(result.failed["alice"], AuthError)
    assert result.failed["bob"] is result.failed["alice"]
    assert result.stopped is result.failed["alice"]
    assert len(httpserver.log) == 1
    assert sleeps == []
    assert_safe(result.stopped, IG_TOKEN)


def test_instagram_unknown_username_is_not_found(httpserver: HTTPServer, make) -> None:
    httpserver.expect_request(
        IG_PATH, query_string={"fields": ig_fields("ghost"), "access_token": IG_TOKEN}
    ).respond_with_json(graph_error(110, 2207013, "Invalid user id"), status=400)
    httpserver.expect_request(
        IG_PATH, query_string={"fields": ig_fields("real"), "access_token": IG_TOKEN}
    ).respond_with_json(ig_ok(10, 2))

    result = make("ig").fetch(["ghost", "real"])

    assert isinstance(result.failed["ghost"], NotFound)
    assert result.ok["real"].followers == 10
    assert result.stopped is None


def test_instagram_invalid_handle_is_rejected_without_request(httpserver: HTTPServer, make) -> None:
    result = make("ig").fetch(["x){followers_count}", "has space"])

    assert all(isinstance(e, NotFound) for e in result.failed.values())
    assert httpserver.log == []


@pytest.mark.parametrize(
    "body",
    [{"id": IG_USER}, ig_ok(followers="lots"), ig_ok(media=1.5)],
    ids=["no-business-discovery", "string-count", "float-count"],
)
def test_instagram_bad_payload(httpserver: HTTPServer, make, body: dict) -> None:
    httpserver.expect_request(IG_PATH).respond_with_json(body)

    result = make("ig").fetch(["alice"])

    assert isinstance(result.failed["alice"], BadPayload)


# --------------------------------------------------------------------------- TikTok


def test_tiktok_success_uses_bearer_token_per_account(httpserver: HTTPServer, make) -> None:
    httpserver.expect_request(
        TT_PATH,
        method="GET",
        query_string={"fields": TT_FIELDS},
        headers={"Authorization": f"Bearer {TT_TOKEN}"},
    ).respond_with_json(tt_ok())
    httpserver.expect_request(
        TT_PATH, headers={"Authorization": f"Bearer {TT_TOKEN_2}"}
    ).respond_with_json(tt_error("access_token_invalid", "LOG-401"), status=401)

    result = make("tt").fetch({"creator-1": TT_TOKEN, "creator-2": TT_TOKEN_2})

    assert result.ok["creator-1"] == Stats(
        "creator-1", followers=123, views=None, posts=7, likes=456, log_id="LOG-OK-1"
    )
    err = result.failed["creator-2"]
    assert isinstance(err, AuthError)
    assert err.log_id == "LOG-401"
    assert result.stopped is None  # a bad token only affects its own account


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "access_token_invalid", AuthError),
        (401, "scope_not_authorized", AuthError),
        (200, "access_token_invalid", AuthError),  # classified from the body, not the status
        (400, "invalid_params", HttpError),
        (400, "something_new", HttpError),
    ],
)
def test_tiktok_envelope_errors_keep_log_id(
    httpserver: HTTPServer, make, sleeps: Sleeps, status: int, code: str, expected: type
) -> None:
    httpserver.expect_request(TT_PATH).respond_with_json(tt_error(code, "LOG-XYZ"), status=status)

    with pytest.raises(expected) as info:
        make("tt").fetch_one("creator-1", TT_TOKEN)

    assert info.value.code == code
    assert info.value.log_id == "LOG-XYZ"
    assert info.value.status == status
    assert len(httpserver.log) == 1  # none of these is worth retrying
    assert sleeps == []


def test_tiktok_rate_limit_stops_run(httpserver: HTTPServer, make, sleeps: Sleeps) -> None:
    httpserver.expect_request(TT_PATH).respond_with_json(
        tt_error("rate_limit_exceeded", "LOG-429"), status=429, headers={"Retry-After": "1"}
    )

    result = make("tt", max_retries=1).fetch({"a": TT_TOKEN, "b": TT_TOKEN_2})

    assert isinstance(result.stopped, RateLimited)
    assert result.stopped.log_id == "LOG-429"
    assert result.stopped.retry_after == 1.0
    assert result.failed["b"] is result.stopped
    assert len(httpserver.log) == 2
    assert sleeps == [1.0]


def test_tiktok_internal_error_is_retried(httpserver: HTTPServer, make, sleeps: Sleeps) -> None:
    httpserver.expect_oneshot_request(TT_PATH).respond_with_json(
        tt_error("internal_error"), status=500
    )
    httpserver.expect_request(TT_PATH).respond_with_json(tt_ok(followers=5))

    assert make("tt").fetch_one("a", TT_TOKEN).followers == 5
    assert sleeps == [0.01]


@pytest.mark.parametrize(
    "body",
    [
        {"data": {}, "error": {"code": "ok", "message": "", "log_id": "LOG-EMPTY"}},
        tt_ok(followers="abc"),
        tt_ok(likes=1.5),
        tt_ok(videos=True),
    ],
    ids=["no-user", "string-count", "float-count", "bool-count"],
)
def test_tiktok_bad_payload(httpserver: HTTPServer, make, body: dict) -> None:
    httpserver.expect_request(TT_PATH).respond_with_json(body)

    with pytest.raises(BadPayload) as info:
        make("tt").fetch_one("a", TT_TOKEN)

    assert info.value.log_id == body["error"]["log_id"]


def test_tiktok_missing_token_is_auth_error_without_request(httpserver: HTTPServer, make) -> None:
    result = make("tt").fetch({"a": ""})

    assert isinstance(result.failed["a"], AuthError)
    assert httpserver.log == []


# --------------------------------------------------------------------------- transport


def test_timeout_is_retried_then_reported(httpserver: HTTPServer, make, sleeps: Sleeps) -> None:
    release = threading.Event()

    def slow(_request: Request) -> Response:
        release.wait(2)
        return Response(json.dumps(tt_ok()), content_type="application/json")

    httpserver.expect_request("/slow/v2/user/info/").respond_with_handler(slow)
    client = TikTokClient(
        httpserver.url_for("/slow"),
        timeout=(1.0, 0.2),
        max_retries=1,
        backoff_base=0.01,
        sleep=sleeps,
    )
    started = time.monotonic()
    try:
        with pytest.raises(Timeout) as info:
            client.fetch_one("a", TT_TOKEN)
    finally:
        release.set()
        client.close()

    assert time.monotonic() - started < 1.5
    assert sleeps == [0.01]
    assert_safe(info.value, TT_TOKEN)
    # Let the single-threaded server drain both queued requests so no later test sees them.
    deadline = time.monotonic() + 3
    while len(httpserver.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)


def test_connection_error_message_is_sanitised(sleeps: Sleeps) -> None:
    with socket.socket() as sock:  # grab a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with YouTubeClient(
        YT_KEY, f"http://127.0.0.1:{port}/yt", max_retries=1, backoff_base=0.01, sleep=sleeps
    ) as client:
        result = client.fetch(["UCa"])

    err = result.failed["UCa"]
    assert type(err) is HttpError
    assert err.retryable
    assert sleeps == [0.01]
    assert_safe(err, YT_KEY)


def test_secrets_never_in_errors_or_logs(
    httpserver: HTTPServer, make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request(YT_PATH).respond_with_json(
        yt_error(403, "forbidden", f"key={YT_KEY} forbidden"), status=403
    )
    httpserver.expect_request(IG_PATH).respond_with_json(
        graph_error(100, None, f"Bad request for access_token={IG_TOKEN}"), status=400
    )
    httpserver.expect_request(TT_PATH).respond_with_json(
        tt_error("scope_not_authorized", message=f"Authorization: Bearer {TT_TOKEN}"), status=401
    )

    errors = [
        *make("yt").fetch(["UCa"]).failed.values(),
        *make("ig").fetch(["alice"]).failed.values(),
        *make("tt").fetch({"a": TT_TOKEN}).failed.values(),
    ]

    assert [type(e) for e in errors] == [AuthError, HttpError, AuthError]
    for err in errors:
        assert_safe(err, YT_KEY, IG_TOKEN, TT_TOKEN)
    # urllib3 logs the full request URL at DEBUG; it must be redacted, not dropped. (The
    # loopback server's own werkzeug access log is the fake provider's, so it is excluded.)
    client_log = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    assert "key=***" in client_log
    assert "access_token=***" in client_log
    for secret in (YT_KEY, IG_TOKEN, TT_TOKEN):
        assert secret not in client_log
    assert YT_KEY not in repr(make("yt"))


def test_fetch_result_defaults_are_independent() -> None:
    a, b = FetchResult(), FetchResult()
    a.ok["x"] = Stats("x", 1, 2, 3)
    assert b.ok == {}


def test_parse_retry_after_seconds_and_http_date() -> None:
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Mon, 01 Jan 2024 12:00:45 GMT", now=now) == 45.0
    assert parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None


def test_scrub_masks_query_params_and_bearer() -> None:
    text = "GET /x?part=a&key=abc123&access_token=tok456 Authorization: Bearer zzz999"
    clean = scrub(text, ["sekret"])
    assert "abc123" not in clean and "tok456" not in clean and "zzz999" not in clean
    assert "part=a" in clean
    assert scrub("my sekret value", ["sekret"]) == "my *** value"
