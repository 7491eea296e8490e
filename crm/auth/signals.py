"""Events the auth engine sends (blinker). Receivers run inside the sender's transaction:
they may add rows and flush, never commit."""

from blinker import Namespace

_signals = Namespace()

auth_link_issued = _signals.signal(
    "auth-link-issued",
    doc="""An invitation or password-reset link was created and must reach its user.

    Sent by `crm.auth.links` with the user as sender and `session`, `link` (the AuthLink
    row), `url` (the absolute link, carrying the secret token: never log or store it
    anywhere but the email itself) and `invited_by` (the actor, or None for a reset).
    The mail engine queues the email in the outbox and returns the message; auth sits
    below mail in the layers, so it cannot call the outbox itself.
    """,
)
