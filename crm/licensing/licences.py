"""Licences over allowed works, payouts per period, and the contributor fund.

Payout rules (R10 applied to money):
- A work counts for a period when the licence covers it on the last day of the period that
  falls inside the licence's term: it is one of the licence's works (or any work of the
  creator, for an "all allowed works" licence) and its effective decision for every use of
  the licence is allowed or constrained on that day. So a consent revoked on the 15th takes
  the work out of that month's payout and every later one.
- flat: the rate once per period, when at least one work is covered (otherwise 0);
  per_work: the rate times the works counted;
  revenue_share: the revenue given for the period times the rate (basis points / 10,000),
  rounded half up to the minor unit; 0 when no work is covered.
- A payout is stored once per (licence, period); payouts of one licence never overlap; a
  stored payout is never recomputed, so later consent changes only affect later periods.

Contributor fund: for a period P, each creator c gets the weight
    w(c) = W(c) + L(c)
where W(c) is the number of distinct works of c counted in any payout whose period lies
within P ("eligible works used") and L(c) the number of distinct licences of c with such a
payout covering at least one work ("licences earned"). The fund F (in minor units) is split
    share(c) = floor(F * w(c) / sum(w))
and the R = F - sum(floor) minor units left are given one each to the R creators with the
largest remainders (F * w(c) mod sum(w)); equal remainders go to the lower creator id first.
Shares therefore always add up to exactly F.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.audit.services import diff, record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.money import MoneyError, to_decimal_string, to_minor, validate_currency
from crm.creators.models import Creator
from crm.licensing.models import (
    FEE_MODELS,
    USES,
    FundRun,
    FundShare,
    Licence,
    Payout,
    Work,
    licence_works,
)
from crm.licensing.services import resolve, today, usable

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str | None) -> tuple[str, date, date]:
    """`2026-11` (a month), `2026-Q4` (a quarter) or `2026` (a year) → (label, first, last)."""
    raw = (text or "").strip().upper()
    if m := _MONTH.match(raw):
        y, mo = int(m[1]), int(m[2])
        return raw, date(y, mo, 1), date(y, mo, monthrange(y, mo)[1])
    if m := _QUARTER.match(raw):
        y, q = int(m[1]), int(m[2])
        last_month = q * 3
        return raw, date(y, last_month - 2, 1), date(y, last_month, monthrange(y, last_month)[1])
    if m := _YEAR.match(raw):
        y = int(m[1])
        return raw, date(y, 1, 1), date(y, 12, 31)
    raise Invalid({"period": ["must be a month (2026-11), a quarter (2026-Q4) or a year (2026)"]})


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


def _refuse_unusable(session: Session, works: list[Work], uses: list[str], day: date) -> None:
    """R10: a licence may only name works allowed (or constrained) for all of its uses."""
    decided = resolve(session, works, uses, day)
    refused = []
    for w in works:
        bad = [u for u in uses if not usable(decided[(w.id, u)])]
        if bad:
            refused.append(f'"{w.title}" (#{w.id}: {", ".join(bad)} not allowed)')
    if refused:
        raise Conflict(
            f"These works are not allowed for this licence's uses on {day}: "
            + "; ".join(refused)
            + ". Record the creator's consent first, or leave them out."
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
    on: date | None = None,
) -> Licence:
    errors = FieldErrors()
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
    if works:
        _refuse_unusable(session, works, uses, _check_day(starts_on, on))
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
        all_allowed_works=bool(all_allowed_works),
    )
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
        "all_allowed_works": licence.all_allowed_works,
        "work_ids": sorted(w.id for w in licence.works),
    }


def update_licence(
    session: Session, actor: Actor, licence: Licence, changes: dict, on: date | None = None
) -> Licence:
    """Title, end date, rate and works may change; they apply to payouts not yet stored."""
    errors = FieldErrors()
    licence = get_licence(session, licence.id, with_works=True)
    before = _audit_view(licence)
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
    added = [w for w in works if w.id not in {x.id for x in licence.works}]
    if added:
        _refuse_unusable(session, added, licence.uses, _check_day(licence.starts_on, on))
    licence.all_allowed_works = bool(all_allowed)
    licence.works = works
    session.flush()
    record(
        session, actor, "licence.update", "licence", licence.id, diff(before, _audit_view(licence))
    )
    return licence


def covered_work_ids(session: Session, licence: Licence, day: date) -> list[int]:
    """The works this licence covers on `day` (R10 for every use of the licence)."""
    if not (licence.starts_on <= day and (licence.ends_on is None or day <= licence.ends_on)):
        return []
    cols = select(Work.id, Work.creator_id, Work.kind)
    if licence.all_allowed_works:
        stmt = cols.where(Work.creator_id == licence.creator_id)
    else:
        stmt = cols.join(licence_works, licence_works.c.work_id == Work.id).where(
            licence_works.c.licence_id == licence.id
        )
    rows = list(session.execute(stmt))
    decided = resolve(session, rows, licence.uses, day)
    return sorted(r.id for r in rows if all(usable(decided[(r.id, u)]) for u in licence.uses))


# --- payouts -------------------------------------------------------------------------------


def payout_amount(licence: Licence, works_count: int, revenue_minor: int | None) -> int:
    if works_count == 0:
        return 0
    if licence.fee_model == "flat":
        assert licence.rate_minor is not None  # parse_rate sets it for flat and per_work
        return licence.rate_minor
    if licence.fee_model == "per_work":
        assert licence.rate_minor is not None
        return licence.rate_minor * works_count
    assert revenue_minor is not None and licence.rate_bp is not None  # revenue_share
    share = Decimal(revenue_minor) * Decimal(licence.rate_bp) / Decimal(10_000)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute_payout(
    session: Session,
    actor: Actor,
    licence: Licence,
    period: str | None,
    revenue: str | None = None,
    on: date | None = None,
) -> Payout:
    label, start, end = parse_period(period)
    errors = FieldErrors()
    revenue_minor = None
    if licence.fee_model == "revenue_share":
        if revenue in (None, ""):
            errors.add("revenue", "is required for a revenue-share licence")
        else:
            try:
                revenue_minor = to_minor(revenue, licence.currency)
            except MoneyError as exc:
                errors.add("revenue", str(exc))
            else:
                if revenue_minor < 0:
                    errors.add("revenue", "must not be negative")
    elif revenue not in (None, ""):
        errors.add("revenue", "only applies to revenue-share licences")
    errors.raise_if_any()
    if not licence.in_force_during(start, end):
        raise Conflict(f"The licence is not in force during {label}.")
    if start > (on or today()):
        raise Conflict(f"{label} has not started yet; payouts are computed for past periods.")
    overlapping = session.scalar(
        select(Payout).where(
            Payout.licence_id == licence.id,
            Payout.period_start <= end,
            Payout.period_end >= start,
        )
    )
    if overlapping is not None:
        raise Conflict(
            f"A payout for {overlapping.period} is already stored for this licence; "
            "stored payouts are never recomputed."
        )
    day = min(end, licence.ends_on) if licence.ends_on else end
    work_ids = covered_work_ids(session, licence, day)
    payout = Payout(
        licence_id=licence.id,
        period=label,
        period_start=start,
        period_end=end,
        works_count=len(work_ids),
        work_ids=work_ids,
        revenue_minor=revenue_minor,
        amount_minor=payout_amount(licence, len(work_ids), revenue_minor),
        currency=licence.currency,
        status="due",
    )
    session.add(payout)
    session.flush()
    record(
        session,
        actor,
        "payout.create",
        "payout",
        payout.id,
        {
            "licence_id": licence.id,
            "period": label,
            "works_count": payout.works_count,
            "amount_minor": payout.amount_minor,
            "currency": payout.currency,
        },
    )
    return payout


def get_payout(session: Session, licence: Licence, payout_id: int) -> Payout:
    payout = session.get(Payout, payout_id)
    if payout is None or payout.licence_id != licence.id:
        raise NotFound("No such payout.")
    return payout


def mark_paid(session: Session, actor: Actor, payout: Payout, paid_on: date | None) -> Payout:
    if payout.status == "paid":
        raise Conflict(f"The payout for {payout.period} was already paid on {payout.paid_on}.")
    if paid_on is None:
        raise Invalid({"paid_on": ["is required"]})
    payout.status = "paid"
    payout.paid_on = paid_on
    session.flush()
    record(
        session,
        actor,
        "payout.paid",
        "payout",
        payout.id,
        {"status": ["due", "paid"], "paid_on": [None, paid_on]},
    )
    return payout


def list_payouts(session: Session, licence: Licence) -> list[Payout]:
    return list(
        session.scalars(
            select(Payout).where(Payout.licence_id == licence.id).order_by(Payout.period_start)
        )
    )


# --- contributor fund ----------------------------------------------------------------------


def split_fund(amount_minor: int, weights: dict[int, int]) -> dict[int, tuple[int, bool]]:
    """Largest-remainder split of `amount_minor` by integer weights, keyed by creator id.

    Returns {creator_id: (share, got_one_remainder_unit)}; shares add up to the amount.
    Equal remainders go to the lower creator id first."""
    weights = {k: v for k, v in weights.items() if v > 0}
    total = sum(weights.values())
    if amount_minor < 0:
        raise Invalid({"amount": ["must not be negative"]})
    if total == 0:
        return {}
    base = {k: amount_minor * w // total for k, w in weights.items()}
    left = amount_minor - sum(base.values())
    order = sorted(weights, key=lambda k: (-(amount_minor * weights[k] % total), k))
    lucky = set(order[:left])
    return {k: (base[k] + (1 if k in lucky else 0), k in lucky) for k in sorted(weights)}


def fund_weights(session: Session, start: date, end: date) -> dict[int, tuple[int, int]]:
    """{creator_id: (works used, licences earned)} from the payouts stored within the period."""
    rows = session.execute(
        select(Licence.creator_id, Payout.licence_id, Payout.work_ids)
        .join(Licence, Licence.id == Payout.licence_id)
        .where(Payout.period_start >= start, Payout.period_end <= end, Payout.works_count > 0)
    )
    works: dict[int, set[int]] = {}
    licences: dict[int, set[int]] = {}
    for creator_id, licence_id, work_ids in rows:
        works.setdefault(creator_id, set()).update(work_ids or [])
        licences.setdefault(creator_id, set()).add(licence_id)
    return {c: (len(works[c]), len(licences[c])) for c in works}


def compute_fund(
    session: Session,
    actor: Actor,
    *,
    period: str | None,
    amount: str | None,
    currency: str | None,
) -> FundRun:
    errors = FieldErrors()
    label: str | None
    start: date | None
    end: date | None
    try:
        label, start, end = parse_period(period)
    except Invalid as exc:
        for m in exc.errors["period"]:
            errors.add("period", m)
        label = start = end = None
    try:
        currency = validate_currency(currency)
    except MoneyError as exc:
        errors.add("currency", str(exc))
        currency = None
    amount_minor = None
    if currency:
        try:
            amount_minor = to_minor(amount or "", currency)
        except MoneyError as exc:
            errors.add("amount", str(exc))
        else:
            if amount_minor <= 0:
                errors.add("amount", "must be above zero")
    errors.raise_if_any()
    assert start is not None and end is not None and amount_minor is not None  # refused above
    counts = fund_weights(session, start, end)
    weights = {c: w + lic for c, (w, lic) in counts.items()}
    if not weights:
        raise Conflict(
            f"No creator has works used under a licence with a payout in {label}; "
            "compute the period's payouts first."
        )
    shares = split_fund(amount_minor, weights)
    run = FundRun(
        period=label,
        period_start=start,
        period_end=end,
        amount_minor=amount_minor,
        currency=currency,
        total_weight=sum(weights.values()),
        remainder_minor=sum(1 for _share, extra in shares.values() if extra),
        created_by_id=getattr(actor, "id", None),
    )
    run.shares = [
        FundShare(
            creator_id=c,
            works_used=counts[c][0],
            licences_earned=counts[c][1],
            share_minor=share,
            got_remainder=extra,
        )
        for c, (share, extra) in shares.items()
    ]
    session.add(run)
    session.flush()
    record(
        session,
        actor,
        "fund.run",
        "fund_run",
        run.id,
        {
            "period": label,
            "amount_minor": amount_minor,
            "currency": currency,
            "shares": {str(s.creator_id): s.share_minor for s in run.shares},
        },
    )
    return run


def get_fund_run(session: Session, run_id: int) -> FundRun:
    run = session.scalar(
        select(FundRun)
        .where(FundRun.id == run_id)
        .options(selectinload(FundRun.shares).selectinload(FundShare.creator))
    )
    if run is None:
        raise NotFound("No such fund run.")
    return run


def recent_fund_runs(session: Session, limit: int = 10) -> list[FundRun]:
    return list(session.scalars(select(FundRun).order_by(FundRun.id.desc()).limit(limit)))
