"""The check of an email address typed into the invitation and password-reset forms: stricter
than storage needs (crm.auth.services), because that address reaches an email header."""

from __future__ import annotations

import unicodedata

from crm.auth import services

# Characters never allowed anywhere in an address typed into a form: control, format
# (zero-width, bidi overrides), line and paragraph separators, private use, unassigned.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def email_problems(raw: str | None) -> list[str]:
    """What is wrong with an address typed into a form (empty list: nothing).

    Stricter than storage needs: CR/LF and other control or invisible characters anywhere
    (not only inside) and look-alike forms (full-width letters, ligatures) are refused, so
    an address that reaches an email header or a lookup is plain."""
    if any(unicodedata.category(c) in _BAD_CATEGORIES for c in raw or ""):
        return ["must not contain line breaks, control or invisible characters"]
    email = services.normalise_email(raw)
    if not email:
        return ["is required"]
    if len(email) > 254:
        return ["must be 254 characters at most"]
    if unicodedata.normalize("NFKC", email) != email:
        return ["must be written with plain characters (no look-alike forms)"]
    if not services.EMAIL_RE.match(email):
        return ["must be a valid email address"]
    return []
