"""The creator list: search, filters, sort and keyset pages, in a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from crm.auth.models import User
from crm.common.errors import FieldErrors, Invalid
from crm.common.ids import parse_id
from crm.common.pagination import Page, SortKey, count_up_to, keyset_page
from crm.common.permissions import MANAGER
from crm.creators import search
from crm.creators.models import CREATOR_STATUSES, PLATFORMS, Account, Creator, CreatorTag
from crm.creators.services import COUNTRIES, normalise_tag
from crm.db import UTCDateTime

SORTS = {
    "name": "Name",
    "newest": "Newest first",
    "last_interaction": "Last interaction",
    "followers": "Most followers",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FILTER_KEYS = ("q", "status", "owner", "platform", "tag", "country", "sort", "archived")
CF_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass
class CreatorFilters:
    q: str = ""
    status: str = ""
    owner: str = ""  # "" all, "me", "none", or a user id
    platform: str = ""
    tag: str = ""
    country: str = ""
    sort: str = "name"
    archived: bool = False
    # Custom field filters, `cf.<key>=<value>`: {key: value}.
    cf: dict[str, str] = field(default_factory=dict)

    def as_args(self) -> dict:
        """The filters as URL arguments (for the pager, export link and saved views)."""
        out = {}
        for key, value in asdict(self).items():
            if key == "cf":
                out.update({f"cf.{k}": v for k, v in value.items()})
            elif key == "archived":
                if value:
                    out[key] = "1"
            elif key == "owner":
                out[key] = value or "any"  # explicit, so a manager's default does not apply
            elif value and not (key == "sort" and value == "name"):
                out[key] = value
        return out


def _printable(text: str) -> str:
    return "".join(c for c in text if c >= " " and c != "\x7f")


def parse_filters(args: Mapping, user, *, default_mine: bool = False) -> CreatorFilters:
    """Read filters from request arguments; unknown values are field errors (422).

    A manager who opens the list with no filter at all lands on "my creators"."""
    errors = FieldErrors()
    f = CreatorFilters()
    # Control codes never match a name or a tag, and PostgreSQL refuses a NUL in a query.
    f.q = _printable(args.get("q") or "").strip()[:200]
    f.status = args.get("status") or ""
    if f.status and f.status not in CREATOR_STATUSES:
        errors.add("status", f"must be one of {', '.join(CREATOR_STATUSES)}")
    owner = args.get("owner") or args.get("owner_id") or ""
    if owner in ("", "any", "all"):
        owner = ""
    elif owner not in ("me", "none") and parse_id(owner) is None:
        errors.add("owner", "must be me, none or a user id")
    if "owner" not in args and "owner_id" not in args and default_mine:
        if not any(args.get(k) for k in FILTER_KEYS) and user.role == MANAGER:
            owner = "me"
    f.owner = owner
    f.platform = args.get("platform") or ""
    if f.platform and f.platform not in PLATFORMS:
        errors.add("platform", f"must be one of {', '.join(PLATFORMS)}")
    f.tag = normalise_tag(_printable(args.get("tag") or ""))[:200]
    f.country = (args.get("country") or "").strip().upper()
    if f.country and f.country not in COUNTRIES:
        errors.add("country", "must be an ISO 3166 alpha-2 country code")
    f.sort = args.get("sort") or "name"
    if f.sort not in SORTS and not (f.sort.startswith("cf.") and CF_KEY_RE.match(f.sort[3:])):
        errors.add("sort", f"must be one of {', '.join(SORTS)} or cf.<field key>")
    f.archived = (args.get("archived") or "") in ("1", "true", "yes", "on")
    f.cf = _cf_args(args, errors)
    errors.raise_if_any()
    return f


def _cf_args(args: Mapping, errors: FieldErrors) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in list(args.keys()) if hasattr(args, "keys") else []:
        if not str(name).startswith("cf."):
            continue
        key, value = str(name)[3:], str(args.get(name) or "").strip()
        if not CF_KEY_RE.match(key) or len(value) > 200:
            errors.add(str(name)[:43], "must be cf.<field key>=<value>")
        elif value:
            out[key] = value
    if len(out) > 10:
        errors.add("cf", "10 custom field filters at most")
    return out


def parse_cf_args(args: Mapping) -> dict[str, str]:
    """The `cf.<key>=<value>` filters of a list's arguments (422 when malformed)."""
    errors = FieldErrors()
    out = _cf_args(args, errors)
    errors.raise_if_any()
    return out


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(filters: CreatorFilters, user):
    """The select of matching creators (no order, no limit)."""
    stmt = select(Creator).where(Creator.archived.is_(filters.archived))
    if filters.q:
        # Through the trigram index where the database has one (crm/creators/search.py).
        stmt = stmt.where(search.matches(filters.q.lower()))
    if filters.status:
        stmt = stmt.where(Creator.status == filters.status)
    if filters.owner == "me":
        stmt = stmt.where(Creator.owner_id == user.id)
    elif filters.owner == "none":
        stmt = stmt.where(Creator.owner_id.is_(None))
    elif filters.owner:
        stmt = stmt.where(Creator.owner_id == parse_id(filters.owner))
    if filters.platform:
        stmt = stmt.where(
            exists().where(Account.creator_id == Creator.id, Account.platform == filters.platform)
        )
    if filters.tag:
        stmt = stmt.where(
            exists().where(CreatorTag.creator_id == Creator.id, CreatorTag.tag == filters.tag)
        )
    if filters.country:
        stmt = stmt.where(Creator.country == filters.country)
    for key, value in filters.cf.items():
        stmt = stmt.where(cf_matches(Creator.custom_fields, key, value))
    return stmt


