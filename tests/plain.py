"""What a person reads on a page: its text, without tags, attributes, scripts or styles
(codes may stay in option values, data attributes and links)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def assert_plain(text: str, *, shows: tuple[str, ...] = (), never: tuple[str, ...] = ()) -> None:
    """`shows` appear in the text; none of the raw codes in `never` do."""
    for words in shows:
        assert words in text, f"{words!r} not on the page"
    for code in never:
        assert code not in text, f"raw code {code!r} shown"
