"""Accounts (a creator's channels): handle checks and profile URLs, and the rule that a
handle, or a look-alike of it, belongs to one creator on a platform."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm.audit.services import diff, record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, NotFound
from crm.creators import identity
from crm.creators.models import PLATFORMS, Account, Creator
from crm.creators.services._common import _has_control, _text

# Letters, digits, "_", "." and "-" (the union of what the platforms allow in a handle).
HANDLE_RE = re.compile(r"^[\w.\-]{1,100}$")

PROFILE_URLS = {
    "youtube": "https://www.youtube.com/@{}",
    "instagram": "https://www.instagram.com/{}/",
    "tiktok": "https://www.tiktok.com/@{}",
    "x": "https://x.com/{}",
    "twitch": "https://www.twitch.tv/{}",
    "linkedin": "https://www.linkedin.com/in/{}",
}


# Profile addresses people paste, by host: the platform and where the handle sits in the path.
_HOSTS = {
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "x.com": "x",
    "twitter.com": "x",
    "twitch.tv": "twitch",
    "linkedin.com": "linkedin",
}
_PATH_PREFIXES = ("in", "c", "user", "channel")  # linkedin.com/in/…, youtube.com/c/…


def parse_profile_url(text: object) -> tuple[str, str] | None:
    """(platform, handle) of a pasted profile address — https://www.youtube.com/@name,
    instagram.com/name, tiktok.com/@name, x.com/name, twitch.tv/name, linkedin.com/in/name —
    or None when it is not one we know."""
    raw = _text(text)
    if not raw or " " in raw:
        return None
    if not re.match(r"^https?://", raw, re.IGNORECASE):
        if "/" not in raw or "." not in raw.split("/", 1)[0]:
            return None
        raw = "https://" + raw
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile."):
        host = host.removeprefix(prefix)
    platform = _HOSTS.get(host)
    if platform is None:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0].lower() in _PATH_PREFIXES and len(segments) > 1:
        segments = segments[1:]
    if not segments:
        return None
    handle = segments[0].lstrip("@")
    return (platform, handle) if handle else None


# --- field checks (no database) -------------------------------------------------------------


def normalise_handle(raw: object) -> str:
    """What the user wrote, without surrounding space or leading '@'."""
    return _text(raw).lstrip("@").strip()


def handle_key(raw: object) -> str:
    """What uniqueness compares: NFKC, case-folded, no leading '@' (crm.creators.identity)."""
    return identity.handle_key(raw)


def profile_url(platform: str, handle: str) -> str | None:
    pattern = PROFILE_URLS.get(platform)
    return pattern.format(normalise_handle(handle)) if pattern else None


def clean_account(data: dict, errors: FieldErrors, *, partial: bool = False) -> dict:
    """A pasted profile address in the handle gives the handle and, when none is chosen,
    the platform ("https://www.youtube.com/@name" is youtube, "name")."""
    data = dict(data)
    parsed = parse_profile_url(data.get("handle")) if "handle" in data else None
    if parsed is not None:
        chosen = _text(data.get("platform")).lower()
        if chosen in ("", "other"):
            data["platform"] = parsed[0]
        elif chosen != parsed[0]:
            errors.add("handle", f"is a {parsed[0]} address, but the platform is {chosen}")
        data["handle"] = parsed[1]
    out: dict = {}
    if not partial or "platform" in data:
        platform = _text(data.get("platform")).lower()
        if platform not in PLATFORMS:
            errors.add("platform", f"must be one of {', '.join(PLATFORMS)}")
        out["platform"] = platform
    if not partial or "handle" in data:
        handle = normalise_handle(data.get("handle"))
        if not handle:
            errors.add("handle", "is required")
        elif not HANDLE_RE.match(handle) or len(identity.handle_key(handle)) > 200:
            errors.add("handle", "may hold letters, digits, '_', '.' and '-' (100 at most)")
        out["handle"] = handle
    if not partial or "external_id" in data:
        external = _text(data.get("external_id"))
        if len(external) > 200 or _has_control(external):
            errors.add("external_id", "must be 200 characters at most")
        out["external_id"] = external or None
    if not partial or "url" in data:
        url = _text(data.get("url"))
        if url and (len(url) > 500 or not re.match(r"^https?://[^\s/$.?#][^\s]*$", url)):
            errors.add("url", "must be an http(s) address")
        out["url"] = url or None
    return out


# --- accounts -------------------------------------------------------------------------------


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("No such account.")
    return account


def account_holder(session: Session, platform: str, handle: str) -> Account | None:
    return session.scalar(
        select(Account)
        .options(selectinload(Account.creator))
        .where(Account.platform == platform, Account.handle_key == handle_key(handle))
    )


def clash_message(platform: str, handle: str, holder_name: str) -> str:
    return f"{handle} on {platform} already belongs to {holder_name}."


def _refuse_clash(
    session: Session, platform: str, handle: str, account_id: int | None = None
) -> None:
    holder = account_holder(session, platform, handle)
    if holder is None or holder.id == account_id:
        holder = identity.look_alike_holder(session, platform, handle, account_id)
    if holder is not None and holder.id != account_id:
        raise Conflict(clash_message(platform, handle, holder.creator.display_name))


def _flush_unique(session: Session, platform: str, handle: str) -> None:
    """The unique constraint is the last word when two requests race."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"{handle} on {platform} already belongs to another creator.") from None


