"""Creators' own signals: what their declared sites and their media say about our uses,
and where that disagrees with the consent we hold.

A scan reads, per site: robots.txt (groups naming AI crawlers that disallow `/`, and
`Content-Usage` / `Content-Signal` lines), the origin's /.well-known/tdmrep.json, the
page's `tdm-reservation` header and meta tag and its `Content-Usage` / `Content-Signal`
headers, and ai.txt; and, per work whose URL is a media file, the C2PA manifest's
training-and-mining assertion (`c2pa_read`). Each finding is stored with its evidence:
what was read (URL), when, and the SHA-256 of the bytes read (the creator's previous
findings are replaced). A conflict is a signal refusing a use that our effective decision
allows or constrains; legal settles it on the conflicts page (`resolve_conflict`), and
nothing changes silently. The conflicts themselves (listing, keys, settling) live in
`signals_conflicts` and are re-exported here.

Fetching goes through `crm.common.outbound`: one session with retries, public addresses
only (resolved once, connected to the address checked), redirects checked the same way,
time and size limits.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common import outbound
from crm.common.actor import Actor
from crm.common.errors import Invalid
from crm.creators.models import Creator
from crm.licensing import c2pa_read
from crm.licensing.models import SiteSignal, Work
from crm.licensing.signals_conflicts import (  # noqa: F401 (re-exported)
    MAX_CONFLICTS,
    conflict_key,
    conflicts,
    resolve_conflict,
)

# AI crawlers named on the public ai.robots.txt list (lower-case user-agent tokens).
AI_CRAWLERS = frozenset(
    {
        "gptbot",
        "chatgpt-user",
        "oai-searchbot",
        "google-extended",
        "googleother",
        "ccbot",
        "claudebot",
        "claude-web",
        "anthropic-ai",
        "perplexitybot",
        "perplexity-user",
        "bytespider",
        "applebot-extended",
        "amazonbot",
        "meta-externalagent",
        "meta-externalfetcher",
        "facebookbot",
        "cohere-ai",
        "cohere-training-data-crawler",
        "diffbot",
        "ai2bot",
        "ai2bot-dolma",
        "omgili",
        "omgilibot",
        "youbot",
        "timpibot",
        "imagesiftbot",
        "img2dataset",
        "duckassistbot",
        "mistralai-user",
        "petalbot",
        "scrapy",
        "webzio-extended",
        "icc-crawler",
        "kangaroo bot",
        "velenpublicwebcrawler",
        "firecrawlagent",
    }
)
TRAINING_USES = ("ai_training", "ai_generative_training")
TIMEOUT = (5, 10)
MAX_BYTES = 512 * 1024
MAX_MEDIA_WORKS = 100  # per creator and scan
MEDIA_SUFFIXES = (
    ".jpg", ".jpeg", ".png", ".webp", ".avif", ".heic", ".heif", ".tif", ".tiff", ".gif",
    ".mp4", ".m4v", ".mov", ".m4a", ".mp3", ".wav", ".pdf",
)  # fmt: skip
META_RE = re.compile(
    r"<meta[^>]+name=[\"']tdm-reservation[\"'][^>]+content=[\"']\s*1\s*[\"']", re.I
)


@dataclass(frozen=True)
class Fetched:
    """One response read: the final URL, status, headers and at most the limit's bytes."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool = False

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


Fetch = Callable[..., Fetched | None]


@lru_cache(maxsize=1)
def http() -> requests.Session:
    """The one session the scans use (two retries on connection errors and 502/503/504)."""
    return outbound.session(retries=2, max_redirects=3)


def fetch(url: str, limit: int = MAX_BYTES) -> Fetched | None:
    """GET with time and size limits, public addresses only (each redirect too); None
    when refused or unreachable."""
    try:
        outbound.check_url(url)
        res = http().get(url, timeout=TIMEOUT, allow_redirects=True, stream=True)
        try:
            body = res.raw.read(limit + 1, decode_content=True) or b""
        finally:
            res.close()
    except (requests.RequestException, ValueError, OSError):
        return None
    return Fetched(
        res.url or url, res.status_code, dict(res.headers), body[:limit], len(body) > limit
    )


