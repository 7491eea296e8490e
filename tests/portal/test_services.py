"""Portal rules without HTTP: invitations and links, logins and sessions, NDA signatures,
submissions, feedback and the media manager with the creator as actor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.agreements import services as agreements
from crm.approvals import services as approvals
from crm.approvals.services import RevisionInput
from crm.audit.models import AuditEvent
from crm.common.errors import Conflict, Invalid, NotFound, TooManyRequests
from crm.licensing.models import Consent, Work
from crm.licensing.services import effective_decision
from crm.mail.models import OutboxMessage
from crm.portal.models import PortalSession
from crm.portal.services import accounts, content, media, ndas
from tests.factories import NdaFactory, ProductFactory, UserFactory
from tests.portal.conftest import PASSWORD, SETTINGS, token_of

TODAY = date(2026, 3, 10)


def _actor(account, creator):
    return accounts.actor_for(account, creator.id)


# --- invitations, links, logins ----------------------------------------------------------


def test_invitation_is_emailed_through_the_outbox_and_works_once(db, make_creator, make_user):
    creator = make_creator()
    manager = make_user("manager")
    invitation = accounts.invite(
        db, manager, creator_id=creator.id, email="Maya@Example.com", settings=SETTINGS
    )
    message = db.scalar(
        select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"portal-link:{invitation.link.id}"
        )
    )
    assert message is not None and message.to == "maya@example.com"
    assert invitation.url in message.text
    assert invitation.link.token_hash != token_of(invitation.url)  # only the hash is stored
    account, creator_id = accounts.redeem(db, accounts.INVITE, token_of(invitation.url), PASSWORD)
    assert creator_id == creator.id and account.password_hash
    with pytest.raises(accounts.LinkUnusable) as used:
        accounts.redeem(db, accounts.INVITE, token_of(invitation.url), PASSWORD)
    assert used.value.reason == "used"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "portal.invite_accept"))
    assert event.actor_id is None and "(portal)" in event.actor_label
    assert PASSWORD not in str(event.changes)


def test_a_weak_password_does_not_use_the_link_up(db, make_creator, make_user):
    creator = make_creator()
    invitation = accounts.invite(
        db, make_user("manager"), creator_id=creator.id, email="a@example.com", settings=SETTINGS
    )
    with pytest.raises(Invalid):
        accounts.redeem(db, accounts.INVITE, token_of(invitation.url), "short")
    accounts.redeem(db, accounts.INVITE, token_of(invitation.url), PASSWORD)


def test_expired_and_replaced_links_are_refused(db, make_creator, make_user):
    creator = make_creator()
    manager = make_user("manager")
    first = accounts.invite(
        db, manager, creator_id=creator.id, email="b@example.com", settings=SETTINGS
    )
    second = accounts.invite(
        db, manager, creator_id=creator.id, email="b@example.com", settings=SETTINGS
    )
    with pytest.raises(accounts.LinkUnusable) as replaced:
        accounts.check_link(db, accounts.INVITE, token_of(first.url))
    assert replaced.value.reason == "replaced"
    second.link.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.flush()
    with pytest.raises(accounts.LinkUnusable) as expired:
        accounts.check_link(db, accounts.INVITE, token_of(second.url))
    assert expired.value.reason == "expired"


def test_an_agent_gets_one_account_for_several_creators(db, make_creator, make_user):
    manager = make_user("manager")
    one, two = make_creator(), make_creator()
    a = accounts.invite(
        db,
        manager,
        creator_id=one.id,
        email="agent@example.com",
        relation="representative",
        settings=SETTINGS,
    )
    b = accounts.invite(
        db,
        manager,
        creator_id=two.id,
        email="agent@example.com",
        relation="representative",
        settings=SETTINGS,
    )
    assert a.account.id == b.account.id
    assert {m.creator_id for m in b.account.memberships} == {one.id, two.id}


def test_archived_and_do_not_contact_creators_cannot_be_invited(db, make_creator, make_user):
    manager = make_user("manager")
    with pytest.raises(Conflict):
        accounts.invite(
            db,
            manager,
            creator_id=make_creator(archived=True).id,
            email="c@example.com",
            settings=SETTINGS,
        )
    with pytest.raises(Conflict):
        accounts.invite(
            db,
            manager,
            creator_id=make_creator(status="do_not_contact").id,
            email="d@example.com",
            settings=SETTINGS,
        )
    with pytest.raises(Invalid):
        accounts.invite(
            db, manager, creator_id=make_creator().id, email="x\r\ny@example.com", settings=SETTINGS
        )


def test_login_failures_look_alike_and_are_throttled(db, make_creator, make_portal_account):
    account = make_portal_account(make_creator())
    for _ in range(SETTINGS.per_account):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(db, account.email, "wrong password here", "10.0.0.1", SETTINGS)
    with pytest.raises(TooManyRequests):
        accounts.authenticate(db, account.email, PASSWORD, "10.0.0.1", SETTINGS)
    with pytest.raises(accounts.LoginFailed) as unknown:
        accounts.authenticate(db, "nobody@example.com", PASSWORD, "10.0.0.2", SETTINGS)
    assert unknown.value.message == accounts.LoginFailed.message


def test_login_link_is_sent_only_to_known_accounts(db, make_creator, make_portal_account):
    account = make_portal_account(make_creator())
    accounts.request_login_link(db, "nobody@example.com", "10.0.0.3", SETTINGS)
    accounts.request_login_link(db, account.email, "10.0.0.3", SETTINGS)
    sent = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "portal_login")).all()
    assert [m.to for m in sent] == [account.email]


def test_sessions_time_out_and_log_out_everywhere(db, make_creator, make_portal_account):
    creator = make_creator()
    account = make_portal_account(creator)
    key = accounts.start_session(db, account, creator.id, "1.2.3.4", "ua")
    other = accounts.start_session(db, account, creator.id, "1.2.3.4", "ua")
    row = accounts.load_session(db, key, SETTINGS)
    assert row is not None
    row.last_seen_at = datetime.now(UTC) - timedelta(minutes=SETTINGS.idle_minutes + 1)
    db.flush()
    assert accounts.load_session(db, key, SETTINGS) is None  # idle
    row2 = accounts.load_session(db, other, SETTINGS)
    row2.created_at = datetime.now(UTC) - timedelta(hours=SETTINGS.absolute_hours, minutes=1)
    db.flush()
    assert accounts.load_session(db, other, SETTINGS) is None  # absolute
    third = accounts.start_session(db, account, creator.id, None, None)
    fourth = accounts.start_session(db, account, creator.id, None, None)
    accounts.log_out(db, _actor(account, creator), third, everywhere=True)
    db.expire_all()
    assert accounts.load_session(db, fourth, SETTINGS) is None


def test_removing_access_ends_the_sessions_for_that_creator(
    db, make_creator, make_portal_account, make_user
):
    creator = make_creator()
    account = make_portal_account(creator)
    key = accounts.start_session(db, account, creator.id, None, None)
    member = accounts.membership(db, account.id, creator.id)
    accounts.close_access(db, make_user("manager"), member)
    db.expire_all()
    assert accounts.load_session(db, key, SETTINGS) is None
    assert db.scalar(select(PortalSession).where(PortalSession.account_id == account.id)).ended_at


# --- NDAs --------------------------------------------------------------------------------


@pytest.fixture
def sent_nda(db, make_creator, make_portal_account):
    creator = make_creator()
    account = make_portal_account(creator)
    product = ProductFactory(name="Zephyr", public_on=None)
    nda = NdaFactory(
        creator_id=creator.id,
        status="sent",
        effective_on=None,
        expires_on=date(2027, 12, 31),
        terms="Keep Zephyr secret.",
        products=[product],
    )
    return creator, account, product, nda


def _evidence(nda, name="Maya Lindqvist", agreed=True, version=None):
    return ndas.Evidence(
        name, version or ndas.document_version(nda), agreed, "203.0.113.9", "Firefox"
    )


def test_signing_records_the_evidence_and_r1_then_honours_the_nda(db, sent_nda, make_user):
    creator, account, product, nda = sent_nda
    manager = make_user("manager")
    with pytest.raises(Conflict):  # R1 refuses before the signature
        agreements.create_grant(
            db,
            manager,
            creator_id=creator.id,
            product_id=product.id,
            starts_on=TODAY,
            ends_on=TODAY + timedelta(days=30),
        )
    signature = ndas.sign(db, _actor(account, creator), nda, _evidence(nda), TODAY)
    assert nda.status == "signed" and nda.effective_on == TODAY
    assert signature.typed_name == "Maya Lindqvist" and signature.ip == "203.0.113.9"
    assert signature.terms_sha256 == ndas.terms_sha256("Keep Zephyr secret.")
    assert signature.document_version == ndas.document_version(nda)
    grant = agreements.create_grant(
        db,
        manager,
        creator_id=creator.id,
        product_id=product.id,
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=30),
    )
    assert grant.nda_id == nda.id
    copy = ndas.signed_copy(nda, signature, creator.display_name)
    assert "Maya Lindqvist" in copy and signature.terms_sha256 in copy and "Keep Zephyr" in copy


def test_terms_changed_while_reading_are_not_signed(db, sent_nda):
    creator, account, _product, nda = sent_nda
    seen = ndas.document_version(nda)
    agreements.update_nda(db, UserFactory(role="legal"), nda, terms="New terms.")
    with pytest.raises(Conflict):
        ndas.sign(db, _actor(account, creator), nda, _evidence(nda, version=seen), TODAY)
    assert nda.status == "sent"


def test_terms_changed_after_signing_need_a_new_signature(db, sent_nda):
    creator, account, _product, nda = sent_nda
    actor = _actor(account, creator)
    first = ndas.sign(db, actor, nda, _evidence(nda), TODAY)
    assert not ndas.needs_signature(nda, first)
    agreements.update_nda(db, UserFactory(role="legal"), nda, terms="Keep Zephyr secret. Amended.")
    assert ndas.needs_signature(nda, ndas.latest_signature(db, nda.id))
    again = ndas.sign(db, actor, nda, _evidence(nda), TODAY)
    assert again.terms_sha256 != first.terms_sha256
    assert not ndas.needs_signature(nda, ndas.latest_signature(db, nda.id))


def test_signing_needs_a_name_and_agreement(db, sent_nda):
    creator, account, _product, nda = sent_nda
    with pytest.raises(Invalid) as exc:
        ndas.sign(db, _actor(account, creator), nda, _evidence(nda, name=" ", agreed=False), TODAY)
    assert set(exc.value.errors) == {"typed_name", "agree"}


def test_another_creators_nda_is_not_found(db, sent_nda, make_creator, make_portal_account):
    _creator, _account, _product, nda = sent_nda
    other = make_creator()
    stranger = make_portal_account(other)
    with pytest.raises(NotFound):
        ndas.sign(db, _actor(stranger, other), nda, _evidence(nda), TODAY)
    with pytest.raises(NotFound):
        ndas.own_nda(db, other.id, nda.id)


def test_draft_ndas_stay_internal(db, make_creator):
    creator = make_creator()
    draft = NdaFactory(creator_id=creator.id, status="draft")
    assert draft not in ndas.creator_ndas(db, creator.id)
    with pytest.raises(NotFound):
        ndas.own_nda(db, creator.id, draft.id)


# --- submissions -------------------------------------------------------------------------


PLANNED = datetime(2026, 9, 20, 15, 0, tzinfo=UTC)


def test_creator_drafts_submits_and_revises_with_checks_and_decisions(
    db, make_creator, make_portal_account
):
    creator = make_creator()
    account = make_portal_account(creator)
    actor = _actor(account, creator)
    legal = UserFactory(role="legal")
    sub = content.create_draft(
        db,
        actor,
        platform="instagram",
        title="Studio day",
        planned_for=PLANNED,
        revision=RevisionInput(body="Hello there"),
        is_video=False,
        tz="UTC",
    )
    assert sub.status == "draft" and sub.by_creator and sub.submitted_by is None
    content.submit(db, actor, sub)
    assert sub.status == "in_review"
    approvals.decide(db, legal, sub.id, sub.latest_revision, "request_changes", "Add #ad first.")
    emails = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "portal_decision")).all()
    assert [m.to for m in emails] == [account.email] and "Add #ad first." in emails[0].text
    revision = content.revise(db, actor, sub, RevisionInput(body="#ad Hello there"), tz="UTC")
    assert revision.number == 2 and revision.by_creator and sub.status == "in_review"
    approvals.decide(db, legal, sub.id, 2, "approve", "")
    view = content.submission_view(db, creator.id, sub.id)
    assert [d.decision for d in view.decisions] == ["approve", "request_changes"]


def test_a_creator_cannot_touch_another_creators_submission(db, make_creator, make_portal_account):
    mine, theirs = make_creator(), make_creator()
    actor = _actor(make_portal_account(mine), mine)
    other = approvals.create_submission(
        db,
        UserFactory(role="manager"),
        creator_id=theirs.id,
        platform="instagram",
        title="Theirs",
        planned_for=PLANNED,
        revision=RevisionInput(body="#ad x"),
        submit=False,
    )
    with pytest.raises(NotFound):
        content.submit(db, actor, other)
    with pytest.raises(Exception) as refused:  # the approvals rule itself refuses too
        approvals.submit_for_review(db, actor, other)
    assert "Only managers" in str(refused.value)


def test_feedback_names_only_products_the_creator_may_know(
    db, make_creator, make_portal_account, make_grant
):
    creator = make_creator()
    actor = _actor(make_portal_account(creator), creator)
    secret = ProductFactory(name="Hidden", public_on=None)
    granted = ProductFactory(name="Granted", public_on=None)
    released = ProductFactory(name="Out", public_on=date(2026, 1, 1))
    make_grant(creator, granted)
    names = {p.name for p in content.reportable_products(db, creator.id, TODAY)}
    assert {"Granted", "Out"} <= names and "Hidden" not in names
    with pytest.raises(Invalid):
        content.report_feedback(
            db,
            actor,
            product_id=secret.id,
            category="bug",
            severity="low",
            title="x",
            body="",
            reproduction="",
            today=TODAY,
        )
    note = content.report_feedback(
        db,
        actor,
        product_id=granted.id,
        category="limitation",
        severity="high",
        title="Hands",
        body="b",
        reproduction="r",
        today=TODAY,
    )
    assert note.creator_id == creator.id and note.status == "new" and released.id


# --- media manager -----------------------------------------------------------------------


def test_consent_from_the_portal_decides_at_once_with_its_evidence(
    db, make_creator, make_portal_account
):
    creator = make_creator()
    actor = _actor(make_portal_account(creator), creator)
    works = media.paste_works(
        db, actor, kind="image", urls="https://example.com/a.jpg\n\nhttps://example.com/b.jpg"
    )
    assert [w.title for w in works] == ["a.jpg", "b.jpg"]
    media.set_consent(
        db,
        actor,
        media.ConsentChoice("all", ["ai_generative_training", "ai_training"], "allowed"),
        ip="198.51.100.7",
        today=TODAY,
    )
    made = media.set_consent(
        db,
        actor,
        media.ConsentChoice(f"work:{works[0].id}", ["ai_generative_training"], "not_allowed"),
        ip="198.51.100.7",
        today=TODAY,
    )
    assert made[0].source == "creator_request" and "198.51.100.7" in made[0].evidence
    assert (
        effective_decision(db, works[0], "ai_generative_training", TODAY).decision == "not_allowed"
    )
    assert effective_decision(db, works[1], "ai_generative_training", TODAY).decision == "allowed"
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "consent.create", AuditEvent.entity_id == str(made[0].id)
        )
    )
    assert event.actor_id is None and actor.email in event.actor_label
    media.revoke(db, actor, made[0].id, today=TODAY)
    db.expire_all()
    assert effective_decision(db, works[0], "ai_generative_training", TODAY).decision == "allowed"


def test_a_creator_cannot_set_consent_on_another_creators_work(
    db, make_creator, make_portal_account
):
    mine, theirs = make_creator(), make_creator()
    actor = _actor(make_portal_account(mine), mine)
    foreign = Work(creator_id=theirs.id, kind="image", title="t", url="https://example.com/t.jpg")
    db.add(foreign)
    db.flush()
    with pytest.raises(Invalid):
        media.set_consent(
            db,
            actor,
            media.ConsentChoice(f"work:{foreign.id}", ["ai_training"], "allowed"),
            ip=None,
            today=TODAY,
        )
    with pytest.raises(Invalid):
        media.set_consent(
            db, actor, media.ConsentChoice("all", ["everything"], "allowed"), ip=None, today=TODAY
        )


def test_a_creator_revokes_only_their_own_requests(db, make_creator, make_portal_account):
    creator = make_creator()
    actor = _actor(make_portal_account(creator), creator)
    contract = Consent(
        creator_id=creator.id,
        use="ai_training",
        decision="allowed",
        source="contract",
        effective_on=date(2026, 1, 1),
    )
    db.add(contract)
    db.flush()
    with pytest.raises(Conflict):
        media.revoke(db, actor, contract.id, today=TODAY)
    assert contract.revoked_on is None


def test_pasted_lines_that_fail_are_named_by_line(db, make_creator, make_portal_account):
    creator = make_creator()
    actor = _actor(make_portal_account(creator), creator)
    with pytest.raises(Invalid) as exc:
        media.paste_works(db, actor, kind="image", urls="https://example.com/ok.jpg\nnot a url")
    assert any(m.startswith("line 2") for m in exc.value.errors["urls"])
    assert media.own_works(db, creator.id) == []


def test_purge_keeps_live_sessions_and_links(db, make_creator, make_portal_account):
    from crm.portal import tasks

    creator = make_creator()
    account = make_portal_account(creator)
    live = accounts.start_session(db, account, creator.id, None, None)
    old = accounts.start_session(db, account, creator.id, None, None)
    row = accounts.load_session(db, old, SETTINGS)
    row.ended_at = row.last_seen_at = datetime.now(UTC) - timedelta(days=40)
    db.flush()
    done = tasks.purge(db)
    assert done["portal_sessions"] == 1
    assert accounts.load_session(db, live, SETTINGS) is not None


def test_an_archived_creator_closes_the_portal(db, make_creator, make_portal_account):
    creator = make_creator()
    account = make_portal_account(creator)
    creator.archived = True
    db.flush()
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(db, account.email, PASSWORD, "10.0.0.9", SETTINGS)


def test_erasure_removes_the_portal_data(db, sent_nda, make_user):
    from crm.creators.erasure import erase_creator
    from crm.portal.models import PortalAccount

    creator, account, _product, nda = sent_nda
    ndas.sign(db, _actor(account, creator), nda, _evidence(nda), TODAY)
    account_id = account.id
    erase_creator(db, make_user("admin"), creator, today=TODAY, confirm_in_force=True)
    assert db.get(PortalAccount, account_id) is None
    signature = ndas.latest_signature(db, nda.id)
    assert signature.typed_name == "[erased]" and signature.ip == ""
    assert signature.terms_sha256 == ndas.terms_sha256(nda.terms)
