"""What "inline errors on every form" means, checked on the HTML a form post answers.

Shared by the fast crawl over the Flask test client (tests/fuzz/test_form_errors.py) and the
browser crawl (tests/e2e/test_form_crawl.py): both find the POST forms of every page a role
reaches, choose one field a person types into, fill it with a value that must be refused
(`invalid_value`) and hand the page that came back to `check`. The page passes when it is
the same page again, not a stand-alone error page: a form with the same action still holds
that field, the field's message is beside it (`is-invalid` with an `.invalid-feedback` it
points at) or the form has an alert saying why, the typed text is still in the field, and
the status says what happened (422 for a field, 409 for a rule's refusal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Fields a person types into, in the order one is chosen to be filled wrongly: the kinds a
# browser would let through its own checks first, so the server's answer is what is tested.
TYPED = ("url", "email", "number", "date", "datetime-local", "time", "text", "textarea")
# Kinds whose typed value must come back as typed (a number or date input cannot hold "abc").
KEEPS_TEXT = ("url", "email", "text", "textarea", "search", "tel")
# Forms that end the crawler's session or only confirm a deletion are not crawled.
SKIPPED_ACTIONS = ("/logout", "/portal/logout")
LONG_TEXT = 10_000
# The statuses of a refused form shown again.
REFUSED = (409, 422)


@dataclass
class Input:
    tag: str
    name: str
    kind: str
    value: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    options: list[tuple[str, bool]] = field(default_factory=list)  # select: (value, selected)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def required(self) -> bool:
        return "required" in self.attrs

    @property
    def maxlength(self) -> int | None:
        raw = self.attrs.get("maxlength", "")
        return int(raw) if raw.isdigit() else None


@dataclass
class Form:
    page: str
    method: str
    action: str
    multipart: bool
    index: int = 0  # its place among the page's forms (document.forms)
    inputs: list[Input] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons
    feedback: dict[str, str] = field(default_factory=dict)  # .invalid-feedback: id → text
    feedback_texts: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)  # alerts inside the form

    def named(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)

    def shape(self) -> tuple:
        names = tuple(sorted({i.name for i in self.inputs if i.kind != "hidden"}))
        return (url_shape(self.action), names)


@dataclass
class Page:
    forms: list[Form] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    nav_links: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # element id → its text
    alerts: list[str] = field(default_factory=list)  # every .alert-danger / role=alert
    title: str = ""


class _Parser(HTMLParser):
    VOID = frozenset({"input", "br", "img", "hr", "meta", "link", "source", "wbr", "area", "col"})

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.page = Page()
        self.form: Form | None = None
        self.nav = 0
        self.select: Input | None = None
        self.option: list | None = None
        self.textarea: Input | None = None
        # Open elements whose text is collected: [tag, id, kind, parts, depth].
        self.open: list[list] = []
        self.depth = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag not in self.VOID:
            self.depth += 1
        if tag == "title":
            self.in_title = True
        if tag == "nav":
            self.nav += 1
        if tag == "a" and a.get("href", "").startswith("/"):
            (self.page.nav_links if self.nav else self.page.links).append(a["href"])
        classes = set(a.get("class", "").split())
        kind = None
        if "invalid-feedback" in classes:
            kind = "feedback"
        elif "alert-danger" in classes or (a.get("role") == "alert" and "alert" in classes):
            kind = "alert"
        if tag not in self.VOID and (kind or a.get("id")):
            self.open.append([tag, a.get("id", ""), kind, [], self.depth, self.form])
        if tag == "form":
            self.form = Form(
                page=self.url,
                method=(a.get("method") or "get").upper(),
                action=local(a.get("action") or self.url),
                multipart=a.get("enctype") == "multipart/form-data",
                index=len(self.page.forms),
            )
            self.page.forms.append(self.form)
            return
        form, name = self.form, a.get("name")
        if tag == "option" and self.select is not None:
            self.option = [a.get("value"), "selected" in a, []]
            return
        if form is None:
            return
        if tag == "button" and (a.get("type") or "submit") == "submit":
            if name:
                form.buttons.append((name, a.get("value", "")))
            return
        if not name:
            return
        if tag == "input":
            kind_ = (a.get("type") or "text").lower()
            if kind_ in ("submit", "image"):
                form.buttons.append((name, a.get("value", "")))
                return
            if kind_ in ("button", "reset"):
                return
            form.inputs.append(Input("input", name, kind_, a.get("value", ""), a))
        elif tag == "textarea":
            self.textarea = Input("textarea", name, "textarea", "", a)
            form.inputs.append(self.textarea)
        elif tag == "select":
            self.select = Input("select", name, "select", "", a)
            form.inputs.append(self.select)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.page.title += data
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None:
            self.option[2].append(data)
        for entry in self.open:
            entry[3].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag == "nav":
            self.nav = max(0, self.nav - 1)
        elif tag == "textarea":
            if self.textarea is not None:  # HTML drops one newline after <textarea>
                value = self.textarea.value
                self.textarea.value = value[2:] if value.startswith("\r\n") else value
                if self.textarea.value is value and value.startswith(("\n", "\r")):
                    self.textarea.value = value[1:]
            self.textarea = None
        elif tag == "option" and self.option is not None and self.select is not None:
            value, selected, parts = self.option
            self.select.options.append((value if value is not None else "".join(parts), selected))
            self.option = None
        elif tag == "select":
            self.select = None
        if tag in self.VOID:
            return
        while self.open and self.open[-1][4] >= self.depth:
            _tag, ident, kind, parts, _depth, form = self.open.pop()
            text = " ".join("".join(parts).split())
            if ident:
                self.page.texts[ident] = text
            if kind == "alert" and text:
                self.page.alerts.append(text)
                if form is not None:
                    form.alerts.append(text)
            elif kind == "feedback" and text and form is not None:
                form.feedback_texts.append(text)
                if ident:
                    form.feedback[ident] = text
        if tag == "form":
            self.form = None
        self.depth = max(0, self.depth - 1)


def parse(html: str, url: str) -> Page:
    parser = _Parser(url)
    parser.feed(html)
    parser.close()
    return parser.page


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def url_shape(url: str) -> str:
    """A URL with its ids and query values taken out: pages of one shape are crawled once."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/{id}", parts.path)
    path = re.sub(r"/[A-Za-z0-9_-]{20,}(?=/|$|\.)", "/{token}", path)
    keys = sorted({k for k, _ in re.findall(r"([^&=]+)=?([^&]*)", parts.query)})
    return path + ("?" + "&".join(keys) if keys else "")


