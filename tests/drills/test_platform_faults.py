"""Drill: the platform APIs answer 500, 429, garbage, then hang; `crm metrics snapshot`
reports each failure on its account, stores nothing false, finishes in bounded time, and
the next run after the platforms recover stores the figures and clears the errors.

Each fault against each client is tested in tests/metrics/test_clients.py and through
`snapshot_all` in tests/metrics/test_run.py; this drill runs them through the CLI the
scheduler and operators use.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select
from werkzeug.wrappers import Response

from crm.metrics.models import Snapshot
from tests.metrics.conftest import IG_USER, ig_ok, tt_ok, yt_channel, yt_list

YT = "/yt/channels"
IG = f"/ig/{IG_USER}"
TT = "/tt/v2/user/info/"
YT_ID = "UCaaaaaaaaaaaaaaaaaaaaaa"


def _accounts(make_account):
    return [
        make_account("youtube", external_id=YT_ID),
        make_account("instagram", handle="maya", handle_key="maya"),
        make_account("tiktok", handle="@tia", handle_key="tia"),
    ]


def _snapshots(db) -> int:
    return db.scalar(select(func.count()).select_from(Snapshot))


def _errors(db, accounts) -> list[str | None]:
    db.expire_all()
    return [db.get(type(a), a.id).last_error for a in accounts]


def test_500_429_garbage_and_hanging_then_recovery(app, db, runner, providers, make_account):
    accounts = _accounts(make_account)

    # 500 from YouTube (retried, then given up), 429 from Instagram, garbage from TikTok.
    providers.expect_request(YT).respond_with_data("upstream exploded", status=500)
    providers.expect_request(IG).respond_with_data(
        '{"error": {"message": "slow down", "code": 4}}',
        status=429,
        headers={"Retry-After": "0"},
        content_type="application/json",
    )
    providers.expect_request(TT).respond_with_data("<html>not json", status=200)
    result = runner.invoke(args=["crm", "metrics", "snapshot"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert ": 0 ok, 3 failed, 0 skipped" in result.output
    assert "http: youtube: HTTP 500" in result.output
    assert "rate_limited: instagram" in result.output
    assert "bad_payload: tiktok: malformed JSON" in result.output
    assert all(_errors(db, accounts)), _errors(db, accounts)
    assert _snapshots(db) == 0

    # Every platform hangs: each request times out, the run still ends promptly.
    providers.clear_all_handlers()
    release = threading.Event()

    def hang(_request):
        release.wait(5)
        return Response("{}", content_type="application/json")

    for path in (YT, IG, TT):
        providers.expect_request(path).respond_with_handler(hang)
    app.config["CRM_METRICS_TIMEOUT"] = 0.3
    app.config["CRM_METRICS_MAX_RETRIES"] = 0
    started = time.monotonic()
    try:
        result = runner.invoke(args=["crm", "metrics", "snapshot"])
    finally:
        release.set()
    assert time.monotonic() - started < 10
    assert result.exit_code == 1, result.output
    assert all(e and "timeout" in e for e in _errors(db, accounts)), _errors(db, accounts)
    assert _snapshots(db) == 0

    # The platforms recover: figures stored, errors cleared, exit 0.
    providers.clear_all_handlers()
    providers.expect_request(YT).respond_with_json(yt_list(yt_channel(YT_ID, subs="1200")))
    providers.expect_request(IG).respond_with_json(ig_ok(2300))
    providers.expect_request(TT).respond_with_json(tt_ok(3400))
    result = runner.invoke(args=["crm", "metrics", "snapshot"])
    assert result.exit_code == 0, result.output
    assert _errors(db, accounts) == [None, None, None]
    assert sorted(db.scalars(select(Snapshot.followers))) == [1200, 2300, 3400]
