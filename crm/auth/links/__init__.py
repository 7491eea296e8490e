"""Single-use links by email: invitations for new users, and password resets.

A link carries a 256-bit random token (`secrets.token_urlsafe(32)`); only its SHA-256 is
stored, so the table alone cannot be turned back into working links. A link is valid until
it expires (resets after an hour, invitations after seven days, both in the configuration),
is used, or is replaced by a newer link of the same kind. Redeeming claims the row with one
conditional UPDATE (`used_at IS NULL AND revoked_at IS NULL AND expires_at > now`): two
redemptions at once succeed once, on SQLite and on PostgreSQL alike.

Emails go through the outbox: issuing a link sends the `auth_link_issued` signal and the
mail engine (a higher layer) queues the message in the same transaction, one idempotency key
per link. The raw token is only in that email (and, for `invite-user --print-link`, on the
operator's terminal): never in the audit log, never in a log line.

One module per concept, everything re-exported here (`from crm.auth import links`):
`store` (kinds, settings, issuing, lookup, purge) is the base; `addresses` checks a typed
address; `invitations`, `resets` and `redeeming` are the flows built on them.

Every function flushes; the caller commits.
"""

from crm.auth.links.addresses import email_problems
from crm.auth.links.invitations import (
    Invitation,
    invite_user,
    pending_invitations,
    resend_invitation,
)
from crm.auth.links.redeeming import check_link, redeem_link
from crm.auth.links.resets import request_password_reset
from crm.auth.links.store import (
    INVITE,
    PATHS,
    PURPOSES,
    RESET,
    IssuedLink,
    LinkSettings,
    LinkUnusable,
    _issue,
    link_url,
    purge_links,
    settings_from,
)

__all__ = [
    "INVITE",
    "PATHS",
    "PURPOSES",
    "RESET",
    "Invitation",
    "IssuedLink",
    "LinkSettings",
    "LinkUnusable",
    "_issue",
    "check_link",
    "email_problems",
    "invite_user",
    "link_url",
    "pending_invitations",
    "purge_links",
    "redeem_link",
    "request_password_reset",
    "resend_invitation",
    "settings_from",
]