def cf_matches(column, key: str, value: str):
    """A custom field equals the value: as text, as a number, or (several choices) contains
    it."""
    item = column[key]
    conditions = [
        item.as_string() == value,
        cast(item, String).like(_like(f'"{value}"'), escape="\\"),
    ]
    try:
        conditions.append(item.as_float() == float(value))
    except ValueError:
        pass
    return or_(*conditions)


def _sort_key(sort: str):
    if sort == "newest":
        return Creator.created_at, True
    if sort == "last_interaction":
        # Never-contacted creators sort last: NULL counts as the epoch.
        return func.coalesce(Creator.last_interaction_at, literal(_EPOCH, UTCDateTime())), True
    if sort == "followers":
        return func.coalesce(Creator.followers_total, -1), True
    return Creator.search_name, False


def _cf_sort_key(session: Session, key: str):
    """Sort by a custom field: numbers as numbers, the rest as text; empty values first."""
    from crm.creators.models import CustomField

    kind = session.scalar(
        select(CustomField.type).where(CustomField.entity == "creator", CustomField.key == key)
    )
    if kind is None:
        raise Invalid({"sort": [f"no custom field {key!r}"]})
    item = Creator.custom_fields[key]
    if kind == "number":
        return func.coalesce(item.as_float(), literal(-1e15))
    return func.coalesce(cast(item, String), literal(""))


def _order(session: Session, filters: CreatorFilters):
    if filters.sort.startswith("cf."):
        return _cf_sort_key(session, filters.sort[3:]), False
    return _sort_key(filters.sort)


@dataclass(frozen=True, slots=True)
class CreatorListRow:
    """What the creators page shows of a creator: read as columns, not as a model with its
    relationships (loading the models was half of the page's time)."""

    id: int
    display_name: str
    email: str | None
    status: str
    country: str | None
    last_interaction_at: datetime | None
    owner_name: str | None
    accounts: list[Any]  # rows with platform, handle and followers
    tag_names: list[str]


def list_creator_rows(
    session: Session, user, filters: CreatorFilters, cursor: str | None, limit: int
) -> Page:
    """One page of the creators page as `CreatorListRow`s, in 3 statements whatever the
    page size: the creators with their owner's name, then the page's channels, then its
    tags. Same filters, order and cursors as `list_creators`."""
    key, descending = _order(session, filters)
    stmt = (
        filtered(filters, user)
        .with_only_columns(
            Creator.id,
            Creator.display_name,
            Creator.email,
            Creator.status,
            Creator.country,
            Creator.last_interaction_at,
            User.name.label("owner_name"),
            key.label("sort_value"),
        )
        .select_from(Creator)
        .outerjoin(User, User.id == Creator.owner_id)
    )
    order = [SortKey(key, "sort_value", descending), SortKey(Creator.id, "id", descending)]
    page = keyset_page(session, stmt, order, cursor, limit, scalars=False)
    ids = [row.id for row in page.items]
    accounts: dict[int, list[Any]] = {i: [] for i in ids}
    tags: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for account in session.execute(
            select(Account.creator_id, Account.platform, Account.handle, Account.followers)
            .where(Account.creator_id.in_(ids))
            .order_by(Account.creator_id, Account.platform, Account.handle)
        ):
            accounts[account.creator_id].append(account)
        for creator_id, tag in session.execute(
            select(CreatorTag.creator_id, CreatorTag.tag)
            .where(CreatorTag.creator_id.in_(ids))
            .order_by(CreatorTag.creator_id, CreatorTag.tag)
        ):
            tags[creator_id].append(tag)
    rows = [
        CreatorListRow(
            r.id,
            r.display_name,
            r.email,
            r.status,
            r.country,
            r.last_interaction_at,
            r.owner_name,
            accounts[r.id],
            tags[r.id],
        )
        for r in page.items
    ]
    return Page(rows, page.next_cursor)


def list_creators(
    session: Session, user, filters: CreatorFilters, cursor: str | None, limit: int
) -> Page:
    """One page of creators with tags, accounts and owners loaded (4 queries in all), for
    the API and the export, which show the whole record."""
    key, descending = _order(session, filters)
    stmt = (
        filtered(filters, user)
        .add_columns(key.label("sort_value"))
        .options(selectinload(Creator.accounts), selectinload(Creator.owner))
    )
    order = [SortKey(key, "sort_value", descending), SortKey(Creator.id, "Creator.id", descending)]
    page = keyset_page(session, stmt, order, cursor, limit, scalars=False)
    return Page([row[0] for row in page.items], page.next_cursor)


def count_creators(session: Session, user, filters: CreatorFilters) -> int:
    """How many creators match the filters (up to pagination.COUNT_CAP + 1)."""
    return count_up_to(session, filtered(filters, user))


def iter_creators(
    session: Session, user, filters: CreatorFilters, batch: int = 500
) -> Iterator[Creator]:
    """Every matching creator, a page at a time (for the CSV export)."""
    cursor = None
    while True:
        page = list_creators(session, user, filters, cursor, batch)
        yield from page.items
        if not page.next_cursor:
            return
        cursor = page.next_cursor
