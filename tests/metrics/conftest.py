"""What the fake platforms answer (pytest-httpserver): credentials and response bodies. The
`providers` fixture (tests/conftest.py) points the app's provider settings at that server."""

from __future__ import annotations

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
