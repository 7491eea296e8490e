"""Creators: their field checks (plain functions, no database, so the CSV import can check
10,000 rows without a query per row), the owner rule, and create, update, archive, restore."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm.audit.services import diff, record
from crm.auth.models import User
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.permissions import ADMIN, EDITORS
from crm.creators import custom_fields
from crm.creators.models import CREATOR_STATUSES, Creator, CreatorTag
from crm.creators.services._common import EMAIL_RE, _has_control, _text
from crm.creators.services.accounts import add_account, parse_channels
from crm.db import utcnow
from crm.reminders.models import Reminder

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

TAG_MAX = 60
TAGS_MAX = 30

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


# --- creators -------------------------------------------------------------------------------


def _creator_stmt(creator_id: int, *, details: bool, header: bool) -> Select[Creator]:
    stmt = select(Creator).where(Creator.id == creator_id)
    if header:
        stmt = stmt.options(
            joinedload(Creator.owner), joinedload(Creator.tags), joinedload(Creator.accounts)
        )
    if details:
        stmt = stmt.options(selectinload(Creator.representatives), joinedload(Creator.owner))
        if not header:
            stmt = stmt.options(selectinload(Creator.accounts))
    if header or details:
        stmt = stmt.execution_options(populate_existing=True)
    return stmt


def get_creator(
    session: Session, creator_id: int, *, details: bool = False, header: bool = False
) -> Creator:
    """`header`: with its owner, tags and accounts in the same statement (the creator page's
    summary header: channels with their follower counts); `details`: with its
    representatives too."""
    creator = session.scalars(_creator_stmt(creator_id, details=details, header=header))
    found = creator.unique().first()
    if found is None:
        raise NotFound("No such creator.")
    return found


@dataclass(frozen=True)
class NextDue:
    """The creator's open task due first (the creator page's summary header)."""

    title: str
    due_on: date


def get_creator_page(
    session: Session, creator_id: int, *, details: bool = False
) -> tuple[Creator, NextDue | None]:
    """The creator with its header (`get_creator(header=True)`) and its next thing due, in
    one statement: the task is two correlated subqueries on the creator's open reminders
    (index ix_reminders_creator), so no tab of the page pays a statement for its header."""
    first = (
        select(Reminder.id)
        .where(Reminder.creator_id == Creator.id, Reminder.status == "open")
        .order_by(Reminder.due_on, Reminder.id)
        .limit(1)
        .correlate(Creator)
        .scalar_subquery()
    )
    title = select(Reminder.title).where(Reminder.id == first).scalar_subquery()
    due_on = select(Reminder.due_on).where(Reminder.id == first).scalar_subquery()
    stmt = _creator_stmt(creator_id, details=details, header=True).add_columns(
        title.label("next_title"), due_on.label("next_due_on")
    )
    row = session.execute(stmt).unique().first()
    if row is None:
        raise NotFound("No such creator.")
    creator, next_title, next_due_on = row
    due = NextDue(next_title, next_due_on) if next_title is not None else None
    return creator, due


@dataclass(frozen=True)
class OwnerChoice:
    id: int
    name: str
    email: str


def owner_choices(session: Session) -> list[OwnerChoice]:
    """Users who can own creators: active admins and managers, as the three columns a picker
    shows (the creators page draws this list twice; loading a hundred users as models cost
    a sixth of the page)."""
    rows = session.execute(
        select(User.id, User.name, User.email)
        .where(User.active.is_(True), User.role.in_(EDITORS))
        .order_by(User.name)
    )
    return [OwnerChoice(*row) for row in rows]


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
        "custom_fields": dict(creator.custom_fields or {}),
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
    """A new creator; `channels` (text, one per line: a profile address or platform:handle)
    adds their accounts in the same step, each checked as `add_account` checks it."""
    data = dict(data)
    errors = FieldErrors()
    channels = parse_channels(data.pop("channels", None), errors)
    values = clean_creator(data, errors)
    values["custom_fields"] = custom_fields.clean_values(
        session, "creator", data.get("custom_fields"), errors, current=None, creating=True
    )
    default_owner = actor.id if getattr(actor, "role", None) in EDITORS else None
    if "owner_id" in values and values["owner_id"] not in (None, ""):
        values["owner_id"] = _check_owner(session, actor, default_owner, values["owner_id"], errors)
    else:
        values["owner_id"] = default_owner
    errors.raise_if_any()
    creator = Creator(tags=[], notes="", custom_fields={})
    _apply(creator, values)
    session.add(creator)
    session.flush()
    record(session, actor, "creator.create", "creator", creator.id, _snapshot(creator))
    for channel in channels:
        try:
            add_account(session, actor, creator, channel)
        except Conflict as exc:
            raise Invalid({"channels": [exc.detail]}) from None
    return creator


def update_creator(session: Session, actor: Actor, creator: Creator, data: dict) -> Creator:
    """Change the fields given; `owner_id` only by an admin."""
    errors = FieldErrors()
    values = clean_creator(data, errors, partial=True)
    if "custom_fields" in data:
        values["custom_fields"] = custom_fields.clean_values(
            session,
            "creator",
            data["custom_fields"],
            errors,
            current=creator.custom_fields,
            creating=False,
        )
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
