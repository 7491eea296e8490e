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

nda_sent = _signals.signal(
    "nda-sent",
    doc="""An NDA was sent to its creator for signature.

    Sent by `crm.agreements` with the NDA as sender and `session`, `actor`. The portal emails
    the creator's portal accounts a link to the NDA's page.
    """,
)

nda_terms_changed = _signals.signal(
    "nda-terms-changed",
    doc="""The terms of an NDA that was sent or signed were edited.

    Sent by `crm.agreements` with the NDA as sender and `session`, `actor`, `before` (the
    SHA-256 of the previous terms) and `after` (of the new ones). A signed NDA needs a new
    signature from then on (R1); the portal emails the creator to read and sign again.
    """,
)