# --- choosing the field and the value ------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    value: str
    why: str


def _kind(i: Input) -> str:
    if i.kind == "text" and "url" in i.name:
        return "url"
    return i.kind


def crawlable(form: Form) -> bool:
    """A POST form with a field a person types into (logout and bare buttons are not)."""
    if form.method != "POST" or any(form.action.startswith(s) for s in SKIPPED_ACTIONS):
        return False
    return any(i.kind in TYPED for i in form.inputs)


def invalid_value(form: Form) -> Target | None:
    """The one field to fill wrongly and the value, in the order of TYPED; a text field is
    overfilled past its `maxlength`, or left empty when required, else given 10,000
    characters."""
    typed = [i for i in form.inputs if i.kind in TYPED]
    for kind in TYPED:
        for i in typed:
            if _kind(i) != kind:
                continue
            if kind == "url":
                return Target(i.name, i.kind, "not-a-url", "a URL without a scheme")
            if kind == "email":
                return Target(i.name, i.kind, "not-an-email", "an address without @")
            if kind == "number":
                return Target(i.name, i.kind, "abc", "letters for a number")
            if kind == "date":
                return Target(i.name, i.kind, "2026-13-45", "a date that does not exist")
            if kind == "datetime-local":
                return Target(i.name, i.kind, "2026-13-45T25:61", "a time that does not exist")
            if kind == "time":
                return Target(i.name, i.kind, "25:61", "a time that does not exist")
    texts = [i for i in typed if _kind(i) in ("text", "textarea")]
    for i in texts:
        if i.maxlength:
            return Target(i.name, i.kind, "x" * (i.maxlength + 1), "longer than its limit")
    for i in texts:
        if i.required:
            return Target(i.name, i.kind, "", "a required field left empty")
    if texts:
        return Target(texts[0].name, texts[0].kind, "x" * LONG_TEXT, "10,000 characters")
    return None


PLAUSIBLE = {
    "url": "https://example.com/crawl",
    "email": "crawl@example.com",
    "number": "1",
    "date": "2026-03-02",
    "datetime-local": "2026-03-02T10:00",
    "time": "10:00",
}


