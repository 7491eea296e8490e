"""Metrics fixtures: accounts on each platform, and the app's provider settings pointed at
pytest-httpserver (tiny backoff so retries cost no time)."""

from __future__ import annotations

import pytest

from tests.factories import AccountFactory, CreatorFactory

YT_KEY = "AIzaSyRUNsecret-key_0123456789abcdef"
IG_TOKEN = "EAAGrunSECRETtoken0123456789xyz"
IG_USER = "17841405309211844"
TT_TOKEN = "act.RUNsecrettiktoktoken0123456789"
SECRETS = (YT_KEY, IG_TOKEN, TT_TOKEN)


def yt_channel(cid: str, subs="1000", views="50000", videos="12", hidden=False) -> dict:
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


def ig_ok(followers=2000, media=120) -> dict:
    disc = {"followers_count": followers, "media_count": media, "id": "17841401441775531"}
    return {"business_discovery": disc, "id": IG_USER}


def graph_error(code: int, message: str = "Application request limit reached") -> dict:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AbC123trace",
        }
    }


def tt_ok(followers=3000, likes=90000, videos=40) -> dict:
    user = {"follower_count": followers, "likes_count": likes, "video_count": videos}
    return {"data": {"user": user}, "error": {"code": "ok", "message": "", "log_id": "LOG-OK-1"}}


def tt_error(
    code: str, log_id: str = "20261122ABCDEF", message: str = "The access token is invalid"
) -> dict:
    return {"data": {}, "error": {"code": code, "message": message, "log_id": log_id}}


@pytest.fixture
def make_creator(db):
    def make(**kwargs):
        creator = CreatorFactory.build(**kwargs)
        db.add(creator)
        db.flush()
        return creator

    return make


@pytest.fixture
def make_account(db, make_creator):
    """`make_account("instagram", handle="maya")` (a new creator unless one is given)."""

    def make(platform: str = "youtube", creator=None, **kwargs):
        creator = creator or make_creator()
        if platform != "youtube":
            kwargs.setdefault("external_id", None)
        account = AccountFactory.build(creator_id=creator.id, platform=platform, **kwargs)
        db.add(account)
        db.flush()
        return account

    return make


@pytest.fixture
def providers(app, httpserver, monkeypatch):
    """Every platform configured against the local server; returns the server."""
    settings = {
        "CRM_YOUTUBE_API_KEY": YT_KEY,
        "CRM_YOUTUBE_API_URL": httpserver.url_for("/yt"),
        "CRM_INSTAGRAM_ACCESS_TOKEN": IG_TOKEN,
        "CRM_INSTAGRAM_USER_ID": IG_USER,
        "CRM_INSTAGRAM_API_URL": httpserver.url_for("/ig"),
        "CRM_TIKTOK_ACCESS_TOKEN": TT_TOKEN,
        "CRM_TIKTOK_API_URL": httpserver.url_for("/tt"),
        "CRM_METRICS_BACKOFF_BASE": 0.0,
        "CRM_METRICS_BACKOFF_CAP": 0.0,
        "CRM_METRICS_MAX_RETRIES": 2,
        "CRM_METRICS_TIMEOUT": 2.0,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return httpserver
