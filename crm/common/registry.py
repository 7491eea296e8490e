"""The one way a domain plugs into the rest of the app: a registry per app instance.

Each domain's `register(app)` (in its `__init__.py`, the one visible place) adds what it has:

| field               | item               | read by                                          |
|---------------------|--------------------|--------------------------------------------------|
| `nav`               | `NavItem`          | the navigation bar (crm/web/templating.py)       |
| `home_panels`       | `HomePanel`        | the home dashboard (crm/home)                    |
| `creator_sections`  | `CreatorSection`   | the creator page (crm/creators)                  |
| `timeline`          | `TimelineProvider` | the creator page's timeline (crm/creators)       |
| `digest_sections`   | `DigestSection`    | the weekly digest (crm/digest)                   |
| `reminder_rules`    | `ReminderRule`     | the daily R7 scan (crm/reminders)                |
| `jobs`              | `Job`              | the scheduler (crm/scheduler.py)                 |
| `demo_loaders`      | `DemoLoader`       | `crm demo` (crm/cli.py)                          |
| `cli_commands`      | `click.Command`    | the `crm` command group (crm/cli.py)             |
| `upload_usage`      | `UploadUsage`      | the per-user upload quota (crm/common/uploads.py)|
| `record_links`      | `RecordLink`       | links and labels of records (`record_link`)      |
| `record_notices`    | `RecordNotice`     | warnings on a record's page (`notices_for`)      |
| `api_routes`        | `ApiRoute`         | the JSON API's blueprint, built per app (crm.api)|
| `me_fields`         | `MeField`          | extra fields of `/api/v1/me` (crm/auth/api.py)   |
| `openapi_extras`    | callable           | per-request changes to the OpenAPI document      |
| `clearance_provider`| callable           | hidden products of a user (crm/common/clearance) |
| `clearance_rules`   | `ClearanceRule`    | rows about hidden products left out of reads     |

Nothing else keeps a list of contributions: no module-global lists, no hook lists in service
modules, no wiring by import side effect. Events between domains are named blinker signals,
declared in the emitting domain's `signals.py` (see docs/ARCHITECTURE.md).

A registry belongs to one app (`app.extensions["crm_registry"]`), so every `create_app` starts
with an empty one and registering twice in two apps never doubles anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, has_request_context, url_for

if TYPE_CHECKING:
    import click
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ApiRoute:
    """A route of the JSON API under /api/v1: the `rule`, the view and the options Flask's
    `add_url_rule` takes (`methods`, `endpoint`). A domain's `api.py` records its routes with
    `crm.api.base.ApiRoutes`; its `register(app)` adds them here and `crm.api` puts them on
    that app's blueprint, so the endpoint is `api.<view name>` as before."""

    rule: str
    view: Callable[..., Any]
    options: Mapping[str, Any] = field(default_factory=dict)


ADMIN_MENU = "Admin"
USER_MENU = "user"


@dataclass
class NavItem:
    """An entry of the navigation bar. `count(user)` returns a SELECT of one count (or None
    for no badge); the counts of every entry run together as one statement per page.
    `group` puts the entry under a menu of that name (`ADMIN_MENU`), or in the user's own
    menu beside their name (`USER_MENU`); a menu a role would see with one entry only is
    shown as that entry's link, so nobody opens a menu to find a single page."""

    endpoint: str
    label: str
    roles: frozenset[str]
    order: int = 50
    count: Callable[[Any], Any] | None = None
    group: str | None = None


@dataclass
class HomePanel:
    """A block of the home dashboard: `build(session, user)` returns the template context,
    or None to hide the panel."""

    template: str
    build: Callable[..., Mapping[str, Any] | None]
    roles: frozenset[str]
    order: int = 50


@dataclass
class DemoLoader:
    """`load(session, context)` adds demo rows; `context` carries what earlier loaders made
    (users, creators, products …). Loaders run in `order`."""

    name: str
    load: Callable[..., None]
    order: int = 50


@dataclass
class TimelineEntry:
    """One line of a creator's timeline; `at` is an aware UTC datetime."""

    at: datetime
    kind: str  # e.g. "interaction", "nda", "grant", "deal", "submission", "feedback"
    title: str
    detail: str = ""
    url: str | None = None


@dataclass
class TimelineProvider:
    """`entries(session, creator, user, limit) -> list[TimelineEntry]` for the creator page.

    Each provider returns at most `limit` newest entries with a bounded number of queries;
    the creators domain merges them by time."""

    name: str
    entries: Callable[..., list[TimelineEntry]]


@dataclass
class CreatorSection:
    """A section of the creator page: `build(session, creator, user)` returns the template
    context, or None to hide it. Rendered in `order`, for the roles listed."""

    name: str
    template: str
    build: Callable[..., Mapping[str, Any] | None]
    roles: frozenset[str]
    order: int = 50


@dataclass(frozen=True)
class DigestSection:
    """A section of the weekly digest (R8). `build(session, user, week_start, week_end)`
    returns the data for one user, or None/{} to leave it out; it must respect the user's
    role (a viewer never sees money). The templates get `data`, `user`, `link`, `base_url`."""

    name: str
    build: Callable[..., Mapping[str, Any] | None]
    html_template: str
    text_template: str
    roles: frozenset[str]
    order: int = 50


@dataclass(frozen=True)
class ReminderRule:
    """An R7 rule of the daily scan: `candidates(session, ctx)` yields
    `crm.reminders.rules.Candidate`s, each with a dedupe key and its assignee (usually the
    creator's owner; the engine falls back to an admin). The rule leaves archived creators
    out itself (see crm/reminders/rules.py)."""

    name: str
    candidates: Callable[..., Iterable[Any]]


