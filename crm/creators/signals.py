"""Events the creators domain sends (blinker). Receivers run inside the sender's
transaction: they may add rows and flush, never commit."""

from blinker import Namespace

_signals = Namespace()

creator_erased = _signals.signal(
    "creator-erased",
    doc="""A creator's personal data is being erased on request (privacy erasure).

    Sent by `crm.creators.erasure.erase_creator` with the creator as sender and `session`,
    `actor` and `counts` (a dict each receiver adds its own counts to, for the audit event),
    after the creators' own rows were scrubbed and before the audit event is written. Every
    higher domain that keeps personal data about a creator scrubs its own rows.
    """,
)

erasure_check = _signals.signal(
    "creator-erasure-check",
    doc="""Is anything still binding a creator whose personal data an admin wants erased?

    Sent by `crm.creators.erasure` (before an erasure, and for its confirmation page) with
    the creator as sender and `session` and `today`. Each receiver returns a list of labels
    of what is still in force ("NDA #3", "deal #5 (active)"); any label makes the erasure
    need the admin's explicit confirmation. Receivers only read.
    """,
)
