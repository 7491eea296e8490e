"""Names of uploaded files, as stored and as sent back in Content-Disposition.

The uploader's name is shown and offered on download, so it loses what could break a header
or mislead a reader: control characters (CR/LF end a header line), bidi overrides and other
format characters (`invoice\u202egpj.exe`), path parts. The extension is never the
uploader's: it is the one of the type the content was detected as.
"""

from __future__ import annotations

import os
import unicodedata

MAX_NAME = 200


def clean_name(raw: str | None) -> str:
    """The uploader's name without path, control, format (bidi) or separator characters."""
    name = os.path.basename((raw or "").replace("\\", "/"))
    kept = [
        " " if unicodedata.category(ch) in ("Zs", "Zl", "Zp") else ch
        for ch in name
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    ]
    return " ".join("".join(kept).split()).strip(" .")


def upload_name(raw: str | None, extension: str, fallback: str) -> str:
    """The name to keep for an upload: cleaned, its extension replaced by `extension`."""
    stem = clean_name(raw)
    stem, _dot, _ext = stem.rpartition(".") if "." in stem else (stem, "", "")
    stem = stem.strip(" .")[: MAX_NAME - len(extension) - 1] or fallback
    return f"{stem}.{extension}"


def download_name(stored: str | None, fallback: str) -> str:
    """A name safe in a Content-Disposition header, for names stored before they were cleaned."""
    name = clean_name(stored)[:MAX_NAME]
    return name or fallback
