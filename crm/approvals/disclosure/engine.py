"""The checks one rule set runs on a caption: disclosure, AI-content labels, review terms.

Over 400 lines: the three checks share the marker matching and placement rules above them.

Pure functions of the text and the facts; offsets in results point into the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from crm.approvals.disclosure.results import CheckResult, Span
from crm.approvals.disclosure.rules import RuleSet
from crm.approvals.disclosure.text import (
    Folded,
    Negation,
    W,
    compile_phrases,
    denial_start,
    fold,
    fold_phrase,
    glued_denials,
    label_position,
    phrase_source,
    words_before,
)

_HASHTAG = re.compile(rf"(?<![{W}])#[{W}]+")
_PILE_GAP = re.compile(rf"[^{W}#]*")  # what may sit between hashtags of a pile
_ONE_WORD = re.compile(rf"[{W}]+")
_WORDS = re.compile(rf"[{W}]+(?:[\s-]+[{W}]+)*")


@dataclass(frozen=True)
class Layout:
    """How much of a caption shows before "more", and what makes a pile of hashtags."""

    fold_chars: int = 125
    fold_lines: int = 2
    hashtag_pile: int = 3


def quote(value: str) -> str:
    return f"“{' '.join(value.split())}”"


# --------------------------------------------------------------------------- markers


def marker_forms(entry: str) -> list[tuple[str, str]]:
    """(folded form, kind) pairs an entry matches as: "tag", "label" or "phrase"."""
    folded = fold_phrase(entry)
    if not folded:
        return []
    if folded.startswith("#"):
        return [(folded, "tag")]
    if _ONE_WORD.fullmatch(folded):
        return [(folded, "label"), ("#" + folded, "tag")]
    if _WORDS.fullmatch(folded):
        return [(folded, "phrase"), ("#" + re.sub(r"[\s-]+", "", folded), "tag")]
    return [(folded, "phrase")]


def marker_bodies(entries: Iterable[str]) -> set[str]:
    """The letters of each entry's hashtag form (for glued denials such as #notsponsored)."""
    out = set()
    for entry in entries:
        for form, kind in marker_forms(entry):
            if kind == "tag" and _ONE_WORD.fullmatch(form[1:]):
                out.add(form[1:])
    return out


@lru_cache(maxsize=128)
def _matcher(
    entries: tuple[str, ...],
) -> tuple[re.Pattern[str] | None, tuple[tuple[str, str], ...]]:
    forms: dict[str, tuple[str, str]] = {}
    for entry in entries:
        for form, kind in marker_forms(entry):
            source = phrase_source(form, True)
            if source:
                forms.setdefault(source, (entry, kind))
    if not forms:
        return None, ()
    ordered = sorted(forms, key=lambda s: (-len(s), s))
    pattern = re.compile("|".join(f"(?P<m{i}>{s})" for i, s in enumerate(ordered)))
    return pattern, tuple(forms[s] for s in ordered)


@dataclass(frozen=True)
class Hit:
    """One occurrence of a configured marker in the folded text."""

    start: int
    end: int
    entry: str
    kind: str
    denied_at: int | None  # folded offset of the negation that denies it

    def counts(self, text: str) -> bool:
        """Not denied, and a label only where it stands as a label."""
        if self.denied_at is not None:
            return False
        return self.kind != "label" or label_position(text, self.start, self.end)


@lru_cache(maxsize=128)
def vocabulary(entries: tuple[str, ...]) -> frozenset[str]:
    """Every word of the entries (what may sit between a negation and a marker)."""
    return frozenset(re.findall(rf"[{W}]+", " ".join(fold_phrase(e) for e in entries)))


def find_markers(
    folded: Folded,
    entries: Sequence[str],
    negation: Negation,
    words: frozenset[str] = frozenset(),
) -> list[Hit]:
    pattern, info = _matcher(tuple(entries))
    if pattern is None:
        return []
    hits = []
    for match in pattern.finditer(folded.text):
        entry, kind = info[int((match.lastgroup or "m0")[1:])]
        start, end = match.span()
        denied = denial_start(
            folded.text,
            start,
            end,
            negation,
            window=None if kind == "phrase" else 1,
            vocabulary=words,
        )
        hits.append(Hit(start, end, entry, kind, denied))
    return hits


