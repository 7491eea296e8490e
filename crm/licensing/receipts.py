"""Signed consent receipts: every consent change (create, revoke) gets a receipt with the
fields of a Kantara Consent Receipt (v1.1), signed as a compact JWS (ES256).

The signing key is `CRM_RECEIPT_KEY` (a private EC P-256 JWK, as JSON) when set, otherwise a
key made on first use and kept in `receipt_keys`. Neither is ever logged. Receipts are
written by a session hook (`install`), inside the transaction of the change itself, so a
consent change and its receipt are committed or rolled back together.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_app_context
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crm.common.errors import NotFound
from crm.creators.models import Creator
from crm.licensing.models import Consent, ConsentReceipt, ReceiptKey

ALGORITHM = "ES256"
VERSION = "KI-CR-v1.1.0"
EVENTS = ("create", "revoke")


# --- keys ----------------------------------------------------------------------------------


def _configured_key() -> ECKey | None:
    raw = current_app.config.get("CRM_RECEIPT_KEY", "") if has_app_context() else ""
    if not raw:
        return None
    return ECKey.import_key(json.loads(raw))


def signing_key(connection: Connection) -> ECKey:
    """The configured key, else the stored one, made and stored on first use."""
    key = _configured_key()
    if key is not None:
        return key
    row = connection.execute(
        select(ReceiptKey.private_jwk).order_by(ReceiptKey.id.desc()).limit(1)
    ).first()
    if row is not None:
        return ECKey.import_key(json.loads(row[0]))
    key = ECKey.generate_key("P-256", private=True)
    connection.execute(
        insert(ReceiptKey).values(
            kid=key.thumbprint(),
            algorithm=ALGORITHM,
            private_jwk=json.dumps(key.as_dict(private=True)),
            created_at=datetime.now(UTC),
        )
    )
    return key


def public_keys(session: Session) -> list[ECKey]:
    keys: list[ECKey] = []
    configured = _configured_key()
    if configured is not None:
        keys.append(configured)
    for raw in session.scalars(select(ReceiptKey.private_jwk).order_by(ReceiptKey.id)):
        keys.append(ECKey.import_key(json.loads(raw)))
    return [ECKey.import_key(k.as_dict(private=False)) for k in keys]


def jwks(session: Session) -> dict[str, Any]:
    return {
        "keys": [
            k.as_dict(private=False) | {"kid": k.thumbprint(), "alg": ALGORITHM, "use": "sig"}
            for k in public_keys(session)
        ]
    }


# --- receipts ------------------------------------------------------------------------------


def _controller() -> dict[str, str]:
    base = current_app.config.get("CRM_BASE_URL", "") if has_app_context() else ""
    return {"piiController": "Creator Relations CRM", "url": base}


def receipt_claims(
    consent: Consent, event_name: str, name: str, country: str | None, receipt_id: str
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "version": VERSION,
        "consentReceiptID": receipt_id,
        "consentTimestamp": int(now.timestamp()),
        "iat": int(now.timestamp()),
        "event": event_name,
        "jurisdiction": country or "",
        "collectionMethod": consent.source,
        "language": "en",
        "piiPrincipalId": f"creator:{consent.creator_id}",
        "piiPrincipalName": name,
        "piiControllers": [_controller()],
        "services": [
            {
                "service": "training-data use of the creator's works",
                "purposes": [
                    {
                        "purpose": consent.use,
                        "consentType": "EXPLICIT",
                        "decision": consent.decision,
                        "constraint": consent.constraint or None,
                        "scope": consent.scope,
                        "workId": consent.work_id,
                        "kind": consent.kind,
                        "effectiveOn": consent.effective_on.isoformat(),
                        "revokedOn": consent.revoked_on.isoformat() if consent.revoked_on else None,
                    }
                ],
            }
        ],
        "consentId": consent.id,
        "evidence": consent.evidence or "",
        "sensitive": False,
    }


def issue(connection: Connection, consent: Consent, event_name: str) -> str:
    """Sign and store the receipt of one change; returns the compact JWS."""
    row = connection.execute(
        select(Creator.display_name, Creator.country).where(Creator.id == consent.creator_id)
    ).first()
    name, country = (row[0], row[1]) if row is not None else ("", None)
    receipt_id = str(uuid.uuid4())
    key = signing_key(connection)
    claims = receipt_claims(consent, event_name, name, country, receipt_id)
    payload = json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()
    token = jws.serialize_compact(
        {"alg": ALGORITHM, "kid": key.thumbprint(), "typ": "JWT"},
        payload,
        key,
        algorithms=[ALGORITHM],
    )
    connection.execute(
        insert(ConsentReceipt).values(
            receipt_id=receipt_id,
            consent_id=consent.id,
            event=event_name,
            jws=token,
            created_at=datetime.now(UTC),
        )
    )
    return token


def _changes(session: Session) -> list[tuple[Consent, str]]:
    found: list[tuple[Consent, str]] = []
    for obj in session.new:
        if isinstance(obj, Consent):
            found.append((obj, "create"))
    for obj in session.dirty:
        if isinstance(obj, Consent) and obj.id is not None:
            history = inspect(obj).attrs.revoked_on.history
            if history.added and history.added[0] is not None:
                found.append((obj, "revoke"))
    return found


def _after_flush(session: Session, _context: Any) -> None:
    changes = _changes(session)
    if changes:
        connection = session.connection()
        for consent, event_name in sorted(changes, key=lambda c: c[0].id):
            issue(connection, consent, event_name)


def install() -> None:
    """Write a receipt for every consent change flushed by any session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def receipts_of(session: Session, consent_id: int) -> list[ConsentReceipt]:
    if session.get(Consent, consent_id) is None:
        raise NotFound("No such consent record.")
    return list(
        session.scalars(
            select(ConsentReceipt)
            .where(ConsentReceipt.consent_id == consent_id)
            .order_by(ConsentReceipt.id)
        )
    )


def _header(token: str) -> dict[str, Any]:
    part = token.split(".", 1)[0]
    data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data if isinstance(data, dict) else {}


def verify(session: Session, token: object) -> bool:
    """True when `token` is a compact JWS signed by one of our receipt keys."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 100_000:
        return False
    try:
        kid = _header(token).get("kid")
        for key in public_keys(session):
            if key.thumbprint() != kid:
                continue
            try:
                jws.deserialize_compact(token, key, algorithms=[ALGORITHM])
            except JoseError:
                return False
            return True
    except (ValueError, UnicodeDecodeError, JoseError):
        return False
    return False
