"""Creators, representatives, accounts, interactions and saved views: the rules, in one place.

The HTML views, the API, the CSV import and the CLI all call these functions; the caller
commits once. Field checks are plain functions (`clean_*`) so the CSV import can validate
10,000 rows without a query per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from crm.audit.services import diff, record
from crm.auth.models import User
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.permissions import ADMIN, EDITORS
from crm.creators import identity
from crm.creators.models import (
    CREATOR_STATUSES,
    INTERACTION_KINDS,
    PLATFORMS,
    Account,
    Creator,
    CreatorTag,
    Interaction,
    Representative,
    SavedView,
)
from crm.db import utcnow

# ISO 3166-1 alpha-2 (officially assigned codes).
_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRIES = frozenset(_COUNTRY_CODES.split())

EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
# Letters, digits, "_", "." and "-" (the union of what the platforms allow in a handle).
HANDLE_RE = re.compile(r"^[\w.\-]{1,100}$")
TAG_MAX = 60
TAGS_MAX = 30

PROFILE_URLS = {
    "youtube": "https://www.youtube.com/@{}",
    "instagram": "https://www.instagram.com/{}/",
    "tiktok": "https://www.tiktok.com/@{}",
    "x": "https://x.com/{}",
    "twitch": "https://www.twitch.tv/{}",
    "linkedin": "https://www.linkedin.com/in/{}",
}

CREATOR_FIELDS = (
    "display_name",
    "legal_name",
    "email",
    "country",
    "status",
    "owner_id",
    "tags",
    "notes",
)


# --- field checks (no database) -------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _has_control(value: str) -> bool:
    return any(ord(c) < 32 and c not in "\n\r\t" for c in value)


def normalise_tag(raw: str) -> str:
    return " ".join(_text(raw).lstrip("#").lower().split())


def normalise_tags(
    raw: str | Iterable[str] | None, errors: FieldErrors, field: str = "tags"
) -> list[str]:
    """Tags are lower-case, without a leading '#', single-spaced, unique, sorted."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = re.split(r"[,;]", raw)
    tags: set[str] = set()
    for item in raw:
        tag = normalise_tag(item)
        if not tag:
            continue
        if len(tag) > TAG_MAX or _has_control(tag) or any(c in tag for c in ",;"):
            errors.add(field, f"“{tag[:20]}” is not a valid tag ({TAG_MAX} characters at most)")
            continue
        tags.add(tag)
    if len(tags) > TAGS_MAX:
        errors.add(field, f"{TAGS_MAX} tags at most")
    return sorted(tags)


def normalise_handle(raw: object) -> str:
    """What the user wrote, without surrounding space or leading '@'."""
    return _text(raw).lstrip("@").strip()


def handle_key(raw: object) -> str:
    """What uniqueness compares: NFKC, case-folded, no leading '@' (crm.creators.identity)."""
    return identity.handle_key(raw)


def profile_url(platform: str, handle: str) -> str | None:
    pattern = PROFILE_URLS.get(platform)
    return pattern.format(normalise_handle(handle)) if pattern else None


def clean_creator(data: dict, errors: FieldErrors, *, partial: bool = False) -> dict:
    """Normalise and check creator fields (all of them, or only those given when partial)."""
    out: dict = {}

    def given(name: str) -> bool:
        return name in data if partial else True

    if given("display_name"):
        name = _text(data.get("display_name"))
        if not name:
            errors.add("display_name", "is required")
        elif len(name) > 200 or _has_control(name):
            errors.add("display_name", "must be 200 characters at most, without control codes")
        out["display_name"] = name
    if given("legal_name"):
        legal = _text(data.get("legal_name"))
        if len(legal) > 200 or _has_control(legal):
            errors.add("legal_name", "must be 200 characters at most, without control codes")
        out["legal_name"] = legal or None
    if given("email"):
        email = _text(data.get("email")).lower()
        if email and (len(email) > 254 or not EMAIL_RE.match(email)):
            errors.add("email", "must be a valid email address")
        out["email"] = email or None
    if given("country"):
        country = _text(data.get("country")).upper()
        if country and country not in COUNTRIES:
            errors.add("country", "must be an ISO 3166 alpha-2 country code such as US or GB")
        out["country"] = country or None
    if given("status"):
        status = _text(data.get("status")) or ("prospect" if not partial else "")
        if status not in CREATOR_STATUSES:
            errors.add("status", f"must be one of {', '.join(CREATOR_STATUSES)}")
        out["status"] = status
    if given("tags"):
        out["tags"] = normalise_tags(data.get("tags"), errors)
    if given("notes"):
        notes = data.get("notes") or ""
        if not isinstance(notes, str):
            errors.add("notes", "must be text")
            notes = ""
        if len(notes) > 20000:
            errors.add("notes", "must be 20,000 characters at most")
        out["notes"] = notes.strip()
    if given("owner_id") and "owner_id" in data:
        out["owner_id"] = data.get("owner_id")
    if (partial and "sites" in data) or (not partial and data.get("sites") is not None):
        out["sites"] = normalise_sites(data.get("sites"), errors)
    return out


