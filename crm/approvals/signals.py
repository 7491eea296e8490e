"""Events the approvals domain sends (blinker). Receivers run inside the sender's
transaction: they may add rows and flush, never commit."""

from blinker import Namespace

_signals = Namespace()

decision_recorded = _signals.signal(
    "decision-recorded",
    doc="""Legal recorded a decision on a submission's revision (R5).

    Sent by `crm.approvals` with the submission as sender and `session`, `actor` and
    `decision` (the new Decision row: approve | request_changes | reject).
    """,
)
