"""What each portal page shows, built for one creator: the portal itself and the staff's
read-only preview draw the same pages from these functions. Only the fields listed in
docs/PORTAL.md leave here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.agreements.models import Deal, Grant
from crm.common.timeutil import org_today
from crm.creators.models import Creator
from crm.licensing.models import USES
from crm.portal.services import content, media, ndas, rights


@dataclass
class GrantRow:
    product: str
    tier: str
    starts_on: date
    ends_on: date
    status: str


def grants(session: Session, creator_id: int) -> list[GrantRow]:
    rows = session.scalars(
        select(Grant)
        .where(Grant.creator_id == creator_id)
        .order_by(Grant.starts_on.desc())
        .limit(200)
    )
    return [GrantRow(g.product.name, g.tier, g.starts_on, g.ends_on, g.status) for g in rows]


def deals(session: Session, creator_id: int) -> list[Deal]:
    return list(
        session.scalars(
            select(Deal)
            .where(Deal.creator_id == creator_id, Deal.status != "proposed")
            .options(selectinload(Deal.payments))
            .order_by(Deal.id.desc())
            .limit(100)
        )
    )


def home(session: Session, creator: Creator) -> dict[str, Any]:
    nda_list = ndas.creator_ndas(session, creator.id)
    signatures = ndas.signatures_by_nda(session, [n.id for n in nda_list])
    to_sign = [n for n in nda_list if ndas.needs_signature(n, signatures.get(n.id))]
    subs = content.own_submissions(session, creator.id)
    waiting = [s for s in subs if s.status in ("changes_requested", "draft")]
    return {
        "creator": creator,
        "to_sign": to_sign,
        "waiting": waiting[:10],
        "in_review": sum(1 for s in subs if s.status == "in_review"),
        "works": len(media.own_works(session, creator.id)),
    }


def nda_list(session: Session, creator: Creator) -> dict[str, Any]:
    rows = ndas.creator_ndas(session, creator.id)
    signatures = ndas.signatures_by_nda(session, [n.id for n in rows])
    return {
        "creator": creator,
        "ndas": rows,
        "signatures": signatures,
        "needs": {n.id: ndas.needs_signature(n, signatures.get(n.id)) for n in rows},
    }


def nda_detail(session: Session, creator: Creator, nda_id: int) -> dict[str, Any]:
    nda = ndas.own_nda(session, creator.id, nda_id)
    signature = ndas.latest_signature(session, nda.id)
    return {
        "creator": creator,
        "nda": nda,
        "signature": signature,
        "needs_signature": ndas.needs_signature(nda, signature),
        "version": ndas.document_version(nda),
        "terms_sha256": ndas.terms_sha256(nda.terms),
    }


def access(session: Session, creator: Creator) -> dict[str, Any]:
    return {
        "creator": creator,
        "grants": grants(session, creator.id),
        "deals": deals(session, creator.id),
    }


def submission_list(session: Session, creator: Creator) -> dict[str, Any]:
    return {"creator": creator, "submissions": content.own_submissions(session, creator.id)}


def submission_detail(session: Session, creator: Creator, submission_id: int) -> dict[str, Any]:
    view = content.submission_view(session, creator.id, submission_id)
    return {"creator": creator, "view": view, "plain_title": content.plain_title}


def feedback_list(session: Session, creator: Creator) -> dict[str, Any]:
    return {"creator": creator, "notes": content.own_feedback(session, creator.id)}


def works(session: Session, creator: Creator, day: date | None = None) -> dict[str, Any]:
    day = day or org_today()
    work_list = media.own_works(session, creator.id)
    return {
        "creator": creator,
        "works": work_list,
        "titles": {w.id: w.title for w in work_list},
        "decided": media.decisions(session, work_list, day),
        "consents": media.own_consents(session, creator.id),
        "licences": media.own_licences(session, creator.id, day),
        "verdicts": rights.plain_verdicts(session, work_list, day),
        "uses": USES,
        "today": day,
    }


def work_detail(session: Session, creator: Creator, work_id: int) -> dict[str, Any]:
    day = org_today()
    work = media.own_work(session, creator.id, work_id)
    return {
        "creator": creator,
        "work": work,
        "verdict": rights.plain_verdicts(session, [work], day)[work.id],
        "releases": rights.work_releases(session, work.id),
        "decided": media.decisions(session, [work], day)[work.id],
        "uses": USES,
        "today": day,
    }


def release_list(session: Session, creator: Creator) -> dict[str, Any]:
    day = org_today()
    rows = rights.own_releases(session, creator.id)
    return {
        "creator": creator,
        "releases": rows,
        # Not withdrawn and not over: it counts today, or will once signed.
        "withdrawable": {
            r.id
            for r in rows
            if r.revoked_on is None and (r.expires_on is None or r.expires_on >= day)
        },
        "today": day,
    }


#: The pages a staff preview may draw, by name: (builder, template, takes an id).
PREVIEW_PAGES: dict[str, tuple[Callable[..., dict[str, Any]], str, bool]] = {
    "home": (home, "portal/home.html", False),
    "ndas": (nda_list, "portal/ndas.html", False),
    "nda": (nda_detail, "portal/nda.html", True),
    "access": (access, "portal/access.html", False),
    "submissions": (submission_list, "portal/submissions.html", False),
    "submission": (submission_detail, "portal/submission.html", True),
    "feedback": (feedback_list, "portal/feedback.html", False),
    "works": (works, "portal/works.html", False),
    "work": (work_detail, "portal/work.html", True),
    "releases": (release_list, "portal/releases.html", False),
}