MAX_SITES = 20


def normalise_sites(raw: object, errors: FieldErrors) -> list[str]:
    """A list of http(s) URLs with a host, without duplicates, in the order given."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.add("sites", "must be a list of URLs")
        return []
    sites: list[str] = []
    for value in raw:
        url = _text(value) if isinstance(value, str) else ""
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or len(url) > 2000
            or _has_control(url)
            or any(ch.isspace() for ch in url)
        ):
            errors.add("sites", f"{str(value)[:100]!r} is not an http or https URL")
            continue
        if url not in sites:
            sites.append(url)
    if len(sites) > MAX_SITES:
        errors.add("sites", f"must list at most {MAX_SITES} sites")
    return sites


def clean_account(data: dict, errors: FieldErrors, *, partial: bool = False) -> dict:
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


# --- creators -------------------------------------------------------------------------------


def get_creator(session: Session, creator_id: int, *, details: bool = False) -> Creator:
    stmt = select(Creator).where(Creator.id == creator_id)
    if details:
        stmt = stmt.options(
            selectinload(Creator.accounts),
            selectinload(Creator.representatives),
            joinedload(Creator.owner),
        ).execution_options(populate_existing=True)
    creator = session.scalar(stmt)
    if creator is None:
        raise NotFound("No such creator.")
    return creator


def owner_choices(session: Session) -> list[User]:
    """Users who can own creators: active admins and managers."""
    return list(
        session.scalars(
            select(User).where(User.active.is_(True), User.role.in_(EDITORS)).order_by(User.name)
        )
    )


def _check_owner(
    session: Session,
    actor: Actor,
    current: int | None,
    wanted: int | str | None,
    errors: FieldErrors,
) -> int | None:
    """Only an admin assigns or reassigns an owner; a manager keeps what is there."""
    if wanted in ("", None):
        wanted = None
    else:
        try:
            wanted = int(wanted)
        except (TypeError, ValueError):
            errors.add("owner_id", "must be a user id")
            return current
    if wanted == current:
        return current
    if getattr(actor, "role", None) != ADMIN:
        errors.add("owner_id", "only an admin can assign or change the owner")
        return current
    if wanted is not None:
        user = session.get(User, wanted)
        if user is None or not user.active or user.role not in EDITORS:
            errors.add("owner_id", "must be an active admin or manager")
    return wanted


def _set_tags(creator: Creator, tags: list[str]) -> None:
    keep = [t for t in creator.tags if t.tag in tags]
    have = {t.tag for t in keep}
    creator.tags = keep + [CreatorTag(tag=t) for t in tags if t not in have]


def _snapshot(creator: Creator) -> dict:
    return {
        "display_name": creator.display_name,
        "legal_name": creator.legal_name,
        "email": creator.email,
        "country": creator.country,
        "status": creator.status,
        "owner_id": creator.owner_id,
        "tags": creator.tag_names,
        "notes": creator.notes,
        "sites": list(creator.sites or []),
    }


def _apply(creator: Creator, values: dict) -> None:
    for key, value in values.items():
        if key == "tags":
            _set_tags(creator, value)
        else:
            setattr(creator, key, value)
    if "display_name" in values:
        creator.search_name = values["display_name"].lower()


def create_creator(session: Session, actor: Actor, data: dict) -> Creator:
    errors = FieldErrors()
    values = clean_creator(data, errors)
    default_owner = actor.id if getattr(actor, "role", None) in EDITORS else None
    if "owner_id" in values and values["owner_id"] not in (None, ""):
        values["owner_id"] = _check_owner(session, actor, default_owner, values["owner_id"], errors)
    else:
        values["owner_id"] = default_owner
    errors.raise_if_any()
    creator = Creator(tags=[], notes="")
    _apply(creator, values)
    session.add(creator)
    session.flush()
    record(session, actor, "creator.create", "creator", creator.id, _snapshot(creator))
    return creator


def update_creator(session: Session, actor: Actor, creator: Creator, data: dict) -> Creator:
    """Change the fields given; `owner_id` only by an admin."""
    errors = FieldErrors()
    values = clean_creator(data, errors, partial=True)
    if "owner_id" in values:
        values["owner_id"] = _check_owner(
            session, actor, creator.owner_id, values["owner_id"], errors
        )
    errors.raise_if_any()
    before = _snapshot(creator)
    _apply(creator, values)
    changes = diff(before, _snapshot(creator))
    if changes:
        creator.updated_at = utcnow()
        session.flush()
        record(session, actor, "creator.update", "creator", creator.id, changes)
    return creator


def archive_creator(session: Session, actor: Actor, creator: Creator) -> Creator:
    if not creator.archived:
        creator.archived = True
        creator.archived_at = utcnow()
        session.flush()
        record(
            session, actor, "creator.archive", "creator", creator.id, {"archived": [False, True]}
        )
    return creator


def restore_creator(session: Session, actor: Actor, creator: Creator) -> Creator:
    if creator.archived:
        creator.archived = False
        creator.archived_at = None
        session.flush()
        record(
            session, actor, "creator.restore", "creator", creator.id, {"archived": [True, False]}
        )
    return creator


# --- representatives ------------------------------------------------------------------------


def clean_representative(data: dict, errors: FieldErrors) -> dict[str, str | None]:
    name = _text(data.get("name"))
    if not name:
        errors.add("name", "is required")
    out: dict[str, str | None] = {"name": name}
    for key, limit in (("agency", 200), ("phone", 50)):
        value = _text(data.get(key))
        if len(value) > limit or _has_control(value):
            errors.add(key, f"must be {limit} characters at most")
        out[key] = value or None
    if len(name) > 200:
        errors.add("name", "must be 200 characters at most")
    email = _text(data.get("email")).lower()
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        errors.add("email", "must be a valid email address")
    out["email"] = email or None
    phone = out["phone"] or ""
    if phone and not re.match(r"^[0-9+()./ \-]{3,50}$", phone):
        errors.add("phone", "may hold digits, spaces and + ( ) . / -")
    return out


def get_representative(session: Session, creator: Creator, rep_id: int) -> Representative:
    rep = session.get(Representative, rep_id)
    if rep is None or rep.creator_id != creator.id:
        raise NotFound("No such representative.")
    return rep


def add_representative(
    session: Session, actor: Actor, creator: Creator, data: dict
) -> Representative:
    errors = FieldErrors()
    values = clean_representative(data, errors)
    errors.raise_if_any()
    rep = Representative(creator_id=creator.id, **values)
    session.add(rep)
    session.flush()
    record(session, actor, "representative.create", "creator", creator.id, values)
    return rep


def update_representative(
    session: Session, actor: Actor, rep: Representative, data: dict
) -> Representative:
    errors = FieldErrors()
    values = clean_representative(data, errors)
    errors.raise_if_any()
    before = {k: getattr(rep, k) for k in values}
    for key, value in values.items():
        setattr(rep, key, value)
    session.flush()
    record(session, actor, "representative.update", "creator", rep.creator_id, diff(before, values))
    return rep


def delete_representative(session: Session, actor: Actor, rep: Representative) -> None:
    record(session, actor, "representative.delete", "creator", rep.creator_id, {"name": rep.name})
    session.delete(rep)
    session.flush()


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


# --- interactions ---------------------------------------------------------------------------


def record_interaction(
    session: Session,
    actor: Actor,
    creator: Creator,
    *,
    kind: str,
    occurred_at: datetime,
    summary: str,
) -> Interaction:
    errors = FieldErrors()
    if kind not in INTERACTION_KINDS:
        errors.add("kind", f"must be one of {', '.join(INTERACTION_KINDS)}")
    if not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None:
        errors.add("occurred_at", "must be a date and time with a UTC offset")
    summary = _text(summary)
    if not summary:
        errors.add("summary", "is required")
    elif len(summary) > 5000:
        errors.add("summary", "must be 5,000 characters at most")
    errors.raise_if_any()
    interaction = Interaction(
        creator_id=creator.id,
        kind=kind,
        occurred_at=occurred_at,
        summary=summary,
        user_id=getattr(actor, "id", None),
    )
    session.add(interaction)
    if creator.last_interaction_at is None or occurred_at > creator.last_interaction_at:
        creator.last_interaction_at = occurred_at
    session.flush()
    return interaction


def recent_interactions(session: Session, creator: Creator, limit: int = 50) -> list[Interaction]:
    return list(
        session.scalars(
            select(Interaction)
            .options(joinedload(Interaction.user))
            .where(Interaction.creator_id == creator.id)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )


# --- saved views ----------------------------------------------------------------------------


def saved_views(session: Session, user: User) -> list[SavedView]:
    return list(
        session.scalars(
            select(SavedView)
            .where(SavedView.user_id == user.id)
            .order_by(SavedView.position, SavedView.name)
        )
    )


def save_view(session: Session, user: User, name: str, query: dict) -> SavedView:
    """Save the filters under a name; saving an existing name replaces its filters."""
    name = _text(name)
    if not name or len(name) > 100 or _has_control(name):
        raise Invalid({"name": ["is required (100 characters at most, without control codes)"]})
    clean = {str(k): str(v) for k, v in query.items() if v not in (None, "") and k != "cursor"}
    view = session.scalar(
        select(SavedView).where(SavedView.user_id == user.id, SavedView.name == name)
    )
    if view is None:
        view = SavedView(user_id=user.id, name=name, query=clean)
        session.add(view)
    else:
        view.query = clean
    session.flush()
    return view


def delete_view(session: Session, user: User, view_id: int) -> None:
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        raise NotFound("No such saved view.")
    session.delete(view)
    session.flush()
