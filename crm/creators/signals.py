"""Events the creators domain sends (blinker). Receivers run inside the sender's
transaction: they may add rows and flush, never commit."""

from blinker import Namespace

_signals = Namespace()

creator_erased = _signals.signal(
    "creator-erased",
    doc="""A creator's personal data is being erased on request (privacy erasure).

    Sent by `crm.creators` with the creator as sender and `session`, `actor` and `counts`
    (a dict each receiver adds its own counts to, for the audit event). Every domain that
    keeps personal data about a creator scrubs its own rows.
    """,
)
