"""The media manager: a creator's own works and their consent for each use (R10).

Consents made here carry source `creator_request` and, as evidence, the portal account,
time and address of the act; the licensing domain decides with them exactly as with any
other consent, so `registry.json` and the consent check answer with them at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.common.actor import CreatorActor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.labels import phrase, plural
from crm.common.timeutil import utcnow
from crm.licensing.models import USES, WORK_KINDS, Consent, Licence, Payout, Work
from crm.licensing.services import (
    covered_work_ids,
    create_works,
    grid,
    record_consents,
    revoke_consent,
)
from crm.licensing.services.resolution import Resolution
from crm.portal.services import activity

LIST_LIMIT = 500
PASTE_LIMIT = 200
SOURCE = "creator_request"


def own_works(session: Session, creator_id: int) -> list[Work]:
    return list(
        session.scalars(
            select(Work).where(Work.creator_id == creator_id).order_by(Work.id).limit(LIST_LIMIT)
        )
    )


def own_work(session: Session, creator_id: int, work_id: int) -> Work:
    work = session.get(Work, work_id)
    if work is None or work.creator_id != creator_id:
        raise NotFound("No such work.")
    return work


def own_consents(session: Session, creator_id: int) -> list[Consent]:
    return list(
        session.scalars(
            select(Consent)
            .where(Consent.creator_id == creator_id)
            .order_by(Consent.id.desc())
            .limit(LIST_LIMIT)
        )
    )


def own_consent(session: Session, creator_id: int, consent_id: int) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None or consent.creator_id != creator_id:
        raise NotFound("No such consent.")
    return consent


def decisions(
    session: Session, works: Sequence[Work], day: date
) -> dict[int, dict[str, Resolution]]:
    return grid(session, works, day)


def _evidence(actor: CreatorActor, ip: str | None) -> str:
    return (
        f"portal: {actor.email} (portal account {actor.account_id}) at "
        f"{utcnow().isoformat(timespec='seconds')} from {ip or 'unknown'}"
    )


def add_work(session: Session, actor: CreatorActor, *, kind: str, title: str, url: str) -> Work:
    work = create_works(
        session, actor, [{"creator_id": actor.creator_id, "kind": kind, "title": title, "url": url}]
    )[0]
    activity.note(session, actor, "work.create", f"added the work “{work.title}”", "work", work.id)
    return work


def _title_from(url: str) -> str:
    parts = urlsplit(url)
    tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return (tail or parts.netloc or url)[:300]


def paste_works(session: Session, actor: CreatorActor, *, kind: str, urls: str) -> list[Work]:
    """One work per pasted line (blank lines skipped); all or none."""
    lines = [line.strip() for line in (urls or "").splitlines() if line.strip()]
    if not lines:
        errors = FieldErrors()
        errors.add("urls", "paste one address per line")
        errors.raise_if_any()
    if len(lines) > PASTE_LIMIT:
        errors = FieldErrors()
        errors.add("urls", f"at most {PASTE_LIMIT} addresses at once")
        errors.raise_if_any()
    items = [
        {"creator_id": actor.creator_id, "kind": kind, "title": _title_from(u), "url": u}
        for u in lines
    ]
    try:
        works = create_works(session, actor, items, indexed=True)
    except Invalid as exc:  # the item-level messages name the line
        messages = [
            f"line {int(key.split('.')[1]) + 1}: {m}"
            for key, ms in exc.errors.items()
            if key.startswith("items.")
            for m in ms
        ]
        raise Invalid({"urls": messages or ["check the addresses"]}) from exc
    activity.note(
        session, actor, "work.import", f"added {plural(len(works), 'work')}", "work", None
    )
    return works


@dataclass(frozen=True)
class ConsentChoice:
    scope: str  # "all", "kind:<kind>", "work:<id>"
    uses: Sequence[str]
    decision: str
    constraint: str = ""


def set_consent(
    session: Session, actor: CreatorActor, choice: ConsentChoice, *, ip: str | None, today: date
) -> list[Consent]:
    """A consent per chosen use for the chosen scope, effective today."""
    errors = FieldErrors()
    uses = [u for u in choice.uses if u in USES]
    if not uses or len(uses) != len(choice.uses):
        errors.add("uses", f"choose one or more of {', '.join(USES)}")
    name, _, value = choice.scope.partition(":")
    if name == "work":
        try:
            own_work(session, actor.creator_id, int(value))
        except (ValueError, NotFound):
            errors.add("scope", "choose one of your works")
    elif name == "kind" and value not in WORK_KINDS:
        errors.add("scope", "choose a kind of work")
    elif name not in ("all", "work", "kind"):
        errors.add("scope", "choose all works, a kind, or one work")
    errors.raise_if_any()
    made = record_consents(
        session,
        actor,
        uses=uses,
        creator_id=actor.creator_id,
        decision=choice.decision,
        source=SOURCE,
        effective_on=today,
        constraint=choice.constraint,
        evidence=_evidence(actor, ip),
        scope=choice.scope,
    )
    label = made[0].scope_label if made else choice.scope
    activity.note(
        session, actor, "consent.create",
        f"set {phrase(choice.decision, 'consent_decision')} "
        f"for {phrase(list(uses), 'consent_use')} on {label}",
        "consent", made[0].id if made else None,
    )  # fmt: skip
    return made


def revoke(session: Session, actor: CreatorActor, consent_id: int, *, today: date) -> Consent:
    consent = own_consent(session, actor.creator_id, consent_id)
    if consent.source != SOURCE:
        raise Conflict(
            f"This choice comes from a {phrase(consent.source, 'consent_source')}; ask your "
            "contact to change it, or record a newer choice of your own."
        )
    revoked = revoke_consent(session, actor, consent, max(today, consent.effective_on))
    activity.note(
        session, actor, "consent.revoke", f"revoked consent #{consent.id}", "consent", consent.id
    )
    return revoked


@dataclass
class LicenceView:
    licence: Licence
    work_ids: list[int]
    payouts: list[Payout]


def own_licences(session: Session, creator_id: int, day: date) -> list[LicenceView]:
    licences = list(
        session.scalars(
            select(Licence)
            .where(Licence.creator_id == creator_id)
            .options(selectinload(Licence.payouts))
            .order_by(Licence.id.desc())
            .limit(50)
        )
    )
    return [
        LicenceView(lic, covered_work_ids(session, lic, day), list(lic.payouts)) for lic in licences
    ]
