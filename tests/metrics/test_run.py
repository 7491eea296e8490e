"""The nightly run (`snapshot_all` and the CLI) against a loopback server answering each
platform's documented bodies."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from crm.common.registry import registry
from crm.creators.models import Account, Creator
from crm.metrics.fetch import snapshot_all
from crm.metrics.models import Snapshot
from tests.metrics.conftest import (
    IG_TOKEN,
    IG_USER,
    SECRETS,
    TT_TOKEN,
    graph_error,
    ig_ok,
    tt_error,
    tt_ok,
    yt_channel,
    yt_error,
    yt_list,
)

DAY = date(2026, 11, 20)
YT_PATH = "/yt/channels"
IG_PATH = f"/ig/{IG_USER}"
TT_PATH = "/tt/v2/user/info/"


def ig_query(handle: str) -> dict:
    fields = f"business_discovery.username({handle}){{followers_count,media_count}}"
    return {"fields": fields, "access_token": IG_TOKEN}


def snapshots(db, account) -> list[Snapshot]:
    return list(
        db.scalars(
            select(Snapshot).where(Snapshot.account_id == account.id).order_by(Snapshot.captured_on)
        )
    )


def reload(db, obj):
    db.expire_all()
    return db.get(type(obj), obj.id)


def test_a_run_stores_every_platform_and_the_latest_figures(app, db, providers, make_account):
    yt = make_account("youtube", external_id="UCaaaaaaaaaaaaaaaaaaaaaa")
    hidden = make_account(
        "youtube", creator=db.get(Creator, yt.creator_id), external_id="UChiddenhiddenhiddenhidd"
    )
    ig = make_account("instagram", handle="maya.lens", handle_key="maya.lens")
    tt = make_account("tiktok", handle="@theo", handle_key="theo")
    providers.expect_request(YT_PATH).respond_with_json(
        yt_list(
            yt_channel("UCaaaaaaaaaaaaaaaaaaaaaa", subs="1500", views="90000", videos="30"),
            yt_channel("UChiddenhiddenhiddenhidd", subs=None, hidden=True),
        )
    )
    providers.expect_request(IG_PATH, query_string=ig_query("maya.lens")).respond_with_json(
        ig_ok(2500, 140)
    )
    providers.expect_request(
        TT_PATH, headers={"Authorization": f"Bearer {TT_TOKEN}"}
    ).respond_with_json(tt_ok(3100, 1, 41))

    summary = snapshot_all(app, today=DAY)

    assert (summary.ok, summary.failed, summary.skipped) == (4, 0, 0)
    [row] = snapshots(db, yt)
    assert (row.captured_on, row.followers, row.views, row.posts, row.source) == (
        DAY,
        1500,
        90000,
        30,
        "api",
    )
    assert snapshots(db, hidden)[0].followers is None  # hidden count is unknown, not zero
    assert snapshots(db, ig)[0].followers == 2500
    assert snapshots(db, tt)[0].posts == 41
    assert reload(db, yt).followers == 1500 and reload(db, yt).followers_on == DAY
    assert reload(db, db.get(Creator, yt.creator_id)).followers_total == 1500


def test_a_second_run_the_same_day_updates_the_row(app, db, providers, make_account):
    account = make_account("youtube", external_id="UCaaaaaaaaaaaaaaaaaaaaaa")
    providers.expect_oneshot_request(YT_PATH).respond_with_json(
        yt_list(yt_channel("UCaaaaaaaaaaaaaaaaaaaaaa", subs="100"))
    )
    providers.expect_oneshot_request(YT_PATH).respond_with_json(
        yt_list(yt_channel("UCaaaaaaaaaaaaaaaaaaaaaa", subs="120"))
    )

    snapshot_all(app, platform="youtube", today=DAY)
    snapshot_all(app, platform="youtube", today=DAY)

    rows = snapshots(db, account)
    assert [(r.captured_on, r.followers) for r in rows] == [(DAY, 120)]
    assert reload(db, account).followers == 120


def test_quota_exceeded_fails_youtube_but_not_the_others(app, db, providers, make_account):
    a = make_account("youtube", external_id="UCaaaaaaaaaaaaaaaaaaaaaa")
    b = make_account("youtube", external_id="UCbbbbbbbbbbbbbbbbbbbbbb")
    ig = make_account("instagram", handle="ok.one", handle_key="ok.one")
    providers.expect_request(YT_PATH).respond_with_json(
        yt_error(
            403,
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your quota.",
        ),
        status=403,
    )
    providers.expect_request(IG_PATH).respond_with_json(ig_ok(77))

    summary = snapshot_all(app, today=DAY)

    assert (summary.ok, summary.failed) == (1, 2)
    for account in (a, b):
        fresh = reload(db, account)
        assert fresh.last_error.startswith(
            "quota_exceeded: youtube: The request cannot be completed"
        )
        assert fresh.last_error_at is not None
        assert snapshots(db, fresh) == []
    assert reload(db, ig).last_error is None
    assert snapshots(db, ig)[0].followers == 77
    youtube = next(p for p in summary.platforms if p.platform == "youtube")
    assert "stopped early: quota_exceeded" in youtube.line()


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (4, "rate_limited"),
        (17, "rate_limited"),
        (32, "rate_limited"),
        (613, "rate_limited"),
        (190, "auth"),
    ],
)
def test_graph_error_codes_are_recorded_on_every_instagram_account(
    app, db, providers, make_account, code, kind
):
    first = make_account("instagram", handle="first", handle_key="first")
    second = make_account("instagram", handle="second", handle_key="second")
    providers.expect_request(IG_PATH).respond_with_json(graph_error(code), status=400)

    summary = snapshot_all(app, platform="instagram", today=DAY)

    assert summary.failed == 2
    for account in (first, second):
        assert reload(db, account).last_error.startswith(f"{kind}: instagram:")
        assert reload(db, account).fetch_state["last_error_kind"] == kind
    # Run-stopping: the second handle is never asked for (rate limits are retried first).
    assert len(providers.log) == (3 if kind == "rate_limited" else 1)


def test_tiktok_envelope_error_keeps_its_log_id(app, db, providers, make_account):
    account = make_account("tiktok", handle="@solo", handle_key="solo")
    providers.expect_request(TT_PATH).respond_with_json(
        tt_error("access_token_invalid", log_id="202611220001LOG"), status=401
    )

    summary = snapshot_all(app, platform="tiktok", today=DAY)

    assert summary.failed == 1
    fresh = reload(db, account)
    assert fresh.last_error == "auth: tiktok: The access token is invalid"
    assert fresh.fetch_state["last_log_id"] == "202611220001LOG"


def test_tiktok_tokens_per_account_and_the_shared_token_for_a_single_one(
    app, db, providers, make_account
):
    own = make_account(
        "tiktok", handle="@own", handle_key="own", fetch_state={"access_token": "act.OWNtoken000"}
    )
    lone = make_account("tiktok", handle="@lone", handle_key="lone")
    providers.expect_request(
        TT_PATH, headers={"Authorization": "Bearer act.OWNtoken000"}
    ).respond_with_json(tt_ok(10))
    providers.expect_request(
        TT_PATH, headers={"Authorization": f"Bearer {TT_TOKEN}"}
    ).respond_with_json(tt_ok(20))

    summary = snapshot_all(app, platform="tiktok", today=DAY)
    assert summary.ok == 2
    assert reload(db, own).followers == 10 and reload(db, lone).followers == 20

    make_account("tiktok", handle="@third", handle_key="third")  # now two without a token
    summary = snapshot_all(app, platform="tiktok", today=DAY)
    tiktok = summary.platforms[0]
    assert (tiktok.ok, tiktok.skipped) == (1, 2)
    assert "2 without an access token of their own" in tiktok.line()


def test_429_with_retry_after_then_success(app, db, providers, make_account):
    account = make_account("instagram", handle="busy", handle_key="busy")
    providers.expect_oneshot_request(IG_PATH).respond_with_json(
        {"error": {"message": "slow down", "code": 2}}, status=429, headers={"Retry-After": "7"}
    )
    providers.expect_request(IG_PATH).respond_with_json(ig_ok(500))

    summary = snapshot_all(app, platform="instagram", today=DAY)

    assert (summary.ok, summary.failed) == (1, 0)
    assert snapshots(db, account)[0].followers == 500
    assert len(providers.log) == 2


def test_a_timeout_fails_that_account_only(app, db, providers, make_account, monkeypatch):
    fast = make_account("instagram", handle="fast", handle_key="fast")
    slow = make_account("instagram", handle="slow", handle_key="slow")  # fetched last (id order)
    monkeypatch.setitem(app.config, "CRM_METRICS_TIMEOUT", 0.3)
    monkeypatch.setitem(app.config, "CRM_METRICS_MAX_RETRIES", 0)
    release = threading.Event()

    def hang(_request):
        release.wait(2)
        return Response("{}", content_type="application/json")

    providers.expect_request(IG_PATH, query_string=ig_query("fast")).respond_with_json(ig_ok(1))
    providers.expect_request(IG_PATH, query_string=ig_query("slow")).respond_with_handler(hang)
    try:
        summary = snapshot_all(app, platform="instagram", today=DAY)
    finally:
        release.set()
    deadline = time.monotonic() + 3
    while len(providers.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)

    assert (summary.ok, summary.failed) == (1, 1)
    assert reload(db, slow).last_error.startswith("timeout: instagram: request timed out")
    assert reload(db, fast).last_error is None


def test_a_malformed_payload_is_recorded_and_the_run_goes_on(app, db, providers, make_account):
    yt = make_account("youtube", external_id="UCaaaaaaaaaaaaaaaaaaaaaa")
    ig = make_account("instagram", handle="fine", handle_key="fine")
    providers.expect_request(YT_PATH).respond_with_data("<html>oops</html>", status=200)
    providers.expect_request(IG_PATH).respond_with_json(ig_ok(5))

    summary = snapshot_all(app, today=DAY)

    assert (summary.ok, summary.failed) == (1, 1)
    assert reload(db, yt).last_error.startswith("bad_payload: youtube: malformed JSON")
    assert snapshots(db, ig)[0].followers == 5


def test_a_later_success_clears_the_last_error(app, db, providers, make_account):
    account = make_account("instagram", handle="flaky", handle_key="flaky")
    providers.expect_oneshot_request(IG_PATH).respond_with_json(
        graph_error(190, "expired"), status=400
    )
    providers.expect_request(IG_PATH).respond_with_json(ig_ok(9))
    snapshot_all(app, platform="instagram", today=DAY)
    assert reload(db, account).last_error
    snapshot_all(app, platform="instagram", today=DAY)
    assert reload(db, account).last_error is None
    assert reload(db, account).fetch_state.get("last_error_kind") is None


def test_platforms_without_credentials_are_skipped_and_said(
    app, db, providers, make_account, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_YOUTUBE_API_KEY", "")
    monkeypatch.setitem(app.config, "CRM_TIKTOK_ACCESS_TOKEN", "")
    make_account("youtube")
    make_account("tiktok", handle="@x", handle_key="x")
    make_account("youtube", external_id=None)

    summary = snapshot_all(app, today=DAY)

    lines = "\n".join(summary.lines())
    assert "youtube: 0 ok, 0 failed, 2 skipped (no CRM_YOUTUBE_API_KEY configured)" in lines
    assert "tiktok: 0 ok, 0 failed, 1 skipped (no CRM_TIKTOK_ACCESS_TOKEN configured)" in lines
    assert summary.failed == 0 and len(providers.log) == 0


def test_youtube_accounts_without_a_channel_id_are_skipped(app, db, providers, make_account):
    make_account("youtube", external_id=None)
    summary = snapshot_all(app, platform="youtube", today=DAY)
    assert summary.skipped == 1
    assert "1 without a channel id" in summary.platforms[0].line()


def test_archived_creators_are_not_fetched(app, db, providers, make_account, make_creator):
    make_account("instagram", creator=make_creator(archived=True), handle="gone", handle_key="gone")
    summary = snapshot_all(app, platform="instagram", today=DAY)
    assert (summary.ok, summary.failed, summary.skipped) == (0, 0, 0)
    assert len(providers.log) == 0


# --------------------------------------------------------------------------- the CLI


def test_cli_prints_the_summary_and_exits_non_zero_on_failure(
    app, db, runner, providers, make_account, caplog
):
    caplog.set_level(logging.DEBUG)
    make_account("youtube", external_id="UCaaaaaaaaaaaaaaaaaaaaaa")
    make_account("instagram", handle="bad", handle_key="bad")
    make_account("tiktok", handle="@t", handle_key="t")
    providers.expect_request(YT_PATH).respond_with_json(
        yt_error(400, "keyInvalid", "API key not valid. Please pass a valid API key."), status=400
    )
    providers.expect_request(IG_PATH).respond_with_json(
        graph_error(190, f"Error validating access token {IG_TOKEN}"), status=400
    )
    providers.expect_request(TT_PATH).respond_with_json(tt_ok(5))

    result = runner.invoke(args=["crm", "metrics", "snapshot"])

    assert result.exit_code == 1, result.output
    assert "1 ok, 2 failed, 0 skipped" in result.output
    assert "auth: youtube: API key not valid" in result.output
    # The loopback server's own access log ("werkzeug") is the provider's side, not ours.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    assert "key=***" in ours  # urllib3's URL line is redacted, not silenced
    everything = (
        result.output + ours + "".join(str(a.last_error) for a in db.scalars(select(Account)))
    )
    for secret in SECRETS:
        assert secret not in everything


def test_cli_exits_zero_when_all_succeed_and_filters_by_platform(
    app, db, runner, providers, make_account
):
    make_account("instagram", handle="good", handle_key="good")
    make_account("youtube", external_id="UCaaaaaaaaaaaaaaaaaaaaaa")  # not asked: --platform
    providers.expect_request(IG_PATH).respond_with_json(ig_ok(3))

    result = runner.invoke(args=["crm", "metrics", "snapshot", "--platform", "instagram"])

    assert result.exit_code == 0, result.output
    assert "instagram: 1 ok, 0 failed, 0 skipped" in result.output
    assert "youtube" not in result.output
    assert db.scalar(select(func.count()).select_from(Snapshot)) == 1


def test_cli_refuses_an_unknown_platform(runner, db):
    result = runner.invoke(args=["crm", "metrics", "snapshot", "--platform", "myspace"])
    assert result.exit_code == 2


def test_the_daily_job_is_registered(app):
    job = next(j for j in registry(app).jobs if j.id == "metrics.snapshot")
    assert job.trigger == "cron" and job.trigger_args == {"hour": 3, "minute": 0}


@pytest.mark.slow
def test_time_to_snapshot_1000_accounts(app, db, providers, make_creator, capsys):
    creators = [make_creator() for _ in range(100)]
    rows = []
    for i in range(1000):
        creator = creators[i % 100]
        if i < 500:
            rows.append(
                Account(
                    creator_id=creator.id,
                    platform="youtube",
                    handle=f"@yt{i}",
                    handle_key=f"yt{i}",
                    external_id=f"UC{i:022d}",
                )
            )
        elif i < 900:
            rows.append(
                Account(
                    creator_id=creator.id,
                    platform="instagram",
                    handle=f"ig{i}",
                    handle_key=f"ig{i}",
                )
            )
        else:
            rows.append(
                Account(
                    creator_id=creator.id,
                    platform="tiktok",
                    handle=f"@tt{i}",
                    handle_key=f"tt{i}",
                    fetch_state={"access_token": f"act.T{i}"},
                )
            )
    db.add_all(rows)
    db.flush()

    def youtube(request):
        ids = request.args["id"].split(",")
        import json

        return Response(
            json.dumps(yt_list(*(yt_channel(c, subs="42") for c in ids))),
            content_type="application/json",
        )

    providers.expect_request(YT_PATH).respond_with_handler(youtube)
    providers.expect_request(IG_PATH).respond_with_json(ig_ok(43))
    providers.expect_request(TT_PATH).respond_with_json(tt_ok(44))

    started = time.perf_counter()
    summary = snapshot_all(app, today=DAY)
    elapsed = time.perf_counter() - started

    assert (summary.ok, summary.failed) == (1000, 0)
    assert db.scalar(select(func.count()).select_from(Snapshot)) == 1000
    with capsys.disabled():
        print(f"\nsnapshot of 1,000 accounts against the local server: {elapsed:.2f}s")
    assert elapsed < 60
