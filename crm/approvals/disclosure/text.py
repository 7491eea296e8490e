"""Text matching for the checks: Unicode folding with offsets, phrases, labels and denials.

Over 400 lines: phrases, labels and denials all match on the one folded text with offsets.

Folding
-------
Both the caption and every phrase are compared after the same folding, so that a product
name or a marker written in another Unicode form is still found:

* NFKC, then case folding (``Ｎｏｖａ``, ``𝐍𝐨𝐯𝐚``, ``Ⓝⓞⓥⓐ`` and ``NOVA`` all read ``nova``;
  ``＃ａｄ`` reads ``#ad``; a non-breaking space is a space; ``ß`` reads ``ss``).
* A base character and the combining marks after it are folded together, so ``e`` +
  U+0301 and ``é`` are the same letter.
* Invisible format characters (zero-width spaces and joiners, soft hyphens, bidi marks:
  Unicode category Cf) are dropped, so ``No\u200bva`` reads ``nova``.
* A symbol whose compatibility form spells several letters (``™``, ``℠``, ``㎏``) stays a
  symbol: ``Nova™`` still names ``Nova``.
* Within one word that mixes Latin letters with Cyrillic or Greek look-alikes (``Nоva``
  with a Cyrillic ``о``), the look-alikes read as their Latin twins. Words written wholly in
  Cyrillic or Greek are left alone.

Every folded character remembers the span of the original text it came from, so matches
found in the folded text are reported (and highlighted) as offsets into the original.

Phrases
-------
Phrases match as whole tokens (see :func:`phrase_source`). Disclosure markers add two rules
(``marker=True``): a hyphen joins words (``ad-free`` and ``non-sponsored`` do not contain the
marker ``ad`` / ``sponsored``), a hyphen inside a marker also matches a space
(``AI-generated`` finds ``AI generated``), and a word ending in ``*`` takes any ending
(``positiv*`` finds ``positiver`` and ``positiven``, for languages that inflect).

Labels
------
A one-word marker (``Ad``, ``Werbung``, ``Publicité``) counts only where it stands as a label
(:func:`label_position`): at the start of the caption or of a line, after an opening bracket,
a separator (``|``, ``:``, ``–``, ``/`` …) or an emoji, before a colon, separator or closing
bracket, or as a sentence of its own. "I saw an ad for this" does not disclose anything.

Denials
-------
:func:`denial_start` decides whether a marker is denied ("not sponsored", "this is not an
ad", "keine Werbung", "pas une publicité"). The window rule: walking back from the marker,
within the same clause, a negation word among the nearest ``window`` words denies it.
Clauses end at ``. ! ? ; : ,``, a line break, ``|`` or a contrast word ("but", "aber",
"mais"); filler words (articles, determiners, copulas, intensifiers such as "a", "the",
"is", "really", "de", "la", "ist") and the words of the rule set's own markers ("paid")
are skipped and do not count. Hashtags and one-word labels are denied only by an adjacent
negation (window 1: "not an #ad", but not "don't miss this #ad"); phrases use the rule
set's window (2 by default: "doesn't include paid promotion"). A negation that opens an
exception ("not only", "nicht nur", "non seulement") denies nothing.
A marker asked as a question and answered no ("Sponsored? No.") is denied too. Hashtags
that glue a negation to a marker (``#notsponsored``, ``#keinewerbung``, ``#pasdepub``) are
found by :func:`glued_denials`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

Span = tuple[int, int]

# Word characters for boundaries: \w plus combining diacritics (so "Nova\u0301" is one word).
W = r"\w\u0300-\u036f"
_WORD_CHAR = re.compile(rf"[{W}]")
_MARKS = frozenset({"Mn", "Mc", "Me"})

# Lower-case Cyrillic and Greek letters that look like Latin ones (after case folding).
_LOOKALIKES = str.maketrans(
    {
        "а": "a",
        "с": "c",
        "ԁ": "d",
        "е": "e",
        "һ": "h",
        "і": "i",
        "ј": "j",
        "к": "k",
        "ӏ": "l",
        "о": "o",
        "р": "p",
        "ԛ": "q",
        "ѕ": "s",
        "у": "y",
        "ԝ": "w",
        "х": "x",
        "α": "a",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "υ": "u",
        "χ": "x",
    }
)
_LETTER_RUN = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Folded:
    """A folded text and, per folded character, the original span it came from."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> Span:
        """The original span of the folded span [start, end)."""
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _fold_cluster(cluster: str) -> str:
    first = cluster[0]
    category = unicodedata.category(first)
    if category == "Cf":
        return ""
    compat = unicodedata.normalize("NFKC", cluster)
    if category[0] == "S" and sum(ch.isalnum() for ch in compat) > 1:
        return cluster.casefold()
    return unicodedata.normalize("NFKC", compat.casefold())


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith("LATIN"):
        return "latin"
    if name.startswith(("CYRILLIC", "GREEK")):
        return "other"
    return ""


