"""Licences over allowed works: creation, edits, rates and the works a licence covers
(R10 on a day)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.audit.services import diff, record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, NotFound
from crm.common.money import MoneyError, to_decimal_string, to_minor, validate_currency
from crm.creators.models import Creator
from crm.licensing.models import (
    FEE_MODELS,
    USES,
    Licence,
    Work,
    licence_works,
)
from crm.licensing.services.base import (
    today,
)
from crm.licensing.services.resolution import resolve, usable
from crm.licensing.services.rights import OPEN_ENDED, RIGHTS_COLUMNS, Demand, verdicts
from crm.licensing.services.territory import Territory, parse_territory, read_territory

# --- rates ---------------------------------------------------------------------------------


def parse_rate(
    fee_model: str, rate: str | None, currency: str, errors: FieldErrors
) -> tuple[int | None, int | None]:
    """(rate_minor, rate_bp): money for flat and per_work, a percentage for revenue_share."""
    if rate in (None, ""):
        errors.add("rate", "is required")
        return None, None
    if fee_model == "revenue_share":
        try:
            percent = Decimal(str(rate).strip())
        except InvalidOperation:
            errors.add("rate", "must be a percentage such as 12.5")
            return None, None
        if not percent.is_finite() or percent <= 0 or percent > 100:
            errors.add("rate", "must be a percentage above 0 and at most 100")
            return None, None
        bp = percent * 100
        if bp != bp.to_integral_value():
            errors.add("rate", "has at most 2 decimal places")
            return None, None
        return None, int(bp)
    try:
        minor = to_minor(rate, currency)
    except MoneyError as exc:
        errors.add("rate", str(exc))
        return None, None
    if minor <= 0:
        errors.add("rate", "must be above zero")
        return None, None
    return minor, None


def rate_text(licence: Licence) -> str:
    if licence.fee_model == "revenue_share":
        return f"{Decimal(licence.rate_bp or 0) / 100:.2f}"
    return to_decimal_string(licence.rate_minor or 0, licence.currency)


# --- licences ------------------------------------------------------------------------------


def get_licence(session: Session, licence_id: int, *, with_works: bool = False) -> Licence:
    stmt = select(Licence).where(Licence.id == licence_id)
    if with_works:
        stmt = stmt.options(selectinload(Licence.works))
    licence = session.scalar(stmt)
    if licence is None:
        raise NotFound("No such licence.")
    return licence


def _check_day(starts_on: date, on: date | None) -> date:
    return max(starts_on, on or today())


def licence_territory(licence: Licence) -> Territory:
    # Stored by this module, so it reads; a hand-edited value that does not covers nowhere.
    return read_territory(licence.territory) or Territory(licence.territory, frozenset())


def demand_of(licence: Licence, *, term: bool = False, named: bool = True) -> Demand:
    """What a release must cover for this licence: its territory and, when `term`, its
    whole term (to its end, or with no end for an open-ended licence)."""
    through = (licence.ends_on or OPEN_ENDED) if term else None
    return Demand(territory=licence_territory(licence), through=through, named=named)


def refusals(
    session: Session, works: list, uses: list[str], day: date, demand: Demand | None = None
) -> dict[int, list[str]]:
    """Per work, why a licence for `uses` on `day` may not cover it: R10 (consent for every
    use) and the licensable set (rights and releases, crm.licensing.services.rights) with
    what the licence demands of releases (territory, term)."""
    decided = resolve(session, works, uses, day)
    judged = verdicts(session, works, uses, day, demand or Demand())
    out: dict[int, list[str]] = {}
    for w in works:
        reasons = [f"consent: {u} not allowed" for u in uses if not usable(decided[(w.id, u)])]
        reasons += list(judged[w.id].reasons)
        if reasons:
            out[w.id] = reasons
    return out


def _refuse_unusable(
    session: Session, works: list[Work], uses: list[str], day: date, demand: Demand
) -> None:
    """A licence may only name works allowed (or constrained) for all of its uses (R10) and
    in the licensable set, with releases covering its territory for its whole term; the
    refusal names, per work, what is missing."""
    refused = refusals(session, works, uses, day, demand)
    if refused:
        titles = {w.id: w.title for w in works}
        raise Conflict(
            f"These works cannot be licensed for this licence's uses on {day}: "
            + "; ".join(
                f'"{titles[wid]}" (#{wid}: {", ".join(reasons)})'
                for wid, reasons in refused.items()
            )
            + ". Record the consent, rights or releases first, or leave them out.",
            errors={f"works.{wid}": reasons for wid, reasons in refused.items()},
        )


def _load_works(
    session: Session, creator_id: int, work_ids: Iterable[int] | None, errors: FieldErrors
) -> list[Work]:
    ids = sorted(set(work_ids or []))
    works = list(session.scalars(select(Work).where(Work.id.in_(ids)))) if ids else []
    found = {w.id for w in works}
    wrong = [i for i in ids if i not in found] + [w.id for w in works if w.creator_id != creator_id]
    if wrong:
        errors.add("work_ids", f"not works of this creator: {', '.join(map(str, sorted(wrong)))}")
    return works


def create_licence(
    session: Session,
    actor: Actor,
    *,
    creator_id: int | None,
    title: str | None,
    uses: list[str] | None,
    fee_model: str | None,
    rate: str | None,
    currency: str | None,
    starts_on: date | None,
    ends_on: date | None = None,
    work_ids: list[int] | None = None,
    all_allowed_works: bool = False,
    territory: str | list[str] | None = None,
    on: date | None = None,
) -> Licence:
    errors = FieldErrors()
    where = parse_territory(territory, "territory", errors)
    creator = session.get(Creator, creator_id) if creator_id else None
    if creator is None:
        errors.add("creator_id", "is not a known creator")
    title = (title or "").strip()
    if not title:
        errors.add("title", "is required")
    elif len(title) > 300:
        errors.add("title", "must be at most 300 characters")
    uses = list(dict.fromkeys(uses or []))
    if not uses:
        errors.add("uses", "choose at least one use")
    elif any(u not in USES for u in uses):
        errors.add("uses", f"must be among {', '.join(USES)}")
    if fee_model not in FEE_MODELS:
        errors.add("fee_model", f"must be one of {', '.join(FEE_MODELS)}")
    try:
        currency = validate_currency(currency)
    except MoneyError as exc:
        errors.add("currency", str(exc))
        currency = None
    rate_minor = rate_bp = None
    if fee_model in FEE_MODELS and currency:
        rate_minor, rate_bp = parse_rate(fee_model, rate, currency, errors)
    if starts_on is None:
        errors.add("starts_on", "is required")
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", "must be on or after the start")
    if all_allowed_works and work_ids:
        errors.add("work_ids", "leave empty when the licence covers all allowed works")
    if not all_allowed_works and not work_ids:
        errors.add("work_ids", "choose the works, or cover all allowed works")
    works = _load_works(session, creator.id, work_ids, errors) if creator else []
    errors.raise_if_any()
    assert creator is not None and starts_on is not None  # refused above when missing
    uses = [u for u in USES if u in uses]
    licence = Licence(
        creator_id=creator.id,
        title=title,
        uses=uses,
        fee_model=fee_model,
        rate_minor=rate_minor,
        rate_bp=rate_bp,
        currency=currency,
        starts_on=starts_on,
        ends_on=ends_on,
        territory=where.text,
        all_allowed_works=bool(all_allowed_works),
    )
    if works:
        demand = demand_of(licence, term=True)
        _refuse_unusable(session, works, uses, _check_day(starts_on, on), demand)
    licence.works = works
    session.add(licence)
    session.flush()
    record(session, actor, "licence.create", "licence", licence.id, _audit_view(licence))
    return licence


def _audit_view(licence: Licence) -> dict:
    return {
        "creator_id": licence.creator_id,
        "title": licence.title,
        "uses": list(licence.uses),
        "fee_model": licence.fee_model,
        "rate_minor": licence.rate_minor,
        "rate_bp": licence.rate_bp,
        "currency": licence.currency,
        "starts_on": licence.starts_on,
        "ends_on": licence.ends_on,
        "territory": licence.territory,
        "all_allowed_works": licence.all_allowed_works,
        "work_ids": sorted(w.id for w in licence.works),
    }


def update_licence(
    session: Session, actor: Actor, licence: Licence, changes: dict, on: date | None = None
) -> Licence:
    """Title, end date, territory, rate and works may change; they apply to payouts not yet
    stored. A longer term or another territory is checked against every work named, not
    only the ones added."""
    errors = FieldErrors()
    licence = get_licence(session, licence.id, with_works=True)
    before = _audit_view(licence)
    if "territory" in changes:
        licence.territory = parse_territory(changes["territory"], "territory", errors).text
    if "title" in changes:
        title = (changes["title"] or "").strip()
        if not title:
            errors.add("title", "is required")
        licence.title = title[:300]
    if "ends_on" in changes:
        if changes["ends_on"] and changes["ends_on"] < licence.starts_on:
            errors.add("ends_on", "must be on or after the start")
        licence.ends_on = changes["ends_on"]
    if "rate" in changes:
        rate_minor, rate_bp = parse_rate(
            licence.fee_model, changes["rate"], licence.currency, errors
        )
        licence.rate_minor, licence.rate_bp = rate_minor, rate_bp
    all_allowed = bool(changes.get("all_allowed_works", licence.all_allowed_works))
    works = licence.works
    if "work_ids" in changes:
        works = _load_works(session, licence.creator_id, changes["work_ids"], errors)
    elif all_allowed:
        works = []
    if all_allowed and works:
        errors.add("work_ids", "leave empty when the licence covers all allowed works")
    elif not all_allowed and not works:
        errors.add("work_ids", "choose the works, or cover all allowed works")
    errors.raise_if_any()
    old_end, new_end = before["ends_on"], licence.ends_on
    longer = old_end is not None and (new_end is None or new_end > old_end)
    widened = longer or before["territory"] != licence.territory
    added = [w for w in works if widened or w.id not in {x.id for x in licence.works}]
    if added:
        day = _check_day(licence.starts_on, on)
        _refuse_unusable(session, added, licence.uses, day, demand_of(licence, term=True))
    licence.all_allowed_works = bool(all_allowed)
    licence.works = works
    session.flush()
    record(
        session, actor, "licence.update", "licence", licence.id, diff(before, _audit_view(licence))
    )
    return licence


def covered_work_ids(session: Session, licence: Licence, day: date) -> list[int]:
    """The works this licence covers on `day`: R10 for every use of the licence, and in the
    licensable set (rights and releases) for those uses and the licence's territory."""
    if not (licence.starts_on <= day and (licence.ends_on is None or day <= licence.ends_on)):
        return []
    cols = select(*RIGHTS_COLUMNS)
    if licence.all_allowed_works:
        stmt = cols.where(Work.creator_id == licence.creator_id)
    else:
        stmt = cols.join(licence_works, licence_works.c.work_id == Work.id).where(
            licence_works.c.licence_id == licence.id
        )
    rows = list(session.execute(stmt))
    decided = resolve(session, rows, licence.uses, day)
    allowed = [r for r in rows if all(usable(decided[(r.id, u)]) for u in licence.uses)]
    judged = verdicts(session, allowed, licence.uses, day, demand_of(licence))
    return sorted(r.id for r in allowed if judged[r.id].licensable)