# --------------------------------------------------------------------------- position


def fold_end(text: str, fold_chars: int, fold_lines: int) -> int | None:
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


def trailing_pile(text: str, minimum: int) -> tuple[int, int] | None:
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
    if not re.search(rf"[{W}]", text[:start]):
        return None
    return start, count


class _Placement:
    """Why a marker at some place would not be seen (the caption's fold, pile, start)."""

    def __init__(self, folded: Folded, rule_set: RuleSet, layout: Layout):
        self.folded = folded
        self.rule_set = rule_set
        self.layout = layout
        self.fold = fold_end(folded.original, layout.fold_chars, layout.fold_lines)
        self.pile = trailing_pile(folded.text, layout.hashtag_pile)

    def reasons(self, hit: Hit) -> list[str]:
        why = []
        _start, end = self.folded.span(hit.start, hit.end)
        if self.fold is not None and end > self.fold:
            why.append(
                f"it appears only after the part shown before “more” (the first "
                f"{self.layout.fold_chars} characters or {self.layout.fold_lines} lines)"
            )
        if self.pile is not None and hit.start >= self.pile[0]:
            why.append(f"it is lost in a pile of {self.pile[1]} hashtags at the end")
        limit = self.rule_set.start_words
        if self.rule_set.position == "start" and words_before(self.folded.text, hit.start) > limit:
            why.append(
                f"it does not come at the start (within the first {limit} words), "
                f"where {self.rule_set.code} rules want it"
            )
        return why


def _original(folded: Folded, hits: Iterable[Hit]) -> list[Span]:
    return [folded.span(h.start, h.end) for h in hits]


def _distinct(folded: Folded, hits: Sequence[Hit]) -> list[tuple[str, list[Span]]]:
    """Each distinct matched text (first occurrence as written) with all its spans."""
    groups: dict[str, tuple[str, list[Span]]] = {}
    for hit in hits:
        key = " ".join(folded.text[hit.start : hit.end].split())
        span = folded.span(hit.start, hit.end)
        written = " ".join(folded.original[span[0] : span[1]].split())
        groups.setdefault(key, (written, []))[1].append(span)
    return list(groups.values())


# --------------------------------------------------------------------------- disclosure


def disclosure_checks(
    folded: Folded,
    rule_set: RuleSet,
    *,
    is_video: bool,
    disclosure_in_video: bool | None,
    layout: Layout,
) -> list[CheckResult]:
    """A clear, undenied marker must be present and placed as the rule set wants; vague
    wording and denials are named; a video must disclose in the video too."""
    rs = rule_set
    text = folded.text

    def result(code: str, message: str, spans: list[Span], rule: str = "disclosure"):
        return CheckResult(
            code,
            message,
            spans,
            jurisdiction=rs.code,
            remedy=rs.remedy(code),
            source=rs.citations(rule),
        )

    results: list[CheckResult] = []
    example = quote(rs.markers[0]) if rs.markers else "“#ad”"
    words = vocabulary((*rs.markers, *rs.vague))
    accepted = find_markers(folded, rs.markers, rs.negation, words)
    vague = find_markers(folded, rs.vague, rs.negation, words)
    counting = [h for h in accepted if h.counts(text)]
    placement = _Placement(folded, rs, layout)
    clear = [h for h in counting if not placement.reasons(h)]
    if not counting:
        results.append(
            result(
                "disclosure_missing",
                f"No clear disclosure of the material connection; add a marker such as "
                f"{example} near the start.",
                [],
            )
        )
    elif not clear:
        why: list[str] = []
        for hit in counting:
            why += [r for r in placement.reasons(hit) if r not in why]
        found = ", ".join(quote(w) for w, _ in _distinct(folded, counting))
        results.append(
            result(
                "disclosure_buried",
                f"Disclosure {found} is buried: {'; '.join(why)}.",
                _original(folded, counting),
            )
        )

    if not clear:
        for written, spans in _distinct(folded, [h for h in vague if h.denied_at is None]):
            kind = "tag" if written.startswith("#") else "wording"
            results.append(
                result(
                    "disclosure_vague",
                    f"Vague {kind} {quote(written)} does not count as a disclosure; use a "
                    f"clear marker such as {example}.",
                    spans,
                )
            )

    denials = [(h.denied_at, h.end) for h in accepted + vague if h.denied_at is not None]
    bodies = marker_bodies([*rs.markers, *rs.vague])
    denials += glued_denials(text, bodies, rs.negation)
    if denials:
        spans = sorted({folded.span(s, e) for s, e in denials})
        found = ", ".join(dict.fromkeys(quote(folded.original[s:e]) for s, e in spans))
        results.append(
            result(
                "disclosure_denied",
                f"The caption denies a commercial relationship ({found}) although the creator "
                "has a material connection; a denial never counts as a disclosure.",
                spans,
            )
        )

    if is_video and rs.in_video and disclosure_in_video is not True:
        message = (
            "The video itself does not disclose the material connection; it must be said "
            "or shown in the video too."
            if disclosure_in_video is False
            else "Not stated whether the video itself discloses the material connection."
        )
        results.append(result("disclosure_not_in_video", message, [], "video"))
    return results


