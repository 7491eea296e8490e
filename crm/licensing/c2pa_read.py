"""The training-and-data-mining assertion of a C2PA manifest embedded in a creator's media.

Read with c2pa-python (the C2PA reference library): the active manifest's
`cawg.training-mining` assertion (or the older `c2pa.training-mining`), each entry
`cawg.<use>` → `{"use": "allowed" | "notAllowed" | "constrained", "constraint_info"}`.
Remote manifests are never fetched. The manifest's validation state is kept with the
reading (a manifest signed by a certificate outside the trust list still states what the
creator said; legal sees the state).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from crm.licensing.models import USES

LABELS = ("cawg.training-mining", "c2pa.training-mining")
DECISIONS = {"allowed": "allowed", "notAllowed": "not_allowed", "constrained": "constrained"}
MAX_MEDIA_BYTES = 25 * 1024 * 1024

# Leading bytes → the media type the reader is told (it checks the bytes itself too).
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
    (b"WAVE", 8, "audio/wav"),
    (b"AVI ", 8, "video/avi"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"%PDF", 0, "application/pdf"),
    (b"GIF8", 0, "image/gif"),
    (b"ID3", 0, "audio/mpeg"),
)
_BMFF = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"avif": "image/avif",
    b"qt  ": "video/quicktime",
    b"M4A ": "audio/mp4",
}


class NotMedia(ValueError):
    """The bytes are not a media type C2PA manifests are read from."""


@dataclass
class Reading:
    """What one manifest says: decision and constraint per use it names."""

    entries: dict[str, tuple[str, str]] = field(default_factory=dict)
    label: str = ""
    validation_state: str = ""
    manifest: str = ""

    def evidence(self) -> str:
        uses = "; ".join(
            f"{use}: {decision}" + (f" ({constraint})" if constraint else "")
            for use, (decision, constraint) in sorted(self.entries.items())
        )
        return f"C2PA {self.label} in {self.manifest} [{self.validation_state}]: {uses}"[:2000]


def media_type(data: bytes) -> str:
    for magic, offset, mime in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return mime
    if data[4:8] == b"ftyp":
        return _BMFF.get(data[8:12], "video/mp4")
    raise NotMedia("not an image, video, audio or PDF file C2PA can carry")


def _entries(data: Any) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return found
    for name, entry in entries.items():
        use = str(name).split(".", 1)[-1]
        if use not in USES or not isinstance(entry, dict):
            continue
        decision = DECISIONS.get(str(entry.get("use")))
        if decision is None:
            continue
        constraint = entry.get("constraint_info")
        found[use] = (decision, str(constraint)[:500] if constraint else "")
    return found


def parse_store(store: dict[str, Any]) -> Reading | None:
    """The training-mining assertion of the active manifest in a reader's JSON store."""
    label = store.get("active_manifest")
    manifests = store.get("manifests")
    if not isinstance(manifests, dict) or label not in manifests:
        return None
    manifest = manifests[label]
    for assertion in manifest.get("assertions") or []:
        if isinstance(assertion, dict) and assertion.get("label") in LABELS:
            return Reading(
                entries=_entries(assertion.get("data")),
                label=str(assertion["label"]),
                validation_state=str(store.get("validation_state") or ""),
                manifest=str(label),
            )
    return None


def read(data: bytes) -> Reading | None:
    """The assertion in `data` (None when the media carries no manifest or no such
    assertion). Raises NotMedia for bytes that are not media, ValueError for a manifest
    the library cannot read."""
    if len(data) > MAX_MEDIA_BYTES:
        raise NotMedia(f"larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB")
    mime = media_type(data)
    import c2pa  # the native library loads on first use only

    settings = c2pa.Settings.from_json(json.dumps({"verify": {"remote_manifest_fetch": False}}))
    context = c2pa.Context(settings=settings)
    try:
        with c2pa.Reader(mime, io.BytesIO(data), context=context) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "no JUMBF" in str(exc):
            return None
        raise ValueError(f"the C2PA manifest cannot be read: {str(exc)[:200]}") from exc
    return parse_store(store) if isinstance(store, dict) else None
