"""The contributor fund.

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

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.money import MoneyError, to_minor, validate_currency
from crm.licensing.models import (
    FundRun,
    FundShare,
    Licence,
    Payout,
)
from crm.licensing.services.base import (
    parse_period,
)


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
