"""Automated content checks legal sees beside each revision of a creator's post.

Pure functions: no Flask, no database. The caller decides the facts (material connection,
products, dates, which rule sets apply, whether the content was made with our AI products)
and passes them in, so the rules can be tested on plain strings.

The disclosure and AI-label rules come from the rule sets of ``crm.approvals.disclosure``
(one per jurisdiction, as data); this module runs them with the product and claim checks.

Matching rules shared by every check
------------------------------------
* Both sides are folded first: NFKC, case folding, invisible format characters dropped,
  mixed-script look-alikes read as Latin (details in ``crm.approvals.disclosure.text``).
  Offsets are Python ``str`` indices into the original text.
* Phrases match as whole tokens: a phrase edge that is a word character must not touch
  another word character (``#ad`` does not match ``#adventure``, ``ad:`` does not match
  ``load:``, ``Nova`` does not match ``Casanova`` or ``novae``). Punctuation, emoji and
  spaces may touch a phrase (``(#ad)``, ``#AD!``, ``Nova,`` and ``Nova’s`` all match).
  Combining accents count as word characters, so ``Nova`` + U+0301 is a different word.
* Words inside a phrase match across any run of whitespace, including newlines and
  non-breaking spaces (``Gemini  Ultra\\n2`` matches ``Gemini Ultra 2``).
* A phrase ending in a digit does not match the start of a longer version number
  (``GPT-5`` does not match ``GPT-5.1``); a phrase starting with a digit does not match
  the tail of one (``5 Pro`` does not match ``4.5 Pro``).
* Hashtags name things: ``#nova`` matches the alias ``nova`` (the ``#`` is punctuation),
  but ``#NovaModel`` does not, because ``Nova`` runs into ``Model``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

from markupsafe import Markup, escape

from crm.approvals.disclosure import engine
from crm.approvals.disclosure.results import CheckResult, Span
from crm.approvals.disclosure.rules import RuleSet, defaults, select
from crm.approvals.disclosure.text import find_phrase, fold

__all__ = [
    "CheckResult",
    "CheckSettings",
    "ProductRef",
    "find_phrase",
    "highlight",
    "run_checks",
]


@dataclass(frozen=True)
class ProductRef:
    """What the checks need to know about a product; any object with these attributes works."""

    id: int
    name: str
    aliases: Sequence[str] = ()
    public_on: date | None = None


DEFAULT_BANNED_CLAIMS = (
    "guaranteed results",
    "100% accurate",
    "never makes mistakes",
    "no human needed",
    "never wrong",
)


def _default_rule_set(rule_sets: Sequence[RuleSet]) -> RuleSet:
    return next((r for r in rule_sets if r.default), rule_sets[0])


DEFAULT_MARKERS = tuple(_default_rule_set(defaults().rule_sets).markers)
DEFAULT_VAGUE_TAGS = tuple(_default_rule_set(defaults().rule_sets).vague)


@dataclass(frozen=True)
class CheckSettings:
    """The rule sets, word lists and thresholds; a threshold below 1 switches that rule off.

    * ``disclosure_markers`` / ``vague_tags``: the lists of the default rule set (the one
      for creators no other rule set covers). Given without ``rule_sets``, they make the
      only rule set.
    * ``rule_sets``: every jurisdiction's rule set; ``run_checks`` applies the ones named
      by ``jurisdictions`` (see ``select``).
    * ``fold_chars`` / ``fold_lines``: how much of a caption shows before "more" (Instagram
      shows roughly 125 characters or two lines, whichever ends first).
    * ``hashtag_pile``: how many hashtags in a trailing run make a pile that hides a marker.
    """

    disclosure_markers: list[str]
    vague_tags: list[str]
    banned_claims: list[str]
    fold_chars: int = 125
    fold_lines: int = 2
    hashtag_pile: int = 3
    rule_sets: tuple[RuleSet, ...] = ()
    platform_ai_labels: Mapping[str, str] = field(
        default_factory=lambda: dict(defaults().platform_ai_labels)
    )

    @classmethod
    def default(cls) -> CheckSettings:
        return cls(
            disclosure_markers=list(DEFAULT_MARKERS),
            vague_tags=list(DEFAULT_VAGUE_TAGS),
            banned_claims=list(DEFAULT_BANNED_CLAIMS),
            rule_sets=defaults().rule_sets,
        )

    @cached_property
    def effective_rule_sets(self) -> tuple[RuleSet, ...]:
        """The rule sets with the default one carrying ``disclosure_markers``/``vague_tags``."""
        rule_sets = self.rule_sets or (_default_rule_set(defaults().rule_sets),)
        base = _default_rule_set(rule_sets)
        lists = (tuple(self.disclosure_markers), tuple(self.vague_tags))
        if (base.markers, base.vague) == lists:
            return tuple(rule_sets)
        changed = replace(base, markers=lists[0], vague=lists[1])
        return tuple(changed if r is base else r for r in rule_sets)

    @property
    def layout(self) -> engine.Layout:
        return engine.Layout(self.fold_chars, self.fold_lines, self.hashtag_pile)

    def rule_set(self, code: str) -> RuleSet | None:
        return next((r for r in self.effective_rule_sets if r.code == code), None)

    def select(self, country: str | None, audience: Iterable[str] = ()) -> tuple[str, ...]:
        """The jurisdictions whose rule sets apply to a creator's country and an audience."""
        return select(self.effective_rule_sets, country, audience)

    def applying(self, jurisdictions: Iterable[str] | None) -> list[RuleSet]:
        if jurisdictions is None:
            return [_default_rule_set(self.effective_rule_sets)]
        wanted = set(jurisdictions)
        return [r for r in self.effective_rule_sets if r.code in wanted]