def robots_refusals(text: str) -> list[str]:
    """AI crawlers whose robots.txt group disallows the whole site."""
    refused: list[str] = []
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        field, value = (p.strip() for p in line.split(":", 1))
        field = field.lower()
        if field == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        elif field in ("disallow", "allow"):
            in_rules = True
            if field == "disallow" and value == "/":
                refused.extend(a for a in agents if a in AI_CRAWLERS and a not in refused)
    return refused


@dataclass(frozen=True)
class Finding:
    source: str
    use: str
    decision: str
    evidence: str
    url: str
    sha256: str
    work_id: int | None = None


# Preference vocabularies: the IETF AI-preferences draft (`Content-Usage: train-ai=n`, in
# robots.txt or as a header) and Cloudflare's Content Signals (`Content-Signal: ai-train=no`).
# A refused category refuses the uses it covers.
CONTENT_USAGE = {
    "tdm": ("data_mining", "ai_inference", "ai_training", "ai_generative_training"),
    "train-ai": ("ai_training", "ai_generative_training"),
    "train-genai": ("ai_generative_training",),
    "ai-use": ("ai_inference",),
}
CONTENT_SIGNAL = {
    "ai-train": ("ai_training", "ai_generative_training"),
    "ai-input": ("ai_inference",),
}
_PREFERENCE_LINE = re.compile(r"(?im)^\s*(content-usage|content-signal)\s*:\s*(.+?)\s*$")


def preference_refusals(text: str) -> dict[str, str]:
    """Uses refused by `Content-Usage` / `Content-Signal` lines (use → the line's words)."""
    refused: dict[str, str] = {}
    for match in _PREFERENCE_LINE.finditer(text or ""):
        field, value = match.group(1).lower(), match.group(2)
        vocabulary, no = (
            (CONTENT_USAGE, ("n",)) if field == "content-usage" else (CONTENT_SIGNAL, ("no",))
        )
        # Content-Usage may be preceded by a path ("/ train-ai=n"); keep the pairs.
        for pair in re.split(r"[,;\s]+", value):
            key, _, answer = pair.partition("=")
            for use in vocabulary.get(key.strip().lower(), ()):
                if answer.strip().lower() in no:
                    refused.setdefault(use, f"{match.group(1)}: {value}"[:500])
    return refused


def _findings(site: str, get: Fetch) -> list[Finding]:
    """Each refusal the site states, with what was read."""
    parts = urlsplit(site)
    origin = f"{parts.scheme}://{parts.netloc}"
    found: list[Finding] = []

    def add(source: str, use: str, evidence: str, read: Fetched) -> None:
        found.append(Finding(source, use, "not_allowed", evidence, read.url, read.sha256))

    robots = get(origin + "/robots.txt")
    if robots and robots.status == 200:
        crawlers = robots_refusals(robots.text)
        if crawlers:
            for use in TRAINING_USES:
                add("robots", use, "Disallow: / for " + ", ".join(crawlers), robots)
        for use, line in preference_refusals(robots.text).items():
            add("robots_pref", use, line, robots)
    tdmrep = get(origin + "/.well-known/tdmrep.json")
    if tdmrep and tdmrep.status == 200:
        try:
            entries: Any = json.loads(tdmrep.text)
        except ValueError:
            entries = []
        if isinstance(entries, list) and any(
            isinstance(e, dict) and str(e.get("tdm-reservation")) == "1" for e in entries
        ):
            add("tdmrep", "data_mining", tdmrep.text[:500], tdmrep)
    page = get(site)
    if page and page.status == 200:
        headers = {k.lower(): v for k, v in page.headers.items()}
        if headers.get("tdm-reservation", "").strip() == "1":
            add("header", "data_mining", "tdm-reservation: 1", page)
        for name in ("content-usage", "content-signal"):
            if name in headers:
                for use, line in preference_refusals(f"{name}: {headers[name]}").items():
                    add("header_pref", use, line, page)
        match = META_RE.search(page.text)
        if match:
            add("meta", "data_mining", match.group(0)[:500], page)
    ai_txt = get(urljoin(origin, "/ai.txt"))
    if ai_txt and ai_txt.status == 200 and re.search(r"(?im)^\s*disallow:\s*/\s*$", ai_txt.text):
        for use in TRAINING_USES:
            add("ai_txt", use, "ai.txt: Disallow: /", ai_txt)
    return found


