"""Creators' own signals: what their declared sites say about our uses, and where that
disagrees with the consent we hold.

A scan reads, per site: robots.txt (groups naming AI crawlers that disallow `/`), the
origin's /.well-known/tdmrep.json, the page's `tdm-reservation` header and meta tag, and
ai.txt. Each finding is stored with its evidence (the creator's previous findings are
replaced). A conflict is a site refusing a use that our effective decision allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.creators.models import Creator
from crm.licensing import standards
from crm.licensing.models import SiteSignal
from crm.webhooks.services import check_destination

AI_CRAWLERS = frozenset(
    {
        "gptbot",
        "google-extended",
        "ccbot",
        "claudebot",
        "anthropic-ai",
        "perplexitybot",
        "bytespider",
        "applebot-extended",
        "meta-externalagent",
        "cohere-ai",
    }
)
TRAINING_USES = ("ai_training", "ai_generative_training")
TIMEOUT = (5, 10)
MAX_BYTES = 512 * 1024
META_RE = re.compile(
    r"<meta[^>]+name=[\"']tdm-reservation[\"'][^>]+content=[\"']\s*1\s*[\"']", re.I
)

Fetch = Callable[[str], tuple[int, dict[str, str], str] | None]


def fetch(url: str) -> tuple[int, dict[str, str], str] | None:
    """GET with timeouts and no redirects to private addresses; None when unreachable."""
    try:
        check_destination(url)
        res = requests.get(url, timeout=TIMEOUT, allow_redirects=False, stream=True)
        body = res.raw.read(MAX_BYTES, decode_content=True) or b""
        res.close()
    except (requests.RequestException, ValueError, OSError):
        return None
    return res.status_code, dict(res.headers), body.decode("utf-8", "replace")


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


def _findings(site: str, get: Fetch) -> list[tuple[str, str, str]]:
    """(source, use, evidence) for each refusal the site states."""
    parts = urlsplit(site)
    origin = f"{parts.scheme}://{parts.netloc}"
    found: list[tuple[str, str, str]] = []
    robots = get(origin + "/robots.txt")
    if robots and robots[0] == 200:
        crawlers = robots_refusals(robots[2])
        if crawlers:
            for use in TRAINING_USES:
                found.append(("robots", use, "Disallow: / for " + ", ".join(crawlers)))
    tdmrep = get(origin + "/.well-known/tdmrep.json")
    if tdmrep and tdmrep[0] == 200:
        try:
            entries: Any = json.loads(tdmrep[2])
        except ValueError:
            entries = []
        if isinstance(entries, list) and any(
            isinstance(e, dict) and str(e.get("tdm-reservation")) == "1" for e in entries
        ):
            found.append(("tdmrep", "data_mining", tdmrep[2][:500]))
    page = get(site)
    if page and page[0] == 200:
        headers = {k.lower(): v for k, v in page[1].items()}
        if headers.get("tdm-reservation", "").strip() == "1":
            found.append(("header", "data_mining", "tdm-reservation: 1"))
        match = META_RE.search(page[2])
        if match:
            found.append(("meta", "data_mining", match.group(0)[:500]))
    ai_txt = get(urljoin(origin, "/ai.txt"))
    if ai_txt and ai_txt[0] == 200 and re.search(r"(?im)^\s*disallow:\s*/\s*$", ai_txt[2]):
        for use in TRAINING_USES:
            found.append(("ai_txt", use, "ai.txt: Disallow: /"))
    return found


def scan(session: Session, creator_ids: list[int] | None = None, get: Fetch = fetch) -> int:
    """Scan the creators' sites (all creators with sites when None); returns findings."""
    stmt = select(Creator).order_by(Creator.id)
    if creator_ids is not None:
        stmt = stmt.where(Creator.id.in_(creator_ids))
    total = 0
    for creator in session.scalars(stmt):
        if not creator.sites:
            continue
        session.execute(delete(SiteSignal).where(SiteSignal.creator_id == creator.id))
        for site in creator.sites:
            for source, use, evidence in _findings(site, get):
                session.add(
                    SiteSignal(
                        creator_id=creator.id,
                        site=site,
                        source=source,
                        use=use,
                        decision="not_allowed",
                        evidence=evidence,
                    )
                )
                total += 1
        session.flush()
    return total


def conflicts(session: Session, day: date) -> list[dict[str, Any]]:
    """Findings that refuse a use our creator-wide decision allows or constrains."""
    out: list[dict[str, Any]] = []
    signals = list(session.scalars(select(SiteSignal).order_by(SiteSignal.id)))
    decided: dict[int, dict[str, Any]] = {}
    for s in signals:
        if s.creator_id not in decided:
            creator = session.get(Creator, s.creator_id)
            if creator is None:
                continue
            decided[s.creator_id] = standards.creator_decisions(session, creator, day)
        res = decided[s.creator_id][s.use]
        if res.decision in ("allowed", "constrained") and s.decision == "not_allowed":
            out.append(
                {
                    "creator_id": s.creator_id,
                    "site": s.site,
                    "source": s.source,
                    "use": s.use,
                    "site_says": s.decision,
                    "recorded": res.decision,
                    "consent_id": res.consent.id if res.consent else None,
                    "evidence": s.evidence,
                    "fetched_at": s.fetched_at.isoformat(),
                }
            )
    return out
