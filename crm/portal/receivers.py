"""The portal's answers to other domains' signals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.approvals.notifications import DECISION_LABELS
from crm.creators.models import Creator
from crm.mail.notifications import absolute_url, base_url, subject_line
from crm.mail.rendering import render_email
from crm.mail.services import enqueue
from crm.portal.models import PortalAccount, PortalMembership


def email_decision_to_creator(submission, *, session: Session, decision, **_kwargs) -> None:
    """Receiver of `decision_recorded`: legal's decision and comment reach the creator's
    portal accounts that asked for them (one email per account and decision)."""
    rows = session.scalars(
        select(PortalAccount)
        .join(PortalMembership, PortalMembership.account_id == PortalAccount.id)
        .where(
            PortalMembership.creator_id == submission.creator_id,
            PortalAccount.active.is_(True),
            PortalAccount.notify_decisions.is_(True),
            PortalAccount.password_hash.is_not(None),
        )
        .order_by(PortalAccount.id)
    )
    label = DECISION_LABELS.get(decision.decision, decision.decision.replace("_", " "))
    for account in rows:
        context = {
            "submitter": account,
            "decision": decision.decision,
            "label": label,
            "comment": (decision.comment or "").strip(),
            "url": absolute_url(f"/portal/submissions/{submission.id}"),
            "title": submission.title,
            "reviewer_name": None,  # reviewers stay unnamed to creators
            "base_url": base_url(),
        }
        enqueue(
            session,
            to=account.email,
            subject=subject_line(f"{submission.title}: {label}"),
            text=render_email("email/decision.txt", **context),
            html=render_email("email/decision.html", **context),
            kind="portal_decision",
            idempotency_key=f"portal-decision:{account.id}:{decision.id}",
        )


def _joined_accounts(session: Session, creator_id: int) -> list[PortalAccount]:
    """The creator's portal accounts that accepted their invitation and are open."""
    return list(
        session.scalars(
            select(PortalAccount)
            .join(PortalMembership, PortalMembership.account_id == PortalAccount.id)
            .where(
                PortalMembership.creator_id == creator_id,
                PortalMembership.accepted_at.is_not(None),
                PortalAccount.active.is_(True),
            )
            .order_by(PortalAccount.id)
        )
    )


def _email_nda(session: Session, nda, *, kind: str, key: str, subject: str, intro: str) -> None:
    creator = session.get(Creator, nda.creator_id)
    if creator is None or creator.archived or creator.status == "do_not_contact":
        return
    for account in _joined_accounts(session, nda.creator_id):
        context = {
            "account": account,
            "subject": subject,
            "intro": intro,
            "products": ", ".join(p.name for p in nda.products) or "—",
            "expires_on": nda.expires_on,
            "url": absolute_url(f"/portal/ndas/{nda.id}"),
            "base_url": base_url(),
        }
        enqueue(
            session,
            to=account.email,
            subject=subject_line(subject),
            text=render_email("email/portal_nda.txt", **context),
            html=render_email("email/portal_nda.html", **context),
            kind=kind,
            idempotency_key=f"{key}:{account.id}",
        )


def email_nda_sent(nda, *, session: Session, **_kwargs) -> None:
    """Receiver of `nda_sent`: the creator's portal accounts get a link to read and sign."""
    _email_nda(
        session,
        nda,
        kind="portal_nda_sent",
        key=f"portal-nda-sent:{nda.id}:{nda.terms_sha256}",
        subject=f"An NDA to sign: NDA #{nda.id}",
        intro=(
            "An NDA was sent to you for signature. Read its terms in your creator portal and "
            "sign it there by typing your full name."
        ),
    )


def email_nda_terms_changed(nda, *, session: Session, after: str, **_kwargs) -> None:
    """Receiver of `nda_terms_changed`: the creator reads the new terms (and, for a signed
    NDA, signs them again)."""
    if nda.status == "signed":
        intro = (
            "The terms of an NDA you signed changed. Read the new terms in your creator portal "
            "and sign them again; until then the NDA no longer counts as signed for new "
            "early access."
        )
    else:
        intro = (
            "The terms of an NDA waiting for your signature changed. Read the new terms in "
            "your creator portal before you sign."
        )
    _email_nda(
        session,
        nda,
        kind="portal_nda_terms",
        key=f"portal-nda-terms:{nda.id}:{after}",
        subject=f"New terms to read: NDA #{nda.id}",
        intro=intro,
    )


def erase_portal_data(creator, *, session: Session, counts: dict, **_kwargs) -> None:
    """Receiver of `creator_erased`: the creator's portal access ends and the portal's
    personal data about them goes — sessions, links, memberships (and accounts left with
    none), activity lines; signatures keep only their hashes and time."""
    from sqlalchemy import delete, update

    from crm.portal.models import NdaSignature, PortalActivity, PortalLink, PortalSession

    account_ids = list(
        session.scalars(
            select(PortalMembership.account_id).where(PortalMembership.creator_id == creator.id)
        )
    )
    session.execute(delete(PortalSession).where(PortalSession.creator_id == creator.id))
    session.execute(delete(PortalLink).where(PortalLink.creator_id == creator.id))
    session.execute(delete(PortalMembership).where(PortalMembership.creator_id == creator.id))
    activity = session.execute(
        delete(PortalActivity).where(PortalActivity.creator_id == creator.id)
    )
    session.execute(
        update(NdaSignature)
        .where(NdaSignature.creator_id == creator.id)
        .values(
            typed_name="[erased]", signer_email="[erased]", ip="", user_agent="", account_id=None
        )
        .execution_options(synchronize_session=False)
    )
    orphans = [
        account_id
        for account_id in account_ids
        if session.scalar(
            select(PortalMembership.id).where(PortalMembership.account_id == account_id).limit(1)
        )
        is None
    ]
    if orphans:
        session.execute(delete(PortalAccount).where(PortalAccount.id.in_(orphans)))
    session.expire_all()
    counts["portal_accounts"] = len(orphans)
    counts["portal_activity"] = getattr(activity, "rowcount", 0) or 0