def media_findings(
    data: bytes, url: str, work_id: int | None
) -> tuple[list[Finding], c2pa_read.Reading | None]:
    """The uses a C2PA manifest in `data` names (every decision, refusals and consents
    alike: a conflict is only raised by a refusal). Raises ValueError for bytes that are not
    media or a manifest that cannot be read."""
    reading = c2pa_read.read(data)
    if reading is None:
        return [], None
    digest = hashlib.sha256(data).hexdigest()
    findings = [
        Finding("c2pa", use, decision, reading.evidence(), url, digest, work_id)
        for use, (decision, _constraint) in sorted(reading.entries.items())
    ]
    return findings, reading


def _is_media_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in outbound.SCHEMES and parts.path.lower().endswith(MEDIA_SUFFIXES)


def _media_signals(session: Session, creator: Creator, get: Fetch) -> list[Finding]:
    works = session.execute(
        select(Work.id, Work.url)
        .where(Work.creator_id == creator.id)
        .order_by(Work.id)
        .limit(MAX_MEDIA_WORKS * 4)
    ).all()
    found: list[Finding] = []
    for work_id, url in [w for w in works if _is_media_url(w.url)][:MAX_MEDIA_WORKS]:
        read = get(url, limit=c2pa_read.MAX_MEDIA_BYTES)
        if not read or read.status != 200 or read.truncated:
            continue
        try:
            found += media_findings(read.body, read.url, work_id)[0]
        except ValueError:
            continue
    return found


def _signal(creator_id: int, site: str, f: Finding) -> SiteSignal:
    return SiteSignal(
        creator_id=creator_id,
        site=site,
        source=f.source,
        use=f.use,
        decision=f.decision,
        evidence=f.evidence,
        url=f.url,
        sha256=f.sha256,
        work_id=f.work_id,
    )


def scan(session: Session, creator_ids: list[int] | None = None, get: Fetch = fetch) -> int:
    """Scan the creators' sites and linked media (all creators with sites or works when
    None); returns the findings stored."""
    stmt = select(Creator).order_by(Creator.id)
    if creator_ids is not None:
        stmt = stmt.where(Creator.id.in_(creator_ids))
    total = 0
    for creator in session.scalars(stmt):
        findings = [(site, f) for site in creator.sites or [] for f in _findings(site, get)]
        findings += [(f.url, f) for f in _media_signals(session, creator, get)]
        session.execute(
            delete(SiteSignal).where(
                SiteSignal.creator_id == creator.id,
                # A manifest read from an upload stays until that work is read again.
                (SiteSignal.source != "c2pa") | ~SiteSignal.site.startswith("upload:"),
            )
        )
        for site, finding in findings:
            session.add(_signal(creator.id, site, finding))
            total += 1
        session.flush()
    return total


def record_media(
    session: Session, actor: Actor, work: Work, data: bytes, name: str
) -> c2pa_read.Reading | None:
    """Read the C2PA manifest of an uploaded copy of `work` and store what it says
    (replacing what an earlier reading of this work said)."""
    try:
        findings, reading = media_findings(data, f"upload:{name[:200]}", work.id)
    except ValueError as exc:
        raise Invalid({"file": [str(exc)]}) from None
    session.execute(
        delete(SiteSignal).where(SiteSignal.work_id == work.id, SiteSignal.source == "c2pa")
    )
    for finding in findings:
        session.add(_signal(work.creator_id, finding.url, finding))
    session.flush()
    record(
        session,
        actor,
        "consent.c2pa_read",
        "work",
        work.id,
        {"sha256": hashlib.sha256(data).hexdigest(), "uses": len(findings)},
    )
    return reading
