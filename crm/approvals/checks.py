"""Automated content checks legal sees beside each revision of a creator's post.

Pure functions: no Flask, no database. The caller decides the facts (material connection,
products, dates) and passes them in, so the rules can be tested on plain strings.

Matching rules shared by every check
------------------------------------
* Case-insensitive, Unicode-aware. Offsets are Python ``str`` indices into the original text.
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

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from markupsafe import Markup, escape

__all__ = [
    "CheckResult",
    "CheckSettings",
    "ProductRef",
    "find_phrase",
    "highlight",
    "run_checks",
]

Span = tuple[int, int]

# Word characters for boundaries: \w plus combining diacritics (so "Nova\u0301" is one word).
_W = r"\w\u0300-\u036f"
_HASHTAG = re.compile(rf"(?<![{_W}])#[{_W}]+")
_PILE_GAP = re.compile(rf"[^{_W}#]*")  # what may sit between hashtags of a pile


@dataclass(frozen=True)
class ProductRef:
    """What the checks need to know about a product; any object with these attributes works."""

    id: int
    name: str
    aliases: Sequence[str] = ()
    public_on: date | None = None


@dataclass(frozen=True)
class CheckResult:
    """One flag: a code for machines, a sentence for people, spans for highlighting."""

    code: str
    message: str
    spans: list[Span] = field(default_factory=list)
    product_id: int | None = None

    def as_dict(self) -> dict:
        """Plain JSON-able form, for storing beside a revision or returning from the API."""
        return {
            "code": self.code,
            "message": self.message,
            "spans": [list(s) for s in self.spans],
            "product_id": self.product_id,
        }


DEFAULT_MARKERS = (
    "#ad",
    "#sponsored",
    "#paid",
    "paid partnership",
    "ad:",
    "#advertisement",
    "#paidpartnership",
    "sponsored by",
    "advertisement:",
)
DEFAULT_VAGUE_TAGS = ("#spon", "#sp", "#collab", "#ambassador", "#partner")
DEFAULT_BANNED_CLAIMS = (
    "guaranteed results",
    "100% accurate",
    "never makes mistakes",
    "no human needed",
    "never wrong",
)


@dataclass(frozen=True)
class CheckSettings:
    """Configurable word lists and thresholds; a threshold below 1 switches that rule off.

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

    @classmethod
    def default(cls) -> CheckSettings:
        return cls(
            disclosure_markers=list(DEFAULT_MARKERS),
            vague_tags=list(DEFAULT_VAGUE_TAGS),
            banned_claims=list(DEFAULT_BANNED_CLAIMS),
        )


# --------------------------------------------------------------------------- matching


@lru_cache(maxsize=1024)
def _phrase_regex(phrase: str) -> str:
    """Regex source for one phrase as a whole token (see the module docstring)."""
    words = phrase.split()
    if not words:
        return ""
    body = r"\s+".join(re.escape(w) for w in words)
    first, last = words[0][0], words[-1][-1]
    # A hashtag or mention glued to a word ("foo#ad") is not a tag, so "#"/"@" need a boundary.
    left = rf"(?<![{_W}])" if _is_word(first) or first in "#@" else ""
    if first.isdigit():
        left += r"(?<!\d[.,])"
    right = rf"(?![{_W}])" if _is_word(last) else ""
    if last.isdigit():
        right += r"(?![.,]\d)"
    return left + body + right


