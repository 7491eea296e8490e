"""Events the feedback domain sends (blinker). Receivers run inside the sender's transaction:
they may add rows and flush, never commit."""

from blinker import Namespace

_signals = Namespace()

feedback_recorded = _signals.signal(
    "feedback-recorded",
    doc="""A creator's feedback note was recorded.

    Sent by `crm.feedback` with the note as sender and `session` and `actor`. The chat
    notifications announce the critical ones.
    """,
)
