"""The approval rules (R3, R4, R5, R6): one state machine, checks on every revision.

One module per concept: `states` (the lifecycle), `settings` (the check settings),
`checking` (R3 and the checks run on a revision), `audience` (the countries a post is aimed
at), `revisions`, `submissions`, `decisions`, `publishing` and `reopen` (R4). The names
below are the public ones; callers use `from crm.approvals import services`.

Events (blinker, crm/approvals/signals.py): `decide` sends `decision_recorded` inside the
deciding transaction; the receivers (the email to the submitter, the submitter's task when
legal asks for changes) live in this domain and are connected by `crm.approvals.register`.
"""

from __future__ import annotations

from crm.approvals.services.audience import (
    AUDIENCE_EDITABLE,
    clean_countries,
    set_audience_countries,
)
from crm.approvals.services.checking import (
    active_grant,
    deal_conditioned_review_findings,
    deal_terms,
    material_connection,
    named_products,
    planned_day,
    run_revision_checks,
)
from crm.approvals.services.common import get_submission
from crm.approvals.services.decisions import decide, is_own_submission, may_decide
from crm.approvals.services.publishing import embargoed_products, publish
from crm.approvals.services.reopen import on_product_release_moved
from crm.approvals.services.revisions import MAX_BODY, RevisionInput, add_revision, content_hash
from crm.approvals.services.settings import load_settings, save_settings
from crm.approvals.services.states import (
    ACTION_LABELS,
    ACTIONS,
    TRANSITIONS,
    allowed_actions,
    next_status,
)
from crm.approvals.services.submissions import create_submission, submit_for_review, withdraw

__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "AUDIENCE_EDITABLE",
    "MAX_BODY",
    "TRANSITIONS",
    "RevisionInput",
    "active_grant",
    "add_revision",
    "allowed_actions",
    "clean_countries",
    "content_hash",
    "create_submission",
    "deal_conditioned_review_findings",
    "deal_terms",
    "decide",
    "embargoed_products",
    "get_submission",
    "is_own_submission",
    "load_settings",
    "material_connection",
    "may_decide",
    "named_products",
    "next_status",
    "on_product_release_moved",
    "planned_day",
    "publish",
    "run_revision_checks",
    "save_settings",
    "set_audience_countries",
    "submit_for_review",
    "withdraw",
]