def _recount_followers(session: Session, creator_id: int) -> None:
    total = session.scalar(
        select(func.sum(Account.followers)).where(Account.creator_id == creator_id)
    )
    creator = session.get(Creator, creator_id)
    if creator is not None:
        creator.followers_total = total


def add_account(session: Session, actor: Actor, creator: Creator, data: dict) -> Account:
    errors = FieldErrors()
    values = clean_account(data, errors)
    errors.raise_if_any()
    _refuse_clash(session, values["platform"], values["handle"])
    account = Account(
        creator_id=creator.id,
        platform=values["platform"],
        handle=values["handle"],
        handle_key=identity.handle_key(values["handle"]),
        handle_skeleton=identity.handle_skeleton(values["handle"]),
        external_id=values["external_id"],
        url=profile_url(values["platform"], values["handle"]) or values["url"],
    )
    session.add(account)
    _flush_unique(session, account.platform, account.handle)
    record(
        session,
        actor,
        "account.create",
        "creator",
        creator.id,
        {"platform": account.platform, "handle": account.handle},
    )
    return account


def update_account(session: Session, actor: Actor, account: Account, data: dict) -> Account:
    errors = FieldErrors()
    values = clean_account(data, errors, partial=True)
    errors.raise_if_any()
    platform = values.get("platform", account.platform)
    handle = values.get("handle", account.handle)
    _refuse_clash(session, platform, handle, account.id)
    before = {"platform": account.platform, "handle": account.handle, "url": account.url}
    account.platform = platform
    account.handle = handle
    account.handle_key = identity.handle_key(handle)
    account.handle_skeleton = identity.handle_skeleton(handle)
    if "external_id" in values:
        account.external_id = values["external_id"]
    derived = profile_url(platform, handle)
    if derived:
        account.url = derived
    elif "url" in values:
        account.url = values["url"]
    _flush_unique(session, platform, handle)
    after = {"platform": account.platform, "handle": account.handle, "url": account.url}
    record(session, actor, "account.update", "creator", account.creator_id, diff(before, after))
    return account


def delete_account(session: Session, actor: Actor, account: Account) -> None:
    creator_id = account.creator_id
    record(
        session,
        actor,
        "account.delete",
        "creator",
        creator_id,
        {"platform": account.platform, "handle": account.handle},
    )
    session.delete(account)
    session.flush()
    _recount_followers(session, creator_id)
    session.flush()


def parse_channels(text: object, errors: FieldErrors, field: str = "channels") -> list[dict]:
    """Channels typed one per line, each a profile address or `platform:handle`; problems
    go to `field` with the line they are on."""
    channels = []
    lines = [line.strip() for line in _text(text).splitlines() if line.strip()]
    if len(lines) > 20:
        errors.add(field, "at most 20 channels at once")
        return []
    for number, line in enumerate(lines, 1):
        parsed = parse_profile_url(line)
        if parsed is not None:
            data = {"platform": parsed[0], "handle": parsed[1]}
        else:
            platform, sep, handle = line.partition(":")
            if not sep:
                errors.add(
                    field, f"line {number}: paste a profile address or write platform:handle"
                )
                continue
            data = {"platform": platform, "handle": handle}
        line_errors = FieldErrors()
        values = clean_account(data, line_errors)
        for messages in line_errors.errors.values():
            for message in messages:
                errors.add(field, f"line {number} ({line[:60]}): {message}")
        if not line_errors:
            channels.append(values)
    return channels