def _unmix(text: str) -> str:
    """Map Cyrillic/Greek look-alikes to Latin inside words that mix the scripts (1:1)."""

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        scripts = {_script(ch) for ch in word}
        if "latin" in scripts and "other" in scripts:
            return word.translate(_LOOKALIKES)
        return word

    return _LETTER_RUN.sub(fix, text)


@lru_cache(maxsize=512)
def fold(text: str) -> Folded:
    """Fold `text` (see the module docstring), keeping the way back to the original."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, size = 0, len(text)
    while i < size:
        j = i + 1
        while j < size and unicodedata.category(text[j]) in _MARKS:
            j += 1
        piece = _fold_cluster(text[i:j])
        pieces.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    folded = _unmix("".join(pieces))
    return Folded(text, folded, tuple(starts), tuple(ends))


def fold_phrase(phrase: str) -> str:
    """A phrase folded like the text, with its whitespace runs made single spaces."""
    return " ".join(fold(phrase).text.split())


def is_word(ch: str) -> bool:
    return _WORD_CHAR.match(ch) is not None


# --------------------------------------------------------------------------- phrases


@lru_cache(maxsize=4096)
def phrase_source(phrase: str, marker: bool = False) -> str:
    """Regex source for one folded phrase as a whole token.

    A phrase edge that is a word character must not touch another word character; ``#`` and
    ``@`` need a boundary too (``foo#ad`` is not a tag). A phrase ending in a digit does not
    match the start of a longer version number (``GPT-5`` is not ``GPT-5.1``), and one
    starting with a digit does not match the tail of one (``5 Pro`` is not ``4.5 Pro``).
    Words match across any run of whitespace.
    """
    words = phrase.split()
    if not words:
        return ""

    def word_source(word: str) -> str:
        if not marker:
            return re.escape(word)
        if word.endswith("*") and len(word) > 1:  # any ending: "positiv*" → "positiven"
            return word_source(word[:-1]) + rf"[{W}]*"
        return r"(?:-|\s+)".join(re.escape(part) for part in word.split("-"))

    body = r"\s+".join(word_source(w) for w in words)
    first, last = words[0][0], words[-1][-1]
    if marker and last == "*":
        last = "a"  # the ending runs to the end of the word
    left = rf"(?<![{W}])" if is_word(first) or first in "#@" else ""
    if marker and is_word(first):
        left += rf"(?<![{W}]-)"
    if first.isdigit():
        left += r"(?<!\d[.,])"
    right = rf"(?![{W}])" if is_word(last) else ""
    if marker and is_word(last):
        right += rf"(?!-[{W}])"
    if last.isdigit():
        right += r"(?![.,]\d)"
    return left + body + right


@lru_cache(maxsize=512)
def compile_phrases(phrases: tuple[str, ...], marker: bool = False) -> re.Pattern[str] | None:
    """One pattern for several folded phrases, longest first so "Nova Pro" wins over "Nova"."""
    sources = {phrase_source(p, marker) for p in phrases}
    sources.discard("")
    if not sources:
        return None
    ordered = sorted(sources, key=lambda s: (-len(s), s))
    return re.compile("|".join(f"(?:{s})" for s in ordered))


def find_folded(folded: Folded, phrases: Iterable[str], marker: bool = False) -> list[Span]:
    """Folded spans where any of `phrases` (raw) occurs as a whole token."""
    cleaned = tuple(sorted({fold_phrase(p) for p in phrases if p and p.strip()} - {""}))
    pattern = compile_phrases(cleaned, marker)
    if pattern is None:
        return []
    return [m.span() for m in pattern.finditer(folded.text)]


def find_phrase(text: str, phrases: Iterable[str]) -> list[Span]:
    """Non-overlapping spans of the original `text` where any of `phrases` occurs as a whole
    token, after folding both sides."""
    folded = fold(text or "")
    return [folded.span(s, e) for s, e in find_folded(folded, phrases)]


# --------------------------------------------------------------------------- labels

_OPEN = "([{<«“„‹【〔「『"
_CLOSE = ")]}>»”›】〕」』"
_SEPARATORS = "|:•·–—-/\\"
_SENTENCE_END = ".!?"
_DECORATION = "*~\"'‘’`"


def _skippable(ch: str) -> bool:
    return ch in " \t" or ch in _DECORATION or unicodedata.category(ch)[0] == "S"


def _before(text: str, start: int) -> str:
    i = start - 1
    while i >= 0 and (text[i] in " \t" or text[i] in _DECORATION):
        i -= 1
    if i < 0 or text[i] == "\n":
        return "start"
    ch = text[i]
    if ch in _OPEN:
        return "open"
    if ch in _SEPARATORS or unicodedata.category(ch)[0] == "S":
        return "separator"  # an emoji or symbol before a label sets it apart
    if ch in _SENTENCE_END:
        return "sentence"
    return "word"


def _after(text: str, end: int) -> str:
    i = end
    while i < len(text) and _skippable(text[i]):
        i += 1
    if i >= len(text) or text[i] == "\n":
        return "end"
    ch = text[i]
    if ch in _CLOSE:
        return "close"
    if ch in _SEPARATORS:
        return "separator"
    if ch in _SENTENCE_END:
        return "sentence"
    return "word"


def label_position(text: str, start: int, end: int) -> bool:
    """Does the word at text[start:end] stand as a label (see the module docstring)?"""
    before, after = _before(text, start), _after(text, end)
    if before in ("start", "open", "separator") or after in ("close", "separator"):
        return True
    return before == "sentence" and after in ("end", "sentence")


def words_before(text: str, start: int) -> int:
    """How many words (hashtags and numbers included) come before offset `start`."""
    return len(re.findall(rf"[{W}]+", text[:start]))


# --------------------------------------------------------------------------- denials

_CLAUSE_END = set(".!?;:,\n|•·")
_TOKEN = re.compile(rf"[{W}'’]+")


@dataclass(frozen=True)
class Negation:
    """The negation words of a language, and what the window rule skips or stops at."""

    words: frozenset[str]
    fillers: frozenset[str]
    breaks: frozenset[str]
    exceptions: tuple[tuple[str, ...], ...]
    window: int = 2

    @classmethod
    def build(
        cls,
        words: Sequence[str],
        fillers: Sequence[str] = (),
        breaks: Sequence[str] = (),
        exceptions: Sequence[str] = (),
        window: int = 2,
    ) -> Negation:
        def norm(values: Sequence[str]) -> frozenset[str]:
            return frozenset(_apostrophes(fold_phrase(v)) for v in values if v.strip())

        return cls(
            norm(words),
            norm(fillers),
            norm(breaks),
            tuple(tuple(_apostrophes(fold_phrase(e)).split()) for e in exceptions if e.strip()),
            window,
        )

    def is_negation(self, token: str) -> bool:
        return token in self.words or token.endswith("n't")


def _apostrophes(value: str) -> str:
    return value.replace("’", "'")


def _tokens(chunk: str, offset: int) -> list[tuple[str, int]]:
    """(token, folded offset) pairs; French elisions split ("n'est" → "n", "est"), English
    "n't" contractions kept whole ("isn't")."""
    out: list[tuple[str, int]] = []
    for match in _TOKEN.finditer(chunk):
        raw = _apostrophes(match.group())
        pos = offset + match.start()
        if raw.endswith("n't"):
            out.append((raw, pos))
            continue
        for part in raw.split("'"):
            if part:
                out.append((part, pos))
            pos += len(part) + 1
    return out


def _clause_start(text: str, start: int) -> int:
    i = start - 1
    while i >= 0 and text[i] not in _CLAUSE_END:
        i -= 1
    return i + 1


def denial_start(
    text: str,
    start: int,
    end: int,
    negation: Negation,
    *,
    window: int | None = None,
    vocabulary: frozenset[str] = frozenset(),
) -> int | None:
    """Folded offset of the negation that denies the marker text[start:end], or None.

    `window` overrides the negation's; words in `vocabulary` (the words of the rule set's
    own markers, such as "paid") are skipped like fillers.
    """
    window = negation.window if window is None else window
    begin = _clause_start(text, start)
    tokens = _tokens(text[begin:start], begin)
    following = [t for t, _ in _tokens(text[end : end + 60], end)]
    content = 0
    for index in range(len(tokens) - 1, -1, -1):
        token, pos = tokens[index]
        if token in negation.breaks:
            break
        if negation.is_negation(token):
            rest = [t for t, _ in tokens[index + 1 :]] + following
            if not any(tuple([token, *rest[: len(e) - 1]]) == e for e in negation.exceptions if e):
                return pos
            break
        if token in negation.fillers or token in vocabulary:
            continue
        content += 1
        if content >= window:
            break
    # "Sponsored? No." — the marker asked and answered no.
    after = text[end:].lstrip(" \t")
    if after.startswith("?"):
        answer = _tokens(after[1:40], 0)
        if answer and negation.is_negation(answer[0][0]):
            return start
    return None


_ARTICLES = ("", "a", "an", "the", "un", "une", "de", "d", "la", "le", "ein", "eine", "einen")


def glued_denials(
    text: str, marker_bodies: Iterable[str], negation: Negation
) -> list[tuple[int, int]]:
    """Folded spans of hashtags that glue a negation to a marker: ``#notsponsored``,
    ``#notanad``, ``#keinewerbung``, ``#pasdepub`` (negation, an optional article, marker)."""
    bodies = sorted({b for b in marker_bodies if b}, key=len, reverse=True)
    if not bodies:
        return []
    negations = sorted(
        (w for w in negation.words if w.isalpha()), key=len, reverse=True
    )  # "n't" forms cannot be glued
    spans = []
    for match in re.finditer(rf"(?<![{W}])#([{W}]+)", text):
        tag = match.group(1)
        if _glued(tag, negations, bodies):
            spans.append(match.span())
    return spans


def _glued(tag: str, negations: Sequence[str], bodies: Sequence[str]) -> bool:
    for neg in negations:
        if not tag.startswith(neg):
            continue
        rest = tag[len(neg) :]
        for body in bodies:
            if rest.endswith(body) and rest[: len(rest) - len(body)] in _ARTICLES:
                return True
    return False
