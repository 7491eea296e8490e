"""The consent check: URLs and hashes from training pipelines, up to 10,000 per call.

Set-based from end to end: one statement finds the works that match any URL or hash (each
list bound as one parameter, not 10,000), one reads the consents in force of their creators
for the use as plain rows, and R10 (`resolution.pick`) chooses among them in dictionaries;
the licensable rule (`rights.verdicts`) adds a statement only when a matched work shows
people or property. No model is loaded per item, work or consent. (Choosing the consent in
SQL, with a correlated subquery or a window per work, measured slower on SQLite: a sort per
work.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm.common.errors import Invalid
from crm.common.sqlvalues import in_values
from crm.licensing.models import USES, Work
from crm.licensing.services.base import DECISION_ORDER, normalise_url
from crm.licensing.services.resolution import (
    Resolution,
    consent_rows_in_force,
    pick,
    usable,
)
from crm.licensing.services.rights import RIGHTS_COLUMNS, Demand, verdicts
from crm.licensing.services.territory import EVERYWHERE, Territory


def matching_works(session: Session, urls: Sequence[str], hashes: Sequence[str]) -> list[Any]:
    """The works with any of these (normalised) URLs or hashes, as rows of the rights columns
    with the URL and hash, by id; each list bound as one parameter (`in_values`)."""
    if not urls and not hashes:
        return []
    dialect = session.get_bind().dialect.name
    conds = []
    if urls:
        conds.append(in_values(Work.url, urls, dialect))
    if hashes:
        conds.append(in_values(Work.sha256, hashes, dialect))
    stmt = select(*RIGHTS_COLUMNS, Work.url, Work.sha256).where(or_(*conds)).order_by(Work.id)
    return list(session.execute(stmt))


def check_items(
    session: Session,
    use: str,
    items: Sequence[dict],
    day: date,
    territory: Territory | None = EVERYWHERE,
) -> list[dict]:
    """Each item (`url` or `sha256`) with its effective decision for `use` on `day` (releases
    covering `territory`, worldwide unless told) and the why. The same decision as
    `resolution.effective`, computed from rows.

    Two statements (the works, their creators' consents), a third for releases only when a
    matched work shows people or property. When a hash matches several works, the
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
    rows = matching_works(session, sorted(set(urls.values())), sorted(set(hashes.values())))
    by_url = {r.url: r for r in rows}
    by_hash: dict[str, list] = {}
    for r in rows:
        if r.sha256:
            by_hash.setdefault(r.sha256, []).append(r)
    consents = consent_rows_in_force(
        session, (r.creator_id for r in rows), [use], day, (r.id for r in rows)
    )
    decided = {work_id: res for (work_id, _use), res in pick(rows, [use], consents).items()}
    judged = verdicts(session, rows, [use], day, Demand(territory=territory))
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

    answered: dict[tuple[int, ...], dict] = {}  # what follows the URL or hash, per match

    def answer_for(matches: list) -> dict:
        ids = tuple(m.id for m in matches)
        if ids in answered:
            return answered[ids]
        out: dict = {}
        if len(matches) == 1:
            work = matches[0]
        else:
            work = min(matches, key=lambda m: (DECISION_ORDER[final(m)], m.id))
            out["matched_work_ids"] = list(ids)
        res = decided[work.id]
        reason, why = explain(res)
        verdict = judged[work.id]
        if not verdict.licensable and usable(res):
            reason = "not licensable: " + "; ".join(verdict.reasons)
        out.update(
            work_id=work.id,
            decision=final(work),
            reason=reason,
            why=why,
            consent_decision=res.decision,
            licensable=verdict.licensable,
            licensable_reasons=list(verdict.reasons),
        )
        answered[ids] = out
        return out

    unknown = {"work_id": None, "decision": "not_allowed", "reason": "unknown work", "why": None}
    out = []
    for i, item in enumerate(items):
        url, sha256 = item.get("url"), item.get("sha256")
        answer = {"url": url} if url is not None else {}
        if sha256 is not None:
            answer["sha256"] = sha256
        matches = []
        if i in urls:
            match = by_url.get(urls[i])
            matches = [match] if match else []
        elif i in hashes:
            matches = by_hash.get(hashes[i], [])
        answer.update(answer_for(matches) if matches else unknown)
        out.append(answer)
    return out