@lru_cache(maxsize=512)
def _compile(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for several phrases, longest first so "Nova Pro" wins over "Nova"."""
    sources = {_phrase_regex(p) for p in phrases}
    sources.discard("")
    if not sources:
        return None
    ordered = sorted(sources, key=lambda s: (-len(s), s))
    return re.compile("|".join(f"(?:{s})" for s in ordered), re.IGNORECASE)


def _is_word(ch: str) -> bool:
    return re.match(rf"[{_W}]", ch) is not None


def find_phrase(text: str, phrases: Iterable[str]) -> list[Span]:
    """Non-overlapping spans where any of ``phrases`` occurs as a whole token."""
    pattern = _compile(tuple(sorted({p.strip() for p in phrases if p and p.strip()})))
    if pattern is None:
        return []
    return [m.span() for m in pattern.finditer(text)]


def _quote(s: str) -> str:
    return f"“{' '.join(s.split())}”"


def _distinct(text: str, spans: Iterable[Span]) -> list[str]:
    """The matched strings, first occurrence order, without case-insensitive duplicates."""
    seen: dict[str, str] = {}
    for s, e in spans:
        found = " ".join(text[s:e].split())
        seen.setdefault(found.casefold(), found)
    return list(seen.values())


# --------------------------------------------------------------------------- disclosure


def _fold_end(text: str, fold_chars: int, fold_lines: int) -> int | None:
    """Offset where the visible part of a long caption ends, or None if nothing is hidden.

    Visible = the first ``fold_chars`` characters, cut earlier at the end of line
    ``fold_lines``. A caption whose (right-stripped) text fits entirely is not folded.
    """
    end = len(text)
    if fold_chars >= 1:
        end = min(end, fold_chars)
    if fold_lines >= 1:
        pos = -1
        for _ in range(fold_lines):
            pos = text.find("\n", pos + 1)
            if pos == -1:
                break
        if pos != -1:
            end = min(end, pos)
    return None if end >= len(text.rstrip()) else end


def _trailing_pile(text: str, minimum: int) -> tuple[int, int] | None:
    """Start offset and size of the run of hashtags that ends the text, if it is a pile.

    A pile is ≥ ``minimum`` hashtags at the very end, separated only by spaces, punctuation
    or emoji (no words), and preceded by some other text (a caption made only of hashtags
    hides nothing).
    """
    if minimum < 1:
        return None
    tags = list(_HASHTAG.finditer(text))
    end, count, start = len(text), 0, None
    for tag in reversed(tags):
        if not _PILE_GAP.fullmatch(text, tag.end(), end):
            break
        count, start, end = count + 1, tag.start(), tag.start()
    if start is None or count < minimum:
        return None
    if not re.search(rf"[{_W}]", text[:start]):
        return None
    return start, count


def _disclosure_checks(
    text: str, *, is_video: bool, disclosure_in_video: bool | None, settings: CheckSettings
) -> list[CheckResult]:
    """R3: a clear marker must be present and visible; vague tags and videos are named."""
    results: list[CheckResult] = []
    example = _quote(settings.disclosure_markers[0]) if settings.disclosure_markers else "“#ad”"
    markers = find_phrase(text, settings.disclosure_markers)
    fold = _fold_end(text, settings.fold_chars, settings.fold_lines)
    pile = _trailing_pile(text, settings.hashtag_pile)

    def reasons(span: Span) -> list[str]:
        why = []
        if fold is not None and span[1] > fold:
            why.append(
                f"it appears only after the part shown before “more” (the first "
                f"{settings.fold_chars} characters or {settings.fold_lines} lines)"
            )
        if pile is not None and span[0] >= pile[0]:
            why.append(f"it is lost in a pile of {pile[1]} hashtags at the end")
        return why

    clear = [s for s in markers if not reasons(s)]
    if not markers:
        results.append(
            CheckResult(
                "disclosure_missing",
                f"No clear disclosure of the material connection; add a marker such as "
                f"{example} near the start.",
                [],
            )
        )
    elif not clear:
        why: list[str] = []
        for span in markers:
            why += [r for r in reasons(span) if r not in why]
        found = ", ".join(_quote(f) for f in _distinct(text, markers))
        results.append(
            CheckResult(
                "disclosure_buried",
                f"Disclosure {found} is buried: {'; '.join(why)}.",
                markers,
            )
        )

    if not clear:
        vague = find_phrase(text, settings.vague_tags)
        for tag in _distinct(text, vague):
            spans = [s for s in vague if text[s[0] : s[1]].casefold() == tag.casefold()]
            results.append(
                CheckResult(
                    "disclosure_vague",
                    f"Vague tag {_quote(tag)} does not count as a disclosure; use a clear "
                    f"marker such as {example}.",
                    spans,
                )
            )

    if is_video and disclosure_in_video is not True:
        message = (
            "The video itself does not disclose the material connection; it must be said "
            "or shown in the video too."
            if disclosure_in_video is False
            else "Not stated whether the video itself discloses the material connection."
        )
        results.append(CheckResult("disclosure_not_in_video", message, []))
    return results


# --------------------------------------------------------------------------- products


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
) -> list[CheckResult]:
    """All flags for one revision: disclosure (only with a material connection), products,
    banned claims. An empty list means nothing was found, not that legal has approved."""
    text = text or ""
    results: list[CheckResult] = []
    if material_connection:
        results += _disclosure_checks(
            text, is_video=is_video, disclosure_in_video=disclosure_in_video, settings=settings
        )
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