# --------------------------------------------------------------------------- AI labels


def ai_label_checks(
    folded: Folded,
    rule_set: RuleSet,
    *,
    ai_made: bool,
    ai_label: bool | None,
    platform: str | None,
    material_connection: bool,
    layout: Layout,
    platform_labels: Mapping[str, str],
    shows_person_body: bool | None = None,
) -> list[CheckResult]:
    """Content made with our AI products: the platform's AI label must be set, and the
    caption must say so where the rule set requires it (``with_person``: only when the
    images show a face or a body; not answered is asked, as a failure, like a missing
    in-video answer)."""
    rs = rule_set
    if not ai_made:
        return []

    def result(code: str, message: str, spans: list[Span], **values: str) -> CheckResult:
        return CheckResult(
            code,
            message,
            spans,
            jurisdiction=rs.code,
            remedy=rs.remedy(code, **values),
            source=rs.citations("ai_label"),
        )

    results: list[CheckResult] = []
    label = platform_labels.get(platform or "")
    if rs.ai_platform_label and label:
        if ai_label is False:
            message = f"Made with our AI products, but {label} is not set."
        elif ai_label is None:
            message = f"Made with our AI products: not stated whether {label} is set."
        else:
            message = ""
        if message:
            results.append(result("ai_label_platform", message, [], platform_label=label))

    mode = rs.ai_caption
    needed = (
        mode == "always"
        or (mode == "with_connection" and material_connection)
        or (mode == "with_person" and material_connection and shows_person_body is not False)
        or (mode == "without_platform_label" and label is None)
    )
    if needed:
        words = vocabulary(rs.ai_markers)
        hits = [
            h
            for h in find_markers(folded, rs.ai_markers, rs.negation, words)
            if h.counts(folded.text)
        ]
        placement = _Placement(folded, rs, layout)
        if not hits:
            example = quote(rs.ai_markers[0]) if rs.ai_markers else "“AI-generated”"
            why = {
                "with_connection": "needed when AI-made images show a face or a body",
                "with_person": "needed because the AI-made images show a face or a body",
                "without_platform_label": "this platform has no AI label setting",
            }.get(mode, "the rule set requires it")
            if mode == "with_person" and shows_person_body is None:
                message = (
                    "Made with our AI products: not stated whether the images show a face or "
                    f"a body; if they do, the caption must say so ({example})."
                )
            else:
                message = (
                    f"Made with our AI products: the caption does not say so ({example}; {why})."
                )
            results.append(result("ai_label_caption", message, []))
        elif all(placement.reasons(h) for h in hits):
            why_list: list[str] = []
            for hit in hits:
                why_list += [r for r in placement.reasons(hit) if r not in why_list]
            found = ", ".join(quote(w) for w, _ in _distinct(folded, hits))
            results.append(
                result(
                    "ai_label_caption",
                    f"AI label {found} is buried: {'; '.join(why_list)}.",
                    _original(folded, hits),
                )
            )
    return results


# --------------------------------------------------------------------------- retouched


