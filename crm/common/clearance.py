"""Need-to-know for unreleased products: what a user may not see, applied in one place.

The name of an unreleased product is itself a secret. Which products a user is not cleared
for is the agreements domain's knowledge; it contributes a `ClearanceProvider` to the app's
registry, and each domain whose records are about a product contributes a `ClearanceRule`
(the SQL criterion that leaves out its rows about hidden products). This module knows no
domain: it holds the mechanism every layer can use.

- `hidden_for(session, user)` is the hidden set of one user: the ids, names and aliases of
  the products they may not see. One statement, once per request (cached in `flask.g`), none
  at all for an admin.
- While a *viewer* is set (the logged-in user of a request, set by crm/web/redaction.py
  after the access check; or `viewing_as(session, user)` around work done for someone, such
  as their digest), every ORM SELECT of the session carries the rules' criteria: lists,
  counts, reports, badges, selects and `session.get` of a hidden record all behave as if the
  record did not exist. `ALL_PRODUCTS` is the execution option for the few reads that must
  see everything (the rules themselves, the creator page's count of restricted records).
- `redact(text, hidden)` replaces a hidden product's name and aliases (case-insensitive,
  whole words) with "a restricted product"; crm/web/redaction.py runs it over every text
  response of a request whose viewer has a hidden set, the digest over every email.
  `names_hidden` tells a service that stored text names such a product, so an edit of it by
  that user is refused rather than saved back redacted.
- `visible_product_ids(ids)` / `visible_product_id(pid)` are what a serialiser shows of the
  product ids a visible record points at (an NDA's products, a check's product, an audit
  entry's changes): the hidden ones left out, since an id is enough to learn that a product
  nobody told the reader about exists. The rules cannot do it: the record itself stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import Select, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

RESTRICTED = "a restricted product"
#: Execution option of a read that must see every product's records.
ALL_PRODUCTS = "crm_all_products"
_VIEWER = "crm_viewer"
_CACHE = "crm_hidden"


@dataclass(frozen=True)
class HiddenSet:
    """The products one user may not see: their ids and every name they go by."""

    ids: frozenset[int] = frozenset()
    terms: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ids)

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        words = sorted({" ".join(t.split()) for t in self.terms if t and t.strip()}, key=len)
        if not words:
            return None
        # Longest first, so "Orion Pro" wins over "Orion"; whitespace inside a name matches
        # any run of whitespace, as the leak check reads it.
        alternatives = "|".join(
            r"\s+".join(re.escape(part) for part in w.split()) for w in reversed(words)
        )
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def redact(self, text: str) -> str:
        pattern = self.pattern
        if pattern is None or not text:
            return text
        return pattern.sub(RESTRICTED, text)

    def names_any(self, text: str | None) -> bool:
        pattern = self.pattern
        return bool(pattern is not None and text and pattern.search(text))


EMPTY = HiddenSet()


@dataclass(frozen=True)
class ClearanceRule:
    """How one entity's rows about hidden products are left out: `criteria(entity, ids)`
    returns the SQL condition a visible row meets. `propagate` applies it wherever the
    entity is read, eager and relationship loads included (a deal's grants); without it,
    only to statements that select the entity itself (not an NDA's products)."""

    entity: type
    criteria: Callable[[Any, tuple[int, ...]], Any]
    propagate: bool = True


def _registry() -> Any:
    if not has_app_context():
        return None
    from crm.common.registry import registry

    return registry(current_app)


def sees_everything(user: Any) -> bool:
    """Admins (and the system acting for jobs) are cleared for every product; a missing
    user or a creator in the portal is not restricted here (their own rules apply)."""
    role = getattr(user, "role", None)
    return user is None or role not in ("manager", "legal", "viewer")


def hidden_for(session: Session, user: Any) -> HiddenSet:
    """The products `user` may not see today: one statement, cached per request."""
    if sees_everything(user):
        return EMPTY
    reg = _registry()
    if reg is None or reg.clearance_provider is None:
        return EMPTY
    if not current_app.config.get("CRM_NEED_TO_KNOW", True):
        return EMPTY
    from crm.common.timeutil import org_today

    today = org_today()
    key = (getattr(user, "id", None), today)
    # Per request in `g`; outside a request (the digest, a job) per session.
    if has_request_context():
        cache: dict = g.setdefault(_CACHE, {})
    else:
        cache = session.info.setdefault(_CACHE, {})
    if key not in cache:
        cache[key] = reg.clearance_provider(session, user, today)
    return cache[key]


def forget_hidden(session: Session) -> None:
    """Drop the cached hidden sets (after a change of clearance in this session)."""
    session.info.pop(_CACHE, None)
    if has_request_context():
        g.pop(_CACHE, None)


def redact(text: str, user: Any, session: Session | None = None) -> str:
    """`text` with every product `user` may not see named "a restricted product"."""
    if sees_everything(user) or not text:
        return text
    if session is None:
        from crm.db import get_session

        session = get_session()
    return hidden_for(session, user).redact(text)


def names_hidden(session: Session, user: Any, text: str | None) -> bool:
    """`text` names a product `user` may not see: what they are shown of it is redacted, so
    saving it back would write "a restricted product" over the real name."""
    if sees_everything(user) or not text:
        return False
    return hidden_for(session, user).names_any(text)


_NOBODY = object()


def _hidden_ids(user: Any, session: Session | None) -> frozenset[int]:
    if session is None:
        from crm.db import get_session

        session = get_session()
    if user is _NOBODY:
        user = viewer_of(session)
    if sees_everything(user):
        return frozenset()
    return hidden_for(session, user).ids


def visible_product_ids(
    ids: Iterable[int], *, user: Any = _NOBODY, session: Session | None = None
) -> list[int]:
    """`ids` (sorted) without the products `user` (by default the session's viewer) may not
    see: one list for every serialiser, so no API field or export names a hidden id."""
    hidden = _hidden_ids(user, session)
    return sorted(i for i in ids if i not in hidden)


def visible_product_id(
    product_id: int | None, *, user: Any = _NOBODY, session: Session | None = None
) -> int | None:
    """`product_id`, or None when it is a product the viewer may not see."""
    if product_id is None:
        return None
    return None if product_id in _hidden_ids(user, session) else product_id


def viewer_of(session: Session) -> Any:
    """Whose eyes the session reads for: an explicit `viewing_as`, else the request's user."""
    if _VIEWER in session.info:
        return session.info[_VIEWER]
    if has_request_context():
        return g.get("crm_viewer")
    return None


def set_request_viewer(user: Any) -> None:
    """Called once per request, after the access check (crm/web/redaction.py)."""
    g.crm_viewer = user


def request_viewer() -> Any:
    return g.get("crm_viewer") if has_request_context() else None


@contextmanager
def viewing_as(session: Session, user: Any) -> Iterator[HiddenSet]:
    """Read with `session` as `user` would: their hidden records left out. Yields their
    hidden set (for redacting what is rendered for them)."""
    had = _VIEWER in session.info
    before = session.info.get(_VIEWER)
    session.info[_VIEWER] = user
    try:
        yield hidden_for(session, user)
    finally:
        if had:
            session.info[_VIEWER] = before
        else:
            session.info.pop(_VIEWER, None)


@contextmanager
def seeing_everything(session: Session) -> Iterator[None]:
    """Read every record, whoever the request is for: a rule that must hold for all (the
    leak check, R3's material connection) never works from a user's narrowed view."""
    with viewing_as(session, None):
        yield


def _apply_rules(state: ORMExecuteState) -> None:
    if not isinstance(state.statement, Select) or state.execution_options.get(ALL_PRODUCTS):
        return
    if state.is_column_load:
        return  # refreshing a row already visible
    viewer = viewer_of(state.session)
    if sees_everything(viewer):
        return
    reg = _registry()
    if reg is None or not reg.clearance_rules:
        return
    hidden = hidden_for(state.session, viewer)
    if not hidden:
        return
    ids = tuple(sorted(hidden.ids))
    # A relationship load (an NDA's products, a deal's grants) takes only the rules that
    # propagate: an NDA about a hidden and a released product keeps both, the hidden one
    # shown as "a restricted product".
    relationship = state.is_relationship_load
    rules = [
        r
        for r in reg.clearance_rules
        if r.propagate or (not relationship and _selects(state.statement, r.entity))
    ]
    if rules:
        state.statement = state.statement.options(
            *(
                with_loader_criteria(
                    rule.entity, rule.criteria(rule.entity, ids), propagate_to_loaders=False
                )
                for rule in rules
            )
        )


def _selects(statement: Select[Any], entity: type) -> bool:
    """The statement selects `entity` itself (its rows or columns, or counts its table), not
    only through a join or an eager load of another entity."""
    for description in statement.column_descriptions:
        if description.get("entity") is entity:
            return True
    table = getattr(entity, "__table__", None)
    return any(f is table for f in statement.get_final_froms())


_installed = False


def install() -> None:
    """Listen to every session's ORM statements (once per process; the listener reads the
    current app's rules, so two apps never share them)."""
    global _installed
    if not _installed:
        event.listen(Session, "do_orm_execute", _apply_rules)
        _installed = True


def unfiltered(options: Iterable[Any] = ()) -> dict[str, Any]:
    """Execution options of a read that must see every record (see `ALL_PRODUCTS`)."""
    return {ALL_PRODUCTS: True, **dict(options)}
