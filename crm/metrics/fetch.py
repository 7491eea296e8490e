"""The nightly snapshot run: every account of every configured platform, one row a day (R9).

Which accounts each platform can fetch:
- YouTube: accounts with an `external_id` (the channel id, ``UC…``); others are skipped.
- Instagram: every account, by its handle, through business discovery with the configured
  IG business user id and token.
- TikTok: `/v2/user/info/` only ever answers for the token's owner, so a token belongs to one
  account. An account uses the token stored in its `fetch_state["access_token"]` (set by an
  operator after the creator authorised us); `CRM_TIKTOK_ACCESS_TOKEN` applies only when there
  is exactly one TikTok account without its own token (a single-creator set-up). Every other
  TikTok account is skipped and the summary says why.

Accounts of archived creators are not fetched. A failing account keeps its error (scrubbed by
the clients) on `last_error`/`last_error_at` and never stops the others; each platform's
results are committed on their own, so one platform's trouble loses nothing of another's.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select

from crm.common.timeutil import org_today
from crm.creators.models import Account, Creator
from crm.db import session_scope, utcnow
from crm.metrics.clients import (
    BadPayload,
    InstagramClient,
    ProviderError,
    Stats,
    TikTokClient,
    YouTubeClient,
)
from crm.metrics.services import SnapshotRow, record_failure, record_success, upsert_rows

log = logging.getLogger(__name__)

FETCHED_PLATFORMS = ("youtube", "instagram", "tiktok")
TIKTOK_TOKEN_KEY = "access_token"  # noqa: S105 (a key name in fetch_state, not a secret)


@dataclass
class PlatformSummary:
    platform: str
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = f"{self.platform}: {self.ok} ok, {self.failed} failed, {self.skipped} skipped"
        return text + (f" ({'; '.join(self.notes)})" if self.notes else "")


@dataclass
class SnapshotSummary:
    day: date
    platforms: list[PlatformSummary] = field(default_factory=list)
    #: (account id, platform, handle, safe message) of each failed account
    failures: list[tuple[int, str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(p.ok for p in self.platforms)

    @property
    def failed(self) -> int:
        return sum(p.failed for p in self.platforms)

    @property
    def skipped(self) -> int:
        return sum(p.skipped for p in self.platforms)

    def lines(self) -> list[str]:
        out = [
            f"Snapshots for {self.day.isoformat()}: "
            f"{self.ok} ok, {self.failed} failed, {self.skipped} skipped"
        ]
        out += [f"  {p.line()}" for p in self.platforms]
        out += [f"  failed: account {i} {p} {h}: {m}" for i, p, h, m in self.failures[:50]]
        if len(self.failures) > 50:
            out.append(f"  … and {len(self.failures) - 50} more failures")
        return out


def client_options(app: Flask) -> dict[str, Any]:
    """Transport settings from config (all optional; the clients' defaults otherwise)."""
    opts: dict[str, Any] = {}
    timeout = app.config.get("CRM_METRICS_TIMEOUT")
    if timeout:
        opts["timeout"] = (min(5.0, float(timeout)), float(timeout))
    for key, name in (
        ("CRM_METRICS_MAX_RETRIES", "max_retries"),
        ("CRM_METRICS_BACKOFF_CAP", "backoff_cap"),
        ("CRM_METRICS_BACKOFF_BASE", "backoff_base"),
    ):
        if app.config.get(key) is not None:
            opts[name] = app.config[key]
    return opts


def snapshot_all(
    app: Flask,
    *,
    platform: str | None = None,
    today: date | None = None,
    options: dict[str, Any] | None = None,
) -> SnapshotSummary:
    """Fetch and store today's snapshot of every fetchable account; returns the summary."""
    if platform is not None and platform not in FETCHED_PLATFORMS:
        raise ValueError(f"platform must be one of {', '.join(FETCHED_PLATFORMS)}")
    day = today or org_today(app)
    opts = {**client_options(app), **(options or {})}
    summary = SnapshotSummary(day)
    for name in FETCHED_PLATFORMS:
        if platform and name != platform:
            continue
        part = PlatformSummary(name)
        summary.platforms.append(part)
        runner = _RUNNERS[name]
        with session_scope(app) as session:
            runner(app, session, day, opts, part, summary)
        log.info("metrics snapshot %s", part.line())
    return summary


def _accounts(session, platform: str) -> list[Account]:
    return list(
        session.scalars(
            select(Account)
            .join(Creator, Creator.id == Account.creator_id)
            .where(Account.platform == platform, Creator.archived.is_(False))
            .order_by(Account.id)
        )
    )


def _store(
    session,
    day: date,
    part: PlatformSummary,
    summary: SnapshotSummary,
    targets: dict[str, list[Account]],
    result,
) -> None:
    """Upsert every success and record every failure of one platform's fetch."""
    now = utcnow()
    rows: list[SnapshotRow] = []
    touched: list[Account] = []
    for key, accounts in targets.items():
        stats: Stats | None = result.ok.get(key)
        error: ProviderError | None = result.failed.get(key)
        if stats is None and error is None:  # the client must account for every key
            error = BadPayload(f"{part.platform}: no result for this account")
        for account in accounts:
            touched.append(account)
            if stats is not None:
                rows.append(SnapshotRow(account.id, day, stats.followers, stats.views, stats.posts))
                record_success(account, now, stats.log_id)
                part.ok += 1
            else:
                assert error is not None  # set above whenever there are no stats
                record_failure(account, error, now)
                part.failed += 1
                summary.failures.append(
                    (account.id, part.platform, account.handle, f"{error.kind}: {error.message}")
                )
                log.warning(
                    "metrics snapshot: account %s (%s) failed: %s",
                    account.id,
                    part.platform,
                    error.message,
                )
    if result.stopped is not None:
        part.notes.append(f"stopped early: {result.stopped.kind}")
    upsert_rows(session, rows, "api", accounts=touched)


def _run_youtube(app, session, day, opts, part, summary) -> None:
    key = app.config.get("CRM_YOUTUBE_API_KEY") or ""
    accounts = _accounts(session, "youtube")
    if not key:
        part.skipped = len(accounts)
        part.notes.append("no CRM_YOUTUBE_API_KEY configured")
        return
    targets: dict[str, list[Account]] = defaultdict(list)
    for account in accounts:
        channel = (account.external_id or "").strip()
        if channel:
            targets[channel].append(account)
        else:
            part.skipped += 1
    if part.skipped:
        part.notes.append(f"{part.skipped} without a channel id")
    if not targets:
        return
    with YouTubeClient(key, app.config.get("CRM_YOUTUBE_API_URL") or "", **opts) as client:
        result = client.fetch(list(targets))
    _store(session, day, part, summary, targets, result)


def _run_instagram(app, session, day, opts, part, summary) -> None:
    token = app.config.get("CRM_INSTAGRAM_ACCESS_TOKEN") or ""
    user_id = app.config.get("CRM_INSTAGRAM_USER_ID") or ""
    accounts = _accounts(session, "instagram")
    if not (token and user_id):
        part.skipped = len(accounts)
        part.notes.append("no CRM_INSTAGRAM_ACCESS_TOKEN and CRM_INSTAGRAM_USER_ID configured")
        return
    targets: dict[str, list[Account]] = defaultdict(list)
    for account in accounts:
        targets[account.handle_key or account.handle].append(account)
    if not targets:
        return
    with InstagramClient(
        token, user_id, app.config.get("CRM_INSTAGRAM_API_URL") or "", **opts
    ) as client:
        result = client.fetch(list(targets))
    _store(session, day, part, summary, targets, result)


def _run_tiktok(app, session, day, opts, part, summary) -> None:
    shared = app.config.get("CRM_TIKTOK_ACCESS_TOKEN") or ""
    accounts = _accounts(session, "tiktok")
    tokens: dict[str, str] = {}
    targets: dict[str, list[Account]] = {}
    without = []
    for account in accounts:
        own = (account.fetch_state or {}).get(TIKTOK_TOKEN_KEY)
        if isinstance(own, str) and own:
            tokens[str(account.id)] = own
            targets[str(account.id)] = [account]
        else:
            without.append(account)
    if shared and len(without) == 1:
        tokens[str(without[0].id)] = shared
        targets[str(without[0].id)] = [without[0]]
        without = []
    if without:
        part.skipped = len(without)
        if not shared and not tokens:
            part.notes.append("no CRM_TIKTOK_ACCESS_TOKEN configured")
        else:
            part.notes.append(f"{len(without)} without an access token of their own")
    if not targets:
        return
    with TikTokClient(app.config.get("CRM_TIKTOK_API_URL") or "", **opts) as client:
        result = client.fetch(tokens)
    _store(session, day, part, summary, targets, result)


_RUNNERS: dict[str, Callable] = {
    "youtube": _run_youtube,
    "instagram": _run_instagram,
    "tiktok": _run_tiktok,
}
