"""NDAs in the portal: a creator reads the terms sent to them and signs by click.

The evidence of a signature is the typed full name, the time, the network address, the
user agent, and the SHA-256 of the exact terms with the NDA's document version (a digest of
the terms, the attached document's hash, the dates and the covered products). The form
carries the version the creator read: if the NDA changed meanwhile, signing is refused and
the new terms are shown. A signed NDA whose terms change afterwards needs a new signature
(`needs_signature`), which the portal asks for; until then R1 does not honour it
(`Nda.needs_resignature`, from the terms hash of the latest signature).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import Nda, terms_sha256
from crm.agreements.services import record_resignature, transition_nda, update_nda
from crm.audit.services import record
from crm.common.actor import CreatorActor
from crm.common.errors import Conflict, Invalid, NotFound
from crm.common.timeutil import utcnow
from crm.portal.models import NdaSignature
from crm.portal.services import activity

#: What a creator sees of their NDAs; drafts are still being written by staff.
VISIBLE = ("sent", "signed", "expired", "terminated")


def document_version(nda: Nda) -> str:
    """A digest of everything the signature agrees to."""
    parts = [
        terms_sha256(nda.terms),
        nda.document_sha256 or "",
        nda.effective_on.isoformat() if nda.effective_on else "",
        nda.expires_on.isoformat() if nda.expires_on else "",
        ",".join(str(p.id) for p in sorted(nda.products, key=lambda p: p.id)),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def creator_ndas(session: Session, creator_id: int) -> list[Nda]:
    return list(
        session.scalars(
            select(Nda)
            .where(Nda.creator_id == creator_id, Nda.status.in_(VISIBLE))
            .order_by(Nda.id.desc())
            .limit(200)
        )
    )


def own_nda(session: Session, creator_id: int, nda_id: int) -> Nda:
    nda = session.get(Nda, nda_id)
    if nda is None or nda.creator_id != creator_id or nda.status not in VISIBLE:
        raise NotFound("No such NDA.")
    return nda


def latest_signature(session: Session, nda_id: int) -> NdaSignature | None:
    return session.scalar(
        select(NdaSignature)
        .where(NdaSignature.nda_id == nda_id)
        .order_by(NdaSignature.signed_at.desc(), NdaSignature.id.desc())
        .limit(1)
    )


def signatures_by_nda(session: Session, nda_ids: list[int]) -> dict[int, NdaSignature]:
    """The newest signature of each NDA, in one query."""
    if not nda_ids:
        return {}
    rows = session.scalars(
        select(NdaSignature)
        .where(NdaSignature.nda_id.in_(nda_ids))
        .order_by(NdaSignature.signed_at, NdaSignature.id)
    )
    return {row.nda_id: row for row in rows}


def needs_signature(nda: Nda, signature: NdaSignature | None) -> bool:
    if nda.status == "sent":
        return True
    return (
        nda.status == "signed"
        and signature is not None
        and signature.document_version != document_version(nda)
    )


@dataclass(frozen=True)
class Evidence:
    typed_name: str
    version_seen: str
    agreed: bool
    ip: str
    user_agent: str


def sign(
    session: Session, actor: CreatorActor, nda: Nda, evidence: Evidence, today: date
) -> NdaSignature:
    """Sign the NDA as it stands; a sent NDA becomes signed, which R1 then honours."""
    if nda.creator_id != actor.creator_id or nda.status not in VISIBLE:
        raise NotFound("No such NDA.")
    previous = latest_signature(session, nda.id)
    if not needs_signature(nda, previous):
        raise Conflict("This NDA has nothing to sign: it is not waiting for your signature.")
    name = " ".join((evidence.typed_name or "").split())
    problems: dict[str, list[str]] = {}
    if not 2 <= len(name) <= 200 or any(ord(c) < 32 for c in name):
        problems["typed_name"] = ["type your full name (2 to 200 characters)"]
    if not evidence.agreed:
        problems["agree"] = ["tick the box to confirm you agree to these terms"]
    if problems:
        raise Invalid(problems)
    version = document_version(nda)
    if evidence.version_seen != version:
        raise Conflict(
            "The terms of this NDA changed while you were reading them. Read the new terms "
            "below and sign again."
        )
    first_signature = nda.status == "sent"
    if first_signature:
        if nda.effective_on is None:
            update_nda(session, actor, nda, effective_on=today)
            version = document_version(nda)
        transition_nda(session, actor, nda, "signed", today, signed_on=today, electronic=True)
    elif nda.needs_resignature:
        record_resignature(session, actor, nda, nda.terms)  # R1 honours it again
    signature = NdaSignature(
        nda_id=nda.id,
        creator_id=nda.creator_id,
        account_id=actor.account_id,
        signer_email=actor.email,
        typed_name=name,
        signed_at=utcnow(),
        ip=(evidence.ip or "")[:64],
        user_agent=(evidence.user_agent or "")[:300],
        terms_sha256=terms_sha256(nda.terms),
        document_version=version,
        document_sha256=nda.document_sha256,
        terms=nda.terms,
    )
    session.add(signature)
    session.flush()
    record(
        session,
        actor,
        "nda.portal_sign" if first_signature else "nda.portal_resign",
        "nda",
        nda.id,
        {
            "signature_id": signature.id,
            "typed_name": name,
            "ip": signature.ip,
            "terms_sha256": signature.terms_sha256,
            "document_version": version,
        },
    )
    activity.note(
        session,
        actor,
        "nda.sign",
        f"signed NDA #{nda.id}" if first_signature else f"signed the new terms of NDA #{nda.id}",
        "nda",
        nda.id,
    )
    return signature


def signed_copy(nda: Nda, signature: NdaSignature, creator_name: str) -> str:
    """The signed copy: a plain-text record of the terms and the evidence."""
    lines = [
        f"NDA #{nda.id} — signed copy",
        "=" * 40,
        f"Creator: {creator_name}",
        f"Covers: {', '.join(p.name for p in nda.products) or '—'}",
        f"Effective on: {nda.effective_on or '—'}",
        f"Expires on: {nda.expires_on or 'open-ended'}",
        "",
        "Signature",
        "-" * 40,
        f"Typed full name: {signature.typed_name}",
        f"Signed by account: {signature.signer_email}",
        f"Signed at (UTC): {signature.signed_at.isoformat()}",
        f"Network address: {signature.ip}",
        f"User agent: {signature.user_agent}",
        f"SHA-256 of the terms: {signature.terms_sha256}",
        f"Document version: {signature.document_version}",
    ]
    if signature.document_sha256:
        lines.append(f"SHA-256 of the attached document: {signature.document_sha256}")
    if signature.terms_sha256 != terms_sha256(nda.terms):
        lines += ["", "Note: the NDA's terms changed after this signature."]
    lines += ["", "Terms as signed", "-" * 40, signature.terms, ""]
    return "\n".join(lines)