# --------------------------------------------------------------------------- products


def _quote(s: str) -> str:
    return engine.quote(s)


def _distinct(text: str, spans: Iterable[Span]) -> list[str]:
    """The matched strings, first occurrence order, without duplicates after folding."""
    seen: dict[str, str] = {}
    for s, e in spans:
        found = " ".join(text[s:e].split())
        seen.setdefault(" ".join(fold(found).text.split()), found)
    return list(seen.values())


def _product_checks(
    text: str, products: Iterable[ProductRef], planned_for: date | None, today: date
) -> list[CheckResult]:
    """R4: naming an unreleased product leaks it; planning before its release breaks embargo."""
    results: list[CheckResult] = []
    for product in products:
        spans = find_phrase(text, [product.name, *(product.aliases or ())])
        if not spans:
            continue
        name = " ".join(product.name.split())
        as_found = [f for f in _distinct(text, spans) if f != name]
        alias_note = f" (as {', '.join(_quote(f) for f in as_found)})" if as_found else ""
        public_on = product.public_on
        if public_on is None or public_on > today:
            when = (
                "it has no public date yet"
                if public_on is None
                else f"it is public on {public_on.isoformat()}"
            )
            results.append(
                CheckResult(
                    "unreleased_product",
                    f"Names unreleased product {_quote(name)}{alias_note}; {when}.",
                    spans,
                    product.id,
                )
            )
        if public_on is not None and planned_for is not None and planned_for < public_on:
            results.append(
                CheckResult(
                    "embargo",
                    f"Planned for {planned_for.isoformat()}, before {_quote(name)}{alias_note} "
                    f"is public on {public_on.isoformat()}.",
                    spans,
                    product.id,
                )
            )
    return results


# --------------------------------------------------------------------------- claims


