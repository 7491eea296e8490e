"""Works, consent records and rule R10 (which consent decides a work's use on a day).

R10: the effective decision for (work, use, day) is the newest consent in force that day
(`effective_on <= day` and no `revoked_on` on or before it) among those that apply, the most
specific scope first: the work itself, then the work's kind, then all of the creator's works.
"Newest" is the latest `effective_on`; on the same day the record entered last (highest id)
wins. No consent at all means `not_allowed`.

`resolve()` answers for many works and uses at once with one query for the consents, so a
grid, the registry export and the consent check of 10,000 items run a fixed number of
queries. `pick()` is the rule itself, over consents already read: models, or plain rows
(`consent_rows_in_force`, what the consent check reads).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from crm.common.errors import Invalid
from crm.common.labels import phrase
from crm.licensing.models import (
    USES,
    Consent,
    Work,
    consent_scope,
    consent_scope_label,
)
from crm.licensing.services.base import (
    WORK_FILTER_MAX,
    in_chunks,
    normalise_sha256,
    normalise_url,
)
from crm.licensing.services.rights import Demand, Verdict, verdicts_per_use
from crm.licensing.services.territory import EVERYWHERE, Territory

# --- R10 resolution ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecidingConsent:
    """What R10 reads and a resolution shows of a consent, from a plain row instead of a
    loaded model (the consent check reads them this way; see `check`)."""

    id: int
    creator_id: int
    use: str
    work_id: int | None
    kind: str | None
    decision: str
    constraint: str
    source: str
    effective_on: date
    revoked_on: date | None

    @property
    def scope(self) -> str:
        return consent_scope(self.work_id, self.kind)

    @property
    def scope_label(self) -> str:
        return consent_scope_label(self.work_id, self.kind)


@dataclass(frozen=True)
class Resolution:
    """An effective decision and the consent record that decides it (None: no record)."""

    decision: str
    consent: Consent | DecidingConsent | None

    @property
    def reason(self) -> str:
        c = self.consent
        if c is None:
            return "no consent recorded"
        source = phrase(c.source, "consent_source")
        return f"consent #{c.id} for {c.scope_label} ({source}, effective {c.effective_on})"

    def why(self) -> dict | None:
        c = self.consent
        if c is None:
            return None
        return {
            "consent_id": c.id,
            "scope": c.scope,
            "work_id": c.work_id,
            "kind": c.kind,
            "source": c.source,
            "effective_on": c.effective_on.isoformat(),
            "revoked_on": c.revoked_on.isoformat() if c.revoked_on else None,
            "constraint": c.constraint or None,
        }


NO_RECORD = Resolution("not_allowed", None)


def _in_force(
    columns: Sequence[Any], chunk: Sequence[int], uses: list[str], day: date, work_ids: list[int]
) -> Select:
    stmt = select(*columns).where(
        Consent.creator_id.in_(chunk),
        Consent.use.in_(uses),
        Consent.effective_on <= day,
        or_(Consent.revoked_on.is_(None), Consent.revoked_on > day),
    )
    if work_ids and len(work_ids) <= WORK_FILTER_MAX:
        # Work-level records of other works cannot decide anything asked here. For long
        # lists, binding thousands of ids costs more than reading the creators' records.
        stmt = stmt.where(or_(Consent.work_id.is_(None), Consent.work_id.in_(work_ids)))
    return stmt


def consents_in_force(
    session: Session,
    creator_ids: Iterable[int],
    uses: Iterable[str],
    day: date,
    work_ids: Iterable[int] = (),
) -> list[Consent]:
    """Every consent of these creators for these uses in force on `day`, newest first."""
    creator_ids = sorted(set(creator_ids))
    uses = sorted(set(uses))
    work_ids = sorted(set(work_ids))
    if not creator_ids or not uses:
        return []
    found: list[Consent] = []
    for chunk in in_chunks(creator_ids):
        found.extend(session.scalars(_in_force([Consent], chunk, uses, day, work_ids)))
    found.sort(key=lambda c: (c.effective_on, c.id), reverse=True)
    return found


DECIDING_COLUMNS = (
    Consent.id,
    Consent.creator_id,
    Consent.use,
    Consent.work_id,
    Consent.kind,
    Consent.decision,
    Consent.constraint,
    Consent.source,
    Consent.effective_on,
    Consent.revoked_on,
)


def consent_rows_in_force(
    session: Session,
    creator_ids: Iterable[int],
    uses: Iterable[str],
    day: date,
    work_ids: Iterable[int] = (),
) -> list[DecidingConsent]:
    """What `consents_in_force` finds, read as rows (no model per record), newest first."""
    creator_ids = sorted(set(creator_ids))
    uses = sorted(set(uses))
    work_ids = sorted(set(work_ids))
    found: list[DecidingConsent] = []
    if not creator_ids or not uses:
        return found
    for chunk in in_chunks(creator_ids):
        stmt = _in_force(DECIDING_COLUMNS, chunk, uses, day, work_ids)
        found.extend(DecidingConsent(*row) for row in session.execute(stmt))
    found.sort(key=lambda c: (c.effective_on, c.id), reverse=True)
    return found


def pick(
    works: Sequence, uses: Sequence[str], consents: Sequence[Consent | DecidingConsent]
) -> dict[tuple[int, str], Resolution]:
    """R10 for every (work, use) among consents already read, newest first (the consents in
    force on the day of the works' creators for those uses)."""
    newest: dict[tuple, Consent | DecidingConsent] = {}
    for c in consents:  # newest first: the first record per scope key wins
        if c.work_id is not None:
            key: tuple = ("work", c.work_id, c.use)
        elif c.kind is not None:
            key = ("kind", c.creator_id, c.kind, c.use)
        else:
            key = ("all", c.creator_id, c.use)
        newest.setdefault(key, c)
    resolutions = {id(c): Resolution(c.decision, c) for c in newest.values()}
    result: dict[tuple[int, str], Resolution] = {}
    for w in works:
        work_id, creator_id, kind = w.id, w.creator_id, w.kind
        for use in uses:
            found = (
                newest.get(("work", work_id, use))
                or newest.get(("kind", creator_id, kind, use))
                or newest.get(("all", creator_id, use))
            )
            result[(work_id, use)] = resolutions[id(found)] if found is not None else NO_RECORD
    return result


def resolve(
    session: Session, works: Sequence, uses: Iterable[str], day: date
) -> dict[tuple[int, str], Resolution]:
    """R10 for every (work, use): one query for the consents, whatever the number of works.

    `works` are Work objects or rows with `id`, `creator_id` and `kind`."""
    uses = list(dict.fromkeys(uses))
    consents = consents_in_force(
        session, (w.creator_id for w in works), uses, day, (w.id for w in works)
    )
    return pick(works, uses, consents)


def effective_decision(session: Session, work: Work, use: str, day: date) -> Resolution:
    return resolve(session, [work], [use], day)[(work.id, use)]


def usable(resolution: Resolution) -> bool:
    return resolution.decision in ("allowed", "constrained")


# --- the effective decision: R10 and the licensable set ----------------------------------


@dataclass(frozen=True)
class Effective:
    """What a work may be used for: R10's decision, made `not_allowed` when the work is
    outside the licensable set for that use (rights, releases). Every export that says
    whether a use is allowed (consent check, registry, manifests, CAWG, XMP, TDMRep) reads
    this, so none can say `allowed` for a work the creator could not license."""

    resolution: Resolution
    verdict: Verdict

    @property
    def decision(self) -> str:
        return self.resolution.decision if self.verdict.licensable else "not_allowed"

    @property
    def consent_decision(self) -> str:
        return self.resolution.decision

    @property
    def licensable(self) -> bool:
        return self.verdict.licensable

    @property
    def reasons(self) -> list[str]:
        return list(self.verdict.reasons)

    @property
    def consent(self) -> Consent | DecidingConsent | None:
        return self.resolution.consent

    @property
    def constraint(self) -> str:
        c = self.resolution.consent
        return (c.constraint if c is not None else "") or ""


def effective(
    session: Session,
    works: Sequence,
    uses: Iterable[str],
    day: date,
    *,
    territory: Territory | None = EVERYWHERE,
    named: bool = True,
) -> dict[tuple[int, str], Effective]:
    """The effective decision of every (work, use) on `day`, with releases needed for
    `territory` (worldwide unless told; None: any territory). A fixed number of queries:
    one for the consents, one per 10,000 works showing people or property for releases.
    `works` are Work objects or rows with the RIGHTS_COLUMNS."""
    uses = list(dict.fromkeys(uses))
    decided = resolve(session, works, uses, day)
    demand = Demand(territory=territory, named=named)
    judged = verdicts_per_use(session, works, uses, day, demand)
    return {key: Effective(decided[key], judged[key]) for key in decided}


def lookup(session: Session, query: str, day: date) -> list[tuple[Work, dict]]:
    """Legal's lookup: the works with this URL or hash, with every use's resolution."""
    text = (query or "").strip()
    stmt = select(Work)
    try:
        digest = normalise_sha256(text)
    except ValueError:
        digest = None
    if digest:
        stmt = stmt.where(Work.sha256 == digest)
    else:
        try:
            stmt = stmt.where(Work.url == normalise_url(text))
        except ValueError as exc:
            raise Invalid({"q": [f"Enter a URL or a SHA-256 hash: the URL {exc}."]}) from None
    works = list(session.scalars(stmt.order_by(Work.id)))
    decided = resolve(session, works, USES, day)
    return [(w, {u: decided[(w.id, u)] for u in USES}) for w in works]


def grid(session: Session, works: Sequence[Work], day: date) -> dict[int, dict[str, Resolution]]:
    decided = resolve(session, works, USES, day)
    return {w.id: {u: decided[(w.id, u)] for u in USES} for w in works}
