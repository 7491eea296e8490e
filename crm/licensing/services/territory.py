"""Territories of releases and licences: `worldwide`, or ISO 3166-1 alpha-2 country codes
(`EU` stands for its member states, `UK` reads GB).

A release covers a licence's territory when it is worldwide, or when every country the
licence names is among its own. A licence for the whole world needs worldwide releases.
Releases recorded before territories were checked may hold free text; text that reads as
neither covers nothing, so those releases have to be restated before they count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from crm.common.errors import FieldErrors
from crm.creators.services import COUNTRIES

WORLDWIDE = "worldwide"
MAX_TEXT = 200
# The member states of the European Union, for a territory written `EU`.
_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_MEMBERS = frozenset(_EU.split())
GROUPS = {"EU": EU_MEMBERS}
ALIASES = {"UK": "GB"}
_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Territory:
    """`countries` is None for the whole world; `text` is how it is stored and shown."""

    text: str
    countries: frozenset[str] | None

    @property
    def worldwide(self) -> bool:
        return self.countries is None

    def missing(self, needed: Territory) -> str:
        """What of `needed` this territory leaves out, as text ("" when it covers it)."""
        if self.countries is None:
            return ""
        if needed.countries is None:
            return f"worldwide (only {self.text})"
        gone = sorted(needed.countries - self.countries)
        return ", ".join(gone)


EVERYWHERE = Territory(WORLDWIDE, None)


def _tokens(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [t for t in _SPLIT.split(value.strip()) if t]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [t for v in value for t in _SPLIT.split(v.strip()) if t]
    return None


def _build(tokens: Iterable[str]) -> tuple[Territory | None, list[str]]:
    names: list[str] = []
    countries: set[str] = set()
    unknown: list[str] = []
    for raw in tokens:
        if raw.lower() == WORLDWIDE:
            return EVERYWHERE, []
        code = ALIASES.get(raw.upper(), raw.upper())
        if code in GROUPS:
            countries |= GROUPS[code]
        elif code in COUNTRIES:
            countries.add(code)
        else:
            unknown.append(raw[:10])
            continue
        if code not in names:
            names.append(code)
    if unknown or not names:
        return None, unknown
    return Territory(",".join(sorted(names)), frozenset(countries)), []


def parse_territory(value: Any, field: str, errors: FieldErrors) -> Territory:
    """A territory from a form or an API body: `worldwide` (the default when empty), or a
    list of country codes (a list, or text separated by commas or spaces)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return EVERYWHERE
    tokens = _tokens(value)
    if tokens is None:
        errors.add(field, "must be worldwide or a list of country codes")
        return EVERYWHERE
    if not tokens:
        return EVERYWHERE
    if len(tokens) > 300:
        errors.add(field, "at most 300 country codes")
        return EVERYWHERE
    found, unknown = _build(tokens)
    if found is None:
        errors.add(
            field,
            f"not ISO 3166 alpha-2 country codes: {', '.join(unknown)}; "
            "write worldwide or codes such as FR, DE",
        )
        return EVERYWHERE
    if len(found.text) > MAX_TEXT:
        errors.add(field, f"must be at most {MAX_TEXT} characters (name fewer countries)")
    return found


def parse_territory_arg(value: Any, field: str = "territory") -> Territory:
    """A territory asked for in a query or a body: worldwide when not given; Invalid (422)
    when it reads as neither worldwide nor country codes."""
    errors = FieldErrors()
    found = parse_territory(value, field, errors)
    errors.raise_if_any()
    return found


def read_territory(text: str | None) -> Territory | None:
    """A stored territory; None when it is text that reads as neither worldwide nor codes."""
    if not text or not text.strip():
        return EVERYWHERE
    tokens = _tokens(text) or []
    return _build(tokens)[0] if tokens else EVERYWHERE
