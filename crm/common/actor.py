"""Who acts: every service takes an `Actor` — a logged-in user, or the system for jobs and
maintenance commands (named as such in the audit log, R6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@runtime_checkable
class Actor(Protocol):
    """What services read of whoever acts: an id (None for the system), a role, a name."""

    @property
    def id(self) -> int | None: ...

    @property
    def role(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class SystemActor:
    """Scheduled jobs and CLI maintenance act as the system, named as such in the log."""

    name: str = "system"
    id: None = None
    role: str = "admin"

    @property
    def label(self) -> str:
        return f"system ({self.name})" if self.name != "system" else "system"


SYSTEM = SystemActor()


def system_actor(job: str) -> SystemActor:
    return SystemActor(job)


@dataclass(frozen=True)
class CreatorActor:
    """A creator (or their representative) acting in the portal.

    Not a user: `id` is None, so nothing written by a creator points at the users table; the
    audit log names them by `label`. `creator_id` is the creator they act for, `account_id`
    their portal account."""

    account_id: int
    creator_id: int
    name: str
    email: str
    id: None = None
    role: str = "creator"

    @property
    def label(self) -> str:
        return f"creator {self.name} <{self.email}> (portal)"


def acts_for_creator(actor: object, creator_id: int | None) -> bool:
    """True when `actor` is a portal account acting for this very creator."""
    return (
        isinstance(actor, CreatorActor)
        and creator_id is not None
        and (actor.creator_id == creator_id)
    )
