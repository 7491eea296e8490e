"""Licences, payouts and the contributor fund: re-exported from crm.licensing.services."""

from crm.licensing.services.base import parse_period
from crm.licensing.services.fund import (
    compute_fund,
    fund_weights,
    get_fund_run,
    recent_fund_runs,
    split_fund,
)
from crm.licensing.services.licences import (
    covered_work_ids,
    create_licence,
    get_licence,
    parse_rate,
    rate_text,
    update_licence,
)
from crm.licensing.services.payouts import (
    compute_payout,
    get_payout,
    list_payouts,
    mark_paid,
    payout_amount,
)

__all__ = [
    "compute_fund",
    "compute_payout",
    "covered_work_ids",
    "create_licence",
    "fund_weights",
    "get_fund_run",
    "get_licence",
    "get_payout",
    "list_payouts",
    "mark_paid",
    "parse_period",
    "parse_rate",
    "payout_amount",
    "rate_text",
    "recent_fund_runs",
    "split_fund",
    "update_licence",
]
