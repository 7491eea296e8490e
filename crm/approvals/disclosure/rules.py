"""Rule sets: the disclosure law of one jurisdiction, as data.

The five defaults live in ``rule_sets.json`` beside this module; admins edit them on the
settings page (the edited document is stored in the database, see
``crm.approvals.rulesets``). A stored document only needs the keys it changes: missing keys
fall back to the default, so a new key added to the defaults reaches every installation.

Keys of a rule set (all lists are of strings, matched after folding, see ``text``):

=======================  ==================================================================
``code``                 ``US``, ``UK``, ``FR``, ``DE`` or ``EU`` (named on every failure)
``name``                 what people read
``default``              the rule set used when no other one with disclosure rules applies
``countries``            ISO 3166 alpha-2 codes of creators (or audiences) it covers
``disclosure_required``  whether a material connection must be disclosed under it
``disclosure_general``   its disclosure rules apply only where no other applying rule set
                         has disclosure rules of its own (the EU-wide rules behind the
                         national ones of France and Germany)
``markers``              what discloses: ``#tag`` (a hashtag, anywhere); one word (a label:
                         where it stands as a label, or as ``#word`` anywhere); several
                         words or a hyphenated word (anywhere, or glued into a ``#tag``);
                         anything with other punctuation (``ad:``), literally, anywhere
``vague``                what does not count and is named as such (same forms, anywhere)
``position``             ``visible`` (before "more", not in a closing pile of hashtags) or
                         ``start`` (visible, and among the first ``start_words`` words)
``in_video``             whether a video must disclose in the video itself too
``negations``…           ``negations``, ``fillers``, ``breaks``, ``negation_exceptions``,
                         ``negation_window``: the denial rule (see ``text``)
``ai_platform_label``    whether the platform's AI label must be set on AI-made content
``ai_caption``           when the caption must say the content is AI-made: ``never``,
                         ``always``, ``with_connection`` (only with a material connection),
                         ``with_person`` (with a material connection, when the images show
                         a face or a body: the revision's ``shows_person_body``) or
                         ``without_platform_label`` (where the platform has no AI label)
``ai_markers``           what says so in the caption
``retouched_markers``    what says that images were retouched (“Images retouchées”): needed
                         with a material connection when the revision's
                         ``images_retouched`` is true; empty = no such rule
``review_*``             ``review_sentiments``, ``review_conditions``, ``review_neutral``: a
                         deal sentence with a sentiment and an undenied condition (and no
                         neutral phrase) ties payment to an opinion
``remedies``             per check code, what would satisfy the rule set
``sources``              ``{"rule": …, "citation": …, "url": …}``; ``rule`` is
                         ``disclosure``, ``video``, ``ai_label``, ``retouched`` or
                         ``reviews``, and each check
                         cites the sources of its rule
=======================  ==================================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

from crm.approvals.disclosure.text import Negation

JURISDICTIONS = ("US", "UK", "FR", "DE", "EU")
POSITIONS = ("visible", "start")
AI_CAPTION_MODES = (
    "never",
    "always",
    "with_connection",
    "with_person",
    "without_platform_label",
)
SOURCE_RULES = ("disclosure", "video", "ai_label", "retouched", "reviews")
REMEDY_CODES = (
    "disclosure_missing",
    "disclosure_buried",
    "disclosure_vague",
    "disclosure_not_in_video",
    "disclosure_denied",
    "disclosure_retouched",
    "ai_label_platform",
    "ai_label_caption",
    "review_conditioned",
)
LIST_FIELDS = (
    "countries",
    "markers",
    "vague",
    "negations",
    "fillers",
    "breaks",
    "negation_exceptions",
    "ai_markers",
    "retouched_markers",
    "review_sentiments",
    "review_conditions",
    "review_neutral",
)
BOOL_FIELDS = ("disclosure_required", "disclosure_general", "in_video", "ai_platform_label")
# Switches that are off unless a document turns them on.
OFF_BY_DEFAULT = ("disclosure_general", "ai_platform_label")
MAX_ITEMS = 300
MAX_ITEM_LENGTH = 100
# ISO 3166 reserves "UK" for the United Kingdom; the assigned code is GB.
COUNTRY_ALIASES = {"UK": "GB"}


@dataclass(frozen=True)
class Source:
    rule: str
    citation: str
    url: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "citation": self.citation, "url": self.url}


@dataclass(frozen=True)
class RuleSet:
    code: str
    name: str
    default: bool = False
    countries: tuple[str, ...] = ()
    disclosure_required: bool = True
    disclosure_general: bool = False
    markers: tuple[str, ...] = ()
    vague: tuple[str, ...] = ()
    position: str = "visible"
    start_words: int = 3
    in_video: bool = True
    negations: tuple[str, ...] = ()
    fillers: tuple[str, ...] = ()
    breaks: tuple[str, ...] = ()
    negation_exceptions: tuple[str, ...] = ()
    negation_window: int = 2
    ai_platform_label: bool = False
    ai_caption: str = "never"
    ai_markers: tuple[str, ...] = ()
    retouched_markers: tuple[str, ...] = ()
    review_sentiments: tuple[str, ...] = ()
    review_conditions: tuple[str, ...] = ()
    review_neutral: tuple[str, ...] = ()
    remedies: tuple[tuple[str, str], ...] = field(default=())
    sources: tuple[Source, ...] = ()

    @cached_property
    def negation(self) -> Negation:
        return Negation.build(
            self.negations,
            self.fillers,
            self.breaks,
            self.negation_exceptions,
            self.negation_window,
        )

    def remedy(self, code: str, **values: str) -> str | None:
        text = dict(self.remedies).get(code)
        if not text:
            return None
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text

    def citations(self, rule: str) -> str | None:
        found = [s.citation for s in self.sources if s.rule == rule]
        return "; ".join(found) or None

    @property
    def checks_review_conditioned(self) -> bool:
        return bool(self.review_sentiments and self.review_conditions)

    def as_dict(self) -> dict[str, Any]:
        """The JSON document (what is stored and what the audit before/after shows)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "remedies":
                out[f.name] = dict(value)
            elif f.name == "sources":
                out[f.name] = [s.as_dict() for s in value]
            elif isinstance(value, tuple):
                out[f.name] = list(value)
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        """A rule set from a document; raises RuleSetError with every problem found."""
        errors: dict[str, list[str]] = {}
        values = _parse(data, errors)
        if errors:
            raise RuleSetError(errors)
        return cls(**values)