def retouched_checks(
    folded: Folded,
    rule_set: RuleSet,
    *,
    images_retouched: bool | None,
    layout: Layout,
) -> list[CheckResult]:
    """Retouched images in a commercial post (loi 2023-451 art. 5): where the rule set has
    ``retouched_markers`` and the submitter says the images were retouched, the caption
    must say so, visibly. Not answered raises nothing: retouching cannot be presumed."""
    rs = rule_set
    if not rs.retouched_markers or images_retouched is not True:
        return []

    def result(message: str, spans: list[Span]) -> CheckResult:
        return CheckResult(
            "disclosure_retouched",
            message,
            spans,
            jurisdiction=rs.code,
            remedy=rs.remedy("disclosure_retouched"),
            source=rs.citations("retouched"),
        )

    words = vocabulary(rs.retouched_markers)
    hits = [
        h
        for h in find_markers(folded, rs.retouched_markers, rs.negation, words)
        if h.counts(folded.text)
    ]
    example = quote(rs.retouched_markers[0])
    if not hits:
        return [result(f"The images were retouched: the caption does not say so ({example}).", [])]
    placement = _Placement(folded, rs, layout)
    if all(placement.reasons(h) for h in hits):
        why: list[str] = []
        for hit in hits:
            why += [r for r in placement.reasons(hit) if r not in why]
        found = ", ".join(quote(w) for w, _ in _distinct(folded, hits))
        return [result(f"{found} is buried: {'; '.join(why)}.", _original(folded, hits))]
    return []


# --------------------------------------------------------------------------- reviews

_SENTENCE = re.compile(r"[^.!?;\n]+")


@dataclass(frozen=True)
class ConditionedReviewFinding:
    """Deal terms that tie payment or access to the opinion expressed (16 CFR 465.4)."""

    rule_set: RuleSet
    spans: tuple[Span, ...]  # the sentiment and condition words, in the deal text
    sentences: tuple[str, ...]  # the sentences they are in, as written


def conditioned_review_findings(
    text: str, rule_sets: Iterable[RuleSet]
) -> list[ConditionedReviewFinding]:
    """Per rule set with review rules: sentences holding a sentiment ("positive review",
    "five-star") and a condition that is not denied ("only if", "must", "bonus"), without
    a neutral phrase ("positive or negative", "regardless of")."""
    folded = fold(text or "")
    findings = []
    for rs in rule_sets:
        if not rs.checks_review_conditioned:
            continue
        sentiments = compile_phrases(_folded_all(rs.review_sentiments), True)
        conditions = compile_phrases(_folded_all(rs.review_conditions), True)
        neutral = compile_phrases(_folded_all(rs.review_neutral), True)
        spans: list[Span] = []
        sentences: list[str] = []
        for sentence in _SENTENCE.finditer(folded.text):
            a, b = sentence.span()
            if neutral is not None and neutral.search(folded.text, a, b):
                continue
            felt = [m.span() for m in sentiments.finditer(folded.text, a, b)] if sentiments else []
            tied = [
                m.span()
                for m in (conditions.finditer(folded.text, a, b) if conditions else [])
                if denial_start(folded.text, m.start(), m.end(), rs.negation) is None
            ]
            if felt and tied:
                spans += [folded.span(s, e) for s, e in sorted(felt + tied)]
                start, end = folded.span(a, b)
                sentences.append(" ".join(folded.original[start:end].split()))
        if spans:
            findings.append(ConditionedReviewFinding(rs, tuple(spans), tuple(sentences)))
    return findings


def _folded_all(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({fold_phrase(v) for v in values if v.strip()} - {""}))


def review_conditioned_checks(text: str, rule_sets: Iterable[RuleSet]) -> list[CheckResult]:
    """The review findings of a deal's terms as flags on a submission under the deal."""
    results = []
    for finding in conditioned_review_findings(text, rule_sets):
        rs = finding.rule_set
        quoted = "; ".join(quote(s if len(s) <= 160 else s[:157] + "…") for s in finding.sentences)
        results.append(
            CheckResult(
                "review_conditioned",
                f"The deal ties payment or access to the opinion expressed: {quoted}.",
                [],
                jurisdiction=rs.code,
                remedy=rs.remedy("review_conditioned"),
                source=rs.citations("reviews"),
            )
        )
    return results
