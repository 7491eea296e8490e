"""Events the agreements domain sends (blinker). Receivers run inside the sender's
transaction: they may add rows and flush, never commit. The sender is the record; the
keyword arguments are listed per signal."""

from blinker import Namespace

_signals = Namespace()

nda_ended = _signals.signal(
    "nda-ended",
    doc="""An NDA expired (by date, in the daily job) or was terminated.

    Sent by `crm.agreements` with the NDA as sender and `session`, `actor`, `reason`
    ("expired" | "terminated") and `suspended` (the grants R2 suspended because of it).
    """,
)

release_moved = _signals.signal(
    "release-moved",
    doc="""A product's public date changed (R4).

    Sent by `crm.agreements` with the product as sender and `session`, `actor`, `before` and
    `after` (dates or None). Approvals returns approved submissions naming it to review when
    the date moved later.
    """,
)