def _banned_claim_checks(text: str, phrases: Iterable[str]) -> list[CheckResult]:
    """Every occurrence of every banned phrase is its own flag, so each can be fixed."""
    results = []
    for phrase in dict.fromkeys(p.strip() for p in phrases if p and p.strip()):
        for span in find_phrase(text, [phrase]):
            found = text[span[0] : span[1]]
            results.append(
                CheckResult("banned_claim", f"Makes a banned claim: {_quote(found)}.", [span])
            )
    results.sort(key=lambda r: r.spans[0])
    return results


# --------------------------------------------------------------------------- entry points


def run_checks(
    text: str,
    *,
    material_connection: bool,
    is_video: bool,
    disclosure_in_video: bool | None,
    products: Sequence[ProductRef],
    planned_for: date | None,
    today: date,
    settings: CheckSettings,
    jurisdictions: Iterable[str] | None = None,
    ai_made: bool = False,
    ai_label: bool | None = None,
    platform: str | None = None,
    deal_terms: str | None = None,
    images_retouched: bool | None = None,
    shows_person_body: bool | None = None,
) -> list[CheckResult]:
    """All flags for one revision. An empty list means nothing was found, not that legal has
    approved.

    * Per applying rule set (``jurisdictions``; None = the default rule set): disclosure
      (only with a material connection), then AI-content labels (``ai_made``: made with one
      of our products; ``ai_label``: the submitter's answer whether the platform's AI label
      is set; ``shows_person_body``: do the images show a face or a body, for rule sets
      whose caption rule depends on it) and retouched images (``images_retouched``).
      A rule set whose disclosure rules are general (the EU's) checks disclosure only
      when no other applying rule set has disclosure rules of its own.
    * ``deal_terms``: the brief and deliverables of the deal the post is under; terms that
      tie payment to an opinion are flagged by every rule set with review rules.
    * Then products named (leaks, embargo) and banned claims.
    """
    text = text or ""
    folded = fold(text)
    layout = settings.layout
    results: list[CheckResult] = []
    applying = settings.applying(jurisdictions)
    national = any(r.disclosure_required and not r.disclosure_general for r in applying)
    for rule_set in applying:
        discloses = rule_set.disclosure_required and not (rule_set.disclosure_general and national)
        if material_connection and discloses:
            results += engine.disclosure_checks(
                folded,
                rule_set,
                is_video=is_video,
                disclosure_in_video=disclosure_in_video,
                layout=layout,
            )
            results += engine.retouched_checks(
                folded, rule_set, images_retouched=images_retouched, layout=layout
            )
        results += engine.ai_label_checks(
            folded,
            rule_set,
            ai_made=ai_made,
            ai_label=ai_label,
            platform=platform,
            material_connection=material_connection,
            layout=layout,
            platform_labels=settings.platform_ai_labels,
            shows_person_body=shows_person_body,
        )
    if deal_terms:
        results += engine.review_conditioned_checks(deal_terms, settings.effective_rule_sets)
    results += _product_checks(text, products, planned_for, today)
    results += _banned_claim_checks(text, settings.banned_claims)
    return results


def _merge(spans: Iterable[Span], size: int) -> list[Span]:
    """Clamp to the text, drop empty spans, and merge overlapping or touching ones."""
    merged: list[list[int]] = []
    for s, e in sorted((max(0, s), min(size, e)) for s, e in spans):
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _escape_lines(chunk: str) -> str:
    """HTML-escape user text; newlines become <br> so the caption keeps its shape."""
    lines = chunk.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(str(escape(line)) for line in lines)


def highlight(text: str, spans: Iterable[Span]) -> Markup:
    """Escaped text with each flagged span wrapped in <mark class="flag">, safe to render."""
    text = text or ""
    out: list[str] = []
    pos = 0
    for s, e in _merge(spans, len(text)):
        out.append(_escape_lines(text[pos:s]))
        out.append(f'<mark class="flag">{_escape_lines(text[s:e])}</mark>')
        pos = e
    out.append(_escape_lines(text[pos:]))
    # Every piece of user text above went through escape().
    return Markup("".join(out))  # noqa: S704  # nosec B704
