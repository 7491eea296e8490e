"""A licence's dataset manifest as MLCommons Croissant 1.0 JSON-LD, and as CSV.

The JSON-LD carries its records inline (`recordSet[].data`), so a training team can read it
with `mlcroissant` without fetching anything; the CSV of the same records is listed as the
dataset's distribution with its SHA-256. Nested values (tags, releases, decisions) are
JSON text in both, so one column is one field.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json

from crm.licensing.models import USES, Licence
from crm.licensing.services.manifests import Manifest

CROISSANT_CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# (column, Croissant data type, description); the CSV has these columns, in this order,
# after `status` (included | removed).
WORK_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("work_id", "sc:Integer", "The work's id in the registry"),
    ("url", "sc:URL", "Where the work is"),
    ("sha256", "sc:Text", "SHA-256 of the work's content (hex), when known"),
    ("kind", "sc:Text", "video, image, text, audio or other"),
    ("title", "sc:Text", "The work's title"),
    ("tags", "sc:Text", "Free tags (subject, capture conditions), JSON list"),
    ("language", "sc:Text", "BCP 47 language tag"),
    ("duration_s", "sc:Float", "Duration in seconds"),
    ("width", "sc:Integer", "Width in pixels"),
    ("height", "sc:Integer", "Height in pixels"),
    ("description", "sc:Text", "A short description"),
    ("rights", "sc:Text", "creator, shared or client (re-licensable)"),
    ("rights_holders", "sc:Text", "Other holders (shared) or the client, JSON list"),
    ("people_present", "sc:Boolean", "Shows identifiable people"),
    ("property_present", "sc:Boolean", "Shows identifiable property"),
    ("releases", "sc:Text", "Model and property releases in force, JSON list"),
    *((f"decision_{use}", "sc:Text", f"Effective decision for {use}") for use in USES),
)
REMOVAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("work_id", "sc:Integer", "The work's id in the registry"),
    ("url", "sc:URL", "Where the work is"),
    ("sha256", "sc:Text", "SHA-256 of the work's content (hex), when known"),
    ("removed_since", "sc:Text", "The last period whose manifest listed it"),
    ("reasons", "sc:Text", "Why it is no longer covered, JSON list"),
)
CSV_COLUMNS = (
    "status",
    *(name for name, _t, _d in WORK_FIELDS),
    "removed_since",
    "reasons",
)


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def work_row(record: dict) -> dict:
    holders = list(record.get("co_holders") or [])
    if record.get("client_name"):
        holders.append(record["client_name"])
    row = {
        "work_id": record["work_id"],
        "url": record["url"],
        "sha256": record.get("sha256") or "",
        "kind": record["kind"],
        "title": record["title"],
        "tags": _json(record.get("tags") or []),
        "language": record.get("language") or "",
        "duration_s": record.get("duration_s"),
        "width": record.get("width"),
        "height": record.get("height"),
        "description": record.get("description") or "",
        "rights": record["rights"],
        "rights_holders": _json(holders),
        "people_present": bool(record.get("people_present")),
        "property_present": bool(record.get("property_present")),
        "releases": _json(record.get("releases") or []),
    }
    for use in USES:
        row[f"decision_{use}"] = record["decisions"].get(use, "not_allowed")
    return row


def removal_row(removed: dict) -> dict:
    return {
        "work_id": removed["work_id"],
        "url": removed["url"],
        "sha256": removed.get("sha256") or "",
        "removed_since": removed["removed_since"],
        "reasons": _json(removed.get("reasons") or []),
    }


def manifest_csv(m: Manifest) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in m.records:
        row = work_row(record)
        writer.writerow({k: _csv_value(v) for k, v in row.items()} | {"status": "included"})
    for removed in m.removed:
        row = removal_row(removed)
        writer.writerow({k: _csv_value(v) for k, v in row.items()} | {"status": "removed"})
    return out.getvalue()


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # A cell a spreadsheet would run as a formula is written as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fields(record_set: str, spec) -> list[dict]:
    return [
        {
            "@type": "cr:Field",
            "@id": f"{record_set}/{name}",
            "name": name,
            "description": description,
            "dataType": data_type,
        }
        for name, data_type, description in spec
    ]


def _typed(row: dict, spec, record_set: str) -> dict:
    """A record as Croissant inline data: every field, keyed by its id (null when absent)."""
    return {f"{record_set}/{name}": row.get(name) for name, _t, _d in spec}


def _record_set(name: str, description: str, spec, rows: list[dict]) -> dict:
    return {
        "@type": "cr:RecordSet",
        "@id": name,
        "name": name,
        "description": description,
        "key": {"@id": f"{name}/work_id"},
        "field": _fields(name, spec),
        "data": [_typed(row, spec, name) for row in rows],
    }


def croissant(
    licence: Licence, m: Manifest, *, dataset_url: str, csv_url: str, creator_name: str
) -> dict:
    """The Croissant 1.0 document of a manifest."""
    csv_text = manifest_csv(m)
    uses = ", ".join(licence.uses)
    terms = f"until {licence.ends_on}" if licence.ends_on else "open-ended"
    doc: dict = {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "@id": dataset_url,
        "name": f"licence-{licence.id}-{m.period}",
        "description": (
            f'Works of {creator_name} covered by licence #{licence.id} "{licence.title}" '
            f"for {uses} in {m.period} (as of {m.as_of})"
            + ("" if m.frozen else "; the period is still running, so this list may change")
            + "."
        ),
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "license": (
            f"Licence #{licence.id}: {licence.title} — uses {uses}; territory "
            f"{licence.territory}; from {licence.starts_on}, {terms}"
        ),
        "url": dataset_url,
        "version": "1.0.0",
        "datePublished": m.as_of.isoformat(),
        "isLiveDataset": not m.frozen,
        "creator": {"@type": "sc:Person", "name": creator_name},
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": "manifest.csv",
                "name": "manifest.csv",
                "description": "The same records as CSV (status included or removed)",
                "contentUrl": csv_url,
                "encodingFormat": "text/csv",
                "sha256": hashlib.sha256(csv_text.encode("utf-8")).hexdigest(),
            }
        ],
        "citeAs": dataset_url,
        "recordSet": [],
        "temporalCoverage": f"{m.period_start.isoformat()}/{m.period_end.isoformat()}",
    }
    # Croissant's inline data may not be an empty list: a set with no records is left out.
    if m.records:
        doc["recordSet"].append(
            _record_set(
                "works",
                "The works covered, one record per work",
                WORK_FIELDS,
                [work_row(r) for r in m.records],
            )
        )
    if m.removed:
        doc["recordSet"].append(
            _record_set(
                "removals",
                "Works listed in the previous frozen period and no longer covered: "
                "delete them from the training set",
                REMOVAL_FIELDS,
                [removal_row(r) for r in m.removed],
            )
        )
    if m.frozen_at:
        doc["dateModified"] = m.frozen_at
    return doc
