"""The consent check: URLs and hashes from training pipelines, up to 10,000 per call.

R10 (see `resolution`) is applied in SQL here: one statement finds the works that match any
URL or hash and, for each, the one consent that decides the use on the day (a correlated
subquery over the consents index, the most specific scope first, then the newest). Reading
every consent of every creator concerned into objects and choosing in Python cost most of
a large check. The licensable rule still comes from `rights.verdicts` (no statement unless a
matched work shows people or property).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session

from crm.common.errors import Invalid
from crm.licensing.models import USES, Consent, Work
from crm.licensing.services.base import DECISION_ORDER, normalise_url
from crm.licensing.services.resolution import (
    NO_RECORD,
    DecidingConsent,
    Resolution,
    usable,
)
from crm.licensing.services.rights import RIGHTS_COLUMNS, verdicts


def deciding_consent(use: str, day: date):
    """R10 for the enclosing query's `Work` row: the id of the consent that decides `use` on
    `day`, or NULL when no consent applies."""
    specificity = case((Consent.work_id.is_not(None), 0), (Consent.kind.is_not(None), 1), else_=2)
    return (
        select(Consent.id)
        .where(
            Consent.creator_id == Work.creator_id,
            Consent.use == use,
            Consent.effective_on <= day,
            or_(Consent.revoked_on.is_(None), Consent.revoked_on > day),
            or_(
                Consent.work_id == Work.id,
                and_(
                    Consent.work_id.is_(None),
                    or_(Consent.kind.is_(None), Consent.kind == Work.kind),
                ),
            ),
        )
        .order_by(specificity, Consent.effective_on.desc(), Consent.id.desc())
        .limit(1)
        .correlate(Work)
        .scalar_subquery()
    )


def decided_works(
    session: Session, use: str, day: date, urls: Sequence[str], hashes: Sequence[str]
) -> list[Any]:
    """The works with any of these URLs or hashes, each with its rights columns and the
    consent that decides `use` on `day` (its columns NULL when none does), by work id."""
    if not urls and not hashes:
        return []
    conds = []
    if urls:
        conds.append(Work.url.in_(urls))
    if hashes:
        conds.append(Work.sha256.in_(hashes))
    matched = (
        select(
            *RIGHTS_COLUMNS,
            Work.url,
            Work.sha256,
            deciding_consent(use, day).label("consent_id"),
        )
        .where(or_(*conds))
        .subquery()
    )
    stmt = (
        select(
            matched,
            Consent.work_id.label("consent_work_id"),
            Consent.kind.label("consent_kind"),
            Consent.decision,
            Consent.constraint,
            Consent.source,
            Consent.effective_on,
            Consent.revoked_on,
        )
        .outerjoin(Consent, Consent.id == matched.c.consent_id)
        .order_by(matched.c.id)
    )
    return list(session.execute(stmt))


def _resolutions(rows: Sequence[Any]) -> dict[int, Resolution]:
    """Each work's resolution; works decided by the same consent share one."""
    by_consent: dict[int, Resolution] = {}
    out: dict[int, Resolution] = {}
    for r in rows:
        if r.consent_id is None:
            out[r.id] = NO_RECORD
            continue
        res = by_consent.get(r.consent_id)
        if res is None:
            consent = DecidingConsent(
                id=r.consent_id,
                work_id=r.consent_work_id,
                kind=r.consent_kind,
                decision=r.decision,
                constraint=r.constraint,
                source=r.source,
                effective_on=r.effective_on,
                revoked_on=r.revoked_on,
            )
            res = by_consent[r.consent_id] = Resolution(consent.decision, consent)
        out[r.id] = res
    return out


def check_items(session: Session, use: str, items: Sequence[dict], day: date) -> list[dict]:
    """Each item (`url` or `sha256`) with its decision for `use` on `day` and the why.

    One statement for the works and their deciding consents, one more for releases only
    when a matched work shows people or property. When a hash matches several works, the
    most restrictive decision among them answers."""
    if use not in USES:
        raise Invalid({"use": [f"must be one of {', '.join(USES)}"]})
    urls: dict[int, str] = {}
    hashes: dict[int, str] = {}
    for i, item in enumerate(items):
        if item.get("url") is not None:
            try:
                urls[i] = normalise_url(item["url"])
            except ValueError:
                continue  # cannot match any work: answered as unknown
        elif item.get("sha256") is not None:
            hashes[i] = item["sha256"].lower()
    rows = decided_works(
        session, use, day, sorted(set(urls.values())), sorted(set(hashes.values()))
    )
    by_url = {r.url: r for r in rows}
    by_hash: dict[str, list] = {}
    for r in rows:
        if r.sha256:
            by_hash.setdefault(r.sha256, []).append(r)
    decided = _resolutions(rows)
    judged = verdicts(session, rows, [use], day)
    explained: dict[int | None, tuple[str, dict | None]] = {}  # one "why" per consent

    def explain(res: Resolution) -> tuple[str, dict | None]:
        key = getattr(res.consent, "id", None)
        if key not in explained:
            explained[key] = (res.reason, res.why())
        return explained[key]

    def final(m: Any) -> str:
        # A work outside the licensable set is never allowed, whatever consent says.
        res = decided[m.id]
        return res.decision if judged[m.id].licensable else "not_allowed"

    out = []
    for i, item in enumerate(items):
        matches = []
        if i in urls:
            match = by_url.get(urls[i])
            matches = [match] if match else []
        elif i in hashes:
            matches = by_hash.get(hashes[i], [])
        answer = {k: item[k] for k in ("url", "sha256") if item.get(k) is not None}
        if not matches:
            answer.update(work_id=None, decision="not_allowed", reason="unknown work", why=None)
        else:
            if len(matches) == 1:
                work = matches[0]
            else:
                work = min(matches, key=lambda m: (DECISION_ORDER[final(m)], m.id))
                answer["matched_work_ids"] = [m.id for m in matches]
            res = decided[work.id]
            reason, why = explain(res)
            verdict = judged[work.id]
            if not verdict.licensable and usable(res):
                reason = "not licensable: " + "; ".join(verdict.reasons)
            answer.update(
                work_id=work.id,
                decision=final(work),
                reason=reason,
                why=why,
                consent_decision=res.decision,
                licensable=verdict.licensable,
                licensable_reasons=list(verdict.reasons),
            )
        out.append(answer)
    return out