class RuleSetError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def clean_list(raw: Any, key: str, errors: dict[str, list[str]]) -> tuple[str, ...]:
    """Stripped, single-spaced, without case-insensitive duplicates, bounded."""
    if raw is None:
        return ()
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        _add(errors, key, "must be a list of strings")
        return ()
    out: list[str] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, str):
            _add(errors, key, "must be a list of strings")
            return ()
        value = " ".join(item.split())
        if not value:
            continue
        if len(value) > MAX_ITEM_LENGTH:
            _add(errors, key, f"“{value[:30]}…” is longer than {MAX_ITEM_LENGTH} characters")
            continue
        if value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    if len(out) > MAX_ITEMS:
        _add(errors, key, f"at most {MAX_ITEMS} entries")
    return tuple(out)


def _bool(raw: Any, key: str, errors: dict[str, list[str]]) -> bool:
    if not isinstance(raw, bool):
        _add(errors, key, "must be true or false")
        return False
    return raw


def _int(raw: Any, key: str, low: int, high: int, errors: dict[str, list[str]]) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        _add(errors, key, f"must be a whole number from {low} to {high}")
        return low
    return raw


def _parse(data: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    unknown = set(data) - {f.name for f in fields(RuleSet)}
    for key in sorted(unknown):
        _add(errors, key, "is not a rule set field")
    values: dict[str, Any] = {}
    code = data.get("code")
    if code not in JURISDICTIONS:
        _add(errors, "code", f"must be one of {', '.join(JURISDICTIONS)}")
    values["code"] = code
    name = " ".join(str(data.get("name") or "").split())
    if not name or len(name) > 200:
        _add(errors, "name", "is required, at most 200 characters")
    values["name"] = name
    values["default"] = _bool(data.get("default", False), "default", errors)
    for key in LIST_FIELDS:
        values[key] = clean_list(data.get(key, ()), key, errors)
    values["countries"] = tuple(
        dict.fromkeys(COUNTRY_ALIASES.get(c.upper(), c.upper()) for c in values["countries"])
    )
    for country in values["countries"]:
        if not re.fullmatch(r"[A-Z]{2}", country):
            _add(errors, "countries", f"“{country}” is not a two-letter country code")
    for key in BOOL_FIELDS:
        values[key] = _bool(data.get(key, key not in OFF_BY_DEFAULT), key, errors)
    position = data.get("position", "visible")
    if position not in POSITIONS:
        _add(errors, "position", f"must be one of {', '.join(POSITIONS)}")
    values["position"] = position
    values["start_words"] = _int(data.get("start_words", 3), "start_words", 0, 50, errors)
    values["negation_window"] = _int(
        data.get("negation_window", 2), "negation_window", 1, 10, errors
    )
    mode = data.get("ai_caption", "never")
    if mode not in AI_CAPTION_MODES:
        _add(errors, "ai_caption", f"must be one of {', '.join(AI_CAPTION_MODES)}")
    values["ai_caption"] = mode
    if mode != "never" and not values["ai_markers"]:
        _add(errors, "ai_markers", "at least one is needed when the caption must say so")
    if values["disclosure_required"] and not values["markers"]:
        _add(errors, "markers", "at least one marker is needed")
    overlap = {m.casefold() for m in values["markers"]} & {v.casefold() for v in values["vague"]}
    if overlap:
        _add(errors, "vague", f"{', '.join(sorted(overlap))} cannot be both clear and vague")
    values["remedies"] = _remedies(data.get("remedies") or {}, errors)
    values["sources"] = _sources(data.get("sources") or [], errors)
    return values


def _remedies(raw: Any, errors: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, Mapping):
        _add(errors, "remedies", "must map check codes to text")
        return ()
    out = []
    for code, text in raw.items():
        if code not in REMEDY_CODES:
            _add(errors, "remedies", f"“{code}” is not a check code")
            continue
        text = " ".join(str(text or "").split())
        if len(text) > 1000:
            _add(errors, "remedies", f"the remedy for {code} is longer than 1000 characters")
        elif text:
            out.append((code, text))
    return tuple(out)


def _sources(raw: Any, errors: dict[str, list[str]]) -> tuple[Source, ...]:
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        _add(errors, "sources", "must be a list")
        return ()
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            _add(errors, "sources", "each source needs a rule, a citation and a URL")
            continue
        rule = item.get("rule")
        citation = " ".join(str(item.get("citation") or "").split())
        url = str(item.get("url") or "").strip()
        if rule not in SOURCE_RULES:
            _add(
                errors, "sources", f"the rule of a source must be one of {', '.join(SOURCE_RULES)}"
            )
        elif not citation or len(citation) > 500:
            _add(errors, "sources", "a citation is required, at most 500 characters")
        elif url and (not re.match(r"https?://[^\s]+$", url) or len(url) > 500):
            _add(errors, "sources", f"“{url[:40]}” is not an http(s) address")
        else:
            out.append(Source(rule, citation, url))
    return tuple(out)


# --------------------------------------------------------------------------- defaults


@dataclass(frozen=True)
class Defaults:
    rule_sets: tuple[RuleSet, ...]
    platform_ai_labels: Mapping[str, str]

    def get(self, code: str) -> RuleSet | None:
        return next((r for r in self.rule_sets if r.code == code), None)


@lru_cache(maxsize=1)
def defaults() -> Defaults:
    """The seed rule sets shipped with the application (``rule_sets.json``)."""
    raw = json.loads(
        resources.files("crm.approvals.disclosure").joinpath("rule_sets.json").read_text("utf-8")
    )
    return Defaults(
        tuple(RuleSet.from_dict(item) for item in raw["rule_sets"]),
        dict(raw["platform_ai_labels"]),
    )


def merged(code: str, stored: Mapping[str, Any] | None) -> RuleSet:
    """The default rule set `code` with a stored document's keys laid over it."""
    base = defaults().get(code)
    document = base.as_dict() if base else {"code": code}
    if stored:
        document.update({k: v for k, v in stored.items() if k != "code"})
    return RuleSet.from_dict(document)


def normalise_country(value: str) -> str:
    value = (value or "").strip().upper()
    return COUNTRY_ALIASES.get(value, value)


def select(
    rule_sets: Sequence[RuleSet], country: str | None, audience: Iterable[str] = ()
) -> tuple[str, ...]:
    """Codes of the rule sets that apply: those covering the creator's country or one of
    the audience countries; plus the default one when none of those has disclosure rules
    (a creator outside every rule set, or only under the AI Act, still discloses)."""
    wanted = {normalise_country(c) for c in [country or "", *audience] if c}
    chosen = [r for r in rule_sets if wanted & set(r.countries)]
    if not any(r.disclosure_required for r in chosen):
        fallback = next((r for r in rule_sets if r.default), None)
        if fallback is not None and fallback not in chosen:
            chosen.append(fallback)
    order = {r.code: i for i, r in enumerate(rule_sets)}
    return tuple(r.code for r in sorted(chosen, key=lambda r: order[r.code]))