def baseline(form: Form) -> list[tuple[str, str]]:
    """What a person leaves or types in the other fields: the page's own values, and a
    plausible one where a required field is empty."""
    pairs: list[tuple[str, str]] = []
    for i in form.inputs:
        if i.kind in ("checkbox", "radio"):
            if "checked" in i.attrs:
                pairs.append((i.name, i.value or "on"))
            elif i.kind == "radio" and not any(p[0] == i.name for p in pairs):
                if not any("checked" in o.attrs for o in form.inputs if o.name == i.name):
                    pairs.append((i.name, i.value))
        elif i.kind == "select":
            chosen = [v for v, s in i.options if s]
            if not chosen and i.options:  # a browser sends the first option
                first = i.options[0][0]
                if not first and i.required:
                    first = next((v for v, _ in i.options if v), "")
                chosen = [first]
            pairs.extend((i.name, v) for v in chosen[: None if "multiple" in i.attrs else 1])
        elif i.kind in ("file", "password"):
            continue
        else:
            value = i.value
            if not value and i.required:
                value = PLAUSIBLE.get(_kind(i), "Crawl")
            pairs.append((i.name, value))
    if form.buttons:
        pairs.append(form.buttons[0])
    return pairs


# --- the oracle ----------------------------------------------------------------------------


def check(form: Form, target: Target, status: int, html: str, url: str) -> list[str]:
    """What is wrong with the page a refused post answered (empty: nothing)."""
    if status >= 500:
        return [f"answered {status}"]
    if 300 <= status < 400:
        return [f"redirected ({status}) instead of showing the form again: the typed value is lost"]
    page = parse(html, url)
    problems = []
    if status not in REFUSED:
        problems.append(f"answered {status}, not 422 (a field) or 409 (a rule's refusal)")
    same = [
        f
        for f in page.forms
        if url_shape(f.action) == url_shape(form.action) and f.named(target.name) is not None
    ]
    if not same:
        return [
            *problems,
            f"the form is not on the page that came back ({page.title.strip()!r}): a stand-alone "
            "error page",
        ]
    again = same[0]
    for candidate in same:
        if candidate.named(target.name).value == target.value:
            again = candidate
            break
    back = again.named(target.name)
    described = [
        page.texts.get(ident, "") for ident in back.attrs.get("aria-describedby", "").split()
    ]
    beside = "is-invalid" in back.classes and any(
        again.feedback.get(ident) for ident in back.attrs.get("aria-describedby", "").split()
    )
    beside = beside or ("is-invalid" in back.classes and bool(again.feedback_texts))
    if not beside and not again.alerts and not page.alerts:
        problems.append(
            "no message beside the field (is-invalid with an .invalid-feedback) nor an alert "
            f"on the form; described by {described!r}"
        )
    if target.kind in KEEPS_TEXT and back.value != target.value:
        problems.append(f"the typed value is lost (the field holds {back.value[:40]!r})")
    return problems


# --- the crawl -----------------------------------------------------------------------------

# Pages of one URL shape read at most: a record page shows other forms in other states (an
# approved submission has "mark published", a sent NDA "mark signed"), so a few of each.
PER_SHAPE = 4
MAX_PAGES = 400


def crawl(fetch, start: str = "/") -> tuple[list[str], list[Form]]:
    """Every page reachable by links from `start` (navigation first, at most PER_SHAPE of a
    URL shape) and the crawlable forms found there, one per form shape. `fetch(url)` answers
    a page's HTML, or None when it is not a 200 HTML page."""
    queue, seen, counts, pages = [start], set(), {}, []
    forms: dict[tuple, Form] = {}
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        shape = url_shape(url)
        if url in seen or counts.get(shape, 0) >= PER_SHAPE:
            continue
        if any(url.startswith(s) for s in SKIPPED_ACTIONS):
            continue
        seen.add(url)
        counts[shape] = counts.get(shape, 0) + 1
        html = fetch(url)
        if html is None:
            continue
        pages.append(url)
        page = parse(html, url)
        queue[:0] = [local(u) for u in page.nav_links if url_shape(u) not in counts]
        queue.extend(local(u) for u in page.links)
        for form in page.forms:
            if crawlable(form):
                forms.setdefault(form.shape(), form)
    return pages, list(forms.values())
