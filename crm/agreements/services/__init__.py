"""The agreements rules (R1, R2, R6), one module per aggregate: products, NDAs, grants (the
R1 gate and R2 expiry), deals and payments, plus what they share. Everything is re-exported
here, so callers write `from crm.agreements import services` and `services.create_nda(...)`.

Events (blinker, crm/agreements/signals.py), sent inside the caller's transaction: `nda_ended`
once per NDA that expired or was terminated, with the grants R2 suspended because of it;
`release_moved` when a product's release date changed (R4)."""

from crm.agreements.services._common import (
    DEAL_TRANSITIONS,
    GRANT_TRANSITIONS,
    MAX_TEXT,
    NDA_EDITABLE,
    NDA_TRANSITIONS,
    _dec,
)
from crm.agreements.services.deals import (
    add_payment,
    create_deal,
    deal_snapshot,
    get_deal,
    get_payment,
    live_payments,
    mark_paid,
    payment_warnings,
    update_deal,
    update_payment,
    void_payment,
)
from crm.agreements.services.grants import (
    check_grant_gate,
    create_grant,
    display_status,
    expire_agreements,
    expire_grants,
    get_grant,
    grant_snapshot,
    revoke_grant,
    update_grant,
)
from crm.agreements.services.ndas import (
    create_nda,
    dependent_grants,
    edit_nda,
    expire_ndas,
    get_nda,
    nda_problem,
    nda_snapshot,
    record_resignature,
    suspend_dependent_grants,
    transition_nda,
    update_nda,
)
from crm.agreements.services.products import (
    create_product,
    get_product,
    product_is_released,
    update_product,
)

__all__ = [
    "DEAL_TRANSITIONS",
    "GRANT_TRANSITIONS",
    "MAX_TEXT",
    "NDA_EDITABLE",
    "NDA_TRANSITIONS",
    "_dec",
    "add_payment",
    "check_grant_gate",
    "create_deal",
    "create_grant",
    "create_nda",
    "create_product",
    "deal_snapshot",
    "dependent_grants",
    "display_status",
    "edit_nda",
    "expire_agreements",
    "expire_grants",
    "expire_ndas",
    "get_deal",
    "get_grant",
    "get_nda",
    "get_payment",
    "get_product",
    "grant_snapshot",
    "live_payments",
    "mark_paid",
    "nda_problem",
    "nda_snapshot",
    "payment_warnings",
    "product_is_released",
    "record_resignature",
    "revoke_grant",
    "suspend_dependent_grants",
    "transition_nda",
    "update_deal",
    "update_grant",
    "update_nda",
    "update_payment",
    "update_product",
    "void_payment",
]
