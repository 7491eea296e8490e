"""The email that gives a creator the signed receipt of a consent change (through the
mail outbox, in the change's transaction): one message per recording or revocation, with
every receipt it produced and how to verify them."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.errors import Invalid
from crm.creators.models import Creator
from crm.licensing.models import Consent, ConsentReceipt
from crm.mail.models import OutboxMessage
from crm.mail.notifications import absolute_url, base_url, subject_line
from crm.mail.rendering import render_email
from crm.mail.services import enqueue

log = logging.getLogger(__name__)

EVENT_LABELS = {"create": "recorded", "revoke": "revoked"}


def email_receipts(
    session: Session, consents: Sequence[Consent], event: str
) -> OutboxMessage | None:
    """Queue the receipts of `consents` (all of one creator, just flushed) to the creator.
    None when the creator has no address or is archived, or the address is refused."""
    if not consents:
        return None
    creator = session.get(Creator, consents[0].creator_id)
    if creator is None or not creator.email or creator.archived:
        return None
    found = list(
        session.scalars(
            select(ConsentReceipt)
            .where(
                ConsentReceipt.consent_id.in_([c.id for c in consents]),
                ConsentReceipt.event == event,
            )
            .order_by(ConsentReceipt.id)
        )
    )
    latest = {r.consent_id: r for r in found}
    rows = [(c, latest[c.id]) for c in consents if c.id in latest]
    if not rows:
        return None
    label = EVENT_LABELS.get(event, event)
    context = {
        "creator": creator,
        "label": label,
        "rows": rows,
        "verify_url": absolute_url("/api/v1/receipts/verify"),
        "jwks_url": absolute_url("/.well-known/jwks.json"),
        "base_url": base_url(),
    }
    uses = "use" if len(rows) == 1 else "uses"
    try:
        return enqueue(
            session,
            to=creator.email,
            subject=subject_line(f"Your consent receipt: {len(rows)} {uses} {label}"),
            text=render_email("email/consent_receipt.txt", **context),
            html=render_email("email/consent_receipt.html", **context),
            kind="consent_receipt",
            idempotency_key=f"consent-receipt:{rows[0][1].receipt_id}",
        )
    except Invalid as exc:
        # The consent stands without its email; the refusal is logged for the operator.
        log.warning("consent receipt for creator %s not queued: %s", creator.id, exc.errors)
        return None
