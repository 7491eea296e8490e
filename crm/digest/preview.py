"""The digest's HTML shown inside the preview page, whole, at its natural height.

The email needs inline styles (mail clients ignore style sheets), which the app's CSP forbids,
and without script a frame cannot grow to its content, so a framed email hides whatever
falls below the frame. The page shows the email's body instead, sanitised: its headings,
paragraphs, lists and links, without the styles and the layout tables. The styled original
stays one link away (`digest.preview_email`), served on its own with a CSP that allows them.
"""

from __future__ import annotations

import re

import nh3
from markupsafe import Markup

TAGS = {"a", "br", "em", "h1", "h2", "h3", "li", "ol", "p", "strong", "ul"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)
# The page has its own h1 and an h2 over the email: the email's headings move down two levels.
_HEADING = re.compile(r"<(/?)h([1-4])>")


def email_body_for_page(html: str) -> Markup:
    """The email's body as page markup: safe tags only, headings below the page's own."""
    match = _BODY.search(html)
    clean = nh3.clean(
        match[1] if match else html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    clean = _HEADING.sub(lambda m: f"<{m[1]}h{min(6, int(m[2]) + 2)}>", clean)
    # Sanitised by nh3 just above; the substitution only renames heading tags.
    return Markup(clean)  # noqa: S704  # nosec B704
