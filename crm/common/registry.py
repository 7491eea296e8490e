"""Extension points the domains plug into, so shared code never lists the domains itself.

Each domain's `register(app)` adds what it has: navigation entries, home panels, timeline
entry providers, demo-data loaders, CLI commands and scheduled jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask


@dataclass
class NavItem:
    endpoint: str
    label: str
    roles: frozenset[str]
    order: int = 50
    badge: Callable | None = None  # (session, user) -> int | None
    # Preferred to `badge`: (user) -> a SELECT of one count, or None to show no badge. The
    # counts of every entry run together as one statement per page.
    count: Callable | None = None


@dataclass
class HomePanel:
    """A block of the home dashboard: `build(session, user)` returns the template context,
    or None to hide the panel."""

    template: str
    build: Callable
    roles: frozenset[str]
    order: int = 50


@dataclass
class DemoLoader:
    name: str
    load: Callable  # (session, context: dict) -> None; context carries users etc.
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
    entries: Callable


@dataclass
class CreatorSection:
    """A section of the creator page: `build(session, creator, user)` returns the template
    context, or None to hide it. Rendered in `order`, for the roles listed."""

    name: str
    template: str
    build: Callable
    roles: frozenset[str]
    order: int = 50


@dataclass
class Job:
    """A scheduled job: `func()` runs inside an app context; trigger kwargs for APScheduler."""

    id: str
    func: Callable
    trigger: str
    trigger_args: dict = field(default_factory=dict)


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    home_panels: list[HomePanel] = field(default_factory=list)
    demo_loaders: list[DemoLoader] = field(default_factory=list)
    timeline: list[TimelineProvider] = field(default_factory=list)
    creator_sections: list[CreatorSection] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)


def registry(app: Flask) -> Registry:
    return app.extensions.setdefault("crm_registry", Registry())