@dataclass
class Job:
    """A scheduled job: `func()` runs inside an app context; trigger kwargs for APScheduler.
    A callable `trigger_args` is called with the app (for settings such as the time zone)."""

    id: str
    func: Callable[[], Any]
    trigger: str
    trigger_args: dict[str, Any] | Callable[[Flask], dict[str, Any]] = field(default_factory=dict)

    def trigger_kwargs(self, app: Flask) -> dict[str, Any]:
        return self.trigger_args(app) if callable(self.trigger_args) else dict(self.trigger_args)


@dataclass(frozen=True)
class UploadUsage:
    """`bytes_since(session, user_id, since)`: what a user stored from `since` on, for the
    daily upload quota. Each domain that stores uploads reports its own."""

    name: str
    bytes_since: Callable[..., int]


@dataclass(frozen=True)
class RecordLink:
    """How to name and link records of one entity (`"creator"`, `"nda"`, `"submission"` …):
    `resolve(session, ids) -> {id: (label, url)}` for many ids in a bounded number of queries,
    so a list of tasks or audit events links every subject without knowing its domain. The
    url is None outside a request (see `request_url`).

    `current(session, ids) -> ids` names the records a new one may still point at (e.g. a
    creator that is not archived); None means every record `resolve` finds."""

    entity: str
    resolve: Callable[..., Mapping[int, tuple[str, str | None]]]
    current: Callable[..., Iterable[int]] | None = None


@dataclass(frozen=True)
class Notice:
    """A warning shown on a record's page: a title, a sentence, optional highlighted text
    (safe Markup), what would fix it and the rule it cites."""

    title: str
    message: str
    detail: Any = None
    remedy: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class RecordNotice:
    """What one domain warns about on another domain's record page: `build(session, record,
    user)` returns a list of `Notice`s (empty for none). `entity` names the page (`"deal"`)."""

    entity: str
    name: str
    build: Callable[..., list[Notice]]


@dataclass(frozen=True)
class MeField:
    """A field a domain adds to `/api/v1/me`: `value(session, user)` gives its JSON value."""

    name: str
    value: Callable[..., Any]


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    home_panels: list[HomePanel] = field(default_factory=list)
    demo_loaders: list[DemoLoader] = field(default_factory=list)
    timeline: list[TimelineProvider] = field(default_factory=list)
    creator_sections: list[CreatorSection] = field(default_factory=list)
    digest_sections: list[DigestSection] = field(default_factory=list)
    reminder_rules: list[ReminderRule] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    cli_commands: list[click.Command] = field(default_factory=list)
    upload_usage: list[UploadUsage] = field(default_factory=list)
    record_links: dict[str, RecordLink] = field(default_factory=dict)
    record_notices: list[RecordNotice] = field(default_factory=list)
    api_routes: list[ApiRoute] = field(default_factory=list)
    me_fields: list[MeField] = field(default_factory=list)
    # `extra(session, spec)` edits a copy of the OpenAPI document for what only the data
    # knows (the custom fields' types).
    openapi_extras: list[Callable[..., None]] = field(default_factory=list)
    # Need-to-know for unreleased products (crm/common/clearance.py): the one provider of a
    # user's hidden set, and each domain's criterion leaving out its rows about those products.
    clearance_provider: Callable[..., Any] | None = None
    clearance_rules: list[Any] = field(default_factory=list)

    def add_record_link(self, link: RecordLink) -> None:
        if link.entity in self.record_links:
            raise ValueError(f"record links for {link.entity!r} are registered twice")
        self.record_links[link.entity] = link

    def sorted_digest_sections(self) -> list[DigestSection]:
        return sorted(self.digest_sections, key=lambda s: (s.order, s.name))


def registry(app: Flask | None = None) -> Registry:
    """The registry of `app` (default: the current app)."""
    target = app if app is not None else current_app
    reg = target.extensions.get("crm_registry")
    if reg is None:
        reg = target.extensions["crm_registry"] = Registry()
    return reg


def record_links(
    session: Session, refs: Iterable[tuple[str | None, int | None]]
) -> dict[tuple[str, int], tuple[str, str | None]]:
    """Labels and URLs for many `(entity, id)` pairs at once: one resolver call per entity.
    Unknown entities and ids are left out (the caller shows the raw reference)."""
    wanted: dict[str, set[int]] = {}
    for entity, record_id in refs:
        if entity and record_id is not None:
            wanted.setdefault(entity, set()).add(record_id)
    found: dict[tuple[str, int], tuple[str, str | None]] = {}
    links = registry().record_links
    for entity, ids in wanted.items():
        link = links.get(entity)
        if link is None:
            continue
        for record_id, value in link.resolve(session, sorted(ids)).items():
            found[(entity, record_id)] = value
    return found


def current_records(session: Session, entity: str, ids: Iterable[int]) -> set[int]:
    """Which of these records of `entity` a new record may point at (see `RecordLink`)."""
    wanted = sorted(set(ids))
    link = registry().record_links.get(entity)
    if link is None or not wanted:
        return set()
    if link.current is not None:
        return set(link.current(session, wanted))
    return set(link.resolve(session, wanted))


def request_url(endpoint: str, **values: Any) -> str | None:
    """`url_for` inside a request, None elsewhere (jobs and emails build absolute links)."""
    return url_for(endpoint, **values) if has_request_context() else None


def notices_for(entity: str, session: Session, record: Any, user: Any) -> list[Notice]:
    """Every domain's notices for one record's page, in registration order."""
    out: list[Notice] = []
    for item in registry().record_notices:
        if item.entity == entity:
            out.extend(item.build(session, record, user))
    return out
